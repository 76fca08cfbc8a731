"""A table that draws only the cells on screen: the overview's 200 × 50 heatmap, sorted and filtered
without rebuilding anything.

DataTable renders every column of a line through rich's console before it crops it: ~50 cells a line,
a second or more per repaint of a 200 × 50 matrix on a busy 2-core machine (profiled 2026-12-02). Here a
line is the fixed columns plus the few scrolled into view, each one Segment; sorting or filtering only
reorders a list of row indices (:func:`xlt.tui.data.grid.order`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from xlt.tui.data.grid import Grid, order

PAD = 1  # blank cells on each side of a column, as DataTable draws them
UP, DOWN = " ▲", " ▼"
HEADER = Style(bold=True, color="bright_white", bgcolor="grey23")
CURSOR = Style(bold=True, color="black", bgcolor="bright_yellow")
CURSOR_ROW = Style(bold=True)


def _cell(value: Any) -> tuple[str, Style | None]:
    if isinstance(value, Text):
        style = value.style
        return value.plain, (Style.parse(style) if isinstance(style, str) and style else style or None)
    return ("" if value is None else str(value)), None


class VirtualGrid(ScrollView, can_focus=True):
    """A Grid with a cell cursor, a fixed header line and `fixed_columns` fixed columns on the left."""

    DEFAULT_CSS = """
    VirtualGrid {
        height: 1fr;
        background: $surface;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(-1, 0)", "Up", show=False),
        Binding("down", "move(1, 0)", "Down", show=False),
        Binding("left", "move(0, -1)", "Left", show=False),
        Binding("right", "move(0, 1)", "Right", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "edge(-1)", "First row", show=False),
        Binding("end", "edge(1)", "Last row", show=False),
        Binding("enter", "select", "Select", show=False, tooltip="Select the cell under the cursor"),
        Binding("s", "sort_here", "Sort", show=False, tooltip="Sort by the cursor's column; again: reverse"),
    ]

    @dataclass
    class CellSelected(Message):
        """Enter (or a click on the cursor's cell): the grid row and column under the cursor."""

        grid: VirtualGrid
        row: int
        column: int

        @property
        def control(self) -> VirtualGrid:
            """The grid, so that `@on(VirtualGrid.CellSelected, "#id")` can match it."""
            return self.grid

    def __init__(self, *, id: str | None = None, fixed_columns: int = 1) -> None:
        super().__init__(id=id)
        self.grid: Grid | None = None
        self.fixed_columns = fixed_columns
        self.filter_text = ""
        self.sort_column: int | None = None
        self.sort_reverse = False
        self.shown_order: list[int] = []
        self.cursor_row = 0
        self.cursor_column = 0
        self._x: list[int] = []  # left edge of each column, in cells

    # --- the same surface as GridTable ----------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self.shown_order)

    @property
    def grid_row(self) -> int | None:
        row = self.cursor_row
        return self.shown_order[row] if 0 <= row < len(self.shown_order) else None

    @property
    def cursor_key(self) -> str | None:
        index = self.grid_row
        if index is None or self.grid is None:
            return None
        return self.grid.row_key(index)

    def get_cell_at(self, coordinate: tuple[int, int]) -> Any:
        row, column = coordinate
        assert self.grid is not None
        return self.grid.rows[self.shown_order[row]][column]

    def shown_rows(self) -> tuple[list[str], list[tuple[Any, ...]]]:
        if self.grid is None:
            return [], []
        return list(self.grid.columns), [self.grid.values[i] for i in self.shown_order]

    def show_grid(self, grid: Grid) -> None:
        """Replace the contents; filter, sort and the cursor's row (by key) stay."""
        if grid is self.grid:
            return
        keep = self.cursor_key
        if self.sort_column is not None and self.grid is not None and self.grid.columns != grid.columns:
            self.sort_column = None
        self.grid = grid
        widths = grid.widths or []
        self._x = [sum(w + 2 * PAD for w in widths[:j]) for j in range(len(widths) + 1)]
        self._reorder(keep)

    def set_query(self, query: str) -> None:
        if query != self.filter_text:
            self.filter_text = query
            self._reorder(self.cursor_key)

    def sort_by(self, column: int | None, reverse: bool | None = None) -> None:
        if reverse is None:
            reverse = not self.sort_reverse if column == self.sort_column and column is not None else False
        self.sort_column, self.sort_reverse = column, reverse
        self._reorder(self.cursor_key)

    def move_cursor(self, row: int | None = None, column: int | None = None) -> None:
        columns = len(self.grid.columns) if self.grid else 0
        if row is not None:
            self.cursor_row = max(0, min(row, self.row_count - 1))
        if column is not None:
            self.cursor_column = max(0, min(column, columns - 1))
        self._scroll_to_cursor()
        self.refresh()

    # --- internals --------------------------------------------------------------------------------

    def _reorder(self, keep: str | None) -> None:
        grid = self.grid
        if grid is None:
            return
        self.shown_order = order(grid, self.filter_text, self.sort_column, self.sort_reverse)
        row = self.cursor_row
        if keep is not None:
            index = grid.keys.index(keep) if grid.keys and keep in grid.keys else None
            if index is None and not grid.keys and keep.isdigit():
                index = int(keep)
            if index is not None and index in self.shown_order:
                row = self.shown_order.index(index)
        self.virtual_size = Size(self._x[-1] if self._x else 0, self.row_count + 1)
        self.move_cursor(row=row, column=self.cursor_column)

    @property
    def _fixed_width(self) -> int:
        return self._x[min(self.fixed_columns, len(self._x) - 1)] if self._x else 0

    def _scroll_to_cursor(self) -> None:
        if not self._x:
            return
        height = max(1, self.scrollable_content_region.height - 1)  # the header line is not scrolled
        y = self.scroll_y
        if self.cursor_row < y:
            y = self.cursor_row
        elif self.cursor_row >= y + height:
            y = self.cursor_row - height + 1
        x = self.scroll_x
        if self.cursor_column >= self.fixed_columns:
            view = max(1, self.scrollable_content_region.width - self._fixed_width)
            left = self._x[self.cursor_column] - self._fixed_width
            right = self._x[self.cursor_column + 1] - self._fixed_width
            if left < x:
                x = left
            elif right > x + view:
                x = right - view
        self.scroll_to(x=x, y=y, animate=False, immediate=True)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if self.grid is None or not self._x:
            return Strip.blank(width)
        if y == 0:
            return self._line(None, width)
        row = int(self.scroll_y) + y - 1
        return self._line(row, width) if row < self.row_count else Strip.blank(width)

    def _segments(self, row: int | None, columns: range) -> list[Segment]:
        grid = self.grid
        assert grid is not None and grid.widths is not None
        segments = []
        values = grid.rows[self.shown_order[row]] if row is not None else None
        for j in columns:
            width = grid.widths[j]
            if values is None:
                arrow = (DOWN if self.sort_reverse else UP) if j == self.sort_column else ""
                text, style = (grid.columns[j] + arrow)[: width + PAD], HEADER
            else:
                text, cell_style = _cell(values[j])
                style = cell_style or Style()
                if row == self.cursor_row:
                    style = CURSOR if j == self.cursor_column else style + CURSOR_ROW
            text = text[:width]
            text = text.rjust(width) if grid.numeric[j] and values is not None else text.ljust(width)
            segments.append(Segment(" " * PAD + text + " " * PAD, style))
        return segments

    def _line(self, row: int | None, width: int) -> Strip:
        assert self.grid is not None
        fixed = min(self.fixed_columns, len(self.grid.columns))
        left = Strip(self._segments(row, range(fixed)))
        scroll_x = int(self.scroll_x)
        base = self._fixed_width
        visible = [
            j for j in range(fixed, len(self.grid.columns))
            if self._x[j + 1] - base > scroll_x and self._x[j] - base < scroll_x + width - base
        ]  # fmt: skip
        if not visible:
            return Strip.join([left, Strip.blank(max(0, width - left.cell_length))]).crop(0, width)
        start = self._x[visible[0]] - base
        right = Strip(self._segments(row, range(visible[0], visible[-1] + 1))).crop(
            scroll_x - start, scroll_x - start + width - left.cell_length
        )
        line = Strip.join([left, right])
        fill = HEADER if row is None else None
        return (
            line.extend_cell_length(width, fill).crop(0, width)
            if line.cell_length < width
            else line.crop(0, width)
        )

    # --- keys and mouse -----------------------------------------------------------------------------

    def action_move(self, rows: int, columns: int) -> None:
        self.move_cursor(row=self.cursor_row + rows, column=self.cursor_column + columns)

    def action_page(self, direction: int) -> None:
        height = max(1, self.scrollable_content_region.height - 1)
        self.move_cursor(row=self.cursor_row + direction * height)

    def action_edge(self, direction: int) -> None:
        self.move_cursor(row=0 if direction < 0 else self.row_count - 1)

    def action_select(self) -> None:
        if (row := self.grid_row) is not None:
            self.post_message(self.CellSelected(self, row, self.cursor_column))

    def action_sort_here(self) -> None:
        if self.grid is not None and self.grid.columns:
            self.sort_by(self.cursor_column)

    def _column_at(self, x: int) -> int | None:
        if not self._x:
            return None
        base = self._fixed_width
        content_x = x if x < base else x + int(self.scroll_x)
        return next((j for j in range(len(self._x) - 1) if self._x[j] <= content_x < self._x[j + 1]), None)

    def on_click(self, event: events.Click) -> None:
        column = self._column_at(event.x)
        if column is None:
            return
        if event.y == 0:
            self.sort_by(column)
            return
        row = int(self.scroll_y) + event.y - 1
        if row >= self.row_count:
            return
        if (row, column) == (self.cursor_row, self.cursor_column):
            self.action_select()
        self.move_cursor(row=row, column=column)
