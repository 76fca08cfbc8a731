"""What `analyze` is asked to do (`AnalysisOptions`), what it found (`AnalysisReport`), and the context
its steps share: the results read once, the HR and LR languages, and small file helpers.

The analysis files live under ``analysis/`` (:attr:`xlt.workspace.Workspace.analysis_dir`); each step is
skipped when its outputs are newer than its inputs (resume = re-run).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import polars as pl

from xlt.contracts.languages import maybe_read_languages
from xlt.contracts.perplexity import BASE_RUN_ID, read_results
from xlt.errors import InputError, UsageError
from xlt.progress import NullReporter, Reporter
from xlt.workspace import Workspace, atomic_open, write_parquet

STEPS = ("overlap", "typology", "transfer", "rank", "plots")
CSV_COPIES = ("transfer", "donors", "recipients", "correlations")
FORMATS = ("png", "pdf", "svg")
ORDERS = ("rank", "cluster", "name")
IMPORTED_OVERLAP = "overlap_imported.parquet"  # written by `analyze import --overlap`


class At(StrEnum):
    """Which checkpoint of a run stands for it: the final one, or the best (lowest perplexity) one."""

    FINAL = "final"
    BEST = "best"


@dataclass
class AnalysisOptions:
    """What to analyse and how; every field has the default the CLI shows."""

    steps: Sequence[str] = STEPS
    tokenizer: str | None = None  # default: the runs' config.json `tokenizer`
    hr: Sequence[str] | None = None  # default: HR languages of the results and of corpus/languages.parquet
    lr: Sequence[str] | None = None
    max_lines: int | None = 20_000  # per language for overlap: shares stabilise long before that
    at: At = At.FINAL  # checkpoint whose gain ranks donors and recipients
    alpha: float = 0.05  # BH q-value below which a donor (recipient) is flagged super
    gain: str = "rel_gain_final"  # gain the ranker learns
    k: int = 3  # NDCG@3 as in LangRank
    seed: int = 0
    force: bool = False
    results: Path | None = None  # default: results/perplexity.parquet
    model: str | None = None  # base model whose runs to analyse; default: the one with most rows
    # URIEL+ databases to integrate into typology, e.g. ("GRAMBANK",): more typological features, but the
    # one-time build of cache/typology/ then takes minutes instead of seconds (benchmarks/bench_typology.py)
    uriel_databases: tuple[str, ...] = ()
    top: int | None = None  # plots: the N best donors/recipients (default: all in heatmaps, 30 in bars)
    order: str = "rank"  # plots: heatmap rows/columns by donor/recipient rank, clustering, or name
    format: str = "png"  # plots: png, pdf or svg
    reporter: Reporter = field(default_factory=NullReporter)

    def __post_init__(self) -> None:
        if self.at not in tuple(At):
            raise UsageError(f"--at {self.at!r} is not a checkpoint choice", "use --at final or --at best")
        if not 0 < self.alpha < 1:
            raise UsageError(f"--alpha {self.alpha} is outside (0, 1)", "e.g. --alpha 0.05")
        if self.max_lines is not None and self.max_lines < 1:
            raise UsageError("--max-lines must be at least 1", "e.g. --max-lines 20000")
        if self.top is not None and self.top < 1:
            raise UsageError(f"--top {self.top} must be at least 1", "e.g. --top 30")
        if self.format not in FORMATS:
            raise UsageError(f"--format {self.format!r} is not a figure format", "use png, pdf or svg")
        if self.order not in ORDERS:
            raise UsageError(f"--order {self.order!r} is not an order", "use rank, cluster or name")
        if unknown := [s for s in self.steps if s not in STEPS]:
            raise UsageError(
                f"unknown analysis step(s) {', '.join(unknown)}", f"choose from {', '.join(STEPS)}"
            )


@dataclass
class AnalysisReport:
    """Tables computed (by name), files written, warnings, and steps skipped with the reason."""

    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    paths: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)


def fresh(output: Path, inputs: Sequence[Path]) -> bool:
    """True when `output` exists and is at least as new as every existing input."""
    if not output.is_file():
        return False
    times = [p.stat().st_mtime for p in inputs if p.exists()]
    return not times or output.stat().st_mtime >= max(times)


def write(report: AnalysisReport, name: str, frame: pl.DataFrame, directory: Path, csv: bool = False) -> None:
    """Keep `frame` in the report and write it as ``<name>.parquet`` (and ``.csv``) atomically."""
    report.tables[name] = frame
    path = directory / f"{name}.parquet"
    write_parquet(frame, path)
    report.paths.append(path)
    if csv:
        with atomic_open(directory / f"{name}.csv", "w") as handle:
            frame.write_csv(handle)
        report.paths.append(directory / f"{name}.csv")


def read_optional(path: Path) -> pl.DataFrame | None:
    return pl.read_parquet(path) if path.is_file() else None


@dataclass
class Context:
    """What every step reads: the workspace, the options, the results (one base model) and languages."""

    ws: Workspace
    options: AnalysisOptions
    report: AnalysisReport
    ppl: pl.DataFrame | None
    languages: pl.DataFrame | None
    hr: list[str]
    lr: list[str]

    @property
    def out(self) -> Path:
        return self.ws.analysis_dir

    @property
    def results_path(self) -> Path:
        return self.options.results or self.ws.perplexity_path

    def table(self, name: str) -> pl.DataFrame | None:
        """A table computed in this run, else the one stored under analysis/, else None."""
        if name not in self.report.tables:
            stored = read_optional(self.out / f"{name}.parquet")
            if stored is not None:
                self.report.tables[name] = stored
        return self.report.tables.get(name)


def _languages(
    ws: Workspace, options: AnalysisOptions, ppl: pl.DataFrame | None
) -> tuple[list[str], list[str]]:
    """HR and LR languages: as given, else those of the results and of the corpus tiers."""
    table = maybe_read_languages(ws)
    hr: set[str] = set()
    lr: set[str] = set()
    if ppl is not None:
        hr |= set(ppl["hr_lang"].drop_nulls().to_list())
        lr |= set(ppl["lr_lang"].drop_nulls().to_list())
    if table is not None:
        hr |= set(table.filter(pl.col("tier") == "hr")["iso3"].to_list())
        lr |= set(table.filter(pl.col("tier") == "lr")["iso3"].to_list())
    return sorted(options.hr or hr), sorted(options.lr or lr)


def context(ws: Workspace, options: AnalysisOptions) -> Context:
    """Read the results once (one base model, the --hr/--lr subsets) and find the languages."""
    results = options.results or ws.perplexity_path
    ppl = read_results(results) if results.is_file() else None
    warnings: list[str] = []
    if ppl is not None:
        ppl, warnings = _one_model(ppl, options.model)
    if ppl is not None and options.hr:
        ppl = ppl.filter(pl.col("hr_lang").is_in(list(options.hr)) | (pl.col("run_id") == BASE_RUN_ID))
    if ppl is not None and options.lr:
        ppl = ppl.filter(pl.col("lr_lang").is_in(list(options.lr)))
    hr, lr = _languages(ws, options, ppl)
    report = AnalysisReport(warnings=warnings)
    return Context(ws, options, report, ppl, maybe_read_languages(ws), hr, lr)


def _one_model(ppl: pl.DataFrame, model: str | None) -> tuple[pl.DataFrame, list[str]]:
    """Rows of one base model: gains of different base models (tiny vs mt5-base) must not be averaged."""
    if "model" not in ppl.columns:
        return ppl, []
    trained = ppl.filter(pl.col("run_id") != BASE_RUN_ID)
    models = (
        trained["model"].drop_nulls().value_counts(sort=True)["model"].to_list() if trained.height else []
    )
    if model is not None:
        if model not in set(ppl["model"].to_list()):
            raise InputError(f"no results for model {model!r}", hint=f"models: {', '.join(map(str, models))}")
        return ppl.filter(pl.col("model") == model), []
    if len(models) <= 1:
        return ppl, []
    chosen = models[0]
    note = (
        f"results hold {len(models)} models ({', '.join(models)}); analysing {chosen} (choose with --model)"
    )
    return ppl.filter(pl.col("model") == chosen), [note]
