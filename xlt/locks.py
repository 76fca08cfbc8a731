"""One process at a time on a run, a results file or a raw source: an OS lock with a note of its holder.

The lock is an advisory OS lock (`filelock`, https://py-filelock.readthedocs.io, flock on POSIX) on a
``.lock`` file beside what it protects, so the OS releases it when its holder exits or is killed: a
killed holder never leaves a lock that needs clearing by hand. Who holds it (PID, host, start time, the
command) is written to a sibling ``.lock.owner`` file, so that a refused second process can say which
process to wait for or stop. The lock file itself is never deleted (deleting it would let two processes
lock two different inodes of the same path). Within one process the lock is re-entrant. Once held, the
temporaries a killed earlier holder left behind are swept (:func:`xlt.workspace.lock_leftovers`).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from xlt.errors import LockedError, from_os_error
from xlt.workspace import lock_leftovers, sweep_stale_tmp

_held: dict[Path, int] = {}


def owner_path(lock: Path) -> Path:
    return lock.with_name(lock.name + ".owner")


def read_owner(lock: Path) -> dict[str, Any]:
    """What the holder wrote about itself ({} when unknown)."""
    try:
        value = json.loads(owner_path(lock).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def describe_owner(owner: dict[str, Any]) -> str:
    """``PID 4711 on host node3 since 2026-12-01T10:00:00+00:00 (xlt pretrain --hr spa)``."""
    if not owner:
        return "a process that did not say who it is"
    text = f"PID {owner.get('pid', '?')} on host {owner.get('host', '?')} since {owner.get('started', '?')}"
    return text + (f" ({owner['command']})" if owner.get("command") else "")


@contextlib.contextmanager
def exclusive(lock: Path, what: str, enabled: bool = True, wait: bool = False) -> Iterator[None]:
    """Hold `lock` for the block; a second process fails at once with one line naming the holder.

    `what` names the protected thing in that line (``run spa-tiny-s0``, ``results/perplexity.parquet``).
    `enabled=False` holds nothing: the other ranks of one multi-process job (their main process holds it).
    `wait=True` waits for the holder instead (a shared cache that the first writer builds for everyone).
    """
    lock = lock.absolute()
    if not enabled:
        yield
        return
    if _held.get(lock):
        _held[lock] += 1
        try:
            yield
        finally:
            _held[lock] -= 1
        return
    try:
        lock.parent.mkdir(parents=True, exist_ok=True)
        file_lock = FileLock(lock, blocking=wait, thread_local=False, fallback_to_soft=False)
        file_lock.acquire()
    except Timeout:
        raise LockedError(
            f"{what} is in use by {describe_owner(read_owner(lock))}",
            "wait for that process to finish, or stop it; a killed process releases the lock by itself",
        ) from None
    except OSError as exc:
        raise from_os_error(exc, "lock", lock) from exc
    _held[lock] = 1
    try:
        _write_owner(lock)
        for folder, pattern in lock_leftovers(lock):  # a killed earlier holder's temporaries
            sweep_stale_tmp(folder, pattern)
        yield
    finally:
        del _held[lock]
        with contextlib.suppress(OSError):
            owner_path(lock).unlink()
        file_lock.release()


def _write_owner(lock: Path) -> None:
    owner = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(["xlt", *sys.argv[1:]]) if sys.argv else "",
    }
    with contextlib.suppress(OSError):  # the note is a courtesy; the OS lock is what protects
        owner_path(lock).write_text(json.dumps(owner) + "\n", encoding="utf-8")
