"""Transfer from the perplexity matrix: super donors and recipients, and correlations of the gain with
overlap, typological distance and corpus size.

Gains over zero-shot, and the per-run and per-pair tables they live in, are defined once in
:mod:`xlt.contracts.views` (``gain``, ``rel_gain``, ``log_gain`` at the ``best`` and ``final``
checkpoint; positive = better than zero-shot).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from xlt.contracts.views import PAIR

# Gains that correlations and rankings use by default.
DEFAULT_GAINS = ("rel_gain_best", "rel_gain_final")


def _rank_by_improvement(
    transfer: pl.DataFrame, by: str, other: str, at: str, super_share: float, noun: str
) -> pl.DataFrame:
    gain = pl.col(f"gain_{at}")
    ranked = (
        transfer.filter(gain.is_not_null())
        .group_by(by)
        .agg(
            **{f"n_{other}": pl.len()},
            n_improved=(gain > 0).sum(),
            improved=pl.col(other).filter(gain > 0).sort(),
            mean_rel_gain=pl.col(f"rel_gain_{at}").mean(),
            median_rel_gain=pl.col(f"rel_gain_{at}").median(),
            mean_log_gain=pl.col(f"log_gain_{at}").mean(),
        )
        .with_columns(share_improved=pl.col("n_improved") / pl.col(f"n_{other}"))
        .sort(["n_improved", "mean_rel_gain", by], descending=[True, True, False])
        .with_row_index("rank", offset=1)
        .with_columns(
            pl.col("improved").list.join(","),
            (pl.col("share_improved") >= super_share).alias(f"super_{noun}"),
            pl.lit(at).alias("checkpoint"),
        )
    )
    return ranked.with_columns(pl.col("rank").cast(pl.Int64))


def donors(transfer: pl.DataFrame, at: str = "final", super_share: float = 0.75) -> pl.DataFrame:
    """HR languages ranked by how many LR languages they push below zero-shot perplexity.

    ``super_donor``: improves at least `super_share` of the LR languages it was evaluated on (a threshold
    of ours: the paper names super donors without fixing one). `at` is ``final`` or ``best`` checkpoint.
    """
    return _rank_by_improvement(transfer, "hr_lang", "lr_lang", at, super_share, "donor")


def recipients(transfer: pl.DataFrame, at: str = "final", super_share: float = 0.75) -> pl.DataFrame:
    """LR languages ranked by how many HR languages improve them (``super_recipient`` as for donors)."""
    return _rank_by_improvement(transfer, "lr_lang", "hr_lang", at, super_share, "recipient")


EXACT_MAX_N = 7  # up to 7! = 5,040 orderings, exact permutation p-values are cheap


def _correlate(x: np.ndarray, y: np.ndarray) -> dict[str, float | None]:
    """Spearman and Pearson with p-values; None where undefined (fewer than 3 points or a constant).

    With few points (a handful of HR donors per LR language) scipy's asymptotic p-values are wrong: with
    n = 3 a perfect rank correlation gets p = 0, although one ordering in six produces it by chance.
    Up to EXACT_MAX_N points the p-values are exact, two-sided, over every ordering of y.
    """
    from scipy import stats

    empty: dict[str, float | None] = dict.fromkeys(("spearman", "spearman_p", "pearson", "pearson_p"))
    if len(x) < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return empty
    rho = stats.spearmanr(x, y)
    r = stats.pearsonr(x, y)
    rho_p, r_p = float(rho.pvalue), float(r.pvalue)
    if len(x) <= EXACT_MAX_N:
        rho_p = _exact_p(stats.rankdata(x), stats.rankdata(y), float(rho.statistic))
        r_p = _exact_p(x, y, float(r.statistic))

    def clean(v: float) -> float | None:
        return None if not np.isfinite(v) else float(v)

    return {
        "spearman": clean(rho.statistic),
        "spearman_p": clean(rho_p),
        "pearson": clean(r.statistic),
        "pearson_p": clean(r_p),
    }


def _exact_p(x: np.ndarray, y: np.ndarray, observed: float) -> float:
    """Two-sided exact permutation p-value of Pearson's r between x and every ordering of y."""
    import itertools

    orders = np.array(list(itertools.permutations(range(len(y)))))
    xc = (x - x.mean()) / np.linalg.norm(x - x.mean())
    yc = (y - y.mean()) / np.linalg.norm(y - y.mean())
    null = yc[orders] @ xc
    return float(np.mean(np.abs(null) >= abs(observed) - 1e-12))


def correlations(
    transfer: pl.DataFrame,
    features: pl.DataFrame,
    gains: Sequence[str] = DEFAULT_GAINS,
    feature_columns: Sequence[str] | None = None,
    per_lr: bool = True,
) -> pl.DataFrame:
    """Correlation of each gain with each pair feature: pooled over all pairs, and within each LR language
    (across its HR donors). One row per (scope, lr_lang, gain, feature) with n, Spearman, Pearson, p-values.
    """
    joined = transfer.join(features, on=list(PAIR), how="inner")
    if feature_columns is None:
        feature_columns = [
            c
            for c, t in features.schema.items()
            if c not in PAIR and t.is_numeric() and c not in transfer.columns
        ]
    groups: list[tuple[str, str | None, pl.DataFrame]] = [("pooled", None, joined)]
    if per_lr:
        for (lr,), part in sorted(joined.group_by("lr_lang"), key=lambda kv: str(kv[0][0])):
            groups.append(("lr", str(lr), part))
    rows: list[dict[str, object]] = []
    for scope, lr, part in groups:
        for gain in gains:
            for feature in feature_columns:
                both = part.select(
                    pl.col(gain).cast(pl.Float64), pl.col(feature).cast(pl.Float64)
                ).drop_nulls()
                both = both.filter(pl.col(gain).is_finite() & pl.col(feature).is_finite())
                x, y = both[feature].to_numpy(), both[gain].to_numpy()
                rows.append({"scope": scope, "lr_lang": lr, "gain": gain, "feature": feature, "n": len(x)})
                rows[-1].update(_correlate(x, y))
    schema = {
        "scope": pl.String, "lr_lang": pl.String, "gain": pl.String, "feature": pl.String, "n": pl.Int64,
        "spearman": pl.Float64, "spearman_p": pl.Float64, "pearson": pl.Float64, "pearson_p": pl.Float64,
    }  # fmt: skip
    frame = pl.DataFrame(rows, schema=schema)
    return frame.with_columns(
        spearman_q=_fdr(frame, "spearman_p"),
        pearson_q=_fdr(frame, "pearson_p"),
    )


def _fdr(frame: pl.DataFrame, column: str) -> pl.Series:
    """Benjamini–Hochberg q-values within each scope (pooled; per-LR), since dozens of LR languages ×
    features × gains make many tests and a few p < 0.05 by chance alone."""
    from scipy import stats

    q = np.full(frame.height, np.nan)
    p = frame[column].to_numpy().astype(np.float64)
    scope = frame["scope"].to_numpy()
    for name in np.unique(scope):
        idx = np.where((scope == name) & np.isfinite(p))[0]
        if idx.size:
            q[idx] = stats.false_discovery_control(p[idx], method="bh")
    return pl.Series(column.replace("_p", "_q"), q).fill_nan(None)


def significant(corr: pl.DataFrame, alpha: float = 0.05) -> pl.DataFrame:
    """Correlations whose Spearman or Pearson q-value (BH-adjusted p) is below `alpha`; pooled first,
    then strongest first."""
    return corr.filter((pl.col("spearman_q") < alpha) | (pl.col("pearson_q") < alpha)).sort(
        [pl.col("scope") != "pooled", pl.col("spearman").abs()], descending=[False, True], nulls_last=True
    )
