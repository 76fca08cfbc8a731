"""The fault suite: kill -9 each stage while it publishes a result, re-run it, get what an uninterrupted
run gets.

Every stage runs as a real `xlt` process on the quick experiment's settings. For each stage and each of
several moments (the 1st, 2nd, 4th and 8th time the stage is about to publish a finished file or directory:
`XLT_KILL_AT=write:N`, see `xlt/faults.py`) the stage is started on a copy of the workspace as the stage
before left it, killed there with SIGKILL, and started again without the fault; its outputs must then
equal the uninterrupted run's: text byte for byte, parquet tables cell for cell (times of day aside),
model weights byte for byte, and no temporary file left behind. Slow (several minutes): `-m slow`.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

pytestmark = pytest.mark.slow

# The quick experiment's stages (xlt/experiment.py QUICK) on the sample, each with the outputs it owns.
STAGES: list[tuple[str, list[str], list[str]]] = [
    ("collect", ["collect", "sample", "--seed", "0"], ["raw"]),
    ("clean", ["clean", "--seed", "0", "--hr-min-tokens", "30000", "--lr-min-tokens", "10000"], ["corpus"]),
    ("base", ["pretrain", "--base", "--seed", "0", "--steps", "4", "--vocab-size", "1000"],
     ["models", "tokenizers", "runs"]),
    ("pretrain", ["pretrain", "--hr", "spa", "--model", "base", "--seed", "0", "--steps", "4"], ["runs"]),
    ("evaluate", ["evaluate", "--all-lr", "--baselines", "--max-blocks", "8"], ["results"]),
    ("analyze", ["analyze", "all"], ["analysis"]),
]  # fmt: skip
MOMENTS = (1, 2, 4, 8)
# Columns that record when, not what: they differ between any two runs.
WHEN = {"collected_at", "time", "created", "started", "finished", "seconds", "elapsed_s"}


def xlt(ws: Path, args: list[str], kill_at: int | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", "NO_COLOR": "1"}
    env.pop("XLT_KILL_AT", None)
    if kill_at is not None:
        env["XLT_KILL_AT"] = f"write:{kill_at}"
    command = [sys.executable, "-m", "xlt", "--workspace", str(ws), *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=900, check=False)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The uninterrupted run: a snapshot of the workspace after each stage (and `before` the first)."""
    root = tmp_path_factory.mktemp("faults")
    ws = root / "ws"
    ws.mkdir()
    snapshots = {"": root / "snap-start", "origin": ws}
    shutil.copytree(ws, snapshots[""])
    for name, args, _ in STAGES:
        done = xlt(ws, args)
        assert done.returncode == 0, f"{name}: {done.stderr[-2000:]}"
        snapshots[name] = root / f"snap-{name}"
        shutil.copytree(ws, snapshots[name])
    return snapshots


def _comparable(path: Path, ws: Path) -> object:
    """What must be equal between two runs: parquet cells (sorted, times of day dropped), safetensors
    tensors and metadata (the file's header order may differ), else the bytes with the workspace's own
    path written as <ws> (configs record where they were written)."""
    if path.suffix == ".parquet":
        frame = pl.read_parquet(path)
        frame = frame.drop([c for c in frame.columns if c in WHEN])
        return frame.sort(frame.columns) if frame.columns else frame
    if path.suffix == ".safetensors":
        from safetensors import safe_open

        with safe_open(str(path), "np") as handle:
            return (handle.metadata(), {k: handle.get_tensor(k).tobytes() for k in sorted(handle.keys())})
    if path.name == "events.jsonl" or path.suffix in {".png", ".log"}:
        return None  # events carry wall-clock times; plots are drawn from the tables compared here
    return path.read_bytes().replace(str(ws).encode(), b"<ws>")


def _outputs(ws: Path, owned: list[str], origin: Path | None = None) -> dict[str, object]:
    """The comparable outputs under `owned`; `origin`: where a snapshot's files were written."""
    found = {}
    for top in owned:
        for path in sorted((ws / top).rglob("*")):
            if path.is_file() and not path.name.endswith(".lock") and not path.name.endswith(".owner"):
                found[str(path.relative_to(ws))] = _comparable(path, origin or ws)
    return found


def _same(got: dict[str, object], want: dict[str, object]) -> list[str]:
    """Names of the outputs that differ (or exist on one side only)."""
    differ = sorted(set(got) ^ set(want))
    for name in set(got) & set(want):
        a, b = got[name], want[name]
        equal = a.equals(b) if isinstance(a, pl.DataFrame) and isinstance(b, pl.DataFrame) else a == b
        if not equal:
            differ.append(name)
    return sorted(differ)


@pytest.mark.parametrize("moment", MOMENTS)
@pytest.mark.parametrize("stage", [s[0] for s in STAGES])
def test_killed_stage_resumes_to_the_uninterrupted_result(
    stage: str, moment: int, reference: dict[str, Path], tmp_path: Path
) -> None:
    names = [s[0] for s in STAGES]
    index = names.index(stage)
    _, args, owned = STAGES[index]
    ws = tmp_path / "ws"
    shutil.copytree(reference[names[index - 1] if index else ""], ws)
    killed = xlt(ws, args, kill_at=moment)
    if killed.returncode == 0:
        assert moment > 1, f"{stage} published nothing: the fault point is never reached"
        pytest.skip(f"{stage} publishes fewer than {moment} results")
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    again = xlt(ws, args)
    assert again.returncode == 0, again.stderr[-2000:]
    assert _same(_outputs(ws, owned), _outputs(reference[stage], owned, reference["origin"])) == []
    leftovers = [str(p) for p in ws.rglob("*.tmp")]
    assert leftovers == [], "temporaries of the killed process are left behind"
