"""How long work reports progress: a small protocol the library calls and the front ends implement.

The library never draws anything itself. A stage takes a :class:`Reporter` and calls ``start`` once per
task (a run, a language, a set of cells), ``advance`` as work gets done, ``warn`` for a problem that does
not stop the stage, and ``finish`` when a task ends. The CLI renders these with rich
(``xlt.commands._progress``), the TUI with Textual messages, tests with :class:`RecordingReporter`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


class Reporter(Protocol):
    """Where a stage's progress and warnings go."""

    def start(self, task: str, total: int | None = None, completed: int = 0) -> None:
        """A task begins: `total` units (None when unknown), `completed` of them already done (resume)."""

    def advance(self, task: str, n: int = 1, info: str = "") -> None:
        """`n` more units of `task` are done; `info` is a short status (e.g. ``loss 3.21 · 7,100 tok/s``)."""

    def warn(self, message: str) -> None:
        """A problem worth one line that does not stop the stage."""

    def finish(self, task: str) -> None:
        """`task` is over (done, skipped or failed)."""


class NullReporter:
    """Shows nothing and keeps nothing: the default for library calls."""

    def start(self, task: str, total: int | None = None, completed: int = 0) -> None:
        pass

    def advance(self, task: str, n: int = 1, info: str = "") -> None:
        pass

    def warn(self, message: str) -> None:
        pass

    def finish(self, task: str) -> None:
        pass


@dataclass
class RecordingReporter:
    """Keeps every call: warnings, and per task its total and units done (for tests and the TUI)."""

    warnings: list[str] = field(default_factory=list)
    totals: dict[str, int | None] = field(default_factory=dict)
    done: dict[str, int] = field(default_factory=dict)
    info: dict[str, str] = field(default_factory=dict)
    finished: list[str] = field(default_factory=list)

    def start(self, task: str, total: int | None = None, completed: int = 0) -> None:
        self.totals[task] = total
        self.done[task] = completed

    def advance(self, task: str, n: int = 1, info: str = "") -> None:
        self.done[task] = self.done.get(task, 0) + n
        if info:
            self.info[task] = info

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    def finish(self, task: str) -> None:
        self.finished.append(task)
