"""`xlt analyze rank`: rank HR donors LangRank-style, with leave-one-LR-out NDCG@3 against baselines."""

from __future__ import annotations

from typing import Annotated

import typer

from xlt.commands._common import SeedOpt, console, language_list, workspace
from xlt.commands.analyze import _run, app


@app.command("rank")
def rank(
    ctx: typer.Context,
    lr: Annotated[str | None, typer.Option("--lr", help="LR language whose donors to rank.")] = None,
    gain: Annotated[
        str, typer.Option("--gain", help="Gain the ranker learns (a transfer column).")
    ] = "rel_gain_final",
    seed: SeedOpt = 0,
) -> None:
    """Rank HR donors LangRank-style (LightGBM LambdaRank), with leave-one-LR-out NDCG@3 vs baselines.

    Example: xlt analyze rank --lr nya
    """
    from rich.table import Table

    from xlt.analysis.pipeline import AnalysisOptions, rank_for
    from xlt.commands.render.analyze import fmt

    _run(ctx, ("rank",), gain=gain, seed=seed)
    target = language_list(lr)
    if target:
        ranked = rank_for(workspace(ctx), target[0], AnalysisOptions(gain=gain, seed=seed))
        table = Table(
            "#", "HR donor", "score", "observed gain", "observed rank", title=f"Donors for {target[0]}"
        )
        for row in ranked.iter_rows(named=True):
            table.add_row(
                str(row["predicted_rank"]), row["hr_lang"], fmt(row["score"]),
                fmt(row["observed_gain"]), fmt(row["observed_rank"]),
            )  # fmt: skip
        console.print(table)
