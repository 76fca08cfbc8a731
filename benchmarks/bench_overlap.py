"""Subtoken overlap: one tokenization per language + matrix products vs. pair by pair over raw text.

Real text from installed packages (elotl: Spanish, Nahuatl and Otomí varieties; Python's own English
reference), a BPE tokenizer trained here with `tokenizers`. Prints both timings and their ratio, and
checks that both give the same shares.

    python benchmarks/bench_overlap.py
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict

import numpy as np

LINES = 3000  # per language: enough for stable shares, small enough for the pair-by-pair baseline


def corpora() -> dict[str, list[str]]:
    """A few thousand lines per language from packaged corpora."""
    from pydoc_data.topics import topics

    import elotl.corpus

    out: dict[str, list[str]] = defaultdict(list)
    for row in elotl.corpus.load("axolotl"):
        out["spa"].append(row[0])
        if row[4]:
            out[row[4]].append(row[1])
    for row in elotl.corpus.load("tsunkua"):
        if "(" in row[2]:
            out[row[2].split("(")[-1].rstrip(")")].append(row[1])
    out["eng"] = [line for text in topics.values() for line in text.splitlines() if line.strip()]
    return {k: v[:LINES] for k, v in out.items() if len(v) >= 500}


def tokenizer(texts: list[str]):  # type: ignore[no-untyped-def]
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    core = Tokenizer(models.BPE(unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.Metaspace()
    core.train_from_iterator(texts, trainers.BpeTrainer(vocab_size=8000, special_tokens=["<pad>", "<unk>"]))
    return PreTrainedTokenizerFast(tokenizer_object=core, unk_token="<unk>", pad_token="<pad>")


def naive(tok, data: dict[str, list[str]], hr: list[str], lr: list[str]) -> dict[tuple[str, str], float]:  # type: ignore[no-untyped-def]
    """Pair by pair: tokenize both sides of every pair, compare Counters."""
    shares = {}
    for h in hr:
        for r in lr:
            hr_types = {t for line in data[h] for t in tok(line, add_special_tokens=False)["input_ids"]}
            lr_counts = Counter(
                t for line in data[r] for t in tok(line, add_special_tokens=False)["input_ids"]
            )
            shares[h, r] = sum(c for t, c in lr_counts.items() if t in hr_types) / sum(lr_counts.values())
    return shares


def main() -> None:
    from xlt.analysis.overlap import subtoken_overlap

    data = corpora()
    tok = tokenizer([line for lines in data.values() for line in lines])
    langs = sorted(data)
    hr, lr = langs, langs
    print(f"{len(langs)} languages, {sum(map(len, data.values()))} lines, vocab {len(tok)}")

    start = time.perf_counter()
    fast = subtoken_overlap(tok, data, hr, lr)
    t_fast = time.perf_counter() - start

    start = time.perf_counter()
    slow = naive(tok, data, hr, lr)
    t_slow = time.perf_counter() - start

    got = {(r["hr_lang"], r["lr_lang"]): r["overlap_tokens"] for r in fast.iter_rows(named=True)}
    assert all(np.isclose(got[k], v) for k, v in slow.items()), "the two methods disagree"
    print(f"matrix: {t_fast:.2f} s   pair by pair: {t_slow:.2f} s   speed-up: {t_slow / t_fast:.1f}x")


if __name__ == "__main__":
    main()
