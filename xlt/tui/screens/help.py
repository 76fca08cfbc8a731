"""`?`: every key of the screen it was opened on, with what it does."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

# What no binding says: mouse and the palette.
NOTES = (
    ("click header", "sort by that column (again: reverse)"),
    ("ctrl+p", "command palette: screens, export, plot, keys"),
)


class HelpScreen(ModalScreen[None]):
    """A table of keys; escape, q or ? closes it."""

    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
    }
    HelpScreen > Vertical {
        width: 72;
        max-height: 90%;
        height: auto;
        border: round $primary;
        background: $surface;
    }
    HelpScreen DataTable {
        height: auto;
        max-height: 30;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,question_mark", "dismiss", "Close")]

    def __init__(self, title: str, bindings: list[tuple[str, Binding]]) -> None:
        super().__init__()
        self.heading = title
        self.bindings = bindings

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"[b]Keys of {self.heading}[/b] (escape closes)")
            yield DataTable(id="keys", cursor_type="row", show_cursor=False)

    def on_mount(self) -> None:
        table = self.query_one("#keys", DataTable)
        table.add_columns("key", "does")
        seen: set[tuple[str, str]] = set()
        for key, binding in self.bindings:
            what = binding.tooltip or binding.description or binding.action
            if (key, what) in seen or binding.action == "dismiss":
                continue
            seen.add((key, what))
            table.add_row(key, what)
        for key, what in NOTES:
            table.add_row(key, what)
