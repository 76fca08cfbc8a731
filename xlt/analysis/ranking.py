"""Rank candidate HR donors for an LR language, LangRank-style.

Lin et al. 2019 ("Choosing Transfer Languages for Cross-Lingual Learning", ACL) train a gradient-boosted
LambdaRank model on URIEL distances, word/subword overlap and data sizes, with relevance labels derived
from the observed transfer ranking, and evaluate by leave-one-(task-language)-out NDCG@3. So do we, with
LightGBM's ``lambdarank`` objective; the baselines are overlap alone and a random ranking
(its expected NDCG, averaged over seeded shuffles).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import polars as pl

from xlt.analysis.features import feature_columns
from xlt.errors import InputError

# Relevance grades: 0 (worst donor) .. LEVELS (best), spread evenly over a query's candidates.
LEVELS = 5
RANDOM_SHUFFLES = 1000


def relevance_labels(gains: np.ndarray, levels: int = LEVELS) -> np.ndarray:
    """Graded relevance from gains within one LR language: the best donor gets `levels`, the worst 0."""
    n = len(gains)
    if n < 2:
        return np.full(n, levels, dtype=np.int64)
    order = np.argsort(-gains, kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    return np.floor(levels * (n - 1 - rank) / (n - 1)).astype(np.int64)


def ndcg_at_k(labels: np.ndarray, scores: np.ndarray, k: int = 3) -> float:
    """NDCG@k with gain 2^label − 1 (as LightGBM's lambdarank).

    Tie-aware (McSherry & Najork 2008): documents with equal scores share their group's mean gain, the
    expectation over every order of the ties, so a constant scorer scores like a random one rather than
    like the input order.
    """
    if len(labels) == 0:
        return float("nan")
    labels = np.asarray(labels, dtype=np.float64)
    scores = np.asarray(scores, dtype=np.float64)
    gains = 2.0**labels - 1
    order = np.argsort(-scores, kind="stable")
    ranked_scores, ranked_gains = scores[order], gains[order]
    _, group, counts = np.unique(-ranked_scores, return_inverse=True, return_counts=True)
    ranked_gains = np.bincount(group, weights=ranked_gains)[group] / counts[group]
    discounts = 1.0 / np.log2(np.arange(2, len(labels) + 2))
    dcg = float(np.sum((ranked_gains * discounts)[:k]))
    idcg = float(np.sum((np.sort(gains)[::-1] * discounts)[:k]))
    return dcg / idcg if idcg > 0 else 1.0


def random_ndcg(labels: np.ndarray, k: int = 3, shuffles: int = RANDOM_SHUFFLES, seed: int = 0) -> float:
    """Expected NDCG@k of a random ranking, averaged over `shuffles` seeded permutations."""
    rng = np.random.default_rng(seed)
    return float(
        np.mean([ndcg_at_k(labels, rng.permutation(len(labels)).astype(float), k) for _ in range(shuffles)])
    )


@dataclass
class RankerData:
    """Feature matrix, labels and query groups for LightGBM (rows grouped by LR language)."""

    frame: pl.DataFrame
    features: list[str]

    def query(self, lr: str) -> pl.DataFrame:
        return self.frame.filter(pl.col("lr_lang") == lr)


def _prepare(features: pl.DataFrame, transfer: pl.DataFrame, gain: str) -> RankerData:
    columns = feature_columns(features)
    if not columns:
        raise InputError(
            "no features to rank donors with (overlap, typology and corpus sizes are all missing)",
            hint="run `xlt analyze overlap` and `xlt analyze typology` first",
        )
    if gain not in transfer.columns:
        raise InputError(f"unknown gain column {gain!r}", hint=f"one of: {', '.join(transfer.columns)}")
    observed = transfer.select("hr_lang", "lr_lang", pl.col(gain).alias("gain"))
    frame = features.join(observed, on=["hr_lang", "lr_lang"], how="left").sort(["lr_lang", "hr_lang"])
    return RankerData(frame, columns)


def _matrix(part: pl.DataFrame, columns: Sequence[str]) -> np.ndarray:
    return part.select(pl.col(c).cast(pl.Float64).fill_null(float("nan")) for c in columns).to_numpy()


class _Booster(Protocol):
    def predict(self, data: np.ndarray) -> np.ndarray: ...


def _fit(train: pl.DataFrame, columns: Sequence[str], seed: int) -> _Booster:
    """LambdaRank on the observed queries, with settings for tiny data (defaults assume thousands of rows).

    LightGBM's native API with the parameters `LGBMRanker(objective="lambdarank")` sets: the sklearn
    wrapper would add scikit-learn as a dependency for nothing else.
    """
    import lightgbm

    xs, ys, groups = [], [], []
    for (_lr,), part in sorted(train.group_by("lr_lang"), key=lambda kv: str(kv[0][0])):
        xs.append(_matrix(part, columns))
        ys.append(relevance_labels(part["gain"].to_numpy()))
        groups.append(part.height)
    params = {
        "objective": "lambdarank",
        "learning_rate": 0.1,
        "num_leaves": 7,
        "min_data_in_leaf": 1,  # a query has only as many rows as HR candidates
        "min_sum_hessian_in_leaf": 1e-6,
        "min_data_in_bin": 1,
        "seed": seed,
        "deterministic": True,
        "num_threads": 1,
        "verbose": -1,
    }
    # the Dataset needs the small-data settings too: its binning (min_data_in_bin) happens at construction
    dataset = lightgbm.Dataset(np.vstack(xs), np.concatenate(ys), group=groups, params=params)
    return lightgbm.train(params, dataset, num_boost_round=100)


def _observed(data: RankerData) -> pl.DataFrame:
    return data.frame.filter(pl.col("gain").is_not_null() & pl.col("gain").is_finite())


def rank_donors(
    features: pl.DataFrame, transfer: pl.DataFrame, lr_lang: str, gain: str = "rel_gain_final", seed: int = 0
) -> pl.DataFrame:
    """Candidate HR donors of `lr_lang`, best first, from a ranker trained on every other LR language.

    The target's own observed gains (if any) are never used for training, only shown beside the
    prediction (``observed_gain``, ``observed_rank``).
    """
    data = _prepare(features, transfer, gain)
    candidates = data.query(lr_lang)
    if candidates.is_empty():
        raise InputError(
            f"no candidate donors with features for {lr_lang}",
            hint="compute overlap/typology for it (`xlt analyze overlap --lr ...`)",
        )
    train = _observed(data).filter(pl.col("lr_lang") != lr_lang)
    train = train.filter(pl.len().over("lr_lang") >= 2)
    if train.is_empty():
        raise InputError(
            f"no other LR language with results to learn from (ranking {lr_lang})",
            hint="the ranker needs observed gains for at least one other LR language with 2+ donors",
        )
    model = _fit(train, data.features, seed)
    scores = model.predict(_matrix(candidates, data.features))
    return (
        candidates.select("lr_lang", "hr_lang", pl.col("gain").alias("observed_gain"))
        .with_columns(score=pl.Series(scores, dtype=pl.Float64))
        .with_columns(
            predicted_rank=pl.col("score").rank("ordinal", descending=True).cast(pl.Int64),
            observed_rank=pl.col("observed_gain").rank("ordinal", descending=True).cast(pl.Int64),
        )
        .sort("predicted_rank")
    )


def evaluate_ranker(
    features: pl.DataFrame, transfer: pl.DataFrame, gain: str = "rel_gain_final", k: int = 3, seed: int = 0
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(evaluation, predictions): leave-one-LR-language-out NDCG@k of the ranker, of overlap alone and of
    a random ranking, per LR language; and every held-out prediction."""
    data = _prepare(features, transfer, gain)
    observed = _observed(data).filter(pl.len().over("lr_lang") >= 2)
    langs = sorted(observed["lr_lang"].unique().to_list())
    if len(langs) < 2:
        raise InputError(
            f"leave-one-out ranking needs 2+ LR languages with 2+ donors each, found {len(langs)}",
            hint="evaluate more LR languages, or more HR runs",
        )
    overlap = "overlap_tokens" if "overlap_tokens" in data.features else None
    rows, predictions = [], []
    for lr in langs:
        ranked = rank_donors(features, transfer, lr, gain, seed).filter(pl.col("observed_gain").is_not_null())
        held = observed.filter(pl.col("lr_lang") == lr).join(ranked.select("hr_lang", "score"), on="hr_lang")
        labels = relevance_labels(held["gain"].to_numpy())
        overlap_ndcg = float("nan")
        if overlap is not None and held[overlap].null_count() == 0:
            overlap_ndcg = ndcg_at_k(labels, held[overlap].cast(pl.Float64).to_numpy(), k)
        rows.append(
            {
                "lr_lang": lr,
                "n_candidates": held.height,
                "ndcg_ranker": ndcg_at_k(labels, held["score"].to_numpy(), k),
                "ndcg_overlap": overlap_ndcg,
                "ndcg_random": random_ndcg(labels, k, seed=seed),
            }
        )
        predictions.append(ranked)
    evaluation = pl.DataFrame(rows).with_columns(pl.col("^ndcg_.*$").fill_nan(None))
    return evaluation, pl.concat(predictions)
