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
names (locks, their owner notes, temporary folders).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

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
    vanished while it was read (something is writing: nothing can be taken as finished)."""
    digest = hashlib.sha256(xlt.__version__.encode())
    code = Path(xlt.__file__).parent
    try:
        _add_tree(digest, code, code, skip_top=frozenset())
        _add_tree(digest, workspace.root, workspace.root, skip_top=_NOT_FINGERPRINTED)
    except OSError:
        return None
    return digest.hexdigest()


def _add_tree(digest: hashlib._Hash, root: Path, top: Path, skip_top: frozenset[str]) -> None:
    digest.update(f"\0{root}\0".encode())
    for folder, dirs, files in os.walk(top):
        here = Path(folder)
        dirs[:] = sorted(
            d for d in dirs if not d.startswith(".") and not (here == top and d in skip_top)
            and d != "__pycache__"
        )  # fmt: skip
        for name in sorted(files):
            if name.startswith(".") or name.endswith(".pyc"):
                continue
            stat = (here / name).stat()
            digest.update(f"{(here / name).relative_to(root)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())


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
