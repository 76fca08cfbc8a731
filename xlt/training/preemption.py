"""Stop a run cleanly when a scheduler asks: finish the step, save the resume state, say so, exit 75.

Schedulers warn a job before they stop it. SLURM sends the signal of ``sbatch --signal=SIG@SECONDS``
before the time limit (submitit asks for ``USR2@<delay>``, see ``submitit/slurm/slurm.py``), and
``SIGTERM`` when it preempts or cancels a job, followed by ``SIGKILL`` after ``GraceTime`` / ``KillWait``
(https://slurm.schedmd.com/sbatch.html#OPT_signal, https://slurm.schedmd.com/preempt.html).

:class:`PreemptionGuard` turns ``SIGUSR1``, ``SIGUSR2`` and ``SIGTERM`` into a flag. The training loop
checks it after each optimizer step (a step is never cut in half; ``TrainingRun.maybe_stop``), saves the
resume state of that step, and calls :meth:`PreemptionGuard.preempted`, which writes a ``preempted`` event
and raises :class:`PreemptedError`, whose exit code 75 (``EX_TEMPFAIL`` of sysexits.h: "temporary
failure, retry later") tells a job script to requeue the task. With several processes the flag is
combined across them, so every rank stops after the same step (``save_state`` is collective).
Re-running the same ``xlt pretrain`` command resumes.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import TYPE_CHECKING, Any, NoReturn

from xlt.errors import TrainingError

if TYPE_CHECKING:
    from accelerate import Accelerator

# sysexits.h EX_TEMPFAIL: a job script (or `xlt sweep`) requeues a task that exits with it.
REQUEUE_EXIT_CODE = 75
# USR1/USR2: `sbatch --signal` before the time limit (submitit: USR2); TERM: preemption and scancel.
PREEMPT_SIGNALS: tuple[signal.Signals, ...] = (signal.SIGUSR1, signal.SIGUSR2, signal.SIGTERM)


class PreemptedError(TrainingError):
    """A run stopped on a scheduler's signal after saving its state; re-running it resumes."""

    exit_code = REQUEUE_EXIT_CODE


class PreemptionGuard:
    """Records the first preemption signal while installed; restores the previous handlers after."""

    def __init__(self, signals: tuple[signal.Signals, ...] = PREEMPT_SIGNALS) -> None:
        self.signals = signals
        self.signal_name: str | None = None
        self._previous: dict[signal.Signals, Any] = {}

    def install(self) -> PreemptionGuard:
        """Handle the signals (only the main thread may install handlers; elsewhere this is a no-op)."""
        if threading.current_thread() is threading.main_thread():
            for sig in self.signals:
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def restore(self) -> None:
        """Put the handlers back as they were before :meth:`install`."""
        for sig, previous in self._previous.items():
            signal.signal(sig, previous if previous is not None else signal.SIG_DFL)
        self._previous.clear()

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.signal_name = self.signal_name or signal.Signals(signum).name

    def requested(self, accelerator: Accelerator) -> bool:
        """True once any process got a signal (one all-reduce of a scalar per step with several)."""
        flag = self.signal_name is not None
        if accelerator.num_processes > 1:
            import torch

            total = accelerator.reduce(torch.tensor([float(flag)], device=accelerator.device), "sum")
            flag = bool(total.item() > 0)
            self.signal_name = self.signal_name or "a signal on another process"
        return flag

    def preempted(self, run_id: str, step: int, emit: Callable[..., None]) -> NoReturn:
        """After the loop saved the state of `step`: the `preempted` event, then PreemptedError."""
        message = f"stopped after step {step} on {self.signal_name}, resume state saved"
        emit("preempted", step, signal=self.signal_name, message=message)
        raise PreemptedError(
            f"run {run_id} {message}", "re-run the same command (or `xlt sweep resume`) to continue"
        )
