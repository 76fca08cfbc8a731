"""The Accelerate training loop of one run: steps, validation, checkpoints, events, resume.

One process on a CPU, or ``accelerate launch -m xlt pretrain ...`` on one or many GPUs/nodes: the same
code. Batches are built here (not by a prepared DataLoader) because which examples and masks a step sees
is a pure function of (seed, step) — see :mod:`xlt.training.batches` — which makes resume exact.

:meth:`TrainingRun.steps` is the recipe: one optimizer step, then the step-gated side effects, each of
which owns its step check (``maybe_log``, ``maybe_eval``, ``maybe_checkpoint``, ``maybe_stop``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from xlt.contracts.runs import checkpoint_dirs
from xlt.errors import TrainingError
from xlt.events import EventKind, EventWriter
from xlt.modeling.checkpoints import save_checkpoint
from xlt.modeling.loading import LoadedModel
from xlt.progress import NullReporter, Reporter
from xlt.training.compute import train_step, validation_loss
from xlt.training.config import TrainConfig, checkpoint_steps, lr_at
from xlt.training.optim import make_optimizer, set_lr
from xlt.training.preemption import PreemptionGuard
from xlt.training.state import latest_state, load_state, save_state

if TYPE_CHECKING:
    from accelerate import Accelerator


@dataclass
class RunData:
    """Training blocks (raw, before corruption), the order to draw them in, and the fixed validation set."""

    train_blocks: np.ndarray  # (n, raw_length) token ids
    valid: dict[str, np.ndarray]  # span-corrupted once with the eval seed: input_ids, attention_mask, labels
    order: np.ndarray | None = None  # indices into train_blocks (a language mixture); None: all blocks

    @property
    def n_examples(self) -> int:
        return len(self.order) if self.order is not None else len(self.train_blocks)

    def rows(self, indices: np.ndarray) -> np.ndarray:
        return self.train_blocks[self.order[indices] if self.order is not None else indices]

    def all_rows(self) -> np.ndarray:
        """Every training example once, in mixture order."""
        return self.train_blocks[self.order] if self.order is not None else self.train_blocks


@dataclass
class TrainHooks:
    """Hooks into each step: observe a finished step (tests raise here to simulate a crash), alter the
    loss, or ask the run to stop cleanly after a step (preemption)."""

    after_step: Callable[[int, float], None] | None = None
    loss_transform: Callable[[int, Any], Any] | None = None
    # Called after every optimizer step; True ends the run there with its resume state saved, so the same
    # command continues it bit for bit. Every process must answer alike (a signal that reaches all ranks).
    should_stop: Callable[[], bool] | None = None


@dataclass
class RunResult:
    """What one run produced."""

    run_id: str
    run_dir: Path
    final_step: int
    total_steps: int
    final_val_perplexity: float | None
    start_val_perplexity: float | None = None
    final_loss: float | None = None
    checkpoints: list[str] = field(default_factory=list)
    seconds: float = 0.0
    skipped: bool = False
    resumed_from: int | None = None
    unigram_val_perplexity: float | None = None  # the token-frequency baseline on the same targets
    stopped: bool = False  # ended early by `TrainHooks.should_stop`, resumable from `final_step`


@dataclass
class RunSpec:
    """Everything one run needs, resolved."""

    run_id: str
    run_dir: Path
    seed: int
    cfg: TrainConfig
    total_steps: int
    loaded: LoadedModel
    data: RunData
    corruption: Any  # xlt.spans.SpanCorruption
    checkpoint_info: dict[str, Any] = field(default_factory=dict)
    description: str = ""


def train_run(
    spec: RunSpec,
    accelerator: Accelerator,
    hooks: TrainHooks | None = None,
    reporter: Reporter | None = None,
) -> RunResult:
    """Train one run from its newest saved state (or from scratch) to `spec.total_steps`."""
    return TrainingRun(spec, accelerator, hooks or TrainHooks(), reporter or NullReporter()).train()


class TrainingRun:
    """One run in flight: the prepared model and optimizer, its events, and the step-gated side effects.

    Only the main process writes events, checkpoints and progress; every process trains, validates and
    writes its part of the resume state.
    """

    def __init__(
        self, spec: RunSpec, accelerator: Accelerator, hooks: TrainHooks, reporter: Reporter
    ) -> None:
        import torch

        self.spec, self.cfg, self.total = spec, spec.cfg, spec.total_steps
        self.accelerator, self.hooks = accelerator, hooks
        main = accelerator.is_main_process
        self.reporter: Reporter = reporter if main else NullReporter()
        self.task = spec.description or spec.run_id
        torch.manual_seed(spec.seed)
        self.model, self.optimizer = accelerator.prepare(
            spec.loaded.model, make_optimizer(spec.loaded.model, self.cfg)
        )
        self.model.train()
        self.start = latest_state(spec.run_dir) or 0
        if self.start:
            load_state(accelerator, self.model, self.optimizer, spec.run_dir)
        self.events = EventWriter(spec.run_dir / "events.jsonl", spec.run_id) if main else None
        self.marks = set(checkpoint_steps(self.cfg, self.total))  # validation + checkpoint + state
        optim = self.cfg.optim
        processes = accelerator.num_processes
        self.tokens_per_step = optim.batch_size * optim.grad_accum * processes * self.cfg.data.input_length
        self.result = RunResult(
            spec.run_id, spec.run_dir, self.start, self.total, None, resumed_from=self.start or None
        )
        self.lr, self.rate = 0.0, 0.0  # of the last optimizer step
        self.guard = PreemptionGuard()  # a scheduler's SIGUSR1/USR2/TERM stops the run after its step

    def train(self) -> RunResult:
        """Run the steps with the run's events around them: `start`, then `end` or `error`."""
        started = time.perf_counter()
        self.emit(
            "start",
            self.start,
            total_steps=self.total,
            resumed_from=self.start or None,
            tokens_per_step=self.tokens_per_step,
        )
        self.reporter.start(self.task, total=self.total, completed=self.start)
        self.guard.install()
        try:
            self.steps()
        except TrainingError:
            raise
        except KeyboardInterrupt:
            message = f"interrupted after step {self.result.final_step}; re-run the same command to resume"
            self.emit("error", self.result.final_step, message=message)
            raise
        except Exception as exc:
            self.emit("error", self.result.final_step, message=f"{type(exc).__name__}: {exc}")
            raise
        finally:
            self.guard.restore()
            self.result.seconds = time.perf_counter() - started
            self.reporter.finish(self.task)
            if self.events is not None and self.result.final_step < self.total:
                self.events.close()
        if not self.result.stopped:
            self.end()
        self.accelerator.free_memory()
        return self.result

    def steps(self) -> None:
        """The recipe: validate the start, then step, log, validate, checkpoint, until done or stopped."""
        if self.start == 0 and self.cfg.eval.at_start:
            self.result.start_val_perplexity = self.validate(0)
        for step in range(self.start, self.total):
            loss = self.optimizer_step(step)
            done = step + 1
            self.maybe_log(done, loss)
            self.maybe_eval(done)
            self.maybe_checkpoint(done)
            signalled = self.guard.requested(self.accelerator)  # a signal that came during this step
            if self.hooks.after_step is not None:
                self.hooks.after_step(done, loss)
            if self.maybe_stop(done, signalled):
                return

    def end(self) -> None:
        """The `end` event of a finished run."""
        self.emit(
            "end",
            self.total,
            val_perplexity=self.result.final_val_perplexity,
            final_loss=self.result.final_loss,
            seconds=round(self.result.seconds, 2),
        )
        if self.events is not None:
            self.events.close()

    def optimizer_step(self, step: int) -> float:
        """Optimizer step `step` (0-based) at its scheduled learning rate; the mean loss of all processes."""
        tick = time.perf_counter()
        self.lr = lr_at(step, self.cfg.optim.lr, self.cfg.optim.warmup_steps, self.total)
        set_lr(self.optimizer, self.lr)
        loss = train_step(self.model, self.optimizer, self.spec, step, self.accelerator, self.hooks)
        if not math.isfinite(loss):
            self.diverged(f"loss became {loss} at step {step + 1}")
        self.rate = self.tokens_per_step / max(time.perf_counter() - tick, 1e-9)  # training only
        self.result.final_step, self.result.final_loss = step + 1, loss
        return loss

    def maybe_log(self, step: int, loss: float) -> None:
        """Progress after every step; a `step` event every `log_every` steps, and the first and the last."""
        self.reporter.advance(self.task, 1, info=f"loss {loss:.3f} · {self.rate:,.0f} tok/s")
        if step % self.cfg.eval.log_every == 0 or step == self.total or step == self.start + 1:
            self.emit("step", step, loss=loss, lr=self.lr, tokens_per_s=self.rate)

    def maybe_eval(self, step: int) -> None:
        """Validation at every checkpoint step, so each checkpoint records its perplexity."""
        if step in self.marks:
            self.validate(step)

    def maybe_checkpoint(self, step: int) -> None:
        """`checkpoints/step-N` (main process) and the resume state (all processes) at the marked steps."""
        if step not in self.marks:
            return
        path = self.spec.run_dir / "checkpoints" / f"step-{step}"
        if self.accelerator.is_main_process:
            info = {
                **self.spec.checkpoint_info,
                "run_id": self.spec.run_id,
                "step": step,
                "val_perplexity": self.result.final_val_perplexity,
            }
            model = self.accelerator.unwrap_model(self.model)
            save_checkpoint(model, self.spec.loaded.tokenizer, path, info=info)
        self.save_state(step)
        self.emit("checkpoint", step, path=str(path))
        self.result.checkpoints.append(path.name)

    def maybe_stop(self, step: int, signalled: bool) -> bool:
        """True when a scheduler's signal or `hooks.should_stop` ends the run after `step`, with the resume
        state of `step` saved; after a signal, PreemptedError (exit code 75: requeue the task)."""
        if step >= self.total:
            return False
        if not signalled and not (self.hooks.should_stop is not None and self.hooks.should_stop()):
            return False
        if step not in self.marks:  # a checkpoint step has just saved it
            self.save_state(step)
        self.result.stopped = True
        if signalled:
            self.guard.preempted(self.spec.run_id, step, self.emit)
        return True

    def save_state(self, step: int) -> None:
        """The resume state of `step` (weights, optimizer, generators), written by every process."""
        save_state(self.accelerator, self.model, self.optimizer, self.spec.run_dir, step)

    def validate(self, step: int) -> float:
        """Validation perplexity at `step` over the fixed masked set; an `eval` event."""
        loss, n_tokens = validation_loss(
            self.model, self.spec.data.valid, self.cfg.eval.batch_size, self.accelerator
        )
        if not math.isfinite(loss):
            self.diverged(f"validation loss became {loss} at step {step}")
        perplexity = math.exp(min(loss, 700.0))
        self.emit("eval", step, val_loss=loss, val_perplexity=perplexity, n_tokens=n_tokens)
        self.result.final_val_perplexity = perplexity
        return perplexity

    def diverged(self, what: str) -> None:
        """Stop with an `error` event that names the last good checkpoint."""
        good = max(checkpoint_dirs(self.spec.run_dir, complete=True), default=None)
        last = f"; the last good checkpoint is {good[1].name}" if good else ""
        message = f"{what} of run {self.spec.run_id}{last}"
        self.emit("error", self.result.final_step, message=message)
        raise TrainingError(message, "lower the learning rate (--learning-rate) or use --precision fp32")

    def emit(self, kind: EventKind, step: int, **fields: Any) -> None:
        if self.events is not None:
            self.events.emit(kind, step, **fields)
