"""The TUI at paper scale (issue 16): a generated 200 HR × 50 LR workspace, runs and imported.

Readers first (overview cells, significance marks, baselines, number formats, labels), then Pilot tests
at 200 × 50: filter, sort, open a pair, export, keys, plot. Latency is measured in benchmarks/bench_tui.py,
not here.
"""

from __future__ import annotations

import csv
import math
import time
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widgets import DataTable
from tui_scale import checkpoint_ppl, scale_codes, write_scale_workspace, zero_shot

from xlt.contracts import views
from xlt.contracts.perplexity import read_results
from xlt.tui.app import XltApp, make_app
from xlt.tui.data import TuiConfig, build_matrix, lang_label, load_baselines, matrix_subjects
from xlt.tui.data.formats import column_formatter, column_order, p_value
from xlt.tui.data.overview import load_overview, overview_grid, pair_curve
from xlt.tui.data.tables import table_grid
from xlt.tui.screens.help import HelpScreen
from xlt.tui.screens.pair import PairScreen
from xlt.tui.widgets.frame_table import FrameTable
from xlt.tui.widgets.virtual_grid import VirtualGrid
from xlt.workspace import Workspace, write_parquet

BIG = (200, 50)


@pytest.fixture(scope="module")
def scale_ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    return write_scale_workspace(tmp_path_factory.mktemp("scale") / "ws")


@pytest.fixture(scope="module")
def imported_ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    return write_scale_workspace(tmp_path_factory.mktemp("imported") / "ws", imported=True)


def strength(i: int, j: int) -> float:
    """The best checkpoint's perplexity over zero-shot, as tui_scale generates it."""
    return checkpoint_ppl(i, j, 2) / zero_shot(j)


# --- readers ----------------------------------------------------------------------------------------


def test_overview_cells_are_the_contract_gains(scale_ws: Workspace) -> None:
    """Each cell is log gain ln(z/p) at the best checkpoint (positive = better); mean = donor strength."""
    hr, lr = scale_codes()
    overview = load_overview(read_results(scale_ws.perplexity_path))
    assert overview.has_steps and overview.models == 1
    grid = overview_grid(overview, "log_gain", "best")
    assert grid.columns == ["donor", "mean", *sorted(lr)]
    assert len(grid.rows) == 200 and grid.keys is not None
    row = grid.keys.index(hr[3])
    column = grid.columns.index(lr[7])
    expected = -math.log(strength(3, 7))
    assert grid.values[row][column] == pytest.approx(expected)
    assert grid.rows[row][column].plain == f"{expected:+.2f} "  # one space where a mark would go
    means = [-sum(math.log(strength(3, j)) for j in range(50)) / 50]
    assert grid.values[row][1] == pytest.approx(means[0])
    final = overview_grid(overview, "rel_gain", "final")
    assert final.values[row][column] == pytest.approx(1 - checkpoint_ppl(3, 7, 3) / zero_shot(7))
    assert final.rows[row][column].plain.endswith("% ")


def test_imported_overview_has_no_steps(imported_ws: Workspace) -> None:
    """An imported matrix (null steps) gives the same cells; best and final are the one checkpoint."""
    overview = load_overview(read_results(imported_ws.perplexity_path))
    assert not overview.has_steps
    best = overview_grid(overview, "log_gain", "best")
    assert best.values == overview_grid(overview, "log_gain", "final").values
    hr, lr = scale_codes()
    curve = pair_curve(overview, load_baselines(imported_ws), hr[0], lr[0])
    assert curve.runs == {"published": [(0, pytest.approx(checkpoint_ppl(0, 0, 2)))]}
    assert not curve.has_steps


def test_significance_marks_keep_columns_aligned(scale_ws: Workspace) -> None:
    """Where the results carry `significant_best`, marked cells get `*`, others a space: same width."""
    overview = load_overview(read_results(scale_ws.perplexity_path))
    overview.table = overview.table.with_columns(
        significant_best=pl.col("log_gain_best") > 0.3, log_gain_lo_best=None, log_gain_hi_best=None
    )
    assert overview.significance("best") and not overview.significance("final")
    grid = overview_grid(overview, "log_gain", "best")
    cells = [cell for row in grid.rows for cell in row[2:]]
    assert {cell.plain[-1] for cell in cells} == {"*", " "}
    assert len({len(cell.plain) for cell in cells}) == 1
    for row, values in zip(grid.rows, grid.values, strict=True):
        for cell, value in zip(row[2:], values[2:], strict=True):
            assert cell.plain.endswith("*") == (value > 0.3)


def test_pair_curve_has_steps_zero_shot_and_baselines(scale_ws: Workspace) -> None:
    """The forgetting curve of a pair: three checkpoints, zero-shot and both baselines as references."""
    hr, lr = scale_codes()
    overview = load_overview(read_results(scale_ws.perplexity_path))
    curve = pair_curve(overview, load_baselines(scale_ws), hr[5], lr[2])
    points = curve.runs[f"{hr[5]}-s0"]
    assert [s for s, _ in points] == [100, 200, 300]
    assert points[1][1] == pytest.approx(checkpoint_ppl(5, 2, 2))
    assert curve.zero_shot == pytest.approx(zero_shot(2))
    assert curve.baselines == [
        ("random init", 14000.0),
        (f"unigram {hr[0]}", pytest.approx(1.2 * zero_shot(2))),
    ]
    facts = dict(curve.facts)
    assert facts["best step"] == "200" and facts["final step"] == "300"
    assert facts["rel gain best"] == f"{100 * (1 - strength(5, 2)):+.1f}%"


def test_run_matrix_shows_baselines_under_checkpoints(scale_ws: Workspace) -> None:
    """The per-run matrix ends with random init and unigram rows; in gain mode they are gains too."""
    frame = read_results(scale_ws.perplexity_path)
    subject = matrix_subjects(frame)[0]
    baselines = load_baselines(scale_ws)
    ppl = build_matrix(frame, subject, "perplexity", baselines)
    hr, lr = scale_codes()
    assert ppl.checkpoints[0] == "base" and ppl.checkpoints[-2:] == ["random init", f"unigram {hr[0]}"]
    assert ppl.kinds[-2:] == ["baseline", "baseline"] and ppl.values[-2][0] == 14000.0
    assert all(best is not None and best < len(ppl.checkpoints) - 2 for best in ppl.best)
    gain = build_matrix(frame, subject, "gain", baselines)
    z = zero_shot(lr.index(gain.langs[0]))
    assert gain.values[-2][0] == pytest.approx(100 * (1 - 14000 / z))


def test_number_formats_per_column() -> None:
    """p-values 1.6e-4, percentages with one decimal, perplexities without decimals from 100 up."""
    assert p_value(1.596e-4) == "1.6e-4" and p_value(0.0325) == "0.033"
    assert column_formatter("rel_gain_best", pl.Float64())(0.7325) == "+73.2%"
    assert column_formatter("forgetting_share", pl.Float64())(0.25) == "25.0%"
    assert column_formatter("best_ppl", pl.Float64())(1234.56) == "1,235"
    assert column_formatter("zs_ppl", pl.Float64())(42.25) == "42.2"
    assert column_formatter("log_gain_final", pl.Float64())(-0.1234) == "-0.123"
    assert column_formatter("spearman_q", pl.Float64())(0.001756) == "0.002"
    order = column_order(["feature", "spearman", "pearson", "spearman_p", "pearson_p", "spearman_q"])
    assert order == ["feature", "spearman", "spearman_p", "spearman_q", "pearson", "pearson_p"]


def test_names_beside_codes_without_repeats() -> None:
    """`Slovenian (slv)`, but an unresolved name is shown once, not "Slovene (Slovene)"."""
    assert lang_label("slv") == "Slovenian (slv)"
    assert lang_label("Slovene") == "Slovene"
    grid = table_grid(pl.DataFrame({"hr_lang": ["slv", "Slovene"], "log_gain_best": [0.5, -0.25]}))
    assert grid.columns == ["hr_lang", "hr_lang name", "log_gain_best"]
    assert grid.rows == [("slv", "Slovenian", "+0.500"), ("Slovene", "", "-0.250")]


# --- the app at 200 × 50 ----------------------------------------------------------------------------


def app_for(ws: Workspace, opened: list[Path] | None = None) -> XltApp:
    """The app with a recording opener (True: the viewer 'opened' it) when `opened` is given."""

    def opener(path: Path) -> bool:
        if opened is None:
            return False
        opened.append(path)
        return True

    return make_app(TuiConfig(ws, refresh_s=0.1, opener=opener))


async def until(pilot: Pilot, condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        await pilot.pause(0.05)


async def overview_ready(pilot: Pilot) -> VirtualGrid:
    await pilot.press("2")
    table = pilot.app.screen.query_one("#overview", VirtualGrid)
    await until(pilot, lambda: table.row_count == 200)
    return table


def labels(table: VirtualGrid) -> list[str]:
    return [table.get_cell_at((r, 0)) for r in range(table.row_count)]


async def test_overview_sorts_filters_and_opens_a_pair(scale_ws: Workspace) -> None:
    """Strongest donors first; `a` sorts by name, a header click by a recipient; `/` filters; enter opens."""
    hr, lr = scale_codes()
    app = app_for(scale_ws)
    async with app.run_test(size=BIG) as pilot:
        table = await overview_ready(pilot)
        means = [table.grid.values[i][1] for i in table.shown_order]
        assert means == sorted(means, reverse=True)
        await pilot.press("a")
        await until(pilot, lambda: table.sort_column == 0 and table.row_count == 200)
        names = labels(table)
        assert names == sorted(names, key=str.casefold)
        column = 2 + sorted(lr).index(lr[4])
        x = sum(w + 2 for w in table.grid.widths[:column]) + 2
        await pilot.click("#overview", offset=(x, 0))  # the header of that recipient (nothing scrolled)
        await until(pilot, lambda: table.sort_column == column and table.row_count == 200)
        values = [table.grid.values[i][column] for i in table.shown_order]
        assert values == sorted(values)
        await pilot.press("slash", *hr[7])
        await until(pilot, lambda: table.row_count == 1)
        assert labels(table) == [lang_label(hr[7], 28)]
        await pilot.press("enter")  # closes the find line, the filter stays
        assert table.has_focus and table.filter_text == hr[7]
        table.move_cursor(row=0, column=column)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, PairScreen) and app.screen.curve is not None)
        curve = app.screen.curve
        assert (curve.hr, curve.lr) == (hr[7], lr[4])
        assert len(curve.runs[f"{hr[7]}-s0"]) == 3
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, PairScreen))


async def test_export_writes_the_table_as_shown(scale_ws: Workspace) -> None:
    """`e` writes the filtered rows with raw values to exports/ and says where."""
    hr, _ = scale_codes()
    app = app_for(scale_ws)
    async with app.run_test(size=BIG) as pilot:
        table = await overview_ready(pilot)
        await pilot.press("slash", *hr[11], "enter")
        matching = [i for i, text in enumerate(table.grid.search) if hr[11] in text]
        await until(pilot, lambda: table.row_count == len(matching))
        await pilot.press("e")
        path = scale_ws.root / "exports" / "overview-log_gain-best.csv"
        await until(pilot, lambda: any(str(path) in n.message for n in app._notifications))
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:2] == ["donor", "mean"] and len(rows) == len(matching) + 1
    mine = next(row for row in rows[1:] if row[0] == lang_label(hr[11]))
    assert float(mine[1]) == pytest.approx(-sum(math.log(strength(11, j)) for j in range(50)) / 50)


async def test_keys_and_plot(scale_ws: Workspace) -> None:
    """`?` lists the screen's keys; `o` says where the plot would be, or opens it with the viewer."""
    opened: list[Path] = []
    app = app_for(scale_ws, opened)
    async with app.run_test(size=BIG) as pilot:
        await overview_ready(pilot)
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        keys = app.screen.query_one("#keys", DataTable)
        listed = {keys.get_cell_at((r, 0)): keys.get_cell_at((r, 1)) for r in range(keys.row_count)}
        assert "log gain" in listed["g"] and "best and the final" in listed["b"] and "/" in listed
        await pilot.press("escape")
        await pilot.press("o")
        plot = scale_ws.analysis_dir / "gain_best.png"
        await until(pilot, lambda: any("no plot yet" in n.message for n in app._notifications))
        plot.parent.mkdir(parents=True, exist_ok=True)
        plot.write_bytes(b"\x89PNG")
        await pilot.press("o")
        await until(pilot, lambda: opened == [plot])
        await pilot.press("ctrl+p")  # the command palette is on
        await until(pilot, lambda: isinstance(app.screen, CommandPalette))


async def test_imported_workspace_gives_its_own_advice(imported_ws: Workspace) -> None:
    """No runs and no corpus in an imported workspace: say so, never advise `xlt collect sample`."""
    app = app_for(imported_ws)
    async with app.run_test(size=(80, 24)) as pilot:
        for key in ("1", "5"):
            await pilot.press(key)
            await until(pilot, lambda: app.screen.has_class("-empty") and "imported" in _text(app))
            assert "xlt collect sample" not in _text(app)
        await pilot.press("2")
        await until(pilot, lambda: app.screen.query_one("#overview", VirtualGrid).row_count == 200)
        assert "imported: one checkpoint" in _text(app)


async def test_big_analysis_table_loads_in_the_worker(scale_ws: Workspace, tmp_path: Path) -> None:
    """A 10,000-row transfer table is read in the worker, shown at once, formatted per column, filterable."""
    table = views.transfer_table(read_results(scale_ws.perplexity_path))
    ws = Workspace.resolve(tmp_path / "ws")
    write_parquet(table, ws.analysis_dir / "transfer.parquet")
    hr, _ = scale_codes()
    app = app_for(ws)
    async with app.run_test(size=BIG) as pilot:
        await pilot.press("4")
        frame = app.screen.query_one("#table", FrameTable)
        await until(pilot, lambda: frame.row_count == 10_000)
        column = frame.grid.columns.index("rel_gain_best")
        assert str(frame.get_cell_at((0, column))).endswith("%")
        await pilot.press("slash", *hr[0])
        await until(pilot, lambda: frame.row_count == 50)


def _text(app: XltApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())
