"""The table of runs: one row per run, updated in place as events arrive."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType

from xlt.tui.data.formats import perplexity
from xlt.tui.data.grid import Grid
from xlt.tui.data.runs import RunRow, format_eta
from xlt.tui.widgets.grid_table import GridTable

COLUMNS = ("run", "HR", "status", "step", "loss", "val ppl", "ETA", "tok/s", "model", "seed")
STATUS_STYLE = {
    "running": "bold green",
    "finished": "blue",
    "failed": "bold red",
    "preempted": "magenta",
    "stale": "yellow",
}


def cells(row: RunRow) -> tuple[Text | str, ...]:
    """The cells of one run, in COLUMNS order."""
    s = row.summary
    step = f"{s.step}/{s.total_steps}" if s.total_steps else str(s.step)
    eta = format_eta(s.eta_s) if s.status == "running" else ""
    return (
        row.run_id,
        row.hr_label or "?",
        Text(s.status, style=STATUS_STYLE.get(s.status, "dim")),
        Text(step, justify="right"),
        Text(f"{s.loss:.3f}" if s.loss is not None else "", justify="right"),
        Text(perplexity(s.val_perplexity) if s.val_perplexity is not None else "", justify="right"),
        Text(eta, justify="right"),
        Text(f"{s.tokens_per_s:,.0f}" if s.tokens_per_s is not None else "", justify="right"),
        row.model or "",
        Text("" if row.seed is None else str(row.seed), justify="right"),
    )


def raw(row: RunRow) -> tuple[Any, ...]:
    """What sorting and export see: the numbers behind the cells."""
    s = row.summary
    eta = s.eta_s if s.status == "running" else None
    return (row.run_id, row.hr_label, s.status, s.step, s.loss, s.val_perplexity, eta, s.tokens_per_s,
            row.model, row.seed)  # fmt: skip


def runs_grid(rows: list[RunRow]) -> Grid:
    """The runs as a Grid keyed by run id; `/` matches run id, HR code and name, and model."""
    search = [" ".join(filter(None, (r.run_id, r.hr_lang, r.hr_label, r.model))).casefold() for r in rows]
    numeric = [False, False, False, True, True, True, True, True, False, True]
    return Grid(list(COLUMNS), [cells(r) for r in rows], [raw(r) for r in rows], numeric, search,
                [r.run_id for r in rows])  # fmt: skip


class RunsTable(GridTable):
    """Runs by name; rows are keyed by run id so that the cursor stays on its run across updates."""

    # DataTable hides its enter binding; here it opens the run, and the footer should say so.
    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "select_cursor", "Open run")]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row")

    def show(self, rows: list[RunRow]) -> None:
        """Update changed cells in place; refill only when runs came or went, the order or a width changed."""
        grid = runs_grid(rows)
        old = self.grid
        if old is None or old.keys != grid.keys or old.widths != grid.widths or self.sort_column is not None:
            self.show_grid(grid)
            return
        self.grid = grid
        if self.filling:
            return
        for index in self.shown_order:
            key = (grid.keys or [])[index]
            for j, value in enumerate(grid.rows[index]):
                if old.rows[index][j] != value:
                    self.update_cell(key, str(j), value)
