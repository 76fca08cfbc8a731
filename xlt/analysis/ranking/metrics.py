"""LangRank's evaluation protocol: relevance labels, NDCG@k with linear gains, the random expectation.

Lin et al. 2019 ("Choosing Transfer Languages for Cross-Lingual Learning", ACL, §4) grade the ten best
transfer languages of a task language 10, 9, …, 1 by the observed score and every other candidate 0, and
report NDCG@3. The gain of a document is its relevance itself (linear, as in
``sklearn.metrics.ndcg_score``), not LightGBM's 2^rel − 1.
"""

from __future__ import annotations

import numpy as np

TOP = 10  # LangRank: the ten best transfer languages are relevant


def relevance_labels(scores: np.ndarray, top: int = TOP) -> np.ndarray:
    """LangRank's labels for one query: ``top`` for the best score, down to 1 for the ``top``-th, else 0.

    Equal scores share the better rank (a tie for second place is two 9s, then 7), as the ``Rank``
    column of LangRank's tables has it. A missing (NaN) score is never relevant.
    """
    scores = np.asarray(scores, dtype=np.float64)
    finite = np.where(np.isfinite(scores), scores, -np.inf)
    # rank "min": 1 + the number of strictly better scores
    better = (finite[None, :] > finite[:, None]).sum(axis=1)
    labels = np.clip(top - better, 0, None).astype(np.float64)
    labels[~np.isfinite(scores)] = 0.0
    return labels


def _discounts(n: int) -> np.ndarray:
    return 1.0 / np.log2(np.arange(2, n + 2))


def ndcg_at_k(relevance: np.ndarray, scores: np.ndarray, k: int = 3) -> float:
    """NDCG@k of ranking by ``scores`` (higher first) against graded ``relevance``, linear gains.

    Tie-aware like ``sklearn.metrics.ndcg_score(ignore_ties=False)`` (McSherry & Najork 2008): documents
    with equal scores share their group's mean gain, the expectation over every order of the tie, so a
    constant scorer is worth a random order rather than the input order. NaN scores rank last. A query
    without any relevant document scores 0, as in scikit-learn.
    """
    relevance = np.asarray(relevance, dtype=np.float64)
    if relevance.size == 0:
        return float("nan")
    scores = np.asarray(scores, dtype=np.float64)
    scores = np.where(np.isnan(scores), -np.inf, scores)
    order = np.argsort(-scores, kind="stable")
    ranked_scores, ranked_gains = scores[order], relevance[order]
    _, group, counts = np.unique(-ranked_scores, return_inverse=True, return_counts=True)
    ranked_gains = np.bincount(group, weights=ranked_gains)[group] / counts[group]
    discounts = _discounts(relevance.size)
    dcg = float(np.sum((ranked_gains * discounts)[:k]))
    idcg = float(np.sum((np.sort(relevance)[::-1] * discounts)[:k]))
    return dcg / idcg if idcg > 0 else 0.0


def random_ndcg(relevance: np.ndarray, k: int = 3) -> float:
    """Expected NDCG@k of a uniformly random order, exactly: each of the top k positions holds the mean
    gain in expectation (linearity of expectation), so E[DCG@k] = mean(relevance) · Σ_{i<k} discount_i."""
    relevance = np.asarray(relevance, dtype=np.float64)
    if relevance.size == 0:
        return float("nan")
    discounts = _discounts(relevance.size)[:k]
    idcg = float(np.sum(np.sort(relevance)[::-1][:k] * discounts))
    return float(relevance.mean() * discounts.sum()) / idcg if idcg > 0 else 0.0


def percentiles(scores: np.ndarray) -> np.ndarray:
    """Within-query percentile of each score: 1 for the best, 0 for the worst, ties averaged; NaN stays
    NaN. Robust to the outliers of perplexity gains (a mean of raw gains is not)."""
    scores = np.asarray(scores, dtype=np.float64)
    out = np.full(scores.size, np.nan)
    finite = np.isfinite(scores)
    values = scores[finite]
    if values.size == 1:
        out[finite] = 0.5
    elif values.size > 1:
        below = (values[None, :] < values[:, None]).sum(axis=1)
        equal = (values[None, :] == values[:, None]).sum(axis=1)
        out[finite] = (below + (equal - 1) / 2) / (values.size - 1)
    return out
