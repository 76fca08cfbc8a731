"""The study's main picture: donor (HR) × recipient (LR) gain over zero-shot, one cell per pair."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, cast

import polars as pl
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Header, Static
from textual.worker import get_current_worker

from xlt.contracts.baselines import baselines_path
from xlt.contracts.perplexity import read_results
from xlt.errors import InputError
from xlt.tui.data.common import Stamp, file_stamp
from xlt.tui.data.grid import Grid
from xlt.tui.data.matrix import hr_subject, load_baselines
from xlt.tui.data.overview import At, Metric, Overview, load_overview, overview_grid
from xlt.tui.messages import OverviewReady
from xlt.tui.screens.pair import PairScreen
from xlt.tui.screens.polling import PollingScreen
from xlt.tui.widgets.empty_state import EmptyState
from xlt.tui.widgets.footer import footer
from xlt.tui.widgets.virtual_grid import VirtualGrid

METRIC_TEXT = {"log_gain": "log gain ln(z/p)", "rel_gain": "rel gain 1 − p/z"}
if TYPE_CHECKING:
    from xlt.tui.app import XltApp

MEAN_COLUMN, FIRST_LR = 1, 2
VIEWS: tuple[tuple[Metric, At], ...] = (("log_gain", "best"), ("rel_gain", "best"), ("log_gain", "final"),
                                        ("rel_gain", "final"))  # fmt: skip


def legend(overview: Overview | None, metric: Metric, at: At) -> str:
    """Two lines: what a cell is, with the sign convention, and what the marks and the model are."""
    first = (f"[b]{METRIC_TEXT[metric]}[/b], {at} checkpoint: "
             "[green]+ = perplexity p below zero-shot z (better)[/]")  # fmt: skip
    notes = []
    if overview is not None:
        if not overview.has_steps:
            notes.append("imported: one checkpoint, best = final")
        if overview.significance(at):
            notes.append("[b]*[/b] 95% interval of the log gain above 0")
        if overview.models > 1:
            notes.append(f"model {overview.model} (1 of {overview.models})")
    notes.append("rows donor HR · columns recipient LR · mean = donor strength")
    return first + "\n" + " · ".join(notes)


class OverviewGrid(VirtualGrid):
    """The heatmap, whose enter opens a pair (and says so in the footer)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select", "Pair", tooltip="Forgetting curve of the pair under the cursor")
    ]


class OverviewScreen(PollingScreen):
    """A heatmap of every HR × LR pair; enter opens the pair's forgetting curve."""

    TITLE = "Overview"
    AUTO_FOCUS = "#overview"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("g", "toggle_metric", "Log/rel", tooltip="Switch between log gain and relative gain"),
        Binding("b", "toggle_at", "Best/final", tooltip="Switch between the best and the final checkpoint"),
        Binding("d", "sort_strength", "Strength", show=False, tooltip="Sort donors by strength (mean gain)"),
        Binding("a", "sort_name", "A-Z", show=False, tooltip="Sort donors by name"),
        Binding("m", "donor_matrix", "Matrix", show=False, tooltip="Checkpoint matrix of the donor (key 6)"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.metric: Metric = "log_gain"
        self.at: At = "best"
        self.overview: Overview | None = None
        self.baselines: pl.DataFrame | None = None
        self._stamp: tuple[Stamp, Stamp] | None = None
        self._grids: dict[tuple[Metric, At], Grid] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(legend(None, self.metric, self.at), id="overview-legend")
        yield EmptyState(
            "No gains to show yet: results/perplexity.parquet needs trained checkpoints and zero-shot rows.",
            ["xlt evaluate --all-lr", "xlt analyze import MATRIX.csv --zero-shot ZS.json"],
            id="empty",
        )
        table = OverviewGrid(id="overview", fixed_columns=2)
        table.sort_column, table.sort_reverse = MEAN_COLUMN, True  # strongest donors first
        yield table
        yield footer()

    def load(self, force: bool) -> None:
        ws = self.config.workspace
        stamp = (file_stamp(ws.perplexity_path), file_stamp(baselines_path(ws)))
        if stamp != self._stamp:
            # The stamp is taken only once the file is read: a load superseded by a key press (its
            # thread runs on) must not make the next one believe the overview is current.
            results = read_results(ws.perplexity_path)
            if results.is_empty():
                self.overview, self._stamp = None, stamp
                self.post_current(OverviewReady(None, None))
                return
            try:
                overview = load_overview(results)
            except InputError as exc:
                self.overview, self._stamp = None, stamp
                self.post_current(OverviewReady(None, None, str(exc)))
                return
            self.baselines, self._grids = load_baselines(ws), {}
            self.overview, self._stamp = overview, stamp
        elif not force or self.overview is None:
            return  # nothing new (a file without gains is read again only when it changes)
        view = (self.metric, self.at)
        if view not in self._grids:
            self._grids[view] = overview_grid(self.overview, *view)
        self.post_current(OverviewReady(self.overview, self._grids[view]))
        # The other three views while the reader looks at this one: then `g` and `b` cost a repaint.
        for other in VIEWS:
            if other not in self._grids and not get_current_worker().is_cancelled:
                self._grids[other] = overview_grid(self.overview, *other)

    @on(OverviewReady)
    def _ready(self, message: OverviewReady) -> None:
        self.show_empty(message.grid is None)
        if message.problem:
            self.query_one(EmptyState).say(message.problem, ["xlt evaluate --all-lr"])
        self.query_one("#overview-legend", Static).update(legend(message.overview, self.metric, self.at))
        if message.grid is not None:
            self.query_one("#overview", VirtualGrid).show_grid(message.grid)

    def action_toggle_metric(self) -> None:
        self.metric = "rel_gain" if self.metric == "log_gain" else "log_gain"
        self.reload(force=True)

    def action_toggle_at(self) -> None:
        self.at = "final" if self.at == "best" else "best"
        self.reload(force=True)

    def action_sort_strength(self) -> None:
        self.query_one("#overview", VirtualGrid).sort_by(MEAN_COLUMN, reverse=True)

    def action_sort_name(self) -> None:
        self.query_one("#overview", VirtualGrid).sort_by(0, reverse=False)

    @on(VirtualGrid.CellSelected, "#overview")
    def _cell_selected(self, event: VirtualGrid.CellSelected) -> None:
        event.stop()
        self.action_open_pair()

    def action_open_pair(self) -> None:
        table = self.query_one("#overview", VirtualGrid)
        grid, row = table.grid, table.grid_row
        if self.overview is None or grid is None or row is None or not grid.keys:
            return
        column = table.cursor_column
        if column < FIRST_LR:
            self.notify("move to a recipient's column (→) to open a pair", timeout=3)
            return
        self.app.push_screen(PairScreen(self.overview, self.baselines, grid.keys[row], grid.columns[column]))

    def action_donor_matrix(self) -> None:
        """The Matrix screen (6) for the donor under the cursor, every seed averaged."""
        table = self.query_one("#overview", VirtualGrid)
        row = table.grid_row
        if table.grid is None or row is None or not table.grid.keys:
            return
        cast("XltApp", self.app).requested_subject = hr_subject(table.grid.keys[row])
        self.app.switch_mode("matrix")

    def plot_path(self) -> Path | None:
        return self.config.workspace.analysis_dir / f"gain_{self.at}.png"

    def export_name(self) -> str:
        return f"overview-{self.metric}-{self.at}"
