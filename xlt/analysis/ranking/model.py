"""The donor ranker: LambdaRank on the features, blended with the global donor prior.

* LambdaRank (LightGBM) with LangRank's settings (``LGBMRanker(num_leaves=16, learning_rate=0.1,
  n_estimators=100, min_child_samples=5)`` in langrank.py's ``train``) on each feature and its
  within-query z-score. Trees split on absolute thresholds, but which candidate is best is a comparison
  within one query; query-level normalisation is the standard remedy in learning to rank (the LETOR
  benchmarks ship "QueryLevelNorm" features, Qin & Liu 2013, arXiv:1306.2597).
* The global donor prior: a candidate's mean within-query percentile on the training queries. Some
  candidates help almost every target (the "super donors" of Protasov et al. 2024), which per-pair
  features cannot express.
* The blend ``(1 − w)·z(LambdaRank) + w·z(prior)``, z-scored within the query, with ``w`` chosen by
  cross-validation on the training queries only (nested inside leave-one-target-out; see `CrossFit`).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol, cast

import numpy as np

from xlt.analysis.ranking.metrics import TOP, ndcg_at_k, percentiles, relevance_labels
from xlt.analysis.ranking.table import Queries


@dataclass(frozen=True)
class RankerSettings:
    """Every knob of the ranker, fixed before any data is seen (see the module docstring for why)."""

    k: int = 3  # NDCG@3, LangRank's headline metric
    top: int = TOP  # relevant candidates per query (LangRank: 10)
    # groups of training queries for choosing the prior weight: an inner model trains on (folds − 2) /
    # folds of the queries, close to the final model's share, so the weight it picks suits the final model
    folds: int = 10
    weights: tuple[float, ...] = tuple(i / 10 for i in range(11))  # prior weights tried
    rounds: int = 100  # LangRank's n_estimators
    leaves: int = 16  # LangRank's num_leaves
    learning_rate: float = 0.1  # LangRank's
    min_data_in_leaf: int = 5  # LangRank's min_child_samples
    seed: int = 0
    # hold out the target's whole group of `folds` instead of the target alone: the models then number
    # folds·(folds+1)/2 + folds instead of ~3 per target (a 200 × 50 workspace: 66 fits instead of 156).
    # False is LangRank's leave-one-target-out protocol (benchmarks/bench_ranking.py).
    grouped: bool = False


class Booster(Protocol):
    """What the ranker needs of a trained LightGBM booster."""

    def predict(self, data: np.ndarray) -> np.ndarray: ...

    def feature_importance(self, importance_type: str = ...) -> np.ndarray: ...


def query_normalised(qs: Queries) -> np.ndarray:
    """Each feature and its z-score within the query (NaN stays NaN; a constant column gives 0)."""
    z = np.full_like(qs.x, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-missing column: its z-scores stay NaN
        for q in range(len(qs.targets)):
            part = qs.x[qs.rows(q)]
            mean, std = np.nanmean(part, axis=0), np.nanstd(part, axis=0)
            z[qs.rows(q)] = np.where(std > 0, (part - mean) / np.where(std > 0, std, 1), 0.0)
    z[np.isnan(qs.x)] = np.nan
    return np.hstack([qs.x, z])


def zscore(values: np.ndarray) -> np.ndarray:
    """Standardised within one query; a constant (uninformative) scorer becomes all zeros."""
    values = np.where(np.isfinite(values), values, np.nan)
    if np.isnan(values).all():
        return np.zeros(values.size)
    filled = np.where(np.isnan(values), np.nanmin(values), values)  # missing ranks with the worst
    std = filled.std()
    return (filled - filled.mean()) / std if std > 0 else np.zeros(values.size)


def blend(model: np.ndarray, prior: np.ndarray, weight: float) -> np.ndarray:
    """The ranker's score of one query's candidates."""
    return (1 - weight) * zscore(model) + weight * zscore(prior)


def fit_lambdarank(x: np.ndarray, labels: np.ndarray, groups: list[int], settings: RankerSettings) -> Booster:
    """LightGBM LambdaRank through its native API, LangRank's settings and LightGBM's defaults otherwise
    (the sklearn wrapper would pull in scikit-learn)."""
    import lightgbm

    params = {
        "objective": "lambdarank",
        "num_leaves": settings.leaves,
        "learning_rate": settings.learning_rate,
        "min_data_in_leaf": settings.min_data_in_leaf,
        "seed": settings.seed,
        "deterministic": True,
        "force_col_wise": True,
        "num_threads": 1,  # small data: threads cost more than they save on shared cores
        "verbose": -1,
    }
    dataset = lightgbm.Dataset(x, labels, group=groups, params=params)
    # lightgbm's Booster.predict takes more options than the protocol names; what is used matches
    return cast(Booster, lightgbm.train(params, dataset, num_boost_round=settings.rounds))


@dataclass
class CrossFit:
    """Models and priors trained on the observed queries minus a set of them, cached by that set.

    Nested cross-validation without a fit per (outer, inner) pair: the observed queries fall into
    `settings.folds` groups; to choose the prior weight for target t, each training query j is scored by
    the model trained without the groups of j and of t. That model never saw t, so t's scores influence
    neither its own model nor its weight (tests/test_ranking.py changes them to check), and the inner
    models number folds·(folds+1)/2 instead of one per outer target and inner fold.
    """

    qs: Queries
    settings: RankerSettings
    features: np.ndarray = field(init=False)
    labels: np.ndarray = field(init=False)
    observed: list[int] = field(init=False)
    group: dict[int, int] = field(init=False)
    _pct: np.ndarray = field(init=False)
    _models: dict[tuple[str, frozenset[int]], tuple[Booster | None, np.ndarray]] = field(
        init=False, default_factory=dict
    )
    _inner: dict[tuple[frozenset[int], int], np.ndarray] = field(init=False, default_factory=dict)
    _priors: dict[frozenset[int], np.ndarray] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        qs = self.qs
        self.features = query_normalised(qs)
        self.labels = np.zeros(qs.score.size)
        self._pct = np.full(qs.score.size, np.nan)
        for q in range(len(qs.targets)):
            self.labels[qs.rows(q)] = relevance_labels(qs.score[qs.rows(q)], self.settings.top)
            self._pct[qs.rows(q)] = percentiles(qs.score[qs.rows(q)])
        self.observed = qs.observed
        order = np.random.default_rng(self.settings.seed).permutation(len(self.observed))
        folds = max(1, min(self.settings.folds, len(self.observed)))
        self.group = {self.observed[i]: int(pos % folds) for pos, i in enumerate(order)}

    def prior(self, excluded: frozenset[int]) -> np.ndarray:
        """Each candidate's mean percentile over the observed queries not in `excluded` (0.5 if unseen)."""
        if excluded not in self._priors:
            keep = np.isin(self.qs.query, [q for q in self.observed if q not in excluded])
            keep &= np.isfinite(self._pct)
            n = len(self.qs.candidates)
            sums = np.bincount(self.qs.cand[keep], self._pct[keep], minlength=n)
            counts = np.bincount(self.qs.cand[keep], minlength=n)
            self._priors[excluded] = np.where(counts > 0, sums / np.maximum(counts, 1), 0.5)
        return self._priors[excluded]

    def model(self, kind: str, excluded: frozenset[int]) -> tuple[Booster | None, np.ndarray]:
        """(booster, scores of every row) of `kind` ("ranker": features and their query z-scores;
        "lambdarank": the raw features, LangRank's setup) trained without the `excluded` queries."""
        key = (kind, excluded)
        if key not in self._models:
            train = [q for q in self.observed if q not in excluded]
            if not train:
                self._models[key] = (None, np.zeros(self.qs.score.size))
            else:
                x = self.features if kind == "ranker" else self.qs.x
                rows = np.concatenate([np.arange(self.qs.score.size)[self.qs.rows(q)] for q in train])
                groups = [self.qs.rows(q).stop - self.qs.rows(q).start for q in train]
                booster = fit_lambdarank(x[rows], self.labels[rows], groups, self.settings)
                self._models[key] = (booster, booster.predict(x))
        return self._models[key]

    def _members(self, groups: Iterable[int]) -> frozenset[int]:
        wanted = set(groups)
        return frozenset(q for q in self.observed if self.group[q] in wanted)

    def _inner_ndcg(self, excluded: frozenset[int], j: int) -> np.ndarray:
        """NDCG@k of training query j under every prior weight, from the model trained without `excluded`."""
        key = (excluded, j)
        if key not in self._inner:
            rows = self.qs.rows(j)
            _, scores = self.model("ranker", excluded)
            prior = self.prior(excluded)[self.qs.cand[rows]]
            self._inner[key] = np.array(
                [
                    ndcg_at_k(self.labels[rows], blend(scores[rows], prior, w), self.settings.k)
                    for w in self.settings.weights
                ]
            )
        return self._inner[key]

    def weight(self, target: int) -> float:
        """The prior weight for ranking `target`, chosen on the other observed queries only."""
        own = {self.group[target]} if target in self.group else set()
        results = []
        for j in self.observed:
            if j == target:
                continue
            excluded = self._members(own | {self.group[j]})
            if len(excluded) < len(self.observed):  # some query left to learn from
                results.append(self._inner_ndcg(excluded, j))
        if not results:
            return 0.5  # too few targets to cross-validate: an equal blend
        # the argmax of a curve estimated on a few dozen queries chases noise; neighbouring weights are
        # nearly the same ranker, so pick the best 3-point moving average (ties: the smaller weight)
        means = np.mean(results, axis=0)
        smooth = np.convolve(np.pad(means, 1, mode="edge"), np.ones(3) / 3, mode="valid")
        return float(self.settings.weights[int(np.argmax(smooth))])

    def held_out(self, target: int) -> frozenset[int]:
        """What a model that ranks `target` must not see: the target (or, `grouped`, its whole group)."""
        if target not in self.group:
            return frozenset()
        return self._members({self.group[target]}) if self.settings.grouped else frozenset({target})

    def rank(self, target: int) -> tuple[np.ndarray, float]:
        """(scores of `target`'s candidates, prior weight) from everything observed except `target`."""
        excluded = self.held_out(target)
        _, scores = self.model("ranker", excluded)
        rows = self.qs.rows(target)
        w = self.weight(target)
        return blend(scores[rows], self.prior(excluded)[self.qs.cand[rows]], w), w
