"""`xlt tui`: watch training runs and read the results in a terminal UI."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from xlt.commands._common import workspace
from xlt.errors import UsageError


def tui(
    ctx: typer.Context,
    refresh: Annotated[
        float, typer.Option("--refresh", help="Seconds between re-reads of the workspace files.")
    ] = 2.0,
    stale_after: Annotated[
        float,
        typer.Option(
            "--stale-after", help="Seconds without events after which a running run shows as stale."
        ),
    ] = 600.0,
) -> None:
    """Watch runs live; read the HR × LR overview, run matrices, analysis, corpus, sweeps.

    Keys 1-6 switch screens: Runs, Overview, Analysis, Data, Sweeps, Matrix.
    On every screen `?` lists its keys, `/` filters rows by name or code,
    a header click or `s` sorts, `e` exports the table as shown to exports/,
    `o` opens the screen's plot; ctrl+p opens the command palette; q quits.
    A gain is positive when the checkpoint's perplexity is below zero-shot.

    Reads only workspace files (runs/, results/, analysis/, corpus/, sweeps/):
    safe on a login node while training runs elsewhere; it writes only exports/.
    The sweeps screen asks squeue/sacct every 30 s at most, in the background.

    Example: xlt --workspace exp1 tui --refresh 5
    """
    if refresh <= 0:
        raise UsageError(f"--refresh must be positive, got {refresh}", hint="e.g. --refresh 2")
    if stale_after <= 0:
        raise UsageError(f"--stale-after must be positive, got {stale_after}", hint="e.g. --stale-after 600")
    # Nothing may draw progress bars over the screen (huggingface_hub reads this variable at import).
    os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"
    from xlt.tui.app import make_app
    from xlt.tui.data import TuiConfig

    make_app(TuiConfig(workspace(ctx), refresh_s=refresh, stale_after_s=stale_after)).run()


def register(app: typer.Typer) -> None:
    app.command("tui")(tui)
