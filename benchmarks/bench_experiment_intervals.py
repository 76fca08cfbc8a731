"""How long the paired-bootstrap intervals take on a demo-sized perplexity table (no model needed).

The demo's matrix: 4 donors × 2 seeds × 2 checkpoints + the base model, on 6 LR languages, 256 examples
each. Times `gain_over_zero_shot`, `transfer_runs` and `transfer_table` with the intervals (1,000 draws)
against the same views on the table without per-example losses (no intervals), best of 3.

    .venv/bin/python benchmarks/bench_experiment_intervals.py [--examples 256] [--languages 6]
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
import polars as pl

from xlt.contracts.intervals import draw_weights
from xlt.contracts.perplexity import results_frame
from xlt.contracts.views import gain_over_zero_shot, transfer_runs, transfer_table


def table(n_examples: int, n_langs: int) -> pl.DataFrame:
    rng = np.random.default_rng(0)
    rows = []
    states = [("base", None, "base", 0)] + [
        (f"{hr}-base-s{seed}", hr, f"step-{step}", step)
        for hr in ("eng", "nci", "spa", "tur")
        for seed in (0, 1)
        for step in (40, 80)
    ]
    for lang in (f"l{i:02d}" for i in range(n_langs)):
        tokens = rng.integers(5, 30, size=n_examples)
        zero = tokens * rng.uniform(2.0, 9.0, size=n_examples)
        for run_id, hr, checkpoint, step in states:
            losses = zero + rng.normal(0, 0.3, size=n_examples) * tokens
            loss = float(losses.sum() / tokens.sum())
            rows.append(
                {
                    "run_id": run_id, "hr_lang": hr, "checkpoint": checkpoint, "step": step, "lr_lang": lang,
                    "perplexity": math.exp(loss), "loss": loss, "n_tokens": int(tokens.sum()), "model": "m",
                    "eval_seed": 0, "example_loss": losses.tolist(), "example_tokens": tokens.tolist(),
                }
            )  # fmt: skip
    return results_frame(rows)


def best_of(repeats: int, work) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=256)
    parser.add_argument("--languages", type=int, default=6)
    args = parser.parse_args()
    with_losses = table(args.examples, args.languages)
    without = with_losses.with_columns(pl.lit(None).cast(pl.List(pl.Float64)).alias("example_loss"))
    print(f"{with_losses.height} cells × {args.examples} examples")
    for name, view in (("gain_over_zero_shot", gain_over_zero_shot), ("transfer_runs", transfer_runs)):
        draw_weights.cache_clear()
        first = best_of(1, lambda v=view: v(with_losses))
        cached = best_of(3, lambda v=view: v(with_losses))
        plain = best_of(3, lambda v=view: v(without))
        print(f"{name:<20} with intervals {cached:6.3f} s (first call: {first:.3f} s), without {plain:.3f} s")
    print(f"{'transfer_table':<20} with intervals {best_of(3, lambda: transfer_table(with_losses)):6.3f} s, "
          f"without {best_of(3, lambda: transfer_table(without)):.3f} s")  # fmt: skip


if __name__ == "__main__":
    main()
