"""The `plots` step: log-ratio heatmaps (final and, where it differs, best checkpoint), donor and
recipient bars, the overlap heatmap and forgetting curves, from the tables stored under analysis/.

``--hr`` / ``--lr`` keep only those languages, ``--top N`` the N best donors (heatmap rows and bars),
``--order`` orders the heatmaps, ``--format`` picks png, pdf or svg.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from xlt.analysis import heatmap as hm
from xlt.analysis import plots
from xlt.analysis.options import Context
from xlt.analysis.steps import imported_overlap
from xlt.contracts import views
from xlt.contracts.perplexity import BASE_RUN_ID
from xlt.errors import WorkspaceError

LOG_RATIO = "ln(ppl / zero-shot)\n< 0 (blue): better than zero-shot, > 0 (red): worse"


def _subset(frame: pl.DataFrame, ctx: Context) -> pl.DataFrame:
    """Rows of the --hr / --lr languages (when given) of a table keyed by hr_lang and/or lr_lang."""
    for column, chosen in (("hr_lang", ctx.options.hr), ("lr_lang", ctx.options.lr)):
        if chosen and column in frame.columns:
            frame = frame.filter(pl.col(column).is_in(list(chosen)))
    return frame


def _gain_heatmap(ctx: Context, transfer: pl.DataFrame, at: str, donors: pl.DataFrame,
                  recipients: pl.DataFrame) -> Path:  # fmt: skip
    opts = ctx.options
    frame = transfer.with_columns(log_ratio=-pl.col(f"log_gain_{at}"))
    g = hm.grid(frame, "log_ratio")
    row_rank, col_rank = donors["hr_lang"].to_list(), recipients["lr_lang"].to_list()
    if opts.top:
        g = g.take([k for k in row_rank if k in set(g.rows)][: opts.top], g.cols)
    g = hm.ordered(g, opts.order, row_rank, col_rank)
    note = (
        None
        if (g.values[np.isfinite(g.values)] < 0).any()
        else "Empty finding: no cell is below zero-shot perplexity"
    )
    shown = f"top {len(g.rows)} of {transfer['hr_lang'].n_unique()} donors" if opts.top else "every donor"
    title = f"Perplexity relative to zero-shot, {at} checkpoint ({shown}; rows by {opts.order})"
    return hm.draw(g, ctx.out / f"gain_{at}", title, LOG_RATIO, note=note, fmt=opts.format)


def _forgetting(ctx: Context) -> list[Path]:
    if ctx.ppl is None:
        return []
    checkpoints = views.cell_summary(_subset(ctx.ppl.filter(pl.col("run_id") != BASE_RUN_ID), ctx))
    zs = views.zero_shot(ctx.ppl)
    written = []
    for hr in sorted(checkpoints["hr_lang"].drop_nulls().unique().to_list()):
        if checkpoints.filter(pl.col("hr_lang") == hr)["step"].n_unique() > 1:
            path = ctx.out / "forgetting" / hr.replace("/", "_")  # an unresolved name may hold a slash
            written.append(plots.forgetting_curves(checkpoints, zs, hr, path, ctx.options.format))
    return written


def step_plots(ctx: Context) -> None:
    opts, written = ctx.options, []
    transfer, donors, recipients = (ctx.table(n) for n in ("transfer", "donors", "recipients"))
    if transfer is not None and donors is not None and recipients is not None:
        transfer, donors, recipients = (_subset(t, ctx) for t in (transfer, donors, recipients))
        if transfer.is_empty():
            raise WorkspaceError("no transfer cells for the chosen --hr/--lr", hint="check the languages")
        # one checkpoint per cell (a published matrix): the best is the final one, one heatmap says it all
        same = transfer.select((pl.col("best_ppl") == pl.col("final_ppl")).all()).item()
        for at in ("final",) if same else ("final", "best"):
            written.append(_gain_heatmap(ctx, transfer, at, donors, recipients))
        for frame, key, name, title, flag in (
            (donors, "hr_lang", "donors", "LR languages improved per HR donor", "super_donor"),
            (recipients, "lr_lang", "recipients", "HR donors improving each LR language", "super_recipient"),
        ):  # fmt: skip
            written.append(plots.bars(frame, key, ctx.out / name, title, flag, opts.top, opts.format))
        written.extend(_forgetting(ctx))
    overlap = imported_overlap(ctx)
    if overlap is None:
        overlap = ctx.table("overlap")
    if overlap is not None and not overlap.is_empty():
        g = hm.grid(_subset(overlap, ctx), "overlap_tokens")
        rank = donors["hr_lang"].to_list() if donors is not None else []
        if opts.top and rank:
            g = g.take(rank[: opts.top], g.cols)
        g = hm.ordered(g, opts.order, rank, recipients["lr_lang"].to_list() if recipients is not None else [])
        title = "Share of LR subtokens found in the HR corpus"
        written.append(hm.draw(g, ctx.out / "overlap", title, "overlap (share of LR tokens)",
                               diverging=False, fmt=opts.format))  # fmt: skip
    if not written:
        raise WorkspaceError("nothing to plot yet", hint="run the transfer or overlap analysis first")
    ctx.report.paths.extend(written)
