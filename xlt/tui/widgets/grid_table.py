"""A DataTable over a Grid: `/` filters its rows, a header click (or `s`) sorts them, rows arrive in chunks.

DataTable already draws only the lines on screen; what stalls the UI is adding rows, which it measures
on idle (~0.15 ms a row on a busy 2-core machine). So rows go in CHUNK at a time between idle turns,
first the ones a reader sees, and keys are served while a 10,000-row table fills in.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.binding import Binding, BindingType
from textual.widgets import DataTable
from textual.widgets._data_table import CursorType

from xlt.tui.data.grid import Grid, order

CHUNK = 250
UP, DOWN = " ▲", " ▼"


class GridTable(DataTable):
    """A Grid filtered by `query`, sorted by `sort_column`; `shown_order` maps table rows to grid rows."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "sort_here", "Sort", show=False, tooltip="Sort by the cursor's column; again: reverse"),
    ]

    def __init__(
        self, *, id: str | None = None, cursor_type: CursorType = "row", fixed_columns: int = 0
    ) -> None:
        super().__init__(
            id=id, cursor_type=cursor_type, zebra_stripes=cursor_type == "row", fixed_columns=fixed_columns
        )
        self.grid: Grid | None = None
        self.filter_text = ""
        self.sort_column: int | None = None
        self.sort_reverse = False
        self.shown_order: list[int] = []
        self._generation = 0

    # --- what is shown ----------------------------------------------------------------------------

    def show_grid(self, grid: Grid) -> None:
        """Replace the contents; the filter, the sort and the cursor stay where they were when they can."""
        if grid is self.grid:
            return
        if self.sort_column is not None and self.grid is not None and self.grid.columns != grid.columns:
            self.sort_column = None
        keep = self.cursor_key
        self.grid = grid
        self._refill(columns=True, keep=keep)

    def set_query(self, query: str) -> None:
        """Show only rows whose codes or names contain `query` (case-insensitive)."""
        if query != self.filter_text:
            self.filter_text = query
            self._refill()

    def sort_by(self, column: int | None, reverse: bool | None = None) -> None:
        """Sort rows by a column (None: the grid's own order); without `reverse`, a second call flips it."""
        if reverse is None:
            reverse = not self.sort_reverse if column == self.sort_column and column is not None else False
        keep = self.cursor_key
        self.sort_column, self.sort_reverse = column, reverse
        self._refill(columns=True, keep=keep)

    @property
    def cursor_key(self) -> str | None:
        """The key of the row under the cursor (its grid index as text when the grid has no keys)."""
        index = self.grid_row
        if index is None or self.grid is None:
            return None
        return self.grid.row_key(index)

    @property
    def grid_row(self) -> int | None:
        """The grid row under the cursor, or None."""
        row = self.cursor_row
        return self.shown_order[row] if 0 <= row < len(self.shown_order) else None

    def shown_rows(self) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Column labels and the raw values of the rows as shown (filtered and sorted), for export."""
        if self.grid is None:
            return [], []
        return list(self.grid.columns), [self.grid.values[i] for i in self.shown_order]

    # --- filling ----------------------------------------------------------------------------------

    def _refill(self, columns: bool = False, keep: str | None = None) -> None:
        grid = self.grid
        if grid is None:
            return
        keep = keep if columns else self.cursor_key
        row, column = self.cursor_coordinate
        self._generation += 1
        self.shown_order = order(grid, self.filter_text, self.sort_column, self.sort_reverse)
        self.clear(columns=columns)
        if columns:
            for j, (label, width) in enumerate(zip(grid.columns, grid.widths or [], strict=True)):
                arrow = (DOWN if self.sort_reverse else UP) if j == self.sort_column else ""
                self.add_column(Text(label + arrow), key=str(j), width=max(width, len(label + arrow)))
        if keep is not None:
            index = grid.keys.index(keep) if grid.keys and keep in grid.keys else None
            if index is None and not grid.keys and keep.isdigit():
                index = int(keep)
            if index is not None and index in self.shown_order:
                row = self.shown_order.index(index)
        self._add_chunk(0, self._generation, (row, column))

    def _add_chunk(self, start: int, generation: int, cursor: tuple[int, int]) -> None:
        grid = self.grid
        if generation != self._generation or grid is None:  # a newer fill replaced this one
            return
        end = start + CHUNK
        for i in self.shown_order[start:end]:
            cells = [
                Text(c, justify="right") if right and isinstance(c, str) else c
                for c, right in zip(grid.rows[i], grid.numeric, strict=True)
            ]
            self.add_row(*cells, key=grid.keys[i] if grid.keys else str(i))
        row, column = cursor
        here = start <= row < end or (end >= len(self.shown_order) and row >= len(self.shown_order))
        if here and self.row_count:
            self.move_cursor(row=min(row, self.row_count - 1), column=min(column, len(self.columns) - 1))
        if end < len(self.shown_order):
            self.set_timer(0.01, lambda: self._add_chunk(end, generation, cursor))

    @property
    def filling(self) -> bool:
        """True while rows are still being added."""
        return self.row_count < len(self.shown_order)

    # --- keys and clicks --------------------------------------------------------------------------

    @on(DataTable.HeaderSelected)
    def _header(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        self.sort_by(event.column_index)

    def action_sort_here(self) -> None:
        """Sort by the cursor's column; in a row table, by the next column."""
        if self.grid is None or not self.grid.columns:
            return
        if self.cursor_type == "cell":
            self.sort_by(self.cursor_column)
        elif self.sort_column is not None and not self.sort_reverse:
            self.sort_by(self.sort_column, reverse=True)
        else:
            after = -1 if self.sort_column is None else self.sort_column
            self.sort_by((after + 1) % len(self.grid.columns), reverse=False)
