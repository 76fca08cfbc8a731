"""Fresh models: the embedded `tiny`/`small` mT5 shapes, mT5's initialisation, and the fused GELU.

Every model xlt trains or evaluates is an `MT5ForConditionalGeneration`, so the embedded models run the
same code paths as mt5-base.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xlt.errors import XltError
from xlt.modeling.labels import config_hash
from xlt.modeling.spec import FreshSize

if TYPE_CHECKING:
    from transformers import MT5Config, MT5ForConditionalGeneration

# Sizes of the embedded models: mT5's own shapes (gated-GELU, untied head, d_kv 64, 32 relative-position
# buckets), so the same code paths run as for mt5-base. `tiny` is 1/6 of mt5-small's width (4.4M
# parameters with the 8k vocabulary): the demo's 400 base steps see ~0.8M tokens, far fewer than such a
# model could use (compute-optimal training wants ~20 tokens per parameter, Hoffmann et al. 2022), so
# width is what this data cannot pay for. Measured on the sample corpus (2026-12-02, 2 cores, fp32): at
# d_model 128 the base model's validation perplexity after 100/200/300 steps was 183/155/145, at d_model
# 256 (13.6M) 183/162/143, for 0.44 s a step instead of 1.18; the demo's findings did not change
# (README). `small` is 2/3 of mt5-small's width.
TINY_SIZES: dict[str, dict[str, int]] = {
    "tiny": {"d_model": 128, "d_ff": 512, "num_layers": 4, "num_decoder_layers": 4, "num_heads": 2},
    "small": {"d_model": 512, "d_ff": 1024, "num_layers": 6, "num_decoder_layers": 6, "num_heads": 8},
}


def tiny_config(size: FreshSize, vocab_size: int, **overrides: Any) -> MT5Config:
    """An MT5Config of the embedded sizes (`tiny` ≈ 4.4M parameters with an 8k vocabulary, `small` ≈ 46M).

    Dropout 0: T5 v1.1 / mT5 pretrain without dropout ("a quality win", T5 v1.1 release notes), and these
    runs of a few hundred steps on small corpora underfit, so dropout would only slow learning down.
    Input and output embeddings are untied as in mT5 by :func:`build_tiny_model` (transformers 5's
    MT5Config forces ``tie_word_embeddings=True``; a checkpoint whose ``lm_head.weight`` differs from
    ``shared.weight`` still loads untied).
    """
    from transformers import MT5Config

    if size not in TINY_SIZES:
        raise XltError(f"unknown model size {size!r}", f"choose one of {', '.join(TINY_SIZES)}")
    fields: dict[str, Any] = {
        **TINY_SIZES[size],
        "vocab_size": vocab_size,
        "d_kv": 64,
        "feed_forward_proj": "gated-gelu",
        "dropout_rate": 0.0,
        "relative_attention_num_buckets": 32,
        "relative_attention_max_distance": 128,
        "pad_token_id": 0,
        "eos_token_id": 1,
        "decoder_start_token_id": 0,
    }
    fields.update(overrides)
    return MT5Config(**fields)


def build_tiny_model(config: MT5Config, seed: int = 0) -> MT5ForConditionalGeneration:
    """A freshly initialised mT5 whose loss starts near ln(vocab).

    transformers 5 ties the LM head to the std-1.0 input embedding and (for mT5) does not rescale the
    decoder output, so the first loss is ~110-121 (tests/test_modeling.py checks the start near
    ln(vocab)). mT5 has an untied head, which Mesh TensorFlow initialises with std d_model ** -0.5: we
    give the head its own parameter with that std.
    """
    import torch
    from transformers import MT5ForConditionalGeneration

    torch.manual_seed(seed)
    model = MT5ForConditionalGeneration(config)
    head = torch.empty(config.vocab_size, config.d_model).normal_(0.0, config.d_model**-0.5)
    model.lm_head.weight = torch.nn.Parameter(head)
    model.config.tie_word_embeddings = False
    model.config.xlt_label = f"tiny:{config_hash(config)}"
    return fuse_gelu(model)


def fuse_gelu(model: Any) -> Any:
    """Swap transformers' `gelu_new` modules (mT5's activation) for PyTorch's fused tanh GELU, in place.

    Both compute 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))); `gelu_new` does it in six elementwise
    passes, ``F.gelu(approximate="tanh")`` in one kernel (outputs differ by < 3e-7 in fp32). Measured on
    this project's CPU, a 2048×1024 activation: forward + backward 13.6 -> 4.4 ms (fp32), 10.4 -> 5.3 ms
    (bf16). The config keeps saying ``gelu_new``, so saved checkpoints stay standard mT5.
    """
    from transformers.activations import GELUTanh, NewGELUActivation

    for module in list(model.modules()):
        for name, child in list(module.named_children()):
            if isinstance(child, NewGELUActivation):
                setattr(module, name, GELUTanh())
    return model


def n_parameters(model: Any) -> int:
    """Number of parameters (each counted once)."""
    return sum(p.numel() for p in model.parameters())
