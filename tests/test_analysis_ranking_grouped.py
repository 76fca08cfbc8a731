"""Grouped hold-outs (RankerSettings.grouped, used by `analyze` above 20 LR languages): far fewer fits,
the held-out target still never seen, and the planted prior and feature still recovered."""

from __future__ import annotations

import numpy as np
import polars as pl

from xlt.analysis.ranking import RankerSettings, model, rank_table
from xlt.analysis.ranking import donors as ranked

GROUPED = RankerSettings(folds=4, rounds=50, grouped=True)


def planted(n_candidates: int, n_targets: int, seed: int = 0) -> pl.DataFrame:
    """score = donor quality (the prior) − 3 × distance + noise; one noise feature."""
    rng = np.random.default_rng(seed)
    quality = rng.normal(size=n_candidates)
    rows = []
    for t in range(n_targets):
        distance = rng.random(n_candidates)
        score = quality - 3.0 * distance + 0.5 * rng.normal(size=n_candidates)
        for c in range(n_candidates):
            rows.append({"lr_lang": f"t{t}", "hr_lang": f"c{c}", "score": float(score[c]),
                         "distance": float(distance[c]), "noise": float(rng.normal())})  # fmt: skip
    return pl.DataFrame(rows)


def test_grouped_fits_fewer_models_and_still_beats_the_baselines(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """With 4 groups: 4·5/2 + 1 ranker models and 4 LambdaRank ones, not ~3 per target."""
    fits = []
    original = model.fit_lambdarank
    monkeypatch.setattr(model, "fit_lambdarank", lambda *a, **k: fits.append(1) or original(*a, **k))
    result = rank_table(planted(30, 24), "lr_lang", "hr_lang", "score", settings=GROUPED)
    assert len(fits) == 4 * 5 // 2 + 1 + 4
    means = {
        c: float(result.evaluation[c].mean()) for c in result.evaluation.columns if c.startswith("ndcg_")
    }
    assert means["ndcg_ranker"] > max(means["ndcg_prior"], means["ndcg_distance"], means["ndcg_random"])


def test_grouped_held_out_scores_do_not_change_its_ranking() -> None:
    """Scrambling target t0's scores leaves its own predicted ranking and prior weight unchanged."""
    table = planted(20, 12, seed=3)
    scrambled = table.with_columns(
        pl.when(pl.col("lr_lang") == "t0").then(-pl.col("score") * 7 + 1).otherwise(pl.col("score"))
    )
    a = rank_table(table, "lr_lang", "hr_lang", "score", settings=GROUPED)
    b = rank_table(scrambled, "lr_lang", "hr_lang", "score", settings=GROUPED)

    def own(result) -> pl.DataFrame:  # type: ignore[no-untyped-def]
        return (
            result.predictions.filter(pl.col("lr_lang") == "t0")
            .select("hr_lang", "predicted")
            .sort("hr_lang")
        )

    assert own(a).equals(own(b))
    weights = [r.evaluation.filter(pl.col("lr_lang") == "t0")["prior_weight"].item() for r in (a, b)]
    assert weights[0] == weights[1]
    others = [r.predictions.filter(pl.col("lr_lang") != "t0")["predicted"].to_numpy() for r in (a, b)]
    assert not np.allclose(others[0], others[1])


def test_analyze_groups_only_large_tables() -> None:
    """Leave-one-target-out (LangRank's protocol) up to GROUPED_ABOVE LR languages, groups above."""
    assert not ranked._settings(3, 0, ranked.GROUPED_ABOVE).grouped
    large = ranked._settings(3, 0, 50)
    assert large.grouped and large.folds == 5
