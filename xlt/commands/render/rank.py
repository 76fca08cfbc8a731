"""The donor ranker's evaluation and its ranked donors as rich tables."""

from __future__ import annotations

import polars as pl
from rich.table import Table

from xlt.commands.render.analyze import fmt
from xlt.languages import name_of


def ranking_eval_table(evaluation: pl.DataFrame) -> Table:
    scores = [c for c in evaluation.columns if c.startswith("ndcg_")]
    table = Table("LR language", "candidates", *(c.removeprefix("ndcg_") for c in scores))
    table.title = "Donor ranking: NDCG@3"
    for row in evaluation.iter_rows(named=True):
        table.add_row(row["lr_lang"], str(row["n_candidates"]), *(fmt(row[c]) for c in scores))
    table.add_row("mean", "", *(fmt(evaluation[c].mean()) for c in scores), style="bold")
    return table


def donors_table(ranked: pl.DataFrame, lr_lang: str, top: int = 20) -> Table:
    """The `top` predicted donors of one LR language, best first, beside what was observed."""
    table = Table("#", "HR donor", "score", "observed gain", "observed rank", title=f"Donors for {lr_lang}")
    if ranked.height > top:
        table.caption = f"the {top} best of {ranked.height} candidates"
    for row in ranked.head(top).iter_rows(named=True):
        table.add_row(
            str(row["predicted_rank"]), f"{name_of(row['hr_lang'])} ({row['hr_lang']})", fmt(row["score"]),
            fmt(row["observed_gain"]), fmt(row["observed_rank"]),
        )  # fmt: skip
    return table
