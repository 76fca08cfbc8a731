"""The experiment's stages as they run, and the summary at the end."""

from __future__ import annotations

from rich.progress import Progress
from rich.rule import Rule
from rich.table import Table

from xlt.commands._common import console
from xlt.commands._progress import bar_columns
from xlt.experiment import Stage
from xlt.experiment_record import ExperimentRecord, record_path
from xlt.workspace import Workspace


def announce(index: int, stage: Stage) -> None:
    """A rule with the stage's title and the command it runs (so it can be re-run alone)."""
    console.print(Rule(f"[bold][{index}] {stage.title}"))
    console.print(f"[dim]$ {stage.command}[/dim]")


def done(stage: Stage) -> None:
    console.print(f"[green]done[/green] in {stage.seconds or 0:.1f} s")


def run_side_by_side(ws: Workspace, stages: list[Stage], first: int, jobs: int) -> None:
    """Announce the stages, run them together with one progress line each (steps of their runs, else
    the last line of the stage's log), and say how each ended."""
    from xlt.stage_runner import last_line, run_together, stage_log, stage_progress

    for index, stage in enumerate(stages, start=first):
        announce(index, stage)
    console.print(f"[dim]side by side; output in {stage_log(ws, first).parent}/[/dim]")
    progress = Progress(*bar_columns(remaining=False), console=console, transient=True)
    # A task's clock starts when its process does (a waiting stage shows no time).
    tasks = {
        i: progress.add_task(f"[{i}] {stage.title[:36]}", total=None, info="", start=False)
        for i, stage in enumerate(stages, start=first)
    }
    started: set[int] = set()
    by_key = {stage.key: i for i, stage in enumerate(stages, start=first) if stage.key}
    ended: set[str] = set()

    def named(keys: tuple[str, ...], unfinished: bool = True) -> str:
        return ", ".join(f"[{by_key[k]}]" for k in keys if k in by_key and not (unfinished and k in ended))

    def tick(index: int, stage: Stage, state: str) -> None:
        if state in ("waiting", "after"):
            why = "a free CPU" if state == "waiting" else named(stage.needs)
            progress.update(tasks[index], info=f"waiting for {why}")
            return
        if state == "running":
            if index not in started:
                started.add(index)
                progress.start_task(tasks[index])
            steps, total = stage_progress(ws, stage)
            log = stage_log(ws, index)
            info = "" if total else last_line(log)[:60] or f"output: logs/{log.name}"
            progress.update(tasks[index], completed=steps, total=total, info=info)
            return
        progress.remove_task(tasks[index])
        if state == "skipped":
            why = f"it needs {named(stage.needs, unfinished=False)}, which did not all finish"
            console.print(f"[{index}] [red]not started[/red]: {stage.title} ({why})")
            return
        ended.add(stage.key)
        if state == "done":
            console.print(f"[{index}] [green]done[/green] in {stage.seconds or 0:.1f} s: {stage.title}")
            return
        later = "; a later stage redoes it" if stage.retried else ""
        console.print(
            f"[{index}] [red]failed[/red] after {stage.seconds or 0:.1f} s: {stage.title} "
            f"(output: {stage_log(ws, index)}{later})"
        )

    with progress:
        run_together(ws, stages, first, jobs, tick)


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


def nothing_to_do(ws: Workspace, stages: list[Stage], record: ExperimentRecord) -> None:
    """The finished experiment's summary, with the seconds its stages took when they ran."""
    console.print(
        f"nothing to do: these {len(stages)} stages finished at {record.finished} and no file of the "
        f"workspace has changed since ({record_path(ws)}); --recheck starts them anyway",
        highlight=False,
    )
    for stage, seconds in zip(stages, record.seconds, strict=True):
        stage.seconds = seconds
    summary(ws, stages, record.total_seconds, title=f"experiment (as it ran, finished {record.finished})")


def summary(ws: Workspace, stages: list[Stage], seconds: float, title: str = "experiment") -> None:
    findings(ws)
    table = Table("stage", "command", "seconds", title=title, title_justify="left")
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
