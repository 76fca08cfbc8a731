"""`xlt sweep status`: every planned run with its scheduler state and progress."""

from __future__ import annotations

import typer
from rich.table import Table

from xlt.commands._common import console, workspace
from xlt.commands.sweep import NameArg, app


@app.command("status")
def status(ctx: typer.Context, name: NameArg) -> None:
    """Each planned run: state (pending/running/finished/failed/preempted), job, step of total, loss.

    Example: xlt sweep status paper
    """
    from xlt.sweep import sweep_status

    found = sweep_status(workspace(ctx), name)
    table = Table()
    for column in ("run", "state", "job", "scheduler", "step", "loss", "tries"):
        table.add_column(column, justify="right" if column in ("step", "loss", "tries") else "left")
    for run in [*found.runs, *([found.evaluation] if found.evaluation else [])]:
        step = f"{run.step}/{run.total_steps or '?'}" if run.hr_lang else ""
        loss = "" if run.loss is None else f"{run.loss:.3f}"
        table.add_row(
            run.run_id, run.state, run.job_id or "", run.scheduler or "?", step, loss, str(run.attempts)
        )
    console.print(table)
    console.print(found.summary(), highlight=False)
