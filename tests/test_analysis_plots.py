"""The heatmap's pieces: robust symmetric limits, orders (rank, cluster, name), missing and clipped cells."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from xlt.analysis import heatmap as hm


def test_robust_bound_ignores_a_few_outliers() -> None:
    """98 cells within ±1 and two diverged runs at ln(99,000/5) ≈ 9.9: the limit stays near 1."""
    values = np.concatenate([np.linspace(-1, 1, 98), [9.9, 9.8]])
    assert hm.robust_bound(values) == pytest.approx(1.0, abs=0.05)
    small = np.array([0.1, 0.2, -0.3, 0.25, 8.5, 0.4, 0.05, 0.15, 0.3, 0.2])  # 10 cells, one outlier
    assert hm.robust_bound(small) == pytest.approx(0.4)
    assert hm.robust_bound(np.array([np.nan])) == 1.0


def test_grid_keeps_missing_cells_as_nan() -> None:
    frame = pl.DataFrame({"hr_lang": ["a", "a", "b"], "lr_lang": ["x", "y", "x"], "v": [1.0, None, 3.0]})
    g = hm.grid(frame, "v")
    assert g.rows == ["a", "b"] and g.cols == ["x", "y"]
    assert np.isnan(g.values[0, 1]) and np.isnan(g.values[1, 1]) and g.values[1, 0] == 3.0


def test_orders() -> None:
    """rank: the given order first; cluster: rows alike end up adjacent; name: by display label."""
    rows = ["r0", "r1", "r2", "r3"]
    values = np.array([[0, 0, 5], [5, 5, 0], [0.1, 0, 5], [5, 5.1, 0]], dtype=float)
    g = hm.Grid(values, rows, ["c0", "c1", "c2"])
    ranked = hm.ordered(g, "rank", ["r3", "r1"], ["c2"])
    assert ranked.rows == ["r3", "r1", "r0", "r2"] and ranked.cols == ["c2", "c0", "c1"]
    assert ranked.values[0, 0] == 0 and ranked.values[0, 1] == 5
    clustered = hm.ordered(g, "cluster").rows
    pairs = {frozenset(clustered[i : i + 2]) for i in (0, 2)}
    assert pairs == {frozenset({"r0", "r2"}), frozenset({"r1", "r3"})}
    named = hm.Grid(np.zeros((2, 1)), ["spa", "eng"], ["nya"])
    assert hm.ordered(named, "name").rows == ["eng", "spa"]  # English before Spanish


@pytest.mark.parametrize("fmt", ["png", "pdf", "svg"])
def test_draw_marks_clipped_and_missing_cells(tmp_path: Path, fmt: str) -> None:
    """Every format is written; the SVG says what the dots and hatches mean and keeps the note."""
    rng = np.random.default_rng(0)
    values = rng.normal(0, 0.5, (6, 5))
    values[0, 0], values[1, 1] = 9.0, np.nan
    g = hm.Grid(values, [f"h{i}" for i in range(6)], [f"l{j}" for j in range(5)])
    path = hm.draw(g, tmp_path / "heat", "Title", "ln ratio", note="a note", fmt=fmt)
    assert path == tmp_path / f"heat.{fmt}" and path.stat().st_size > 1000
    if fmt == "svg":
        text = path.read_text(encoding="utf-8")
        assert "white dots: beyond the colour range" in text and "hatched: missing" in text
        assert "a note" in text
