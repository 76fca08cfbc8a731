"""Scoring one model on one masked evaluation set: summed target-token cross-entropy and its count.

Perplexity is ``exp(total loss / target tokens)`` over the whole set, so the loss is summed per token
(never a mean of batch means, which would weight short batches like long ones); label -100 is ignored.
The per-example sums and counts are kept too: they are sufficient statistics for a paired bootstrap over
the examples (:mod:`xlt.contracts.intervals`) without scoring again.
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
    """Summed cross-entropy (nats) over `n_tokens` target tokens; per example (in the set's order) when
    scored by :func:`score_eval_set`."""

    loss_sum: float
    n_tokens: int
    example_loss: tuple[float, ...] | None = None
    example_tokens: tuple[int, ...] | None = None

    @property
    def loss(self) -> float:
        return self.loss_sum / self.n_tokens if self.n_tokens else float("nan")

    @property
    def perplexity(self) -> float:
        import math

        return math.exp(self.loss) if self.n_tokens else float("nan")


def resolve_precision(precision: str, device: torch.device) -> str:
    """`auto` -> bf16 where the hardware computes it natively (CUDA with bf16, CPUs with AMX or
    AVX512-BF16), else fp32. Measured here with bf16 weights (:func:`prepare_for_scoring`): losses within
    0.002 nats of fp32 (perplexity within 0.2 %; the demo's base model and two English checkpoints, 7 LR
    languages × 256 blocks), 2.3-2.7× faster with the tiny model and 3.6× with mt5-base's shape on this
    project's CPUs; on CPUs without bf16 units it would be emulated and slower.
    """
    from xlt.modeling.precision import resolve_precision as decide

    return decide(precision, device.type)


# Logits are (batch, targets, vocab): keep them under 2**28 values (1 GiB in fp32). On a GPU larger batches
# keep the device busy; mt5-base (vocab 250k, 114 targets) gets batch 8, the tiny model (vocab ~8k) 256.
LOGITS_BUDGET = 2**28
MAX_AUTO_BATCH = 256
# On a CPU, larger batches stop paying off early. The tiny model with bf16 weights on 2 cores scored five
# sets of 128 examples of 64 tokens in 1.25 / 0.98 / 0.93 / 0.84-1.07 / 1.08 s at batch 16 / 32 / 64 /
# 128 / 256 (2026-11-25; noise ±10 %): past 32, the activations leave the caches and nothing is gained.
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


def prepare_for_scoring(model: Any, precision: str, device: torch.device) -> Any:
    """Move `model` to `device` in eval mode, its weights cast to bf16 once when `precision` is bf16.

    Inference needs no fp32 master weights: casting once beats autocast, which re-casts weights and runs
    the elementwise ops between matmuls in fp32. Measured (tiny model, 2 CPU threads, 5 LR sets of 128
    examples, 2026-11-25): fp32 2.5 s, bf16 autocast 1.45 s, bf16 weights 0.85-0.97 s; losses within
    0.002 nats of fp32 either way. mT5 itself was trained in bf16. The loss is still taken in fp32.
    """
    import torch

    dtype = torch.bfloat16 if precision == "bf16" else torch.float32
    return model.to(device=device, dtype=dtype).eval()


def example_loss_sums(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Summed cross-entropy of each example of (batch, targets, vocab) `logits` (-100 ignored), float64.

    In fp32 and chunked by examples as :func:`xlt.modeling.loss.token_loss_sum` is by rows (same reasons:
    bf16's mantissa in the log-softmax; an fp32 copy of the whole batch would leave the caches).
    """
    import torch
    import torch.nn.functional as F  # noqa: N812

    from xlt.modeling.loss import CE_CHUNK_FLOATS

    per_example = max(1, CE_CHUNK_FLOATS // max(1, logits.shape[1] * logits.shape[2]))
    sums = []
    for start in range(0, logits.shape[0], per_example):
        chunk, target = logits[start : start + per_example].float(), labels[start : start + per_example]
        flat, flat_target = chunk.reshape(-1, chunk.shape[-1]), target.reshape(-1)
        losses = F.cross_entropy(flat, flat_target, ignore_index=LABEL_PAD_ID, reduction="none")
        sums.append(losses.reshape(target.shape).sum(dim=1, dtype=torch.float64))
    return torch.cat(sums)


def score_eval_set(
    model: Any, arrays: dict[str, np.ndarray], batch_size: int | None, device: torch.device
) -> Score:
    """Summed target-token loss of `model` (from :func:`prepare_for_scoring`) on a masked set, in total and
    per example; batches trimmed to their length. `batch_size` None picks :func:`auto_batch_size` from
    the label length and the vocabulary.
    """
    import torch

    input_ids, attention_mask, labels = arrays["input_ids"], arrays["attention_mask"], arrays["labels"]
    if batch_size is None:
        batch_size = auto_batch_size(labels.shape[1], model.config.vocab_size, device.type)
    label_lengths = (labels != LABEL_PAD_ID).sum(axis=1)
    example_loss = np.zeros(len(labels), dtype=np.float64)
    with torch.inference_mode():
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
                use_cache=False,  # one teacher-forced pass: a key/value cache would only cost copies
            ).logits
            example_loss[index] = example_loss_sums(logits, batch_labels).cpu().numpy()
    example_tokens = label_lengths.astype(np.int64)
    return Score(
        float(example_loss.sum()),
        int(example_tokens.sum()),
        tuple(example_loss.tolist()),
        tuple(example_tokens.tolist()),
    )
