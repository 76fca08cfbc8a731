"""The table of runs: one row per run, updated in place as events arrive."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

from xlt.tui.data import RunRow, fit_widths, format_eta, format_value

COLUMNS = (
    ("run", "run"),
    ("hr", "HR"),
    ("status", "status"),
    ("step", "step"),
    ("loss", "loss"),
    ("ppl", "val ppl"),
    ("eta", "ETA"),
    ("tps", "tok/s"),
    ("model", "model"),
    ("seed", "seed"),
)
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
        Text(format_value(s.val_perplexity), justify="right"),
        Text(eta, justify="right"),
        Text(f"{s.tokens_per_s:,.0f}" if s.tokens_per_s is not None else "", justify="right"),
        row.model or "",
        Text("" if row.seed is None else str(row.seed), justify="right"),
    )


class RunsTable(DataTable):
    """Runs by name; rows are keyed by run id so that the cursor stays on its run across updates."""

    # DataTable hides its enter binding; here it opens the run, and the footer should say so.
    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "select_cursor", "Open run")]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.widths: list[int] = []

    def on_mount(self) -> None:
        self._rebuild([], [])

    def show(self, rows: list[RunRow]) -> None:
        """Update changed cells in place; rebuild only when runs came or went or a column must widen."""
        keys = [row.run_id for row in rows]
        table = [cells(row) for row in rows]
        widths = fit_widths([label for _, label in COLUMNS], table)
        if keys != [key.value for key in self.rows] or widths != self.widths:
            selected = run_at(self, self.cursor_row)
            self._rebuild(keys, table, widths)
            if selected in keys:
                self.move_cursor(row=keys.index(selected))
            return
        for key, values in zip(keys, table, strict=True):
            for (column, _), value in zip(COLUMNS, values, strict=True):
                if self.get_cell(key, column) != value:
                    self.update_cell(key, column, value)

    def _rebuild(
        self, keys: list[str], table: list[tuple[Text | str, ...]], widths: list[int] | None = None
    ) -> None:
        self.widths = widths or fit_widths([label for _, label in COLUMNS], table)
        self.clear(columns=True)
        for (key, label), width in zip(COLUMNS, self.widths, strict=True):
            self.add_column(label, key=key, width=width)
        for key, values in zip(keys, table, strict=True):
            self.add_row(*values, key=key)


def run_at(table: DataTable, index: int) -> str | None:
    """Run id of the row at `index`, or None."""
    ordered = list(table.rows)
    return ordered[index].value if 0 <= index < len(ordered) else None
