"""`xlt analyze all|overlap|typology|transfer|plots`: the analyses, each writing analysis/."""

from __future__ import annotations

import typer

from xlt.analysis.pipeline import STEPS
from xlt.commands._common import ForceOpt, HrListOpt, LrListOpt, console
from xlt.commands.analyze import (
    AlphaOpt,
    AtOpt,
    D,
    FormatOpt,
    MaxLinesOpt,
    ModelOpt,
    OrderOpt,
    TokenizerOpt,
    TopOpt,
    _run,
    app,
)


@app.command("all")
def analyze_all(
    ctx: typer.Context,
    hr: HrListOpt = None,
    lr: LrListOpt = None,
    tokenizer: TokenizerOpt = D.tokenizer,
    max_lines: MaxLinesOpt = D.max_lines,
    at: AtOpt = D.at,
    alpha: AlphaOpt = D.alpha,
    force: ForceOpt = False,
    model: ModelOpt = D.model,
    top: TopOpt = D.top,
    order: OrderOpt = D.order,
    fmt: FormatOpt = D.format,
) -> None:
    """Run every analysis whose inputs exist (missing ones become warnings) and write analysis/.

    Example: xlt analyze all --at best
    """
    _run(ctx, STEPS, hr=hr, lr=lr, tokenizer=tokenizer, max_lines=max_lines, at=at,
         alpha=alpha, force=force, model=model, top=top, order=order, format=fmt)  # fmt: skip


@app.command("overlap")
def overlap(
    ctx: typer.Context,
    hr: HrListOpt = None,
    lr: LrListOpt = None,
    tokenizer: TokenizerOpt = D.tokenizer,
    max_lines: MaxLinesOpt = D.max_lines,
    force: ForceOpt = False,
) -> None:
    """Share of each LR corpus's subtokens (by occurrence and by type) also found in each HR corpus.

    Example: xlt analyze overlap --max-lines 5000
    """
    _run(ctx, ("overlap",), hr=hr, lr=lr, tokenizer=tokenizer, max_lines=max_lines, force=force)


@app.command("typology")
def typology(ctx: typer.Context, hr: HrListOpt = None, lr: LrListOpt = None, force: ForceOpt = False) -> None:
    """URIEL+ distances (genetic, geographic, syntactic, phonological, inventory, featural, script).

    Example: xlt analyze typology --hr spa,eng --lr nya,nci
    """
    from xlt.commands.render.analyze import frame_table

    report = _run(ctx, ("typology",), hr=hr, lr=lr, force=force)
    if "typology" in report.tables:
        console.print(frame_table(report.tables["typology"].head(20), "URIEL+ angular distances"))


@app.command("transfer")
def transfer(
    ctx: typer.Context,
    at: AtOpt = D.at,
    alpha: AlphaOpt = D.alpha,
    hr: HrListOpt = None,
    lr: LrListOpt = None,
    model: ModelOpt = D.model,
) -> None:
    """Gains over zero-shot, forgetting, super donors and recipients, and correlations with the features.

    Example: xlt analyze transfer --at best
    """
    _run(ctx, ("transfer",), at=at, alpha=alpha, hr=hr, lr=lr, model=model)


@app.command("plots")
def plots(
    ctx: typer.Context,
    hr: HrListOpt = None,
    lr: LrListOpt = None,
    top: TopOpt = D.top,
    order: OrderOpt = D.order,
    fmt: FormatOpt = D.format,
) -> None:
    """Heatmaps of ln(ppl / zero-shot) and overlap, donor/recipient bars, forgetting curves in analysis/.

    Example: xlt analyze plots --top 40 --order cluster --format pdf
    """
    _run(ctx, ("plots",), hr=hr, lr=lr, top=top, order=order, format=fmt)
