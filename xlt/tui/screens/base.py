"""What every screen of the TUI offers: `/` find, `?` keys, `e` export the table, `o` open the plot.

A screen names its current table (:meth:`XltScreen.current_table`) and its plot
(:meth:`XltScreen.plot_path`); the rest is the same everywhere.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, cast

from textual import events, on
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Input

from xlt.tui.data.common import TuiConfig
from xlt.tui.data.grid import write_csv
from xlt.tui.screens.help import HelpScreen
from xlt.tui.widgets.grid_table import GridTable
from xlt.tui.widgets.virtual_grid import VirtualGrid

if TYPE_CHECKING:
    from xlt.tui.app import XltApp

EXPORT_DIR = "exports"


class FindBar(Input):
    """The `/` line: filters the current table as one types; enter keeps the filter, escape clears it."""

    DEFAULT_CSS = """
    FindBar {
        dock: bottom;
        margin-bottom: 1;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "clear", "Clear filter")]

    def action_clear(self) -> None:
        self.value = ""
        cast("XltScreen", self.screen).close_find()


class XltScreen(Screen):
    """The shared keys; subclasses override current_table, plot_path and export_name."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "find", "Find", tooltip="Filter the table's rows by name or code"),
        Binding("question_mark", "keys", "Keys", tooltip="Every key of this screen"),
        Binding("e", "export", "Export", show=False, tooltip="Write the table as shown to a CSV file"),
        Binding("o", "open_plot", "Plot", show=False, tooltip="Open this screen's plot (or say where it is)"),
    ]

    @property
    def config(self) -> TuiConfig:
        return cast("XltApp", self.app).config

    def current_table(self) -> GridTable | VirtualGrid | None:
        """The table that `/`, `e` and sorting act on."""
        return next(iter(self.query("GridTable, VirtualGrid").results()), None)  # type: ignore[return-value]

    def plot_path(self) -> Path | None:
        """The plot that belongs to what the screen shows (None: this screen has none)."""
        return None

    def export_name(self) -> str:
        """The CSV's file name without suffix."""
        return str(self.title or "table")

    # --- find ---------------------------------------------------------------------------------------

    @on(events.Mount)
    def _mount_find_bar(self) -> None:
        """Mounted hidden with the screen, so that `/` can focus it at once: keys typed right after `/`
        reach it even before the next refresh."""
        footers = list(self.query(Footer).results())
        bar = FindBar(placeholder="filter rows by name or code", compact=True)
        bar.display = False
        if footers:
            self.mount(bar, before=footers[0])
        else:
            self.mount(bar)

    def action_find(self) -> None:
        table = self.current_table()
        if table is None:
            self.notify("no table to filter on this screen", timeout=3)
            return
        bar = self.query_one(FindBar)
        with self.prevent(Input.Changed):
            bar.value = table.filter_text
        bar.display = True
        self.set_focus(bar)  # now, not after a refresh as Widget.focus does: keys right after `/` land here

    @on(Input.Changed)
    def _find_changed(self, event: Input.Changed) -> None:
        if isinstance(event.input, FindBar) and (table := self.current_table()) is not None:
            table.set_query(event.value)
            # The header says what is filtered, also once the find line is closed.
            root = self.config.workspace.root.name
            shown = f" · /{event.value} ({table.row_count:,} rows)" if event.value else ""
            self.sub_title = root + shown

    @on(Input.Submitted)
    def _find_done(self, event: Input.Submitted) -> None:
        if isinstance(event.input, FindBar):
            self.close_find()

    def close_find(self) -> None:
        """Remove the find line (the filter it set stays) and give the keys back to the table."""
        for bar in self.query(FindBar):
            bar.display = False
        if (table := self.current_table()) is not None:
            table.focus()

    # --- keys, export, plot -------------------------------------------------------------------------

    def action_keys(self) -> None:
        bindings = [
            (active.binding.key_display or self.app.get_key_display(active.binding), active.binding)
            for active in self.active_bindings.values()
        ]
        self.app.push_screen(HelpScreen(str(self.title or ""), bindings))

    def action_export(self) -> None:
        table = self.current_table()
        if table is None or table.grid is None:
            self.notify("no table to export on this screen", timeout=3)
            return
        columns, rows = table.shown_rows()
        name = re.sub(r"[^A-Za-z0-9_.-]+", "-", self.export_name()).strip("-").lower() or "table"
        path = self.config.workspace.root / EXPORT_DIR / f"{name}.csv"
        try:
            write_csv(path, columns, rows)
        except OSError as exc:
            self.notify(f"cannot write {path}: {exc.strerror or exc}", severity="error", markup=False)
            return
        shown = f" (filter '{table.filter_text}')" if table.filter_text else ""
        self.notify(f"exported {len(rows):,} rows{shown} to {path}", title="export", markup=False)

    def action_open_plot(self) -> None:
        path = self.plot_path()
        if path is None:
            self.notify("this screen has no plot", timeout=3)
        elif not path.exists():
            self.notify(f"no plot yet at {path} (`xlt analyze` draws it)", markup=False)
        elif self.config.opener(path):
            self.notify(f"opened {path}", markup=False)
        else:
            self.notify(f"plot: {path} (no viewer here: copy it to your machine)", timeout=10, markup=False)
