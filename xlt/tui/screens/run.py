"""The live view of one run: progress, loss and validation-perplexity curves, checkpoints, last error."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import ClassVar

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Header, OptionList, ProgressBar, Static
from textual.worker import get_current_worker

from xlt.events import RunSummary
from xlt.tui.data.formats import perplexity
from xlt.tui.data.runs import RunFollower, RunProgress, RunRow, format_eta
from xlt.tui.messages import LoadFailed, RunProgressed
from xlt.tui.screens.base import XltScreen
from xlt.tui.screens.polling import READ_ERRORS, describe
from xlt.tui.widgets.curve import Curve
from xlt.tui.widgets.footer import footer
from xlt.tui.widgets.runs_table import STATUS_STYLE


class RunScreen(XltScreen):
    """Follows `runs/<id>/events.jsonl` with an EventTail in a thread worker; curves grow as it grows."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,backspace", "app.pop_screen", "Back")]

    def __init__(self, run_dir: Path, row: RunRow | None = None) -> None:
        super().__init__()
        self.run_dir = run_dir
        self.row = row
        self.progress: RunProgress | None = None
        self._stop = threading.Event()

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="run-info")
        yield ProgressBar(id="run-progress", show_eta=False)
        with Horizontal(id="curves"):
            yield Curve("loss", id="loss-curve")
            yield Curve("val ppl", log=True, id="ppl-curve")
        with Horizontal(id="run-bottom"):
            yield OptionList(id="checkpoints")
            yield Static(id="run-error")
        yield footer()

    def on_mount(self) -> None:
        self.title = f"Run {self.row.run_id if self.row is not None else self.run_dir.name}"
        self.sub_title = self.config.workspace.root.name  # the full path would crowd 80 columns
        self.query_one("#checkpoints", OptionList).border_title = "checkpoints"
        if self.row is not None:
            self.show(RunProgress(self.row.run_id, self.row.summary))
        self.follow()

    def on_unmount(self) -> None:
        self._stop.set()

    @work(thread=True, group="tail", exit_on_error=False)
    def follow(self) -> None:
        """Poll the events file every refresh; post a snapshot whenever something changed."""
        worker = get_current_worker()
        run_id = self.row.run_id if self.row is not None else None
        follower = RunFollower(self.run_dir, self.config.stale_after_s, self.config.clock, run_id=run_id)
        while not worker.is_cancelled:
            try:
                if follower.poll():
                    self.post_message(RunProgressed(follower.progress()))
            except READ_ERRORS as exc:  # keep following: the file may be replaced under us
                self.post_message(LoadFailed(f"run {self.run_dir.name}", describe(exc)))
            if self._stop.wait(self.config.refresh_s):
                break

    @on(RunProgressed)
    def _progressed(self, message: RunProgressed) -> None:
        self.show(message.progress)

    def show(self, progress: RunProgress) -> None:
        """Render a snapshot of the run."""
        self.progress = progress
        s = progress.summary
        self.query_one("#run-info", Static).update(info_text(self.row, s))
        bar = self.query_one("#run-progress", ProgressBar)
        total = s.total_steps or (self.row.summary.total_steps if self.row else None)
        bar.update(total=total, progress=min(s.step, total) if total else s.step)
        self.query_one("#loss-curve", Curve).set_points(progress.loss)
        self.query_one("#ppl-curve", Curve).set_points(progress.val_perplexity)
        checkpoints = self.query_one("#checkpoints", OptionList)
        if checkpoints.option_count > len(s.checkpoints):  # the file was replaced: start over
            checkpoints.clear_options()
        if s.checkpoints[checkpoints.option_count :]:
            checkpoints.add_options(s.checkpoints[checkpoints.option_count :])
            checkpoints.scroll_end(animate=False)
        checkpoints.border_title = f"checkpoints ({len(s.checkpoints)})"
        error = self.query_one("#run-error", Static)
        error.update(f"[b]error[/b] at step {s.step}:\n{escape(s.error)}" if s.error else last_event_text(s))
        error.set_class(bool(s.error), "-failed")


def info_text(row: RunRow | None, s: RunSummary) -> str:
    """Two lines: what the run is, and where it stands."""
    what = [f"[b]{escape(s.run_id)}[/b]"]
    if row is not None:
        hr = f"HR {row.hr_name} ({row.hr_lang})" if row.hr_lang else f"HR {row.hr_label or '?'}"
        what += [hr, escape(row.model or "")]
        what += [f"seed {row.seed}"] if row.seed is not None else []
    style = STATUS_STYLE.get(s.status, "dim")
    step = f"step {s.step}/{s.total_steps}" if s.total_steps else f"step {s.step}"
    where = [f"[{style}]{s.status}[/]", step]
    if s.loss is not None:
        where.append(f"loss {s.loss:.3f}")
    if s.val_perplexity is not None:
        where.append(f"val ppl {perplexity(s.val_perplexity)}")
    if s.tokens_per_s is not None:
        where.append(f"{s.tokens_per_s:,.0f} tok/s")
    if s.status == "running" and s.eta_s is not None:
        where.append(f"ETA {format_eta(s.eta_s)}")
    return " · ".join(part for part in what if part) + "\n" + " · ".join(where)


def last_event_text(s: RunSummary) -> str:
    """When the run last wrote, and when it started."""
    lines = []
    if s.started:
        lines.append(f"started {s.started[:19].replace('T', ' ')}")
    if s.last_time:
        lines.append(f"last event {s.last_time[:19].replace('T', ' ')}")
    if s.status == "stale":
        lines.append("[yellow]no events for a while: is it still running?[/]")
    return "\n".join(lines) or "no events yet"
