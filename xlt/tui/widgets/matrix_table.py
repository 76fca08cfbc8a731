"""The checkpoint × LR-language table, coloured like a heatmap, with each language's best cell marked and
the baselines (random init, unigram) under the checkpoints."""

from __future__ import annotations

import math
from collections import Counter

from rich.style import Style
from rich.text import Text

from xlt.tui.data.grid import Grid
from xlt.tui.data.heat import MISSING, shade
from xlt.tui.data.matrix import Matrix
from xlt.tui.widgets.virtual_grid import VirtualGrid

BEST_MARK = "*"


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
    """Perplexity as the CLI writes it (no decimals from 100 up), gain as a signed percentage."""
    if mode == "gain":
        return f"{value:+.1f}%"
    if value >= 1000:
        return f"{value:,.0f}"
    return f"{value:.4g}" if value < 100 else f"{value:.0f}"


def _label(checkpoint: str, kind: str) -> Text:
    style = {"zero-shot": "bold", "baseline": "italic dim"}.get(kind, "")
    return Text(checkpoint, style=style)


def matrix_grid(matrix: Matrix) -> Grid:
    """The matrix as a Grid of rich Text (checkpoint label first); built in a worker."""
    columns = [scores(matrix, j) for j in range(len(matrix.langs))]
    kinds = matrix.kinds or ["checkpoint"] * len(matrix.checkpoints)
    rows = []
    for i, (checkpoint, values) in enumerate(zip(matrix.checkpoints, matrix.values, strict=True)):
        row = [_label(checkpoint, kinds[i])]
        for j, value in enumerate(values):
            if value is None or not math.isfinite(value):
                row.append(Text(MISSING + " ", style="dim", justify="right"))
                continue
            best = matrix.best[j] == i
            style = shade(columns[j][i] or 0.0) if kinds[i] != "baseline" else Style(italic=True)
            if best:
                style += Style(bold=True, underline=True)
            row.append(
                Text(fmt(value, matrix.mode) + (BEST_MARK if best else " "), style=style, justify="right")
            )
        rows.append(tuple(row))
    cells = [(c, *v) for c, v in zip(matrix.checkpoints, matrix.values, strict=True)]
    search = [c.casefold() for c in matrix.checkpoints]
    # Rows are keyed by their label so that the cursor stays on its checkpoint across mode switches.
    counts = Counter(matrix.checkpoints)
    keys = [c if counts[c] == 1 else f"{c}#{i}" for i, c in enumerate(matrix.checkpoints)]
    return Grid(
        ["checkpoint", *matrix.langs], rows, cells, [False, *[True] * len(matrix.langs)], search, keys
    )


class MatrixTable(VirtualGrid):
    """A virtual table: thousands of checkpoints and 50 languages cost only the cells on screen."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, fixed_columns=1)
        self.shown: tuple[str, list[str], int] | None = None

    def show(self, matrix: Matrix, grid: Grid) -> None:
        """Replace columns and rows, keeping the cursor where it was when the shape allows."""
        self.shown = (matrix.mode, matrix.langs, len(grid.rows))
        self.show_grid(grid)
