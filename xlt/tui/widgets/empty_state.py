"""A centred note saying what is missing and which command makes it."""

from __future__ import annotations

from textual.widgets import Static


class EmptyState(Static):
    """Shown instead of a table until the files behind it exist."""

    DEFAULT_CSS = """
    EmptyState {
        width: 1fr;
        height: auto;
        margin: 1 2;
        padding: 1 2;
        border: round $primary;
        color: $text-muted;
    }
    """

    def __init__(self, what: str, commands: list[str], *, id: str | None = None) -> None:
        lines = [what, "", "Run first:"] + [f"  [b]{command}[/b]" for command in commands]
        super().__init__("\n".join(lines), id=id)
