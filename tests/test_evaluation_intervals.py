"""Paired-bootstrap intervals of log_gain from stored per-example losses (hand-made tables, no model)."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from xlt.contracts.intervals import BOOTSTRAP_SAMPLES, draw_weights
from xlt.contracts.perplexity import RESULT_SCHEMA, read_results, results_frame
from xlt.contracts.views import best_checkpoints, gain_over_zero_shot, transfer_runs, transfer_table

N = 200  # examples per LR language


def _row(run: str, step: int, lang: str, losses: np.ndarray, tokens: np.ndarray, seed: int = 0):  # type: ignore[no-untyped-def]
    loss = float(losses.sum() / tokens.sum())
    return {
        "run_id": run, "hr_lang": None if run == "base" else run.split("-")[0],
        "checkpoint": "base" if run == "base" else f"step-{step}", "step": step, "lr_lang": lang,
        "perplexity": math.exp(loss), "loss": loss, "n_tokens": int(tokens.sum()), "model": "m",
        "eval_seed": seed, "example_loss": losses.tolist(), "example_tokens": tokens.tolist(),
    }  # fmt: skip


def _examples(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Zero-shot per-example loss sums that vary a lot between examples (2-9 nats per token)."""
    rng = np.random.default_rng(seed)
    tokens = rng.integers(5, 30, size=N)
    return tokens * rng.uniform(2.0, 9.0, size=N), tokens


def _table() -> pl.DataFrame:
    """nci: `nah-1` is 0.1 nats/token better on every example, `spa-1` only noise around zero-shot;
    `nah-2` a second seed of nah, 0.2 better at its final step."""
    zs, tokens = _examples()
    noise = np.random.default_rng(1).normal(0.0, 0.5, size=N) * tokens
    return results_frame(
        [
            _row("base", 0, "nci", zs, tokens),
            _row("nah-1", 10, "nci", zs - 0.3 * tokens, tokens),
            _row("nah-1", 20, "nci", zs - 0.1 * tokens, tokens),
            _row("nah-2", 20, "nci", zs - 0.2 * tokens, tokens),
            _row("spa-1", 20, "nci", zs + noise - noise.mean(), tokens),
        ]
    )


def test_paired_interval_of_a_uniform_shift_is_exact() -> None:
    """The same shift on every token gives the same log_gain on every resample: pairing removes the
    large example-to-example variance (an unpaired bootstrap would give a wide interval)."""
    gains = gain_over_zero_shot(_table())
    nah = gains.filter((pl.col("run_id") == "nah-1") & (pl.col("step") == 20)).row(0, named=True)
    assert nah["log_gain"] == pytest.approx(0.1)
    assert nah["log_gain_lo"] == pytest.approx(0.1) and nah["log_gain_hi"] == pytest.approx(0.1)
    assert nah["significant"] is True


def test_noise_only_checkpoint_is_not_significant() -> None:
    gains = gain_over_zero_shot(_table())
    spa = gains.filter(pl.col("run_id") == "spa-1").row(0, named=True)
    assert spa["log_gain_lo"] < spa["log_gain"] < spa["log_gain_hi"]
    assert spa["log_gain_lo"] < 0 < spa["log_gain_hi"]
    assert spa["significant"] is False
    assert spa["log_gain_hi"] - spa["log_gain_lo"] > 0.01  # a real interval, not a point


def test_transfer_views_carry_intervals_and_seed_spread() -> None:
    table = _table()
    runs = transfer_runs(table)
    nah1 = runs.filter(pl.col("run_id") == "nah-1").row(0, named=True)
    assert nah1["best_step"] == 10 and nah1["final_step"] == 20
    assert nah1["log_gain_lo_best"] == pytest.approx(0.3) and nah1["log_gain_hi_final"] == pytest.approx(0.1)
    assert nah1["significant_best"] and nah1["significant_final"]
    assert runs.filter(pl.col("run_id") == "spa-1")["significant_final"].to_list() == [False]
    pairs = transfer_table(table)
    nah = pairs.filter(pl.col("hr_lang") == "nah").row(0, named=True)
    assert nah["n_runs"] == 2 and nah["log_gain_final"] == pytest.approx(0.15)
    assert nah["log_gain_lo_final"] == pytest.approx(0.15) and nah["log_gain_hi_final"] == pytest.approx(0.15)
    assert nah["log_gain_final_std"] == pytest.approx(np.std([0.1, 0.2], ddof=1))
    assert nah["significant_final"] is True
    best = best_checkpoints(table).row(0, named=True)
    assert best["run_id"] == "nah-1" and best["significant"] is True


def test_intervals_are_deterministic_and_the_draws_resample_examples() -> None:
    first = transfer_runs(_table())
    second = transfer_runs(_table())
    assert first.equals(second)
    weights = draw_weights("nci", 0, N)
    assert weights.shape == (BOOTSTRAP_SAMPLES, N)
    assert (weights.sum(axis=1) == N).all()  # each resample has N examples
    assert not np.array_equal(weights, draw_weights("ote", 0, N))  # languages get their own draws


def test_old_results_without_example_losses_load_with_null_intervals(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A results file from before the per-example columns: gains as before, intervals null, not False."""
    old = _table().drop("example_loss", "example_tokens")
    path = tmp_path / "perplexity.parquet"
    old.write_parquet(path)
    table = read_results(path)
    assert dict(table.schema) == RESULT_SCHEMA and table["example_loss"].null_count() == table.height
    runs = transfer_runs(table)
    assert runs["log_gain_final"].null_count() == 0
    for column in ("log_gain_lo_final", "log_gain_hi_best", "significant_final", "significant_best"):
        assert runs[column].null_count() == runs.height
    assert transfer_table(table)["significant_final"].null_count() == 2  # nah, spa
    assert gain_over_zero_shot(table)["significant"].null_count() == 4


def test_a_cell_with_part_of_its_seeds_missing_losses_gets_no_interval() -> None:
    zs, tokens = _examples()
    rows = _table().to_dicts()
    extra = _row("nah-1", 20, "nci", zs - 0.1 * tokens, tokens, seed=1)
    base1 = _row("base", 0, "nci", zs, tokens, seed=1)
    extra["example_loss"] = extra["example_tokens"] = None
    gains = gain_over_zero_shot(results_frame([*rows, extra, base1]))
    nah = gains.filter((pl.col("run_id") == "nah-1") & (pl.col("step") == 20)).row(0, named=True)
    assert nah["log_gain_lo"] is None and nah["significant"] is None
    other = gains.filter((pl.col("run_id") == "nah-1") & (pl.col("step") == 10))
    assert other["significant"].to_list() == [True]  # its one seed has losses, paired with seed 0
