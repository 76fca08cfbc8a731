"""Runs for the TUI: what ``runs/*/config.json`` and ``events.jsonl`` say, followed incrementally."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from xlt.contracts.runs import CONFIG_FILE, RunInfo, maybe_read_run_config, run_dirs
from xlt.events import EVENTS_FILE, EventTail, RunSummary, summarize
from xlt.tui.data.common import Clock, Stamp, display_name, file_stamp, utc_now
from xlt.workspace import Workspace

# Curves keep at most this many points; a terminal plot is ~80 cells wide, so more only costs time.
MAX_CURVE_POINTS = 2000


@dataclass
class RunRow:
    """One line of the runs table: what config.json and events.jsonl say about a run."""

    run_id: str
    hr_lang: str | None
    model: str | None
    seed: int | None
    summary: RunSummary
    mix: tuple[str, ...] = ()  # the base model's run: the HR languages it was trained on together
    path: Path | None = None  # the run directory

    @property
    def hr_name(self) -> str:
        return display_name(self.hr_lang)

    @property
    def hr_label(self) -> str:
        """The HR language's name, or `mix eng+spa+tur` for the base model's run on the HR mix."""
        if self.hr_lang:
            return self.hr_name
        return f"mix {'+'.join(self.mix)}" if self.mix else ""


def restale(summary: RunSummary, stale_after_s: float, now: datetime) -> RunSummary:
    """The summary with running/stale decided again for `now` (no need to fold the events again)."""
    if summary.status not in {"running", "stale"} or not summary.last_time:
        return summary
    silent = (now - datetime.fromisoformat(summary.last_time)).total_seconds()
    status = "stale" if silent > stale_after_s else "running"
    return summary if status == summary.status else replace(summary, status=status)


@dataclass
class RunProgress:
    """The state of one run built from its events: summary and the points of its curves."""

    run_id: str
    summary: RunSummary
    loss: list[tuple[int, float]] = field(default_factory=list)
    val_perplexity: list[tuple[int, float]] = field(default_factory=list)


class RunFollower:
    """Follow one run's events.jsonl incrementally (an EventTail plus the folded state)."""

    def __init__(
        self, run_dir: Path, stale_after_s: float = 600.0, clock: Clock = utc_now, run_id: str | None = None
    ) -> None:
        self.run_id = run_id or run_dir.name
        self.tail = EventTail(run_dir / EVENTS_FILE)
        self.stale_after_s = stale_after_s
        self.clock = clock
        self.events: list[dict[str, Any]] = []
        self.loss: list[tuple[int, float]] = []
        self.val_perplexity: list[tuple[int, float]] = []
        self.summary = RunSummary(run_id=self.run_id, status="empty")

    def poll(self) -> bool:
        """Read what was appended; True when the state changed (new events or running <-> stale)."""
        new = self.tail.poll()
        before = self.summary
        if new:
            self.events.extend(new)
            for event in new:
                self._add_point(event)
            self.summary = summarize(self.run_id, self.events, self.stale_after_s, self.clock())
        else:
            self.summary = restale(self.summary, self.stale_after_s, self.clock())
        return bool(new) or self.summary.status != before.status

    def _add_point(self, event: dict[str, Any]) -> None:
        step = int(event.get("step", 0))
        kind = event["kind"]
        if kind == "start":
            # A resumed (or restarted) run goes on from `step`: points of the abandoned attempt go.
            self.loss = [p for p in self.loss if p[0] <= step]
            self.val_perplexity = [p for p in self.val_perplexity if p[0] <= step]
        elif kind == "step" and _finite(event.get("loss")):
            self.loss.append((step, float(event["loss"])))
        elif kind == "eval" and _finite(event.get("val_perplexity")):
            self.val_perplexity.append((step, float(event["val_perplexity"])))

    def progress(self) -> RunProgress:
        """A snapshot for the UI thread, curves thinned to MAX_CURVE_POINTS."""
        return RunProgress(self.run_id, replace(self.summary), thin(self.loss), thin(self.val_perplexity))


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)


def thin(points: Sequence[tuple[int, float]], limit: int = MAX_CURVE_POINTS) -> list[tuple[int, float]]:
    """Every k-th point so that at most `limit` remain; the last point is always kept."""
    if len(points) <= limit:
        return list(points)
    stride = math.ceil(len(points) / limit)
    kept = list(points[::stride])
    if kept[-1] != points[-1]:
        kept.append(points[-1])
    return kept


class RunsWatcher:
    """Every run of a workspace (the base model's run first), followed incrementally; `poll` returns rows
    when anything changed."""

    def __init__(
        self,
        workspace: Workspace,
        stale_after_s: float = 600.0,
        clock: Clock = utc_now,
        include_base: bool = True,
    ) -> None:
        self.workspace = workspace
        self.include_base = include_base
        self.stale_after_s = stale_after_s
        self.clock = clock
        self._followers: dict[Path, RunFollower] = {}
        self._configs: dict[Path, tuple[Stamp, dict[str, Any]]] = {}
        self._polled = False

    def _config(self, run_dir: Path) -> tuple[bool, dict[str, Any]]:
        stamp = file_stamp(run_dir / CONFIG_FILE)
        cached = self._configs.get(run_dir)
        if cached and cached[0] == stamp:
            return False, cached[1]
        config = maybe_read_run_config(run_dir)
        self._configs[run_dir] = (stamp, config)
        return True, config

    def poll(self) -> list[RunRow] | None:
        """All runs as rows, or None when nothing changed since the last poll."""
        dirs = run_dirs(self.workspace, self.include_base)
        changed = not self._polled or set(dirs) != set(self._followers)
        self._polled = True
        rows = []
        for run_dir in dirs:
            config_changed, config = self._config(run_dir)
            changed |= config_changed
            info = RunInfo(run_dir, config)
            follower = self._followers.get(run_dir)
            if follower is None or follower.run_id != info.run_id:
                follower = RunFollower(run_dir, self.stale_after_s, self.clock, run_id=info.run_id)
                self._followers[run_dir] = follower
                changed = True
            changed |= follower.poll()
            rows.append(row_of(info, follower.summary))
        for gone in set(self._followers) - set(dirs):
            del self._followers[gone]
            self._configs.pop(gone, None)
        return rows if changed else None


def row_of(info: RunInfo, summary: RunSummary) -> RunRow:
    """A runs-table row from a run's config and its summary (config's total_steps fills a gap)."""
    if summary.total_steps is None and info.total_steps is not None:
        summary = replace(summary, total_steps=info.total_steps)
    return RunRow(
        run_id=info.run_id,
        hr_lang=info.hr_lang,
        model=info.model,
        seed=info.seed,
        summary=summary,
        mix=info.mix,
        path=info.path,
    )


def format_eta(seconds: float | None) -> str:
    """'1h02m', '4m10s', '35s'; '' when unknown."""
    if seconds is None:
        return ""
    seconds = round(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    if seconds >= 60:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds}s"
