"""Paired-bootstrap replicates of the perplexity cells, from the per-example losses `xlt evaluate` stores.

Every checkpoint and the zero-shot model of a base model are scored on the very same masked examples of
an LR language (:mod:`xlt.evaluation.evalset`), so the uncertainty of a difference between them is the
example-sampling noise of the *pair*: one bootstrap draw resamples the examples once (with replacement)
and re-computes both perplexities on that resample (Efron & Tibshirani 1993, ch. 6; the paired design
of Koehn 2004's bootstrap for MT). A draw's perplexity is ``exp(Σ loss / Σ tokens)`` over the resampled
examples, exactly how the cell's own perplexity is computed, and several eval seeds or runs of one cell
are averaged as :func:`xlt.contracts.views.cell_summary` averages them.

The draws depend only on (language, eval seed, number of examples) and :data:`BOOTSTRAP_SEED`, so every
cell of a language shares them (the pairing) and every call gives the same intervals (deterministic).
Cells without per-example losses (older results files, imported published matrices) get no replicates.
"""

from __future__ import annotations

import functools
import zlib
from collections import defaultdict
from collections.abc import Sequence

import numpy as np
import polars as pl

BOOTSTRAP_SAMPLES = 1000  # percentile interval: 1,000 draws put the 2.5 % quantile at the 25th draw
BOOTSTRAP_SEED = 0
LEVEL = 0.95

Key = tuple[object, ...]


@functools.lru_cache(maxsize=64)
def draw_weights(lr_lang: str, eval_seed: int, n_examples: int) -> np.ndarray:
    """(BOOTSTRAP_SAMPLES, n_examples) counts: how often each example is drawn in each resample."""
    rng = np.random.default_rng([BOOTSTRAP_SEED, zlib.crc32(lr_lang.encode()), eval_seed, n_examples])
    picks = rng.integers(0, n_examples, size=(BOOTSTRAP_SAMPLES, n_examples))
    weights = np.zeros((BOOTSTRAP_SAMPLES, n_examples), dtype=np.float64)
    np.add.at(weights, (np.arange(BOOTSTRAP_SAMPLES)[:, None], picks), 1.0)
    weights.setflags(write=False)
    return weights


def replicate_perplexity(
    lr_lang: str, eval_seed: int, example_loss: Sequence[float], example_tokens: Sequence[int]
) -> np.ndarray:
    """The cell's perplexity on each bootstrap resample of its examples, (BOOTSTRAP_SAMPLES,)."""
    loss = np.asarray(example_loss, dtype=np.float64)
    tokens = np.asarray(example_tokens, dtype=np.float64)
    weights = draw_weights(lr_lang, int(eval_seed), len(loss))
    return np.exp((weights @ loss) / np.maximum(weights @ tokens, 1.0))


def cell_replicates(results: pl.DataFrame, rows: Sequence[str]) -> dict[Key, np.ndarray]:
    """{(*`rows` values, lr_lang): replicate perplexities}, averaged over the rows a group holds (eval
    seeds, and runs when `rows` leaves run_id out). A group with any row lacking per-example losses is
    left out: its interval would describe only part of the cell."""
    if "example_loss" not in results.columns:
        return {}
    groups: dict[Key, list[np.ndarray | None]] = defaultdict(list)
    columns = [*rows, "lr_lang", "eval_seed", "example_loss", "example_tokens"]
    for row in results.select(columns).iter_rows(named=True):
        key = tuple(row[c] for c in (*rows, "lr_lang"))
        loss, tokens = row["example_loss"], row["example_tokens"]
        usable = loss is not None and tokens is not None and len(loss) == len(tokens) and len(loss) > 0
        groups[key].append(
            replicate_perplexity(row["lr_lang"], row["eval_seed"], loss, tokens) if usable else None
        )
    complete = {key: [d for d in draws if d is not None] for key, draws in groups.items()}
    return {
        key: np.asarray(np.mean(np.stack(kept), axis=0))
        for key, kept in complete.items()
        if len(kept) == len(groups[key])
    }


def interval(draws: np.ndarray | None) -> tuple[float | None, float | None]:
    """The central :data:`LEVEL` percentile interval of bootstrap draws; (None, None) without draws."""
    if draws is None or not len(draws) or not np.isfinite(draws).all():
        return None, None
    tail = (1.0 - LEVEL) / 2 * 100
    low, high = np.percentile(draws, [tail, 100 - tail])
    return float(low), float(high)


def interval_columns(draws: list[np.ndarray | None], suffix: str = "") -> list[pl.Series]:
    """``log_gain_lo{suffix}``, ``log_gain_hi{suffix}`` (the interval of log_gain draws, one per row) and
    ``significant{suffix}`` (lo > 0: better than zero-shot beyond example noise; null without draws)."""
    bounds = [interval(d) for d in draws]
    low = [b[0] for b in bounds]
    return [
        pl.Series(f"log_gain_lo{suffix}", low, dtype=pl.Float64),
        pl.Series(f"log_gain_hi{suffix}", [b[1] for b in bounds], dtype=pl.Float64),
        pl.Series(f"significant{suffix}", [None if lo is None else lo > 0 for lo in low], dtype=pl.Boolean),
    ]
