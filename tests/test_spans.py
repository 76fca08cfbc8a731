"""T5 span corruption: lengths, exact masks, reconstruction, and agreement with the per-row reference."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlt.errors import InputError, UsageError
from xlt.spans import (
    LABEL_PAD_ID,
    SpanCorruption,
    compute_lengths,
    noise_counts,
    noise_mask,
    sentinel_start,
    to_torch,
)

SENTINEL = 1_000  # <extra_id_0> of a toy vocabulary: ordinary ids stay below SENTINEL - 100
EOS, PAD = 1, 0


def _reference() -> ModuleType:
    """The per-row reference collator from benchmarks/bench_collator.py (the tests' oracle)."""
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_collator.py"
    spec = importlib.util.spec_from_file_location("bench_collator", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench_collator", module)
    spec.loader.exec_module(module)
    return module


def _blocks(batch_size: int, length: int, seed: int = 0) -> np.ndarray:
    """Random ordinary token ids (never EOS, pad or a sentinel)."""
    return np.random.default_rng(seed).integers(2, SENTINEL - 100, size=(batch_size, length), dtype=np.int32)


def _reconstruct(input_ids: np.ndarray, labels: np.ndarray) -> list[int]:
    """Undo span corruption of one row: put each sentinel's label span back in place of the sentinel."""
    spans: dict[int, list[int]] = {}
    current: int | None = None
    for token in labels.tolist():
        if token in (EOS, LABEL_PAD_ID):
            break
        if token > SENTINEL - 100:
            current = token
            spans[current] = []
        else:
            assert current is not None, "labels must start with a sentinel"
            spans[current].append(token)
    restored: list[int] = []
    for token in input_ids.tolist():
        if token == EOS:
            break
        restored.extend(spans.pop(token) if token > SENTINEL - 100 else [token])
    assert not spans, "every label span must be used exactly once"
    return restored


def _spans_per_row(mask: np.ndarray) -> np.ndarray:
    """Number of maximal runs of True in each row."""
    starts = mask.copy()
    starts[:, 1:] &= ~mask[:, :-1]
    return starts.sum(axis=1)


def test_lengths_match_t5_formula() -> None:
    """The raw/target lengths are T5's: 256 -> (284, 58), 512 -> (568, 114)."""
    assert compute_lengths(256) == (284, 58)
    assert compute_lengths(512) == (568, 114)
    assert compute_lengths(256, 0.15, 3.0) == (SpanCorruption().raw_length, SpanCorruption().targets_length)


def test_noise_counts_match_reference_rounding() -> None:
    """Noise tokens and spans per row agree with the per-row reference mask for many lengths."""
    reference = _reference().ReferenceCollator(10, 10, SENTINEL)
    rng = np.random.default_rng(0)
    for length in range(2, 300):
        mask = reference.random_spans_noise_mask(length, rng)
        expected = noise_counts(length)
        assert (int(mask.sum()), int(_spans_per_row(mask[None])[0])) == expected, length


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    length=st.integers(2, 700),
    density=st.sampled_from([0.05, 0.1, 0.15, 0.3, 0.5, 0.8]),
    mean_span=st.sampled_from([1.0, 2.0, 3.0, 5.5, 10.0]),
    batch_size=st.integers(1, 9),
    seed=st.integers(0, 2**32 - 1),
)
def test_noise_mask_exact_counts(
    length: int, density: float, mean_span: float, batch_size: int, seed: int
) -> None:
    """Every row has exactly the computed noise tokens and spans, starts kept and ends in noise."""
    mask = noise_mask(batch_size, length, np.random.default_rng(seed), density, mean_span)
    num_noise, num_spans = noise_counts(length, density, mean_span)
    assert mask.shape == (batch_size, length) and mask.dtype == bool
    assert (mask.sum(axis=1) == num_noise).all()
    assert (_spans_per_row(mask) == num_spans).all()
    assert not mask[:, 0].any() and mask[:, -1].all()


def test_same_seed_same_masks_different_seed_different_masks() -> None:
    """Masks are a function of the seed alone."""
    first = noise_mask(64, 568, np.random.default_rng(7))
    again = noise_mask(64, 568, np.random.default_rng(7))
    other = noise_mask(64, 568, np.random.default_rng(8))
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)
    assert len({row.tobytes() for row in first}) == 64, "rows of one batch must differ"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    inputs_length=st.integers(3, 600),
    density=st.sampled_from([0.05, 0.15, 0.3, 0.5, 0.8]),
    mean_span=st.sampled_from([1.0, 2.0, 3.0, 5.5]),
    batch_size=st.integers(1, 6),
    seed=st.integers(0, 2**32 - 1),
)
def test_corruption_lengths_and_reconstruction(
    inputs_length: int, density: float, mean_span: float, batch_size: int, seed: int
) -> None:
    """Outputs have the computed shapes, and inputs + labels give back the original block exactly."""
    try:
        corruption = SpanCorruption(inputs_length, density, mean_span, EOS, PAD, SENTINEL)
    except (ValueError, UsageError):  # more spans than sentinels, or no raw length fits: rejected up front
        return
    raw_length, targets_length = compute_lengths(inputs_length, density, mean_span)
    blocks = _blocks(batch_size, raw_length, seed % 1000)
    out = corruption(blocks, np.random.default_rng(seed))
    assert out["input_ids"].shape == out["attention_mask"].shape == (batch_size, inputs_length)
    assert out["labels"].shape == (batch_size, targets_length)
    for row in range(batch_size):
        assert _reconstruct(out["input_ids"][row], out["labels"][row]) == blocks[row].tolist()
        real = int(out["attention_mask"][row].sum())
        assert out["input_ids"][row, real - 1] == EOS and (out["input_ids"][row, real:] == PAD).all()


def test_default_lengths_fill_exactly() -> None:
    """At the T5 defaults every row fills inputs and labels exactly: no padding, EOS last."""
    corruption = SpanCorruption(512, sentinel_start_id=SENTINEL)
    out = corruption(_blocks(32, corruption.raw_length), np.random.default_rng(3))
    assert (out["attention_mask"] == 1).all()
    assert (out["input_ids"][:, -1] == EOS).all() and (out["labels"][:, -1] == EOS).all()
    assert not (out["labels"] == LABEL_PAD_ID).any()
    # Span k of each row gets <extra_id_k> = SENTINEL - k, in order, in both inputs and labels.
    num_spans = noise_counts(corruption.raw_length)[1]
    expected = SENTINEL - np.arange(num_spans)
    for ids in (out["input_ids"], out["labels"]):
        for row in ids:
            assert row[row > SENTINEL - 100].tolist() == expected.tolist()


def test_matches_reference_collator_on_same_masks() -> None:
    """Given the same masks, inputs and labels equal the per-row reference (HF DataCollatorForT5MLM)."""
    for inputs_length in (16, 256, 512):
        corruption = SpanCorruption(inputs_length, sentinel_start_id=SENTINEL)
        reference = _reference().ReferenceCollator(inputs_length, corruption.targets_length, SENTINEL)
        blocks = _blocks(16, corruption.raw_length, inputs_length)
        masks = noise_mask(16, corruption.raw_length, np.random.default_rng(inputs_length))
        ours, theirs = corruption.corrupt(blocks, masks), reference.corrupt(blocks, masks)
        assert np.array_equal(ours["input_ids"], theirs["input_ids"])
        assert np.array_equal(ours["labels"], theirs["labels"])


def test_fast_path_equals_mask_path() -> None:
    """__call__ (gathering from span lengths) equals corrupt() with the mask drawn from the same seed."""
    for inputs_length in (8, 100, 256):
        corruption = SpanCorruption(inputs_length, sentinel_start_id=SENTINEL)
        blocks = _blocks(8, corruption.raw_length)
        fast = corruption(blocks, np.random.default_rng(11))
        masks = noise_mask(8, corruption.raw_length, np.random.default_rng(11))
        slow = corruption.corrupt(blocks, masks)
        for key in fast:
            assert np.array_equal(fast[key], slow[key]), key


def test_span_length_distribution_matches_reference() -> None:
    """Noise span lengths and per-position noise rates follow the reference's distribution."""
    reference = _reference().ReferenceCollator(256, 58, SENTINEL)
    rows, length = 3000, 284
    ours = noise_mask(rows, length, np.random.default_rng(5))
    rng = np.random.default_rng(6)
    theirs = np.stack([reference.random_spans_noise_mask(length, rng) for _ in range(rows)])

    def span_histogram(mask: np.ndarray) -> np.ndarray:
        padded = np.pad(mask.astype(np.int8), ((0, 0), (1, 1)))
        edges = np.diff(padded, axis=1)
        lengths = np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)
        return np.bincount(lengths, minlength=40)[:40] / lengths.size

    assert np.abs(span_histogram(ours) - span_histogram(theirs)).sum() / 2 < 0.03  # total variation
    assert np.abs(ours.mean(axis=0) - theirs.mean(axis=0)).max() < 0.05
    assert abs(ours.sum(axis=1).mean() / _spans_per_row(ours).mean() - 43 / 14) < 1e-9


def test_rows_that_overflow_are_rejected() -> None:
    """A mask whose corrupted row exceeds the computed widths is an error, never a silent truncation."""
    corruption = SpanCorruption(8, sentinel_start_id=SENTINEL)  # raw 7: one noise token, one span
    assert (corruption.raw_length, corruption.targets_length) == (7, 3)
    blocks = np.arange(10, 17)[None]
    mask = np.zeros_like(blocks, dtype=bool)
    mask[0, 3] = True
    out = corruption.corrupt(blocks, mask)
    assert _reconstruct(out["input_ids"][0], out["labels"][0]) == blocks[0].tolist()
    mask[0, 3:6] = True  # three noise tokens: the labels (5 tokens) no longer fit in 3
    with pytest.raises(AssertionError, match="exceeds width"):
        corruption.corrupt(blocks, mask)


def test_short_rows_are_padded() -> None:
    """Rows shorter than the widths get pad_id and attention 0 in inputs and -100 in labels."""
    # Density 0.5, span 1: 15 raw tokens give 15 inputs, 16 give 17 (spans are capped by the kept tokens).
    corruption = SpanCorruption(16, noise_density=0.5, mean_noise_span_length=1.0, sentinel_start_id=SENTINEL)
    assert (corruption.raw_length, corruption.targets_length) == (15, 16)
    blocks = np.arange(10, 25)[None]
    mask = np.zeros((1, 15), dtype=bool)
    mask[0, -2:] = True  # one span of two tokens
    out = corruption.corrupt(blocks, mask)
    assert out["input_ids"][0].tolist() == [*range(10, 23), SENTINEL, EOS, PAD]
    assert out["attention_mask"][0].tolist() == [1] * 15 + [0]
    assert out["labels"][0].tolist() == [SENTINEL, 23, 24, EOS] + [LABEL_PAD_ID] * 12
    drawn = corruption(_blocks(4, 15), np.random.default_rng(0))
    assert (drawn["attention_mask"].sum(axis=1) == 15).all() and (drawn["input_ids"][:, 15] == PAD).all()


def test_rejects_bad_shapes_and_too_many_spans() -> None:
    """Wrong block widths and more spans than sentinels are errors, not silent garbage."""
    corruption = SpanCorruption(256, sentinel_start_id=SENTINEL)
    with pytest.raises(ValueError, match="284"):
        corruption(np.zeros((2, 256), dtype=np.int32), np.random.default_rng(0))
    with pytest.raises(ValueError, match="sentinels"):
        SpanCorruption(256, sentinel_start_id=SENTINEL, num_sentinels=10)
    with pytest.raises(ValueError, match="kept token"):
        corruption.corrupt(np.zeros((1, 284)), np.ones((1, 284), dtype=bool))


def test_to_torch_and_collate_fn() -> None:
    """The collate function stacks examples and returns int64 tensors of the right shapes."""
    import torch

    corruption = SpanCorruption(64, sentinel_start_id=SENTINEL)
    collate = corruption.collate_fn(np.random.default_rng(0))
    batch = collate(list(_blocks(4, corruption.raw_length)))
    assert {key: tuple(value.shape) for key, value in batch.items()} == {
        "input_ids": (4, 64),
        "attention_mask": (4, 64),
        "labels": (4, corruption.targets_length),
    }
    assert all(value.dtype == torch.int64 for value in batch.values())
    assert to_torch({"x": np.arange(3, dtype=np.int32)})["x"].dtype == torch.int64


class _FakeTokenizer:
    """Just enough of a transformers tokenizer for sentinel lookup."""

    unk_token_id = 2
    name_or_path = "fake"

    def __init__(self, vocab: dict[str, int]) -> None:
        self.vocab = vocab

    def convert_tokens_to_ids(self, token: str) -> int:
        return self.vocab.get(token, self.unk_token_id)


def test_sentinel_start_lookup() -> None:
    """<extra_id_0> is found by name; a vocabulary without sentinels is a clear InputError."""
    vocab = {f"<extra_id_{k}>": 399 - k for k in range(100)}
    assert sentinel_start(_FakeTokenizer(vocab)) == 399
    with pytest.raises(InputError, match="no T5 sentinel"):
        sentinel_start(_FakeTokenizer({}))
    vocab["<extra_id_99>"] = 5
    with pytest.raises(InputError, match="count down"):
        sentinel_start(_FakeTokenizer(vocab))


class _TiedKeys:
    """A Generator stand-in whose first draw is all ties, then real random keys."""

    def __init__(self) -> None:
        self.inner = np.random.default_rng(0)
        self.draws = 0

    def random(self, size: tuple[int, int], dtype: type) -> np.ndarray:
        self.draws += 1
        return np.zeros(size, dtype=dtype) if self.draws == 1 else self.inner.random(size, dtype=dtype)


def test_tied_random_keys_are_redrawn() -> None:
    """Rows whose random keys tie at the threshold are redrawn, so counts stay exact."""
    rng = _TiedKeys()
    mask = noise_mask(4, 100, rng)  # type: ignore[arg-type]
    assert rng.draws > 2
    assert (mask.sum(axis=1) == noise_counts(100)[0]).all()
    assert (_spans_per_row(mask) == noise_counts(100)[1]).all()


def test_too_many_spans_for_the_sentinels_is_a_usage_error_naming_the_longest_length() -> None:
    """4096 input tokens need 227 spans, T5 has 100 sentinels: a UsageError naming the length that fits."""
    with pytest.raises(UsageError, match=r"227 noise spans.*--input-length 1809 or less") as info:
        SpanCorruption(4096)
    assert SpanCorruption(1809).inputs_length == 1809 and info.value.hint
    with pytest.raises(UsageError):
        SpanCorruption(1810)
