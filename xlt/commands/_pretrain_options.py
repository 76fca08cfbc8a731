"""The options of `xlt pretrain`, declared once (the defaults and their reasons live on PretrainOptions)."""

from __future__ import annotations

from typing import Annotated

from xlt.commands._common import option, split_list
from xlt.modeling.precision import Precision
from xlt.training.options import PretrainOptions

D = PretrainOptions  # the defaults and their reasons live on the options
_OPTIM = "Optimisation (defaults: the paper's for hub models, a CPU recipe for tiny/base)"
_DATA = "Data"


HrOpt = Annotated[str | None, option("--hr", "High-resource language to pretrain on (code or name).")]
BaseOpt = Annotated[
    bool, option("--base", "Pretrain the workspace's base model from scratch on all HR languages.")
]
ModelOpt = Annotated[
    str,
    option(
        "--model",
        "auto (base if it exists, else tiny), base, tiny, small, a saved directory, or a hub id "
        "(google/mt5-base).",
    ),
]
RunsOpt = Annotated[int, option("--runs", "Runs with seeds seed, seed+1, ... (paper: 5).")]
PrecisionOpt = Annotated[
    Precision, option("--precision", "auto, bf16 or fp32 (fp16 is refused: T5 overflows).")
]
ThreadsOpt = Annotated[
    int | None,
    option(
        "--threads",
        "CPU threads for torch (default: torch's choice). On a CPU shared with other jobs 1 can be several "
        "times faster than 2 (measured: ~7x at load 8 on 2 cores).",
    ),
]
EveryOpt = Annotated[
    float | None, option("--checkpoint-every", "Checkpoint every this fraction of a run (paper: 0.05).")
]
StepsOpt = Annotated[int | None, option("--steps", "Optimizer steps per run (default: recipe).", _OPTIM)]
EpochsOpt = Annotated[
    float | None, option("--epochs", "Passes over the data when --steps is not set.", _OPTIM)
]
RateOpt = Annotated[float | None, option("--learning-rate", "Peak learning rate.", _OPTIM)]
WarmupOpt = Annotated[int | None, option("--warmup-steps", "Linear warm-up steps.", _OPTIM)]
DecayOpt = Annotated[float | None, option("--weight-decay", "AdamW weight decay.", _OPTIM)]
BatchOpt = Annotated[int | None, option("--batch-size", "Examples per process and micro-step.", _OPTIM)]
AccumOpt = Annotated[int | None, option("--grad-accum", "Gradient accumulation steps.", _OPTIM)]
LengthOpt = Annotated[int | None, option("--input-length", "Encoder tokens per example (paper: 256).", _DATA)]
LinesOpt = Annotated[int | None, option("--max-lines", "Lines of train.txt used (paper: 500000).", _DATA)]
EvalBlocksOpt = Annotated[
    int | None,
    option(
        "--eval-blocks", "Validation examples per run, scored at the start and at each checkpoint.", _DATA
    ),
]
VocabOpt = Annotated[
    int | None, option("--vocab-size", "Workspace tokenizer size for tiny/base models.", _DATA)
]
ExcludeOpt = Annotated[
    str | None,
    option(
        "--exclude",
        "With --base: HR languages (comma-separated) left out of the base model's mix, e.g. the donor "
        "whose transfer is tested, so that zero-shot has not seen it either.",
    ),
]


def exclude_list(value: str | None) -> tuple[str, ...]:
    return split_list(value) or ()
