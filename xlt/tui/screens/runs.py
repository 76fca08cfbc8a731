"""The main screen: every run of the workspace with its status, updated live."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.widgets import DataTable, Header

from xlt.tui.data.runs import RunRow, RunsWatcher
from xlt.tui.messages import RunsChanged
from xlt.tui.screens.polling import PollingScreen
from xlt.tui.screens.run import RunScreen
from xlt.tui.widgets.empty_state import EmptyState
from xlt.tui.widgets.footer import footer
from xlt.tui.widgets.runs_table import RunsTable

NO_RUNS = ("No training runs in this workspace yet (runs/ is empty).",
           ["xlt collect sample", "xlt clean", "xlt pretrain --hr English"])  # fmt: skip
IMPORTED: tuple[str, list[str]] = (
    "No training runs here: this workspace holds an imported matrix (`xlt analyze import`).\n"
    "Press 2 for the HR × LR overview, 3 for the analysis tables.",
    [],
)


class RunsScreen(PollingScreen):
    """Runs with HR language, status, step of total, loss, validation perplexity, ETA; enter opens one."""

    TITLE = "Runs"
    AUTO_FOCUS = "#runs"

    def __init__(self) -> None:
        super().__init__()
        self.watcher: RunsWatcher | None = None
        self.rows: dict[str, RunRow] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield EmptyState(*NO_RUNS, id="empty")
        yield RunsTable(id="runs")
        yield footer()

    def on_mount(self) -> None:
        # Textual calls every class's on_mount, this one first: PollingScreen's then starts the polling
        # (calling it here too would start a second timer).
        ws = self.config.workspace
        self.watcher = RunsWatcher(ws, self.config.stale_after_s, self.config.clock)

    def load(self, force: bool) -> None:
        assert self.watcher is not None
        rows = self.watcher.poll()
        if rows is not None:
            self.post_current(RunsChanged(rows, not rows and self.config.workspace.perplexity_path.exists()))

    @on(RunsChanged)
    def show_runs(self, message: RunsChanged) -> None:
        self.rows = {row.run_id: row for row in message.rows}
        self.show_empty(not message.rows)
        self.query_one(EmptyState).say(*(IMPORTED if message.imported else NO_RUNS))
        self.query_one(RunsTable).show(message.rows)

    @on(DataTable.RowSelected, "#runs")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        self.open(event.row_key.value)

    def open(self, run_id: str | None) -> None:
        """Push the live view of one run."""
        row = self.rows.get(run_id) if run_id is not None else None
        if row is None or row.path is None:
            return
        self.app.push_screen(RunScreen(row.path, row))
