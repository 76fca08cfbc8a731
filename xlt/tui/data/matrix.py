"""The per-run matrix: checkpoint × LR language for one run or one HR language, the zero-shot row first
and the baselines (random init, unigram) under the checkpoints, as ``xlt evaluate`` prints them."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import polars as pl

from xlt.contracts import views
from xlt.contracts.baselines import baseline_label, baseline_summary, matching_baselines
from xlt.contracts.perplexity import BASE_RUN_ID, read_results
from xlt.tui.data.common import lang_label
from xlt.workspace import Workspace

MatrixMode = Literal["perplexity", "gain"]
RowKind = Literal["zero-shot", "checkpoint", "baseline"]


@dataclass(frozen=True)
class Subject:
    """What a matrix shows: one run, or every run of one HR language (seeds averaged)."""

    kind: Literal["run", "hr"]
    key: str
    label: str


@dataclass
class Matrix:
    """Row × LR-language values; `best[j]` is the row index of column j's best checkpoint (baselines are
    references, never best)."""

    mode: MatrixMode
    checkpoints: list[str]
    steps: list[int | None]  # None for matrices imported from elsewhere (no steps) and for baselines
    langs: list[str]
    values: list[list[float | None]]
    best: list[int | None]
    kinds: list[RowKind] = field(default_factory=list)


def load_perplexity(path: Path) -> pl.DataFrame | None:
    """The results file, or None when it does not exist yet."""
    return read_results(path) if path.exists() else None


def load_baselines(workspace: Workspace) -> pl.DataFrame:
    """Seed-mean baseline perplexities computed on the matrix's own eval sets (empty when none match)."""
    return baseline_summary(matching_baselines(workspace))


def matrix_subjects(frame: pl.DataFrame) -> list[Subject]:
    """Runs first (in name order), then HR languages (every seed of that language averaged)."""
    trained = frame.filter(pl.col("run_id") != BASE_RUN_ID)
    subjects = [
        Subject("run", run_id, f"run {run_id}" + (f" · {lang_label(hr)}" if hr else ""))
        for run_id, hr in trained.select("run_id", "hr_lang").unique().sort("run_id").iter_rows()
    ]
    subjects += [hr_subject(hr) for hr in trained["hr_lang"].drop_nulls().unique().sort()]
    return subjects


def hr_subject(hr: str) -> Subject:
    """Every run of one HR language, seeds averaged."""
    return Subject("hr", hr, f"HR {lang_label(hr)}, all seeds")


# One matrix row per checkpoint of the subject (several runs of an HR language are averaged).
MATRIX_ROWS = ("checkpoint", "step", "model")


def build_matrix(
    frame: pl.DataFrame,
    subject: Subject,
    mode: MatrixMode = "perplexity",
    baselines: pl.DataFrame | None = None,
) -> Matrix:
    """The checkpoint × LR-language table of one subject (mean over eval seeds and, for HR, runs).

    In perplexity mode the zero-shot row (`base`) of the subject's base model comes first; in gain mode
    every value is the relative gain over it in per cent (:mod:`xlt.contracts.views`), so languages
    without a zero-shot perplexity get no value. `baselines` (:func:`load_baselines`) add their rows last.
    """
    column = "run_id" if subject.kind == "run" else "hr_lang"
    chosen = frame.filter(pl.col(column) == subject.key)
    base = frame.filter(pl.col("run_id") == BASE_RUN_ID).join(
        chosen.select("model").unique(), on="model", how="semi", nulls_equal=True
    )
    gain = mode == "gain"
    wide = views.perplexity_matrix(
        pl.concat([base, chosen]), "rel_gain" if gain else "perplexity", rows=MATRIX_ROWS
    )
    langs = sorted(frame["lr_lang"].unique().to_list())
    rows = [[_percent(record.get(lang), gain) for lang in langs] for record in wide.iter_rows(named=True)]
    checkpoints = [str(c) for c in wide["checkpoint"].to_list()]
    steps = [int(s) if s is not None else None for s in wide["step"].to_list()]
    kinds: list[RowKind] = ["zero-shot" if c == BASE_RUN_ID else "checkpoint" for c in checkpoints]
    best = best_rows(rows, len(langs), mode)
    for label, values in baseline_rows(base, chosen, baselines, langs, gain):
        checkpoints.append(label)
        steps.append(None)
        kinds.append("baseline")
        rows.append(values)
    return Matrix(mode, checkpoints, steps, langs, rows, best, kinds)


def _percent(value: float | None, gain: bool) -> float | None:
    return 100.0 * value if gain and value is not None else value


def baseline_rows(
    base: pl.DataFrame, chosen: pl.DataFrame, baselines: pl.DataFrame | None, langs: list[str], gain: bool
) -> list[tuple[str, list[float | None]]]:
    """(label, values) of each baseline of the subject's base model: perplexity, or in gain mode its
    relative gain over zero-shot (same definition as the checkpoints')."""
    if baselines is None or baselines.is_empty():
        return []
    mine = baselines.join(chosen.select("model").unique(), on="model", how="semi", nulls_equal=True)
    if gain:
        zs = views.zero_shot(base).rename({"zs_ppl": "zero_shot"})
        mine = mine.join(zs, on=["model", "lr_lang"], how="left", nulls_equal=True).with_columns(
            views.gain_exprs("perplexity", "zero_shot")
        )
    value = "rel_gain" if gain else "perplexity"
    out = []
    for (name, source), group in mine.group_by(["baseline", "source_lang"], maintain_order=True):
        cells = dict(zip(group["lr_lang"].to_list(), group[value].to_list(), strict=True))
        out.append((baseline_label(str(name), source), [_percent(cells.get(lang), gain) for lang in langs]))
    return out


def best_rows(rows: list[list[float | None]], width: int, mode: MatrixMode) -> list[int | None]:
    """Row index of the best value per column: lowest perplexity or highest gain."""
    best: list[int | None] = []
    for j in range(width):
        column = [(v, i) for i, row in enumerate(rows) if (v := row[j]) is not None and math.isfinite(v)]
        if not column:
            best.append(None)
            continue
        pick = min(column) if mode == "perplexity" else max(column)
        best.append(pick[1])
    return best
