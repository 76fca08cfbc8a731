"""The Accelerate training loop of one run: steps, validation, checkpoints, events, resume.

One process on a CPU, or ``accelerate launch -m xlt pretrain ...`` on one or many GPUs/nodes: the same
code. Batches are built here (not by a prepared DataLoader) because which examples and masks a step sees
is a pure function of (seed, step) — see :mod:`xlt.training.batches` — which makes resume exact.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from xlt.errors import TrainingError
from xlt.events import EventWriter
from xlt.modeling import LoadedModel, iter_checkpoints, native_bf16, save_checkpoint, token_loss_sum
from xlt.training.batches import mask_rng, micro_batch
from xlt.training.config import TrainConfig, checkpoint_steps, lr_at
from xlt.training.preemption import PreemptionGuard  # preemption hook
from xlt.training.state import latest_state, load_state, save_state

if TYPE_CHECKING:
    import torch
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


@dataclass
class TrainHooks:
    """Test hooks: observe each finished step (raise to simulate a crash), or alter the loss."""

    after_step: Callable[[int, float], None] | None = None
    loss_transform: Callable[[int, Any], Any] | None = None


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


def make_accelerator(precision: str, grad_accum: int) -> Accelerator:
    """An Accelerator with bf16 autocast where supported ('auto'), never fp16."""
    from accelerate import Accelerator

    return Accelerator(mixed_precision=resolve_precision(precision), gradient_accumulation_steps=grad_accum)


def resolve_precision(precision: str) -> str:
    """'bf16' or 'no' for Accelerate; 'auto' picks bf16 on CUDA with bf16 and on CPUs (AMX/AVX512-BF16)."""
    import torch

    if precision == "fp16":
        raise TrainingError(
            "fp16 is not supported for T5/mT5", "use --precision bf16 or fp32 (fp16 overflows)"
        )
    if precision == "fp32":
        return "no"
    if precision == "bf16":
        return "bf16"
    # NOTES.md: bf16 autocast on this CPU (AMX) is real and ~1.5-2x faster; elsewhere it may emulate.
    return "bf16" if native_bf16("cuda" if torch.cuda.is_available() else "cpu") else "no"


def _optimizer(model: torch.nn.Module, cfg: TrainConfig) -> torch.optim.Optimizer:
    """AdamW; no weight decay on layer norms (T5 has no biases)."""
    import torch

    decay, no_decay = [], []
    for name, param in model.named_parameters():
        (no_decay if "layer_norm" in name or param.ndim < 2 else decay).append(param)
    groups = [
        {"params": decay, "weight_decay": cfg.optim.weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]
    betas = (cfg.optim.beta1, cfg.optim.beta2)
    try:  # one fused kernel per step instead of ~10 elementwise passes (~10 % of a CPU step, profiled)
        return torch.optim.AdamW(groups, lr=cfg.optim.lr, betas=betas, fused=True)
    except (RuntimeError, TypeError, ValueError):  # devices or dtypes without a fused AdamW
        return torch.optim.AdamW(groups, lr=cfg.optim.lr, betas=betas)


def evaluate(
    model: Any, valid: dict[str, np.ndarray], batch_size: int, accelerator: Accelerator
) -> tuple[float, int]:
    """(mean target-token loss in nats, target tokens) over the fixed validation set, all processes."""
    import torch

    device = accelerator.device
    rows = np.arange(accelerator.process_index, len(valid["input_ids"]), accelerator.num_processes)
    total = torch.zeros(2, dtype=torch.float64, device=device)
    was_training = model.training
    model.eval()
    with torch.no_grad():
        for start in range(0, len(rows), batch_size):
            part = rows[start : start + batch_size]
            batch = {k: torch.from_numpy(np.ascontiguousarray(v[part])).to(device) for k, v in valid.items()}
            with accelerator.autocast():
                logits = model(**batch).logits
            labels = batch["labels"]
            total[0] += token_loss_sum(logits, labels)
            total[1] += (labels != -100).sum()
    model.train(was_training)
    total = accelerator.reduce(total, reduction="sum")
    n_tokens = int(total[1].item())
    return (float(total[0].item()) / max(1, n_tokens)), n_tokens


def train_run(
    spec: RunSpec, accelerator: Accelerator, hooks: TrainHooks | None = None, progress: bool = True
) -> RunResult:
    """Train one run from its newest saved state (or from scratch) to `spec.total_steps`."""
    import torch

    hooks = hooks or TrainHooks()
    cfg, total = spec.cfg, spec.total_steps
    main = accelerator.is_main_process
    torch.manual_seed(spec.seed)
    model, optimizer = accelerator.prepare(spec.loaded.model, _optimizer(spec.loaded.model, cfg))
    model.train()
    start = latest_state(spec.run_dir) or 0
    if start:
        load_state(accelerator, model, optimizer, spec.run_dir)
    events = EventWriter(spec.run_dir / "events.jsonl", spec.run_id) if main else None
    marks = set(checkpoint_steps(cfg, total))
    tokens_per_step = (
        cfg.optim.batch_size * cfg.optim.grad_accum * accelerator.num_processes * cfg.data.input_length
    )
    result = RunResult(spec.run_id, spec.run_dir, start, total, None, resumed_from=start or None)
    started = time.perf_counter()

    def emit(kind: str, step: int, **fields: Any) -> None:
        if events is not None:
            events.emit(kind, step, **fields)  # type: ignore[arg-type]

    def diverged(what: str) -> None:
        good = max(iter_checkpoints(spec.run_dir), default=None)
        last = f"; the last good checkpoint is {good[1].name}" if good else ""
        message = f"{what} of run {spec.run_id}{last}"
        emit("error", result.final_step, message=message)
        raise TrainingError(message, "lower the learning rate (--lr) or use --precision fp32")

    def maybe_eval(step: int) -> float:
        loss, n_tokens = evaluate(model, spec.data.valid, cfg.eval.batch_size, accelerator)
        if not math.isfinite(loss):
            diverged(f"validation loss became {loss} at step {step}")
        perplexity = math.exp(min(loss, 700.0))
        emit("eval", step, val_loss=loss, val_perplexity=perplexity, n_tokens=n_tokens)
        result.final_val_perplexity = perplexity
        return perplexity

    def maybe_checkpoint(step: int) -> None:
        if step not in marks:
            return
        perplexity = maybe_eval(step)
        path = spec.run_dir / "checkpoints" / f"step-{step}"
        if main:
            info = {**spec.checkpoint_info, "run_id": spec.run_id, "step": step, "val_perplexity": perplexity}
            save_checkpoint(accelerator.unwrap_model(model), spec.loaded.tokenizer, path, info=info)
        save_state(accelerator, model, optimizer, spec.run_dir, step)
        emit("checkpoint", step, path=str(path))
        result.checkpoints.append(path.name)

    emit("start", start, total_steps=total, resumed_from=start or None, tokens_per_step=tokens_per_step)
    preempt = PreemptionGuard().install()  # preemption hook: SIGUSR1/USR2/TERM set a flag
    try:
        if start == 0 and cfg.eval.at_start:
            result.start_val_perplexity = maybe_eval(0)
        with _progress_bar(progress and main, spec.description or spec.run_id, total, start) as bar:
            for step in range(start, total):
                tick = time.perf_counter()
                lr = lr_at(step, cfg.optim.lr, cfg.optim.warmup_steps, total)
                for group in optimizer.param_groups:
                    group["lr"] = lr
                loss = _train_step(model, optimizer, spec, step, accelerator, hooks)
                done = step + 1
                if not math.isfinite(loss):
                    diverged(f"loss became {loss} at step {done}")
                now = time.perf_counter()
                rate = tokens_per_step / max(now - tick, 1e-9)  # training only, not eval/checkpoints
                result.final_step, result.final_loss = done, loss
                if done % cfg.eval.log_every == 0 or done == total or done == start + 1:
                    emit("step", done, loss=loss, lr=lr, tokens_per_s=rate)
                bar(done, loss, rate)
                maybe_checkpoint(done)
                if done < total and preempt.requested(accelerator):  # preemption hook: save, event, exit 75
                    preempt.stop(accelerator, model, optimizer, spec.run_id, spec.run_dir, done, emit)
                if hooks.after_step is not None:
                    hooks.after_step(done, loss)
    except TrainingError:  # also PreemptedError (preemption hook): its own event, no error event
        raise
    except KeyboardInterrupt:
        message = f"interrupted after step {result.final_step}; re-run the same command to resume"
        emit("error", result.final_step, message=message)
        raise
    except Exception as exc:
        emit("error", result.final_step, message=f"{type(exc).__name__}: {exc}")
        raise
    finally:
        preempt.restore()  # preemption hook
        result.seconds = time.perf_counter() - started
        if events is not None and result.final_step < total:
            events.close()
    emit(
        "end",
        total,
        val_perplexity=result.final_val_perplexity,
        final_loss=result.final_loss,
        seconds=round(result.seconds, 2),
    )
    if events is not None:
        events.close()
    accelerator.free_memory()
    return result


def _train_step(
    model: Any, optimizer: Any, spec: RunSpec, step: int, accelerator: Accelerator, hooks: TrainHooks
) -> float:
    """One optimizer step over `grad_accum` micro-batches; the mean loss over all processes."""
    import torch

    cfg = spec.cfg
    losses = []
    for micro in range(cfg.optim.grad_accum):
        indices = micro_batch(
            spec.data.n_examples,
            spec.seed,
            step,
            micro,
            accelerator.process_index,
            cfg.optim.batch_size,
            cfg.optim.grad_accum,
            accelerator.num_processes,
        )
        arrays = spec.corruption(
            spec.data.rows(indices), mask_rng(spec.seed, step, micro, accelerator.process_index)
        )
        batch = {k: torch.from_numpy(v).to(accelerator.device) for k, v in arrays.items()}
        with accelerator.accumulate(model):
            loss = model(**batch).loss
            if hooks.loss_transform is not None:
                loss = hooks.loss_transform(step + 1, loss)
            accelerator.backward(loss)
            if accelerator.sync_gradients:
                accelerator.clip_grad_norm_(model.parameters(), cfg.optim.max_grad_norm)
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
        losses.append(loss.detach().float())
    mean = accelerator.reduce(torch.stack(losses).mean(), reduction="mean")
    return float(mean.item())


class _progress_bar:  # noqa: N801 - used like a function returning a context manager
    """A rich progress bar with loss, tokens/s and ETA (a no-op when disabled)."""

    def __init__(self, enabled: bool, description: str, total: int, start: int) -> None:
        self.enabled, self.description, self.total, self.start = enabled, description, total, start

    def __enter__(self) -> Callable[[int, float, float], None]:
        if not self.enabled:
            return lambda step, loss, rate: None
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("loss {task.fields[loss]}"),
            TextColumn("{task.fields[rate]} tok/s"),
            TimeRemainingColumn(),
        )
        self.progress.__enter__()
        task = self.progress.add_task(
            self.description, total=self.total, completed=self.start, loss="-", rate="-"
        )

        def update(step: int, loss: float, rate: float) -> None:
            self.progress.update(task, completed=step, loss=f"{loss:.3f}", rate=f"{rate:,.0f}")

        return update

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            self.progress.__exit__(*exc)
