"""The analysis steps that compute tables: overlap, typology, transfer (gains, donors, recipients,
correlations) and the donor ranker. Each reads and writes through a :class:`~xlt.analysis.options.Context`."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from xlt.analysis import features as feats
from xlt.analysis import overlap as ov
from xlt.analysis import ranking as rk
from xlt.analysis import transfer as tr
from xlt.analysis import typology as ty
from xlt.analysis import uriel as ur
from xlt.analysis.options import IMPORTED_OVERLAP, Context, fresh, read_optional, write
from xlt.contracts import views
from xlt.contracts.runs import run_tokenizer_path
from xlt.errors import WorkspaceError


def imported_overlap(ctx: Context) -> pl.DataFrame | None:
    """The overlap matrix `analyze import --overlap` stored, if any."""
    return read_optional(ctx.out / IMPORTED_OVERLAP)


def step_overlap(ctx: Context) -> None:
    path = ctx.out / "overlap.parquet"
    if (imported := imported_overlap(ctx)) is not None:
        ctx.report.tables["overlap"] = imported
        ctx.report.skipped["overlap"] = f"up to date: imported ({ctx.out / IMPORTED_OVERLAP})"
        return
    tokenizer_path = ctx.options.tokenizer or run_tokenizer_path(ctx.ws)
    if tokenizer_path is None:
        raise WorkspaceError(
            "no tokenizer: no run's config.json names one",
            hint="pass --tokenizer DIR (a directory with tokenizer.json), run `xlt pretrain` first, "
            "or import a published overlap matrix with `xlt analyze import --overlap FILE`",
        )

    def has_corpus(lang: str) -> bool:
        return ctx.ws.train_path(lang).is_file() or ctx.ws.valid_path(lang).is_file()

    corpus = [ctx.ws.train_path(x) for x in {*ctx.hr, *ctx.lr}] + [ctx.ws.languages_path]
    if not ctx.options.force and fresh(path, corpus):
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
    # the workspace tokenizer or the embedded base model's copy of it: xlt trained and saved it
    # (save_pretrained writes the backend it tokenized with); a hub model's checkpoint goes to transformers
    where = Path(tokenizer_path).resolve()
    own = any(where.is_relative_to(d.resolve()) for d in (ctx.ws.tokenizers_dir, ctx.ws.base_model_dir))
    tokenizer = ov.load_tokenizer(tokenizer_path, own=own)
    corpora = ov.workspace_corpora(ctx.ws, with_corpus, ctx.options.max_lines)
    langs, counts = ov.count_matrix(tokenizer, corpora, ctx.options.reporter)
    table = ov.overlap_from_counts(langs, counts, ctx.hr, ctx.lr).with_columns(
        tokenizer=pl.lit(str(tokenizer_path)), max_lines=pl.lit(ctx.options.max_lines, dtype=pl.Int64)
    )
    write(ctx.report, "overlap", table, ctx.out)


def step_typology(ctx: Context) -> None:
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
    write(ctx.report, "typology_coverage", coverage, ctx.out, csv=True)
    if len(missing) == len(langs):
        ctx.report.skipped["typology"] = "URIEL+ has none of the languages"
        return
    write(ctx.report, "typology", table, ctx.out)


def pair_features(ctx: Context, transfer: pl.DataFrame | None) -> pl.DataFrame:
    """Every (HR, LR) pair of the context (and of the transfer table) with the features available."""
    pairs = pl.DataFrame(
        {"hr_lang": [h for h in ctx.hr for _ in ctx.lr], "lr_lang": [r for _ in ctx.hr for r in ctx.lr]},
        schema={"hr_lang": pl.String, "lr_lang": pl.String},
    )
    if transfer is not None:
        pairs = pl.concat([pairs, transfer.select("hr_lang", "lr_lang")]).unique()
    overlap = imported_overlap(ctx)
    if overlap is None:
        overlap = ctx.table("overlap")
    return feats.pair_features(pairs, overlap, ctx.table("typology"), ctx.languages)


def step_transfer(ctx: Context) -> None:
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
    write(ctx.report, "transfer_runs", runs, ctx.out)
    write(ctx.report, "transfer", table, ctx.out, csv=True)
    at, alpha = ctx.options.at, ctx.options.alpha
    write(ctx.report, "donors", tr.donors(table, at, alpha), ctx.out, csv=True)
    write(ctx.report, "recipients", tr.recipients(table, at, alpha), ctx.out, csv=True)
    features = pair_features(ctx, table)
    ctx.report.tables["features"] = features
    corr = tr.correlations(table, features, feature_columns=feats.feature_columns(features))
    write(ctx.report, "correlations", corr, ctx.out, csv=True)


def step_rank(ctx: Context) -> None:
    table = ctx.table("transfer")
    if table is None:
        raise WorkspaceError("no transfer table to learn from", hint="run `xlt analyze transfer` first")
    features = ctx.report.tables.get("features")
    if features is None:
        features = pair_features(ctx, table)
    evaluation, predictions = rk.evaluate_ranker(
        features, table, ctx.options.gain, ctx.options.k, ctx.options.seed
    )
    write(ctx.report, "ranking_eval", evaluation, ctx.out)
    write(ctx.report, "ranking", predictions, ctx.out)
