"""Leave-one-target-out evaluation of the ranker beside its baselines, and `rank_table` for any table.

Every number for a held-out target t comes from the other observed targets only: the ranker's model,
its prior weight (`CrossFit.weight`), the prior baseline, and the direction (higher or lower is better)
of each single-feature baseline.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from xlt.analysis.ranking.metrics import ndcg_at_k, random_ndcg
from xlt.analysis.ranking.model import CrossFit, RankerSettings
from xlt.analysis.ranking.table import Queries, queries, read_table
from xlt.errors import InputError
from xlt.workspace import write_parquet


@dataclass
class RankResult:
    """What `rank_table` found.

    ``evaluation``: one row per observed target: NDCG@k of the ranker, plain LambdaRank, the prior,
    random (expected) and each single feature (``ndcg_<feature>``), and the prior weight chosen for it.
    ``predictions``: every (target, candidate) row with the held-out ``predicted`` score and rank, the
    observed score, rank and LangRank relevance. ``summary``: the mean of each method over the targets.
    ``weight`` and ``importance``: the prior weight and the LambdaRank gain importance of each feature
    when trained on every observed target (what ranks a new target).
    """

    queries: Queries
    settings: RankerSettings
    evaluation: pl.DataFrame
    predictions: pl.DataFrame
    summary: pl.DataFrame
    weight: float
    importance: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)

    def report(self) -> str:
        """Plain-text summary: mean NDCG@k per method, and the top candidates of targets without scores."""
        qs, k = self.queries, self.settings.k
        lines = [
            f"ranked {len(qs.targets)} targets ({qs.target_col}) x {len(qs.candidates)} candidates "
            f"({qs.candidate_col}) by {qs.score_col} from {len(qs.features)} features",
            *(f"warning: {w}" for w in self.warnings),
        ]
        if self.evaluation.height:
            lines.append(f"leave-one-target-out NDCG@{k} (x100) over {self.evaluation.height} targets:")
            for row in self.summary.iter_rows(named=True):
                lines.append(f"  {row['method']:<34} {100 * row['ndcg']:6.1f}")
            lines.append(f"  prior weight when trained on every target: {self.weight:.1f}")
        new = self.predictions.filter(pl.col("relevance").is_null())
        for (target,), part in sorted(new.group_by(qs.target_col), key=lambda kv: str(kv[0][0])):
            best = part.sort("predicted_rank").head(k)[qs.candidate_col].to_list()
            lines.append(f"best {qs.candidate_col} for {target}: {', '.join(map(str, best))}")
        lines.extend(f"wrote {path}" for path in self.paths)
        return "\n".join(lines)


def _single_feature_ndcg(qs: Queries, cross: CrossFit) -> dict[str, np.ndarray]:
    """Per feature: NDCG@k of each observed query ranked by the feature (column 0) and by its negation
    (column 1). Features constant within every query (the target's own size, say) are left out: they
    tie every candidate and score exactly like random."""
    out: dict[str, np.ndarray] = {}
    for f, name in enumerate(qs.features):
        varies = any(
            np.unique(qs.x[qs.rows(q), f][~np.isnan(qs.x[qs.rows(q), f])]).size > 1 for q in cross.observed
        )
        if not varies:
            continue
        table = np.zeros((len(qs.targets), 2))
        for q in cross.observed:
            rows = qs.rows(q)
            for s, sign in enumerate((1.0, -1.0)):
                table[q, s] = ndcg_at_k(cross.labels[rows], sign * qs.x[rows, f], cross.settings.k)
        out[name] = table
    return out


def _evaluate(qs: Queries, cross: CrossFit) -> tuple[pl.DataFrame, dict[int, tuple[np.ndarray, float]]]:
    k = cross.settings.k
    singles = _single_feature_ndcg(qs, cross)
    rows, ranked = [], {}
    for t in cross.observed:
        others = [q for q in cross.observed if q != t]
        labels = cross.labels[qs.rows(t)]
        scores, weight = cross.rank(t)
        ranked[t] = (scores, weight)
        _, plain = cross.model("lambdarank", cross.held_out(t))
        prior = cross.prior(cross.held_out(t))[qs.cand[qs.rows(t)]]
        row: dict[str, object] = {
            qs.target_col: qs.targets[t],
            "n_candidates": qs.rows(t).stop - qs.rows(t).start,
            "ndcg_ranker": ndcg_at_k(labels, scores, k),
            "ndcg_lambdarank": ndcg_at_k(labels, plain[qs.rows(t)], k),
            "ndcg_prior": ndcg_at_k(labels, prior, k),
            "ndcg_random": random_ndcg(labels, k),
        }
        for name, table in singles.items():
            direction = int(np.argmax(table[others].sum(axis=0)))  # chosen on the training queries
            row[f"ndcg_{name}"] = float(table[t, direction])
        row["prior_weight"] = weight
        rows.append(row)
    return pl.DataFrame(rows), ranked


def _summary(evaluation: pl.DataFrame) -> pl.DataFrame:
    names = {"ndcg_ranker": "xlt ranker", "ndcg_lambdarank": "LambdaRank (LangRank setup)",
             "ndcg_prior": "global donor prior", "ndcg_random": "random (expected)"}  # fmt: skip
    methods = [c for c in evaluation.columns if c.startswith("ndcg_")]
    return pl.DataFrame(
        {
            "method": [names.get(c, f"single feature: {c.removeprefix('ndcg_')}") for c in methods],
            "column": methods,
            "ndcg": [float(evaluation[c].mean()) for c in methods],  # type: ignore[arg-type]
        },
        schema={"method": pl.String, "column": pl.String, "ndcg": pl.Float64},
    )


def rank_table(
    frame: pl.DataFrame,
    target: str | None = None,
    candidate: str | None = None,
    score: str | None = None,
    features: Sequence[str] | None = None,
    settings: RankerSettings | None = None,
    evaluate: bool = True,
) -> RankResult:
    """Rank the candidates of every target of a long table; targets with observed scores are also
    evaluated leave-one-target-out against random, each single feature, the prior and plain LambdaRank.

    Column names default to xlt's (``lr_lang``, ``hr_lang``) or LangRank's; features default to every
    other numeric column (LangRank's fourteen when its table is given). A target whose scores are all
    missing is ranked by the model trained on every observed target: xlt can rank donors for a task it
    did not run. With ``evaluate=False`` only those targets are ranked (no leave-one-out, far fewer fits).
    """
    settings = settings or RankerSettings()
    qs = queries(frame, target, candidate, score, features)
    cross = CrossFit(qs, settings)
    if len(cross.observed) < (2 if evaluate else 1):
        raise InputError(
            f"ranking needs {2 if evaluate else 1}+ targets with 2+ observed scores each, "
            f"found {len(cross.observed)}",
            hint=f"fill the {qs.score_col} column for more {qs.target_col} values",
        )
    evaluation, ranked = _evaluate(qs, cross) if evaluate else (pl.DataFrame(), {})
    shown = [t for t in range(len(qs.targets)) if evaluate or t not in cross.observed]
    for t in shown:
        if t not in ranked:
            ranked[t] = cross.rank(t)
    weight = cross.weight(-1)  # -1: no target held out
    booster, _ = cross.model("ranker", frozenset())
    gains = booster.feature_importance("gain") if booster is not None else np.zeros(2 * len(qs.features))
    n = len(qs.features)
    importance = {name: float(gains[i] + gains[n + i]) for i, name in enumerate(qs.features)}
    rows = np.concatenate([np.arange(qs.score.size)[qs.rows(t)] for t in shown] or [np.zeros(0, int)])
    predictions = (
        pl.DataFrame(
            {
                qs.target_col: [qs.targets[q] for q in qs.query[rows]],
                qs.candidate_col: [qs.candidates[c] for c in qs.cand[rows]],
                qs.score_col: qs.score[rows],
                "predicted": np.concatenate([ranked[t][0] for t in shown] or [np.zeros(0)]),
                "relevance": cross.labels[rows],
            },
            schema={
                qs.target_col: pl.String,
                qs.candidate_col: pl.String,
                qs.score_col: pl.Float64,
                "predicted": pl.Float64,
                "relevance": pl.Float64,
            },
        )
        .with_columns(
            pl.col(qs.score_col).fill_nan(None),
            relevance=pl.when(pl.col(qs.target_col).is_in([qs.targets[q] for q in cross.observed])).then(
                pl.col("relevance")
            ),
        )
        .with_columns(
            predicted_rank=pl.col("predicted").rank("ordinal", descending=True).over(qs.target_col),
            observed_rank=pl.col(qs.score_col).rank("min", descending=True).over(qs.target_col),
        )
        .sort(qs.target_col, "predicted_rank")
    )
    summary = _summary(evaluation) if evaluate else _summary(pl.DataFrame())
    return RankResult(qs, settings, evaluation, predictions, summary, weight, importance)


def rank_table_file(
    path: Path,
    out_dir: Path,
    target: str | None = None,
    candidate: str | None = None,
    score: str | None = None,
    features: str | Sequence[str] | None = None,
    seed: int = 0,
) -> RankResult:
    """`rank_table` on a CSV or parquet file (``features`` may be comma-separated); writes
    ``rank_<stem>.parquet`` (predictions) and ``rank_<stem>_eval.parquet`` under `out_dir`."""
    if isinstance(features, str):
        features = [name.strip() for name in features.split(",") if name.strip()]
    result = rank_table(read_table(path), target, candidate, score, features, RankerSettings(seed=seed))
    for name, frame in (
        (f"rank_{path.stem}", result.predictions),
        (f"rank_{path.stem}_eval", result.evaluation),
    ):
        write_parquet(frame, out_dir / f"{name}.parquet")
        result.paths.append(out_dir / f"{name}.parquet")
    return result
