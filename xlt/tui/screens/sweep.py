"""The sweeps of the workspace: one row per planned run with its scheduler state and progress."""

from __future__ import annotations

import time

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import Header

from xlt.tui.data.grid import Grid
from xlt.tui.messages import SweepChanged
from xlt.tui.screens.polling import PollingScreen
from xlt.tui.widgets.empty_state import EmptyState
from xlt.tui.widgets.footer import footer
from xlt.tui.widgets.grid_table import GridTable

COLUMNS = ("sweep", "run", "state", "job", "scheduler", "step", "loss")
STATE_STYLE = {"running": "bold green", "finished": "blue", "failed": "bold red", "preempted": "magenta"}
# squeue/sacct load the cluster's controller: ask every 30 s at most, and give each command 5 s; the
# events are re-read on every poll. Both run in the screen's thread worker, never on the UI thread.
QUERY_EVERY_S = 30.0
QUERY_TIMEOUT_S = 5.0


class SweepScreen(PollingScreen):
    """Every sweep under sweeps/: run, state, job id, the scheduler's word, step of total, last loss."""

    TITLE = "Sweeps"
    AUTO_FOCUS = "#sweep"

    def __init__(self) -> None:
        super().__init__()
        self.asked_at = -QUERY_EVERY_S
        self.live: dict[str, dict[str, str] | None] = {}  # sweep -> its last scheduler answer

    def compose(self) -> ComposeResult:
        yield Header()
        yield EmptyState(
            "No sweep in this workspace yet (sweeps/ is empty).",
            ["xlt sweep plan NAME --hr all --runs 5", "xlt sweep submit NAME --partition P"],
            id="empty",
        )
        yield GridTable(id="sweep")
        yield footer()

    def load(self, force: bool) -> None:
        """Rows from the events at once; then, when due, again with the scheduler's states."""
        self.post_current(SweepChanged(self._rows(query=False)))
        if force or time.monotonic() - self.asked_at >= QUERY_EVERY_S:
            self.asked_at = time.monotonic()
            self.post_current(SweepChanged(self._rows(query=True)))

    def _rows(self, query: bool) -> list[tuple[str, ...]]:
        from xlt.sweep import sweep_status
        from xlt.sweep.plan import PLAN_FILE

        root = self.config.workspace.root / "sweeps"
        rows: list[tuple[str, ...]] = []
        for plan in sorted(root.glob(f"*/{PLAN_FILE}")):
            name = plan.parent.name
            found = sweep_status(
                self.config.workspace, name, query, False, QUERY_TIMEOUT_S, self.live.get(name)
            )
            if query:
                self.live[name] = found.live
            for run in [*found.runs, *([found.evaluation] if found.evaluation else [])]:
                step = f"{run.step}/{run.total_steps or '?'}" if run.hr_lang else ""
                loss = "" if run.loss is None else f"{run.loss:.3f}"
                scheduler = run.scheduler or ("?" if run.job_id else "")
                rows.append((name, run.run_id, run.state, run.job_id or "", scheduler, step, loss))
        return rows

    @on(SweepChanged)
    def show_rows(self, message: SweepChanged) -> None:
        self.show_empty(not message.rows)
        cells = [
            (*row[:2], Text(row[2], style=STATE_STYLE.get(row[2], "dim")), *row[3:5], *map(_right, row[5:]))
            for row in message.rows
        ]
        keys = [f"{row[0]}/{row[1]}" for row in message.rows]
        numeric = [False] * 5 + [True] * 2
        self.query_one("#sweep", GridTable).show_grid(
            Grid(list(COLUMNS), cells, message.rows, numeric, keys=keys)
        )


def _right(value: str) -> Text:
    return Text(value, justify="right")
