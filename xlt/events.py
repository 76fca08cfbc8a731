"""The `runs/<run_id>/events.jsonl` schema: write, tail, read.

One JSON object per line::

    {"time": ISO-8601, "run_id": str,
     "kind": "start"|"step"|"eval"|"checkpoint"|"end"|"error"|"preempted", "step": int, ...}

with ``loss``, ``lr``, ``tokens_per_s`` on steps, ``val_loss``, ``val_perplexity`` on evals, ``path`` on
checkpoints and ``message`` on errors. ``start`` also carries ``total_steps``. ``preempted`` (with
``signal`` and ``message``) says the run stopped on a scheduler's signal after saving its resume state
at ``step`` (:mod:`xlt.training.preemption`); the next ``start`` resumes it. Lines are appended and
flushed as training goes, so readers must tolerate a half-written last line.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

EventKind = Literal["start", "step", "eval", "checkpoint", "end", "error", "preempted"]
KINDS: frozenset[str] = frozenset({"start", "step", "eval", "checkpoint", "end", "error", "preempted"})
EVENTS_FILE = "events.jsonl"


def now_iso() -> str:
    """Current UTC time, ISO-8601 with seconds precision."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class EventWriter:
    """Append events to a run's events.jsonl, flushing each line to disk."""

    def __init__(self, path: str | os.PathLike[str], run_id: str) -> None:
        self.path = Path(path)
        self.run_id = run_id
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._handle = self.path.open("a", encoding="utf-8")

    def emit(self, kind: EventKind, step: int, **fields: Any) -> dict[str, Any]:
        """Write one event and return it."""
        if kind not in KINDS:
            raise ValueError(f"unknown event kind {kind!r}")
        event = {"time": now_iso(), "run_id": self.run_id, "kind": kind, "step": int(step), **fields}
        self._handle.write(json.dumps(event, ensure_ascii=False, allow_nan=False, default=_jsonable) + "\n")
        self._handle.flush()
        return event

    def close(self) -> None:
        self._handle.close()

    def __enter__(self) -> EventWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _jsonable(value: Any) -> Any:
    if hasattr(value, "item"):  # numpy / torch scalars
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def parse_line(line: str) -> dict[str, Any] | None:
    """One event from one line, or None for a blank, partial or foreign line."""
    line = line.strip()
    if not line:
        return None
    try:
        event = json.loads(line)
    except json.JSONDecodeError:
        return None
    if not isinstance(event, dict) or event.get("kind") not in KINDS:
        return None
    return event


def read_events(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """All complete events of a file (an unfinished last line is ignored); [] if it does not exist."""
    target = Path(path)
    if not target.exists():
        return []
    with target.open("r", encoding="utf-8", errors="replace") as handle:
        return [event for line in handle if (event := parse_line(line)) is not None]


@dataclass
class EventTail:
    """Incrementally read new complete events from a growing file (used by the TUI and `xlt runs`)."""

    path: Path
    offset: int = 0
    _partial: bytes = field(default=b"", repr=False)

    def poll(self) -> list[dict[str, Any]]:
        """Events appended since the last poll; a half-written last line waits for the next poll."""
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            return []
        if size < self.offset:  # truncated or replaced: start over
            self.offset, self._partial = 0, b""
        if size == self.offset:
            return []
        with self.path.open("rb") as handle:
            handle.seek(self.offset)
            chunk = handle.read(size - self.offset)
        self.offset = size
        data = self._partial + chunk
        *lines, self._partial = data.split(b"\n")
        events = []
        for raw in lines:
            event = parse_line(raw.decode("utf-8", errors="replace"))
            if event is not None:
                events.append(event)
        return events


@dataclass
class RunSummary:
    """What the events of one run say about it, for `xlt runs` and the TUI."""

    run_id: str
    status: str  # running | finished | failed | preempted | stale | empty
    step: int = 0
    total_steps: int | None = None
    loss: float | None = None
    val_perplexity: float | None = None
    tokens_per_s: float | None = None
    checkpoints: list[str] = field(default_factory=list)
    error: str | None = None
    started: str | None = None
    last_time: str | None = None

    @property
    def eta_s(self) -> float | None:
        """Seconds left, from the step rate so far; None when unknown."""
        if not (self.started and self.last_time and self.total_steps and self.step):
            return None
        elapsed = (_parse_time(self.last_time) - _parse_time(self.started)).total_seconds()
        if elapsed <= 0 or self.step >= self.total_steps:
            return 0.0 if self.step >= (self.total_steps or 0) else None
        return elapsed / self.step * (self.total_steps - self.step)


def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _apply(summary: RunSummary, event: dict[str, Any]) -> None:
    """What one event changes in a run's summary."""
    kind = event["kind"]
    if kind == "start":
        summary.status, summary.started, summary.error = "running", event.get("time"), None
        summary.total_steps = event.get("total_steps", summary.total_steps)
    elif kind == "step":
        summary.loss = event.get("loss", summary.loss)
        summary.tokens_per_s = event.get("tokens_per_s", summary.tokens_per_s)
    elif kind == "eval":
        summary.val_perplexity = event.get("val_perplexity", summary.val_perplexity)
    elif kind == "checkpoint" and event.get("path"):
        summary.checkpoints.append(Path(event["path"]).name)
    elif kind == "end":
        summary.status = "finished"
    elif kind in ("error", "preempted"):  # preempted: stopped with its state saved; `start` resumes it
        summary.status = "failed" if kind == "error" else "preempted"
        summary.error = event.get("message")


def summarize(
    run_id: str, events: list[dict[str, Any]], stale_after_s: float = 600.0, now: datetime | None = None
) -> RunSummary:
    """Fold a run's events into its current state; a running run silent for `stale_after_s` is stale."""
    summary = RunSummary(run_id=run_id, status="empty")
    for event in events:
        summary.last_time = event.get("time", summary.last_time)
        summary.step = max(summary.step, int(event.get("step", 0)))
        _apply(summary, event)
    if summary.status == "running" and summary.last_time:
        current = now or datetime.now(UTC)
        if (current - _parse_time(summary.last_time)).total_seconds() > stale_after_s:
            summary.status = "stale"
    return summary
