"""The rich implementation of the library's progress protocol (:mod:`xlt.progress`) for the CLI.

One transient bar per task on stderr while it runs (a spinner when the total is unknown), warnings as
one line each. When stderr is not a terminal no bars are drawn, so logs and scripts see only the
warnings, one per line.
"""

from __future__ import annotations

from types import TracebackType

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from xlt.commands._common import err_console


class RichReporter:
    """A :class:`xlt.progress.Reporter` on stderr; use it as a context manager around the work."""

    def __init__(self, enabled: bool = True) -> None:
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[info]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=err_console,
            transient=True,
            disable=not (enabled and err_console.is_terminal),
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
        if task not in self.tasks:
            self.start(task)
        self.progress.update(self.tasks[task], advance=n, info=info)

    def warn(self, message: str) -> None:
        self.progress.console.print(f"[yellow]warning:[/] {message}", highlight=False)

    def finish(self, task: str) -> None:
        if task in self.tasks:
            self.progress.remove_task(self.tasks.pop(task))
