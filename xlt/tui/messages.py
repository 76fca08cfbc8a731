"""Every message the TUI's workers post: small dataclasses, one line of docstring each."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from xlt.tui.data.grid import Grid
from xlt.tui.data.matrix import Matrix, Subject
from xlt.tui.data.overview import Overview, PairCurve
from xlt.tui.data.runs import RunProgress, RunRow
from xlt.tui.data.tables import NamedTable


@dataclass
class RunsChanged(Message):
    """The runs of the workspace, after something in runs/ changed (`imported`: results, but no runs)."""

    rows: list[RunRow]
    imported: bool = False


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
    grid: Grid | None


@dataclass
class OverviewReady(Message):
    """The HR × LR overview is built (`problem`: why there is none, e.g. no zero-shot rows)."""

    overview: Overview | None
    grid: Grid | None
    problem: str | None = None


@dataclass
class PairReady(Message):
    """The forgetting curve of one HR × LR pair is built."""

    curve: PairCurve


@dataclass
class TablesListed(Message):
    """The tables the Analysis screen can show (path names), after a file came, went or changed."""

    names: list[str]


@dataclass
class TableLoaded(Message):
    """One analysis table, read and formatted."""

    table: NamedTable


@dataclass
class LanguagesLoaded(Message):
    """corpus/languages.parquet was read again (None: it does not exist yet; `imported`: results exist)."""

    table: NamedTable | None
    imported: bool = False


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
