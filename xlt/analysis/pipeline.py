"""`analyze` over a workspace: read results/ and corpus/, run every analysis that its inputs allow, and
write analysis/*.parquet|csv and figures. Each step is skipped when its outputs are newer than its inputs
(resume = re-run), and a step whose inputs are missing is skipped with a warning instead of failing.

By idea: :mod:`~xlt.analysis.options` (options, report, shared context), :mod:`~xlt.analysis.steps`
(the tables), :mod:`~xlt.analysis.plot_step` (the figures); this module runs them under the lock.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from xlt.analysis import ranking as rk
from xlt.analysis import typology as ty
from xlt.analysis.options import (
    CSV_COPIES,
    STEPS,
    AnalysisOptions,
    AnalysisReport,
    At,
    Context,
    context,
    read_optional,
)
from xlt.analysis.plot_step import step_plots
from xlt.analysis.steps import pair_features, step_overlap, step_rank, step_transfer, step_typology
from xlt.errors import InputError, WorkspaceError
from xlt.locks import exclusive
from xlt.workspace import Workspace

__all__ = ["CSV_COPIES", "STEPS", "AnalysisOptions", "AnalysisReport", "At", "analyze_workspace", "rank_for"]

STEP_FUNCTIONS: dict[str, Callable[[Context], None]] = {
    "overlap": step_overlap,
    "typology": step_typology,
    "transfer": step_transfer,
    "rank": step_rank,
    "plots": step_plots,
}


def analyze_workspace(workspace: Workspace, options: AnalysisOptions | None = None) -> AnalysisReport:
    """Run the requested analysis steps; with every step requested, a step that cannot run (missing
    inputs) becomes a warning and the others still run. A single requested step raises instead."""
    options = options or AnalysisOptions()
    with exclusive(workspace.analysis_lock, "analysis/"):
        return _analyze(workspace, options)


def _analyze(workspace: Workspace, options: AnalysisOptions) -> AnalysisReport:
    """The body of :func:`analyze_workspace`, under the analysis lock."""
    ctx = context(workspace, options)
    if not ctx.hr or not ctx.lr:
        raise WorkspaceError(
            f"no HR/LR languages found in {ctx.results_path} or {workspace.languages_path}",
            hint="run `xlt evaluate` (or `xlt analyze import`), or name them with --hr/--lr",
        )
    lenient = len(options.steps) > 1
    for step in STEPS:
        if step not in options.steps:
            continue
        try:
            STEP_FUNCTIONS[step](ctx)
        except (WorkspaceError, InputError) as exc:
            if not lenient:
                raise
            ctx.report.skipped[step] = str(exc)
            ctx.report.warnings.append(f"{step} skipped: {exc}")
    return ctx.report


def rank_for(workspace: Workspace, lr_lang: str, options: AnalysisOptions | None = None) -> pl.DataFrame:
    """Predicted donor ranking for one LR language from the stored transfer/overlap/typology tables."""
    options = options or AnalysisOptions()
    ctx = context(workspace, options)
    if lr_lang in ctx.hr:
        raise InputError(
            f"{lr_lang} is a high-resource language of this workspace, a donor, not a recipient",
            "rank the donors of an LR language (`xlt show pairs` lists them)",
        )
    if lr_lang not in ctx.lr:
        ctx.lr = sorted([*ctx.lr, lr_lang])
    table = read_optional(ctx.out / "transfer.parquet")
    if table is None:
        raise WorkspaceError("no transfer table to learn from", hint="run `xlt analyze transfer` first")
    typology = read_optional(ctx.out / "typology.parquet")
    if typology is None or lr_lang not in set(typology["lr_lang"].to_list()):
        # a new LR language: its URIEL distances are cheap to compute now (overlap needs `analyze overlap`)
        extra, missing = ty.typology_distances(
            ctx.hr, [lr_lang], workspace.cache_dir, databases=options.uriel_databases
        )
        if lr_lang not in missing:
            ctx.report.tables["typology"] = (
                extra if typology is None else pl.concat([typology, extra], how="diagonal_relaxed")
            )
    return rk.rank_donors(pair_features(ctx, table), table, lr_lang, options.gain, options.seed)
