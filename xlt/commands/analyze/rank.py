"""`xlt analyze rank`: rank HR donors LangRank-style, with leave-one-LR-out NDCG@3 against baselines."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from xlt.commands._common import LrListOpt, SeedOpt, console, language_list, workspace
from xlt.commands.analyze import _run, app

GainOpt = Annotated[str, typer.Option("--gain", help="Gain the ranker learns (a transfer column).")]
TableOpt = Annotated[
    Path | None,
    typer.Option(
        "--table", help="Rank a long CSV/parquet table (target, candidate, score, features) instead."
    ),
]
TargetOpt = Annotated[
    str | None, typer.Option("--target", help="--table's target column (found if omitted).")
]
CandidateOpt = Annotated[
    str | None, typer.Option("--candidate", help="--table's candidate column (found if omitted).")
]
ScoreOpt = Annotated[str | None, typer.Option("--score", help="--table's score column (found if omitted).")]
FeaturesOpt = Annotated[str | None, typer.Option("--features", help="--table's feature columns: a,b.")]


@app.command("rank")
def rank(
    ctx: typer.Context,
    lr: LrListOpt = None,
    gain: GainOpt = "rel_gain_final",
    seed: SeedOpt = 0,
    table: TableOpt = None,
    target: TargetOpt = None,
    candidate: CandidateOpt = None,
    score: ScoreOpt = None,
    features: FeaturesOpt = None,
) -> None:
    """Rank HR donors LangRank-style (LightGBM LambdaRank blended with the donor prior), with
    leave-one-LR-out NDCG@3 against the prior, each single feature and random; --lr lists the ranked
    donors of those LR languages.

    Example: xlt analyze rank --lr nya,nci

    Example: xlt analyze rank --table pos.csv   (LangRank's columns are found by name)
    """
    if table is not None:
        from xlt.analysis.ranking import rank_table_file

        out = workspace(ctx, create=True).analysis_dir
        result = rank_table_file(table, out, target, candidate, score, features, seed)
        console.print(result.report(), highlight=False)
        return
    from xlt.analysis.pipeline import AnalysisOptions, rank_for
    from xlt.commands.render.rank import donors_table

    _run(ctx, ("rank",), gain=gain, seed=seed)
    for lr_lang in language_list(lr) or ():
        ranked = rank_for(workspace(ctx), lr_lang, AnalysisOptions(gain=gain, seed=seed))
        console.print(donors_table(ranked, lr_lang))
