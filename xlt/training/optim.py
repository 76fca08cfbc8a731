"""The pieces every xlt training loop shares: the Accelerator (precision), AdamW, and setting the lr.

Continued pretraining (:mod:`xlt.training.loop`) and MT fine-tuning (:mod:`xlt.downstream.mt`) both build
their Accelerator here and take each step's learning rate from :func:`xlt.training.config.lr_at`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from xlt.modeling.precision import resolve_precision

if TYPE_CHECKING:
    import torch
    from accelerate import Accelerator

    from xlt.training.config import TrainConfig


def make_accelerator(precision: str, grad_accum: int = 1) -> Accelerator:
    """An Accelerator with bf16 autocast where requested or, for 'auto', where the hardware has it; never
    fp16 (:func:`xlt.modeling.precision.resolve_precision`)."""
    import torch
    from accelerate import Accelerator
    from accelerate.state import AcceleratorState

    device_type = "cuda" if torch.cuda.is_available() else "cpu"
    mixed = "bf16" if resolve_precision(precision, device_type) == "bf16" else "no"
    # Accelerate keeps one AcceleratorState per process and refuses a second precision in it; a process
    # that trains in fp32 and then fine-tunes in bf16 (a library user, the test suite) gets a fresh one.
    # The PartialState (the process group of `accelerate launch`) is kept.
    state = AcceleratorState._shared_state
    if state and state.get("_mixed_precision", mixed) != mixed:
        AcceleratorState._reset_state(reset_partial_state=False)
    return Accelerator(mixed_precision=mixed, gradient_accumulation_steps=grad_accum)


def make_optimizer(model: torch.nn.Module, cfg: TrainConfig) -> torch.optim.Optimizer:
    """AdamW; no weight decay on layer norms (T5 has no biases)."""
    import torch

    decay: list[torch.nn.Parameter] = []
    no_decay: list[torch.nn.Parameter] = []
    for name, param in model.named_parameters():
        (no_decay if "layer_norm" in name or param.ndim < 2 else decay).append(param)
    groups = [
        {"params": decay, "weight_decay": cfg.optim.weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]
    betas = (cfg.optim.beta1, cfg.optim.beta2)
    try:  # one fused kernel per step instead of ~10 elementwise passes (~10 % of a CPU step, profiled)
        return torch.optim.AdamW(groups, lr=cfg.optim.lr, betas=betas, fused=True)
    except (RuntimeError, TypeError, ValueError):  # devices or dtypes without a fused AdamW
        return torch.optim.AdamW(groups, lr=cfg.optim.lr, betas=betas)


def set_lr(optimizer: torch.optim.Optimizer, lr: float) -> None:
    """Give every parameter group the learning rate of the coming step."""
    for group in optimizer.param_groups:
        group["lr"] = lr
