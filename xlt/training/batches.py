"""Which examples and which masks each step sees: pure functions of (seed, step).

Because nothing depends on what happened before a step, a resumed run sees exactly the data and masks
of an uninterrupted one (the paper seeded its masks from uuid4, so its runs could not be reproduced).
Every process of a multi-process run takes its own slice of the same global batch.
"""

from __future__ import annotations

import numpy as np

from xlt.modeling.mixing import temperature_weights

_DATA_STREAM = 1  # namespaces of the seed sequence, so data order and masks never share a stream
_MASK_STREAM = 2
_MIX_STREAM = 3


def epoch_permutation(n_examples: int, seed: int, epoch: int) -> np.ndarray:
    """The order of the examples in one epoch."""
    return np.random.default_rng([seed, _DATA_STREAM, epoch]).permutation(n_examples)


def step_examples(n_examples: int, seed: int, step: int, global_batch: int) -> np.ndarray:
    """Indices (into the training examples) of optimizer step `step`: a window over per-epoch permutations."""
    positions = np.arange(step * global_batch, (step + 1) * global_batch, dtype=np.int64)
    epochs, within = np.divmod(positions, n_examples)
    out = np.empty_like(positions)
    for epoch in np.unique(epochs):
        chosen = epochs == epoch
        out[chosen] = epoch_permutation(n_examples, seed, int(epoch))[within[chosen]]
    return out


def micro_batch(
    n_examples: int,
    seed: int,
    step: int,
    micro: int,
    process: int,
    batch_size: int,
    grad_accum: int,
    processes: int,
) -> np.ndarray:
    """Indices of one process's micro-batch `micro` of optimizer step `step`."""
    everything = step_examples(n_examples, seed, step, batch_size * grad_accum * processes)
    start = (micro * processes + process) * batch_size
    return everything[start : start + batch_size]


def mask_rng(seed: int, step: int, micro: int, process: int) -> np.random.Generator:
    """The generator of the span masks of one micro-batch."""
    return np.random.default_rng([seed, _MASK_STREAM, step, micro, process])


def mixture_index(sizes: list[int], alpha: float, seed: int) -> np.ndarray:
    """Indices into the concatenation of several languages' blocks, drawn with p(l) ∝ n_l ** alpha.

    As many draws as there are blocks in total; small languages are upsampled (with repetition) and
    large ones downsampled, as mT5 does (Xue et al. 2021, §2).
    """
    total = int(sum(sizes))
    weights = temperature_weights({str(i): n for i, n in enumerate(sizes)}, alpha)
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    rng = np.random.default_rng([seed, _MIX_STREAM])
    parts = []
    for i, n in enumerate(sizes):
        if n <= 0:
            continue
        quota = max(1, round(weights[str(i)] * total))
        reps, rest = divmod(quota, n)
        local = np.concatenate([np.tile(np.arange(n), reps), rng.permutation(n)[:rest]])
        parts.append(offsets[i] + local)
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
