"""Workspace readers for the TUI: plain functions over files, no Textual, no training code.

The TUI reads only what the stages write (ARCHITECTURE.md): ``runs/*/config.json``,
``runs/*/events.jsonl``, ``results/perplexity.parquet``, ``results/downstream.parquet``,
``analysis/*.parquet`` and ``corpus/languages.parquet``. Everything here runs in thread workers, so it
may take its time; nothing here may import torch, transformers or accelerate.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import polars as pl
from rich.cells import cell_len

from xlt.contracts import views
from xlt.contracts.downstream import read_results as read_downstream
from xlt.contracts.languages import read_languages
from xlt.contracts.perplexity import BASE_RUN_ID, read_results
from xlt.contracts.runs import CONFIG_FILE, RunInfo, maybe_read_run_config, run_dirs
from xlt.errors import InputError
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
    steps: list[int | None]  # None for matrices imported from elsewhere (no steps)
    langs: list[str]
    values: list[list[float | None]]
    best: list[int | None]


def load_perplexity(path: Path) -> pl.DataFrame | None:
    """The results file, or None when it does not exist yet."""
    return read_results(path) if path.exists() else None


def matrix_subjects(frame: pl.DataFrame) -> list[Subject]:
    """Runs first (in name order), then HR languages (every seed of that language averaged)."""
    trained = frame.filter(pl.col("run_id") != BASE_RUN_ID)
    subjects = [
        Subject("run", run_id, f"run {run_id}" + (f" ({display_name(hr)})" if hr else ""))
        for run_id, hr in trained.select("run_id", "hr_lang").unique().sort("run_id").iter_rows()
    ]
    for hr in trained["hr_lang"].drop_nulls().unique().sort():
        subjects.append(Subject("hr", hr, f"HR {display_name(hr)} ({hr}), all seeds"))
    return subjects


# One matrix row per checkpoint of the subject (several runs of an HR language are averaged).
MATRIX_ROWS = ("checkpoint", "step", "model")


def build_matrix(frame: pl.DataFrame, subject: Subject, mode: MatrixMode = "perplexity") -> Matrix:
    """The checkpoint × LR-language table of one subject (mean over eval seeds and, for HR, runs).

    In perplexity mode the zero-shot row (`base`) of the subject's base model comes first; in gain mode
    every value is the relative gain over it in per cent (:mod:`xlt.contracts.views`), so languages
    without a zero-shot perplexity get no value.
    """
    column = "run_id" if subject.kind == "run" else "hr_lang"
    chosen = frame.filter(pl.col(column) == subject.key)
    base = frame.filter(pl.col("run_id") == BASE_RUN_ID).join(
        chosen.select("model").unique(), on="model", how="semi", nulls_equal=True
    )
    gain = mode == "gain"
    wide = views.perplexity_matrix(
        pl.concat([base, chosen]), "rel_gain" if gain else "perplexity", rows=MATRIX_ROWS
    )
    langs = sorted(frame["lr_lang"].unique().to_list())
    rows: list[list[float | None]] = []
    for record in wide.iter_rows(named=True):
        values = [record.get(lang) for lang in langs]
        rows.append([100.0 * v if gain and v is not None else v for v in values])
    checkpoints = [str(c) for c in wide["checkpoint"].to_list()]
    steps = [int(s) if s is not None else None for s in wide["step"].to_list()]
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


def load_analysis(workspace: Workspace) -> list[NamedTable]:
    """analysis/*.parquet (known tables first) plus results/downstream.parquet when it exists."""
    analysis_dir = workspace.analysis_dir
    paths = sorted(analysis_dir.glob("*.parquet")) if analysis_dir.is_dir() else []
    rank = {name: i for i, name in enumerate(ANALYSIS_ORDER)}
    paths.sort(key=lambda p: (rank.get(p.stem, len(rank)), p.stem))
    tables = []
    for path in paths:
        try:
            tables.append(named_table(path.stem, path, pl.read_parquet(path)))
        except (OSError, pl.exceptions.PolarsError) as exc:  # one broken file is reported; others shown
            tables.append(NamedTable(path.stem, path, error=f"cannot read {path.name}: {exc}"))
    path = workspace.downstream_path
    if path.exists():
        try:
            tables.append(named_table(path.stem, path, read_downstream(workspace)))
        except InputError as exc:
            tables.append(NamedTable(path.stem, path, error=exc.message))
    return tables


def analysis_stamp(analysis_dir: Path, downstream_path: Path | None = None) -> tuple[tuple[str, Stamp], ...]:
    """Stamps of every file load_analysis reads, to skip re-reading when nothing changed."""
    paths = sorted(analysis_dir.glob("*.parquet")) if analysis_dir.is_dir() else []
    if downstream_path is not None:
        paths.append(downstream_path)
    return tuple((str(p), file_stamp(p)) for p in paths)


TIER_ORDER = {"hr": 0, "lr": 1, "excluded": 2}
LANGUAGE_COLUMNS = ("iso3", "name", "tier", "lines", "tokens", "sources")


def load_languages(workspace: Workspace) -> NamedTable | None:
    """corpus/languages.parquet sorted by tier (hr, lr, excluded) then by tokens; None when missing."""
    if not workspace.languages_path.exists():
        return None
    return named_table("languages", workspace.languages_path, sort_languages(read_languages(workspace)))


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
