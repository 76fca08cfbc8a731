"""Temperature sampling of languages: how a multilingual mix weights big and small corpora."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

# mT5 samples languages with p(l) ∝ n_l ** 0.3 (Xue et al. 2021, "mT5", section 2).
MT5_ALPHA = 0.3


def temperature_weights(sizes: Mapping[str, int], alpha: float = MT5_ALPHA) -> dict[str, float]:
    """Sampling probability per language, p(l) ∝ n_l ** alpha (alpha=1: proportional; 0: uniform)."""
    sized = {lang: float(n) for lang, n in sizes.items() if n > 0}
    if not sized:
        return {}
    raw = {lang: n**alpha for lang, n in sized.items()}
    total = sum(raw.values())
    return {lang: value / total for lang, value in raw.items()}


def balanced_sample(
    lines_by_lang: Mapping[str, list[str]], total: int, alpha: float = MT5_ALPHA, seed: int = 0
) -> list[str]:
    """About `total` lines drawn by temperature sampling; small languages are repeated (as in mT5)."""
    weights = temperature_weights({lang: len(lines) for lang, lines in lines_by_lang.items()}, alpha)
    rng = np.random.default_rng(seed)
    sample: list[str] = []
    for lang in sorted(weights):
        lines = lines_by_lang[lang]
        quota = max(1, round(weights[lang] * total))
        reps, rest = divmod(quota, len(lines))  # upsample with whole copies, then a random remainder
        picks = np.concatenate([np.tile(np.arange(len(lines)), reps), rng.permutation(len(lines))[:rest]])
        sample.extend(lines[i] for i in picks)
    order = rng.permutation(len(sample))
    return [sample[i] for i in order]
