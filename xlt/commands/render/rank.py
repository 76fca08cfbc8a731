"""The donor ranker's evaluation and its ranked donors as rich tables."""

from __future__ import annotations

import polars as pl
from rich.table import Table

from xlt.commands.render.analyze import fmt
from xlt.languages import name_of


def ranking_eval_table(evaluation: pl.DataFrame) -> Table:
    """One row per method (the ranker, its parts, every baseline), best mean first: narrow enough for 80
    columns however many baselines there are; the per-language scores stay in ranking_eval.parquet."""
    scores = [c for c in evaluation.columns if c.startswith("ndcg_")]
    table = Table("method", "mean NDCG@3", "min", "max", title="Donor ranking: NDCG@3, held-out LR languages")
    table.caption = f"over {evaluation.height} LR language(s); per language: analysis/ranking_eval.parquet"
    means = {c: evaluation[c].mean() for c in scores}
    mean_of = {c: float(m) if isinstance(m, (int, float)) else -1.0 for c, m in means.items()}
    for column in sorted(scores, key=lambda c: -mean_of[c]):
        values = evaluation[column]
        style = "bold" if column == "ndcg_ranker" else None
        name = column.removeprefix("ndcg_")
        table.add_row(name, fmt(means[column]), fmt(values.min()), fmt(values.max()), style=style)
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
