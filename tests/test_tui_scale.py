"""The TUI at paper scale (issue 16), driven by the Pilot at 200 × 50 on the generated 200 HR × 50 LR
workspace of test_tui_scale_data (runs and imported): filter, sort, open a pair, export, keys, plot,
the palette, imported advice, a 10,000-row analysis table. Latency is measured in
benchmarks/bench_tui.py, not here.
"""

from __future__ import annotations

import csv
import math
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from test_tui_scale_data import scale_codes, strength, write_scale_workspace
from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widgets import DataTable

from xlt.contracts import views
from xlt.contracts.perplexity import read_results
from xlt.tui.app import XltApp, make_app
from xlt.tui.data import TuiConfig, lang_label
from xlt.tui.screens.help import HelpScreen
from xlt.tui.screens.matrix import MatrixScreen
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


# --- the app at 200 × 50 ----------------------------------------------------------------------------


def app_for(ws: Workspace, opened: list[Path] | None = None) -> XltApp:
    """The app with a recording opener (True: the viewer 'opened' it) when `opened` is given."""

    def opener(path: Path) -> bool:
        if opened is None:
            return False
        opened.append(path)
        return True

    return make_app(TuiConfig(ws, refresh_s=0.1, opener=opener))


async def until(pilot: Pilot, condition: Callable[[], bool], timeout: float = 90.0) -> None:
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
    """Strongest donors first; `a` sorts by name, a header click by a recipient; `/` filters; enter opens
    the pair, `m` the donor's checkpoint matrix."""
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
        await pilot.press("m")  # the donor's checkpoint matrix: zero-shot, 3 checkpoints, 2 baselines
        await until(pilot, lambda: isinstance(app.screen, MatrixScreen) and app.screen.subject is not None)
        assert (app.screen.subject.kind, app.screen.subject.key) == ("hr", hr[7])
        await until(pilot, lambda: app.screen.query_one("#matrix", VirtualGrid).row_count == 6)


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
        for key in ("1", "4"):
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
        await pilot.press("3")
        frame = app.screen.query_one("#table", FrameTable)
        await until(pilot, lambda: frame.row_count == 10_000)
        column = frame.grid.columns.index("rel_gain_best")
        assert str(frame.get_cell_at((0, column))).endswith("%")
        await pilot.press("slash", *hr[0])
        await until(pilot, lambda: frame.row_count == 50)


def _text(app: XltApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())
