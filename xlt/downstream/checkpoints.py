"""Which models a downstream command compares, and how each is named in the results.

A model spec is anything `xlt.modeling.loading.load_model` takes: a hub id, a saved directory (every
``runs/<id>/checkpoints/step-N/`` is one), ``base`` (the workspace's embedded base model) or ``tiny``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from xlt.errors import InputError, UsageError, WorkspaceError
from xlt.modeling.spec import ModelKind, ModelSpec
from xlt.workspace import Workspace


@dataclass(frozen=True)
class ModelRef:
    """A model spec and the (run_id, checkpoint) it is stored under in downstream.parquet."""

    spec: str
    run_id: str
    checkpoint: str

    @property
    def name(self) -> str:
        """`run/checkpoint` for tables (`base` alone for the base model)."""
        return self.run_id if self.run_id == self.checkpoint else f"{self.run_id}/{self.checkpoint}"


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


def _checkpoint_path(text: str, workspace: Workspace) -> str:
    """A checkpoint as typed: an existing path, else relative to the workspace root."""
    path = Path(text).expanduser()
    if path.exists():
        return str(path)
    inside = workspace.root / text
    if inside.exists():
        return str(inside)
    raise InputError(f"checkpoint {text!r} not found (looked in . and {workspace.root})", "see `xlt runs`")


def run_checkpoints(workspace: Workspace, run_id: str) -> list[str]:
    """Saved checkpoints of a run, in step order."""
    from xlt.contracts.runs import checkpoint_dirs

    found = [str(path) for _, path in checkpoint_dirs(workspace.run_dir(run_id), complete=True)]
    if not found:
        raise WorkspaceError(
            f"run {run_id!r} has no checkpoints in {workspace.checkpoints_dir(run_id)}",
            "run `xlt pretrain` first, or see `xlt runs`",
        )
    return found


def model_refs(
    workspace: Workspace,
    model: str | None,
    checkpoints: str | None = None,
    run: str | None = None,
    baseline: str | None = "auto",
) -> list[ModelRef]:
    """The models to score: `model` alone, or a baseline followed by `--checkpoints` / a run's checkpoints.

    `baseline` ``auto`` means the workspace's base model when it exists; None or ``none`` means no baseline.
    """
    if checkpoints and run:
        raise UsageError("--checkpoints and --run both given", "use one of them")
    if not checkpoints and not run:
        return [identify(model or "base", workspace)]
    specs = (
        [_checkpoint_path(c.strip(), workspace) for c in checkpoints.split(",") if c.strip()]
        if checkpoints
        else run_checkpoints(workspace, run or "")
    )
    if baseline == "auto":
        baseline = (
            "base" if workspace.base_model_dir.is_dir() else (model if model not in (None, "base") else None)
        )
    refs = [identify(spec, workspace) for spec in specs]
    if baseline and baseline != "none":
        refs.insert(0, identify(baseline, workspace))
    return list(dict.fromkeys(refs))
