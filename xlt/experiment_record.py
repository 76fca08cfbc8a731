"""The record of the last finished `xlt experiment`: the stages it ran and a fingerprint of what it left.

Every stage skips its finished work, but only once its process has started, imported torch and read its
inputs: 5-18 s a stage, about 90 s for a finished experiment of 13 stages with nothing to do (measured
2026-12-02 on 2 cores). When the planned stages are the ones the record names and no file of the
workspace, nor of xlt's own code, has changed since they finished, no stage has anything to do, and the
experiment says so without starting them.

The fingerprint is (path, size, modification time) of every file: a file changed or deleted by hand, a
command run by hand, an experiment interrupted after the record was written — each leaves a different
fingerprint, and then every stage runs and decides for itself, as without the record. Left out: `logs/`
(the experiment's own output and this record), `cache/` (derived data that the stages rebuild) and hidden
names (locks, their owner notes, temporary folders). Symlinked folders are followed (a corpus linked in
from elsewhere counts), each real folder once.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import xlt
from xlt.workspace import Workspace, atomic_write_text

_NOT_FINGERPRINTED = frozenset({"logs", "cache"})


@dataclass
class ExperimentRecord:
    """What a finished experiment ran (each stage's arguments and seconds) and the workspace it left."""

    stages: list[list[str]]
    seconds: list[float]
    total_seconds: float  # wall time (side-by-side stages overlap)
    fingerprint: str
    finished: str  # ISO time


def record_path(workspace: Workspace) -> Path:
    return workspace.root / "logs" / "experiment.json"


def lock_path(workspace: Workspace) -> Path:
    """Held while `xlt experiment` runs on the workspace: a second one is refused."""
    return workspace.root / "logs" / ".experiment.lock"


def fingerprint(workspace: Workspace) -> str | None:
    """A hash of (path, size, mtime) of the workspace's files and of xlt's code; None when a file
    vanished or could not be read while it was walked (then nothing can be taken as unchanged)."""
    digest = hashlib.sha256(xlt.__version__.encode())
    code = Path(xlt.__file__).parent.resolve()
    root = workspace.root.resolve()
    try:
        _add_tree(digest, code, skip=set() if code not in root.parents else {root})
        _add_tree(digest, root, skip={root / name for name in _NOT_FINGERPRINTED} | {code})
    except OSError:
        return None
    return digest.hexdigest()


def _add_tree(digest: Any, top: Path, skip: set[Path]) -> None:
    """Add every file under `top` (symlinked folders followed, each real folder once), hidden names and
    `skip` left out. A folder that cannot be listed raises (os.walk would drop it silently)."""

    def fail(error: OSError) -> None:
        raise error

    digest.update(b"\0" + os.fsencode(top) + b"\0")
    seen: set[Path] = set()
    for folder, dirs, files in os.walk(top, followlinks=True, onerror=fail):
        here = Path(folder)
        real = here.resolve()
        if real in seen:  # a symlink loop, or a folder linked twice
            dirs[:] = []
            continue
        seen.add(real)
        dirs[:] = sorted(
            d for d in dirs if not d.startswith(".") and d != "__pycache__" and here / d not in skip
        )
        for name in sorted(files):
            if name.startswith(".") or name.endswith(".pyc"):
                continue
            path = here / name
            try:
                stat = path.stat()
            except FileNotFoundError:
                stat = path.lstat()  # a dangling symlink: its own entry still counts
            rel = os.fsencode(path.relative_to(top))  # any file name, UTF-8 or not
            digest.update(rel + f"\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())


def read_record(workspace: Workspace) -> ExperimentRecord | None:
    """The last finished experiment's record; None when there is none or it cannot be read (then every
    stage runs and checks its own work, so an unreadable record costs time, never results)."""
    try:
        data = json.loads(record_path(workspace).read_text(encoding="utf-8"))
        record = ExperimentRecord(
            stages=[[str(arg) for arg in stage] for stage in data["stages"]],
            seconds=[float(s) for s in data["seconds"]],
            total_seconds=float(data["total_seconds"]),
            fingerprint=str(data["fingerprint"]),
            finished=str(data["finished"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return record if len(record.seconds) == len(record.stages) else None


def write_record(
    workspace: Workspace, stages: list[list[str]], seconds: list[float], total_seconds: float
) -> None:
    """Record a finished experiment (after its last stage; nothing may write the workspace after it)."""
    found = fingerprint(workspace)
    if found is None:
        return
    finished = datetime.now(UTC).isoformat(timespec="seconds")
    record = ExperimentRecord(stages, seconds, total_seconds, found, finished)
    path = record_path(workspace)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(asdict(record), indent=1) + "\n")


def unchanged_record(workspace: Workspace) -> ExperimentRecord | None:
    """The last finished experiment's record when nothing has changed since it was written."""
    record = read_record(workspace)
    return record if record is not None and fingerprint(workspace) == record.fingerprint else None
