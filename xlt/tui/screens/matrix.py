"""The per-run matrix: checkpoint × LR language for one run or one HR language, the baselines under the
checkpoints, as perplexity or as gain over zero-shot."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import polars as pl
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Header, Select, Static

from xlt.contracts.baselines import baselines_path
from xlt.tui.data.common import Stamp, file_stamp
from xlt.tui.data.matrix import (
    MatrixMode,
    Subject,
    build_matrix,
    load_baselines,
    load_perplexity,
    matrix_subjects,
)
from xlt.tui.messages import MatrixReady
from xlt.tui.screens.polling import PollingScreen
from xlt.tui.widgets.empty_state import EmptyState
from xlt.tui.widgets.footer import footer
from xlt.tui.widgets.matrix_table import MatrixTable, matrix_grid

# Three lines of ~34 cells: what is left beside the run selector in 80 columns.
LEGEND = {
    "perplexity": "perplexity: lower = better\n[b]*[/b] best checkpoint per LR\n[i]italic[/i]: baselines",
    "gain": "rel gain 1 − p/z: + = better\n(p below zero-shot z) · [b]*[/b] best\n[i]italic[/i]: baselines",
}


class MatrixScreen(PollingScreen):
    """Reads results/perplexity.parquet again whenever its mtime changes; builds tables in a worker."""

    TITLE = "Matrix"
    AUTO_FOCUS = "#matrix"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("g", "toggle_mode", "Gain/ppl", tooltip="Switch between perplexity and gain over zero-shot"),
        Binding("n", "cycle(1)", "Next run/HR", tooltip="Show the next run or HR language"),
        Binding("p", "cycle(-1)", "Prev", show=False, tooltip="Show the previous run or HR language"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.mode: MatrixMode = "perplexity"
        self.subject: Subject | None = None
        self.subjects: list[Subject] = []
        # The files' stamps with the matrix and baselines read from them, kept as one value: a forced
        # load running beside another (their threads overlap) sees all three or none.
        self._data: tuple[tuple[Stamp, Stamp], pl.DataFrame | None, pl.DataFrame] | None = None
        self._shown: tuple[Stamp, Stamp] | None = None  # the stamps of what the table shows
        self._failed: tuple[Stamp, Stamp] | None = None  # stamps whose read failed

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="matrix-bar"):
            yield Static(LEGEND[self.mode], id="legend")
        yield EmptyState(
            "No perplexities of trained checkpoints yet (results/perplexity.parquet).",
            ["xlt pretrain --hr English", "xlt evaluate --all-lr"],
            id="empty",
        )
        yield MatrixTable(id="matrix")
        yield footer()

    def load(self, force: bool) -> None:
        ws = self.config.workspace
        stamp = (file_stamp(ws.perplexity_path), file_stamp(baselines_path(ws)))
        data = self._data  # read once: a load in another thread (a forced one overlaps) may replace it
        fresh = data is not None and data[0] == stamp
        shown = self._shown == stamp and (fresh or stamp[0] is None)
        if not force and (shown or self._failed == stamp):
            return  # nothing new (a file that failed to read is read again when it changes or on a key)
        if stamp[0] is None:
            self._data, self._shown = None, stamp
            self.post_current(MatrixReady(None, None, None, None))
            return
        if data is None or not fresh:
            self._failed = stamp  # cleared once both are read
            data = (stamp, load_perplexity(ws.perplexity_path), load_baselines(ws))
            self._data, self._failed = data, None
        _, frame, baselines = data
        self._shown = stamp
        subjects = matrix_subjects(frame) if frame is not None else []
        if frame is None or not subjects:
            self.post_current(MatrixReady([], None, None, None))
            return
        requested = getattr(self.app, "requested_subject", None)
        if requested in subjects:  # `m` on the overview asked for this donor
            self.subject, self.app.requested_subject = requested, None  # type: ignore[attr-defined]
        subject = self.subject if self.subject in subjects else subjects[0]
        matrix = build_matrix(frame, subject, self.mode, baselines)
        self.post_current(MatrixReady(subjects, subject, matrix, matrix_grid(matrix)))

    @on(MatrixReady)
    def _ready(self, message: MatrixReady) -> None:
        self.show_empty(not message.subjects)
        self.subject = message.subject
        if message.subjects and message.subjects != self.subjects:
            self.subjects = message.subjects
            options = [(s.label, s) for s in message.subjects]
            # Mounted with the first subjects: a Select without options would need a blank entry.
            select = next(self.query("#subject").results(Select), None)
            if select is None:
                # Created with the shown subject: a Select starts on its first option and says so with a
                # Changed message, which would undo a subject asked for with `m` on the overview.
                start = Select.NULL if message.subject is None else message.subject
                select = Select[Subject](options, value=start, allow_blank=False, id="subject")
                self.query_one("#matrix-bar").mount(select, before=0)
                self.call_after_refresh(self._sync_select)
            else:
                with self.prevent(Select.Changed):
                    select.set_options(options)
        self._sync_select()
        if message.matrix is not None and message.grid is not None:
            self.query_one(MatrixTable).show(message.matrix, message.grid)
            self.query_one("#legend", Static).update(LEGEND[message.matrix.mode])

    def _sync_select(self) -> None:
        """Show the current subject in the Select (only once it is mounted: earlier values are lost)."""
        select = next(self.query("#subject").results(Select), None)
        if select is None or not select.is_mounted or self.subject is None:
            return
        if select.value != self.subject:
            with self.prevent(Select.Changed):
                select.value = self.subject

    @on(Select.Changed, "#subject")
    def _subject_chosen(self, event: Select.Changed) -> None:
        if isinstance(event.value, Subject) and event.value != self.subject:
            self.subject = event.value
            self.reload(force=True)

    def on_screen_resume(self) -> None:
        if getattr(self.app, "requested_subject", None) is not None:
            self.reload(force=True)

    def action_toggle_mode(self) -> None:
        """Switch between perplexity and gain over zero-shot."""
        self.mode = "gain" if self.mode == "perplexity" else "perplexity"
        self.query_one("#legend", Static).update(LEGEND[self.mode])
        self.reload(force=True)

    def action_cycle(self, step: int) -> None:
        """Show the next (or previous) run or HR language."""
        if not self.subjects:
            return
        index = self.subjects.index(self.subject) if self.subject in self.subjects else -step
        self.subject = self.subjects[(index + step) % len(self.subjects)]
        self.reload(force=True)

    def export_name(self) -> str:
        key = self.subject.key if self.subject else "matrix"
        return f"matrix-{key}-{self.mode}"

    def plot_path(self) -> Path | None:
        """The HR language's forgetting curves, as `xlt analyze` draws them."""
        hr = self.subject.key if self.subject and self.subject.kind == "hr" else None
        return self.config.workspace.analysis_dir / "forgetting" / f"{hr}.png" if hr else None
