"""A centred note saying what is missing and which command makes it."""

from __future__ import annotations

from textual.widgets import Static


def note_text(what: str, commands: list[str]) -> str:
    """The note: what is missing, then the commands that make it (if any)."""
    lines = [what]
    if commands:
        lines += ["", "Run first:"] + [f"  [b]{command}[/b]" for command in commands]
    return "\n".join(lines)


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
        super().__init__(note_text(what, commands), id=id)

    def say(self, what: str, commands: list[str]) -> None:
        """Replace the note (a workspace of imported results needs other advice than an empty one)."""
        self.update(note_text(what, commands))
