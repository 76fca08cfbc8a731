"""Any parquet table as a GridTable: whatever columns the file has, formatted per column, numbers right."""

from __future__ import annotations

from xlt.tui.data.tables import NamedTable
from xlt.tui.widgets.grid_table import GridTable


class FrameTable(GridTable):
    """Shows a NamedTable whose Grid a worker already built."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row")
        self.shown: NamedTable | None = None

    def show(self, table: NamedTable) -> None:
        """Replace the contents (a no-op when the same table object is shown again)."""
        if table is self.shown:
            return
        if self.shown is not None and self.shown.path != table.path:
            self.filter_text, self.sort_column = "", None  # another table: its own filter and order
        self.shown = table
        self.show_grid(table.grid)
