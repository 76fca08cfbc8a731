"""The checkpoint × LR-language table, coloured like a heatmap, with each language's best cell marked."""

from __future__ import annotations

import math

from rich.color import Color, blend_rgb
from rich.color_triplet import ColorTriplet
from rich.style import Style
from rich.text import Text
from textual.widgets import DataTable

from xlt.tui.data import Matrix, fit_widths

GOOD = ColorTriplet(0, 120, 60)
NEUTRAL = ColorTriplet(48, 48, 48)
BAD = ColorTriplet(150, 30, 30)
BEST_MARK = "*"


def shade(t: float) -> Style:
    """Background for a score in [-1, 1]: -1 best (green), 0 neutral, 1 worst (red)."""
    t = max(-1.0, min(1.0, t))
    target = GOOD if t < 0 else BAD
    return Style(color="white", bgcolor=Color.from_triplet(blend_rgb(NEUTRAL, target, abs(t))))


def scores(matrix: Matrix, column: int) -> list[float | None]:
    """Each value of a column as a score in [-1, 1] (negative is good), scaled within that column.

    Perplexity: log-scaled between the column's best and worst (languages differ by orders of
    magnitude, so each is scaled on its own). Gain: its sign decides green or red, its size relative
    to the column's largest absolute gain the intensity.
    """
    values = [row[column] for row in matrix.values]
    finite = [v for v in values if v is not None and math.isfinite(v)]
    if not finite:
        return [None] * len(values)
    if matrix.mode == "gain":
        top = max(abs(v) for v in finite) or 1.0
        return [None if v is None or not math.isfinite(v) else -v / top for v in values]
    logs = [math.log(max(v, 1e-12)) for v in finite]
    low, high = min(logs), max(logs)
    span = (high - low) or 1.0
    return [
        None if v is None or not math.isfinite(v) else 2 * (math.log(max(v, 1e-12)) - low) / span - 1
        for v in values
    ]


def fmt(value: float, mode: str) -> str:
    """Perplexity with 4 significant digits, gain as a signed percentage."""
    if mode == "gain":
        return f"{value:+.1f}%"
    if value >= 1000:
        return f"{value:,.0f}"
    return f"{value:.4g}"


def render_cells(matrix: Matrix) -> list[list[Text]]:
    """Rows of rich Text (checkpoint label first); built in a worker, shown by MatrixTable."""
    columns = [scores(matrix, j) for j in range(len(matrix.langs))]
    rows = []
    for i, (checkpoint, values) in enumerate(zip(matrix.checkpoints, matrix.values, strict=True)):
        row = [Text(checkpoint, style="bold" if checkpoint == "base" else "")]
        for j, value in enumerate(values):
            if value is None or not math.isfinite(value):
                row.append(Text("·", style="dim", justify="right"))
                continue
            best = matrix.best[j] == i
            style = shade(columns[j][i] or 0.0)
            if best:
                style += Style(bold=True, underline=True)
            label = fmt(value, matrix.mode) + (BEST_MARK if best else " ")
            row.append(Text(label, style=style, justify="right"))
        rows.append(row)
    return rows


# Rows added per UI-thread turn: DataTable measures every new row when idle (~0.15 ms a row on a busy
# 2-core machine), so 2,000 rows at once would stall input for a third of a second.
CHUNK = 250


class MatrixTable(DataTable):
    """A virtualised DataTable: thousands of checkpoints cost only the rows on screen to draw."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, fixed_columns=1, cursor_type="cell", zebra_stripes=False)
        self.shown: tuple[str, list[str], int] | None = None
        self._generation = 0

    def show(self, matrix: Matrix, cells: list[list[Text]]) -> None:
        """Replace columns and rows, keeping the cursor where it was when the shape allows.

        The first rows appear at once; the rest follow in chunks between idle turns, so keys and
        redraws are served while a huge matrix fills in.
        """
        row, column = self.cursor_coordinate
        self._generation += 1
        self.clear(columns=True)
        labels = ["checkpoint", *matrix.langs]
        for label, width in zip(labels, fit_widths(labels, cells), strict=True):
            self.add_column(label, key=label, width=width)
        self.shown = (matrix.mode, matrix.langs, len(cells))
        self._add_chunk(cells, 0, self._generation, (row, min(column, len(matrix.langs))))

    def _add_chunk(
        self, cells: list[list[Text]], start: int, generation: int, cursor: tuple[int, int]
    ) -> None:
        if generation != self._generation:  # a newer matrix replaced this one
            return
        end = start + CHUNK
        self.add_rows(cells[start:end])
        row, column = cursor
        if start <= row < end or (end >= len(cells) and row >= len(cells)):
            self.move_cursor(row=min(row, self.row_count - 1), column=column)
        if end < len(cells):
            self.set_timer(0.01, lambda: self._add_chunk(cells, end, generation, cursor))
