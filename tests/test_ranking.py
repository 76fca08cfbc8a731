"""The donor ranker: LangRank's NDCG against scikit-learn's, planted tables it must recover, no leak of
the held-out target, bad tables, the CLI's --table and the pipeline's ranking_eval columns."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from xlt.analysis import AnalysisOptions, analyze_workspace, evaluate_ranker, rank_donors
from xlt.analysis.ranking import RankerSettings, ndcg_at_k, random_ndcg, rank_table, relevance_labels
from xlt.errors import InputError
from xlt.workspace import write_parquet

BASELINES = ("ndcg_lambdarank", "ndcg_prior", "ndcg_random")
# fewer inner groups and trees keep the default suite fast; the slow tests use the defaults
FAST = RankerSettings(folds=4, rounds=50)


def test_ndcg_matches_sklearn_with_ties() -> None:
    """ndcg_at_k equals sklearn.metrics.ndcg_score (linear gains, ties averaged) for k = 1, 3, 5."""
    from sklearn.metrics import ndcg_score

    rng = np.random.default_rng(1)
    for trial in range(60):
        n = int(rng.integers(2, 40))
        relevance = relevance_labels(rng.integers(0, 8, n).astype(float))  # ties in the labels too
        scores = rng.integers(0, 5, n).astype(float) if trial % 2 else rng.normal(size=n)
        for k in (1, 3, 5):
            assert ndcg_at_k(relevance, scores, k) == pytest.approx(
                ndcg_score(relevance[None], scores[None], k=k), abs=1e-12
            ), (trial, k)


def test_langrank_relevance_labels() -> None:
    """The ten best get 10..1 (a tie shares the better grade), the rest 0, a missing score 0."""
    scores = np.array([0.9, 0.8, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05, 0.0, np.nan])
    assert relevance_labels(scores).tolist() == [10, 9, 9, 7, 6, 5, 4, 3, 2, 1, 0, 0, 0]
    assert relevance_labels(np.array([3.0, 1.0, 2.0]), top=10).tolist() == [10, 8, 9]


def test_random_ndcg_is_the_exact_expectation() -> None:
    """The closed form matches the mean over every permutation, and a constant scorer scores exactly it."""
    from itertools import permutations

    relevance = np.array([10.0, 9.0, 0.0, 4.0, 0.0])
    every = [ndcg_at_k(relevance, np.array(p, dtype=float), 3) for p in permutations(range(5))]
    assert random_ndcg(relevance, 3) == pytest.approx(float(np.mean(every)))
    assert ndcg_at_k(relevance, np.zeros(5), 3) == pytest.approx(random_ndcg(relevance, 3))
    assert ndcg_at_k(relevance, relevance, 3) == pytest.approx(1.0)


def planted(n_candidates: int, n_targets: int, seed: int = 0, noise: float = 0.5) -> pl.DataFrame:
    """A long table whose score is a donor quality (the prior) minus a distance effect, plus noise.

    Names are WALS-style ("Saami (Northern) 3"); two noise features and a target-level size column
    carry nothing about which donor is best.
    """
    rng = np.random.default_rng(seed)
    quality = rng.normal(size=n_candidates)
    rows = []
    for t in range(n_targets):
        distance = rng.random(n_candidates)
        score = quality - 3.0 * distance + noise * rng.normal(size=n_candidates)
        size = float(rng.integers(1_000, 100_000))
        for c in range(n_candidates):
            rows.append(
                {
                    "lr_lang": f"Mordvin (Erzya) {t}", "hr_lang": f"Saami (Northern) {c}",
                    "score": float(score[c]), "distance": float(distance[c]),
                    "noise_a": float(rng.random()), "noise_b": float(rng.normal()), "lr_size": size,
                }
            )  # fmt: skip
    return pl.DataFrame(rows)


def _means(result) -> dict[str, float]:  # type: ignore[no-untyped-def]
    return {c: float(result.evaluation[c].mean()) for c in result.evaluation.columns if c.startswith("ndcg_")}


def test_planted_prior_and_feature_are_recovered() -> None:
    """On a 40 x 12 planted table the ranker uses both the prior and the distance and beats each alone."""
    result = rank_table(planted(40, 12), target="lr_lang", candidate="hr_lang", score="score", settings=FAST)
    means = _means(result)
    assert set(means) == {"ndcg_ranker", *BASELINES, "ndcg_distance", "ndcg_noise_a", "ndcg_noise_b"}
    assert "ndcg_lr_size" not in means  # constant within each target: it would tie like random
    for name, value in means.items():
        if name != "ndcg_ranker":
            assert means["ndcg_ranker"] > value, (name, means)
    assert 0 < result.weight < 1  # prior and model both carry weight
    assert result.importance["distance"] > max(result.importance["noise_a"], result.importance["noise_b"])
    assert result.evaluation.height == 12 and result.predictions.height == 480


@pytest.mark.slow
def test_planted_at_user_scale() -> None:
    """200 candidates x 50 targets (the study's matrix size): the ranker beats every baseline."""
    result = rank_table(planted(200, 50, seed=3), target="lr_lang", candidate="hr_lang", score="score")
    means = _means(result)
    assert all(means["ndcg_ranker"] > v for n, v in means.items() if n != "ndcg_ranker"), means
    assert result.importance["distance"] > 10 * result.importance["noise_a"]


def test_held_out_scores_do_not_change_its_ranking() -> None:
    """Scrambling target 0's scores leaves its predicted ranking and prior weight unchanged, while the
    other targets' predictions (which learn from target 0) do change."""
    table = planted(25, 8, seed=5)
    first = "Mordvin (Erzya) 0"
    scrambled = table.with_columns(
        pl.when(pl.col("lr_lang") == first).then(-pl.col("score") * 7 + 1).otherwise(pl.col("score"))
    )
    a = rank_table(table, "lr_lang", "hr_lang", "score", settings=FAST)
    b = rank_table(scrambled, "lr_lang", "hr_lang", "score", settings=FAST)

    def view(result, own: bool) -> pl.DataFrame:  # type: ignore[no-untyped-def]
        part = result.predictions.filter((pl.col("lr_lang") == first) == own)
        return part.select("lr_lang", "hr_lang", "predicted", "predicted_rank").sort("lr_lang", "hr_lang")

    assert view(a, own=True).equals(view(b, own=True))
    weight = pl.col("lr_lang") == first
    assert (
        a.evaluation.filter(weight)["prior_weight"].item()
        == b.evaluation.filter(weight)["prior_weight"].item()
    )
    assert not view(a, own=False).equals(view(b, own=False))
    assert (
        a.evaluation.filter(weight)["ndcg_ranker"].item() != b.evaluation.filter(weight)["ndcg_ranker"].item()
    )


def test_targets_without_scores_are_ranked() -> None:
    """A target with no observed score (a task xlt did not run) gets a ranking from the others."""
    table = planted(20, 6, seed=2).with_columns(
        pl.when(pl.col("lr_lang") == "Mordvin (Erzya) 5").then(None).otherwise(pl.col("score")).alias("score")
    )
    result = rank_table(table, "lr_lang", "hr_lang", "score", settings=FAST)
    assert result.evaluation.height == 5
    new = result.predictions.filter(pl.col("lr_lang") == "Mordvin (Erzya) 5")
    assert sorted(new["predicted_rank"].to_list()) == list(range(1, 21))
    assert new["relevance"].null_count() == 20
    assert "best hr_lang for Mordvin (Erzya) 5:" in result.report()


LONE = (pl.col("lr_lang") == "Mordvin (Erzya) 1") & (pl.col("hr_lang") != "Saami (Northern) 0")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.drop("score"), "cannot tell which column is the score"),
        (
            lambda f: f.with_columns(pl.col("distance").cast(pl.String)),
            "feature column 'distance' is not num",
        ),
        (lambda f: f.filter(~LONE), "target Mordvin (Erzya) 1 has fewer than 2 candidates"),
        (lambda f: pl.concat([f, f.head(1)]), "repeat a (target, candidate) pair"),
        (lambda f: f.select("lr_lang", "hr_lang", "score"), "no numeric feature columns"),
    ],
)
def test_bad_tables_give_one_clear_error(change, message: str) -> None:  # type: ignore[no-untyped-def]
    """Missing columns, text features, a lone candidate, repeated pairs: an InputError saying which."""
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        rank_table(
            change(planted(5, 3)),
            features=None if "numeric feature" in message else ["distance"],
            settings=FAST,
        )


def test_cli_rank_table(run_cli, tmp_path: Path, ws) -> None:  # type: ignore[no-untyped-def]
    """`xlt analyze rank --table` ranks a CSV with auto-detected columns; a bad one is one line, exit 1."""
    planted(15, 5).rename({"lr_lang": "Task lang", "hr_lang": "Aux lang", "score": "Accuracy"}).write_csv(
        tmp_path / "t.csv"
    )
    code, out, err = run_cli("analyze", "rank", "--table", str(tmp_path / "t.csv"))
    assert code == 0, err
    assert "NDCG@3" in out and "xlt ranker" in out and "global donor prior" in out
    assert (ws.analysis_dir / "rank_t.parquet").is_file()
    (tmp_path / "bad.csv").write_text("Task lang,Aux lang,Accuracy,f\na,b,1,x\na,c,2,y\nd,b,1,z\nd,c,3,w\n")
    code, out, err = run_cli("analyze", "rank", "--table", str(tmp_path / "bad.csv"), "--features", "f")
    assert code == 1 and "feature column 'f' is not numeric" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def _donor_tables() -> tuple[pl.DataFrame, pl.DataFrame]:
    """Workspace-shaped features and transfer tables: gains driven by one feature ('signal')."""
    rng = np.random.default_rng(0)
    rows, feats = [], []
    for j in range(6):
        for i in range(8):
            signal = float(i) + 0.1 * j
            rows.append({"hr_lang": f"h{i}", "lr_lang": f"l{j}", "rel_gain_final": signal / 10})
            feats.append(
                {"hr_lang": f"h{i}", "lr_lang": f"l{j}", "signal": signal,
                 "overlap_tokens": float(rng.random()), "syntactic": None if i == 0 else float(rng.random())}
            )  # fmt: skip
    return pl.DataFrame(feats), pl.DataFrame(rows)


def test_donor_ranker_learns_a_feature_equal_to_the_label() -> None:
    """A feature that orders donors exactly gives NDCG@3 = 1 on every held-out LR; rank_donors agrees."""
    features, transfer = _donor_tables()
    evaluation, predictions = evaluate_ranker(features, transfer, k=3)
    assert evaluation["ndcg_ranker"].to_list() == pytest.approx([1.0] * 6)
    assert evaluation["ndcg_signal"].to_list() == pytest.approx([1.0] * 6)  # direction found in training
    assert evaluation["ndcg_random"].mean() < 0.9 and evaluation["ndcg_overlap"].mean() < 0.95
    assert predictions.height == 48
    ranked = rank_donors(features, transfer, "l0")
    assert ranked["hr_lang"].head(3).to_list() == ["h7", "h6", "h5"]


def test_donor_ranker_needs_other_languages() -> None:
    """With a single LR language there is nothing to leave out: a clear error."""
    features, transfer = _donor_tables()
    with pytest.raises(InputError, match="2\\+ LR"):
        evaluate_ranker(features.filter(pl.col("lr_lang") == "l0"), transfer)


def test_pipeline_ranking_eval_has_every_baseline(ws) -> None:  # type: ignore[no-untyped-def]
    """analyze (transfer, rank) on a 6 HR x 4 LR workspace writes ranking_eval with every baseline."""
    hr, lr = [f"h{i}" for i in range(6)], [f"l{j}" for j in range(4)]
    tokens = {**{h: 1000 * (i + 1) for i, h in enumerate(hr)}, **dict.fromkeys(lr, 500)}
    write_parquet(
        pl.DataFrame(
            {"iso3": list(tokens), "tokens": list(tokens.values()), "tier": ["hr"] * 6 + ["lr"] * 4}
        ),
        ws.languages_path,
    )
    rows = [("base", None, "base", 0, x, 100.0) for x in lr]
    rows += [
        (f"{h}-1", h, "step-10", 10, x, 100.0 - 5 * i - j) for i, h in enumerate(hr) for j, x in enumerate(lr)
    ]
    frame = pl.DataFrame(
        rows, schema=["run_id", "hr_lang", "checkpoint", "step", "lr_lang", "perplexity"], orient="row"
    ).with_columns(
        loss=pl.col("perplexity").log(), n_tokens=pl.lit(100), model=pl.lit("m"), eval_seed=pl.lit(0)
    )
    write_parquet(frame, ws.perplexity_path)
    report = analyze_workspace(ws, AnalysisOptions(steps=("transfer", "rank")))
    evaluation = pl.read_parquet(ws.analysis_dir / "ranking_eval.parquet")
    assert {"ndcg_ranker", *BASELINES, "ndcg_overlap", "ndcg_log_hr_tokens", "prior_weight"} <= set(
        evaluation.columns
    )
    assert evaluation.height == 4 and report.tables["ranking_eval"].equals(evaluation)
    assert evaluation["ndcg_overlap"].null_count() == 4  # no overlap computed: the column is there, empty
    # bigger HR corpora transfer more here, so corpus size alone (direction learnt) is perfect
    assert evaluation["ndcg_log_hr_tokens"].to_list() == pytest.approx([1.0] * 4)
    assert not any(math.isnan(v) for v in evaluation["ndcg_ranker"].to_list())


LANGRANK = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "langrank"
# (table, NDCG@3 floor x100): the goals (LangRank published 51.1 MT, 28.9 POS), reached by the
# nested-CV ranker as benchmarks/bench_ranking.py prints it
GOALS = [("mt", 53.0), ("pos", 35.0)]


@pytest.mark.slow
@pytest.mark.parametrize(("task", "floor"), GOALS)
def test_langrank_tables(task: str, floor: float) -> None:
    """On LangRank's own MT/POS table the ranker reaches the goal and beats the prior and every feature."""
    path = LANGRANK / f"{task}.csv"
    if not path.is_file():
        pytest.skip(f"LangRank's {task}.csv is not at {path} (shared data, never copied into the repo)")
    from xlt.analysis.ranking import read_table

    means = _means(rank_table(read_table(path)))
    assert 100 * means["ndcg_ranker"] >= floor, means
    assert all(means["ndcg_ranker"] > v for n, v in means.items() if n != "ndcg_ranker"), means
