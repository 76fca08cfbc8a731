"""The rich implementation of the library's progress protocol (:mod:`xlt.progress`) for the CLI.

One transient bar per task on stderr while it runs (a spinner when the total is unknown), removed when
the task finishes so that the tables printed afterwards stay clean; warnings as one line each. When
stderr is not a terminal no bars are drawn, so logs and scripts see only the warnings, one per line:
rich wraps at 80 columns when it cannot ask a terminal for its width, so the console never wraps
(``soft_wrap``), and a warning is printed as plain text (a ``[...]`` in it is not read as markup).
"""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from xlt.commands._common import err_console


def bar_columns(remaining: bool = True) -> list[ProgressColumn]:
    """The columns of every xlt progress bar: spinner, task, bar, done/total, its status text, elapsed
    time and (with `remaining`) the time left."""
    columns: list[ProgressColumn] = [
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[info]}"),
        TimeElapsedColumn(),
    ]
    return [*columns, TimeRemainingColumn()] if remaining else columns


class RichReporter:
    """A :class:`xlt.progress.Reporter` on stderr; use it as a context manager around the work."""

    def __init__(self, enabled: bool = True, console: Console | None = None) -> None:
        self.console = console or err_console
        self.progress = Progress(
            *bar_columns(),
            console=self.console,
            transient=True,
            disable=not (enabled and self.console.is_terminal),
        )
        self.tasks: dict[str, TaskID] = {}

    def __enter__(self) -> RichReporter:
        self.progress.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.progress.stop()

    def start(self, task: str, total: int | None = None, completed: int = 0) -> None:
        if task in self.tasks:
            self.progress.update(self.tasks[task], total=total, completed=completed)
        else:
            self.tasks[task] = self.progress.add_task(task, total=total, completed=completed, info="")

    def advance(self, task: str, n: int = 1, info: str = "") -> None:
        """Move `task` on by `n`; a non-empty `info` replaces its status text."""
        if task not in self.tasks:
            self.start(task)
        if info:
            self.progress.update(self.tasks[task], advance=n, info=info)
        else:
            self.progress.update(self.tasks[task], advance=n)

    def warn(self, message: str) -> None:
        self.console.print(Text.assemble(("warning: ", "yellow"), message), soft_wrap=True)

    def finish(self, task: str) -> None:
        if task in self.tasks:
            self.progress.remove_task(self.tasks.pop(task))
