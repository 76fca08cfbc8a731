"""Heatmaps that print: ln(ppl / zero-shot) on a diverging scale centred at 0 with robust limits.

A published matrix mixes perplexities near 5 with diverged runs near 99,000: on a linear gain scale the
outliers take the whole colour range and every other cell prints white. The log ratio is symmetric
(twice and half as high are ±0.69) and the colour limits are the 2nd and 98th percentiles made symmetric
around 0, so 0 (= zero-shot) is the white midpoint; cells beyond the limits keep the end colour and get
a white dot, missing cells are hatched. Rows and columns follow the donor / recipient rank, a hierarchical
clustering (average linkage on the clipped log ratios), or the names.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from xlt.analysis.plots import label, pyplot, save

ROBUST = (2.0, 98.0)  # percentiles that set the colour limits
MAX_ANNOTATED = (40, 30)  # (rows, columns) up to which each cell also shows its number


@dataclass
class Grid:
    """A rows × columns matrix of values (NaN = missing) and its keys."""

    values: np.ndarray
    rows: list[str]
    cols: list[str]

    def take(self, rows: Sequence[str], cols: Sequence[str]) -> Grid:
        r = {k: i for i, k in enumerate(self.rows)}
        c = {k: j for j, k in enumerate(self.cols)}
        rows = [k for k in rows if k in r]
        cols = [k for k in cols if k in c]
        return Grid(self.values[np.ix_([r[k] for k in rows], [c[k] for k in cols])], rows, cols)


def grid(frame: pl.DataFrame, value: str, rows: str = "hr_lang", cols: str = "lr_lang") -> Grid:
    """The long table's `value` as a grid, keys sorted."""
    row_keys = sorted(frame[rows].drop_nulls().unique().to_list())
    col_keys = sorted(frame[cols].drop_nulls().unique().to_list())
    values = np.full((len(row_keys), len(col_keys)), np.nan)
    r_index = {k: i for i, k in enumerate(row_keys)}
    c_index = {k: i for i, k in enumerate(col_keys)}
    for r, c, v in frame.select(rows, cols, pl.col(value).cast(pl.Float64)).iter_rows():
        if r is not None and c is not None and v is not None and np.isfinite(v):
            values[r_index[r], c_index[c]] = v
    return Grid(values, row_keys, col_keys)


def robust_bound(values: np.ndarray) -> float:
    """Half-width of the symmetric colour range: the larger of |2nd| and |98th| percentile."""
    finite = values[np.isfinite(values)]
    if not finite.size:
        return 1.0
    lo, hi = _percentiles(finite)
    return float(max(abs(lo), abs(hi))) or 1.0


def _percentiles(finite: np.ndarray) -> tuple[float, float]:
    """The 2nd and 98th percentile, rounded inwards to data values: with 20 cells, interpolation would
    put the 98th percentile most of the way to a single outlier and stretch the scale over it."""
    lo = float(np.percentile(finite, ROBUST[0], method="higher"))
    hi = float(np.percentile(finite, ROBUST[1], method="lower"))
    return lo, hi


def _leaves(values: np.ndarray) -> np.ndarray:
    """Order of the rows by average-linkage clustering (missing cells filled with the column mean)."""
    if values.shape[0] < 3:
        return np.arange(values.shape[0])
    from scipy.cluster.hierarchy import leaves_list, linkage

    col_mean = np.nanmean(np.where(np.isfinite(values), values, np.nan), axis=0)
    filled = np.where(np.isfinite(values), values, np.nan_to_num(col_mean)[None, :])
    return leaves_list(linkage(filled, method="average", metric="euclidean"))


def ordered(g: Grid, how: str, row_rank: Sequence[str] = (), col_rank: Sequence[str] = ()) -> Grid:
    """`g` with rows and columns by rank (given orders, the rest after), clustering, or name."""
    if how == "cluster":
        bound = robust_bound(g.values)
        clipped = np.clip(g.values, -bound, bound)
        row_order, col_order = _leaves(clipped), _leaves(clipped.T)
        return Grid(
            g.values[np.ix_(row_order, col_order)],
            [g.rows[i] for i in row_order],
            [g.cols[j] for j in col_order],
        )
    if how == "rank":
        rows = [k for k in row_rank if k in set(g.rows)] + [k for k in g.rows if k not in set(row_rank)]
        cols = [k for k in col_rank if k in set(g.cols)] + [k for k in g.cols if k not in set(col_rank)]
        return g.take(rows, cols)
    return g.take(sorted(g.rows, key=label), sorted(g.cols, key=label))


def _font(n: int) -> float:
    """Tick label size (points) that fits n labels at the cell size `_cell` gives."""
    return 7.0 if n <= 40 else 6.0 if n <= 80 else 5.0


def _cell(n: int, annotated: bool) -> float:
    """Inches per row or column: room for a two-decimal number when cells are annotated, else a tick
    label's height plus a little air."""
    return 0.42 if annotated else max(0.16, _font(n) * 1.6 / 72)


def _wrap(lines: list[str], inches: float, points: float) -> str:
    """Lines wrapped to a width in inches at a font size (an average glyph is about 0.55 em wide)."""
    import textwrap

    width = max(30, int(inches * 72 / (points * 0.55)))
    return "\n".join(textwrap.fill(line, width) for line in lines)


def draw(
    g: Grid,
    path: Path,
    title: str,
    colour_label: str,
    diverging: bool = True,
    note: str | None = None,
    fmt: str = "png",
    axes: tuple[str, str] = ("high-resource (pretraining) language", "low-resource (evaluated) language"),
) -> Path:
    """Draw the grid (module docstring); `note` is written under the title (e.g. an empty finding)."""
    plt = pyplot()
    from matplotlib.colors import Normalize
    from matplotlib.patches import Rectangle

    n_rows, n_cols = g.values.shape
    rows_font, cols_font = _font(n_rows), _font(n_cols)
    annotated = n_rows <= MAX_ANNOTATED[0] and n_cols <= MAX_ANNOTATED[1]
    width = max(5.5, 3.4 + _cell(n_cols, annotated) * n_cols)
    height = max(3.6, 2.6 + _cell(n_rows, annotated) * n_rows)
    fig, ax = plt.subplots(figsize=(width, height))
    # missing cells: transparent over the hatched background
    cmap = plt.get_cmap("RdBu_r" if diverging else "viridis").with_extremes(bad=(0, 0, 0, 0))
    finite = g.values[np.isfinite(g.values)]
    if diverging:
        bound = robust_bound(g.values)
        norm = Normalize(-bound, bound)
    else:  # shares (overlap) are bounded already: the full range, nothing clipped
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        norm = Normalize(lo, hi if hi > lo else lo + 1e-9)
    ax.add_patch(Rectangle((-0.5, -0.5), n_cols, n_rows, hatch="////", fill=False, edgecolor="0.65",
                           linewidth=0, zorder=0))  # fmt: skip
    image = ax.imshow(np.ma.masked_invalid(g.values), cmap=cmap, norm=norm, aspect="auto",
                      interpolation="nearest", zorder=1)  # fmt: skip
    low, high = g.values < norm.vmin, g.values > norm.vmax
    clipped = np.argwhere(np.nan_to_num(low | high, nan=False))
    if clipped.size:
        shift = 0.32 if annotated else 0.0  # a corner of the cell, clear of its number
        size = max(3.0, 10 - n_rows / 25)
        ax.scatter(clipped[:, 1] + shift, clipped[:, 0] - shift, s=size, c="white", linewidths=0, zorder=2)
    extend = {(True, True): "both", (True, False): "min", (False, True): "max"}.get(
        (bool(low.any()), bool(high.any())), "neither"
    )
    bar = fig.colorbar(image, ax=ax, extend=extend, shrink=min(0.8, 6 / height + 0.2), pad=0.02)
    bar.set_label(colour_label, fontsize=8)
    ax.set_xticks(range(n_cols), [label(k) for k in g.cols], rotation=60, ha="right", fontsize=cols_font)
    ax.set_yticks(range(n_rows), [label(k) for k in g.rows], fontsize=rows_font)
    ax.set_xlabel(axes[1], fontsize=9)
    ax.set_ylabel(axes[0], fontsize=9)
    legend = "hatched: missing"
    if diverging:
        legend = "white dots: beyond the colour range (2nd–98th percentile, made symmetric); " + legend
    lines = [title, *([note] if note else []), legend]
    ax.set_title(_wrap(lines, width - 1.5, 8.5), fontsize=8.5)
    if annotated:
        for (i, j), v in np.ndenumerate(g.values):
            if np.isfinite(v):
                dark = abs(norm(v) - 0.5) > 0.3 if diverging else norm(v) < 0.5
                ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=6,
                        color="white" if dark else "black")  # fmt: skip
    return save(fig, path, fmt)
