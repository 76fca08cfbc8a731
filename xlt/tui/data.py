"""Workspace readers for the TUI: plain functions over files, no Textual, no training code.

The TUI reads only what the stages write (ARCHITECTURE.md): ``runs/*/config.json``,
``runs/*/events.jsonl``, ``results/perplexity.parquet``, ``results/downstream.parquet``,
``analysis/*.parquet`` and ``corpus/languages.parquet``. Everything here runs in thread workers, so it
may take its time; nothing here may import torch, transformers or accelerate.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import polars as pl
from rich.cells import cell_len

from xlt.events import EVENTS_FILE, EventTail, RunSummary, summarize
from xlt.languages import name_of
from xlt.workspace import Workspace

Clock = Callable[[], datetime]
MatrixMode = Literal["perplexity", "gain"]
Stamp = tuple[int, int] | None

# Curves keep at most this many points; a terminal plot is ~80 cells wide, so more only costs time.
MAX_CURVE_POINTS = 2000
# Columns whose values are ISO 639-3 codes get a display-name column beside them.
LANG_COLUMNS = frozenset({"hr_lang", "lr_lang", "iso3", "lang", "language", "src_lang", "tgt_lang"})


def utc_now() -> datetime:
    """The default clock."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class TuiConfig:
    """What the app needs: where to read, how often, when a silent run counts as stale, the clock."""

    workspace: Workspace
    refresh_s: float = 2.0
    # A run that wrote no event for 10 minutes is probably dead (a step of mt5-base on one GPU takes
    # well under a second, and evaluations are logged as they finish).
    stale_after_s: float = 600.0
    clock: Clock = utc_now


def file_stamp(path: Path) -> Stamp:
    """(mtime_ns, size) of a file, or None when it does not exist: cheap change detection."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size)


def display_name(iso3: str | None) -> str:
    """Language display name; '' for a missing code."""
    if not iso3:
        return ""
    try:
        return name_of(iso3)
    except Exception:  # a code the registry cannot parse is still worth showing as itself
        return iso3


# --- runs ------------------------------------------------------------------------------------------------


@dataclass
class RunRow:
    """One line of the runs table: what config.json and events.jsonl say about a run."""

    run_id: str
    hr_lang: str | None
    model: str | None
    seed: int | None
    summary: RunSummary
    mix: tuple[str, ...] = ()  # the base model's run: the HR languages it was trained on together

    @property
    def hr_name(self) -> str:
        return display_name(self.hr_lang)

    @property
    def hr_label(self) -> str:
        """The HR language's name, or `mix eng+spa+tur` for the base model's run on the HR mix."""
        if self.hr_lang:
            return self.hr_name
        return f"mix {'+'.join(self.mix)}" if self.mix else ""


def read_run_config(path: Path) -> dict[str, Any]:
    """A run's config.json as a dict; {} when missing or unreadable (a run being created)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


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
    """Every run of a workspace, followed incrementally; `poll` returns rows when anything changed.

    `extra` are run directories outside runs/ (`models/base-run`, the embedded base model's pretraining by
    `xlt pretrain --base`); they are listed under their path relative to the workspace.
    """

    def __init__(
        self,
        runs_dir: Path,
        stale_after_s: float = 600.0,
        clock: Clock = utc_now,
        extra: Sequence[Path] = (),
    ) -> None:
        self.runs_dir = runs_dir
        self.extra = list(extra)
        self.stale_after_s = stale_after_s
        self.clock = clock
        self._followers: dict[str, RunFollower] = {}
        self._configs: dict[str, tuple[Stamp, dict[str, Any]]] = {}
        self._polled = False

    def run_dirs(self) -> list[Path]:
        """Run directories: those with a config.json or an events.jsonl (extra ones first)."""
        runs = sorted(self.runs_dir.iterdir()) if self.runs_dir.is_dir() else []
        return [
            p
            for p in [*self.extra, *runs]
            if p.is_dir() and ((p / "config.json").exists() or (p / EVENTS_FILE).exists())
        ]

    def key(self, run_dir: Path) -> str:
        """The row key of a run: its directory name, or `models/base` style for extra directories."""
        return f"{run_dir.parent.name}/{run_dir.name}" if run_dir in self.extra else run_dir.name

    def _config(self, key: str, run_dir: Path) -> tuple[bool, dict[str, Any]]:
        path = run_dir / "config.json"
        stamp = file_stamp(path)
        cached = self._configs.get(key)
        if cached and cached[0] == stamp:
            return False, cached[1]
        config = read_run_config(path)
        self._configs[key] = (stamp, config)
        return True, config

    def poll(self) -> list[RunRow] | None:
        """All runs as rows, or None when nothing changed since the last poll."""
        dirs = {self.key(p): p for p in self.run_dirs()}
        changed = not self._polled or set(dirs) != set(self._followers)
        self._polled = True
        rows = []
        for key, run_dir in dirs.items():
            follower = self._followers.get(key)
            if follower is None:
                follower = RunFollower(run_dir, self.stale_after_s, self.clock, run_id=key)
                self._followers[key] = follower
            changed |= follower.poll()
            config_changed, config = self._config(key, run_dir)
            changed |= config_changed
            rows.append(row_of(key, config, follower.summary))
        for gone in set(self._followers) - set(dirs):
            del self._followers[gone]
            self._configs.pop(gone, None)
        return rows if changed else None


def row_of(run_id: str, config: dict[str, Any], summary: RunSummary) -> RunRow:
    """A runs-table row from a config.json dict and a summary (config's total_steps fills a gap)."""
    if summary.total_steps is None and isinstance(config.get("total_steps"), int):
        summary = replace(summary, total_steps=config["total_steps"])
    seed = config.get("seed")
    model = config.get("model") or config.get("base_model")
    languages = config.get("languages")
    return RunRow(
        run_id=run_id,
        hr_lang=config.get("hr_lang"),
        model=str(model) if model is not None else None,
        seed=seed if isinstance(seed, int) else None,
        summary=summary,
        mix=tuple(sorted(languages)) if isinstance(languages, dict) and not config.get("hr_lang") else (),
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


# --- perplexity matrix --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Subject:
    """What a matrix shows: one run, or every run of one HR language (seeds averaged)."""

    kind: Literal["run", "hr"]
    key: str
    label: str


@dataclass
class Matrix:
    """Checkpoint × LR-language values; `best[j]` is the row index of column j's best cell."""

    mode: MatrixMode
    checkpoints: list[str]
    steps: list[int]
    langs: list[str]
    values: list[list[float | None]]
    best: list[int | None]


def load_perplexity(path: Path) -> pl.DataFrame | None:
    """results/perplexity.parquet, or None when it does not exist yet."""
    if not path.exists():
        return None
    return pl.read_parquet(path)


def matrix_subjects(frame: pl.DataFrame) -> list[Subject]:
    """Runs first (in name order), then HR languages (every seed of that language averaged)."""
    trained = frame.filter(pl.col("run_id") != "base")
    runs = (
        trained.select("run_id", "hr_lang").unique().sort("run_id").iter_rows()
        if "hr_lang" in frame.columns
        else ((r, None) for r in trained["run_id"].unique().sort())
    )
    subjects = [
        Subject("run", run_id, f"run {run_id}" + (f" ({display_name(hr)})" if hr else ""))
        for run_id, hr in runs
    ]
    if "hr_lang" in frame.columns:
        for hr in trained["hr_lang"].drop_nulls().unique().sort():
            subjects.append(Subject("hr", hr, f"HR {display_name(hr)} ({hr}), all seeds"))
    return subjects


def zero_shot(frame: pl.DataFrame, models: Sequence[str] | None = None) -> dict[str, float]:
    """Zero-shot perplexity per LR language (run_id `base`, mean over eval seeds) of the given models."""
    base = frame.filter(pl.col("run_id") == "base")
    if models is not None and "model" in frame.columns:
        base = base.filter(pl.col("model").is_in(list(models)))
    if base.is_empty():
        return {}
    table = base.group_by("lr_lang").agg(pl.col("perplexity").mean())
    return dict(zip(table["lr_lang"], table["perplexity"], strict=True))


def gain(perplexity: float, base: float) -> float:
    """Gain over zero-shot: the per-cent reduction of perplexity, 100 * (1 - ppl / zero-shot ppl)."""
    return 100.0 * (1.0 - perplexity / base)


def build_matrix(frame: pl.DataFrame, subject: Subject, mode: MatrixMode = "perplexity") -> Matrix:
    """The checkpoint × LR-language table of one subject (mean over eval seeds and, for HR, runs).

    In perplexity mode the zero-shot row (`base`) comes first; in gain mode every value is compared with
    it, so languages without a zero-shot perplexity get no value.
    """
    column = "run_id" if subject.kind == "run" else "hr_lang"
    chosen = frame.filter(pl.col(column) == subject.key)
    cells = chosen.group_by("checkpoint", "lr_lang").agg(pl.col("step").max(), pl.col("perplexity").mean())
    langs = sorted(frame["lr_lang"].unique().to_list())
    wide = cells.pivot(on="lr_lang", index=["checkpoint", "step"], values="perplexity").sort(
        "step", "checkpoint"
    )
    # Compare with the zero-shot rows of the same base model (a results file may hold several).
    base = zero_shot(frame, chosen["model"].unique().to_list() if "model" in frame.columns else None)
    rows: list[list[float | None]] = []
    checkpoints: list[str] = []
    steps: list[int] = []
    if mode == "perplexity" and base:
        checkpoints.append("base")
        steps.append(0)
        rows.append([base.get(lang) for lang in langs])
    present = [lang for lang in langs if lang in wide.columns]
    for record in wide.select("checkpoint", "step", *present).iter_rows(named=True):
        checkpoints.append(str(record["checkpoint"]))
        steps.append(int(record["step"]))
        values = []
        for lang in langs:
            value = record.get(lang)
            if value is not None and mode == "gain":
                zero = base.get(lang)
                value = gain(value, zero) if zero else None
            values.append(value)
        rows.append(values)
    return Matrix(mode, checkpoints, steps, langs, rows, best_rows(rows, len(langs), mode))


def best_rows(rows: list[list[float | None]], width: int, mode: MatrixMode) -> list[int | None]:
    """Row index of the best value per column: lowest perplexity or highest gain."""
    best: list[int | None] = []
    for j in range(width):
        column = [(row[j], i) for i, row in enumerate(rows) if row[j] is not None and math.isfinite(row[j])]
        if not column:
            best.append(None)
            continue
        pick = min(column) if mode == "perplexity" else max(column)
        best.append(pick[1])
    return best


# --- tables: analysis, downstream, languages ----------------------------------------------------------


@dataclass
class NamedTable:
    """A parquet file as text rows; `error` instead of rows when it could not be read."""

    name: str
    path: Path
    columns: list[str] = field(default_factory=list)
    rows: list[tuple[str, ...]] = field(default_factory=list)
    numeric: list[bool] = field(default_factory=list)
    error: str | None = None


def named_table(name: str, path: Path, frame: pl.DataFrame) -> NamedTable:
    """A frame rendered to text rows (see table_rows)."""
    columns, rows, numeric = table_rows(frame)
    return NamedTable(name, path, columns, rows, numeric)


# The analyze stage's tables in the order a reader wants them; any other analysis/*.parquet follows.
ANALYSIS_ORDER = ("donors", "recipients", "correlations", "overlap")


def load_analysis(analysis_dir: Path, downstream_path: Path | None = None) -> list[NamedTable]:
    """analysis/*.parquet (known tables first) plus results/downstream.parquet when it exists."""
    paths = sorted(analysis_dir.glob("*.parquet")) if analysis_dir.is_dir() else []
    rank = {name: i for i, name in enumerate(ANALYSIS_ORDER)}
    paths.sort(key=lambda p: (rank.get(p.stem, len(rank)), p.stem))
    if downstream_path is not None and downstream_path.exists():
        paths.append(downstream_path)
    tables = []
    for path in paths:
        try:
            tables.append(named_table(path.stem, path, pl.read_parquet(path)))
        except Exception as exc:  # one broken file is reported and skipped; the others are shown
            tables.append(NamedTable(path.stem, path, error=f"{type(exc).__name__}: {exc}"))
    return tables


def analysis_stamp(analysis_dir: Path, downstream_path: Path | None = None) -> tuple[tuple[str, Stamp], ...]:
    """Stamps of every file load_analysis reads, to skip re-reading when nothing changed."""
    paths = sorted(analysis_dir.glob("*.parquet")) if analysis_dir.is_dir() else []
    if downstream_path is not None:
        paths.append(downstream_path)
    return tuple((str(p), file_stamp(p)) for p in paths)


TIER_ORDER = {"hr": 0, "lr": 1, "excluded": 2}
LANGUAGE_COLUMNS = ("iso3", "name", "tier", "lines", "tokens", "sources")


def load_languages(path: Path) -> NamedTable | None:
    """corpus/languages.parquet sorted by tier (hr, lr, excluded) then by tokens; None when missing."""
    if not path.exists():
        return None
    return named_table("languages", path, sort_languages(pl.read_parquet(path)))


def sort_languages(frame: pl.DataFrame) -> pl.DataFrame:
    """HR languages first, then LR, then excluded; the most tokens first within a tier.

    The columns a reader looks for come first (an 80-column terminal shows about six).
    """
    first = [c for c in LANGUAGE_COLUMNS if c in frame.columns]
    frame = frame.select(*first, *(c for c in frame.columns if c not in first))
    keys: list[pl.Expr] = []
    if "tier" in frame.columns:
        keys.append(pl.col("tier").replace_strict(TIER_ORDER, default=len(TIER_ORDER), return_dtype=pl.Int8))
    if "tokens" in frame.columns:
        keys.append(-pl.col("tokens"))
    return frame.sort(keys) if keys else frame


def fit_widths(labels: Sequence[str], rows: Sequence[Sequence[Any]], cap: int = 40) -> list[int]:
    """Column widths that fit every label and cell (rich Text or str), at most `cap` cells.

    The tables set explicit widths: DataTable's own auto-width is measured on idle, after a first render
    that it caches, so a table filled from a worker message keeps its header-wide columns (Textual 8.2).
    """
    widths = [cell_len(label) for label in labels]
    for row in rows:
        for j, cell in enumerate(row):
            n = cell.cell_len if hasattr(cell, "cell_len") else cell_len(str(cell))
            if n > widths[j]:
                widths[j] = n
    return [min(width, cap) for width in widths]


def format_value(value: Any) -> str:
    """A cell as text: 4 significant digits for floats, thousands separators for ints, lists joined."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if value != 0 and (abs(value) >= 1e6 or abs(value) < 1e-3):
            return f"{value:.3e}"
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, list | tuple):
        return ",".join(format_value(v) for v in value)
    return str(value)


def table_rows(frame: pl.DataFrame) -> tuple[list[str], list[tuple[str, ...]], list[bool]]:
    """Labels, text rows and right-alignment of any frame; a language-code column gets a name beside it."""
    columns: list[str] = []
    numeric: list[bool] = []
    getters: list[Callable[[dict[str, Any]], str]] = []
    has_name = "name" in frame.columns
    for name in frame.columns:
        columns.append(name)
        numeric.append(frame.schema[name].is_numeric())
        getters.append(lambda r, n=name: format_value(r[n]))
        if name in LANG_COLUMNS and frame.schema[name] == pl.String and not (name == "iso3" and has_name):
            columns.append(f"{name} name")
            numeric.append(False)
            getters.append(lambda r, n=name: display_name(r[n]))
    rows = [tuple(get(record) for get in getters) for record in frame.iter_rows(named=True)]
    return columns, rows, numeric
