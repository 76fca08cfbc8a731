"""`xlt analyze import`: a matrix published elsewhere as xlt's long results format."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from xlt.commands._common import ForceOpt, console, warn, workspace
from xlt.commands.analyze import app


@app.command("import")
def import_matrix(
    ctx: typer.Context,
    matrix: Annotated[Path, typer.Argument(help="Wide CSV: first column HR language, one column per LR.")],
    zero_shot: Annotated[
        Path | None, typer.Option("--zero-shot", help='JSON {LR: {"zero_shot": v}} or CSV lr,zero_shot.')
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Output parquet; default: WORKSPACE/results/perplexity.parquet."),
    ] = None,
    force: ForceOpt = False,
) -> None:
    """Convert a published perplexity matrix into the long results format, ready for `xlt analyze`.

    Example: xlt analyze import paper.csv --zero-shot zero_shot.json
    """
    from xlt.analysis.published import import_into

    target = out or workspace(ctx, create=True).perplexity_path
    imported = import_into(target, matrix, zero_shot, force)
    for message in imported.warnings:
        warn(message)
    trained = imported.table.filter(imported.table["run_id"] != "base")
    console.print(
        f"imported {trained['hr_lang'].n_unique()} HR × {trained['lr_lang'].n_unique()} LR languages "
        f"({imported.table.height} rows) into {target}",
        highlight=False,
    )
