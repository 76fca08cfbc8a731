"""The ranker on xlt's own tables: HR donors (candidates) of LR languages (targets) by a transfer gain."""

from __future__ import annotations

import polars as pl

from xlt.analysis.features import PAIR, feature_columns
from xlt.analysis.ranking.evaluate import RankResult, rank_table
from xlt.analysis.ranking.model import RankerSettings
from xlt.errors import InputError

# the workspace's overlap feature, shown as "overlap only" beside the ranker
OVERLAP = "overlap_tokens"


def _pairs(features: pl.DataFrame, transfer: pl.DataFrame, gain: str) -> tuple[pl.DataFrame, list[str]]:
    """Features with the observed gain joined on (null where the pair was not run)."""
    columns = feature_columns(features)
    if not columns:
        raise InputError(
            "no features to rank donors with (overlap, typology and corpus sizes are all missing)",
            hint="run `xlt analyze overlap` and `xlt analyze typology` first",
        )
    if gain not in transfer.columns:
        raise InputError(f"unknown gain column {gain!r}", hint=f"one of: {', '.join(transfer.columns)}")
    observed = transfer.select(*PAIR, pl.col(gain).cast(pl.Float64).alias("gain")).filter(
        pl.col("gain").is_finite()
    )
    frame = features.select(*PAIR, *columns).join(observed, on=PAIR, how="left")
    return frame, columns


# above this many LR languages, hold out groups of them rather than one at a time (RankerSettings.grouped):
# in 5 groups (5·6/2 + 5 + 1 = 21 LightGBM fits instead of ~3 per LR language), so that `analyze` on a
# 200 × 50 matrix stays under 30 s on 2 cores (benchmarks/bench_analyze.py)
GROUPED_ABOVE = 20


def _settings(k: int, seed: int, n_targets: int = 0) -> RankerSettings:
    grouped = n_targets > GROUPED_ABOVE
    return RankerSettings(k=k, seed=seed, grouped=grouped, folds=5 if grouped else RankerSettings.folds)


def ranking_result(
    features: pl.DataFrame, transfer: pl.DataFrame, gain: str = "rel_gain_final", k: int = 3, seed: int = 0
) -> RankResult:
    """Leave-one-LR-language-out evaluation of the ranker and its baselines on the observed pairs."""
    frame, columns = _pairs(features, transfer, gain)
    frame = frame.filter(pl.col("gain").is_not_null())  # a pair nobody ran is no evidence either way
    frame = frame.filter(pl.len().over("lr_lang") >= 2)
    if (found := frame["lr_lang"].n_unique()) < 2:
        raise InputError(
            f"leave-one-out ranking needs 2+ LR languages with 2+ donors each, found {found}",
            hint="evaluate more LR languages, or more HR runs",
        )
    settings = _settings(k, seed, frame["lr_lang"].n_unique())
    return rank_table(frame, "lr_lang", "hr_lang", "gain", columns, settings)


def evaluate_ranker(
    features: pl.DataFrame, transfer: pl.DataFrame, gain: str = "rel_gain_final", k: int = 3, seed: int = 0
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(evaluation, predictions) of `ranking_result` in the workspace's column names: ``ndcg_overlap`` is
    the overlap-only baseline (null without overlap), ``observed_gain`` / ``score`` the observed and
    predicted values."""
    result = ranking_result(features, transfer, gain, k, seed)
    evaluation = result.evaluation
    if f"ndcg_{OVERLAP}" in evaluation.columns:
        evaluation = evaluation.rename({f"ndcg_{OVERLAP}": "ndcg_overlap"})
    else:
        evaluation = evaluation.with_columns(ndcg_overlap=pl.lit(None, dtype=pl.Float64))
    return evaluation, _named(result.predictions)


def _named(predictions: pl.DataFrame) -> pl.DataFrame:
    return predictions.rename({"gain": "observed_gain", "predicted": "score"}).select(
        "lr_lang", "hr_lang", "observed_gain", "score", "predicted_rank", "observed_rank", "relevance"
    )


def rank_donors(
    features: pl.DataFrame, transfer: pl.DataFrame, lr_lang: str, gain: str = "rel_gain_final", seed: int = 0
) -> pl.DataFrame:
    """Candidate HR donors of `lr_lang`, best first, from the ranker trained on every other LR language.

    The target's own observed gains (if any) are never used, only shown beside the prediction
    (``observed_gain``, ``observed_rank``).
    """
    frame, columns = _pairs(features, transfer, gain)
    candidates = frame.filter(pl.col("lr_lang") == lr_lang)
    if candidates.height < 2:
        raise InputError(
            f"{candidates.height} candidate donors with features for {lr_lang}",
            hint="compute overlap/typology for it (`xlt analyze overlap --lr ...`)",
        )
    train = frame.filter((pl.col("lr_lang") != lr_lang) & pl.col("gain").is_not_null())
    train = train.filter(pl.len().over("lr_lang") >= 2)
    if train.is_empty():
        raise InputError(
            f"no other LR language with results to learn from (ranking {lr_lang})",
            hint="the ranker needs observed gains for at least one other LR language with 2+ donors",
        )
    hidden = candidates.with_columns(pl.lit(None, dtype=pl.Float64).alias("gain"))
    table = pl.concat([train, hidden], how="vertical_relaxed")
    result = rank_table(table, "lr_lang", "hr_lang", "gain", columns, _settings(3, seed), evaluate=False)
    ranked = _named(result.predictions.filter(pl.col("lr_lang") == lr_lang)).drop(
        "observed_gain", "observed_rank"
    )
    observed = candidates.select("hr_lang", pl.col("gain").alias("observed_gain"))
    return (
        ranked.join(observed, on="hr_lang", how="left")
        .with_columns(observed_rank=pl.col("observed_gain").rank("min", descending=True))
        .select("lr_lang", "hr_lang", "observed_gain", "score", "predicted_rank", "observed_rank")
        .sort("predicted_rank")
    )
