"""Tokenized-corpus cache and block packing (xlt.data) with a tiny SentencePiece tokenizer."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from xlt.data import count_tokens, token_blocks, tokenizer_key
from xlt.errors import CorpusTooSmallError, TrainingError, UsageError, WorkspaceError
from xlt.workspace import Workspace

WORDS = ["alpha", "beta", "gamma", "kitab", "casa", "perro", "xochitl", "atl", "tepetl", "ñandú"]


def _lines(n: int, seed: int = 0) -> list[str]:
    """`n` generated lines of 3-11 words."""
    rng = np.random.default_rng(seed)
    return [" ".join(rng.choice(WORDS, int(rng.integers(3, 12)))) for _ in range(n)]


@pytest.fixture(scope="module")
def tokenizer_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SentencePiece unigram tokenizer with T5 sentinels, trained once for this module."""
    from xlt.modeling.tokenizers import train_tokenizer

    path = tmp_path_factory.mktemp("tok") / "spm"
    train_tokenizer({"spa": _lines(400)}, path, vocab_size=300)
    return path


@pytest.fixture(scope="module")
def tokenizer(tokenizer_dir: Path) -> Any:
    """The module's tokenizer, loaded from tokenizer.json."""
    from xlt.modeling.tokenizers import load_tokenizer

    return load_tokenizer(tokenizer_dir)


class CountingTokenizer:
    """Delegates to a tokenizer and counts how often it is asked to encode."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return self.inner(*args, **kwargs)

    @property
    def backend_tokenizer(self) -> Any:  # xlt encodes through the Rust tokenizer: count those calls too
        outer = self

        class Backend:
            def encode_batch_fast(self, *args: Any, **kwargs: Any) -> Any:
                outer.calls += 1
                return outer.inner.backend_tokenizer.encode_batch_fast(*args, **kwargs)

            def __getattr__(self, name: str) -> Any:
                return getattr(outer.inner.backend_tokenizer, name)

        return Backend()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def _write_corpus(ws: Workspace, iso3: str, split: str, lines: list[str]) -> Path:
    path = ws.train_path(iso3) if split == "train" else ws.valid_path(iso3)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return path


def _expected_stream(tokenizer: Any, lines: list[str]) -> list[int]:
    """Each line's ids without special tokens, then EOS, concatenated (the T5 packing)."""
    stream: list[int] = []
    for line in lines:
        stream.extend(tokenizer(line, add_special_tokens=False)["input_ids"])
        stream.append(tokenizer.eos_token_id)
    return stream


def test_blocks_are_lines_plus_eos_cut_into_full_blocks(ws: Workspace, tokenizer: Any) -> None:
    """Blocks hold every line's tokens followed by EOS, in order; the partial tail is dropped."""
    lines = _lines(120, seed=1)
    _write_corpus(ws, "spa", "train", [*lines[:60], "", "   ", *lines[60:]])  # blank lines are skipped
    blocks = token_blocks(ws, tokenizer, "spa", "train", 64)
    stream = _expected_stream(tokenizer, lines)
    assert blocks.dtype == np.int32 and blocks.shape == (len(stream) // 64, 64)
    assert blocks.ravel().tolist() == stream[: blocks.size]
    assert count_tokens(ws, tokenizer, "spa", "train") == len(stream)
    # No special tokens from the tokenizer itself: the only EOS are the line separators.
    assert int((blocks == tokenizer.eos_token_id).sum()) == stream[: blocks.size].count(
        tokenizer.eos_token_id
    )
    assert tokenizer.eos_token_id not in tokenizer(lines[0], add_special_tokens=False)["input_ids"]


def test_second_call_reuses_cache_without_tokenizing(ws: Workspace, tokenizer: Any) -> None:
    """The second call, even for another block length, loads the cache and never calls the tokenizer."""
    _write_corpus(ws, "spa", "valid", _lines(80, seed=2))
    first_tok = CountingTokenizer(tokenizer)
    first = token_blocks(ws, first_tok, "spa", "valid", 50)
    assert first_tok.calls >= 1
    second_tok = CountingTokenizer(tokenizer)
    second = token_blocks(ws, second_tok, "spa", "valid", 50)
    other_length = token_blocks(ws, second_tok, "spa", "valid", 37)
    assert second_tok.calls == 0
    assert np.array_equal(first, second)
    common = min(other_length.size, first.size)
    assert np.array_equal(other_length.ravel()[:common], first.ravel()[:common])
    entries = sorted(p.name for p in (ws.cache_dir / "tokenized").iterdir())
    assert len(entries) == 1 and entries[0].startswith("spa-valid-"), entries  # no temp dirs left behind


def test_changed_corpus_or_line_limit_is_tokenized_again(ws: Workspace, tokenizer: Any) -> None:
    """A different file content or max_lines gets its own cache entry."""
    lines = _lines(100, seed=3)
    _write_corpus(ws, "nci", "train", lines)
    token_blocks(ws, tokenizer, "nci", "train", 20)
    limited_tok = CountingTokenizer(tokenizer)
    limited = token_blocks(ws, limited_tok, "nci", "train", 20, max_lines=10)
    assert limited_tok.calls >= 1
    assert limited.ravel().tolist() == _expected_stream(tokenizer, lines[:10])[: limited.size]
    _write_corpus(ws, "nci", "train", lines[::-1])
    changed_tok = CountingTokenizer(tokenizer)
    changed = token_blocks(ws, changed_tok, "nci", "train", 20)
    assert changed_tok.calls >= 1
    assert changed.ravel().tolist() == _expected_stream(tokenizer, lines[::-1])[: changed.size]


def test_progress_reports_all_lines(ws: Workspace, tokenizer: Any) -> None:
    """The progress callback ends at (lines, lines)."""
    _write_corpus(ws, "azz", "train", _lines(30, seed=4))
    seen: list[tuple[int, int]] = []
    token_blocks(ws, tokenizer, "azz", "train", 16, progress=lambda done, total: seen.append((done, total)))
    assert seen and seen[-1] == (30, 30)


def test_too_small_corpus_names_language_split_and_sizes(ws: Workspace, tokenizer: Any) -> None:
    """Fewer tokens than one block is a TrainingError naming the language, split, count and block size."""
    _write_corpus(ws, "ote", "valid", ["atl tepetl"])
    n_tokens = count_tokens(ws, tokenizer, "ote", "valid")
    with pytest.raises(CorpusTooSmallError) as caught:
        token_blocks(ws, tokenizer, "ote", "valid", 284)
    assert isinstance(caught.value, TrainingError)
    message = caught.value.message
    assert "ote" in message and "valid" in message and f"{n_tokens} tokens" in message and "284" in message
    assert "--input-length" in (caught.value.hint or "")
    _write_corpus(ws, "ots", "train", [])
    with pytest.raises(CorpusTooSmallError, match="0 tokens"):
        token_blocks(ws, tokenizer, "ots", "train", 10)


def test_missing_corpus_and_bad_split(ws: Workspace, tokenizer: Any) -> None:
    """A missing corpus file names the file and `xlt clean`; an unknown split is a usage error."""
    with pytest.raises(WorkspaceError) as caught:
        token_blocks(ws, tokenizer, "spa", "train", 10)
    assert str(ws.train_path("spa")) in caught.value.message and "xlt clean" in (caught.value.hint or "")
    _write_corpus(ws, "spa", "train", _lines(5))
    with pytest.raises(UsageError, match="test"):
        token_blocks(ws, tokenizer, "spa", "test", 10)


def test_tokenizer_key_follows_content_not_path(tmp_path: Path, tokenizer_dir: Path, tokenizer: Any) -> None:
    """A copy of the tokenizer elsewhere has the same key; an extra token changes it."""
    from xlt.modeling.tokenizers import load_tokenizer

    copy = tmp_path / "elsewhere"
    shutil.copytree(tokenizer_dir, copy)
    assert tokenizer_key(load_tokenizer(copy)) == tokenizer_key(tokenizer)
    assert len(tokenizer_key(tokenizer)) == 16
    changed = load_tokenizer(copy)
    changed.add_tokens(["qqqzz"])
    assert tokenizer_key(changed) != tokenizer_key(tokenizer)


def test_blocks_feed_span_corruption(ws: Workspace, tokenizer: Any) -> None:
    """Cached blocks corrupt into inputs/labels of the computed lengths with the tokenizer's sentinels."""
    from xlt.spans import SpanCorruption, sentinel_start

    _write_corpus(ws, "spa", "train", _lines(300, seed=5))
    corruption = SpanCorruption(
        inputs_length=32,
        eos_id=tokenizer.eos_token_id,
        pad_id=tokenizer.pad_token_id,
        sentinel_start_id=sentinel_start(tokenizer),
    )
    assert corruption.sentinel_start_id == len(tokenizer) - 1
    blocks = token_blocks(ws, tokenizer, "spa", "train", corruption.raw_length)
    batch = corruption(blocks[:8], np.random.default_rng(0))
    assert batch["input_ids"].shape == (8, 32) and batch["labels"].shape == (8, corruption.targets_length)
    assert tokenizer.convert_ids_to_tokens(int(batch["labels"][0, 0])) == "<extra_id_0>"


def test_tokenizer_key_is_remembered_per_object(tokenizer: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The key is computed once per tokenizer object (it serialises the whole vocabulary)."""
    import xlt.data

    key = tokenizer_key(tokenizer)
    monkeypatch.setattr(xlt.data, "_compute_tokenizer_key", lambda _: pytest.fail("recomputed"))
    assert tokenizer_key(tokenizer) == key
