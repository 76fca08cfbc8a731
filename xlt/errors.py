"""One error hierarchy: every user-facing failure is an `XltError` with a message and a hint.

The CLI entry point turns these into one line on stderr (exit code 1, or 2 for usage errors);
a traceback is shown only with ``XLT_DEBUG=1``.
"""

from __future__ import annotations


class XltError(Exception):
    """A problem the user can fix: what went wrong, where, and what to do."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class UsageError(XltError):
    """Bad combination of options or arguments (exit code 2, like click's usage errors)."""

    exit_code = 2


class InputError(XltError):
    """An input file or directory is missing, corrupt, empty or in the wrong format."""


class UnknownLanguageError(XltError):
    """A language name or code that the registry cannot resolve."""


class WorkspaceError(XltError):
    """A stage's expected input is not in the workspace (run the earlier stage first)."""


class TrainingError(XltError):
    """Training stopped: NaN/inf loss, corpus too small, incompatible checkpoint."""


class NothingCollectedError(InputError):
    """Not a single line could be collected from the inputs of `xlt collect`."""


class CorpusTooSmallError(TrainingError):
    """A language's corpus split has fewer tokens than one block of the requested length."""
