"""Saved models on disk: the folder format, writing it atomically, listing a run's checkpoints.

A saved model is one folder with ``config.json``, ``model.safetensors`` (or sharded safetensors with
``model.safetensors.index.json``), the tokenizer files and ``xlt_model.json`` (its label). Weights are
only ever safetensors: a folder that also holds a pickle (``*.bin``, ``*.pt``, ...) is refused rather than
loaded, because unpickling runs whatever code the file carries (see the `torch.load` docs' warning).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xlt.errors import InputError
from xlt.modeling.labels import model_label
from xlt.workspace import atomic_dir, atomic_write_text

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

MODEL_INFO_FILE = "xlt_model.json"
SAFE_WEIGHTS = ("model.safetensors", "model.safetensors.index.json")  # what transformers loads, in order
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".pkl", ".ckpt")


def check_model_dir(path: Path) -> None:
    """InputError unless `path` is a saved model with safetensors weights and no pickle beside them."""
    if not path.is_dir():
        raise InputError(
            f"model directory {path} does not exist", "give a hub id, `base`, `tiny` or a saved dir"
        )
    pickles = sorted(p.name for p in path.iterdir() if p.suffix in PICKLE_SUFFIXES and p.is_file())
    if pickles:
        raise InputError(
            f"{path} holds {pickles[0]}, a pickle file that loading could run as code",
            "xlt loads model.safetensors only: move the pickle files out of the folder, or re-save the "
            "model with save_pretrained (which writes safetensors)",
        )
    if not (path / "config.json").is_file() or not any((path / name).is_file() for name in SAFE_WEIGHTS):
        raise InputError(
            f"{path} is not a saved model (no config.json or model.safetensors)",
            "point to a checkpoints/step-N directory or a save_pretrained directory",
        )


@contextlib.contextmanager
def quiet_transformers() -> Iterator[None]:
    """Silence transformers' warnings and progress bars for a block."""
    from transformers.utils import logging as hf_logging

    level = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        hf_logging.set_verbosity(level)


def save_checkpoint(
    model: Any,
    tokenizer: PreTrainedTokenizerBase,
    out_dir: Path,
    info: Mapping[str, Any] | None = None,
    extra_files: Mapping[str, str] | None = None,
) -> Path:
    """Save model (safetensors) + tokenizer into one directory, atomically; loadable by from_pretrained.

    `info` goes to `xlt_model.json` (always with the model's label); `extra_files` are written as text.
    """
    with atomic_dir(out_dir) as tmp, quiet_transformers():
        model.save_pretrained(tmp)  # transformers 5 always writes model.safetensors, never pickles
        tokenizer.save_pretrained(tmp)
        atomic_write_text(
            tmp / MODEL_INFO_FILE, json.dumps({"label": model_label(model), **(info or {})}, indent=2)
        )
        for name, text in (extra_files or {}).items():
            atomic_write_text(tmp / name, text)
    return Path(out_dir)
