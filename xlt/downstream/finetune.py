"""MT fine-tuning: teacher forcing on the train split, early stopping on validation chrF++.

The pieces are pretraining's own (:mod:`xlt.training`): the Accelerator and its precision decision
(:func:`xlt.training.optim.make_accelerator`, bf16 where the hardware has it), AdamW without decay on
layer norms (:func:`xlt.training.optim.make_optimizer`) and the schedule
(:func:`xlt.training.config.lr_at`: linear warm-up over the first tenth of the steps, at most 100, then
linear decay to zero). Labels are padded with -100, never with the pad id, so padding is not learned.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from xlt.downstream.generation import DecodeOptions, translate
from xlt.downstream.parallel import Pair, Splits
from xlt.downstream.scores import corpus_scores
from xlt.errors import TrainingError
from xlt.progress import Reporter


@dataclass(frozen=True)
class FineTuneSettings:
    """Resolved fine-tuning settings (see :meth:`xlt.downstream.mt.MTOptions.resolved`)."""

    steps: int
    batch_size: int
    learning_rate: float
    max_length: int
    eval_every: int
    patience: int
    valid_size: int
    seed: int
    precision: str
    prefix: str = ""


def batches(pairs: list[Pair], batch_size: int, seed: int) -> Iterator[list[Pair]]:
    """Endless shuffled batches, reshuffled every epoch."""
    rng = random.Random(seed)
    order = list(pairs)
    while True:
        rng.shuffle(order)
        for start in range(0, len(order) - batch_size + 1 if len(order) >= batch_size else 1, batch_size):
            yield order[start : start + batch_size]


def encode(tokenizer: Any, pairs: list[Pair], max_length: int, prefix: str, device: Any) -> dict:
    """Inputs and labels of a batch; label padding is -100 so the loss ignores it."""
    enc = tokenizer(
        [prefix + a for a, _ in pairs],
        text_target=[b for _, b in pairs],
        max_length=max_length,
        truncation=True,
        padding=True,
        return_tensors="pt",
    )
    labels = enc["labels"]
    labels[labels == tokenizer.pad_token_id] = -100
    return {
        "input_ids": enc["input_ids"].to(device),
        "attention_mask": enc["attention_mask"].to(device),
        "labels": labels.to(device),
    }


class _BestKeeper:
    """Validation chrF++ after each evaluation; keeps the best weights and says when to stop."""

    def __init__(self, patience: int) -> None:
        self.patience, self.best, self.best_step, self.bad = patience, -1.0, 0, 0
        self.state: dict[str, Any] | None = None  # the best weights, on the CPU

    def update(self, chrf: float, step: int, model: Any) -> bool:
        """Record a validation score; True when `patience` evaluations in a row did not improve."""
        if chrf > self.best:
            self.best, self.best_step, self.bad = chrf, step, 0
            self.state = {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}
            return False
        self.bad += 1
        return self.bad >= self.patience


def fine_tune(
    loaded: Any,
    splits: Splits,
    settings: FineTuneSettings,
    decode: DecodeOptions,
    label: str,
    reporter: Reporter,
) -> tuple[Any, int, int]:
    """Train on splits.train; returns (model with the best validation weights, steps run, best step)."""
    import torch

    from xlt.training.config import TrainConfig, lr_at
    from xlt.training.optim import make_accelerator, make_optimizer, set_lr

    s = settings
    torch.manual_seed(s.seed)
    accelerator = make_accelerator(s.precision)
    model = loaded.model
    model.train()
    config = TrainConfig().with_overrides({"optim.lr": s.learning_rate, "optim.weight_decay": 0.0})
    optimizer = make_optimizer(model, config)
    warmup = min(100, s.steps // 10)
    model, optimizer = accelerator.prepare(model, optimizer)
    tokenizer, valid = loaded.tokenizer, splits.valid[: s.valid_size]
    keeper, stream, step, task = _BestKeeper(s.patience), batches(splits.train, s.batch_size, s.seed), 0, ""
    task = f"fine-tune {label}"
    reporter.start(task, total=s.steps)
    try:
        for step in range(1, s.steps + 1):
            set_lr(optimizer, lr_at(step - 1, s.learning_rate, warmup, s.steps))
            loss = model(**encode(tokenizer, next(stream), s.max_length, s.prefix, accelerator.device)).loss
            if not torch.isfinite(loss):
                raise TrainingError(
                    f"fine-tuning {label}: loss is {loss.item()} at step {step}", "lower --learning-rate"
                )
            accelerator.backward(loss)
            accelerator.clip_grad_norm_(model.parameters(), config.optim.max_grad_norm)
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            reporter.advance(task, 1, info=f"loss {loss.item():.3f} best chrF++ {max(keeper.best, 0):.1f}")
            if valid and (step % s.eval_every == 0 or step == s.steps):
                unwrapped = accelerator.unwrap_model(model)
                hyps = translate(
                    unwrapped,
                    tokenizer,
                    [a for a, _ in valid],
                    decode,
                    max_length=s.max_length,
                    prefix=s.prefix,
                )
                if keeper.update(corpus_scores(hyps, [b for _, b in valid])[1].score, step, unwrapped):
                    break
    finally:
        reporter.finish(task)
    model = accelerator.unwrap_model(model)
    if keeper.state is not None:
        model.load_state_dict(keeper.state)
    model.eval()
    return model, step, keeper.best_step or step
