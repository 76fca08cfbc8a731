"""Vectorised span corruption (xlt.spans) against the per-row reference collator, in one run.

The reference is a straightforward port of Hugging Face's ``DataCollatorForT5MLM``
(transformers examples/flax/language-modeling/run_t5_mlm_flax.py, itself a port of
t5.data.preprocessors.random_spans_noise_mask): one ``random_spans_noise_mask`` call per row in a
Python loop, then ``create_sentinel_ids`` and ``filter_input_ids`` on the batch. The tests use it as an
oracle for xlt.spans.

Usage::

    python benchmarks/bench_collator.py [--batch-size 64] [--repeats 200]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np


class ReferenceCollator:
    """Per-row T5 span corruption, as in HF's DataCollatorForT5MLM (sentinels count down from the top)."""

    def __init__(
        self,
        inputs_length: int,
        targets_length: int,
        sentinel_start_id: int,
        eos_id: int = 1,
        noise_density: float = 0.15,
        mean_noise_span_length: float = 3.0,
    ) -> None:
        self.inputs_length = inputs_length
        self.targets_length = targets_length
        # HF computes sentinels as len(tokenizer) - k for span k = 1, 2, ...; <extra_id_0> = len - 1.
        self.vocab_size = sentinel_start_id + 1
        self.eos_id = eos_id
        self.noise_density = noise_density
        self.mean_noise_span_length = mean_noise_span_length

    def random_spans_noise_mask(self, length: int, rng: np.random.Generator) -> np.ndarray:
        """One row's boolean noise mask (T5's random_spans_noise_mask)."""
        num_noise_tokens = int(np.round(length * self.noise_density))
        num_noise_tokens = min(max(num_noise_tokens, 1), length - 1)
        num_nonnoise_tokens = length - num_noise_tokens
        num_noise_spans = int(
            np.round(min(num_noise_tokens, num_nonnoise_tokens) / self.mean_noise_span_length)
        )
        num_noise_spans = max(num_noise_spans, 1)

        def random_segmentation(num_items: int, num_segments: int) -> np.ndarray:
            boundaries = np.arange(num_items - 1) < (num_segments - 1)
            rng.shuffle(boundaries)
            first_in_segment = np.pad(boundaries, [[1, 0]])
            segment_id = np.cumsum(first_in_segment)
            _, segment_length = np.unique(segment_id, return_counts=True)
            return segment_length

        noise_span_lengths = random_segmentation(num_noise_tokens, num_noise_spans)
        nonnoise_span_lengths = random_segmentation(num_nonnoise_tokens, num_noise_spans)
        interleaved = np.reshape(
            np.stack([nonnoise_span_lengths, noise_span_lengths], axis=1), [num_noise_spans * 2]
        )
        span_starts = np.cumsum(interleaved)[:-1]
        span_start_indicator = np.zeros((length,), dtype=np.int8)
        span_start_indicator[span_starts] = True
        span_num = np.cumsum(span_start_indicator)
        return np.equal(span_num % 2, 1)

    def create_sentinel_ids(self, mask_indices: np.ndarray) -> np.ndarray:
        """Sentinel id at each span start, -1 on the rest of the span, 0 elsewhere."""
        start_indices = mask_indices - np.roll(mask_indices, 1, axis=-1) * mask_indices
        start_indices[:, 0] = mask_indices[:, 0]
        sentinel_ids = np.where(start_indices != 0, np.cumsum(start_indices, axis=-1), start_indices)
        sentinel_ids = np.where(sentinel_ids != 0, (self.vocab_size - sentinel_ids), 0)
        sentinel_ids -= mask_indices - start_indices
        return sentinel_ids

    def filter_input_ids(self, input_ids: np.ndarray, sentinel_ids: np.ndarray) -> np.ndarray:
        """Replace spans by their sentinel, drop the rest of each span, append EOS."""
        batch_size = input_ids.shape[0]
        input_ids_full = np.where(sentinel_ids != 0, sentinel_ids, input_ids)
        input_ids = input_ids_full[input_ids_full >= 0].reshape((batch_size, -1))
        return np.concatenate(
            [input_ids, np.full((batch_size, 1), self.eos_id, dtype=input_ids.dtype)], axis=-1
        )

    def corrupt(self, blocks: np.ndarray, mask_indices: np.ndarray) -> dict[str, np.ndarray]:
        """Inputs and labels for a given batch of noise masks."""
        input_ids_sentinel = self.create_sentinel_ids(mask_indices.astype(np.int8))
        labels_sentinel = self.create_sentinel_ids((~mask_indices).astype(np.int8))
        input_ids = self.filter_input_ids(blocks, input_ids_sentinel)
        labels = self.filter_input_ids(blocks, labels_sentinel)
        if input_ids.shape[-1] != self.inputs_length or labels.shape[-1] != self.targets_length:
            raise ValueError(f"lengths {input_ids.shape[-1]}, {labels.shape[-1]} differ from the formula")
        return {"input_ids": input_ids, "labels": labels}

    def __call__(self, blocks: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """Per-row masks (the Python loop of the reference), then batch filtering."""
        batch_size, length = blocks.shape
        mask_indices = np.asarray([self.random_spans_noise_mask(length, rng) for _ in range(batch_size)])
        return self.corrupt(blocks, mask_indices)


def _median_times(
    first: Callable[[], object], second: Callable[[], object], repeats: int
) -> tuple[float, float]:
    """Median seconds per call of each function, calls alternating so both see the same machine load."""
    first(), second()  # warm-up
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeats):
        for fn, bucket in ((first, times[0]), (second, times[1])):
            start = time.perf_counter()
            fn()
            bucket.append(time.perf_counter() - start)
    return float(np.median(times[0])), float(np.median(times[1]))


def main() -> None:
    """Time both collators at batch 64 for input lengths 256 and 512 and print the speedup."""
    from xlt.spans import SpanCorruption

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=200)
    args = parser.parse_args()

    sentinel_start_id = 250_099  # mT5's <extra_id_0>
    print(f"batch size {args.batch_size}, median of {args.repeats} calls each")
    print(f"{'inputs':>6} {'raw':>5} {'targets':>7} {'reference ms':>13} {'xlt ms':>8} {'speedup':>8}")
    for inputs_length in (256, 512):
        ours = SpanCorruption(inputs_length=inputs_length, sentinel_start_id=sentinel_start_id)
        reference = ReferenceCollator(inputs_length, ours.targets_length, sentinel_start_id)
        blocks = np.random.default_rng(0).integers(3, 32_000, size=(args.batch_size, ours.raw_length))
        blocks = blocks.astype(np.int32)
        rng_ref, rng_ours = np.random.default_rng(1), np.random.default_rng(1)
        t_ref, t_ours = _median_times(
            lambda: reference(blocks, rng_ref),  # noqa: B023
            lambda: ours(blocks, rng_ours),  # noqa: B023
            args.repeats,
        )
        print(
            f"{inputs_length:>6} {ours.raw_length:>5} {ours.targets_length:>7} "
            f"{t_ref * 1e3:>13.3f} {t_ours * 1e3:>8.3f} {t_ref / t_ours:>7.1f}x"
        )


if __name__ == "__main__":
    main()
