"""Random T5 noise masks for a whole batch at once: span lengths from random keys, run-length decoded.

See the package docstring of :mod:`xlt.spans`; ``benchmarks/bench_collator.py`` compares these with the
per-row reference collator.
"""

from __future__ import annotations

import numpy as np

from xlt.spans.lengths import DEFAULT_MEAN_NOISE_SPAN_LENGTH, DEFAULT_NOISE_DENSITY, noise_counts


def _choose_gaps(batch_size: int, num_gaps: int, num_chosen: int, rng: np.random.Generator) -> np.ndarray:
    """Boolean (batch_size, num_gaps) with exactly `num_chosen` True per row, a uniform random subset.

    Each row's subset is the positions of its `num_chosen` smallest random keys (a uniformly random
    subset); ``np.partition`` finds the threshold in linear time, several times faster than shuffling
    every row (``rng.permuted``) or sorting keys.
    """
    if num_chosen == 0:
        return np.zeros((batch_size, num_gaps), dtype=bool)
    keys = rng.random((batch_size, num_gaps), dtype=np.float32)
    chosen = keys <= np.partition(keys, num_chosen - 1, axis=1)[:, num_chosen - 1 : num_chosen]
    # float32 keys can tie at the threshold (a few rows in 100,000): redraw those rows to stay exact.
    redo = np.flatnonzero(chosen.sum(axis=1) != num_chosen)
    if redo.size:
        chosen[redo] = _choose_gaps(redo.size, num_gaps, num_chosen, rng)
    return chosen


def _random_segmentation(
    batch_size: int, num_items: int, num_segments: int, rng: np.random.Generator
) -> np.ndarray:
    """Lengths (batch_size, num_segments) of a uniformly random split of `num_items` into non-empty parts.

    T5's ``_random_segmentation``: choose ``num_segments - 1`` of the ``num_items - 1`` gaps between
    items as segment boundaries, independently per row.
    """
    bounds = np.empty((batch_size, num_segments + 1), dtype=np.int64)
    bounds[:, 0] = 0
    bounds[:, -1] = num_items
    num_gaps = num_items - 1
    gaps = _choose_gaps(batch_size, num_gaps, num_segments - 1, rng)
    # flatnonzero lists each row's num_segments - 1 boundaries in order (and is ~8x faster than a 2-D
    # nonzero); subtracting the row's flat offset gives the column, the gap after item `column`.
    flat = np.flatnonzero(gaps).reshape(batch_size, num_segments - 1)
    bounds[:, 1:-1] = flat - np.arange(batch_size)[:, None] * num_gaps + 1
    return np.diff(bounds, axis=1)


def span_lengths(
    batch_size: int,
    length: int,
    rng: np.random.Generator,
    noise_density: float = DEFAULT_NOISE_DENSITY,
    mean_noise_span_length: float = DEFAULT_MEAN_NOISE_SPAN_LENGTH,
) -> tuple[np.ndarray, np.ndarray]:
    """(kept span lengths, noise span lengths), each (batch_size, num_spans): the row's spans interleave
    kept_0, noise_0, kept_1, noise_1, ... As in T5, the noise segmentation is drawn first."""
    num_noise, num_spans = noise_counts(length, noise_density, mean_noise_span_length)
    noise_lengths = _random_segmentation(batch_size, num_noise, num_spans, rng)
    kept_lengths = _random_segmentation(batch_size, length - num_noise, num_spans, rng)
    return kept_lengths, noise_lengths


def noise_mask(
    batch_size: int,
    length: int,
    rng: np.random.Generator,
    noise_density: float = DEFAULT_NOISE_DENSITY,
    mean_noise_span_length: float = DEFAULT_MEAN_NOISE_SPAN_LENGTH,
) -> np.ndarray:
    """Boolean (batch_size, length) noise masks with T5's ``random_spans_noise_mask`` semantics.

    Every row has exactly ``noise_counts(length, ...)`` noise tokens and spans; kept and noise spans
    interleave starting with a kept span, so the last span is noise. Vectorised over the batch.
    """
    return _decode_mask(*span_lengths(batch_size, length, rng, noise_density, mean_noise_span_length))


def _decode_mask(kept_lengths: np.ndarray, noise_lengths: np.ndarray) -> np.ndarray:
    """Boolean noise masks from span lengths: run-length decode the whole batch at once."""
    interleaved = np.stack([kept_lengths, noise_lengths], axis=2).reshape(-1)
    kinds = np.tile(np.array([False, True]), interleaved.size // 2)
    return np.repeat(kinds, interleaved).reshape(kept_lengths.shape[0], -1)


def _row_offsets(counts: np.ndarray) -> np.ndarray:
    """For values listed row after row (`counts` per row), each value's index within its row."""
    total = int(counts.sum())
    row_starts = np.cumsum(counts) - counts
    return np.arange(total) - np.repeat(row_starts, counts)


def _pack(values: np.ndarray, counts: np.ndarray, width: int, eos_id: int, fill: int) -> np.ndarray:
    """Rows of `values` (listed row after row, `counts` per row), left-aligned in `width` columns + EOS."""
    batch_size = counts.shape[0]
    if int(counts.max(initial=0)) + 1 > width:
        raise AssertionError(f"corrupted row of {int(counts.max())} + EOS tokens exceeds width {width}")
    if batch_size and (counts == width - 1).all():  # the usual case: exact lengths, a plain reshape
        out = np.empty((batch_size, width), dtype=np.int64)
        out[:, :-1] = values.reshape(batch_size, width - 1)
        out[:, -1] = eos_id
        return out
    out = np.full((batch_size, width), fill, dtype=np.int64)
    out[np.repeat(np.arange(batch_size), counts), _row_offsets(counts)] = values
    out[np.arange(batch_size), counts] = eos_id
    return out
