"""Fixed evaluation sets: each LR language tokenized and span-masked once, cached, reused by every model.

The paper drew new random masks for every evaluation, so two checkpoints were scored on different
examples and part of a perplexity difference was mask noise. Here the masked set of a language is a
function of (tokenizer, split, input length, block cap, seed) only, built once and stored as
``cache/eval/<tokenizer_key>/<iso3>-<split>-<len>-n<max_blocks>-seed<k>.npz``; every checkpoint with
that tokenizer is scored on exactly the same input/label arrays.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from xlt.spans import DEFAULT_MEAN_NOISE_SPAN_LENGTH, DEFAULT_NOISE_DENSITY, SpanCorruption
from xlt.workspace import Workspace, atomic_open

ARRAYS = ("input_ids", "attention_mask", "labels")


@dataclass(frozen=True)
class EvalSetSpec:
    """Everything a masked evaluation set depends on, besides the tokenizer."""

    iso3: str
    split: str
    inputs_length: int
    max_blocks: int
    seed: int
    # T5's span-corruption defaults (Raffel et al. 2020, Table 4), as in pretraining.
    noise_density: float = DEFAULT_NOISE_DENSITY
    mean_noise_span_length: float = DEFAULT_MEAN_NOISE_SPAN_LENGTH

    def corruption(self, tokenizer: Any) -> SpanCorruption:
        """The span corruption of this set with `tokenizer`'s special ids."""
        return SpanCorruption.for_tokenizer(
            tokenizer, self.inputs_length, self.noise_density, self.mean_noise_span_length
        )

    @property
    def file_name(self) -> str:
        default = (self.noise_density, self.mean_noise_span_length) == (
            DEFAULT_NOISE_DENSITY,
            DEFAULT_MEAN_NOISE_SPAN_LENGTH,
        )
        noise = "" if default else f"-d{self.noise_density:g}-m{self.mean_noise_span_length:g}"
        return f"{self.iso3}-{self.split}-{self.inputs_length}-n{self.max_blocks}{noise}-seed{self.seed}.npz"


def eval_set_path(workspace: Workspace, tokenizer_key: str, spec: EvalSetSpec) -> Path:
    """Where the masked set of `spec` for a tokenizer is cached."""
    return workspace.cache_dir / "eval" / tokenizer_key / spec.file_name


def select_blocks(n_blocks: int, max_blocks: int) -> np.ndarray:
    """Indices of at most `max_blocks` blocks spread evenly over the text (not just its beginning)."""
    if n_blocks <= max_blocks:
        return np.arange(n_blocks)
    return np.unique(np.linspace(0, n_blocks - 1, max_blocks).round().astype(np.int64))


def build_eval_set(workspace: Workspace, tokenizer: Any, spec: EvalSetSpec) -> dict[str, np.ndarray]:
    """Tokenize the language's split into raw blocks, keep at most `max_blocks`, corrupt them with `seed`.

    Partial trailing text that does not fill a block is dropped by ``token_blocks``, so every example has
    exactly `inputs_length` input tokens. Raises TrainingError (from xlt.data) if the text is too small.
    """
    from xlt.data import token_blocks

    corruption = spec.corruption(tokenizer)
    blocks = token_blocks(workspace, tokenizer, spec.iso3, spec.split, corruption.raw_length)
    blocks = np.asarray(blocks)[select_blocks(len(blocks), spec.max_blocks)]
    return corruption(blocks, np.random.default_rng(spec.seed))


def load_eval_set(
    workspace: Workspace, tokenizer: Any, tokenizer_key: str, spec: EvalSetSpec
) -> dict[str, np.ndarray]:
    """The cached masked set of `spec`, built and written atomically on first use."""
    path = eval_set_path(workspace, tokenizer_key, spec)
    if path.is_file():
        try:
            with np.load(path) as stored:
                return {name: stored[name] for name in ARRAYS}
        except (OSError, ValueError, KeyError):
            pass  # a foreign or damaged cache file: rebuild it below
    arrays = build_eval_set(workspace, tokenizer, spec)
    with atomic_open(path, "wb") as handle:
        stored_arrays: dict[str, Any] = {name: arrays[name] for name in ARRAYS}  # typed for numpy's stub
        np.savez(handle, **stored_arrays)
    return arrays
