"""Which models a downstream command compares, and how each is named in the results.

A model spec is anything `xlt.modeling.loading.load_model` takes: a hub id, a saved directory (every
``runs/<id>/checkpoints/step-N/`` is one), ``base`` (the workspace's embedded base model) or ``tiny``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xlt.errors import InputError, UsageError, WorkspaceError
from xlt.modeling.spec import ModelKind, ModelSpec
from xlt.workspace import Workspace

# MT's trivial baselines (xlt.downstream.scores): stored as runs of these ids, shown by the id alone.
BASELINE_RUNS = ("copy", "most-frequent")


@dataclass(frozen=True)
class ModelRef:
    """A model spec and the (run_id, checkpoint) it is stored under in downstream.parquet."""

    spec: str
    run_id: str
    checkpoint: str

    @property
    def name(self) -> str:
        """`run/checkpoint` for tables (`base`, `copy`, `most-frequent` alone)."""
        alone = self.run_id == self.checkpoint or self.run_id in BASELINE_RUNS
        return self.run_id if alone else f"{self.run_id}/{self.checkpoint}"


def identify(spec: str, workspace: Workspace) -> ModelRef:
    """(run_id, checkpoint) of a spec: ``runs/X/checkpoints/step-N`` -> (X, step-N); base/hub -> base."""
    parsed = ModelSpec.parse(spec)
    if parsed.is_fresh:
        return ModelRef(spec, "random", "init")
    if parsed.kind is ModelKind.BASE:
        return ModelRef(spec, "base", "base")
    path = Path(spec).expanduser()
    if parsed.is_path and path.exists():
        resolved = path.resolve()
        if resolved == workspace.base_model_dir.resolve():
            return ModelRef(str(path), "base", "base")
        if resolved.parent.name == "checkpoints" and re.fullmatch(r"step-\d+", resolved.name):
            return ModelRef(str(path), resolved.parent.parent.name, resolved.name)
        return ModelRef(str(path), resolved.name, "final")
    return ModelRef(spec, "base", "base")  # a hub id: the untouched pretrained model


def _find_run(workspace: Workspace, run_id: str) -> Any:
    """The run `xlt runs` lists under this id (or directory name); InputError listing the runs."""
    from xlt.contracts.runs import list_runs

    runs = list_runs(workspace)
    for run in runs:
        if run_id in (run.run_id, run.path.name):
            return run
    names = ", ".join(run.run_id for run in runs)
    raise InputError(
        f"no run {run_id!r} in {workspace.root}", f"runs: {names}" if names else "see `xlt runs`"
    )


def run_refs(workspace: Workspace, run_id: str, names: list[str] | None = None) -> list[ModelRef]:
    """A run's final checkpoint, or its checkpoints named in `names` (``step-100``, as `xlt evaluate`)."""
    run = _find_run(workspace, run_id)
    found = run.checkpoints(complete=True)
    if not found:
        raise WorkspaceError(
            f"run {run.run_id!r} has no checkpoints in {run.path / 'checkpoints'}",
            "let `xlt pretrain` save one first (see `xlt runs`)",
        )
    if names is None:
        found = found[-1:]
    else:
        found = [(step, path) for step, path in found if path.name in names]
        if not found:
            have = ", ".join(path.name for _, path in run.checkpoints(complete=True))
            raise InputError(
                f"run {run.run_id!r} has none of the checkpoints {', '.join(names)}", f"it has {have}"
            )
    return [ModelRef(str(path), run.run_id, path.name) for _, path in found]


def model_refs(
    workspace: Workspace,
    model: str | None = "base",
    runs: list[str] | None = None,
    checkpoints: list[str] | None = None,
    include_model: bool = True,
) -> list[ModelRef]:
    """The systems to compare: `model` (the reference, normally the base model), then each run's final
    checkpoint, or the checkpoints named in `checkpoints`, in the order the runs are given."""
    if checkpoints and not runs:
        raise UsageError(
            "--checkpoints names checkpoints of the --run runs", "add --run RUN_ID (see `xlt runs`)"
        )
    refs = [identify(model or "base", workspace)] if include_model or not runs else []
    for run_id in runs or []:
        refs.extend(run_refs(workspace, run_id, checkpoints))
    return list(dict.fromkeys(refs))
