"""The two computations of a training run: one optimizer step, and the validation loss.

:mod:`xlt.training.loop` decides when each happens; these do the arithmetic, on every process.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from xlt.modeling.loss import token_loss_sum
from xlt.training.batches import mask_rng, micro_batch

if TYPE_CHECKING:
    from accelerate import Accelerator

    from xlt.training.loop import RunSpec, TrainHooks


def validation_loss(
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


def train_step(
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
