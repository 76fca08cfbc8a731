"""What every stage derives from ``results/perplexity.parquet``, defined once.

**Zero-shot** is the untouched model's perplexity (rows with ``run_id == "base"``) per LR language and
base model (``model``), averaged over eval seeds: the number every checkpoint is compared with, because
both were scored on the very same masked examples.

**Gain** of a perplexity ``p`` over the zero-shot perplexity ``z`` of the same LR language and base model;
every gain is positive when the checkpoint is better (lower perplexity) than zero-shot:

=============  ===================  ==========================================================
column         formula              units
=============  ===================  ==========================================================
``gain``       ``z − p``            perplexity points
``rel_gain``   ``1 − p / z``        fraction: 0.25 = a quarter lower than zero-shot, −1 = twice as high
``log_gain``   ``ln z − ln p``      nats per target token, ``ln(z / p)``: symmetric, robust to outliers
=============  ===================  ==========================================================

The analysis names them ``*_best`` / ``*_final`` for the best and the final checkpoint of a run.

**Intervals**: ``log_gain_lo`` / ``log_gain_hi`` bound the 95 % paired-bootstrap interval of ``log_gain``
over the evaluation examples (:mod:`xlt.contracts.intervals`: the same resamples for the checkpoint and
zero-shot), and ``significant`` is ``log_gain_lo > 0``; all three are null for cells without per-example
losses (older results, imported matrices). The best checkpoint is chosen on the same examples, so its
interval is optimistic; the final checkpoint's is not.

**Matrices**: :func:`perplexity_matrix` is the wide model-state × LR table (one row per checkpoint, the
zero-shot rows first); :func:`transfer_runs` / :func:`transfer_table` the HR × LR pair view (best and
final checkpoint per run, then averaged over a language's runs), which the analysis, the plots and the
TUI's overview read.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from xlt.contracts.intervals import cell_replicates, interval_columns
from xlt.contracts.perplexity import BASE_RUN_ID, ROW_KEY, conform
from xlt.errors import InputError

PAIR = ("hr_lang", "lr_lang")
RUN_PAIR = ("run_id", "hr_lang", "lr_lang")
GAIN_KINDS = ("gain", "rel_gain", "log_gain")
INTERVAL_COLUMNS = ("log_gain_lo", "log_gain_hi", "significant")
AT = ("best", "final")


def gain_exprs(perplexity: str, zero_shot: str, suffix: str = "") -> list[pl.Expr]:
    """The three gains (module docstring) of column `perplexity` over column `zero_shot`."""
    p, z = pl.col(perplexity), pl.col(zero_shot)
    return [
        (z - p).alias(f"gain{suffix}"),
        (1.0 - p / z).alias(f"rel_gain{suffix}"),
        (z.log() - p.log()).alias(f"log_gain{suffix}"),
    ]


def log_gain_draws(zero_shot: np.ndarray | None, perplexity: np.ndarray | None) -> np.ndarray | None:
    """``log_gain`` (ln z − ln p, as :func:`gain_exprs`) of paired bootstrap draws; None if one lacks them."""
    if zero_shot is None or perplexity is None:
        return None
    return np.asarray(np.log(zero_shot) - np.log(perplexity))


def _zero_shot_draws(results: pl.DataFrame) -> dict[tuple[object, ...], np.ndarray]:
    """{(model, lr_lang): zero-shot bootstrap draws}, paired with every trained cell of that base model."""
    return cell_replicates(results.filter(pl.col("run_id") == BASE_RUN_ID), ("model",))


def cell_summary(results: pl.DataFrame, rows: Sequence[str] = ROW_KEY) -> pl.DataFrame:
    """One row per (`rows`, LR language): mean and std of perplexity and loss over what `rows` leaves out
    (eval seeds; with ``rows=("checkpoint", "step", "model")`` also the runs of one HR language)."""
    results = conform(results)
    return (
        results.group_by([*rows, "lr_lang"])
        .agg(
            pl.col("perplexity").mean().alias("perplexity"),
            pl.col("perplexity").std().alias("perplexity_std"),
            pl.col("loss").mean().alias("loss"),
            pl.col("n_tokens").sum().alias("n_tokens"),
            pl.col("eval_seed").n_unique().alias("n_seeds"),
        )
        .sort([c for c in ("run_id", "step", "checkpoint", "model") if c in rows] + ["lr_lang"])
    )


def zero_shot(results: pl.DataFrame) -> pl.DataFrame:
    """(model, lr_lang, zs_ppl, zs_loss): the untouched model's cells, averaged over eval seeds."""
    base = conform(results).filter(pl.col("run_id") == BASE_RUN_ID)
    return (
        base.group_by(["model", "lr_lang"])
        .agg(zs_ppl=pl.col("perplexity").mean(), zs_loss=pl.col("loss").mean())
        .sort(["model", "lr_lang"], nulls_last=False)
    )


def require_zero_shot(results: pl.DataFrame) -> pl.DataFrame:
    """:func:`zero_shot`, or an InputError saying how to get zero-shot rows when there are none."""
    table = zero_shot(results)
    if table.is_empty():
        raise InputError(
            "the perplexity table has no zero-shot rows (run_id 'base')",
            hint="evaluate the base model too (`xlt evaluate`), or pass --zero-shot to `xlt analyze import`",
        )
    return table


def _with_zero_shot(frame: pl.DataFrame, results: pl.DataFrame) -> pl.DataFrame:
    keys = ["model", "lr_lang"] if "model" in frame.columns else ["lr_lang"]
    zs = zero_shot(results)
    if keys == ["lr_lang"]:
        zs = zs.group_by("lr_lang").agg(pl.col("zs_ppl").mean(), pl.col("zs_loss").mean())
    return frame.join(zs, on=keys, how="left", nulls_equal=True)


def gain_over_zero_shot(results: pl.DataFrame, rows: Sequence[str] = ROW_KEY) -> pl.DataFrame:
    """Each trained model state's cells (:func:`cell_summary`) beside zero-shot, with the three gains.

    Adds ``zero_shot_perplexity`` and ``gain``, ``rel_gain``, ``log_gain``; zero-shot rows themselves are
    left out; cells without a zero-shot counterpart get nulls.
    """
    results = conform(results)
    trained = results.filter(pl.col("run_id") != BASE_RUN_ID)
    frame = (
        _with_zero_shot(cell_summary(trained, rows), results)
        .rename({"zs_ppl": "zero_shot_perplexity", "zs_loss": "zero_shot_loss"})
        .with_columns(gain_exprs("perplexity", "zero_shot_perplexity"))
    )
    draws: list[np.ndarray | None] = [None] * frame.height
    if "model" in rows:  # zero-shot is paired per base model; pooled over models it would not be
        cells, zs = cell_replicates(trained, rows), _zero_shot_draws(results)
        keys = frame.select(*rows, "lr_lang").iter_rows(named=True)
        draws = [
            log_gain_draws(zs.get((k["model"], k["lr_lang"])), cells.get(tuple(k.values()))) for k in keys
        ]
    return frame.with_columns(interval_columns(draws))


def best_checkpoints(results: pl.DataFrame, per_run: bool = False) -> pl.DataFrame:
    """The checkpoint with the lowest (seed-mean) perplexity for each LR language (or each run × language).

    Columns: lr_lang, run_id, hr_lang, checkpoint, step, model, perplexity, perplexity_std,
    zero_shot_perplexity and the three gains. Ties go to the earliest step.
    """
    group = ["run_id", "lr_lang"] if per_run else ["lr_lang"]
    columns = ["lr_lang", "run_id", "hr_lang", "checkpoint", "step", "model", "perplexity", "perplexity_std"]
    return (
        gain_over_zero_shot(results)
        .sort(["perplexity", "step", "run_id"])
        .group_by(group, maintain_order=True)
        .first()
        .select(*columns, "zero_shot_perplexity", *GAIN_KINDS, *INTERVAL_COLUMNS)
        .sort(group)
    )


def perplexity_matrix(
    results: pl.DataFrame, value: str = "perplexity", with_std: bool = False, rows: Sequence[str] = ROW_KEY
) -> pl.DataFrame:
    """Wide matrix: one row per `rows` group (a model state by default; zero-shot rows first), one column
    per LR language.

    `value` is a column of :func:`cell_summary` (``perplexity``, ``loss``, ``n_tokens``) or a gain
    (``gain``, ``rel_gain``, ``log_gain``) or an interval column (``log_gain_lo``, ``log_gain_hi``,
    ``significant``); then the zero-shot rows are absent. With `with_std`, a
    ``<lang>_std`` column (std over eval seeds) follows each language's perplexity column.
    """
    gains = value in GAIN_KINDS or value in INTERVAL_COLUMNS
    source = gain_over_zero_shot(results, rows) if gains else cell_summary(results, rows)
    if value not in source.columns:
        raise InputError(f"unknown matrix value {value!r}", "use perplexity, loss, n_tokens or a gain")
    langs = sorted(source["lr_lang"].unique().to_list())
    wide = source.select(list(rows)).unique()
    for lang in langs:
        cell = source.filter(pl.col("lr_lang") == lang)
        columns = [pl.col(value).alias(lang)]
        if with_std and value == "perplexity":
            columns.append(pl.col("perplexity_std").alias(f"{lang}_std"))
        wide = wide.join(cell.select(*rows, *columns), on=list(rows), how="left", nulls_equal=True)
    order = [c for c in ("run_id", "step", "checkpoint", "model") if c in rows]
    first = [pl.col("run_id") != BASE_RUN_ID] if "run_id" in rows else []
    return wide.sort([*first, *order])


# --- the HR × LR pair view ------------------------------------------------------------------------------


def transfer_runs(results: pl.DataFrame) -> pl.DataFrame:
    """One row per (run, HR, LR, model): best and final checkpoint, their gains over zero-shot, forgetting.

    ``forgetting`` says the final checkpoint is worse than the best one (the paper saw perplexity fall over
    the first checkpoints and rise again). ``log_gain_lo_{at}``, ``log_gain_hi_{at}`` and
    ``significant_{at}`` (at = best, final) are the paired-bootstrap interval of ``log_gain_{at}``.
    """
    results = conform(results)
    per_checkpoint = cell_summary(results.filter(pl.col("run_id") != BASE_RUN_ID))
    if per_checkpoint.is_empty():
        raise InputError(
            "the perplexity table has no trained checkpoints, only zero-shot rows",
            hint="run `xlt evaluate` on the runs of `xlt pretrain`",
        )
    require_zero_shot(results)
    by_step = {"nulls_last": False}
    summary = per_checkpoint.group_by([*RUN_PAIR, "model"]).agg(
        best_ppl=pl.col("perplexity").min(),
        best_step=pl.col("step").sort_by("perplexity").first(),
        best_checkpoint=pl.col("checkpoint").sort_by("perplexity").first(),
        final_ppl=pl.col("perplexity").sort_by("step", **by_step).last(),
        final_step=pl.col("step").max(),
        final_checkpoint=pl.col("checkpoint").sort_by("step", **by_step).last(),
        first_ppl=pl.col("perplexity").sort_by("step", **by_step).first(),
        n_checkpoints=pl.len(),
    )
    frame = (
        _with_zero_shot(summary, results)
        .drop("zs_loss")
        .with_columns([e for at in ("best", "final") for e in gain_exprs(f"{at}_ppl", "zs_ppl", f"_{at}")])
        .with_columns(
            forgetting=pl.col("final_ppl") > pl.col("best_ppl"),
            forgetting_rel=(pl.col("final_ppl") - pl.col("best_ppl")) / pl.col("best_ppl"),
        )
        .sort(list(RUN_PAIR))
    )
    draws = run_draws(results, frame)
    return frame.with_columns(
        [c for at in ("best", "final") for c in interval_columns([d[at] for d in draws], f"_{at}")]
    )


def run_draws(results: pl.DataFrame, runs: pl.DataFrame) -> list[dict[str, np.ndarray | None]]:
    """Per row of `runs` (:func:`transfer_runs`' columns): log_gain bootstrap draws of its best and final
    checkpoint ({"best": …, "final": …}, None where a cell has no per-example losses)."""
    results = conform(results)
    cells = cell_replicates(results.filter(pl.col("run_id") != BASE_RUN_ID), ROW_KEY)
    zs = _zero_shot_draws(results)
    out = []
    for row in runs.iter_rows(named=True):
        zero = zs.get((row["model"], row["lr_lang"]))
        state = {at: (row["run_id"], row["hr_lang"], row[f"{at}_checkpoint"], row[f"{at}_step"]) for at in AT}
        cell = {at: cells.get((*state[at], row["model"], row["lr_lang"])) for at in AT}
        out.append({at: log_gain_draws(zero, cell[at]) for at in AT})
    return out


def transfer_table(results: pl.DataFrame, runs: pl.DataFrame | None = None) -> pl.DataFrame:
    """One row per (HR, LR): the per-run numbers averaged over the runs (seeds) of that HR language.

    ``log_gain_*`` averaged is the log of the geometric-mean perplexity ratio; ``forgetting_share`` is the
    fraction of runs whose final checkpoint is worse than their best; ``n_runs`` how many were averaged.
    ``log_gain_lo_{at}`` / ``log_gain_hi_{at}`` / ``significant_{at}`` bound the runs' mean log_gain over
    example resamples (the same resample for every run: they share the examples); the spread over runs
    (training seeds) is ``log_gain_{at}_std`` and ``rel_gain_final_std`` (null with one run).
    Pass the rows of one base model: runs of different base models would be averaged together here.
    """
    runs = transfer_runs(results) if runs is None else runs
    pairs: dict[tuple[object, object], list[dict[str, np.ndarray | None]]] = {}
    for row, draws in zip(runs.select(PAIR).iter_rows(), run_draws(results, runs), strict=True):
        pairs.setdefault(row, []).append(draws)
    means = [
        "zs_ppl", "best_ppl", "final_ppl", "first_ppl", "forgetting_rel",
        *(f"{kind}_{at}" for at in ("best", "final") for kind in GAIN_KINDS),
    ]  # fmt: skip
    table = (
        runs.group_by(list(PAIR))
        .agg(
            *(pl.col(c).mean() for c in means),
            rel_gain_final_std=pl.col("rel_gain_final").std(),
            log_gain_best_std=pl.col("log_gain_best").std(),
            log_gain_final_std=pl.col("log_gain_final").std(),
            best_step=pl.col("best_step").median(),
            final_step=pl.col("final_step").max(),
            forgetting_share=pl.col("forgetting").cast(pl.Float64).mean(),
            n_runs=pl.col("run_id").n_unique(),
        )
        .with_columns(forgetting=pl.col("forgetting_share") > 0.5)
        .sort(list(PAIR))
    )
    keys = list(table.select(PAIR).iter_rows())
    columns = [
        interval_columns([_mean_draws([d[at] for d in pairs.get(k, [])]) for k in keys], f"_{at}")
        for at in ("best", "final")
    ]
    return table.with_columns([c for group in columns for c in group])


def _mean_draws(draws: list[np.ndarray | None]) -> np.ndarray | None:
    """The runs' mean, draw by draw (paired: the runs share the resamples); None if any run lacks draws."""
    kept = [d for d in draws if d is not None]
    if not draws or len(kept) < len(draws):
        return None
    return np.asarray(np.mean(np.stack(kept), axis=0))
