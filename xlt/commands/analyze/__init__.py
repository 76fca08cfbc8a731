"""`xlt analyze`: overlap, typology, transfer (donors, recipients, correlations), donor ranking, plots;
`xlt analyze import` turns a published matrix into the results format.

The group and what its commands share live here; the commands are in ``steps`` (the analyses), ``rank``
and ``imports``.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from xlt.analysis.pipeline import STEPS, AnalysisOptions, AnalysisReport, At
from xlt.commands._common import language_list, workspace
from xlt.commands._progress import RichReporter

app = typer.Typer(no_args_is_help=False, invoke_without_command=True)
D = AnalysisOptions
TokenizerOpt = Annotated[
    str | None,
    typer.Option("--tokenizer", help="Tokenizer directory for overlap; default: the runs' config.json one."),
]
MaxLinesOpt = Annotated[
    int | None, typer.Option("--max-lines", help="Lines per language tokenized for overlap.")
]
AtOpt = Annotated[At, typer.Option("--at", help="Checkpoint that ranks donors/recipients: final or best.")]
AlphaOpt = Annotated[
    float,
    typer.Option(
        "--alpha", help="BH q-value below which a donor/recipient is flagged super (binomial test)."
    ),
]
TopOpt = Annotated[
    int | None,
    typer.Option("--top", help="Plot only the N best donors (heatmap rows) and bars; default: all / 30."),
]
OrderOpt = Annotated[
    str, typer.Option("--order", help="Heatmap rows/columns by rank (donor, recipient), cluster or name.")
]
FormatOpt = Annotated[str, typer.Option("--format", help="Figure format: png, pdf or svg.")]
ModelOpt = Annotated[
    str | None, typer.Option("--model", help="Base model whose runs to analyse (results `model` column).")
]


def _run(ctx: typer.Context, steps: tuple[str, ...], **fields: Any) -> AnalysisReport:
    """Analyse with the given options and print what was found."""
    from xlt.analysis.pipeline import analyze_workspace
    from xlt.commands.render.analyze import render_report

    for key in ("hr", "lr"):
        fields[key] = language_list(fields.get(key))
    with RichReporter() as reporter:
        options = AnalysisOptions(steps=steps, reporter=reporter, **fields)
        report = analyze_workspace(workspace(ctx), options)
    render_report(report, f"rel_gain_{options.at}")
    return report


@app.callback()
def analyze(ctx: typer.Context) -> None:
    """Analyse the perplexity matrix: overlap, typology, donors/recipients, correlations, ranking.

    Without a subcommand, run every analysis the workspace allows (like `xlt analyze all`).

    Example: xlt analyze all --at best
    """
    if ctx.invoked_subcommand is None:
        _run(ctx, STEPS)


def register(root: typer.Typer) -> None:
    from xlt.commands.analyze import imports, rank, steps  # noqa: F401  (their commands join `app`)

    root.add_typer(app, name="analyze")
