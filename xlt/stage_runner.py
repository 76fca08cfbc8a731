"""Running the experiment's stages: one alone (its output on the terminal), or several side by side.

Each stage is exactly the command a researcher would type, run as its own process (`xlt --workspace WS
ARGS...`): a process per stage keeps the stages as independent as the commands are (Accelerate's
process-wide state, torch threads, memory). Side by side, each process gets its share of the usable
CPUs through OMP_NUM_THREADS and writes its output to ``logs/experiment-NN.log``; the caller is told
how far each one is (the steps in its runs' events, else the last line of its log).
"""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from xlt.errors import XltError
from xlt.events import read_events, summarize
from xlt.experiment import Stage
from xlt.workspace import Workspace

# How long stopped stages get to save their state (pretraining finishes its step and writes the resume
# state) before they are killed.
STOP_GRACE_S = 60.0


def usable_cpus(cpu_max: Path = Path("/sys/fs/cgroup/cpu.max")) -> int:
    """The CPUs this process may use: its affinity mask (a cpuset), capped by a cgroup v2 CPU quota
    (`docker --cpus=2` leaves all the host's CPUs in the mask but allows two)."""
    affinity = getattr(os, "sched_getaffinity", None)
    count = len(affinity(0)) if affinity else os.cpu_count() or 1
    try:
        quota, period = cpu_max.read_text(encoding="ascii").split()[:2]
        if quota != "max":
            count = min(count, max(1, math.ceil(int(quota) / int(period))))
    except (OSError, ValueError):
        pass  # no cgroup v2 quota here
    return count


def _command(workspace: Workspace, stage: Stage) -> list[str]:
    return [sys.executable, "-m", "xlt", "--workspace", str(workspace.root), *stage.args]


def _failed(index: int, stage: Stage, code: int, log: Path | None = None) -> XltError:
    where = f"; its output: {log}" if log else ""
    return XltError(
        f"stage {index} ({stage.title}) failed: `{stage.command}` exited {code}{where}",
        "fix what it reported and re-run `xlt experiment`: finished stages are reused",
    )


def run_stage(workspace: Workspace, stage: Stage, index: int) -> float:
    """Run one stage as its own process, exactly as `xlt --workspace WS ARGS...` typed by hand; the
    seconds it took. A process per stage keeps the stages as independent as the commands are
    (Accelerate's process-wide state, torch threads, memory)."""
    start = time.perf_counter()
    completed = subprocess.run(_command(workspace, stage), check=False)
    stage.seconds = time.perf_counter() - start
    if completed.returncode != 0:
        raise _failed(index, stage, completed.returncode)
    return stage.seconds


def stage_log(workspace: Workspace, index: int) -> Path:
    """Where a stage run side by side with others writes its output: ``logs/experiment-NN.log``."""
    return workspace.root / "logs" / f"experiment-{index:02d}.log"


def stage_progress(workspace: Workspace, stage: Stage) -> tuple[int, int | None]:
    """(steps done, steps in all) of the stage's training runs, from their events."""
    done = 0
    for run_id in stage.runs:
        path = workspace.run_dir(run_id) / "events.jsonl"
        if path.exists():
            done += summarize(run_id, read_events(path)).step
    return done, stage.steps * len(stage.runs) if stage.steps and stage.runs else None


def last_line(path: Path, limit: int = 4096) -> str:
    """The last non-blank line of a log (read from its end only)."""
    try:
        with path.open("rb") as handle:
            handle.seek(max(0, handle.seek(0, os.SEEK_END) - limit))
            tail = handle.read().decode("utf-8", errors="replace")
    except OSError:
        return ""
    lines = [line.strip() for line in tail.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _start(workspace: Workspace, index: int, stage: Stage, env: dict[str, str]) -> subprocess.Popen[bytes]:
    log = stage_log(workspace, index)
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as handle:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(_command(workspace, stage), stdout=handle, stderr=subprocess.STDOUT, env=env)


Running = dict[int, tuple[Stage, "subprocess.Popen[bytes]", float]]


def _reap(
    workspace: Workspace, running: Running, on_tick: Callable[[int, Stage, str], None]
) -> tuple[list[Stage], list[Stage], list[XltError]]:
    """Tick every running stage; drop those that ended (their seconds set). (done, failed, failures of
    the stages that are not `retried`)."""
    done: list[Stage] = []
    failed: list[Stage] = []
    failures: list[XltError] = []
    for index, (stage, child, started) in list(running.items()):
        code = child.poll()
        if code is None:
            on_tick(index, stage, "running")
            continue
        stage.seconds = time.perf_counter() - started
        del running[index]
        on_tick(index, stage, "done" if code == 0 else "failed")
        (done if code == 0 else failed).append(stage)
        if code != 0 and not stage.retried:
            failures.append(_failed(index, stage, code, stage_log(workspace, index)))
    return done, failed, failures


def run_together(
    workspace: Workspace,
    stages: list[Stage],
    first: int,
    jobs: int,
    on_tick: Callable[[int, Stage, str], None] = lambda index, stage, state: None,
    poll_s: float = 0.5,
) -> None:
    """Run `stages` side by side, at most `jobs` at once and never more than the usable CPUs, each as its
    own process with its share of them (OMP_NUM_THREADS), its output in :func:`stage_log`.

    A free CPU takes the first waiting stage whose `needs` (keys of stages in `stages`; others are taken
    as done) have finished. `on_tick(index, stage, state)` is called every `poll_s` (state ``waiting``:
    for a CPU; ``after``: for the stages it needs; ``running``) and once when a stage ends (``done``,
    ``failed``, or ``skipped``: a stage it needs failed). When one fails, the others still run (their
    results stay), then the first failure of a stage that is not `retried` later is raised. Ctrl-C
    reaches every process (one process group), which each stops as the command alone would; on it, or
    on any other error here, the running stages are stopped (:func:`_stop`) before the error is
    re-raised. Measured on 2 cores: four 1-thread processes at once were 8 % slower than two at a time
    (they evict each other's caches).
    """
    cpus = usable_cpus()
    slots = max(1, min(jobs, cpus, len(stages)))
    threads = str(max(1, cpus // slots))
    # The tokenizers' Rust pool and polars get the same share; unbuffered, so that a stage's log (and
    # the last line shown for it) is current while it runs.
    env = {
        **os.environ, "OMP_NUM_THREADS": threads, "MKL_NUM_THREADS": threads, "RAYON_NUM_THREADS": threads,
        "POLARS_MAX_THREADS": threads, "PYTHONUNBUFFERED": "1",
    }  # fmt: skip
    queue = _Queue(stages, first, on_tick)
    running: Running = {}
    failures: list[XltError] = []
    try:
        while queue.waiting or running:
            for index, stage in queue.take(slots - len(running), busy=bool(running)):
                running[index] = (stage, _start(workspace, index, stage, env), time.perf_counter())
            queue.tick()
            done, failed, new = _reap(workspace, running, on_tick)
            queue.ended(done, failed)
            failures += new
            if running:
                time.sleep(poll_s)
    except BaseException as exc:
        _stop([child for _, child, _ in running.values()], interrupted=isinstance(exc, KeyboardInterrupt))
        if failures and isinstance(exc, XltError):
            raise failures[0] from exc  # the stage that failed first says more than what followed
        raise
    if failures:
        raise failures[0]
    # Skipped only after a `retried` stage failed: its work was not done, and nothing later redoes it.
    for index, stage in queue.skipped:
        if not stage.retried:
            raise XltError(
                f"stage {index} ({stage.title}) was not started: a stage it needs failed",
                "fix what that stage reported (its log is in logs/) and re-run `xlt experiment`",
            )


class _Queue:
    """The stages of :func:`run_together` not started yet, and which of them may start."""

    def __init__(self, stages: list[Stage], first: int, on_tick: Callable[[int, Stage, str], None]):
        keys = [stage.key for stage in stages if stage.key]
        if len(set(keys)) < len(keys):
            raise XltError(f"stages share a key: {sorted({k for k in keys if keys.count(k) > 1})}")
        self.waiting = list(enumerate(stages, start=first))
        self.pending = set(keys)  # keys of the stages not ended yet
        self.skipped: list[tuple[int, Stage]] = []
        self.broken: set[str] = set()  # failed, or skipped because a stage they need is broken
        self.on_tick = on_tick

    def ready(self, stage: Stage) -> bool:
        return not self.pending & set(stage.needs)

    def take(self, free: int, busy: bool) -> list[tuple[int, Stage]]:
        """Up to `free` stages that may start now, in list order (dropping those that never can)."""
        while skipped := [(i, stage) for i, stage in self.waiting if self.broken & set(stage.needs)]:
            for index, stage in skipped:
                self.waiting.remove((index, stage))
                self.broken.add(stage.key)
                self.skipped.append((index, stage))
                self.on_tick(index, stage, "skipped")
        chosen = [(i, stage) for i, stage in self.waiting if self.ready(stage)][: max(0, free)]
        if self.waiting and not busy and not chosen:
            numbers = ", ".join(str(i) for i, _ in self.waiting)
            raise XltError(f"stages {numbers} need each other: none can start")
        for item in chosen:
            self.waiting.remove(item)
        return chosen

    def tick(self) -> None:
        for index, stage in self.waiting:
            self.on_tick(index, stage, "waiting" if self.ready(stage) else "after")

    def ended(self, done: list[Stage], failed: list[Stage]) -> None:
        self.pending -= {stage.key for stage in [*done, *failed]}
        self.broken |= {stage.key for stage in failed}


def _stop(children: list[subprocess.Popen[bytes]], interrupted: bool) -> None:
    """Stop the children as Ctrl-C stops a command: SIGINT (after a Ctrl-C they have it already, from the
    terminal, and a second one could cut short the state they are saving), STOP_GRACE_S to finish,
    then SIGKILL."""
    deadline = time.monotonic() + STOP_GRACE_S
    for child in children:
        if not interrupted and child.poll() is None:
            child.send_signal(signal.SIGINT)
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
