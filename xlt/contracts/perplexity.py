"""``results/perplexity.parquet``: one row per (model state, LR language, eval seed), and its settings.

Columns as in ARCHITECTURE.md, plus the optional per-example ``example_loss`` / ``example_tokens``
lists (files written before them still load: the columns become nulls). A cell is identified by
:data:`CELL_KEY`; ``model`` is part of the key because the zero-shot rows (``run_id == "base"``) of
different base models differ only by it. Rows of
several processes are first written as part files (``results/perplexity.parts/``) and merged by the main
process. ``results/perplexity.settings.json`` holds what every cell shares (split, input length, block
cap, mask parameters): cells computed with other settings are not comparable and are refused.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl

from xlt.errors import InputError
from xlt.workspace import Workspace, atomic_write_text, write_parquet

BASE_RUN_ID = "base"  # run_id and checkpoint of the untouched model's (zero-shot) rows
PARTS_DIR = "perplexity.parts"
SETTINGS_FILE = "perplexity.settings.json"

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
    # Per example of the masked set, in its order: summed loss (nats) and target tokens. Sufficient for a
    # paired bootstrap over examples (xlt.contracts.intervals); null in older files and imported tables.
    "example_loss": pl.List(pl.Float64()),
    "example_tokens": pl.List(pl.Int64()),
}
# What a table from elsewhere (a published matrix) must have; the other columns may be missing (nulls).
REQUIRED_COLUMNS = ("run_id", "hr_lang", "checkpoint", "step", "lr_lang", "perplexity")
CELL_KEY = ("run_id", "checkpoint", "model", "lr_lang", "eval_seed")
ROW_KEY = ("run_id", "hr_lang", "checkpoint", "step", "model")  # one matrix row = one model state
SORT_KEY = ("run_id", "step", "checkpoint", "model", "lr_lang", "eval_seed")


def empty_results() -> pl.DataFrame:
    """A results table with no rows and the contract's schema."""
    return pl.DataFrame(schema=RESULT_SCHEMA)


def results_frame(rows: list[dict[str, object]]) -> pl.DataFrame:
    """Rows (dicts with the contract's columns) as a results table in the contract's column order."""
    if not rows:
        return empty_results()
    return pl.DataFrame(rows, schema=RESULT_SCHEMA)


def conform(frame: pl.DataFrame, where: str = "the perplexity table") -> pl.DataFrame:
    """`frame` with the contract's columns, types and order; optional columns it lacks become nulls."""
    if missing := [c for c in REQUIRED_COLUMNS if c not in frame.columns]:
        raise InputError(
            f"{where} lacks the columns {', '.join(missing)}",
            hint="use results/perplexity.parquet from `xlt evaluate` or `xlt analyze import`",
        )
    return frame.select(
        [
            (pl.col(name) if name in frame.columns else pl.lit(None)).cast(dtype).alias(name)
            for name, dtype in RESULT_SCHEMA.items()
        ]
    )


def read_results(path: str | Path) -> pl.DataFrame:
    """The results at `path` (empty if the file does not exist), conformed to the contract's schema."""
    path = Path(path)
    if not path.exists():
        return empty_results()
    try:
        frame = pl.read_parquet(path)
    except (OSError, pl.exceptions.PolarsError) as exc:  # a truncated or foreign file: say which
        raise InputError(f"cannot read results {path}: {exc}", hint="delete it to start over") from exc
    return conform(frame, f"results {path}")


def read_workspace_results(workspace: Workspace) -> pl.DataFrame:
    """``results/perplexity.parquet`` of a workspace (empty when there is none)."""
    return read_results(workspace.perplexity_path)


def merge_results(existing: pl.DataFrame, new: pl.DataFrame) -> pl.DataFrame:
    """Existing rows plus new ones; a cell already present keeps its existing value (nothing is lost)."""
    merged = pl.concat(
        [existing.select(list(RESULT_SCHEMA)), new.select(list(RESULT_SCHEMA))], how="vertical"
    )
    return merged.unique(subset=list(CELL_KEY), keep="first", maintain_order=True).sort(list(SORT_KEY))


def write_results(frame: pl.DataFrame, path: str | Path) -> None:
    """Write a results table atomically, in the contract's column order."""
    write_parquet(frame.select(list(RESULT_SCHEMA)), path)


def done_cells(frame: pl.DataFrame) -> set[tuple[Any, ...]]:
    """The :data:`CELL_KEY` tuples a results table holds."""
    return {tuple(row) for row in frame.select(list(CELL_KEY)).iter_rows()}


# --- part files of several processes --------------------------------------------------------------------


def parts_dir(workspace: Workspace) -> Path:
    return workspace.results_dir / PARTS_DIR


def part_paths(workspace: Workspace) -> list[Path]:
    """Part files committed by (possibly killed) multi-process evaluations, not yet merged."""
    return sorted(parts_dir(workspace).glob("*.parquet"))


def read_parts(workspace: Workspace) -> pl.DataFrame:
    """The rows of every part file."""
    parts = part_paths(workspace)
    return pl.concat([read_results(p) for p in parts]) if parts else empty_results()


# --- settings -------------------------------------------------------------------------------------------


def settings_path(workspace: Workspace) -> Path:
    return workspace.results_dir / SETTINGS_FILE


def read_settings(workspace: Workspace) -> dict[str, Any] | None:
    """The settings every stored cell shares; None when unknown (no file, or unreadable)."""
    try:
        value = json.loads(settings_path(workspace).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def write_settings(workspace: Workspace, settings: dict[str, Any]) -> None:
    atomic_write_text(settings_path(workspace), json.dumps(settings, indent=2) + "\n")


def commit(workspace: Workspace, new: pl.DataFrame, settings: dict[str, Any]) -> pl.DataFrame:
    """Merge rows (and leftover part files) into the results file atomically, write the settings, and
    remove the merged parts; returns the merged table."""
    parts = part_paths(workspace)
    merged = merge_results(read_workspace_results(workspace), pl.concat([new, read_parts(workspace)]))
    if merged.is_empty() and not workspace.perplexity_path.exists():
        return merged  # nothing scored: no empty results file that would pass for a finished evaluation
    write_results(merged, workspace.perplexity_path)
    write_settings(workspace, settings)
    for part in parts:
        part.unlink(missing_ok=True)
    return merged
