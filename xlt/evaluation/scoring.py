"""Scoring one model on one masked evaluation set: summed target-token cross-entropy and its count.

Perplexity is ``exp(total loss / target tokens)`` over the whole set, so the loss is summed per token
(never a mean of batch means, which would weight short batches like long ones); label -100 is ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from xlt.spans import LABEL_PAD_ID

if TYPE_CHECKING:
    import torch


@dataclass(frozen=True)
class Score:
    """Summed cross-entropy (nats) over `n_tokens` target tokens."""

    loss_sum: float
    n_tokens: int

    @property
    def loss(self) -> float:
        return self.loss_sum / self.n_tokens if self.n_tokens else float("nan")

    @property
    def perplexity(self) -> float:
        import math

        return math.exp(self.loss) if self.n_tokens else float("nan")


def resolve_precision(precision: str, device: torch.device) -> str:
    """`auto` -> bf16 where the hardware computes it natively (CUDA with bf16, CPUs with AMX or
    AVX512-BF16), else fp32. Measured here: bf16 losses are within 0.002 nats of fp32 (mean 0.0007;
    perplexity within 0.2 %; tiny model after 6 steps, 5 LR languages × 256 blocks) and ~2× faster on
    this project's CPUs (NOTES.md); on CPUs without bf16 units it would be emulated and slower.
    """
    import torch

    if precision != "auto":
        return precision
    if device.type == "cuda":
        return "bf16" if torch.cuda.is_bf16_supported() else "fp32"
    if device.type == "cpu":
        cpu = torch.cpu
        native = (
            getattr(cpu, "_is_amx_tile_supported", lambda: False)()
            or getattr(cpu, "_is_avx512_bf16_supported", lambda: False)()
        )
        return "bf16" if native else "fp32"
    return "fp32"


# Logits are (batch, targets, vocab) and are upcast to fp32 for the loss: keep them under ~1 GiB
# (2**28 floats). Measured here (tiny model, 2 CPU threads): batch 16 costs 3× the CPU time of batch 128
# per example, so large batches matter; 256 is where the gain flattens. mt5-base (vocab 250k, 114 targets)
# gets batch 8, the tiny model (vocab ~8k) 256.
LOGITS_BUDGET = 2**28
MAX_AUTO_BATCH = 256
# On a CPU, larger batches stop paying off early: the tiny model in bf16 on 2 cores scored 128 examples
# of 64 tokens in 0.47 / 0.41 / 0.32 / 0.43 / 0.60 s at batch 8 / 16 / 32 / 64 / 128 (2026-11-25): once the
# logits leave the cache, bigger is slower.
MAX_AUTO_BATCH_CPU = 32


def auto_batch_size(targets_length: int, vocab_size: int, device_type: str = "cuda") -> int:
    """The largest power-of-two batch (8 .. 256; 32 on a CPU) whose fp32 logits fit in LOGITS_BUDGET."""
    fit = LOGITS_BUDGET // max(1, targets_length * vocab_size)
    cap = MAX_AUTO_BATCH_CPU if device_type == "cpu" else MAX_AUTO_BATCH
    size = 8
    while size * 2 <= min(fit, cap):
        size *= 2
    return size


def length_batches(attention_mask: np.ndarray, batch_size: int) -> list[np.ndarray]:
    """Example indices grouped into batches of similar input length (longest first, stable order).

    With exact-length span corruption every example has the same length and this is plain chunking;
    with variable lengths it keeps padding per batch small.
    """
    lengths = attention_mask.sum(axis=1)
    order = np.argsort(-lengths, kind="stable")
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


def score_eval_set(
    model: Any, arrays: dict[str, np.ndarray], batch_size: int | None, precision: str, device: torch.device
) -> Score:
    """Summed target-token loss of `model` (in eval mode) on a masked set; batches trimmed to their length.

    `batch_size` None picks :func:`auto_batch_size` from the label length and the vocabulary.
    """
    import torch
    import torch.nn.functional as F  # noqa: N812

    input_ids, attention_mask, labels = arrays["input_ids"], arrays["attention_mask"], arrays["labels"]
    if batch_size is None:
        batch_size = auto_batch_size(labels.shape[1], model.config.vocab_size, device.type)
    label_lengths = (labels != LABEL_PAD_ID).sum(axis=1)
    loss_sum = 0.0
    n_tokens = 0
    autocast = torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=precision == "bf16")
    with torch.inference_mode(), autocast:
        for index in length_batches(attention_mask, batch_size):
            width = int(attention_mask[index].sum(axis=1).max())
            target_width = int(label_lengths[index].max())
            batch_labels = torch.from_numpy(np.ascontiguousarray(labels[index, :target_width])).to(device)
            logits = model(
                input_ids=torch.from_numpy(np.ascontiguousarray(input_ids[index, :width])).to(device),
                attention_mask=torch.from_numpy(np.ascontiguousarray(attention_mask[index, :width])).to(
                    device
                ),
                decoder_input_ids=model.prepare_decoder_input_ids_from_labels(labels=batch_labels),
            ).logits
            # Cross-entropy in fp32 even under bf16 autocast: the log-softmax over the vocabulary is where
            # bf16's 8-bit mantissa would cost accuracy.
            loss = F.cross_entropy(
                logits.float().reshape(-1, logits.shape[-1]),
                batch_labels.reshape(-1),
                ignore_index=LABEL_PAD_ID,
                reduction="sum",
            )
            loss_sum += float(loss)
            n_tokens += int((batch_labels != LABEL_PAD_ID).sum())
    return Score(loss_sum, n_tokens)
