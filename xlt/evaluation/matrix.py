"""`xlt evaluate` as one call: score the matrix, add its baselines, return what the table shows."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from xlt.contracts.baselines import baselines_path, matching_baselines
from xlt.contracts.perplexity import read_settings
from xlt.errors import InputError
from xlt.evaluation.plan import EvalOptions
from xlt.progress import NullReporter, Reporter
from xlt.workspace import Workspace


@dataclass
class MatrixReport:
    """The cells of the selected model states, the baseline rows to show beside them, their settings."""

    results: pl.DataFrame
    baselines: pl.DataFrame | None
    settings: dict[str, Any] | None
    baselines_path: Path


def evaluate_matrix(
    workspace: Workspace,
    options: EvalOptions,
    reporter: Reporter | None = None,
    compute_baselines: bool = False,
) -> MatrixReport | None:
    """Score every selected cell (resuming), then the baselines (computed now with `compute_baselines`,
    else the stored ones when they were computed on the same eval sets).

    Returns None on the non-main processes of a multi-process run. InputError when no cell at all could
    be scored (the reasons went to the reporter as warnings).
    """
    from xlt.evaluation.baselines import compute_baselines as score_baselines
    from xlt.evaluation.runner import evaluate_workspace
    from xlt.processes import process_state

    reporter = reporter or NullReporter()
    results = evaluate_workspace(workspace, options, reporter)
    if not process_state().is_main_process:
        return None
    if results.is_empty():
        raise InputError("no cell could be evaluated", "see the warnings above")
    if compute_baselines:
        baselines: pl.DataFrame | None = score_baselines(workspace, options, reporter)
    else:
        stored = matching_baselines(workspace)
        baselines = stored if stored.height else None
    return MatrixReport(results, baselines, read_settings(workspace), baselines_path(workspace))
