"""Load any model spec (see :mod:`xlt.modeling.spec`) with its tokenizer and its results label.

* a hub id (``google/mt5-base``): ``from_pretrained``; offline, it must already be in the HF cache;
* a directory written by :func:`xlt.modeling.checkpoints.save_checkpoint`: safetensors weights only;
* ``base``: the workspace's embedded base model (``models/base/``, made by ``xlt pretrain --base``);
* ``tiny`` / ``small``: a freshly initialised small mT5 with the workspace tokenizer;
* ``auto``: ``base`` when the workspace has one, else ``tiny``.

torch and transformers are imported inside functions: the CLI imports this module at start-up.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xlt.errors import InputError, WorkspaceError, XltError
from xlt.modeling.build import build_tiny_model, fuse_gelu, tiny_config
from xlt.modeling.checkpoints import MODEL_INFO_FILE, check_model_dir, quiet_transformers
from xlt.modeling.labels import model_label
from xlt.modeling.spec import ModelKind, ModelSpec, has_base_model
from xlt.modeling.tokenizers import load_tokenizer, workspace_tokenizer
from xlt.workspace import Workspace

if TYPE_CHECKING:
    from transformers import MT5ForConditionalGeneration, PreTrainedTokenizerBase


@dataclass
class LoadedModel:
    """A model with its tokenizer, the label of the results' `model` column, and where it came from."""

    model: MT5ForConditionalGeneration
    tokenizer: PreTrainedTokenizerBase
    label: str
    source: str
    tokenizer_path: str | None = None


def load_model(
    spec: str | os.PathLike[str] | ModelSpec,
    workspace: Workspace | None = None,
    seed: int = 0,
    vocab_size: int = 8000,
    size_overrides: Mapping[str, Any] | None = None,
) -> LoadedModel:
    """Load `spec`: `tiny`/`small` (fresh), `base` (workspace model), `auto`, a local directory, or a hub id.

    `seed`, `vocab_size` (of the workspace tokenizer) and `size_overrides` (MT5Config fields) only
    matter for the fresh `tiny`/`small` models.
    """
    parsed = ModelSpec.parse(spec)
    if parsed.kind is ModelKind.AUTO or parsed.is_fresh:
        if workspace is None:
            raise XltError(f"model {parsed.text!r} needs a workspace (for its tokenizer)")
        parsed = parsed.resolve(workspace)
    if parsed.is_fresh:
        assert workspace is not None
        tokenizer, tok_path = workspace_tokenizer(workspace, vocab_size=vocab_size)
        config = tiny_config(parsed.fresh_size, len(tokenizer), **dict(size_overrides or {}))
        model = build_tiny_model(config, seed)
        return LoadedModel(model, tokenizer, model_label(model), parsed.text, str(tok_path))
    if parsed.kind is ModelKind.BASE:
        if workspace is None or not has_base_model(workspace):
            where = workspace.base_model_dir if workspace else "the workspace"
            raise WorkspaceError(f"no base model in {where}", "run `xlt pretrain --base` first")
        return _load_local(workspace.base_model_dir)
    if parsed.is_path:
        return _load_local(parsed.path)
    return _load_hub(parsed.text)


def known_label(spec: ModelSpec, workspace: Workspace) -> str | None:
    """The label `load_model(spec)` would give, when it is known without loading the model: a saved
    directory's recorded label (the workspace base model's included) or a hub id; None for fresh models
    (their label hashes a config built on the workspace tokenizer) and directories without a record."""
    if spec.kind is ModelKind.BASE:
        return _read_json(workspace.base_model_dir / MODEL_INFO_FILE).get("label") or None
    if spec.is_path:
        return _read_json(spec.path / MODEL_INFO_FILE).get("label") or None
    return None if spec.is_fresh or spec.kind is ModelKind.AUTO else spec.text


def _load_local(path: Path) -> LoadedModel:
    from transformers import AutoModelForSeq2SeqLM

    check_model_dir(path)
    try:
        with quiet_transformers():  # "both tied weights present with different values": mT5's untied head
            model = AutoModelForSeq2SeqLM.from_pretrained(
                str(path), local_files_only=True, use_safetensors=True
            )
    except Exception as exc:  # corrupt safetensors, unknown architecture, ...
        raise InputError(f"cannot load the model in {path}: {exc}") from exc
    tokenizer = load_tokenizer(path)
    info = _read_json(path / MODEL_INFO_FILE)
    label = info.get("label") or model_label(model)
    model.config.xlt_label = label
    return LoadedModel(fuse_gelu(model), tokenizer, label, str(path), str(path))


def _load_hub(model_id: str) -> LoadedModel:
    """A hub model, from the cache first. Older hub repositories may hold only `pytorch_model.bin`, so
    safetensors is preferred here but not required (transformers 5 reads such files with
    ``torch.load(weights_only=True)``); local folders are held to safetensors (:func:`check_model_dir`)."""
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    hint = "download it once on a machine with network (huggingface-cli download), or use `base` or `tiny`"
    try:  # the cache first: no network round trips when the model is there
        tokenizer = AutoTokenizer.from_pretrained(model_id, local_files_only=True)
        model = AutoModelForSeq2SeqLM.from_pretrained(model_id, local_files_only=True)
    except (OSError, ValueError) as exc:
        if not _hub_reachable():
            raise InputError(
                f"model {model_id!r} is not in the Hugging Face cache and this machine is offline", hint
            ) from exc
        try:
            tokenizer = AutoTokenizer.from_pretrained(model_id)
            model = AutoModelForSeq2SeqLM.from_pretrained(model_id)
        except (OSError, ValueError) as exc2:
            raise InputError(f"cannot load {model_id!r} from the Hugging Face hub: {exc2}", hint) from exc2
    model.config.xlt_label = model_id
    return LoadedModel(fuse_gelu(model), tokenizer, model_id, model_id, model_id)


def _hub_reachable(timeout: float = 3.0) -> bool:
    """False when HF offline mode is on or the hub's host cannot be reached within `timeout` seconds."""
    import socket

    offline = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    if any(os.environ.get(name, "") not in ("", "0") for name in offline):
        return False
    try:
        with socket.create_connection(("huggingface.co", 443), timeout=timeout):
            return True
    except OSError:
        return False


def _read_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}
