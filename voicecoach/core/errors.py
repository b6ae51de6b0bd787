"""Errors a user can fix: the CLI prints them as one line and exits with code 2."""

from __future__ import annotations


class UserError(Exception):
    """A problem the person can fix (bad file, bad option). Printed as one line, exit 2."""


class DataFileError(UserError):
    """A data file (exercises, commands, prompts, routines) is malformed.

    The message always names the file and, when known, the line and the field.
    """

    def __init__(self, path: str, problem: str, line: int | None = None, field: str | None = None):
        self.path = str(path)
        self.problem = problem
        self.line = line
        self.field = field
        where = self.path if line is None else f"{self.path}:{line}"
        what = f"{field}: {problem}" if field else problem
        super().__init__(f"{where}: {what}")
