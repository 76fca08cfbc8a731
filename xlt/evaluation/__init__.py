"""Perplexity of checkpoints × low-resource languages, with a zero-shot baseline (`xlt evaluate`).

Modules: ``plan`` (options, what to score), ``evalset`` (fixed masked eval sets, cached), ``scoring``
(torch: summed target-token loss), ``runner`` (:func:`evaluate_workspace`: resumable, Accelerate-aware),
``results`` (polars views of ``results/perplexity.parquet`` used by analyze and the TUI), ``baselines``
(random-init and unigram reference rows on the same eval sets: ``results/baselines.parquet``).
Importing this package does not import torch.
"""

from xlt.evaluation.baselines import compute_baselines, read_baselines
from xlt.evaluation.plan import EvalOptions, EvalPlan, ModelJob, plan_evaluation
from xlt.evaluation.results import (
    BASE_RUN_ID,
    RESULT_SCHEMA,
    best_checkpoints,
    cell_summary,
    gain_over_zero_shot,
    perplexity_matrix,
    read_results,
)
from xlt.evaluation.runner import Reporter, SilentReporter, evaluate_workspace

__all__ = [
    "BASE_RUN_ID",
    "RESULT_SCHEMA",
    "EvalOptions",
    "EvalPlan",
    "ModelJob",
    "Reporter",
    "SilentReporter",
    "best_checkpoints",
    "cell_summary",
    "compute_baselines",
    "evaluate_workspace",
    "gain_over_zero_shot",
    "perplexity_matrix",
    "plan_evaluation",
    "read_baselines",
    "read_results",
]
