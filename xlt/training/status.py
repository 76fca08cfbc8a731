"""Where each training run stands, from its events only (for `xlt runs`; no torch)."""

from __future__ import annotations

from xlt.events import EVENTS_FILE, RunSummary, iter_run_event_files, read_events, summarize
from xlt.workspace import Workspace


def list_runs(workspace: Workspace, hr: str | None = None) -> list[RunSummary]:
    """Summaries of the base pretraining (if any) and of every run under runs/, optionally one HR language."""
    summaries = []
    base_events = workspace.base_run_dir / EVENTS_FILE
    if hr is None and base_events.is_file():
        events = read_events(base_events)
        run_id = events[0]["run_id"] if events else "base"
        summaries.append(summarize(run_id, events))
    for run_id, path in iter_run_event_files(workspace.runs_dir):
        if hr is not None and not run_id.startswith(f"{hr}-"):
            continue
        summaries.append(summarize(run_id, read_events(path)))
    return summaries
