"""A run's resume state in safetensors and JSON only: no pickles anywhere in a workspace.

``runs/<id>/state/`` holds what an exact resume needs besides the (seed, step)-pure batches:

- ``model.safetensors``: the weights at that step (shared embeddings stored once);
- ``optimizer.safetensors`` + ``optimizer.json``: AdamW's tensors, and its param groups and scalars;
- ``rng-<process>.safetensors``: each process's torch CPU (and CUDA) generator states — dropout draws;
- ``xlt_state.json``: the step, written last (its presence marks a complete state).

Accelerate's own ``save_state`` writes the optimizer and the generators with ``torch.save`` (pickles,
which can run code when loaded); this module writes tensors as tensors and everything else as JSON.
The directory is written under a temporary name and renamed over ``state/`` once complete.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xlt import faults
from xlt.errors import TrainingError
from xlt.workspace import atomic_write_text

if TYPE_CHECKING:
    import torch
    from accelerate import Accelerator

STATE_DIR = "state"
STATE_INFO = "xlt_state.json"
MODEL_FILE = "model.safetensors"
OPTIMIZER_TENSORS = "optimizer.safetensors"
OPTIMIZER_INFO = "optimizer.json"


def latest_state(run_dir: Path) -> int | None:
    """Step of the saved resume state of a run, or None."""
    info = run_dir / STATE_DIR / STATE_INFO
    if not info.is_file():
        return None
    try:
        return int(json.loads(info.read_text())["step"])
    except (ValueError, KeyError, TypeError):
        return None


def save_state(
    accelerator: Accelerator,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    run_dir: Path,
    step: int,
) -> None:
    """Write the state of `step` to ``run_dir/state`` (every process calls this)."""
    from safetensors.torch import save_file, save_model

    tmp = run_dir / f".{STATE_DIR}-{step}.tmp"
    main = accelerator.is_main_process
    if main:
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir(parents=True)
    accelerator.wait_for_everyone()
    if main:
        save_model(accelerator.unwrap_model(model), str(tmp / MODEL_FILE))
        tensors, info = _flatten_optimizer(optimizer.state_dict())
        save_file(tensors, str(tmp / OPTIMIZER_TENSORS))
        atomic_write_text(tmp / OPTIMIZER_INFO, json.dumps(info, indent=1) + "\n")
    save_file(_rng_state(), str(tmp / f"rng-{accelerator.process_index}.safetensors"))
    accelerator.wait_for_everyone()
    if main:
        atomic_write_text(tmp / STATE_INFO, json.dumps({"step": step}) + "\n")
        final = run_dir / STATE_DIR
        faults.point("write")
        if final.exists():
            shutil.rmtree(final)
        tmp.rename(final)
    accelerator.wait_for_everyone()


def load_state(
    accelerator: Accelerator, model: torch.nn.Module, optimizer: torch.optim.Optimizer, run_dir: Path
) -> None:
    """Restore weights, optimizer and this process's generators from ``run_dir/state``."""
    from safetensors.torch import load_file, load_model

    directory = run_dir / STATE_DIR
    if not (directory / OPTIMIZER_INFO).is_file():
        raise TrainingError(
            f"the resume state in {directory} is not in xlt's format (written by xlt 0.1.0, with pickles)",
            "add --force to train this run again from the start, or finish it with xlt 0.1.0",
        )
    try:
        load_model(accelerator.unwrap_model(model), str(directory / MODEL_FILE))
        info = json.loads((directory / OPTIMIZER_INFO).read_text(encoding="utf-8"))
        optimizer.load_state_dict(_unflatten_optimizer(load_file(str(directory / OPTIMIZER_TENSORS)), info))
    except (OSError, ValueError, KeyError, RuntimeError) as exc:
        raise TrainingError(
            f"cannot resume from {directory}: {exc}", "add --force to train this run again from the start"
        ) from exc
    rng = directory / f"rng-{accelerator.process_index}.safetensors"
    if rng.is_file():  # absent when resuming with more processes than saved: batches stay exact anyway
        _set_rng_state(load_file(str(rng)))


def _flatten_optimizer(state: dict[str, Any]) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """An optimizer state_dict as {"state.<param>.<name>": tensor} plus a JSON-able rest."""
    import torch

    tensors: dict[str, torch.Tensor] = {}
    scalars: dict[str, dict[str, Any]] = {}
    for param, values in state["state"].items():
        for name, value in values.items():
            if isinstance(value, torch.Tensor):
                tensors[f"state.{param}.{name}"] = value.detach().contiguous().cpu()
            else:
                scalars.setdefault(str(param), {})[name] = value
    return tensors, {"param_groups": state["param_groups"], "scalars": scalars}


def _unflatten_optimizer(tensors: dict[str, torch.Tensor], info: dict[str, Any]) -> dict[str, Any]:
    """The inverse of :func:`_flatten_optimizer` (param ids back to ints, betas back to tuples)."""
    state: dict[int, dict[str, Any]] = {}
    for key, tensor in tensors.items():
        _, param, name = key.split(".", 2)
        state.setdefault(int(param), {})[name] = tensor
    for param, values in info.get("scalars", {}).items():
        state.setdefault(int(param), {}).update(values)
    groups = [
        {key: tuple(value) if key == "betas" else value for key, value in group.items()}
        for group in info["param_groups"]
    ]
    return {"state": state, "param_groups": groups}


def _rng_state() -> dict[str, torch.Tensor]:
    import torch

    states = {"torch_cpu": torch.get_rng_state()}
    if torch.cuda.is_available():
        for index, cuda_state in enumerate(torch.cuda.get_rng_state_all()):
            states[f"torch_cuda_{index}"] = cuda_state
    return states


def _set_rng_state(states: dict[str, torch.Tensor]) -> None:
    import torch

    torch.set_rng_state(states["torch_cpu"])
    if torch.cuda.is_available():
        keys = [f"torch_cuda_{i}" for i in range(torch.cuda.device_count())]
        if all(key in states for key in keys):
            torch.cuda.set_rng_state_all([states[key] for key in keys])
