"""User-facing errors.

Every mistake a user can make (missing file, malformed YAML, unbalanced stoichiometry, NaN in a
cycler file, wrong units, ...) is raised as :class:`DualionUserError`. The CLI turns it into one line
on stderr naming the file and the field, and exit code 2, with no traceback.
"""

from __future__ import annotations

import os


class DualionUserError(Exception):
    """An error in the user's input.

    Parameters
    ----------
    message:
        What is wrong and what was expected, in one sentence.
    file:
        The file (or other source) the error is in, if any.
    field:
        The field, column, key or option at fault, if any.
    """

    def __init__(self, message: str, *, file: str | os.PathLike | None = None, field: str | None = None):
        self.message = str(message)
        self.file = None if file is None else os.fspath(file)
        self.field = field
        super().__init__(self.one_line())

    def one_line(self) -> str:
        """``file: field: message`` on a single line (parts omitted when unknown)."""
        parts = [p for p in (self.file, self.field) if p]
        text = ": ".join(parts + [self.message])
        return " ".join(text.split("\n"))


class DualionWarning(UserWarning):
    """A recoverable problem in the user's input (reported, never silent)."""
