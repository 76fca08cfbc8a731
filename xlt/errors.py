"""One error hierarchy: every user-facing failure is an `XltError` with a message and a hint.

The CLI entry point turns these into one line on stderr (exit code 1, or 2 for usage errors);
a traceback is shown only with ``XLT_DEBUG=1``.
"""

from __future__ import annotations

import errno
import os
import re


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


class LockedError(XltError):
    """Another process is working on the same run, results file or source (one at a time)."""


# What an errno means for the person who has to fix it (the `errno` names of the C library).
_OS_FIXES: dict[int, tuple[str, str]] = {
    errno.ENOSPC: ("no space left on the device", "free some space, or use a --workspace on another disk"),
    errno.EDQUOT: ("disk quota exceeded", "free some space, or use a --workspace on another disk"),
    errno.EROFS: ("the file system is read-only", "use a writable --workspace"),
    errno.EACCES: ("permission denied", "check the permissions, or use another --workspace"),
    errno.EPERM: ("operation not permitted", "check the permissions, or use another --workspace"),
    errno.ENOTDIR: ("a path component is a file, not a directory", "point --workspace at a directory"),
    errno.EISDIR: ("it is a directory, not a file", "give the path of a file"),
    errno.ENOENT: ("no such file or directory", "check the path"),
    errno.EMFILE: ("too many open files", "raise the limit (ulimit -n) and run the command again"),
    errno.ENAMETOOLONG: ("the file name is too long", "use a shorter path"),
}


def from_os_error(exc: OSError, action: str = "use", path: object = None, what: str = "") -> WorkspaceError:
    """An OSError as one line: what failed on which path, and what to do about it.

    `path` names the file the caller was writing: the OSError of a full disk names none. `what` names the
    work that stopped (``cleaning spa``); finished work stays on disk, so the fix always ends in a re-run.
    """
    where = path if path is not None else (exc.filename or "a workspace file")
    reason, fix = _OS_FIXES.get(exc.errno or -1, (exc.strerror or str(exc) or "operating-system error", ""))
    lead = f"{what}: " if what else ""
    resume = "then re-run the command: finished work is kept"
    hint = f"{fix}, {resume}" if fix else resume
    return WorkspaceError(f"{lead}cannot {action} {where}: {reason}", hint)


# Rust libraries (safetensors, tokenizers) report OS errors as text: `IoError(Os { code: 28, ... })`.
_RUST_OS_ERROR = re.compile(r"Os \{ code: (\d+)")


def as_os_error(exc: BaseException) -> OSError | None:
    """The operating-system error behind `exc`, if there is one: the exception itself, its cause or
    context, or the errno a Rust library wrote into its message."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno is not None:
            return current
        if match := _RUST_OS_ERROR.search(str(current)):
            code = int(match.group(1))
            return OSError(code, os.strerror(code))
        current = current.__cause__ or current.__context__
    return None
