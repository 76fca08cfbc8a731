"""xlt.locks: one process at a time on a run or results file, a clear line naming the holder."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from xlt.errors import LockedError
from xlt.locks import exclusive, owner_path, read_owner

HOLD = """
import sys, time
from pathlib import Path
from xlt.locks import exclusive
with exclusive(Path(sys.argv[1]), "the thing"):
    print("held", flush=True)
    time.sleep(60)
"""


def _holder(lock: Path) -> subprocess.Popen[str]:
    process = subprocess.Popen([sys.executable, "-c", HOLD, str(lock)], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stdout.readline().strip() == "held"
    return process


def test_second_process_is_refused_with_the_holder(tmp_path: Path) -> None:
    """While another process holds the lock, acquiring fails at once naming its PID and host."""
    lock = tmp_path / "run" / ".lock"
    holder = _holder(lock)
    try:
        started = time.monotonic()
        with (
            pytest.raises(LockedError, match=rf"the thing is in use by PID {holder.pid} on host ") as info,
            exclusive(lock, "the thing"),
        ):
            pass
        assert time.monotonic() - started < 5  # refused at once, not after waiting
        assert "\n" not in str(info.value) and "stop it" in str(info.value)
    finally:
        holder.kill()
        holder.wait()


def test_killed_holder_releases_the_lock(tmp_path: Path) -> None:
    """SIGKILL gives the holder no chance to clean up, yet the lock is free and the note is replaced."""
    lock = tmp_path / ".lock"
    holder = _holder(lock)
    assert read_owner(lock)["pid"] == holder.pid
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    with exclusive(lock, "the thing"):
        assert read_owner(lock)["pid"] == os.getpid()
    assert not owner_path(lock).exists() and lock.exists()  # the lock file itself is never deleted


def test_reentrant_within_a_process(tmp_path: Path) -> None:
    """A library call that takes the lock inside a command that already holds it does not deadlock."""
    lock = tmp_path / ".lock"
    with exclusive(lock, "outer"), exclusive(lock, "inner"):
        assert read_owner(lock)["pid"] == os.getpid()
    assert not owner_path(lock).exists()


def test_evaluate_on_a_locked_results_file_is_one_line(run_cli, ws) -> None:  # type: ignore[no-untyped-def]
    """`xlt evaluate` while another process evaluates the same workspace: exit 1, one line, no traceback."""
    holder = _holder(ws.results_lock)
    try:
        (ws.root / "models" / "base").mkdir(parents=True)
        (ws.root / "models" / "base" / "config.json").write_text("{}")
        code, _, err = run_cli("evaluate", "--lr", "nya")
        assert code == 1
        assert err.startswith("error: results/perplexity.parquet is in use by PID") and err.count("\n") == 1
        assert "Traceback" not in err
    finally:
        holder.kill()
        holder.wait()


def test_taking_a_lock_sweeps_what_a_killed_holder_left(tmp_path: Path) -> None:
    """A writer killed mid-write leaves `.name.XXXX.tmp`; the lock's next holder removes it, and only it."""
    from xlt.workspace import Workspace

    ws = Workspace.resolve(tmp_path / "ws")
    (ws.corpus_dir / "spa").mkdir(parents=True)
    (ws.results_dir / "perplexity.parts").mkdir(parents=True)
    stale = [
        ws.corpus_dir / ".languages.parquet.abc.tmp",
        ws.corpus_dir / "spa" / ".train.txt.def.tmp",
        ws.results_dir / ".perplexity.parquet.ghi.tmp",
        ws.results_dir / "perplexity.parts" / ".rank1.parquet.jkl.tmp",
    ]
    kept = [
        ws.corpus_dir / "spa" / "train.txt",
        ws.results_dir / ".downstream.parquet.mno.tmp",  # another file's writer, under another lock
        ws.corpus_dir / "spa" / "deeper" / ".x.tmp",  # below the level a corpus writer writes
    ]
    for path in stale + kept:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    with exclusive(ws.corpus_lock, "corpus/"), exclusive(ws.results_lock, "results/perplexity.parquet"):
        assert [p for p in stale if p.exists()] == []
    assert all(p.exists() for p in kept)


def test_a_run_lock_sweeps_no_other_run(tmp_path: Path) -> None:
    """runs/.<id>.lock sits beside every run: taking it must not touch another run's temporaries."""
    from xlt.workspace import Workspace

    ws = Workspace.resolve(tmp_path / "ws")
    other = ws.runs_dir / ".tur-tiny-s0.abc.tmp"
    other.mkdir(parents=True)
    with exclusive(Workspace.run_lock(ws.run_dir("spa-tiny-s0")), "run spa-tiny-s0"):
        pass
    assert other.exists()


def test_a_target_lock_sweeps_that_targets_temporaries_only(tmp_path: Path) -> None:
    """tokenizers/.spm-a.lock guards tokenizer spm-a: a killed trainer's .spm-a.*.tmp goes, spm-b's stays."""
    mine, other = tmp_path / ".spm-a.x1.tmp", tmp_path / ".spm-b.x2.tmp"
    mine.mkdir()
    other.mkdir()
    with exclusive(tmp_path / ".spm-a.lock", "tokenizer spm-a", wait=True):
        assert not mine.exists() and other.exists()


def test_writers_remove_temporaries_of_dead_writers_only(tmp_path: Path) -> None:
    """A temporary of a killed writer goes at the next write into its folder; a live writer's and another
    host's stay (a sweep's tasks share caches)."""
    import subprocess

    from xlt import workspace as ws_module

    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead_pid = int(gone.stdout)
    host = ws_module._HOST
    dead = tmp_path / f".cache.npz.{host}-{dead_pid}.ab12cd34.tmp"
    live = tmp_path / f".other.npz.{host}-{os.getppid()}.ef56gh78.tmp"
    foreign = tmp_path / f".cache.npz.elsewhere-{dead_pid}.ij90kl12.tmp"
    for path in (dead, live, foreign):
        path.write_text("partial")
    ws_module.atomic_write_text(tmp_path / "cache.npz", "done")
    assert not dead.exists() and live.exists() and foreign.exists()
    assert (tmp_path / "cache.npz").read_text() == "done"
