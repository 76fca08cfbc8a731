"""One HR × LR pair: its forgetting curve (perplexity vs step), zero-shot and baselines, and its numbers."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import polars as pl
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Header, Static

from xlt.tui.data.common import lang_label
from xlt.tui.data.grid import Grid
from xlt.tui.data.overview import Overview, PairCurve, pair_curve
from xlt.tui.messages import PairReady
from xlt.tui.screens.base import XltScreen
from xlt.tui.widgets.footer import footer
from xlt.tui.widgets.grid_table import GridTable
from xlt.tui.widgets.pair_plot import PairPlot


class PairScreen(XltScreen):
    """Pushed by enter on an overview cell; escape goes back."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,backspace", "app.pop_screen", "Back")]

    def __init__(self, overview: Overview, baselines: pl.DataFrame | None, hr: str, lr: str) -> None:
        super().__init__()
        self.overview, self.baselines, self.hr, self.lr = overview, baselines, hr, lr
        self.curve: PairCurve | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"[b]{lang_label(self.hr)}[/b] → [b]{lang_label(self.lr)}[/b]", id="pair-title")
        with Horizontal(id="pair-body"):
            yield PairPlot(id="pair-plot")
            yield GridTable(id="pair-facts")
        yield footer()

    def on_mount(self) -> None:
        self.title = f"Pair {self.hr} → {self.lr}"
        self.sub_title = self.config.workspace.root.name
        self.build()

    @work(thread=True, exit_on_error=False)
    def build(self) -> None:
        """cell_summary over one pair's rows: quick, but off the UI thread all the same."""
        self.post_message(PairReady(pair_curve(self.overview, self.baselines, self.hr, self.lr)))

    @on(PairReady)
    def _ready(self, message: PairReady) -> None:
        self.curve = curve = message.curve
        self.query_one(PairPlot).show(curve)
        rows = [(label, Text(value, justify="right")) for label, value in curve.facts]
        rows += [(label, Text(f"{value:,.0f}" if value >= 100 else f"{value:.1f}", justify="right"))
                 for label, value in curve.baselines]  # fmt: skip
        values = [(label, text.plain) for label, text in rows]
        self.query_one(GridTable).show_grid(Grid(["", "value"], rows, values, [False, True]))

    def plot_path(self) -> Path | None:
        return self.config.workspace.analysis_dir / "forgetting" / f"{self.hr}.png"

    def export_name(self) -> str:
        return f"pair-{self.hr}-{self.lr}"
