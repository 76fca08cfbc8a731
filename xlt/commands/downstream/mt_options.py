"""The options of `xlt downstream mt`, declared once (defaults and their reasons live on the library's
`MTOptions` and `DecodeOptions`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from xlt.modeling.precision import Precision

FT, GEN = "Fine-tuning", "Generation"

StepsOpt = Annotated[
    int | None,
    typer.Option(
        "--steps",
        min=1,
        help="Fine-tuning steps (default: 400 for tiny/small, 3 epochs else).",
        rich_help_panel=FT,
    ),
]
BatchOpt = Annotated[
    int | None, typer.Option("--batch-size", min=1, help="Pairs per step (default 16).", rich_help_panel=FT)
]
LearningRateOpt = Annotated[
    float | None,
    typer.Option(
        "--learning-rate",
        min=0.0,
        help="Peak learning rate (2e-3 tiny/small, 5e-4 else).",
        rich_help_panel=FT,
    ),
]
EvalEveryOpt = Annotated[
    int | None,
    typer.Option("--eval-every", min=1, help="Validate (chrF++) every N steps.", rich_help_panel=FT),
]
PatienceOpt = Annotated[
    int | None,
    typer.Option(
        "--patience",
        min=1,
        help="Validations without gain before stopping (default: 2 for the embedded models, else 3).",
        rich_help_panel=FT,
    ),
]
ZeroShotOpt = Annotated[
    bool, typer.Option("--zero-shot", help="Score without fine-tuning.", rich_help_panel=FT)
]
PrefixOpt = Annotated[
    bool, typer.Option("--prefix", help="Prepend 'translate X to Y: '.", rich_help_panel=FT)
]
PrecisionOpt = Annotated[
    Precision,
    typer.Option(
        "--precision", help="auto (bf16 where native), bf16 or fp32, as `xlt pretrain`.", rich_help_panel=FT
    ),
]
SaveOpt = Annotated[
    Path | None,
    typer.Option("--save", help="Save the fine-tuned model here (one --model).", rich_help_panel=FT),
]
BeamsOpt = Annotated[int, typer.Option("--beams", min=1, help="Beam size (1 = greedy).", rich_help_panel=GEN)]
NoRepeatOpt = Annotated[
    int,
    typer.Option(
        "--no-repeat-ngram",
        min=0,
        help="No n-gram of this size twice in an output (0 = off).",
        rich_help_panel=GEN,
    ),
]
RepetitionOpt = Annotated[
    float,
    typer.Option(
        "--repetition-penalty",
        min=1.0,
        help="Divide the logits of tokens already output by this (1 = off).",
        rich_help_panel=GEN,
    ),
]
LengthRatioOpt = Annotated[
    float,
    typer.Option(
        "--max-length-ratio",
        min=0.1,
        help="Output tokens ≤ ratio × source tokens + 4.",
        rich_help_panel=GEN,
    ),
]
MaxNewOpt = Annotated[
    int,
    typer.Option(
        "--max-new-tokens",
        min=1,
        help="Absolute cap on output tokens.",
        rich_help_panel=GEN,
    ),
]
