"""The experiment's stages as they run, and the summary at the end."""

from __future__ import annotations

from rich.rule import Rule
from rich.table import Table

from xlt.commands._common import console
from xlt.experiment import Stage
from xlt.workspace import Workspace


def announce(index: int, stage: Stage) -> None:
    """A rule with the stage's title and the command it runs (so it can be re-run alone)."""
    console.print(Rule(f"[bold][{index}] {stage.title}"))
    console.print(f"[dim]$ {stage.command}[/dim]")


def done(stage: Stage) -> None:
    console.print(f"[green]done[/green] in {stage.seconds or 0:.1f} s")


def findings(ws: Workspace) -> None:
    """What was found, in plain words with numbers and intervals (xlt.findings), and what cannot be."""
    from xlt.findings import LIMITS, donor_findings, sentences

    found = donor_findings(ws)
    if not found:
        return
    console.print(Rule("[bold]what the experiment found"))
    for line in sentences(found):
        console.print(f"• {line}", highlight=False)
    console.print(f"[dim]{LIMITS}[/dim]", highlight=False)


def summary(ws: Workspace, stages: list[Stage], seconds: float) -> None:
    findings(ws)
    table = Table("stage", "command", "seconds", title="experiment", title_justify="left")
    for stage in stages:
        table.add_row(stage.title, stage.command, f"{stage.seconds or 0:.1f}")
    console.print(table)
    console.print(f"total: {seconds:.0f} s")
    plots = (
        sorted(p.relative_to(ws.root) for p in ws.analysis_dir.glob("*.png"))
        if ws.analysis_dir.exists()
        else []
    )
    if plots:
        console.print(f"plots: {ws.analysis_dir}/ ({', '.join(str(p) for p in plots)})")
    console.print(f"tables: {ws.analysis_dir}/*.parquet and *.csv; results: {ws.results_dir}/")
    console.print(f"look at it: xlt --workspace {ws.root} tui")
