"""The span-corruption batch transform: raw blocks in, model inputs and labels out (see :mod:`xlt.spans`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from xlt.errors import InputError
from xlt.spans.lengths import (
    DEFAULT_MEAN_NOISE_SPAN_LENGTH,
    DEFAULT_NOISE_DENSITY,
    LABEL_PAD_ID,
    NUM_SENTINELS,
    SENTINEL_TOKEN,
    _output_lengths,
    check_sentinels,
    compute_lengths,
    noise_counts,
)
from xlt.spans.masks import _decode_mask, _pack, _row_offsets, span_lengths

if TYPE_CHECKING:
    import torch


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
        check_sentinels(self.inputs_length, self.noise_density, self.mean_noise_span_length)
        if self.num_sentinels < NUM_SENTINELS:  # a toy vocabulary with fewer sentinels (tests)
            _, num_spans = noise_counts(self.raw_length, self.noise_density, self.mean_noise_span_length)
            if num_spans > self.num_sentinels:
                raise ValueError(f"{num_spans} noise spans per block, only {self.num_sentinels} sentinels")

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
