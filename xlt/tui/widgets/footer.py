"""The footer every screen shows: compact, without the palette hint, so that an 80-column terminal
keeps the screen's own keys and `q` visible (`?` lists every key, ctrl+p opens the palette)."""

from __future__ import annotations

from textual.widgets import Footer


def footer() -> Footer:
    """A compact Footer without the command-palette hint."""
    return Footer(compact=True, show_command_palette=False)
