"""What `xlt show` prints: the stored results of a workspace, selected, through the contracts only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from xlt.contracts.baselines import matching_baselines
from xlt.contracts.perplexity import BASE_RUN_ID, read_workspace_results
from xlt.contracts.views import perplexity_matrix, transfer_table
from xlt.errors import InputError, WorkspaceError
from xlt.workspace import Workspace


@dataclass
class StoredMatrix:
    """The selected cells, the baseline rows computed on the same eval sets, and the wide matrix."""

    results: pl.DataFrame
    baselines: pl.DataFrame | None
    wide: pl.DataFrame


def _results(workspace: Workspace) -> pl.DataFrame:
    results = read_workspace_results(workspace)
    if results.is_empty():
        raise WorkspaceError(
            f"no results in {workspace.perplexity_path}",
            "run `xlt evaluate --all-lr`, or `xlt analyze import MATRIX.csv --zero-shot ZS.json`",
        )
    return results


def _select(
    results: pl.DataFrame, hr: Sequence[str] | None, lr: Sequence[str] | None, runs: Sequence[str] | None
) -> pl.DataFrame:
    """Rows of the chosen HR languages and runs (zero-shot rows always) and LR languages."""
    base = pl.col("run_id") == BASE_RUN_ID
    if hr is not None:
        results = results.filter(base | pl.col("hr_lang").is_in(list(hr)))
    if runs is not None:
        if unknown := sorted(set(runs) - set(results["run_id"].unique().to_list())):
            raise InputError(f"no results for run {', '.join(unknown)}", "see `xlt runs`")
        results = results.filter(base | pl.col("run_id").is_in(list(runs)))
    if lr is not None:
        results = results.filter(pl.col("lr_lang").is_in(list(lr)))
    if results.filter(~base).is_empty():
        raise InputError("no stored cell matches the selection", "check --hr, --lr and --run")
    return results


def stored_matrix(
    workspace: Workspace,
    hr: Sequence[str] | None = None,
    lr: Sequence[str] | None = None,
    runs: Sequence[str] | None = None,
) -> StoredMatrix:
    """The stored checkpoint × LR matrix (as `xlt evaluate` prints it), optionally a part of it."""
    results = _select(_results(workspace), hr, lr, runs)
    baselines = matching_baselines(workspace)
    if lr is not None:
        baselines = baselines.filter(pl.col("lr_lang").is_in(list(lr)))
    return StoredMatrix(results, baselines if baselines.height else None, perplexity_matrix(results))


def stored_pairs(
    workspace: Workspace, hr: Sequence[str] | None = None, lr: Sequence[str] | None = None
) -> pl.DataFrame:
    """The HR × LR pair view (:func:`xlt.contracts.views.transfer_table`) of the stored results."""
    return transfer_table(_select(_results(workspace), hr, lr, None))
