"""Snapshot tests of `xlt tui` (pytest-textual-snapshot): 80×24 and 200×50, fixed clock, fixture workspaces.

Update the stored SVGs after an intended change with `pytest tests/test_tui_snapshots.py --snapshot-update`
and look at them (the report of a failing run shows both images side by side).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from test_tui_scale_data import write_scale_workspace
from test_tui_workspace import NOW, write_workspace
from textual.pilot import Pilot
from textual.widgets import DataTable, OptionList

from xlt.tui.app import XltApp, make_app
from xlt.tui.data import TuiConfig
from xlt.tui.screens.pair import PairScreen
from xlt.tui.widgets.curve import Curve
from xlt.tui.widgets.frame_table import FrameTable
from xlt.tui.widgets.matrix_table import MatrixTable
from xlt.tui.widgets.virtual_grid import VirtualGrid
from xlt.workspace import Workspace

SIZE = (80, 24)
BIG = (200, 50)


def app_for(root: Path) -> XltApp:
    """The app with the tests' fixed clock (ETA and stale status do not move)."""
    return make_app(TuiConfig(Workspace.resolve(root), refresh_s=0.05, clock=lambda: NOW))


async def until(pilot: Pilot, condition: Callable[[], bool], timeout: float = 15.0) -> None:
    """Let the app run until `condition()` holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        await pilot.pause(0.05)


async def runs_loaded(pilot: Pilot) -> None:
    """Wait for the four fixture runs."""
    await until(pilot, lambda: pilot.app.screen.query_one("#runs", DataTable).row_count == 4)


def test_runs_screen(snap_compare, tmp_path: Path) -> None:
    """Runs: four runs with statuses (finished, stale, failed, running), step of total and a 20m00s ETA."""
    assert snap_compare(
        app_for(write_workspace(tmp_path / "ws").root), terminal_size=SIZE, run_before=runs_loaded
    )


def test_run_view(snap_compare, tmp_path: Path) -> None:
    """Live view of the running run: info, progress bar at 50 %, loss and val-ppl curves, checkpoints."""

    async def open_run(pilot: Pilot) -> None:
        await runs_loaded(pilot)
        pilot.app.screen.query_one("#runs", DataTable).move_cursor(row=3)
        await pilot.press("enter")
        await until(
            pilot,
            lambda: (
                len(pilot.app.screen.query("#ppl-curve"))
                and pilot.app.screen.query_one("#ppl-curve", Curve).points != []
            ),
        )

    assert snap_compare(
        app_for(write_workspace(tmp_path / "ws").root), terminal_size=SIZE, run_before=open_run
    )


def test_matrix_perplexity(snap_compare, tmp_path: Path) -> None:
    """Matrix of the first run: zero-shot row first, perplexity coloured per language, best marked *."""

    async def matrix(pilot: Pilot) -> None:
        await pilot.press("6")
        await until(pilot, lambda: pilot.app.screen.query_one("#matrix", MatrixTable).row_count == 5)

    assert snap_compare(app_for(write_workspace(tmp_path / "ws").root), terminal_size=SIZE, run_before=matrix)


def test_matrix_gain_second_run(snap_compare, tmp_path: Path) -> None:
    """After `n` and `g`: the second run's gain over zero-shot in per cent, green for gains, best marked."""

    async def gain(pilot: Pilot) -> None:
        await pilot.press("6")
        table = pilot.app.screen.query_one("#matrix", MatrixTable)
        await until(pilot, lambda: table.row_count == 5)
        await pilot.press("n", "g")
        await until(pilot, lambda: table.row_count == 4 and "%" in table.get_cell_at((0, 1)).plain)

    assert snap_compare(app_for(write_workspace(tmp_path / "ws").root), terminal_size=SIZE, run_before=gain)


def test_analysis_overlap(snap_compare, tmp_path: Path) -> None:
    """Analysis with the overlap table chosen: its own columns plus language names."""

    async def overlap(pilot: Pilot) -> None:
        await pilot.press("3")
        await until(pilot, lambda: pilot.app.screen.query_one("#tables", OptionList).option_count == 4)
        await pilot.press("down", "down", "down")
        await until(pilot, lambda: pilot.app.screen.query_one("#table", FrameTable).row_count == 8)

    assert snap_compare(
        app_for(write_workspace(tmp_path / "ws").root), terminal_size=SIZE, run_before=overlap
    )


def test_data_screen(snap_compare, tmp_path: Path) -> None:
    """Data: languages HR first with tier, lines, tokens and sources visible in 80 columns."""

    async def data(pilot: Pilot) -> None:
        await pilot.press("4")
        await until(pilot, lambda: pilot.app.screen.query_one("#languages", FrameTable).row_count == 8)

    assert snap_compare(app_for(write_workspace(tmp_path / "ws").root), terminal_size=SIZE, run_before=data)


def test_empty_runs_screen(snap_compare, tmp_path: Path) -> None:
    """An empty workspace: the runs screen says which commands to run first."""

    async def empty(pilot: Pilot) -> None:
        await until(pilot, lambda: pilot.app.screen.has_class("-empty"))

    assert snap_compare(app_for(tmp_path / "ws"), terminal_size=SIZE, run_before=empty)


async def overview_loaded(pilot: Pilot) -> None:
    """The overview of the generated 200 × 50 workspace, every donor row added."""
    await pilot.press("2")
    await until(pilot, lambda: pilot.app.screen.query_one("#overview", VirtualGrid).row_count == 200)


def test_overview_small(snap_compare, tmp_path: Path) -> None:
    """80×24: legend with the sign convention, strongest donors first, names with codes, mean column."""
    ws = write_scale_workspace(tmp_path / "ws")
    assert snap_compare(app_for(ws.root), terminal_size=SIZE, run_before=overview_loaded)


def test_overview_big(snap_compare, tmp_path: Path) -> None:
    """200×50, imported matrix: ~20 recipients and ~40 donors in view, `imported` in the legend."""
    ws = write_scale_workspace(tmp_path / "ws", imported=True)
    assert snap_compare(app_for(ws.root), terminal_size=BIG, run_before=overview_loaded)


def test_overview_filtered_rel_gain(snap_compare, tmp_path: Path) -> None:
    """80×24 after `/ Kw` and `g`: only matching donors, relative gains in per cent, the find line gone."""
    ws = write_scale_workspace(tmp_path / "ws")

    async def filtered(pilot: Pilot) -> None:
        await overview_loaded(pilot)
        table = pilot.app.screen.query_one("#overview", VirtualGrid)
        await pilot.press("slash", "k", "w", "enter", "g")
        await until(pilot, lambda: table.row_count < 200 and "%" in table.get_cell_at((0, 2)).plain)

    assert snap_compare(app_for(ws.root), terminal_size=SIZE, run_before=filtered)


def test_pair_screen(snap_compare, tmp_path: Path) -> None:
    """200×50: enter on a cell shows the pair's curve, zero-shot and baselines, and its numbers."""
    ws = write_scale_workspace(tmp_path / "ws")

    async def pair(pilot: Pilot) -> None:
        await overview_loaded(pilot)
        pilot.app.screen.query_one("#overview", VirtualGrid).move_cursor(row=0, column=2)
        await pilot.press("enter")
        await until(
            pilot, lambda: isinstance(pilot.app.screen, PairScreen) and pilot.app.screen.curve is not None
        )
        await pilot.pause(0.2)

    assert snap_compare(app_for(ws.root), terminal_size=BIG, run_before=pair)


def test_matrix_with_baselines(snap_compare, tmp_path: Path) -> None:
    """80×24: a run's checkpoints, then random init and unigram rows (italic), as `xlt evaluate` prints."""
    ws = write_scale_workspace(tmp_path / "ws", n_hr=3, n_lr=6)

    async def matrix(pilot: Pilot) -> None:
        await pilot.press("6")
        await until(pilot, lambda: pilot.app.screen.query_one("#matrix", MatrixTable).row_count == 6)

    assert snap_compare(app_for(ws.root), terminal_size=SIZE, run_before=matrix)
