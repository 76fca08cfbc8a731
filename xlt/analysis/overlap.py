"""Subtoken overlap between corpora, as the model's tokenizer sees them.

For every (HR, LR) pair: the share of the LR corpus's subtokens that also occur in the HR corpus, by
occurrence (``overlap_tokens``: how much running LR text is made of pieces the HR corpus has) and by type
(``overlap_types``: how much of the LR subtoken vocabulary the HR corpus has). Each corpus is tokenized
once into a vector of counts over the vocabulary; every pair then comes from matrix products.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from xlt.errors import InputError, WorkspaceError
from xlt.progress import NullReporter, Reporter
from xlt.workspace import Workspace

TASK = "tokenizing corpora"
# Lines tokenized per call: big enough for the fast tokenizer's batching, small enough for memory.
BATCH_LINES = 2048


def load_tokenizer(path: str | Path, own: bool = False) -> Any:
    """The tokenizer to count subtokens with.

    `own`: a tokenizer xlt trained (WORKSPACE/tokenizers/NAME, or models/base's copy): its Rust
    ``tokenizers.Tokenizer`` straight from tokenizer.json, which ``save_pretrained`` wrote from the backend
    that training tokenized the corpus with (xlt.data: ``backend_tokenizer``; same ids,
    tests/test_modeling.py), in 0.07 s instead of the 3.5 s transformers and torch take to import
    (measured 2026-12-02). Anything else (a hub id, a hub model's checkpoint, another --tokenizer DIR)
    through transformers, whose tokenizer class may adjust what a tokenizer.json from elsewhere holds.
    """
    if own and (file := Path(path) / "tokenizer.json").is_file():
        from tokenizers import Tokenizer

        try:
            return Tokenizer.from_file(str(file))
        except Exception as exc:  # tokenizers raises its own Exception subclass for a damaged file
            raise InputError(
                f"cannot load the tokenizer {path}: {' '.join(str(exc).split())}",
                hint="pass --tokenizer with another copy (the base model and every checkpoint hold one)",
            ) from exc
    from transformers import AutoTokenizer

    try:
        return AutoTokenizer.from_pretrained(str(path))
    except (OSError, ValueError) as exc:
        raise InputError(
            f"cannot load the tokenizer {path}: {exc}",
            hint="pass --tokenizer with a directory that holds tokenizer.json (WORKSPACE/tokenizers/NAME)",
        ) from exc


def vocab_size(tokenizer: Any) -> int:
    """Number of ids the tokenizer can emit (added tokens included)."""
    if hasattr(tokenizer, "get_vocab_size"):  # a tokenizers.Tokenizer
        return int(tokenizer.get_vocab_size(with_added_tokens=True))
    return len(tokenizer)


def _encode(tokenizer: Any, lines: list[str]) -> list[list[int]]:
    """Ids of each line, without special tokens (EOS)."""
    if hasattr(tokenizer, "encode_batch_fast"):  # a tokenizers.Tokenizer
        return [e.ids for e in tokenizer.encode_batch_fast(lines, add_special_tokens=False)]
    return tokenizer(lines, add_special_tokens=False)["input_ids"]


def count_subtokens(tokenizer: Any, lines: Iterable[str], size: int | None = None) -> np.ndarray:
    """Occurrences of every vocabulary id in `lines` (special tokens such as EOS are not added)."""
    size = size or vocab_size(tokenizer)
    counts = np.zeros(size, dtype=np.int64)
    batch: list[str] = []

    def flush() -> None:
        if not batch:
            return
        ids = _encode(tokenizer, batch)
        flat = np.fromiter((i for seq in ids for i in seq), dtype=np.int64)
        if flat.size:
            counts[:] += np.bincount(flat, minlength=size)[:size]
        batch.clear()

    for line in lines:
        batch.append(line)
        if len(batch) >= BATCH_LINES:
            flush()
    flush()
    return counts


def corpus_lines(workspace: Workspace, iso3: str, max_lines: int | None = None) -> list[str]:
    """The language's cleaned lines (train, then valid), at most `max_lines` of them."""
    lines: list[str] = []
    for path in (workspace.train_path(iso3), workspace.valid_path(iso3)):
        if not path.is_file():
            continue
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                text = line.rstrip("\n")
                if text:
                    lines.append(text)
                if max_lines is not None and len(lines) >= max_lines:
                    return lines
    return lines


def count_matrix(
    tokenizer: Any, corpora: Mapping[str, Sequence[str]], reporter: Reporter | None = None
) -> tuple[list[str], np.ndarray]:
    """(languages, counts): one row of vocabulary counts per language, each corpus tokenized once."""
    reporter = reporter or NullReporter()
    langs = sorted(corpora)
    size = vocab_size(tokenizer)
    matrix = np.zeros((len(langs), size), dtype=np.int64)
    reporter.start(TASK, len(langs))
    for row, lang in enumerate(langs):
        matrix[row] = count_subtokens(tokenizer, corpora[lang], size)
        reporter.advance(TASK, 1, lang)
    reporter.finish(TASK)
    return langs, matrix


def overlap_from_counts(
    langs: Sequence[str],
    counts: np.ndarray,
    hr_langs: Sequence[str],
    lr_langs: Sequence[str],
) -> pl.DataFrame:
    """Every (HR, LR) pair's overlap from a (languages × vocab) count matrix, by matrix products.

    overlap_tokens = Σ_v c_LR(v)·[c_HR(v)>0] / Σ_v c_LR(v);  overlap_types = |V_LR ∩ V_HR| / |V_LR|;
    jaccard_types = |V_LR ∩ V_HR| / |V_LR ∪ V_HR|.
    """
    index = {lang: i for i, lang in enumerate(langs)}
    hr = [lang for lang in hr_langs if lang in index]
    lr = [lang for lang in lr_langs if lang in index]
    hr_present = (counts[[index[x] for x in hr]] > 0).astype(np.float64)  # (H, V)
    lr_counts = counts[[index[x] for x in lr]].astype(np.float64)  # (L, V)
    lr_present = (lr_counts > 0).astype(np.float64)
    shared_tokens = lr_counts @ hr_present.T  # (L, H): LR occurrences whose type the HR corpus has
    shared_types = lr_present @ hr_present.T  # (L, H): types in both
    lr_total = lr_counts.sum(axis=1, keepdims=True)
    lr_types = lr_present.sum(axis=1, keepdims=True)
    hr_types = hr_present.sum(axis=1)[None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        share_tokens = np.where(lr_total > 0, shared_tokens / lr_total, np.nan)
        share_types = np.where(lr_types > 0, shared_types / lr_types, np.nan)
        union = lr_types + hr_types - shared_types
        jaccard = np.where(union > 0, shared_types / union, np.nan)
    n_h, n_l = len(hr), len(lr)
    return pl.DataFrame(
        {
            "hr_lang": [h for _ in lr for h in hr],
            "lr_lang": [lang for lang in lr for _ in hr],
            "overlap_tokens": share_tokens.reshape(n_l * n_h),
            "overlap_types": share_types.reshape(n_l * n_h),
            "jaccard_types": jaccard.reshape(n_l * n_h),
            "lr_subtokens": np.repeat(lr_total[:, 0], n_h).astype(np.int64),
            "lr_types": np.repeat(lr_types[:, 0], n_h).astype(np.int64),
            "hr_types": np.tile(hr_types[0], n_l).astype(np.int64),
        },
        schema_overrides={"hr_lang": pl.String, "lr_lang": pl.String},
    ).with_columns(pl.col(c).fill_nan(None) for c in ("overlap_tokens", "overlap_types", "jaccard_types"))


def subtoken_overlap(
    tokenizer: Any,
    corpora: Mapping[str, Sequence[str]],
    hr_langs: Sequence[str],
    lr_langs: Sequence[str],
    reporter: Reporter | None = None,
) -> pl.DataFrame:
    """Overlap of every (HR, LR) pair from raw corpora (lines per language): tokenize once, then matrices."""
    missing = sorted((set(hr_langs) | set(lr_langs)) - set(corpora))
    if missing:
        raise InputError(f"no corpus lines for {', '.join(missing)}", hint="run `xlt clean` for them first")
    needed = {lang: corpora[lang] for lang in set(hr_langs) | set(lr_langs)}
    langs, counts = count_matrix(tokenizer, needed, reporter)
    return overlap_from_counts(langs, counts, hr_langs, lr_langs)


def workspace_corpora(
    workspace: Workspace, langs: Iterable[str], max_lines: int | None = None
) -> dict[str, list[str]]:
    """Lines of each language's cleaned corpus; languages without one are an error that names them."""
    corpora = {lang: corpus_lines(workspace, lang, max_lines) for lang in sorted(set(langs))}
    empty = sorted(lang for lang, lines in corpora.items() if not lines)
    if empty:
        raise WorkspaceError(
            f"no cleaned corpus for {', '.join(empty)} under {workspace.corpus_dir}",
            hint="run `xlt clean` first, or limit the languages with --hr/--lr",
        )
    return corpora
