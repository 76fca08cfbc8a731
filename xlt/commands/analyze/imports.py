"""`xlt analyze import`: a matrix published elsewhere as xlt's long results format, and an overlap
matrix as the overlap feature."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from xlt.commands._common import ForceOpt, console, warn, workspace
from xlt.commands.analyze import app
from xlt.commands.languages import NamesOpt, WalsOpt


@app.command("import")
def import_matrix(
    ctx: typer.Context,
    matrix: Annotated[
        Path | None, typer.Argument(help="Wide CSV: first column HR language, one column per LR.")
    ] = None,
    zero_shot: Annotated[
        Path | None, typer.Option("--zero-shot", help='JSON {LR: {"zero_shot": v}} or CSV lr,zero_shot.')
    ] = None,
    overlap: Annotated[
        Path | None,
        typer.Option("--overlap", help="Wide CSV HR x LR: share of LR tokens found in the HR corpus."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Output parquet; default: WORKSPACE/results/perplexity.parquet."),
    ] = None,
    names_file: NamesOpt = None,
    wals: WalsOpt = None,
    force: ForceOpt = False,
) -> None:
    """Convert a published perplexity matrix (and overlap matrix) into xlt's formats, ready for `xlt analyze`.

    Language names are read as names first ("Mon" is Mon, mnw); --names and --wals override them.

    Example: xlt analyze import paper.csv --zero-shot zero_shot.json --overlap overlap.csv --wals language.csv
    """
    from xlt.analysis.options import IMPORTED_OVERLAP
    from xlt.analysis.published import import_into
    from xlt.languages import NameOverrides

    ws = workspace(ctx, create=True)
    overrides = NameOverrides.load(names=names_file, wals=wals) if names_file or wals else None
    overlap_target = ws.analysis_dir / IMPORTED_OVERLAP
    imported = import_into(
        out or ws.perplexity_path, matrix, zero_shot, force, overlap, overlap_target, overrides
    )
    for message in [*(overrides.notes if overrides else []), *imported.warnings]:
        warn(message)
    if imported.notes:
        from xlt.analysis.wide import listed

        read = listed([f"{name}: {note}" for name, note in imported.notes.items()])
        console.print(f"note: {len(imported.notes)} name(s) read with a note: {read}", highlight=False)
    if imported.table is not None:
        trained = imported.table.filter(imported.table["run_id"] != "base")
        console.print(
            f"imported {trained['hr_lang'].n_unique()} HR × {trained['lr_lang'].n_unique()} LR languages "
            f"({imported.table.height} rows) into {out or ws.perplexity_path}",
            highlight=False,
        )
    if imported.overlap is not None:
        console.print(
            f"imported {imported.overlap.height} overlap cells into {overlap_target}", highlight=False
        )
