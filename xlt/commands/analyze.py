"""`xlt analyze`: overlap, typology, transfer (donors, recipients, correlations), donor ranking, plots;
`xlt analyze import` turns a published matrix into the results format."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from xlt.commands._common import console, err_console, workspace
from xlt.errors import UsageError

if TYPE_CHECKING:
    import polars as pl

    from xlt.analysis.pipeline import AnalysisOptions, AnalysisReport

app = typer.Typer(no_args_is_help=False, invoke_without_command=True)

HrOpt = Annotated[str | None, typer.Option("--hr", help="Comma-separated HR languages; default: all found.")]
LrOpt = Annotated[str | None, typer.Option("--lr", help="Comma-separated LR languages; default: all found.")]
TokenizerOpt = Annotated[
    str | None,
    typer.Option("--tokenizer", help="Tokenizer directory for overlap; default: the runs' config.json one."),
]
MaxLinesOpt = Annotated[int, typer.Option("--max-lines", help="Lines per language tokenized for overlap.")]
AtOpt = Annotated[str, typer.Option("--at", help="Checkpoint that ranks donors/recipients: final or best.")]
SuperOpt = Annotated[
    float, typer.Option("--super-share", help="Share of partners improved to count as super donor/recipient.")
]
ForceOpt = Annotated[bool, typer.Option("--force", help="Recompute outputs that are up to date.")]
ModelOpt = Annotated[
    str | None, typer.Option("--model", help="Base model whose runs to analyse (results `model` column).")
]


def _languages(value: str | None) -> list[str] | None:
    from xlt.languages import resolve_many

    return None if value is None else [lang.iso3 for lang in resolve_many(value)]


def _options(steps: tuple[str, ...], **kwargs: object) -> AnalysisOptions:
    from xlt.analysis.pipeline import AnalysisOptions

    at = kwargs.get("at", "final")
    if at not in {"final", "best"}:
        raise UsageError(f"--at {at!r} is not a checkpoint choice", "use --at final or --at best")
    share = kwargs.get("super_share", 0.75)
    if not 0 < float(share) <= 1:  # type: ignore[arg-type]
        raise UsageError(f"--super-share {share} is outside (0, 1]", "e.g. --super-share 0.75")
    max_lines = kwargs.pop("max_lines", 20_000)
    if int(max_lines) < 1:  # type: ignore[call-overload]
        raise UsageError("--max-lines must be at least 1", "e.g. --max-lines 20000")
    return AnalysisOptions(
        steps=steps,
        hr=_languages(kwargs.pop("hr", None)),  # type: ignore[arg-type]
        lr=_languages(kwargs.pop("lr", None)),  # type: ignore[arg-type]
        max_lines=int(max_lines),  # type: ignore[call-overload]
        **kwargs,  # type: ignore[arg-type]
    )


def _run(ctx: typer.Context, options: AnalysisOptions) -> AnalysisReport:
    from xlt.analysis.pipeline import analyze_workspace

    columns = (SpinnerColumn(), TextColumn("{task.description}"), TextColumn("{task.completed} languages"))
    with Progress(*columns, TimeElapsedColumn(), console=err_console, transient=True) as progress:
        task = progress.add_task("tokenizing corpora", total=None)
        options.progress = lambda lang: progress.update(task, advance=1, description=f"tokenized {lang}")
        report = analyze_workspace(workspace(ctx), options)
    _render(report, f"rel_gain_{options.at}")
    return report


def _fmt(value: object, digits: int = 3) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}g}" if abs(value) < 1e-3 and value != 0 else f"{value:.{digits}f}"
    return str(value)


def _ranked_table(frame: pl.DataFrame, key: str, title: str, flag: str, top: int = 10) -> Table:
    from xlt.languages import name_of

    other = "n_lr_lang" if key == "hr_lang" else "n_hr_lang"
    table = Table("#", "language", "improved", "share", "mean rel. gain", flag.replace("_", " "), title=title)
    for row in frame.head(top).iter_rows(named=True):
        table.add_row(
            str(row["rank"]),
            f"{name_of(row[key])} ({row[key]})",
            f"{row['n_improved']}/{row[other]}",
            _fmt(row["share_improved"], 2),
            _fmt(row["mean_rel_gain"]),
            "★" if row[flag] else "",
        )
    return table


def _correlation_table(corr: pl.DataFrame, gain: str, top: int = 15) -> Table:
    from xlt.analysis.transfer import significant

    tests = corr.filter(corr["gain"] == gain)
    found = significant(tests)
    title = f"Significant correlations with {gain} (BH q < 0.05; {found.height} of {tests.height} tests)"
    table = Table("scope", "feature", "n", "Spearman ρ", "p", "Pearson r", "p", "q", title=title)
    for row in found.head(top).iter_rows(named=True):
        table.add_row(
            row["lr_lang"] or "pooled", row["feature"], str(row["n"]), _fmt(row["spearman"]),
            _fmt(row["spearman_p"]), _fmt(row["pearson"]), _fmt(row["pearson_p"]),
            _fmt(min(v for v in (row["spearman_q"], row["pearson_q"]) if v is not None)),
        )  # fmt: skip
    return table


def _ranking_eval_table(evaluation: pl.DataFrame) -> Table:
    table = Table(
        "LR language", "candidates", "ranker", "overlap only", "random", title="Donor ranking: NDCG@3"
    )
    for row in evaluation.iter_rows(named=True):
        table.add_row(
            row["lr_lang"], str(row["n_candidates"]),
            _fmt(row["ndcg_ranker"]), _fmt(row["ndcg_overlap"]), _fmt(row["ndcg_random"]),
        )  # fmt: skip
    means = [evaluation[c].mean() for c in ("ndcg_ranker", "ndcg_overlap", "ndcg_random")]
    table.add_row("mean", "", *(_fmt(m) for m in means), style="bold")
    return table


def _render(report: AnalysisReport, gain: str = "rel_gain_final") -> None:
    import polars as pl

    from xlt.analysis.transfer import significant

    for message in report.warnings:
        err_console.print(f"[yellow]warning:[/] {message}", highlight=False)
    tables = report.tables
    if "donors" in tables:
        console.print(_ranked_table(tables["donors"], "hr_lang", "Top donors (HR)", "super_donor"))
    if "recipients" in tables:
        console.print(
            _ranked_table(tables["recipients"], "lr_lang", "Top recipients (LR)", "super_recipient")
        )
    if "correlations" in tables:
        corr = tables["correlations"].filter(pl.col("gain") == gain)
        if significant(corr).is_empty():
            console.print(f"no significant correlation with {gain} (BH q < 0.05) in {corr.height} tests")
        else:
            console.print(_correlation_table(corr, gain))
    if "ranking_eval" in tables:
        console.print(_ranking_eval_table(tables["ranking_eval"]))
    if "typology" in tables and "transfer" not in tables:
        console.print(f"typology: {tables['typology'].height} pairs", highlight=False)
    if "overlap" in tables and "transfer" not in tables:
        _overlap_summary(tables["overlap"])
    for step, reason in report.skipped.items():
        if reason.startswith("up to date"):
            console.print(f"[dim]{step}: {reason}[/]", highlight=False)
    if report.paths:
        folder = report.paths[0].parent
        console.print(f"wrote {len(report.paths)} files under {folder}", highlight=False)


def _overlap_summary(overlap: pl.DataFrame, top: int = 10) -> None:
    table = Table("HR", "LR", "overlap (tokens)", "overlap (types)", title="Highest subtoken overlap")
    for row in (
        overlap.sort("overlap_tokens", descending=True, nulls_last=True).head(top).iter_rows(named=True)
    ):
        table.add_row(row["hr_lang"], row["lr_lang"], _fmt(row["overlap_tokens"]), _fmt(row["overlap_types"]))
    console.print(table)


@app.callback()
def analyze(ctx: typer.Context) -> None:
    """Analyse the perplexity matrix: overlap, typology, donors/recipients, correlations, ranking.

    Without a subcommand, run every analysis the workspace allows (like `xlt analyze all`).

    Example: xlt analyze all --tokenizer xlt-workspace/tokenizers/tiny
    """
    if ctx.invoked_subcommand is None:
        from xlt.analysis.pipeline import STEPS

        _run(ctx, _options(STEPS))


@app.command("all")
def analyze_all(
    ctx: typer.Context,
    hr: HrOpt = None,
    lr: LrOpt = None,
    tokenizer: TokenizerOpt = None,
    max_lines: MaxLinesOpt = 20_000,
    at: AtOpt = "final",
    super_share: SuperOpt = 0.75,
    force: ForceOpt = False,
    model: ModelOpt = None,
) -> None:
    """Run every analysis whose inputs exist (missing ones become warnings) and write analysis/.

    Example: xlt analyze all --tokenizer xlt-workspace/tokenizers/tiny --at best
    """
    from xlt.analysis.pipeline import STEPS

    _run(ctx, _options(STEPS, hr=hr, lr=lr, tokenizer=tokenizer, max_lines=max_lines, at=at,
                       super_share=super_share, force=force, model=model))  # fmt: skip


@app.command("overlap")
def overlap(
    ctx: typer.Context,
    hr: HrOpt = None,
    lr: LrOpt = None,
    tokenizer: TokenizerOpt = None,
    max_lines: MaxLinesOpt = 20_000,
    force: ForceOpt = False,
) -> None:
    """Share of each LR corpus's subtokens (by occurrence and by type) also found in each HR corpus.

    Example: xlt analyze overlap --tokenizer xlt-workspace/tokenizers/tiny --max-lines 5000
    """
    _run(ctx, _options(("overlap",), hr=hr, lr=lr, tokenizer=tokenizer, max_lines=max_lines, force=force))


@app.command("typology")
def typology(ctx: typer.Context, hr: HrOpt = None, lr: LrOpt = None, force: ForceOpt = False) -> None:
    """URIEL distances (syntactic, phonological, inventory, genetic, geographic, featural) via lang2vec.

    Example: xlt analyze typology --hr spa,eng --lr nya,tur
    """
    report = _run(ctx, _options(("typology",), hr=hr, lr=lr, force=force))
    if "typology" in report.tables:
        frame = report.tables["typology"]
        table = Table(*frame.columns, title="URIEL cosine distances")
        for row in frame.head(20).iter_rows():
            table.add_row(*(_fmt(v) for v in row))
        console.print(table)


@app.command("transfer")
def transfer(
    ctx: typer.Context,
    at: AtOpt = "final",
    super_share: SuperOpt = 0.75,
    hr: HrOpt = None,
    lr: LrOpt = None,
    model: ModelOpt = None,
) -> None:
    """Gains over zero-shot, forgetting, super donors and recipients, and correlations with the features.

    Example: xlt analyze transfer --at best
    """
    _run(ctx, _options(("transfer",), at=at, super_share=super_share, hr=hr, lr=lr, model=model))


@app.command("rank")
def rank(
    ctx: typer.Context,
    lr: Annotated[str | None, typer.Option("--lr", help="LR language whose donors to rank.")] = None,
    gain: Annotated[
        str, typer.Option("--gain", help="Gain the ranker learns (a transfer column).")
    ] = "rel_gain_final",
    seed: Annotated[int, typer.Option("--seed", help="LightGBM and random-baseline seed.")] = 0,
    table: Annotated[
        Path | None, typer.Option("--table", help="Rank a long CSV/parquet table instead of the workspace.")
    ] = None,
    target_col: Annotated[str | None, typer.Option("--target", help="--table's target column.")] = None,
    candidate: Annotated[str | None, typer.Option("--candidate", help="--table's candidate column.")] = None,
    score: Annotated[str | None, typer.Option("--score", help="--table's score column.")] = None,
    features: Annotated[str | None, typer.Option("--features", help="--table's features: a,b.")] = None,
) -> None:
    """Rank HR donors LangRank-style (LightGBM LambdaRank), with leave-one-LR-out NDCG@3 vs baselines.

    Example: xlt analyze rank --lr nya   (or: xlt analyze rank --table pos.csv, LangRank's columns found)
    """
    from xlt.analysis.pipeline import rank_for

    if table is not None:
        from xlt.analysis.ranking import rank_table_file

        out = workspace(ctx).analysis_dir
        result = rank_table_file(table, out, target_col, candidate, score, features, seed)
        console.print(result.report(), highlight=False)
        return

    options = _options(("rank",), gain=gain, seed=seed)
    target = _languages(lr)
    _run(ctx, options)
    if target:
        ranked = rank_for(workspace(ctx), target[0], options)
        table = Table(
            "#", "HR donor", "score", "observed gain", "observed rank", title=f"Donors for {target[0]}"
        )
        for row in ranked.iter_rows(named=True):
            table.add_row(
                str(row["predicted_rank"]), row["hr_lang"], _fmt(row["score"]),
                _fmt(row["observed_gain"]), _fmt(row["observed_rank"]),
            )  # fmt: skip
        console.print(table)


@app.command("plots")
def plots(ctx: typer.Context) -> None:
    """Heatmaps (relative gain, overlap), forgetting curves and donor/recipient bars as PNG.

    Example: xlt analyze plots
    """
    _run(ctx, _options(("plots",)))


@app.command("import")
def import_matrix(
    ctx: typer.Context,
    matrix: Annotated[Path, typer.Argument(help="Wide CSV: first column HR language, one column per LR.")],
    zero_shot: Annotated[
        Path | None, typer.Option("--zero-shot", help='JSON {LR: {"zero_shot": v}} or CSV lr,zero_shot.')
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Output parquet; default: WORKSPACE/results/perplexity.parquet."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing results file.")] = False,
) -> None:
    """Convert a published perplexity matrix into the long results format, ready for `xlt analyze`.

    Example: xlt analyze import paper.csv --zero-shot zero_shot.json
    """
    from xlt.analysis.published import import_published
    from xlt.workspace import write_parquet

    if zero_shot is None:
        raise UsageError("gains need the zero-shot perplexities", "add --zero-shot ZS.json (or ZS.csv)")
    target = out or workspace(ctx).perplexity_path
    if target.exists() and not force:
        raise UsageError(f"{target} exists", "add --force to replace it, or --out another file")
    imported = import_published(matrix, zero_shot)
    for message in imported.warnings:
        err_console.print(f"[yellow]warning:[/] {message}", highlight=False)
    write_parquet(imported.table, target)
    trained = imported.table.filter(imported.table["run_id"] != "base")
    console.print(
        f"imported {trained['hr_lang'].n_unique()} HR × {trained['lr_lang'].n_unique()} LR languages "
        f"({imported.table.height} rows) into {target}",
        highlight=False,
    )


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="analyze")
