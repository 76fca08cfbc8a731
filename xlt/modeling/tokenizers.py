"""Tokenizers: a SentencePiece unigram model on a temperature-balanced mix, wrapped as a T5 tokenizer.

Every tokenizer xlt uses has T5's layout: pad 0, eos 1, unk 2, no bos, and 100 sentinels
``<extra_id_0>`` … ``<extra_id_99>`` at the top of the vocabulary, counting down, so the span-corruption
code treats mt5-base's tokenizer and the workspace's own alike.
"""

from __future__ import annotations

import hashlib
import io
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from xlt.contracts.languages import corpus_languages
from xlt.errors import InputError, WorkspaceError
from xlt.locks import exclusive
from xlt.modeling.mixing import MT5_ALPHA, balanced_sample
from xlt.workspace import Workspace, atomic_dir

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

N_SENTINELS = 100  # T5 / mT5: <extra_id_0> … <extra_id_99>
# Sentences SentencePiece trains on: 6.25 per piece, at most 50k (the 8k-piece tokenizer's 50k sentences
# train in ~15-19 s on 2 cores). A 1k-piece tokenizer (`xlt experiment --quick`) then trains on 6,250
# sentences in ~4 s instead of 19 s on the same 50k (measured 2026-12-02, sample corpus).
SENTENCES_PER_PIECE = 6.25
MAX_SENTENCES = 50_000


def train_tokenizer(
    lines_by_lang: Mapping[str, Iterable[str]],
    out_dir: Path,
    vocab_size: int = 8000,
    seed: int = 0,
    alpha: float = MT5_ALPHA,
    max_sentences: int | None = None,
    character_coverage: float = 0.9995,
) -> PreTrainedTokenizerBase:
    """Train a SentencePiece unigram model on a temperature-balanced mix and save a T5 tokenizer.

    `vocab_size` counts SentencePiece pieces; the 100 sentinels come on top (len = vocab_size + 100).
    `max_sentences` defaults to SENTENCES_PER_PIECE per piece, at most MAX_SENTENCES. The directory
    holds `tokenizer.json` (reloads offline without protobuf), `tokenizer_config.json` and `spiece.model`.
    """
    import sentencepiece as spm

    materialised = {lang: [line for line in lines if line.strip()] for lang, lines in lines_by_lang.items()}
    materialised = {lang: lines for lang, lines in materialised.items() if lines}
    if not materialised:
        raise InputError("no text to train a tokenizer on", "run `xlt clean` first")
    # As many sentences as the corpus has (capped): the mix re-weights languages, it does not inflate them.
    if max_sentences is None:
        max_sentences = min(MAX_SENTENCES, round(SENTENCES_PER_PIECE * vocab_size))
    total = min(max_sentences, sum(len(lines) for lines in materialised.values()))
    sentences = balanced_sample(materialised, total, alpha, seed)
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(sentences),
        model_writer=model,
        model_type="unigram",
        vocab_size=vocab_size,
        # T5's ids: pad 0, eos 1, unk 2, no bos (the sentinels are added by transformers on top).
        pad_id=0,
        eos_id=1,
        unk_id=2,
        bos_id=-1,
        # A tiny corpus may not support the requested size; take what it supports instead of failing.
        hard_vocab_limit=False,
        character_coverage=character_coverage,
        seed_sentencepiece_size=200_000,
        shuffle_input_sentence=True,
        num_threads=2,
        minloglevel=2,
    )
    return _wrap_spiece(model.getvalue(), out_dir)


def _wrap_spiece(spiece: bytes, out_dir: Path) -> PreTrainedTokenizerBase:
    """T5Tokenizer around a SentencePiece model, saved with `save_pretrained` (reloads offline)."""
    from transformers import T5Tokenizer

    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "spiece.model").write_bytes(spiece)
        # from_pretrained converts spiece.model (needs protobuf) and adds the 100 sentinels, counting down
        # from the top id; T5Tokenizer(vocab_file=...) silently ignores the file in transformers 5 (it
        # gives 104 tokens, all unk).
        tokenizer = T5Tokenizer.from_pretrained(tmp, extra_ids=N_SENTINELS)
    with atomic_dir(out_dir) as tmp_out:
        tokenizer.save_pretrained(tmp_out)
        (tmp_out / "spiece.model").write_bytes(spiece)
    return load_tokenizer(out_dir)


def load_tokenizer(path: Path) -> PreTrainedTokenizerBase:
    """A tokenizer saved by `save_pretrained` (tokenizer.json; no network, no protobuf)."""
    from transformers import AutoTokenizer

    if not (Path(path) / "tokenizer.json").is_file() and not (Path(path) / "tokenizer_config.json").is_file():
        raise InputError(f"no tokenizer files in {path}", "expected tokenizer.json from save_pretrained")
    try:
        return AutoTokenizer.from_pretrained(str(path), local_files_only=True)
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot load the tokenizer in {path}: {exc}") from exc


def sentinel_ids(tokenizer: PreTrainedTokenizerBase) -> list[int]:
    """Ids of <extra_id_0> … <extra_id_99> (get_sentinel_tokens() is broken in transformers 5)."""
    ids = tokenizer.convert_tokens_to_ids([f"<extra_id_{i}>" for i in range(N_SENTINELS)])
    return [ids] if isinstance(ids, int) else list(ids)


def workspace_tokenizer(
    workspace: Workspace, vocab_size: int = 8000, seed: int = 0
) -> tuple[PreTrainedTokenizerBase, Path]:
    """The workspace's shared tokenizer: trained once on every corpus language, then reused.

    Stored in `tokenizers/spm<vocab>-<corpus hash>/`; a changed corpus gives a new name.
    """
    languages = corpus_languages(workspace)
    if not languages:
        raise WorkspaceError(
            f"the corpus in {workspace.corpus_dir} has no train.txt", "run `xlt clean` first"
        )
    name = f"spm{vocab_size}-s{seed}-{_corpus_hash(workspace, languages)}"
    path = workspace.tokenizer_dir(name)
    if (path / "tokenizer.json").is_file():
        return load_tokenizer(path), path
    # Several runs may start at once (a sweep): the first trains it, the others wait and reuse it; the
    # lock also sweeps what a killed trainer left (xlt.workspace.lock_leftovers).
    with exclusive(path.parent / f".{name}.lock", f"tokenizer {name}", wait=True):
        if (path / "tokenizer.json").is_file():
            return load_tokenizer(path), path
        lines = {lang: _read_lines(workspace.train_path(lang)) for lang in languages}
        return train_tokenizer(lines, path, vocab_size=vocab_size, seed=seed), path


def _read_lines(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as handle:
        return [line.rstrip("\n") for line in handle if line.strip()]


def _corpus_hash(workspace: Workspace, languages: Iterable[str]) -> str:
    digest = hashlib.sha256()
    for lang in sorted(languages):
        digest.update(lang.encode())
        with workspace.train_path(lang).open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()[:10]
