"""The analyze stage's tables (donors, recipients, correlations, overlap, ...) and downstream scores."""

from __future__ import annotations

from rich.markup import escape
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Header, OptionList, Static

from xlt.tui.data import NamedTable, analysis_stamp, load_analysis
from xlt.tui.messages import TablesLoaded
from xlt.tui.screens.polling import PollingScreen
from xlt.tui.widgets.empty_state import EmptyState
from xlt.tui.widgets.frame_table import FrameTable


class AnalysisScreen(PollingScreen):
    """A list of tables on the left, the chosen one on the right; re-read when any file changes."""

    TITLE = "Analysis"
    AUTO_FOCUS = "#tables"

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[NamedTable] = []
        self._stamp: object = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield EmptyState(
            "No analysis tables yet (analysis/*.parquet).",
            ["xlt evaluate --all-lr", "xlt analyze"],
            id="empty",
        )
        with Horizontal(id="analysis"):
            yield OptionList(id="tables")
            with Vertical(id="table-pane"):
                yield Static(id="table-title")
                yield FrameTable(id="table")
        yield Footer()

    def load(self, force: bool) -> None:
        ws = self.config.workspace
        stamp = analysis_stamp(ws.analysis_dir, ws.downstream_path)
        if stamp == self._stamp and not force:
            return
        self._stamp = stamp
        self.post_current(TablesLoaded(load_analysis(ws)))

    @on(TablesLoaded)
    def _loaded(self, message: TablesLoaded) -> None:
        names = [t.name for t in message.tables]
        self.show_empty(not names)
        options = self.query_one("#tables", OptionList)
        highlighted = options.highlighted
        if names != [t.name for t in self.tables]:
            options.clear_options()
            options.add_options(names)
            highlighted = 0 if names else None
        self.tables = message.tables
        options.highlighted = highlighted
        self._show(highlighted)

    @on(OptionList.OptionHighlighted, "#tables")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._show(event.option_index)

    def _show(self, index: int | None) -> None:
        if index is None or not 0 <= index < len(self.tables):
            return
        table = self.tables[index]
        title = self.query_one("#table-title", Static)
        if table.error:
            problem = escape(f"cannot read {table.path.name}: {table.error}")
            title.update(f"[b]{escape(table.name)}[/b]: [red]{problem}[/]")
            return
        title.update(f"[b]{escape(table.name)}[/b] · {len(table.rows):,} rows · {escape(table.path.name)}")
        self.query_one(FrameTable).show(table)
