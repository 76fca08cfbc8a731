"""``results/baselines.parquet``: reference rows scored on the matrix's own masked eval sets.

One row per (LR language, baseline, model, eval seed): ``random_init`` (the base model's architecture,
freshly initialised), ``unigram:<hr>`` (token frequencies of an HR language's text) and ``unigram:self``
(the LR language's own frequencies from its other split: an oracle). ``results/baselines.settings.json``
holds the eval-set settings they were computed with; they are shown beside the matrix only when these
equal the matrix's own (:mod:`xlt.contracts.perplexity`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl

from xlt.contracts.perplexity import read_settings
from xlt.errors import InputError
from xlt.workspace import Workspace, atomic_write_text, write_parquet

BASELINES_FILE = "baselines.parquet"
BASELINE_SETTINGS_FILE = "baselines.settings.json"
RANDOM_INIT = "random_init"
UNIGRAM_SELF = "unigram:self"
UNIGRAM_PREFIX = "unigram:"

BASELINE_SCHEMA: dict[str, pl.DataType] = {
    "lr_lang": pl.String(),
    "baseline": pl.String(),
    "source_lang": pl.String(),
    "perplexity": pl.Float64(),
    "loss": pl.Float64(),
    "n_tokens": pl.Int64(),
    "model": pl.String(),
    "eval_seed": pl.Int64(),
}
BASELINE_KEY = ("lr_lang", "baseline", "model", "eval_seed")


def baselines_path(workspace: Workspace) -> Path:
    """``results/baselines.parquet``."""
    return workspace.results_dir / BASELINES_FILE


def empty_baselines() -> pl.DataFrame:
    """A baselines table with no rows and its schema."""
    return pl.DataFrame(schema=BASELINE_SCHEMA)


def read_baselines(workspace: Workspace) -> pl.DataFrame:
    """The stored baselines (empty if there are none), cast to :data:`BASELINE_SCHEMA`."""
    path = baselines_path(workspace)
    if not path.exists():
        return empty_baselines()
    try:
        frame = pl.read_parquet(path)
    except (OSError, pl.exceptions.PolarsError) as exc:  # truncated or foreign file
        raise InputError(f"cannot read baselines {path}: {exc}", "delete it; it is recomputed") from exc
    if missing := set(BASELINE_SCHEMA) - set(frame.columns):
        raise InputError(f"baselines {path} lack columns {sorted(missing)}", "delete it; it is recomputed")
    return frame.select([pl.col(name).cast(dtype) for name, dtype in BASELINE_SCHEMA.items()])


def stored_settings(workspace: Workspace) -> dict[str, Any] | None:
    """The eval-set settings the stored baselines were computed with (None if unknown)."""
    try:
        value = json.loads((workspace.results_dir / BASELINE_SETTINGS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def matching_baselines(workspace: Workspace) -> pl.DataFrame:
    """Stored baselines, but only if computed on the same eval sets as ``results/perplexity.parquet``;
    empty when the settings differ or are unknown."""
    matrix = read_settings(workspace)
    mine = stored_settings(workspace)
    if matrix is None or mine is None or mine != matrix:
        return empty_baselines()
    try:
        return read_baselines(workspace)
    except InputError:
        return empty_baselines()


def merge_baselines(existing: pl.DataFrame, rows: list[dict[str, Any]]) -> pl.DataFrame:
    """Existing rows plus new ones; a row already present keeps its value."""
    new = pl.DataFrame(rows, schema=BASELINE_SCHEMA) if rows else empty_baselines()
    return (
        pl.concat([existing, new], how="vertical")
        .unique(subset=list(BASELINE_KEY), keep="first", maintain_order=True)
        .sort(["model", "baseline", "lr_lang", "eval_seed"])
    )


def write_baselines(workspace: Workspace, frame: pl.DataFrame, settings: dict[str, Any]) -> None:
    """Write the table and the settings it was computed with, atomically."""
    write_parquet(frame, baselines_path(workspace))
    atomic_write_text(workspace.results_dir / BASELINE_SETTINGS_FILE, json.dumps(settings, indent=2) + "\n")


def baseline_label(baseline: str, source_lang: str | None) -> str:
    """How the matrix names a baseline row: ``random init``, ``unigram spa``, ``unigram self (oracle)``."""
    if baseline == RANDOM_INIT:
        return "random init"
    if baseline == UNIGRAM_SELF:
        return "unigram self (oracle)"
    return f"unigram {source_lang or baseline.removeprefix(UNIGRAM_PREFIX)}"


def baseline_summary(baselines: pl.DataFrame) -> pl.DataFrame:
    """One row per (model, baseline, LR language): mean and std perplexity over eval seeds, random init
    first and the oracle last."""
    return (
        baselines.group_by(["model", "baseline", "source_lang", "lr_lang"])
        .agg(
            pl.col("perplexity").mean().alias("perplexity"),
            pl.col("perplexity").std().alias("perplexity_std"),
            pl.col("n_tokens").sum().alias("n_tokens"),
        )
        .with_columns(
            pl.col("baseline")
            .replace_strict({RANDOM_INIT: 0, UNIGRAM_SELF: 2}, default=1, return_dtype=pl.Int64)
            .alias("_order")
        )
        .sort(["model", "_order", "baseline", "lr_lang"])
        .drop("_order")
    )
