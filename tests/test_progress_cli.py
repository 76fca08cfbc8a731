"""The CLI's rich Reporter: bars only on a terminal, warnings always one unwrapped line."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from xlt.commands._progress import RichReporter

LONG = "skipped LR language nci: [bold]not markup[/] " + "x" * 150  # longer than rich's 80-column default


def test_no_bars_and_one_line_warnings_off_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    """Redirected stderr gets no progress bar and each warning on one line, verbatim."""
    with RichReporter() as reporter:
        reporter.start("spa-tiny-s0", total=10)
        reporter.advance("spa-tiny-s0", 4, info="loss 3.210 · 7,100 tok/s")
        reporter.warn(LONG)
        reporter.warn("second")
        reporter.finish("spa-tiny-s0")
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [f"warning: {LONG}", "warning: second"]


def test_terminal_shows_a_bar_per_task_with_its_info() -> None:
    """On a terminal each task has a bar with done/total and its info text; finishing removes it."""
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=120, soft_wrap=True)
    with RichReporter(console=console) as reporter:
        reporter.start("fine-tune r1/step-10", total=8)
        reporter.start("translate r1/step-10", total=12, completed=2)
        reporter.advance("fine-tune r1/step-10", 3, info="loss 4.321")
        reporter.progress.refresh()
        shown = buffer.getvalue()
        assert "fine-tune r1/step-10" in shown and "3/8" in shown and "loss 4.321" in shown
        assert "translate r1/step-10" in shown and "2/12" in shown
        reporter.finish("fine-tune r1/step-10")
        assert [task.description for task in reporter.progress.tasks] == ["translate r1/step-10"]
