"""A generated paper-scale workspace for the TUI's tests and benchmark: 200 HR × 50 LR languages.

Every HR language has one run with three checkpoints (steps 100, 200, 300) on every LR language, plus
zero-shot rows, baselines on the same eval sets, and (optionally) the significance columns the analysis
may add. `imported=True` writes what `xlt analyze import` writes instead: one checkpoint, no steps.
Values are a deterministic function of the pair, so tests can compute what a cell must show.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import polars as pl

from xlt.contracts.baselines import BASELINE_SCHEMA, write_baselines
from xlt.contracts.perplexity import RESULT_SCHEMA, write_results, write_settings
from xlt.languages.core import iso_names
from xlt.workspace import Workspace

MODEL = "tiny:ab12cd"
SETTINGS = {"split": "test", "max_input_length": 128}


def scale_codes(n_hr: int = 200, n_lr: int = 50) -> tuple[list[str], list[str]]:
    """Real ISO 639-3 codes (every 30th of the registry's list), the first n_lr the recipients."""
    codes = sorted({code for _, code, _ in iso_names()})[::30]
    return codes[n_lr : n_lr + n_hr], codes[:n_lr]


def zero_shot(j: int) -> float:
    return 1000.0 + 40.0 * j


def checkpoint_ppl(i: int, j: int, c: int) -> float:
    """Perplexity of HR i on LR j at checkpoint c (1..3): best at c=2, the final one drifts back up."""
    strength = 0.5 + 0.7 * ((i * 37 + j * 11) % 100) / 100  # < 1: better than zero-shot
    return zero_shot(j) * strength * (1.0 + 0.05 * (c - 2) ** 2)


def write_scale_workspace(root: Path, n_hr: int = 200, n_lr: int = 50, imported: bool = False) -> Workspace:
    """Write results/perplexity.parquet (+ settings) and results/baselines.parquet for n_hr × n_lr."""
    ws = Workspace.resolve(root)
    hr_codes, lr_codes = scale_codes(n_hr, n_lr)
    rows = [("base", None, "base", 0, lr, zero_shot(j), MODEL) for j, lr in enumerate(lr_codes)]
    checkpoints = [("final", None, 2)] if imported else [(f"step-{100 * c}", 100 * c, c) for c in (1, 2, 3)]
    for i, hr in enumerate(hr_codes):
        run = "published" if imported else f"{hr}-s0"
        for name, step, c in checkpoints:
            rows += [
                (run, hr, name, step, lr, checkpoint_ppl(i, j, c), MODEL) for j, lr in enumerate(lr_codes)
            ]
    frame = pl.DataFrame(
        rows,
        schema=["run_id", "hr_lang", "checkpoint", "step", "lr_lang", "perplexity", "model"],
        orient="row",
    ).with_columns(loss=pl.col("perplexity").log(), n_tokens=pl.lit(5000), eval_seed=pl.lit(0))
    write_results(frame.select([pl.col(c).cast(t) for c, t in RESULT_SCHEMA.items()]), ws.perplexity_path)
    write_settings(ws, SETTINGS)
    baselines = [
        (lr, kind, source, ppl, math.log(ppl), 5000, MODEL, 0)
        for j, lr in enumerate(lr_codes)
        for kind, source, ppl in (
            ("random_init", None, 14000.0),
            (f"unigram:{hr_codes[0]}", hr_codes[0], 1.2 * zero_shot(j)),
        )
    ]
    write_baselines(ws, pl.DataFrame(baselines, schema=BASELINE_SCHEMA, orient="row"), SETTINGS)
    (ws.root / "scale.json").write_text(json.dumps({"hr": hr_codes, "lr": lr_codes}))
    return ws
