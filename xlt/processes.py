"""This process's place among the processes of `accelerate launch` / torchrun, for code without an
Accelerator (evaluation splits model states across processes with it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from accelerate import PartialState


def process_state() -> PartialState:
    """Accelerate's shared process state, honouring ``ACCELERATE_USE_CPU`` as ``Accelerator`` does.

    ``PartialState()`` alone ignores that variable, so several processes on CPUs (torchrun or
    `accelerate launch --multi_gpu` with ACCELERATE_USE_CPU=true) would each think they were alone and
    all do all the work.
    """
    from accelerate import PartialState
    from accelerate.utils import parse_flag_from_env

    return PartialState(cpu=parse_flag_from_env("ACCELERATE_USE_CPU"))
