"""`analyze` over a workspace: read results/ and corpus/, run every analysis that its inputs allow, and
write analysis/*.parquet|csv|png. Each step is skipped when its outputs are newer than its inputs
(resume = re-run), and a step whose inputs are missing is skipped with a warning instead of failing."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import polars as pl

from xlt.analysis import features as feats
from xlt.analysis import overlap as ov
from xlt.analysis import plots
from xlt.analysis import ranking as rk
from xlt.analysis import transfer as tr
from xlt.analysis import typology as ty
from xlt.analysis import uriel as ur
from xlt.contracts import views
from xlt.contracts.languages import maybe_read_languages
from xlt.contracts.perplexity import BASE_RUN_ID, read_results
from xlt.contracts.runs import run_tokenizer_path
from xlt.errors import InputError, UsageError, WorkspaceError
from xlt.locks import exclusive
from xlt.progress import NullReporter, Reporter
from xlt.workspace import Workspace, atomic_open, write_parquet

STEPS = ("overlap", "typology", "transfer", "rank", "plots")
CSV_COPIES = ("transfer", "donors", "recipients", "correlations")


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
    super_share: float = 0.75
    gain: str = "rel_gain_final"  # gain the ranker learns
    k: int = 3  # NDCG@3 as in LangRank
    seed: int = 0
    force: bool = False
    results: Path | None = None  # default: results/perplexity.parquet
    model: str | None = None  # base model whose runs to analyse; default: the one with most rows
    # URIEL+ databases to integrate into typology, e.g. ("GRAMBANK",): more typological features, but the
    # one-time build of cache/typology/ then takes minutes instead of seconds (benchmarks/bench_typology.py)
    uriel_databases: tuple[str, ...] = ()
    reporter: Reporter = field(default_factory=NullReporter)

    def __post_init__(self) -> None:
        if self.at not in tuple(At):
            raise UsageError(f"--at {self.at!r} is not a checkpoint choice", "use --at final or --at best")
        if not 0 < self.super_share <= 1:
            raise UsageError(f"--super-share {self.super_share} is outside (0, 1]", "e.g. --super-share 0.75")
        if self.max_lines is not None and self.max_lines < 1:
            raise UsageError("--max-lines must be at least 1", "e.g. --max-lines 20000")
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


def _fresh(output: Path, inputs: Sequence[Path]) -> bool:
    """True when `output` exists and is at least as new as every existing input."""
    if not output.is_file():
        return False
    times = [p.stat().st_mtime for p in inputs if p.exists()]
    return not times or output.stat().st_mtime >= max(times)


def _write(
    report: AnalysisReport, name: str, frame: pl.DataFrame, directory: Path, csv: bool = False
) -> None:
    report.tables[name] = frame
    path = directory / f"{name}.parquet"
    write_parquet(frame, path)
    report.paths.append(path)
    if csv:
        with atomic_open(directory / f"{name}.csv", "w") as handle:
            frame.write_csv(handle)
        report.paths.append(directory / f"{name}.csv")


def _read_optional(path: Path) -> pl.DataFrame | None:
    return pl.read_parquet(path) if path.is_file() else None


@dataclass
class _Context:
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


def _context(ws: Workspace, options: AnalysisOptions) -> _Context:
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
    return _Context(ws, options, report, ppl, maybe_read_languages(ws), hr, lr)


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


def _step_overlap(ctx: _Context) -> None:
    path = ctx.out / "overlap.parquet"
    tokenizer_path = ctx.options.tokenizer or run_tokenizer_path(ctx.ws)
    if tokenizer_path is None:
        raise WorkspaceError(
            "no tokenizer: no run's config.json names one",
            hint="pass --tokenizer DIR (a directory with tokenizer.json), or run `xlt pretrain` first",
        )

    def has_corpus(lang: str) -> bool:
        return ctx.ws.train_path(lang).is_file() or ctx.ws.valid_path(lang).is_file()

    corpus = [ctx.ws.train_path(x) for x in {*ctx.hr, *ctx.lr}] + [ctx.ws.languages_path]
    if not ctx.options.force and _fresh(path, corpus):
        old = pl.read_parquet(path)
        have = set(old.select("hr_lang", "lr_lang").iter_rows())
        wanted = [(h, r) for h in ctx.hr for r in ctx.lr if has_corpus(h) and has_corpus(r)]
        same = old.select("tokenizer", "max_lines").unique().rows() == [
            (str(tokenizer_path), ctx.options.max_lines)
        ]
        if same and all(pair in have for pair in wanted):
            ctx.report.tables["overlap"] = old
            ctx.report.skipped["overlap"] = f"up to date: {path}"
            return
    with_corpus = [x for x in sorted({*ctx.hr, *ctx.lr}) if has_corpus(x)]
    without = sorted((set(ctx.hr) | set(ctx.lr)) - set(with_corpus))
    if without:
        ctx.report.warnings.append(
            f"overlap: no corpus/<lang>/train.txt for {', '.join(without)}; their overlap is null"
        )
    if not with_corpus:
        raise WorkspaceError(f"no cleaned corpus under {ctx.ws.corpus_dir}", hint="run `xlt clean` first")
    tokenizer = ov.load_tokenizer(tokenizer_path)
    corpora = ov.workspace_corpora(ctx.ws, with_corpus, ctx.options.max_lines)
    langs, counts = ov.count_matrix(tokenizer, corpora, ctx.options.reporter)
    table = ov.overlap_from_counts(langs, counts, ctx.hr, ctx.lr).with_columns(
        tokenizer=pl.lit(str(tokenizer_path)), max_lines=pl.lit(ctx.options.max_lines, dtype=pl.Int64)
    )
    _write(ctx.report, "overlap", table, ctx.out)


def _step_typology(ctx: _Context) -> None:
    path, coverage_path = ctx.out / "typology.parquet", ctx.out / "typology_coverage.parquet"
    source = ur.source_label(ctx.options.uriel_databases)
    langs = set(ctx.hr) | set(ctx.lr)
    if not ctx.options.force and path.is_file() and coverage_path.is_file():
        old, old_coverage = pl.read_parquet(path), pl.read_parquet(coverage_path)
        have = set(old.select("hr_lang", "lr_lang").iter_rows())
        sources = old_coverage["source"].unique().to_list() if "source" in old_coverage.columns else []
        every_pair = all((h, r) in have for h in ctx.hr for r in ctx.lr)
        if sources == [source] and langs <= set(old_coverage["lang"]) and every_pair:
            ctx.report.tables["typology"] = old
            ctx.report.tables["typology_coverage"] = old_coverage
            ctx.report.skipped["typology"] = f"up to date: {path}"
            return
    vectors = ur.load_vectors(ctx.ws.cache_dir, ctx.options.uriel_databases)
    table, missing = ty.typology_distances(ctx.hr, ctx.lr, vectors=vectors)
    coverage = ty.coverage(ctx.hr, ctx.lr, vectors=vectors).with_columns(source=pl.lit(source))
    if missing:
        ctx.report.warnings.append(
            f"typology: URIEL+ has no vectors for {', '.join(missing)}; their distances are null"
            f" (kinds per language: {coverage_path.with_suffix('.csv')})"
        )
    _write(ctx.report, "typology_coverage", coverage, ctx.out, csv=True)
    if len(missing) == len(langs):
        ctx.report.skipped["typology"] = "URIEL+ has none of the languages"
        return
    _write(ctx.report, "typology", table, ctx.out)


def _features(ctx: _Context, transfer: pl.DataFrame | None) -> pl.DataFrame:
    pairs = pl.DataFrame(
        {"hr_lang": [h for h in ctx.hr for _ in ctx.lr], "lr_lang": [r for _ in ctx.hr for r in ctx.lr]},
        schema={"hr_lang": pl.String, "lr_lang": pl.String},
    )
    if transfer is not None:
        pairs = pl.concat([pairs, transfer.select("hr_lang", "lr_lang")]).unique()
    overlap = ctx.report.tables.get("overlap", _read_optional(ctx.out / "overlap.parquet"))
    typology = ctx.report.tables.get("typology", _read_optional(ctx.out / "typology.parquet"))
    return feats.pair_features(pairs, overlap, typology, ctx.languages)


def _step_transfer(ctx: _Context) -> None:
    if ctx.ppl is None:
        raise WorkspaceError(
            f"no results at {ctx.results_path}",
            hint="run `xlt evaluate`, or `xlt analyze import MATRIX.csv --zero-shot ZS.json`",
        )
    runs = views.transfer_runs(ctx.ppl)
    table = views.transfer_table(ctx.ppl, runs)
    no_zs = sorted(table.filter(pl.col("zs_ppl").is_null())["lr_lang"].unique().to_list())
    if no_zs:
        ctx.report.warnings.append(
            f"transfer: no zero-shot perplexity for {', '.join(no_zs)}; gains are null"
        )
    _write(ctx.report, "transfer_runs", runs, ctx.out)
    _write(ctx.report, "transfer", table, ctx.out, csv=True)
    opts = ctx.options
    _write(ctx.report, "donors", tr.donors(table, opts.at, opts.super_share), ctx.out, csv=True)
    _write(ctx.report, "recipients", tr.recipients(table, opts.at, opts.super_share), ctx.out, csv=True)
    features = _features(ctx, table)
    ctx.report.tables["features"] = features
    corr = tr.correlations(table, features, feature_columns=feats.feature_columns(features))
    _write(ctx.report, "correlations", corr, ctx.out, csv=True)


def _step_rank(ctx: _Context) -> None:
    table = ctx.report.tables.get("transfer", _read_optional(ctx.out / "transfer.parquet"))
    if table is None:
        raise WorkspaceError("no transfer table to learn from", hint="run `xlt analyze transfer` first")
    features = ctx.report.tables.get("features")
    if features is None:
        features = _features(ctx, table)
    evaluation, predictions = rk.evaluate_ranker(
        features, table, ctx.options.gain, ctx.options.k, ctx.options.seed
    )
    _write(ctx.report, "ranking_eval", evaluation, ctx.out)
    _write(ctx.report, "ranking", predictions, ctx.out)


def _step_plots(ctx: _Context) -> None:
    written = []
    out = ctx.out
    for name in ("transfer", "donors", "recipients", "overlap"):
        if name not in ctx.report.tables and (stored := _read_optional(out / f"{name}.parquet")) is not None:
            ctx.report.tables[name] = stored
    if {"transfer", "donors", "recipients"} <= set(ctx.report.tables):
        table = ctx.report.tables["transfer"]
        written.append(
            plots.heatmap(
                table,
                "rel_gain_final",
                out / "gain_final.png",
                "Relative gain over zero-shot (final checkpoint)",
                diverging=True,
            )
        )
        written.append(
            plots.heatmap(
                table,
                "rel_gain_best",
                out / "gain_best.png",
                "Relative gain over zero-shot (best checkpoint)",
                diverging=True,
            )
        )
        don, rec = ctx.report.tables["donors"], ctx.report.tables["recipients"]
        written.append(
            plots.bars(
                don,
                "hr_lang",
                "n_improved",
                out / "donors.png",
                "LR languages improved per HR donor",
                "super_donor",
            )
        )
        written.append(
            plots.bars(
                rec,
                "lr_lang",
                "n_improved",
                out / "recipients.png",
                "HR donors that improve each LR language",
                "super_recipient",
            )
        )
        if ctx.ppl is not None:
            checkpoints = views.cell_summary(ctx.ppl.filter(pl.col("run_id") != BASE_RUN_ID))
            zs = views.zero_shot(ctx.ppl)
            for hr in sorted(checkpoints["hr_lang"].drop_nulls().unique().to_list()):
                if checkpoints.filter(pl.col("hr_lang") == hr)["step"].n_unique() > 1:
                    written.append(
                        plots.forgetting_curves(checkpoints, zs, hr, out / "forgetting" / f"{hr}.png")
                    )
    if "overlap" in ctx.report.tables:
        written.append(
            plots.heatmap(
                ctx.report.tables["overlap"],
                "overlap_tokens",
                out / "overlap.png",
                "Share of LR subtokens seen in the HR corpus",
            )
        )
    if not written:
        raise WorkspaceError("nothing to plot yet", hint="run the transfer or overlap analysis first")
    ctx.report.paths.extend(written)


STEP_FUNCTIONS: dict[str, Callable[[_Context], None]] = {
    "overlap": _step_overlap,
    "typology": _step_typology,
    "transfer": _step_transfer,
    "rank": _step_rank,
    "plots": _step_plots,
}


def analyze_workspace(workspace: Workspace, options: AnalysisOptions | None = None) -> AnalysisReport:
    """Run the requested analysis steps; with every step requested, a step that cannot run (missing
    inputs) becomes a warning and the others still run. A single requested step raises instead."""
    options = options or AnalysisOptions()
    with exclusive(workspace.analysis_lock, "analysis/"):
        return _analyze(workspace, options)


def _analyze(workspace: Workspace, options: AnalysisOptions) -> AnalysisReport:
    """The body of :func:`analyze_workspace`, under the analysis lock."""
    ctx = _context(workspace, options)
    if not ctx.hr or not ctx.lr:
        raise WorkspaceError(
            f"no HR/LR languages found in {ctx.results_path} or {workspace.languages_path}",
            hint="run `xlt evaluate` (or `xlt analyze import`), or name them with --hr/--lr",
        )
    lenient = len(options.steps) > 1
    for step in STEPS:
        if step not in options.steps:
            continue
        try:
            STEP_FUNCTIONS[step](ctx)
        except (WorkspaceError, InputError) as exc:
            if not lenient:
                raise
            ctx.report.skipped[step] = str(exc)
            ctx.report.warnings.append(f"{step} skipped: {exc}")
    return ctx.report


def rank_for(workspace: Workspace, lr_lang: str, options: AnalysisOptions | None = None) -> pl.DataFrame:
    """Predicted donor ranking for one LR language from the stored transfer/overlap/typology tables."""
    options = options or AnalysisOptions()
    ctx = _context(workspace, options)
    if lr_lang in ctx.hr:
        raise InputError(
            f"{lr_lang} is a high-resource language of this workspace, a donor, not a recipient",
            "rank the donors of an LR language (`xlt show pairs` lists them)",
        )
    if lr_lang not in ctx.lr:
        ctx.lr = sorted([*ctx.lr, lr_lang])
    table = _read_optional(ctx.out / "transfer.parquet")
    if table is None:
        raise WorkspaceError("no transfer table to learn from", hint="run `xlt analyze transfer` first")
    typology = _read_optional(ctx.out / "typology.parquet")
    if typology is None or lr_lang not in set(typology["lr_lang"].to_list()):
        # a new LR language: its URIEL distances are cheap to compute now (overlap needs `analyze overlap`)
        extra, missing = ty.typology_distances(
            ctx.hr, [lr_lang], workspace.cache_dir, databases=options.uriel_databases
        )
        if lr_lang not in missing:
            ctx.report.tables["typology"] = (
                extra if typology is None else pl.concat([typology, extra], how="diagonal_relaxed")
            )
    return rk.rank_donors(_features(ctx, table), table, lr_lang, options.gain, options.seed)
