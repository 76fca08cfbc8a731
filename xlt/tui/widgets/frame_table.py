"""Any parquet table as a DataTable: whatever columns the file has, numbers right-aligned."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from xlt.tui.data import NamedTable, fit_widths


class FrameTable(DataTable):
    """Shows a NamedTable whose rows a worker already turned into text."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.shown: NamedTable | None = None

    def show(self, table: NamedTable) -> None:
        """Replace the contents (a no-op when the same table object is shown again)."""
        if table is self.shown:
            return
        self.shown = table
        self.clear(columns=True)
        for label, width in zip(table.columns, fit_widths(table.columns, table.rows), strict=True):
            self.add_column(label, width=width)
        self.add_rows(
            [
                [
                    Text(cell, justify="right") if right else cell
                    for cell, right in zip(row, table.numeric, strict=True)
                ]
                for row in table.rows
            ]
        )
