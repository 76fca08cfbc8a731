"""Span-corruption pretraining with Accelerate: config, batches, loop, and the `pretrain` API.

Importing this package is light (no torch): torch, transformers and accelerate load when training starts.
"""

from xlt.training.api import BaseResult, pretrain, pretrain_base
from xlt.training.baselines import unigram_perplexity
from xlt.training.config import TrainConfig, base_config, cpu_config, default_config, lr_at, paper_config
from xlt.training.loop import RunResult, TrainHooks

__all__ = [
    "BaseResult",
    "RunResult",
    "TrainConfig",
    "TrainHooks",
    "base_config",
    "cpu_config",
    "default_config",
    "lr_at",
    "paper_config",
    "pretrain",
    "pretrain_base",
    "unigram_perplexity",
]
