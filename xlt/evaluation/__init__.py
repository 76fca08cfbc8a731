"""Perplexity of checkpoints × low-resource languages, with a zero-shot baseline (`xlt evaluate`).

Modules: ``plan`` (options, what to score), ``evalset`` (fixed masked eval sets, cached), ``scoring``
(torch: summed target-token loss), ``runner`` (:func:`evaluate_workspace`: resumable, Accelerate-aware),
``baselines`` (random-init and unigram reference rows on the same eval sets). The files it writes, and
the views every stage derives from them, are :mod:`xlt.contracts`.
Importing this package does not import torch.
"""

from xlt.evaluation.baselines import compute_baselines
from xlt.evaluation.plan import EvalOptions, EvalPlan, ModelJob, plan_evaluation
from xlt.evaluation.runner import evaluate_workspace

__all__ = [
    "EvalOptions",
    "EvalPlan",
    "ModelJob",
    "compute_baselines",
    "evaluate_workspace",
    "plan_evaluation",
]
