"""The data options of `xlt downstream mt`: which parallel text, which direction, how much of it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

DATA = "Data"

PairOpt = Annotated[
    str | None,
    typer.Option(
        "--pair",
        help="Parallel data: elotl:axolotl|tsunkua|kolo, a .tsv/.csv/.jsonl file, a datasets dir, or a hub "
        "id (allenai/nllb). Default: a Spanish–LR elotl pair for the workspace's LR languages.",
        rich_help_panel=DATA,
    ),
]
SrcLangOpt = Annotated[
    str | None, typer.Option("--src-lang", help="Source language (code or name).", rich_help_panel=DATA)
]
TgtLangOpt = Annotated[
    str | None, typer.Option("--tgt-lang", help="Target language (code or name).", rich_help_panel=DATA)
]
SrcColumnOpt = Annotated[
    str | None,
    typer.Option("--src-column", help="Column of the source text in --pair.", rich_help_panel=DATA),
]
TgtColumnOpt = Annotated[
    str | None,
    typer.Option("--tgt-column", help="Column of the target text in --pair.", rich_help_panel=DATA),
]
SrcFileOpt = Annotated[
    Path | None,
    typer.Option("--src-file", help="Line-aligned source file (with --tgt-file).", rich_help_panel=DATA),
]
TgtFileOpt = Annotated[
    Path | None,
    typer.Option("--tgt-file", help="Line-aligned target file (with --src-file).", rich_help_panel=DATA),
]
MaxPairsOpt = Annotated[
    int,
    typer.Option(
        "--max-pairs", min=10, help="Cap on pairs before the split (paper: 60,000).", rich_help_panel=DATA
    ),
]
TestSizeOpt = Annotated[
    int,
    typer.Option(
        "--test-size", min=0, help="Test sentences scored (0 = the whole test split).", rich_help_panel=DATA
    ),
]
