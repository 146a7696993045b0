"""The one exception type the CLI prints as a single line and exit code 1 (no traceback)."""


class UserError(Exception):
    """Something the user can fix: the message says what is wrong and what to do."""
