"""Every message the TUI's workers post: small dataclasses, one line of docstring each."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from xlt.tui.data import Matrix, NamedTable, RunProgress, RunRow, Subject


@dataclass
class RunsChanged(Message):
    """The runs of the workspace, after something in runs/ changed."""

    rows: list[RunRow]


@dataclass
class RunProgressed(Message):
    """New events arrived for the followed run (or it went stale)."""

    progress: RunProgress

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, RunProgressed)


@dataclass
class MatrixReady(Message):
    """A perplexity matrix is built; `subjects` lists what can be shown (None: no results yet)."""

    subjects: list[Subject] | None
    subject: Subject | None
    matrix: Matrix | None
    cells: list[list[object]] | None


@dataclass
class TablesLoaded(Message):
    """The analysis (and downstream) tables were read again."""

    tables: list[NamedTable]


@dataclass
class LanguagesLoaded(Message):
    """corpus/languages.parquet was read again (None: it does not exist yet)."""

    table: NamedTable | None


@dataclass
class LoadFailed(Message):
    """A worker failed to read something: shown as a notification, never a crash."""

    what: str
    error: str


@dataclass
class SweepChanged(Message):
    """The rows of the sweeps screen (sweep, run, state, job, scheduler, step, loss), freshly joined."""

    rows: list[tuple[str, ...]]

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, SweepChanged)
