"""A table as the TUI's tables take it: display cells built off the UI thread, raw values to sort and
export, and per row the text that ``/`` matches (codes and names)."""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.cells import cell_len


@dataclass
class Grid:
    """Column labels, display rows (str or rich Text), raw rows, right-alignment, search text per row."""

    columns: list[str]
    rows: list[tuple[Any, ...]]
    values: list[tuple[Any, ...]]
    numeric: list[bool]
    search: list[str] = field(default_factory=list)
    keys: list[str] | None = None  # row keys (run ids, languages); None: rows are numbered
    widths: list[int] | None = None  # None: fit_widths of labels and cells

    def __post_init__(self) -> None:
        if not self.search:
            self.search = [
                " ".join(str(v) for v in row if isinstance(v, str)).casefold() for row in self.values
            ]
        if self.widths is None:
            self.widths = fit_widths(self.columns, self.rows)

    def row_key(self, index: int) -> str:
        """The key of row `index`: what keeps a cursor on its row across sorts, filters and reloads."""
        return self.keys[index] if self.keys else str(index)


def fit_widths(labels: Sequence[str], rows: Sequence[Sequence[Any]], cap: int = 40) -> list[int]:
    """Column widths that fit every label and cell (rich Text or str), at most `cap` cells.

    The tables set explicit widths: DataTable's own auto-width is measured on idle, after a first render
    that it caches, so a table filled from a worker message keeps its header-wide columns (Textual 8.2).
    """
    widths = [cell_len(label) for label in labels]
    for row in rows:
        for j, cell in enumerate(row):
            n = cell.cell_len if hasattr(cell, "cell_len") else cell_len(str(cell))
            if n > widths[j]:
                widths[j] = n
    return [min(width, cap) for width in widths]


def sort_key(value: Any) -> tuple[int, Any]:
    """Numbers by value, text case-insensitively (ISO codes and names interleave as people expect);
    missing values and NaN last, whichever the direction (callers keep them apart)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return (2, 0)
    if isinstance(value, bool | int | float):
        return (0, value)
    return (1, str(value).casefold())


def order(grid: Grid, query: str, column: int | None, reverse: bool) -> list[int]:
    """Indices of the rows that match `query` (case-insensitive substring), sorted by `column`."""
    needle = query.strip().casefold()
    indices = (
        [i for i, text in enumerate(grid.search) if needle in text] if needle else list(range(len(grid.rows)))
    )
    if column is None:
        return indices
    present = [i for i in indices if sort_key(grid.values[i][column])[0] < 2]
    missing = [i for i in indices if sort_key(grid.values[i][column])[0] == 2]
    present.sort(key=lambda i: sort_key(grid.values[i][column]), reverse=reverse)
    return present + missing


def write_csv(path: Path, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> Path:
    """Raw values as CSV (lists joined with ';'); the directory is created."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([";".join(map(str, v)) if isinstance(v, list | tuple) else v for v in row])
    return path
