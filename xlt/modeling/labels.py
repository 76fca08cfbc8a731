"""How results name a model: its `model` column (`google/mt5-base`, `tiny:<hash>`) and run-id forms."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

# The config fields that shape the weights: two models with equal values have interchangeable checkpoints.
_SHAPE_KEYS = (
    "vocab_size",
    "d_model",
    "d_kv",
    "d_ff",
    "num_layers",
    "num_decoder_layers",
    "num_heads",
    "feed_forward_proj",
    "tie_word_embeddings",
    "relative_attention_num_buckets",
    "relative_attention_max_distance",
)


def config_hash(config: Any) -> str:
    """8 hex digits identifying an architecture (the fields that shape the weights)."""
    shape = {key: getattr(config, key, None) for key in _SHAPE_KEYS}
    return hashlib.sha256(json.dumps(shape, sort_keys=True).encode()).hexdigest()[:8]


def model_label(model: Any) -> str:
    """The `model` column of the results: a hub id, `tiny:<config hash>` or `base:<config hash>`."""
    label = getattr(model.config, "xlt_label", None)
    if label:
        return str(label)
    name = str(getattr(model.config, "_name_or_path", "") or getattr(model, "name_or_path", "") or "")
    if name and not Path(name).exists() and re.fullmatch(r"[\w.-]+/[\w.-]+", name):
        return name
    return f"tiny:{config_hash(model.config)}"


def short_label(label: str) -> str:
    """A run-id friendly form of a label: `google/mt5-base` -> `mt5-base`, `tiny:ab12cd34` -> `tiny`."""
    head = label.split(":", 1)[0].rsplit("/", 1)[-1]
    return re.sub(r"[^A-Za-z0-9.-]+", "-", head).strip("-").lower() or "model"
