"""The rich side of :class:`xlt.progress.Reporter`: transient progress bars on stderr, one-line warnings.

On a terminal every task gets its own bar (description, bar, done/total, the task's `info` text, elapsed
and remaining time), removed when the task finishes so that the tables printed afterwards stay clean.
When stderr is not a terminal (a log file, a pipe, a scheduler's output) no bar is drawn at all, and a
warning is always one line: rich wraps at 80 columns when it cannot ask a terminal for its width, so the
console here never wraps (``soft_wrap``), and a script reading the output sees one warning per line.
"""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text


class RichReporter:
    """A :class:`xlt.progress.Reporter` for the CLI; use it as a context manager around the library call."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True, soft_wrap=True)
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[info]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=self.console,
            transient=True,
            disable=not self.console.is_terminal,
        )
        self.tasks: dict[str, TaskID] = {}

    def __enter__(self) -> RichReporter:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def start(self, task: str, total: int | None = None, completed: int = 0) -> None:
        """A bar for `task` (a second start of the same task starts it over)."""
        self.finish(task)
        self.tasks[task] = self.progress.add_task(task, total=total, completed=completed, info="")

    def advance(self, task: str, n: int = 1, info: str = "") -> None:
        """Move `task`'s bar on by `n`; a non-empty `info` replaces its status text."""
        if task not in self.tasks:
            self.start(task)
        if info:
            self.progress.update(self.tasks[task], advance=n, info=info)
        else:
            self.progress.update(self.tasks[task], advance=n)

    def warn(self, message: str) -> None:
        """One line on stderr, above the bars, never wrapped and never read as markup."""
        self.console.print(Text.assemble(("warning: ", "yellow"), message), soft_wrap=True)

    def finish(self, task: str) -> None:
        """Remove `task`'s bar."""
        task_id = self.tasks.pop(task, None)
        if task_id is not None:
            self.progress.remove_task(task_id)
