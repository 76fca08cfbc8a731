"""T5 span corruption, vectorised over the batch and seedable.

This is the pre-training objective of T5 and mT5 (Raffel et al. 2020, "Exploring the limits of transfer
learning", section 3.3; defaults as in `t5.data.preprocessors.span_corruption`):

* a fraction ``noise_density`` of the tokens of a block is masked, in ``round(noise / mean_span)`` spans
  that alternate with as many spans of kept tokens (the sequence starts with kept tokens);
* ``input_ids`` are the kept tokens, each noise span replaced by one sentinel, then EOS;
* ``labels`` are, for each noise span, its sentinel followed by its tokens, then EOS.

Sentinels count down from ``<extra_id_0>``, the highest id of a T5/mT5 vocabulary: span k (0-based)
gets ``sentinel_start_id - k``, exactly as Hugging Face's ``DataCollatorForT5MLM``
(examples/flax/language-modeling/run_t5_mlm_flax.py) computes ``len(tokenizer) - (k + 1)``.

Input contract: ``SpanCorruption.__call__`` takes raw blocks of exactly ``raw_length`` token ids that
contain no trailing EOS (documents inside a block are separated by EOS, as in T5's packed pretraining
data); the formula of :func:`compute_lengths` already counts the EOS that is appended to both the inputs
and the targets, so the outputs are exactly ``inputs_length`` and ``targets_length`` long (in a few
extreme settings, e.g. density 0.5 with mean span 1, no raw length fits exactly and rows are padded).

Unlike the per-row loop of the reference collator, everything is built for the whole batch at once:
span lengths come from one random-key partition per segmentation, and inputs and labels are gathered
from the blocks with indices run-length decoded from those lengths (``benchmarks/bench_collator.py``
measures the difference). :meth:`SpanCorruption.corrupt` applies an explicit boolean mask instead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from xlt.errors import InputError

if TYPE_CHECKING:
    import torch

LABEL_PAD_ID = -100  # ignored by torch.nn.CrossEntropyLoss (and by transformers' T5 loss)
SENTINEL_TOKEN = "<extra_id_0>"
NUM_SENTINELS = 100  # T5 and mT5 vocabularies end with <extra_id_0> ... <extra_id_99>

# T5's defaults, chosen by its corruption-rate and span-length ablations (Raffel et al. 2020, section 3.3):
# 15 % of the tokens, in spans of mean length 3.
DEFAULT_NOISE_DENSITY = 0.15
DEFAULT_MEAN_NOISE_SPAN_LENGTH = 3.0


def noise_counts(
    length: int,
    noise_density: float = DEFAULT_NOISE_DENSITY,
    mean_noise_span_length: float = DEFAULT_MEAN_NOISE_SPAN_LENGTH,
) -> tuple[int, int]:
    """(number of noise tokens, number of noise spans) in a block of `length` tokens.

    As in T5's ``random_spans_noise_mask``: ``round(length * density)`` noise tokens, kept between 1 and
    ``length - 1`` so that both kinds exist, in ``round(noise / mean_span)`` spans, at least one. Python's
    ``round`` rounds half to even, like ``tf.round`` in T5 and ``np.round`` in the HF collator. The span
    count is also capped by the number of noise and of kept tokens (each span needs one token of each).
    """
    if length < 2:
        raise ValueError(f"span corruption needs at least 2 tokens, got length={length}")
    if not 0.0 < noise_density < 1.0:
        raise ValueError(f"noise_density must be in (0, 1), got {noise_density}")
    if mean_noise_span_length < 1.0:
        raise ValueError(f"mean_noise_span_length must be >= 1, got {mean_noise_span_length}")
    num_noise_tokens = min(max(round(length * noise_density), 1), length - 1)
    num_noise_spans = max(round(num_noise_tokens / mean_noise_span_length), 1)
    num_noise_spans = min(num_noise_spans, num_noise_tokens, length - num_noise_tokens)
    return num_noise_tokens, num_noise_spans


def _output_lengths(raw_length: int, noise_density: float, mean_noise_span_length: float) -> tuple[int, int]:
    """(inputs length, targets length) after corrupting `raw_length` tokens, EOS included."""
    num_noise, num_spans = noise_counts(raw_length, noise_density, mean_noise_span_length)
    # inputs: kept tokens + one sentinel per span + EOS; targets: noise tokens + one sentinel per span + EOS
    return raw_length - num_noise + num_spans + 1, num_noise + num_spans + 1


def compute_lengths(
    inputs_length: int = 256,
    noise_density: float = DEFAULT_NOISE_DENSITY,
    mean_noise_span_length: float = DEFAULT_MEAN_NOISE_SPAN_LENGTH,
) -> tuple[int, int]:
    """(raw tokens per block, targets length) so that corrupted inputs are exactly `inputs_length` long.

    T5's ``compute_input_and_target_lengths`` (t5.data.preprocessors; the HF run_t5_mlm_flax example):
    grow the raw length while the corrupted input still fits in `inputs_length`. 256 gives (284, 58)
    and 512 gives (568, 114). The raw length counts no EOS: the formula appends one to both sides.
    """
    if inputs_length < 3:
        raise ValueError(f"inputs_length must be at least 3, got {inputs_length}")
    # T5 starts the search at inputs_length; one lower also covers mean span 1, where a raw block corrupts
    # to raw + 1 tokens (the corrupted length never exceeds raw + 1, so nothing lower can fit better).
    tokens_length = inputs_length - 1
    while _output_lengths(tokens_length + 1, noise_density, mean_noise_span_length)[0] <= inputs_length:
        tokens_length += 1
    corrupted_length, targets_length = _output_lengths(tokens_length, noise_density, mean_noise_span_length)
    if corrupted_length > inputs_length:
        raise ValueError(
            f"no raw length corrupts into {inputs_length} input tokens with noise density {noise_density} "
            f"and mean span {mean_noise_span_length}: raise inputs_length"
        )
    # T5's "minor hack": at density 0.5 make the targets no longer than the inputs (a round number).
    if noise_density == 0.5 and targets_length > inputs_length:
        tokens_length -= 1
        targets_length -= 1
    return tokens_length, targets_length


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


@dataclass(frozen=True)
class SpanCorruption:
    """T5's span-corruption objective as a batch transform: raw blocks in, model inputs and labels out.

    ``sentinel_start_id`` is the id of ``<extra_id_0>`` (see :func:`sentinel_start`); span k of a row is
    replaced by ``sentinel_start_id - k``. Blocks must be ``raw_length`` tokens long (see module doc).
    """

    inputs_length: int = 256
    noise_density: float = DEFAULT_NOISE_DENSITY
    mean_noise_span_length: float = DEFAULT_MEAN_NOISE_SPAN_LENGTH
    eos_id: int = 1
    pad_id: int = 0
    sentinel_start_id: int = 250_099  # <extra_id_0> of the mT5 vocabulary (len 250,100)
    num_sentinels: int = NUM_SENTINELS

    def __post_init__(self) -> None:
        lengths = _output_lengths(self.raw_length, self.noise_density, self.mean_noise_span_length)
        if lengths[0] > self.inputs_length or lengths[1] > self.targets_length:
            raise ValueError(
                f"blocks of {self.raw_length} tokens corrupt into {lengths} tokens, more than "
                f"({self.inputs_length}, {self.targets_length}): choose another inputs_length"
            )
        _, num_spans = noise_counts(self.raw_length, self.noise_density, self.mean_noise_span_length)
        if num_spans > self.num_sentinels:
            raise ValueError(
                f"{num_spans} noise spans per block need more than the {self.num_sentinels} sentinels "
                f"of the vocabulary: lower inputs_length ({self.inputs_length}) or raise the mean span"
            )

    @classmethod
    def for_tokenizer(
        cls, tokenizer: Any, inputs_length: int, noise_density: float, mean_noise_span_length: float
    ) -> SpanCorruption:
        """The objective with `tokenizer`'s EOS, padding and sentinel ids."""
        return cls(
            inputs_length=inputs_length,
            noise_density=noise_density,
            mean_noise_span_length=mean_noise_span_length,
            eos_id=int(tokenizer.eos_token_id),
            pad_id=int(tokenizer.pad_token_id),
            sentinel_start_id=sentinel_start(tokenizer),
        )

    @cached_property
    def raw_length(self) -> int:
        """Raw tokens per block (no EOS appended) that corrupt into exactly `inputs_length` tokens."""
        return compute_lengths(self.inputs_length, self.noise_density, self.mean_noise_span_length)[0]

    @cached_property
    def targets_length(self) -> int:
        """Length of the labels: noise tokens + one sentinel per span + EOS."""
        return compute_lengths(self.inputs_length, self.noise_density, self.mean_noise_span_length)[1]

    def __call__(self, blocks: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """Corrupt int blocks (B, raw_length) into input_ids/attention_mask (B, inputs_length), labels."""
        blocks = np.asarray(blocks)
        raw_length = self.raw_length
        if blocks.ndim != 2 or blocks.shape[1] != raw_length:
            raise ValueError(
                f"span corruption to {self.inputs_length} input tokens needs blocks of shape "
                f"(batch, {raw_length}), got {blocks.shape}"
            )
        kept, noise = span_lengths(
            blocks.shape[0], raw_length, rng, self.noise_density, self.mean_noise_span_length
        )
        if not self._exact:
            return self.corrupt(blocks, _decode_mask(kept, noise))
        return self._corrupt_exact(blocks, kept, noise)

    @cached_property
    def _exact(self) -> bool:
        """True when corrupted rows fill inputs and targets exactly (always, except T5's density-0.5 hack)."""
        lengths = _output_lengths(self.raw_length, self.noise_density, self.mean_noise_span_length)
        return lengths == (self.inputs_length, self.targets_length)

    def _corrupt_exact(
        self, blocks: np.ndarray, kept: np.ndarray, noise: np.ndarray
    ) -> dict[str, np.ndarray]:
        """Corrupt with span lengths directly: one gather per output, no (batch, length) masks.

        Input row: for each span k, its kept tokens then sentinel k. Output slot j of span k reads the
        block at j + sum_{i<k} (noise_i - 1) (the skipped noise tokens minus the sentinels written);
        the sentinel slot is then overwritten. Label row: for each span k, sentinel k then its noise
        tokens, read at j + sum_{i<=k} (kept_i - 1).
        """
        batch_size, num_spans = kept.shape
        sentinels = self.sentinel_start_id - np.arange(num_spans)
        rows = np.arange(batch_size)[:, None]

        shift = np.zeros_like(noise)
        np.cumsum(noise[:, :-1] - 1, axis=1, out=shift[:, 1:])
        input_ids = self._gather(blocks, shift, kept + 1, self.inputs_length)
        input_ids[rows, np.cumsum(kept + 1, axis=1) - 1] = sentinels

        shift = np.cumsum(kept - 1, axis=1)
        labels = self._gather(blocks, shift, noise + 1, self.targets_length)
        labels[rows, np.cumsum(noise + 1, axis=1) - (noise + 1)] = sentinels

        attention_mask = np.ones((batch_size, self.inputs_length), dtype=np.int64)
        return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}

    def _gather(self, blocks: np.ndarray, shift: np.ndarray, slots: np.ndarray, width: int) -> np.ndarray:
        """Rows of `width` ids: slot j of span k reads blocks[row, j + shift[row, k]]; the last is EOS."""
        batch_size = blocks.shape[0]
        source = np.repeat(shift.ravel(), slots.ravel()).reshape(batch_size, width - 1)
        source += np.arange(width - 1)
        out = np.empty((batch_size, width), dtype=np.int64)
        out[:, :-1] = np.take_along_axis(blocks, source, axis=1)
        out[:, -1] = self.eos_id
        return out

    def corrupt(self, blocks: np.ndarray, noise: np.ndarray) -> dict[str, np.ndarray]:
        """Apply a given boolean noise mask (same shape as `blocks`) the way T5 does; no randomness here.

        Rows must start with a kept token (as :func:`noise_mask` guarantees) and must fit: kept tokens +
        spans + EOS <= inputs_length, noise tokens + spans + EOS <= targets_length; shorter rows are padded
        (inputs with ``pad_id`` and attention 0, labels with -100).
        """
        blocks = np.asarray(blocks)
        noise = np.asarray(noise, dtype=bool)
        if noise.shape != blocks.shape:
            raise ValueError(f"noise mask shape {noise.shape} differs from blocks shape {blocks.shape}")
        if noise[:, 0].any():
            raise ValueError("noise masks must start with a kept token (T5 interleaves kept spans first)")
        previous = np.zeros_like(noise)
        previous[:, 1:] = noise[:, :-1]
        noise_start = noise & ~previous
        # The kept token just before each span: its slot in the labels becomes the span's sentinel.
        before_start = np.zeros_like(noise)
        before_start[:, :-1] = noise_start[:, 1:]
        # Span k of a row gets sentinel_start_id - k: number the span starts within each row.
        spans_per_row = noise_start.sum(axis=1)
        sentinels = self.sentinel_start_id - _row_offsets(spans_per_row)

        # Inputs: kept tokens, and each noise span's first token turned into its sentinel.
        keep = ~noise | noise_start
        inputs = blocks[keep].astype(np.int64)
        inputs[noise_start[keep]] = sentinels
        input_counts = keep.sum(axis=1)
        input_ids = _pack(inputs, input_counts, self.inputs_length, self.eos_id, self.pad_id)

        # Labels: each noise span preceded by its sentinel.
        keep = noise | before_start
        targets = blocks[keep].astype(np.int64)
        targets[before_start[keep]] = sentinels
        labels = _pack(targets, keep.sum(axis=1), self.targets_length, self.eos_id, LABEL_PAD_ID)

        # Real positions: the kept tokens and sentinels, plus the EOS after them.
        attention_mask = (np.arange(self.inputs_length) <= input_counts[:, None]).astype(np.int64)
        return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}

    def collate_fn(self, rng: np.random.Generator) -> Callable[[Sequence[Any]], dict[str, torch.Tensor]]:
        """A DataLoader ``collate_fn``: stack raw blocks, corrupt them with `rng`, return torch tensors."""

        def collate(examples: Sequence[Any]) -> dict[str, torch.Tensor]:
            return to_torch(self(np.stack([np.asarray(example) for example in examples]), rng))

        return collate


def to_torch(batch: dict[str, np.ndarray]) -> dict[str, torch.Tensor]:
    """The same batch as int64 torch tensors (shares memory where the dtype already matches)."""
    import torch

    return {
        key: torch.from_numpy(np.ascontiguousarray(value, dtype=np.int64)) for key, value in batch.items()
    }


def sentinel_start(tokenizer: Any) -> int:
    """Id of ``<extra_id_0>`` in `tokenizer`; raise InputError if the vocabulary has no T5 sentinels.

    ``tokenizer.get_sentinel_tokens()`` raises on tokenizers reloaded from tokenizer.json
    (transformers 5), so the id is looked up by name; unknown tokens map to the unk id.
    """
    token_id = tokenizer.convert_tokens_to_ids(SENTINEL_TOKEN)
    unk_id = getattr(tokenizer, "unk_token_id", None)
    if token_id is None or token_id == unk_id:
        name = getattr(tokenizer, "name_or_path", type(tokenizer).__name__)
        raise InputError(
            f"tokenizer {name!r} has no T5 sentinel tokens ({SENTINEL_TOKEN} is unknown)",
            hint="span corruption needs a T5/mT5 tokenizer with <extra_id_0> ... <extra_id_99>",
        )
    last = tokenizer.convert_tokens_to_ids(f"<extra_id_{NUM_SENTINELS - 1}>")
    if last != unk_id and last != token_id - (NUM_SENTINELS - 1):
        raise InputError(
            f"the sentinels of tokenizer {getattr(tokenizer, 'name_or_path', '')!r} do not count down "
            f"from {SENTINEL_TOKEN} (id {token_id}) to <extra_id_{NUM_SENTINELS - 1}> (id {last})"
        )
    return int(token_id)
