"""The perplexity results table: schema, reading, merging, and the views other stages use.

Light on purpose (polars only, no torch): `xlt analyze` and the TUI import these functions to read
``results/perplexity.parquet``. One row per (checkpoint, LR language, eval seed), columns as in
ARCHITECTURE.md. A cell is identified by :data:`CELL_KEY`; ``model`` is part of the key because the
zero-shot rows (``run_id == "base"``) of different base models differ only by it.
"""

from __future__ import annotations

import math
from pathlib import Path

import polars as pl

from xlt.errors import InputError

BASE_RUN_ID = "base"  # run_id and checkpoint of the untouched model's (zero-shot) rows

RESULT_SCHEMA: dict[str, pl.DataType] = {
    "run_id": pl.String(),
    "hr_lang": pl.String(),
    "checkpoint": pl.String(),
    "step": pl.Int64(),
    "lr_lang": pl.String(),
    "perplexity": pl.Float64(),
    "loss": pl.Float64(),
    "n_tokens": pl.Int64(),
    "model": pl.String(),
    "eval_seed": pl.Int64(),
}
CELL_KEY = ("run_id", "checkpoint", "model", "lr_lang", "eval_seed")
ROW_KEY = ("run_id", "hr_lang", "checkpoint", "step", "model")  # one matrix row = one model state


def empty_results() -> pl.DataFrame:
    """A results table with no rows and the contract's schema."""
    return pl.DataFrame(schema=RESULT_SCHEMA)


def results_frame(rows: list[dict[str, object]]) -> pl.DataFrame:
    """Rows (dicts with the contract's columns) as a results table in the contract's column order."""
    if not rows:
        return empty_results()
    return pl.DataFrame(rows, schema=RESULT_SCHEMA)


def read_results(path: str | Path) -> pl.DataFrame:
    """The results at `path` (empty if the file does not exist), cast to the contract's schema."""
    path = Path(path)
    if not path.exists():
        return empty_results()
    try:
        frame = pl.read_parquet(path)
    except Exception as exc:  # a truncated or foreign file: say which
        raise InputError(f"cannot read results {path}: {exc}", hint="delete it to start over") from exc
    missing = set(RESULT_SCHEMA) - set(frame.columns)
    if missing:
        raise InputError(f"results {path} lack columns {sorted(missing)}", hint="delete it to start over")
    return frame.select([pl.col(name).cast(dtype) for name, dtype in RESULT_SCHEMA.items()])


def merge_results(existing: pl.DataFrame, new: pl.DataFrame) -> pl.DataFrame:
    """Existing rows plus new ones; a cell already present keeps its existing value (nothing is lost)."""
    merged = pl.concat(
        [existing.select(list(RESULT_SCHEMA)), new.select(list(RESULT_SCHEMA))], how="vertical"
    )
    return merged.unique(subset=list(CELL_KEY), keep="first", maintain_order=True).sort(
        ["run_id", "step", "checkpoint", "model", "lr_lang", "eval_seed"]
    )


def cell_summary(results: pl.DataFrame) -> pl.DataFrame:
    """One row per (model state, LR language): mean and std of perplexity and loss over eval seeds."""
    return (
        results.group_by([*ROW_KEY, "lr_lang"])
        .agg(
            pl.col("perplexity").mean().alias("perplexity"),
            pl.col("perplexity").std().alias("perplexity_std"),
            pl.col("loss").mean().alias("loss"),
            pl.col("n_tokens").sum().alias("n_tokens"),
            pl.col("eval_seed").n_unique().alias("n_seeds"),
        )
        .sort(["run_id", "step", "checkpoint", "model", "lr_lang"])
    )


def gain_over_zero_shot(results: pl.DataFrame) -> pl.DataFrame:
    """Each checkpoint's cells next to the zero-shot cell of the same base model and LR language.

    Columns: the cell summary's, plus ``zero_shot_perplexity``, ``zero_shot_loss``, ``gain`` (relative
    perplexity reduction, ``1 - ppl / zero_shot_ppl``: 0.2 = 20 % lower, negative = worse) and
    ``loss_gain`` (zero-shot loss minus loss, nats per target token; positive = better). Zero-shot rows
    themselves are left out; cells without a zero-shot counterpart get nulls.
    """
    summary = cell_summary(results)
    base = summary.filter(pl.col("run_id") == BASE_RUN_ID).select(
        "model",
        "lr_lang",
        pl.col("perplexity").alias("zero_shot_perplexity"),
        pl.col("loss").alias("zero_shot_loss"),
    )
    return (
        summary.filter(pl.col("run_id") != BASE_RUN_ID)
        .join(base, on=["model", "lr_lang"], how="left")
        .with_columns(
            (1.0 - pl.col("perplexity") / pl.col("zero_shot_perplexity")).alias("gain"),
            (pl.col("zero_shot_loss") - pl.col("loss")).alias("loss_gain"),
        )
    )


def best_checkpoints(results: pl.DataFrame, per_run: bool = False) -> pl.DataFrame:
    """The checkpoint with the lowest (seed-mean) perplexity for each LR language (or each run × language).

    Columns: lr_lang, run_id, hr_lang, checkpoint, step, model, perplexity, perplexity_std,
    zero_shot_perplexity, gain (see :func:`gain_over_zero_shot`). Ties go to the earliest step.
    """
    gains = gain_over_zero_shot(results)
    group = ["run_id", "lr_lang"] if per_run else ["lr_lang"]
    return (
        gains.sort(["perplexity", "step", "run_id"])
        .group_by(group, maintain_order=True)
        .first()
        .select(
            "lr_lang",
            "run_id",
            "hr_lang",
            "checkpoint",
            "step",
            "model",
            "perplexity",
            "perplexity_std",
            "zero_shot_perplexity",
            "gain",
        )
        .sort(group)
    )


def perplexity_matrix(
    results: pl.DataFrame, value: str = "perplexity", with_std: bool = False
) -> pl.DataFrame:
    """Wide matrix: one row per model state (zero-shot rows first), one column per LR language.

    `value` is a column of :func:`cell_summary` (``perplexity``, ``loss``, ``n_tokens``) or of
    :func:`gain_over_zero_shot` (``gain``, ``loss_gain``; then the zero-shot rows are absent). With
    `with_std`, a ``<lang>_std`` column (std over eval seeds) follows each language's column.
    """
    source = gain_over_zero_shot(results) if value in {"gain", "loss_gain"} else cell_summary(results)
    if value not in source.columns:
        raise ValueError(f"unknown matrix value {value!r}")
    langs = sorted(source["lr_lang"].unique().to_list())
    rows = source.select(list(ROW_KEY)).unique()
    wide = rows
    for lang in langs:
        cell = source.filter(pl.col("lr_lang") == lang)
        columns = [pl.col(value).alias(lang)]
        if with_std and value == "perplexity":
            columns.append(pl.col("perplexity_std").alias(f"{lang}_std"))
        wide = wide.join(cell.select(*ROW_KEY, *columns), on=list(ROW_KEY), how="left", nulls_equal=True)
    return wide.sort([(pl.col("run_id") != BASE_RUN_ID), "run_id", "step", "checkpoint", "model"])


def _number(value: float) -> str:
    """Compact: 1 decimal below 100, whole numbers below 100,000, else 3 significant digits."""
    if value < 100:
        return f"{value:.1f}"
    return f"{value:,.0f}" if value < 1e5 else f"{value:.3g}"


def format_cell(mean: float | None, std: float | None) -> str:
    """``853`` or ``853±21`` (std over eval seeds when there are several); ``–`` for a missing cell."""
    if mean is None or math.isnan(mean):
        return "–"
    text = _number(mean)
    if std is not None and not math.isnan(std):
        text += f"±{_number(std)}"
    return text
