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


def significance_column(transfer: pl.DataFrame, at: str) -> str | None:
    """``significant_<at>`` when the table carries it with at least one value (True: the paired-bootstrap
    95 % interval of the log gain lies above 0); None for imported matrices, which have no intervals."""
    name = f"significant_{at}"
    if name not in transfer.columns or transfer.schema[name] != pl.Boolean:
        return None
    return name if transfer[name].drop_nulls().len() else None


def binomial_q(counts: np.ndarray, totals: np.ndarray, rate: float) -> tuple[np.ndarray, np.ndarray]:
    """One-sided binomial p-value of each count against the pooled rate, P(X ≥ count | n, rate), and the
    Benjamini–Hochberg q-values across them."""
    from scipy import stats

    if counts.size == 0:
        return np.zeros(0), np.zeros(0)
    p = stats.binom.sf(counts - 1, totals, rate) if 0 < rate < 1 else np.ones(counts.size)
    p = np.clip(np.nan_to_num(p, nan=1.0), 0.0, 1.0)
    return p, stats.false_discovery_control(p, method="bh")


def _rank_by_improvement(
    transfer: pl.DataFrame, by: str, other: str, at: str, alpha: float, noun: str
) -> pl.DataFrame:
    gain = pl.col(f"gain_{at}")
    signif = significance_column(transfer, at)
    hit = pl.col(signif).fill_null(False) & (gain > 0) if signif else gain > 0
    ranked = (
        transfer.filter(gain.is_not_null())
        .group_by(by)
        .agg(
            **{f"n_{other}": pl.len()},
            n_improved=(gain > 0).sum(),
            n_significant=hit.sum() if signif else pl.lit(None, dtype=pl.UInt32),
            _tested=hit.sum(),
            improved=pl.col(other).filter(gain > 0).sort(),
            median_log_gain=pl.col(f"log_gain_{at}").median(),
            median_rel_gain=pl.col(f"rel_gain_{at}").median(),
            mean_log_gain=pl.col(f"log_gain_{at}").mean(),
        )
        .with_columns(share_improved=pl.col("n_improved") / pl.col(f"n_{other}"))
        .sort(["n_improved", "median_log_gain", by], descending=[True, True, False], nulls_last=True)
        .with_row_index("rank", offset=1)
    )
    totals = ranked[f"n_{other}"].to_numpy().astype(np.int64)
    tested = ranked["_tested"].to_numpy().astype(np.int64)
    rate = float(tested.sum() / totals.sum()) if totals.sum() else 0.0
    p, q = binomial_q(tested, totals, rate)
    return ranked.drop("_tested").with_columns(
        pl.col("rank").cast(pl.Int64),
        pl.col("improved").list.join(","),
        pl.col("n_significant").cast(pl.Int64),
        count_basis=pl.lit("significant" if signif else "raw"),
        pooled_rate=pl.lit(rate),
        expected=pl.col(f"n_{other}") * rate,
        p_value=pl.Series(p, dtype=pl.Float64),
        q_value=pl.Series(q, dtype=pl.Float64),
        **{f"super_{noun}": pl.Series(q < alpha, dtype=pl.Boolean)},
        alpha=pl.lit(alpha),
        checkpoint=pl.lit(at),
    )


def donors(transfer: pl.DataFrame, at: str = "final", alpha: float = 0.05) -> pl.DataFrame:
    """HR languages ranked by how many LR languages they push below zero-shot perplexity (the study's
    count, ``n_improved``; ties by the median log gain).

    ``super_donor``: the donor's count is above what the pooled improvement rate predicts, by a
    one-sided binomial test (``p_value``) with Benjamini–Hochberg across donors (``q_value`` < `alpha`).
    When the table carries ``significant_<at>`` (bootstrap intervals), the tested count is
    ``n_significant`` (improvements whose interval is above 0) and the rate is pooled over those;
    ``count_basis`` says which. `at` is the ``final`` or ``best`` checkpoint.
    """
    return _rank_by_improvement(transfer, "hr_lang", "lr_lang", at, alpha, "donor")


def recipients(transfer: pl.DataFrame, at: str = "final", alpha: float = 0.05) -> pl.DataFrame:
    """LR languages ranked by how many HR languages improve them (``super_recipient`` as for donors)."""
    return _rank_by_improvement(transfer, "lr_lang", "hr_lang", at, alpha, "recipient")


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
