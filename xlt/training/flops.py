"""Training FLOPs of a T5/mT5 step, for model-FLOP utilisation (MFU) in the benchmarks.

The usual estimate is 6 · parameters · tokens (2 for the forward multiply-adds, 4 for the backward;
Kaplan et al. 2020, §2.1). An encoder-decoder needs care: encoder weights see the encoder input tokens,
decoder weights and the LM head see the decoder (target) tokens, and input embeddings are lookups that
cost no FLOPs. Attention score and value products are added explicitly (they matter at long inputs).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class StepFlops:
    """FLOPs of one training step (forward + backward), by part."""

    encoder: float
    decoder: float
    lm_head: float
    attention: float

    @property
    def total(self) -> float:
        return self.encoder + self.decoder + self.lm_head + self.attention


def _linear_params(module: Any) -> int:
    """Parameters of a module excluding embedding tables (lookups, no FLOPs) and norms (negligible)."""
    import torch

    total = 0
    for sub in module.modules():
        if isinstance(sub, torch.nn.Linear):
            total += sub.weight.numel()
    return total


def train_step_flops(model: Any, batch: int, input_length: int, target_length: int) -> StepFlops:
    """6·N·tokens per part of an MT5ForConditionalGeneration, plus attention matmuls (×3 for backward)."""
    config = model.config
    enc_tokens = batch * input_length
    dec_tokens = batch * target_length
    inner = config.num_heads * config.d_kv
    # Per sequence and layer, QK^T and AV cost 2·(queries·keys·inner) multiply-adds each = 4·q·k·inner FLOPs.
    attn_fwd = batch * (
        config.num_layers * 4 * input_length * input_length * inner
        + config.num_decoder_layers
        * 4
        * (target_length * target_length + target_length * input_length)
        * inner
    )
    return StepFlops(
        encoder=6.0 * _linear_params(model.encoder) * enc_tokens,
        decoder=6.0 * _linear_params(model.decoder) * dec_tokens,
        lm_head=6.0 * model.lm_head.weight.numel() * dec_tokens,
        attention=3.0 * attn_fwd,
    )


def matmul_peak_flops(dtype: Any, n: int = 2048, repeats: int = 5, device: str = "cpu") -> float:
    """Measured FLOP/s of an n×n×n matmul in `dtype` on `device` (best of `repeats`): the achievable peak."""
    import time

    import torch

    a = torch.randn(n, n, device=device).to(dtype)
    b = torch.randn(n, n, device=device).to(dtype)
    torch.mm(a, b)  # warm-up: kernel selection, packing buffers
    best = float("inf")
    for _ in range(repeats):
        if device != "cpu":
            torch.cuda.synchronize()
        start = time.perf_counter()
        torch.mm(a, b)
        if device != "cpu":
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - start)
    return 2.0 * n**3 / best
