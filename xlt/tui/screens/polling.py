"""The base of screens that re-read workspace files every few seconds in a thread worker."""

from __future__ import annotations

import polars as pl
from textual import work
from textual.message import Message
from textual.worker import get_current_worker

from xlt.errors import XltError
from xlt.tui.messages import LoadFailed
from xlt.tui.screens.base import XltScreen

# What a reader of workspace files can meet: our own errors (with their hints), files that vanish or
# cannot be read, and tables polars or the contracts refuse. Anything else is a bug and is logged by
# Textual's worker machinery instead of being dressed up as a notification.
READ_ERRORS = (XltError, OSError, pl.exceptions.PolarsError, ValueError, KeyError)


def describe(exc: BaseException) -> str:
    """One line for a person: the error's own words, never its class name."""
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.filename}: {exc.strerror}" if exc.filename else exc.strerror
    return str(exc) or "unreadable file"


class PollingScreen(XltScreen):
    """Calls `load` in a thread worker at mount and every `refresh_s`; one load at a time.

    `load` runs off the UI thread: it reads files, returns early when their stamps did not change, and
    posts messages through `post_current` (dropped when a newer load superseded it). A failure becomes
    a LoadFailed message, which the app shows as a notification.
    """

    def __init__(self) -> None:
        super().__init__()
        self._busy = False

    def on_mount(self) -> None:
        self.sub_title = self.config.workspace.root.name  # the full path would crowd 80 columns
        self.reload()
        self.set_interval(self.config.refresh_s, self.reload)

    def reload(self, force: bool = False) -> None:
        """Start a load unless one is running (`force`: supersede it, e.g. after a key press)."""
        if self._busy and not force:
            return
        self._busy = True
        self._load_worker(force)

    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def _load_worker(self, force: bool) -> None:
        try:
            self.load(force)
        except READ_ERRORS as exc:  # a worker never crashes the app: it says what failed
            self.post_message(LoadFailed(str(self.title or "screen"), describe(exc)))
        finally:
            if not get_current_worker().is_cancelled:
                self._busy = False

    def load(self, force: bool) -> None:
        """Read files and post messages (runs in a thread)."""
        raise NotImplementedError

    def show_empty(self, empty: bool) -> None:
        """Show the empty-state note or the content; focus the content once it appears.

        AUTO_FOCUS cannot focus a widget hidden by the empty state, so a screen that started empty
        would otherwise leave keys like enter going nowhere.
        """
        self.set_class(empty, "-empty")
        if not empty and self.focused is None and self.AUTO_FOCUS:
            self.call_after_refresh(lambda: self.query_one(self.AUTO_FOCUS or "*").focus())

    def post_current(self, message: Message) -> None:
        """Post from a load unless a newer load has replaced this one."""
        if not get_current_worker().is_cancelled:
            self.post_message(message)
