"""The HR × LR overview: one cell per donor × recipient, the gain of its best or final checkpoint over
zero-shot (:func:`xlt.contracts.views.transfer_table`), and the forgetting curve behind one cell."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import polars as pl

from xlt.contracts import views
from xlt.contracts.baselines import baseline_label
from xlt.contracts.perplexity import BASE_RUN_ID
from xlt.tui.data.common import display_name, lang_label
from xlt.tui.data.formats import column_formatter, percent
from xlt.tui.data.grid import Grid
from xlt.tui.data.heat import gain_cell, gain_scale

Metric = Literal["log_gain", "rel_gain"]
At = Literal["best", "final"]
SIGNIFICANT_MARK = "*"
DONOR_WIDTH = 28  # the donor column: room for ~20 LR columns beside it in 200 terminal columns


@dataclass
class Overview:
    """transfer_table of one base model, and what the legend must say about it."""

    table: pl.DataFrame
    results: pl.DataFrame  # the rows of that model (zero-shot included), for the pair curves
    model: str | None
    models: int  # how many base models the results hold (the overview shows one)
    has_steps: bool  # False for an imported matrix (one checkpoint, no step)

    def significance(self, at: At) -> bool:
        """Whether the results carry significance for `at` (the analysis adds it when it can)."""
        column = f"significant_{at}"
        return column in self.table.columns and self.table[column].null_count() < self.table.height


def load_overview(results: pl.DataFrame) -> Overview:
    """The pair view of the results' most evaluated base model (InputError when there is nothing to show)."""
    trained = results.filter(pl.col("run_id") != BASE_RUN_ID)
    counts = trained.group_by("model").len().sort(["len", "model"], descending=[True, False], nulls_last=True)
    model = counts["model"][0] if counts.height else None
    mine = results.filter(pl.col("model").eq_missing(model))
    table = views.transfer_table(mine)
    steps = trained.filter(pl.col("model").eq_missing(model))["step"]
    has_steps = steps.null_count() < steps.len()
    return Overview(table, mine, model, counts.height, has_steps)


def metric_text(metric: Metric, value: float) -> str:
    return percent(value, signed=True) if metric == "rel_gain" else f"{value:+.2f}"


def overview_grid(overview: Overview, metric: Metric, at: At) -> Grid:
    """Rows HR (donor, its mean over recipients = donor strength), one column per LR language."""
    value = f"{metric}_{at}"
    table = overview.table
    lrs = sorted(table["lr_lang"].unique().to_list())
    marks = table[f"significant_{at}"].to_list() if overview.significance(at) else [None] * table.height
    cells: dict[str, dict[str, tuple[float | None, bool]]] = {}
    for hr, lr, v, mark in zip(table["hr_lang"], table["lr_lang"], table[value], marks, strict=True):
        cells.setdefault(hr, {})[lr] = (v, bool(mark))
    scale = gain_scale(table[value].to_list())
    rows, values, keys = [], [], []
    for hr in sorted(cells, key=lambda code: display_name(code).casefold()):
        found = [cells[hr].get(lr, (None, False)) for lr in lrs]
        present = [v for v, _ in found if v is not None and math.isfinite(v)]
        mean = sum(present) / len(present) if present else None
        row = [
            lang_label(hr, DONOR_WIDTH),
            gain_cell(mean, metric_text(metric, mean), scale) if mean is not None else "",
        ]
        for v, mark in found:
            text = metric_text(metric, v) if v is not None and math.isfinite(v) else ""
            row.append(gain_cell(v, text, scale, SIGNIFICANT_MARK if mark else " "))
        rows.append(tuple(row))
        values.append((lang_label(hr), mean, *(v for v, _ in found)))
        keys.append(hr)
    search = [f"{hr} {display_name(hr)}".casefold() for hr in keys]
    return Grid(["donor", "mean", *lrs], rows, values, [False, *[True] * (len(lrs) + 1)], search, keys)


# --- the pair behind one cell ------------------------------------------------------------------------


@dataclass
class PairCurve:
    """Perplexity against step of every run of one HR language on one LR language, and its references."""

    hr: str
    lr: str
    runs: dict[str, list[tuple[int, float]]] = field(default_factory=dict)
    zero_shot: float | None = None
    baselines: list[tuple[str, float]] = field(default_factory=list)
    facts: list[tuple[str, str]] = field(default_factory=list)  # (label, formatted value)
    has_steps: bool = True


FACTS = (
    ("zero-shot", "zs_ppl"),
    ("best", "best_ppl"),
    ("best step", "best_step"),
    ("final", "final_ppl"),
    ("final step", "final_step"),
    ("log gain best", "log_gain_best"),
    ("log gain final", "log_gain_final"),
    ("rel gain best", "rel_gain_best"),
    ("rel gain final", "rel_gain_final"),
    ("runs", "n_runs"),
)


def pair_curve(overview: Overview, baselines: pl.DataFrame | None, hr: str, lr: str) -> PairCurve:
    """The pair's checkpoints (seed means, per run), zero-shot, baselines and the overview's numbers."""
    results = overview.results
    cells = views.cell_summary(
        results.filter(
            (pl.col("run_id") != BASE_RUN_ID) & (pl.col("hr_lang") == hr) & (pl.col("lr_lang") == lr)
        )
    )
    curve = PairCurve(hr, lr, has_steps=overview.has_steps)
    for run_id, step, ppl in cells.select("run_id", "step", "perplexity").iter_rows():
        if ppl is not None and (step is not None or not overview.has_steps):
            curve.runs.setdefault(run_id, []).append((int(step or 0), float(ppl)))
    zs = views.zero_shot(results).filter(pl.col("lr_lang") == lr)["zs_ppl"]
    curve.zero_shot = float(zs[0]) if zs.len() else None
    if baselines is not None and not baselines.is_empty():
        mine = baselines.filter((pl.col("lr_lang") == lr) & pl.col("model").eq_missing(overview.model))
        for name, source, ppl in mine.select("baseline", "source_lang", "perplexity").iter_rows():
            curve.baselines.append((baseline_label(name, source), float(ppl)))
    row = overview.table.filter((pl.col("hr_lang") == hr) & (pl.col("lr_lang") == lr))
    for label, column in FACTS:
        if column in row.columns and row.height and row[column][0] is not None:
            curve.facts.append((label, column_formatter(column, row.schema[column])(row[column][0])))
    for at in ("best", "final"):
        bounds = (f"log_gain_lo_{at}", f"log_gain_hi_{at}")
        if overview.significance(at) and row.height and all(b in row.columns for b in bounds):
            lo, hi = row[f"log_gain_lo_{at}"][0], row[f"log_gain_hi_{at}"][0]
            if lo is not None and hi is not None:
                curve.facts.append((f"log gain {at} CI", f"[{lo:+.3f}, {hi:+.3f}]"))
    return curve
