"""The languages of the corpus: tier, lines, tokens, sources (corpus/languages.parquet)."""

from __future__ import annotations

from collections import Counter

from textual import on
from textual.app import ComposeResult
from textual.widgets import Header, Static

from xlt.tui.data.common import Stamp, file_stamp
from xlt.tui.data.tables import TIER_ORDER, load_languages
from xlt.tui.messages import LanguagesLoaded
from xlt.tui.screens.polling import PollingScreen
from xlt.tui.widgets.empty_state import EmptyState
from xlt.tui.widgets.footer import footer
from xlt.tui.widgets.frame_table import FrameTable

NO_CORPUS = ("No corpus yet (corpus/languages.parquet does not exist).", ["xlt collect sample", "xlt clean"])
IMPORTED: tuple[str, list[str]] = (
    "No corpus here: this workspace holds an imported matrix (`xlt analyze import`), and its\n"
    "languages are the overview's rows and columns (press 2).",
    [],
)


class DataScreen(PollingScreen):
    """One row per language, HR first; re-read when languages.parquet changes."""

    TITLE = "Data"
    AUTO_FOCUS = "#languages"

    def __init__(self) -> None:
        super().__init__()
        self._stamp: Stamp = None
        self._loaded = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield EmptyState(*NO_CORPUS, id="empty")
        yield Static(id="languages-summary")
        yield FrameTable(id="languages")
        yield footer()

    def load(self, force: bool) -> None:
        ws = self.config.workspace
        stamp = file_stamp(ws.languages_path)
        if self._loaded and stamp == self._stamp and not force:
            return
        self._stamp, self._loaded = stamp, True
        table = load_languages(ws)
        self.post_current(LanguagesLoaded(table, table is None and ws.perplexity_path.exists()))

    @on(LanguagesLoaded)
    def _loaded_languages(self, message: LanguagesLoaded) -> None:
        self.show_empty(message.table is None)
        self.query_one(EmptyState).say(*(IMPORTED if message.imported else NO_CORPUS))
        if message.table is None:
            return
        table = message.table
        tiers: Counter[str] = Counter()
        if "tier" in table.columns:
            column = table.columns.index("tier")
            tiers.update(row[column] for row in table.rows)
        order = sorted(tiers, key=lambda tier: (TIER_ORDER.get(tier, len(TIER_ORDER)), tier))
        parts = [f"{len(table.rows)} languages"] + [f"{tiers[tier]} {tier}" for tier in order]
        self.query_one("#languages-summary", Static).update(" · ".join(parts))
        self.query_one(FrameTable).show(table)

    def export_name(self) -> str:
        return "languages"
