"""Reference numbers a trained model must beat: the unigram (token-frequency) perplexity.

A model that only learned how often each target token occurs plateaus at the unigram perplexity of the
targets, so a run's validation perplexity means something only well below it (measured on the sample
corpus, 2026-11-25: at the tiny scale a word-frequency baseline explains much of the LR "transfer").
"""

from __future__ import annotations

from typing import Any

import numpy as np

from xlt.spans import LABEL_PAD_ID


def unigram_perplexity(
    train_labels: np.ndarray, eval_labels: np.ndarray, vocab_size: int, smoothing: float = 1.0
) -> float:
    """exp(mean −log p(token)) of the eval target tokens under add-`smoothing` train target frequencies.

    Both arrays hold target ids with `-100` (LABEL_PAD_ID) for padding, which is never counted — the same
    tokens the model's validation perplexity is computed over.
    """
    train = np.asarray(train_labels).ravel()
    train = train[train != LABEL_PAD_ID]
    target = np.asarray(eval_labels).ravel()
    target = target[target != LABEL_PAD_ID]
    if target.size == 0:
        raise ValueError("no eval target tokens")
    counts = np.bincount(train, minlength=vocab_size).astype(np.float64)[:vocab_size] + smoothing
    log_p = np.log(counts) - np.log(counts.sum())
    return float(np.exp(-log_p[target].mean()))


def corrupted_labels(blocks: np.ndarray, corruption: Any, seed: int, max_blocks: int = 20_000) -> np.ndarray:
    """Target ids of span-corrupted training blocks (the unigram model's training data)."""
    chosen = blocks[: max(1, max_blocks)]
    return corruption(chosen, np.random.default_rng([seed, 99]))["labels"]
