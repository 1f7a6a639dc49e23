"""The one exception type the CLI turns into a one-line message."""


class StackgenError(Exception):
    """A problem the user can fix; its message is printed as a single line."""

    exit_code = 1
