"""Analysis on hand-made matrices whose donors, recipients, correlations and NDCG are known in advance."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from xlt.analysis import (
    correlations,
    donors,
    overlap_from_counts,
    recipients,
    transfer_runs,
    transfer_table,
)
from xlt.errors import InputError

HR = ["spa", "eng", "tur", "rus"]
LR = ["nya", "kpv", "nci"]
ZS = {"nya": 100.0, "kpv": 200.0, "nci": 50.0}
# final-checkpoint perplexities: spa improves every LR language (super donor); nya is improved by all
# four HR languages (super recipient); nci only by spa.
FINAL = {
    ("spa", "nya"): 80.0, ("spa", "kpv"): 150.0, ("spa", "nci"): 45.0,
    ("eng", "nya"): 90.0, ("eng", "kpv"): 210.0, ("eng", "nci"): 55.0,
    ("tur", "nya"): 95.0, ("tur", "kpv"): 190.0, ("tur", "nci"): 60.0,
    ("rus", "nya"): 99.0, ("rus", "kpv"): 250.0, ("rus", "nci"): 70.0,
}  # fmt: skip


def _row(run: str, hr: str | None, step: int, lr: str, ppl: float, seed: int = 0) -> dict[str, object]:
    return {
        "run_id": run, "hr_lang": hr, "checkpoint": "base" if hr is None else f"step-{step}", "step": step,
        "lr_lang": lr, "perplexity": ppl, "loss": math.log(ppl), "n_tokens": 1000, "model": "tiny:test",
        "eval_seed": seed,
    }  # fmt: skip


def matrix() -> pl.DataFrame:
    """Zero-shot rows, plus two runs (seeds) per HR with a best checkpoint at step 100 and a final at 200."""
    rows = [_row("base", None, 0, lr, zs) for lr, zs in ZS.items()]
    for (hr, lr), final in FINAL.items():
        for seed, delta in ((1, -1.0), (2, 1.0)):  # the two runs straddle the final value
            run = f"{hr}-s{seed}"
            rows.append(_row(run, hr, 100, lr, final * 0.9 + delta))  # best: perplexity fell, then rose
            rows.append(_row(run, hr, 200, lr, final + delta))
    return pl.DataFrame(rows)


def test_transfer_gains_forgetting_and_run_average() -> None:
    """Gains are zs − ppl (absolute, relative, log), averaged over runs; final > best flags forgetting."""
    runs = transfer_runs(matrix())
    assert runs.height == 2 * len(FINAL)
    table = transfer_table(matrix(), runs)
    row = table.filter((pl.col("hr_lang") == "spa") & (pl.col("lr_lang") == "nya")).row(0, named=True)
    assert row["n_runs"] == 2
    assert row["final_ppl"] == pytest.approx(80.0)
    assert row["gain_final"] == pytest.approx(20.0)
    assert row["rel_gain_final"] == pytest.approx(0.2)
    assert row["best_ppl"] == pytest.approx(72.0)
    assert row["best_step"] == 100
    assert row["forgetting"] is True and row["forgetting_share"] == 1.0
    run = runs.filter((pl.col("run_id") == "spa-s1") & (pl.col("lr_lang") == "nya")).row(0, named=True)
    assert run["log_gain_final"] == pytest.approx(math.log(100 / 79))


def test_donor_and_recipient_counts_and_binomial_p_values() -> None:
    """spa improves all three LR languages (rank 1); nya is improved by all four HR. The p-value is the
    one-sided binomial tail at the pooled rate (7 of 12 cells improve): (7/12)^3 for spa, and with so few
    languages nothing is significant, so nobody is flagged super."""
    table = transfer_table(matrix())
    ranked = donors(table, at="final")
    top = ranked.row(0, named=True)
    assert (top["hr_lang"], top["n_improved"], top["count_basis"]) == ("spa", 3, "raw")
    assert top["pooled_rate"] == pytest.approx(7 / 12)
    assert top["p_value"] == pytest.approx((7 / 12) ** 3)
    assert top["n_significant"] is None
    assert not ranked["super_donor"].any()
    assert dict(ranked.select("hr_lang", "n_improved").iter_rows()) == {
        "spa": 3,
        "eng": 1,
        "tur": 2,
        "rus": 1,
    }
    assert top["median_log_gain"] == pytest.approx(
        sorted(math.log(ZS[lr] / FINAL[("spa", lr)]) for lr in LR)[1], rel=1e-3
    )
    rec = recipients(table, at="final")
    assert rec.row(0, named=True)["lr_lang"] == "nya"
    assert dict(rec.select("lr_lang", "n_improved").iter_rows()) == {"nya": 4, "kpv": 2, "nci": 1}
    # at the best checkpoint (0.9 × final) eng also helps kpv (189 < 200) and nci (49.5 < 50)
    assert donors(table, at="best").filter(pl.col("hr_lang") == "eng")["n_improved"].item() == 3


def test_super_donors_by_binomial_test_with_bh() -> None:
    """With 40 LR languages, a donor improving 36 of them against a pooled rate near a quarter is flagged
    (q < 0.05); one improving 12 (near the rate) is not; the q-values are BH-adjusted p-values."""
    rows = []
    for d, hits in enumerate([36, 12, 10, 9, 8, 8, 7, 10]):
        for r in range(40):
            sign = 1.0 if r < hits else -1.0
            rows.append({"hr_lang": f"h{d}", "lr_lang": f"l{r}", "gain_final": sign,
                         "rel_gain_final": sign / 10, "log_gain_final": sign / 10})  # fmt: skip
    ranked = donors(pl.DataFrame(rows), at="final")
    assert ranked.filter(pl.col("super_donor"))["hr_lang"].to_list() == ["h0"]
    assert ranked["pooled_rate"][0] == pytest.approx(100 / 320)
    from scipy import stats

    p = stats.binom.sf(ranked["n_improved"].to_numpy() - 1, 40, 100 / 320)
    assert ranked["p_value"].to_list() == pytest.approx(list(p))
    assert ranked["q_value"].to_list() == pytest.approx(list(stats.false_discovery_control(p)))


def test_significance_column_replaces_the_raw_count_when_present() -> None:
    """With ``significant_final`` the tested count is the significant improvements; the raw count stays;
    an all-null column (an imported matrix) falls back to the raw count."""
    table = transfer_table(matrix())
    marked = table.with_columns(significant_final=(pl.col("hr_lang") == "spa") & (pl.col("lr_lang") != "nci"))
    ranked = donors(marked, at="final")
    spa = ranked.filter(pl.col("hr_lang") == "spa").row(0, named=True)
    assert (spa["n_improved"], spa["n_significant"], spa["count_basis"]) == (3, 2, "significant")
    assert spa["pooled_rate"] == pytest.approx(2 / 12)
    assert ranked.filter(pl.col("hr_lang") == "eng")["n_significant"].item() == 0
    unknown = table.with_columns(significant_final=pl.lit(None, dtype=pl.Boolean))
    assert donors(unknown, at="final")["count_basis"].unique().to_list() == ["raw"]


def test_correlations_known_values() -> None:
    """A feature rank-identical to the gain gives Spearman 1; its negation −1; a constant gives null."""
    table = transfer_table(matrix())
    features = table.select(
        "hr_lang",
        "lr_lang",
        monotone=pl.col("rel_gain_final").exp(),  # same order, not linear
        negated=-pl.col("rel_gain_final"),
        constant=pl.lit(1.0),
    )
    corr = correlations(table, features, gains=["rel_gain_final"])
    pooled = {r["feature"]: r for r in corr.filter(pl.col("scope") == "pooled").iter_rows(named=True)}
    assert pooled["monotone"]["spearman"] == pytest.approx(1.0)
    assert pooled["monotone"]["spearman_p"] < 0.001
    assert pooled["monotone"]["n"] == 12
    assert pooled["negated"]["pearson"] == pytest.approx(-1.0)
    assert pooled["constant"]["spearman"] is None
    per_lr = corr.filter((pl.col("scope") == "lr") & (pl.col("feature") == "monotone"))
    assert sorted(per_lr["lr_lang"].to_list()) == sorted(LR)
    assert per_lr["spearman"].to_list() == pytest.approx([1.0, 1.0, 1.0])


def test_zero_shot_is_matched_by_base_model() -> None:
    """Zero-shot rows of another base model (same LR languages) do not change the gains."""
    other = pl.DataFrame([{**_row("base", None, 0, lr, 1.0), "model": "mt5-base"} for lr in ZS])
    table = transfer_table(pl.concat([matrix(), other]))
    assert table.filter(pl.col("lr_lang") == "nya")["zs_ppl"].to_list() == [100.0] * 4
    assert table.height == 12


def test_missing_zero_shot_is_an_input_error() -> None:
    """Without base rows there is nothing to measure gain against: one clear error."""
    with pytest.raises(InputError, match="zero-shot"):
        transfer_table(matrix().filter(pl.col("run_id") != "base"))


def test_overlap_from_counts_matrix() -> None:
    """Shares come from the count matrix: LR a,a,d against HR {a,b,c} = 2/3 by tokens, 1/2 by types."""
    counts = np.array(
        [
            [1, 1, 1, 0, 0],  # hr1: a b c
            [0, 0, 0, 0, 5],  # hr2: e e e e e
            [2, 0, 0, 1, 0],  # lr1: a a d
        ]
    )
    out = overlap_from_counts(["hr1", "hr2", "lr1"], counts, ["hr1", "hr2"], ["lr1"])
    first = out.filter(pl.col("hr_lang") == "hr1").row(0, named=True)
    assert first["overlap_tokens"] == pytest.approx(2 / 3)
    assert first["overlap_types"] == pytest.approx(1 / 2)
    assert first["jaccard_types"] == pytest.approx(1 / 4)
    second = out.filter(pl.col("hr_lang") == "hr2").row(0, named=True)
    assert second["overlap_tokens"] == 0.0
