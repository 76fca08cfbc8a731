"""Model specs: the one parser of what `--model` (and a run's `base_model`) can name.

* ``auto``: the workspace's base model when ``xlt pretrain --base`` has made one, else a fresh ``tiny``;
* ``base``: the workspace's embedded base model (``models/base/``);
* ``tiny`` / ``small``: a freshly initialised small mT5 with the workspace tokenizer;
* a saved directory (every ``runs/<id>/checkpoints/step-N/``): text that names an existing path, or that
  starts with ``.``, ``/`` or ``~`` (so a mistyped path says "does not exist" instead of asking the hub);
* anything else: a Hugging Face hub id (``google/mt5-base``).

The four words are the *embedded* models, sized for a CPU; ``tiny`` and ``small`` are the *fresh* ones.
Light (no torch): commands, plans and configs parse specs at start-up.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Literal

from xlt.errors import UsageError
from xlt.workspace import Workspace

# Written by `xlt pretrain --base` next to the base model's weights; its presence marks a finished base.
BASE_INFO_FILE = "xlt_base.json"

FreshSize = Literal["tiny", "small"]


class ModelKind(StrEnum):
    """What a model spec names: one of the embedded models, a saved directory, or a hub id."""

    AUTO = "auto"
    BASE = "base"
    TINY = "tiny"
    SMALL = "small"
    PATH = "path"
    HUB = "hub"


_WORDS = {kind.value: kind for kind in (ModelKind.AUTO, ModelKind.BASE, ModelKind.TINY, ModelKind.SMALL)}


@dataclass(frozen=True)
class ModelSpec:
    """A parsed model spec: its kind and the text as given (`str(spec)` gives the text back)."""

    kind: ModelKind
    text: str

    @classmethod
    def parse(cls, value: str | os.PathLike[str] | ModelSpec) -> ModelSpec:
        """The spec `value` names (see the module docstring); a spec passes through unchanged."""
        if isinstance(value, ModelSpec):
            return value
        text = str(value)
        if not text:
            raise UsageError(
                "the model spec is empty", "give auto, base, tiny, small, a saved directory or a hub id"
            )
        if text in _WORDS:
            return cls(_WORDS[text], text)
        if text.startswith((".", "/", "~")) or Path(text).expanduser().exists():
            return cls(ModelKind.PATH, text)
        return cls(ModelKind.HUB, text)

    def __str__(self) -> str:
        return self.text

    @property
    def is_fresh(self) -> bool:
        """A freshly initialised model (`tiny`, `small`): built from the workspace tokenizer and a seed."""
        return self.kind in (ModelKind.TINY, ModelKind.SMALL)

    @property
    def is_embedded(self) -> bool:
        """One of xlt's own CPU-sized models (`auto`, `base`, `tiny`, `small`)."""
        return self.kind.value in _WORDS

    @property
    def is_path(self) -> bool:
        return self.kind is ModelKind.PATH

    @property
    def is_hub(self) -> bool:
        return self.kind is ModelKind.HUB

    @property
    def path(self) -> Path:
        """The directory of a `path` spec (`~` expanded)."""
        if not self.is_path:
            raise ValueError(f"model spec {self.text!r} is not a directory")
        return Path(self.text).expanduser()

    @property
    def fresh_size(self) -> FreshSize:
        """The size of a fresh model: `tiny` or `small` (ValueError for other specs)."""
        if not self.is_fresh:
            raise ValueError(f"model spec {self.text!r} is not a fresh model")
        return "small" if self.kind is ModelKind.SMALL else "tiny"

    def resolve(self, workspace: Workspace) -> ModelSpec:
        """`auto` becomes `base` when the workspace has a base model, else `tiny`; other specs unchanged."""
        if self.kind is not ModelKind.AUTO:
            return self
        return ModelSpec.parse("base" if has_base_model(workspace) else "tiny")


def has_base_model(workspace: Workspace) -> bool:
    """Whether `xlt pretrain --base` has finished the workspace's base model."""
    return (workspace.base_model_dir / BASE_INFO_FILE).is_file()
