"""`xlt show`: print what a workspace holds, without computing anything (read-only, safe during runs)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from xlt.analysis.pipeline import At
from xlt.commands._common import HrListOpt, LrListOpt, console, language_list, split_list, workspace

app = typer.Typer(
    no_args_is_help=True,
    help="Print the stored results of a workspace (read-only).\n\nExample: xlt show matrix --csv matrix.csv",
)
CsvOpt = Annotated[
    Path | None, typer.Option("--csv", help="Also write the table as CSV to this file ('-' for stdout only).")
]


@app.command("matrix")
def matrix(
    ctx: typer.Context,
    hr: HrListOpt = None,
    lr: LrListOpt = None,
    run: Annotated[str | None, typer.Option("--run", help="Comma-separated run ids; default: all.")] = None,
    csv: CsvOpt = None,
) -> None:
    """The stored checkpoint × LR-language perplexity matrix, with zero-shot, baselines and best checkpoints.

    Example: xlt show matrix --lr nci,nya
    """
    from xlt.commands.render.evaluate import best_table, matrix_table
    from xlt.reports import stored_matrix

    shown = stored_matrix(workspace(ctx), language_list(hr), language_list(lr), split_list(run))
    if csv is not None:
        _write_csv(shown.wide, csv)
        if str(csv) == "-":
            return
    console.print(matrix_table(shown.results, shown.baselines))
    console.print(best_table(shown.results))


@app.command("pairs")
def pairs(
    ctx: typer.Context,
    at: Annotated[At, typer.Option("--at", help="The final or the best checkpoint of each run.")] = At.FINAL,
    hr: HrListOpt = None,
    lr: LrListOpt = None,
    csv: CsvOpt = None,
) -> None:
    """The HR × LR view: each donor's gain over zero-shot on each recipient (positive = better).

    Example: xlt show pairs --at best
    """
    from xlt.commands.render.show import pairs_table
    from xlt.reports import stored_pairs

    table = stored_pairs(workspace(ctx), language_list(hr), language_list(lr))
    if csv is not None:
        _write_csv(table, csv)
        if str(csv) == "-":
            return
    console.print(pairs_table(table, at))


def _write_csv(frame: object, target: Path) -> None:
    import polars as pl

    from xlt.workspace import atomic_open

    assert isinstance(frame, pl.DataFrame)
    if str(target) == "-":
        console.print(frame.write_csv(), end="", markup=False, highlight=False, soft_wrap=True)
        return
    with atomic_open(target, "w") as handle:
        frame.write_csv(handle)
    console.print(f"wrote {target}", highlight=False)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="show")
