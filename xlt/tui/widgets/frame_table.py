"""Any parquet table as a VirtualGrid: whatever columns the file has, formatted per column, numbers right.

A VirtualGrid, not a DataTable: a 10,000-row transfer table is there at once, and sorting or filtering
it only reorders row indices (see :mod:`xlt.tui.widgets.virtual_grid`).
"""

from __future__ import annotations

from xlt.tui.data.tables import NamedTable
from xlt.tui.widgets.virtual_grid import VirtualGrid


class FrameTable(VirtualGrid):
    """Shows a NamedTable whose Grid a worker already built; the first column stays in view."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, fixed_columns=1)
        self.shown: NamedTable | None = None

    def show(self, table: NamedTable) -> None:
        """Replace the contents (a no-op when the same table object is shown again)."""
        if table is self.shown:
            return
        if self.shown is not None and self.shown.path != table.path:
            self.filter_text, self.sort_column = "", None  # another table: its own filter and order
        self.shown = table
        self.show_grid(table.grid)
