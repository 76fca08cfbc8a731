"""Which number format a model runs in: one decision for training, fine-tuning and evaluation."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from xlt.errors import UsageError

Resolved = Literal["bf16", "fp32"]


class Precision(StrEnum):
    """What a command may ask for: bf16 where the hardware has it natively (``auto``), or forced.
    ``fp16`` is listed only so that asking for it is refused with the reason (T5 overflows in fp16)."""

    AUTO = "auto"
    BF16 = "bf16"
    FP32 = "fp32"
    FP16 = "fp16"


def native_bf16(device_type: str) -> bool:
    """Whether the hardware of `device_type` computes bf16 natively: CUDA GPUs with bf16, CPUs with AMX or
    AVX512-BF16 (elsewhere bf16 would be emulated, slower than fp32)."""
    import torch

    if device_type == "cuda":
        return bool(torch.cuda.is_available() and torch.cuda.is_bf16_supported())
    if device_type == "cpu":
        cpu = torch.cpu
        return bool(
            getattr(cpu, "_is_amx_tile_supported", lambda: False)()
            or getattr(cpu, "_is_avx512_bf16_supported", lambda: False)()
        )
    return False


def resolve_precision(precision: str, device_type: str) -> Resolved:
    """`bf16` or `fp32` for a requested `auto`/`bf16`/`fp32`; `auto` is bf16 where the hardware has it.

    Never fp16: T5/mT5 activations overflow in fp16 (inf/NaN), so it is refused with the fix. On this
    project's AMX CPU bf16 autocast trains the tiny model at ~6.5k input tokens/s against 4.5k in fp32
    (benchmarks/bench_train_throughput.py measures it).
    """
    if precision == "fp16":
        raise UsageError("fp16 is not supported for T5/mT5", "use --precision bf16 or fp32 (fp16 overflows)")
    if precision in ("bf16", "fp32"):
        return precision  # type: ignore[return-value]
    if precision != "auto":
        raise UsageError(f"precision {precision!r} is unknown", "use auto, bf16 or fp32")
    return "bf16" if native_bf16(device_type) else "fp32"
