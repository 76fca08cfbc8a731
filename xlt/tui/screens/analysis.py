"""The analyze stage's tables (transfer, donors, recipients, correlations, ...) and downstream scores.

The list is re-read when a file changes; the chosen table is read and formatted in the screen's worker
and added to its table in chunks, so a 10,000-row table never holds up the keys.
"""

from __future__ import annotations

from pathlib import Path

from rich.markup import escape
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Header, OptionList, Static
from textual.worker import get_current_worker

from xlt.tui.data.common import Stamp, file_stamp
from xlt.tui.data.tables import NamedTable, load_table, table_paths
from xlt.tui.messages import TableLoaded, TablesListed
from xlt.tui.screens.polling import PollingScreen
from xlt.tui.widgets.empty_state import EmptyState
from xlt.tui.widgets.footer import footer
from xlt.tui.widgets.frame_table import FrameTable

# Tables whose plot has another name than the table (analysis/<name>.png otherwise).
PLOTS = {"transfer": "gain_final.png"}


class AnalysisScreen(PollingScreen):
    """A list of tables on the left, the chosen one on the right."""

    TITLE = "Analysis"
    AUTO_FOCUS = "#tables"

    def __init__(self) -> None:
        super().__init__()
        self.paths: list[Path] = []
        self.selected: Path | None = None
        self.table: NamedTable | None = None
        self._stamp: object = None
        self._cache: dict[tuple[Path, Stamp], NamedTable] = {}

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
        yield footer()

    def load(self, force: bool) -> None:
        ws = self.config.workspace
        paths = table_paths(ws)
        stamp = tuple((str(p), file_stamp(p)) for p in paths)
        if stamp != self._stamp:
            self._cache.clear()
            self.post_current(TablesListed([str(p) for p in paths]))
            if not get_current_worker().is_cancelled:  # else the list never reached the screen
                self._stamp = stamp
        selected = self.selected if self.selected in paths else (paths[0] if paths else None)
        if selected is None:
            return
        key = (selected, file_stamp(selected))
        if key in self._cache and not force:
            return  # shown already
        table = self._cache.get(key) or load_table(ws, selected)
        self._cache[key] = table
        self.post_current(TableLoaded(table))

    @on(TablesListed)
    def _listed(self, message: TablesListed) -> None:
        paths = [Path(name) for name in message.names]
        self.show_empty(not paths)
        options = self.query_one("#tables", OptionList)
        if paths != self.paths:
            highlighted = paths.index(self.selected) if self.selected in paths else (0 if paths else None)
            self.paths = paths
            with self.prevent(OptionList.OptionHighlighted):
                options.clear_options()
                options.add_options([p.stem for p in paths])
                options.highlighted = highlighted

    @on(TableLoaded)
    def _loaded(self, message: TableLoaded) -> None:
        table = message.table
        if self.selected not in (None, table.path):
            return  # the reader has moved on to another table
        self.table = table
        self.selected = table.path
        title = self.query_one("#table-title", Static)
        if table.error:
            title.update(f"[b]{escape(table.name)}[/b]: [red]{escape(table.error)}[/]")
            return
        title.update(f"[b]{escape(table.name)}[/b] · {len(table.rows):,} rows · {escape(table.path.name)}")
        self.query_one(FrameTable).show(table)

    @on(OptionList.OptionHighlighted, "#tables")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        index = event.option_index
        if 0 <= index < len(self.paths) and self.paths[index] != self.selected:
            self.selected = self.paths[index]
            self.query_one("#table-title", Static).update(f"reading {escape(self.selected.name)} …")
            self.reload(force=True)

    def plot_path(self) -> Path | None:
        if self.table is None:
            return None
        return self.config.workspace.analysis_dir / PLOTS.get(self.table.name, f"{self.table.name}.png")

    def export_name(self) -> str:
        return f"analysis-{self.table.name}" if self.table else "analysis"
