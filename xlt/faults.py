"""Fault injection for the fault suite (`tests/test_faults.py`): die where a real crash would hurt most.

``XLT_KILL_AT=write:N`` makes the process SIGKILL itself the N-th time it is about to publish a finished
file or directory (:func:`xlt.workspace.atomic_open`, :func:`~xlt.workspace.atomic_dir`, the resume
state of :mod:`xlt.training.state`): the moment when the temporary is complete and the old version is
still in place. The suite then re-runs the same command and compares its outputs with an uninterrupted
run. Without the variable a point costs one dictionary lookup.
"""

from __future__ import annotations

import os
import signal

_seen: dict[str, int] = {}


def point(name: str) -> None:
    """Count one arrival at point `name`; SIGKILL this process at the arrival XLT_KILL_AT names."""
    spec = os.environ.get("XLT_KILL_AT")
    if not spec:
        return
    wanted, _, count = spec.partition(":")
    if wanted != name:
        return
    _seen[name] = _seen.get(name, 0) + 1
    if _seen[name] == int(count or 1):
        os.kill(os.getpid(), signal.SIGKILL)
