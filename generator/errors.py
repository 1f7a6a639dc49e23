"""The one exception type the CLI turns into a one-line message."""


class StackgenError(Exception):
    """A problem the user can fix; printed as a single line, exit status 1."""
