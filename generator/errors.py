"""The one exception type the CLI turns into a one-line message."""


class StackgenError(Exception):
    """A problem the user can fix; its message is printed as a single line."""

    exit_code = 1


class ConflictsError(StackgenError):
    """An update finished but left conflict markers in some files."""

    def __init__(self, paths: list[str]) -> None:
        self.paths = paths
        super().__init__(f"{len(paths)} file(s) have conflicts to resolve: {', '.join(paths)}")
