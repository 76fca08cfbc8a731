"""Tokenize a language's corpus once, cache it in the workspace, and cut it into raw blocks.

T5 pre-trains on packed text: documents are tokenized without special tokens, each is followed by EOS
(the document separator), everything is concatenated and cut into blocks of ``raw_length`` tokens
(:func:`xlt.spans.compute_lengths`), and span corruption turns each block into one example. Here a
document is a line of ``corpus/<iso3>/<split>.txt``.

Tokenization is the slow part, so it happens once per (tokenizer, language, split, file content,
line limit): the token ids of every line are stored with the ``datasets`` library under
``cache/tokenized/<iso3>-<split>-<key>/`` (written in an atomic directory, so an interrupted run
leaves nothing behind) and later calls load them with ``load_from_disk``. Cutting blocks is cheap and
done on every call, so changing ``--input-length`` reuses the same cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from xlt.errors import CorpusTooSmallError, UsageError, WorkspaceError
from xlt.workspace import Workspace, atomic_write_text, sweep_dead_tmp, tmp_prefix

if TYPE_CHECKING:
    from datasets import Dataset

Split = Literal["train", "valid"]
SPLITS: tuple[str, ...] = ("train", "valid")
TOKENIZE_BATCH = 1_000  # lines per tokenizer call: large enough for the Rust tokenizer's batching
CACHE_VERSION = 1  # bump when the cached format changes; old caches are then ignored
ProgressFn = Callable[[int, int], None]  # (lines done, lines in all)
_KEYS: weakref.WeakKeyDictionary[Any, tuple[int, str]] = weakref.WeakKeyDictionary()


def tokenizer_key(tokenizer: Any) -> str:
    """A short stable hash of what the tokenizer does: its vocabulary, model and special tokens.

    Fast tokenizers are hashed through their ``tokenizer.json`` serialisation (normaliser, pre-tokeniser,
    model with scores, added tokens), minus run-time padding/truncation settings; others through the
    sorted vocabulary. Never the path: the same tokenizer copied elsewhere keeps its key. Remembered per
    tokenizer object and size (serialising mT5's 250k-piece vocabulary is not free; adding tokens
    changes the size and so recomputes it).
    """
    try:
        size = len(tokenizer)
        remembered = _KEYS.get(tokenizer)
    except TypeError:  # no len() or not weak-referenceable: compute every time
        return _compute_tokenizer_key(tokenizer)
    if remembered is not None and remembered[0] == size:
        return remembered[1]
    key = _compute_tokenizer_key(tokenizer)
    _KEYS[tokenizer] = (size, key)
    return key


def _compute_tokenizer_key(tokenizer: Any) -> str:
    """sha256 (16 hex digits) of the tokenizer's serialisation and special-token ids."""
    digest = hashlib.sha256()
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is not None:
        state = json.loads(backend.to_str())
        state.pop("padding", None)
        state.pop("truncation", None)
        digest.update(json.dumps(state, sort_keys=True, ensure_ascii=False).encode())
    else:
        digest.update(json.dumps(sorted(tokenizer.get_vocab().items()), ensure_ascii=False).encode())
    specials = {"eos": tokenizer.eos_token_id, "pad": tokenizer.pad_token_id, "unk": tokenizer.unk_token_id}
    digest.update(json.dumps(specials, sort_keys=True).encode())
    return digest.hexdigest()[:16]


def corpus_path(workspace: Workspace, iso3: str, split: str) -> Path:
    """`corpus/<iso3>/<split>.txt`; UsageError for an unknown split, WorkspaceError if it is missing."""
    if split not in SPLITS:
        raise UsageError(f"unknown corpus split {split!r}", f"use one of {', '.join(SPLITS)}")
    path = workspace.train_path(iso3) if split == "train" else workspace.valid_path(iso3)
    if not path.is_file():
        raise WorkspaceError(f"no {split} corpus for {iso3}: {path} does not exist", "run `xlt clean` first")
    return path


def _file_fingerprint(path: Path) -> str:
    """sha256 of the file's bytes (content, not mtime: a re-cleaned identical corpus keeps its cache)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()[:16]


def _read_lines(path: Path, max_lines: int | None) -> list[str]:
    """Non-empty lines of a corpus file, at most `max_lines` (the first ones)."""
    lines: list[str] = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if max_lines is not None and len(lines) >= max_lines:
                break
            text = line.rstrip("\r\n")
            if text.strip():
                lines.append(text)
    return lines


def cache_path(
    workspace: Workspace, tokenizer: Any, iso3: str, split: str, *, max_lines: int | None = None
) -> Path:
    """Where the tokenized lines of this corpus file live (depends on the file's content)."""
    fingerprint = _file_fingerprint(corpus_path(workspace, iso3, split))
    limit = "all" if max_lines is None else str(max_lines)
    key = f"v{CACHE_VERSION}-{tokenizer_key(tokenizer)}-{fingerprint}-{limit}"
    return workspace.cache_dir / "tokenized" / f"{iso3}-{split}-{key}"


def tokenized_lines(
    workspace: Workspace,
    tokenizer: Any,
    iso3: str,
    split: str,
    *,
    max_lines: int | None = None,
    progress: ProgressFn | None = None,
) -> Dataset:
    """A ``datasets.Dataset`` with one row per line: ``input_ids`` (int32, no special tokens, no EOS).

    Built on first use (tokenizing in batches, calling `progress(done, total)` after each) and saved to
    the workspace cache; later calls load it from disk without calling the tokenizer.
    """
    from datasets import load_from_disk

    path = cache_path(workspace, tokenizer, iso3, split, max_lines=max_lines)
    with _quiet_datasets():
        if (path / "xlt_tokenized.json").is_file():
            return load_from_disk(str(path))
        lines = _read_lines(corpus_path(workspace, iso3, split), max_lines)
        dataset = _tokenize(lines, tokenizer, progress, path.name)
        if not lines:  # nothing to cache (and datasets cannot reload a table without rows)
            return dataset
        info = {"iso3": iso3, "split": split, "lines": len(dataset), "tokenizer": path.name}
        _publish_first(path, lambda tmp: dataset.save_to_disk(str(tmp)), info)
        return load_from_disk(str(path))


def _publish_first(path: Path, write: Callable[[Path], object], info: dict[str, Any]) -> None:
    """Write a cache directory under a temporary name and rename it to `path`, unless another process
    published `path` first: then theirs is kept (same inputs, same content) and ours dropped.

    Replacing it instead would delete files another process may be reading (several runs of a sweep
    tokenize the same language at once); a rename onto an existing non-empty directory fails instead.
    """
    import shutil
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    sweep_dead_tmp(path.parent)  # what a killed writer of any cache here left
    tmp = Path(tempfile.mkdtemp(prefix=tmp_prefix(path), suffix=".tmp", dir=path.parent))
    try:
        write(tmp)
        # Written last: its presence marks a complete cache (the whole directory is renamed at once).
        atomic_write_text(tmp / "xlt_tokenized.json", json.dumps(info, indent=2) + "\n")
        try:
            tmp.rename(path)
        except OSError:
            if not (path / "xlt_tokenized.json").is_file():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _tokenize(lines: list[str], tokenizer: Any, progress: ProgressFn | None, fingerprint: str) -> Dataset:
    """Tokenize `lines` with ``Dataset.map(batched=True)`` into an int32 ``input_ids`` column."""
    import datasets

    features = datasets.Features({"input_ids": datasets.List(datasets.Value("int32"))})
    done = 0

    # The Rust tokenizer directly, without offsets: 1.6× faster than the transformers wrapper (measured).
    backend = getattr(tokenizer, "backend_tokenizer", None)

    def encode(batch: dict[str, list[str]]) -> dict[str, list[list[int]]]:
        nonlocal done
        if backend is not None:
            ids = [e.ids for e in backend.encode_batch_fast(batch["text"], add_special_tokens=False)]
        else:
            ids = tokenizer(batch["text"], add_special_tokens=False)["input_ids"]
        done += len(ids)
        if progress is not None:
            progress(done, len(lines))
        return {"input_ids": ids}

    if not lines:  # map() cannot concatenate zero batches; an empty corpus is an empty column
        return datasets.Dataset.from_dict({"input_ids": []}, features=features)
    text = datasets.Features({"text": datasets.Value("string")})
    source = datasets.Dataset.from_dict({"text": lines}, features=text)
    return source.map(
        encode,
        batched=True,
        batch_size=TOKENIZE_BATCH,
        remove_columns=["text"],
        features=features,
        keep_in_memory=True,
        new_fingerprint=fingerprint,  # no hashing of the tokenizer closure
    )


@contextlib.contextmanager
def _quiet_datasets() -> Iterator[None]:
    """Silence datasets' own tqdm bars: the caller shows a rich progress bar through `progress`."""
    import datasets

    bars_were_on = not datasets.are_progress_bars_disabled()
    datasets.disable_progress_bars()
    try:
        yield
    finally:
        if bars_were_on:
            datasets.enable_progress_bars()


def _ids_column(dataset: Dataset) -> Any:
    """The ``input_ids`` column as one pyarrow ListArray (memory-mapped, no copy of the values)."""
    import pyarrow as pa

    column = dataset.with_format("arrow")["input_ids"]
    if isinstance(column, pa.Table):
        column = column.column(0)
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks() if column.num_chunks else pa.array([], type=pa.list_(pa.int32()))
    return column


def _flat_ids(dataset: Dataset, eos_id: int) -> np.ndarray:
    """All lines' ids concatenated, each line followed by EOS, as one int32 array (via Arrow, no loops)."""
    ids = _ids_column(dataset)
    if len(ids) == 0:
        return np.zeros(0, dtype=np.int32)
    offsets = ids.offsets.to_numpy()
    values = ids.values.to_numpy(zero_copy_only=False).astype(np.int32, copy=False)
    values = values[offsets[0] : offsets[-1]]
    # One pass inserts an EOS at the end of every line (about 5 bytes of memory per token in all).
    return np.insert(values, offsets[1:] - offsets[0], np.int32(eos_id))


def count_tokens(
    workspace: Workspace,
    tokenizer: Any,
    iso3: str,
    split: str,
    *,
    max_lines: int | None = None,
    progress: ProgressFn | None = None,
) -> int:
    """Tokens of a corpus split as span corruption sees them: every line's tokens plus its EOS."""
    dataset = tokenized_lines(workspace, tokenizer, iso3, split, max_lines=max_lines, progress=progress)
    offsets = _ids_column(dataset).offsets.to_numpy()
    return int(offsets[-1] - offsets[0]) + len(dataset)


def token_blocks(
    workspace: Workspace,
    tokenizer: Any,
    iso3: str,
    split: str,
    raw_length: int,
    *,
    max_lines: int | None = None,
    progress: ProgressFn | None = None,
) -> np.ndarray:
    """int32 (n_blocks, raw_length): the split's lines + EOS each, concatenated, cut into full blocks.

    The remainder that does not fill a block is dropped (as T5's packing does). Raises
    CorpusTooSmallError (a TrainingError) when the split has fewer tokens than one block, and
    WorkspaceError when the corpus file is missing.
    """
    if raw_length < 1:
        raise ValueError(f"raw_length must be positive, got {raw_length}")
    dataset = tokenized_lines(workspace, tokenizer, iso3, split, max_lines=max_lines, progress=progress)
    flat = _flat_ids(dataset, int(tokenizer.eos_token_id))
    n_blocks = flat.size // raw_length
    if n_blocks == 0:
        raise CorpusTooSmallError(
            f"the {split} split of {iso3} has {flat.size:,} tokens"
            f"{'' if max_lines is None else f' in its first {max_lines:,} lines'}, fewer than one block "
            f"of {raw_length:,} raw tokens",
            "collect more text for this language, or lower --input-length",
        )
    return np.ascontiguousarray(flat[: n_blocks * raw_length].reshape(n_blocks, raw_length))
