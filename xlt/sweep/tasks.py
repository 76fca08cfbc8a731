"""What one scheduler task of a sweep runs: `accelerate launch -m xlt ...` as a submitit callable.

submitit pickles the callable, runs it in the job (``python -m submitit.core._submit``) and, on the
preemption / time-limit signal it asks SLURM for (``--signal=USR2@<delay>``), calls its ``checkpoint()``
and requeues the task with ``scontrol requeue`` when that returns a ``DelayedSubmission``
(submitit/core/job_environment.py, ``SignalHandler.checkpoint_and_try_requeue``; submitit's docs,
"Checkpointing"). The training itself runs in grandchildren (the launcher, then one process per GPU),
so :meth:`LaunchTask.checkpoint` passes the signal on to every descendant and waits until they saved
their state and exited (:mod:`xlt.training.preemption`), then lets submitit requeue.

SLURM signals every process of a job step (measured with proctrack/linuxproc: ``scancel --signal=USR2``
reached both a step's process and its child), so the launcher must not die of the signal first: it
starts with USR1, USR2 and TERM ignored (an ignored disposition survives ``exec``), while ``xlt
pretrain`` installs its own handlers for them.
"""

from __future__ import annotations

import contextlib
import math
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Seconds between SLURM's warning signal and the kill: time to finish a step and write the resume state
# (mt5-base: weights + two AdamW moments, ~7 GB in fp32). submitit's own default is 90.
SIGNAL_DELAY_S = 120
_SHIELDED = (signal.SIGUSR1, signal.SIGUSR2, signal.SIGTERM)
_children: dict[int, subprocess.Popen[bytes]] = {}  # the running command of each task, off the pickle


def launcher_args(gpus: int) -> list[str]:
    """`accelerate launch` options for one task on one node with `gpus` GPUs (0: one CPU process).

    The defaults accelerate would otherwise warn about are given explicitly; `--mixed_precision no`
    only sets the environment's default, `xlt` passes its own precision to `Accelerator`.
    """
    quiet = ["--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no"]
    if gpus <= 0:
        return ["--cpu", "--num_processes", "1", *quiet]
    if gpus == 1:
        return ["--num_processes", "1", *quiet]
    return ["--multi_gpu", "--num_processes", str(gpus), *quiet]


def _shield() -> None:
    """In the launcher, between fork and exec: ignore the scheduler's signals (see the module doc)."""
    for sig in _SHIELDED:
        signal.signal(sig, signal.SIG_IGN)


class TaskFailedError(RuntimeError):
    """The task's command failed (its log says why); submitit records it and the job ends FAILED."""


@dataclass
class LaunchTask:
    """`accelerate launch -m xlt <argv>` on `gpus` GPUs; `run_dir` is the pretraining run it trains."""

    argv: list[str]
    gpus: int
    run_dir: str | None = None
    grace_s: float = SIGNAL_DELAY_S - 20
    shield: bool = True  # False for evaluation: nothing to save, the scheduler's signals may stop it

    def command(self) -> list[str]:
        """The command line, with this interpreter's accelerate (the job's environment is the submitter's)."""
        launcher = [sys.executable, "-m", "accelerate.commands.launch", *launcher_args(self.gpus)]
        return [*launcher, "-m", "xlt", *self.argv]

    def __call__(self) -> str:
        # preexec_fn only resets three signal dispositions; the job process runs no other threads.
        process = subprocess.Popen(self.command(), preexec_fn=_shield if self.shield else None)
        _children[id(self)] = process
        try:
            code = process.wait()
        finally:
            _children.pop(id(self), None)
        if code == 0:
            return "finished"
        what = f"run {Path(self.run_dir).name}" if self.run_dir else "the evaluation"
        if self.last_event() == "preempted":
            raise TaskFailedError(f"{what} stopped on a signal with its state saved (exit code {code})")
        raise TaskFailedError(f"{what} failed: `accelerate launch -m xlt` exited with code {code}")

    def checkpoint(self, *args: Any, **kwargs: Any) -> Any:
        """submitit's preemption hook: stop the command cleanly, then requeue this same task."""
        from submitit import JobEnvironment
        from submitit.helpers import DelayedSubmission

        # SLURM sends the signal again while `scontrol requeue` stops the job (seen on 22.05): one
        # checkpoint and one requeue are enough, a nested second one would requeue twice.
        signal.signal(getattr(signal, f"SIG{JobEnvironment.USR_SIG}"), signal.SIG_IGN)
        process = _children.get(id(self))
        if process is not None:
            stop_tree(process, self.grace_s)
        return DelayedSubmission(LaunchTask(self.argv, self.gpus, self.run_dir, self.grace_s, self.shield))

    def last_event(self) -> str | None:
        """Kind of the last event of the run this task trains (None for evaluation or no events)."""
        if self.run_dir is None:
            return None
        from xlt.events import read_events

        events = read_events(Path(self.run_dir) / "events.jsonl")
        return events[-1]["kind"] if events else None


def stop_tree(process: subprocess.Popen[bytes], grace_s: float, sig: int = signal.SIGUSR2) -> None:
    """Send `sig` to a process and all its descendants until it exits (every 5 s, for at most `grace_s`).

    Repeating covers a process that was still loading (no handler yet) when the first signal came. This
    runs inside a signal handler that interrupted ``process.wait()``, which holds the Popen's wait lock:
    ``poll``/``wait`` cannot reap it here, so its end is seen without reaping (a zombie counts as ended).
    """
    import psutil

    deadline = time.monotonic() + grace_s
    last_sent = -math.inf
    while time.monotonic() < deadline:
        try:
            root = psutil.Process(process.pid)
            if root.status() == psutil.STATUS_ZOMBIE:
                return
            tree = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return
        if time.monotonic() - last_sent >= 5.0:
            last_sent = time.monotonic()
            for member in tree:
                with contextlib.suppress(psutil.NoSuchProcess):
                    member.send_signal(sig)
        time.sleep(0.2)
