"""The HR × LR pair view as a rich table: one row per donor, one column per recipient."""

from __future__ import annotations

import polars as pl
from rich.table import Table


def pairs_table(pairs: pl.DataFrame, at: str) -> Table:
    """Relative gain over zero-shot in per cent (positive = lower perplexity than zero-shot)."""
    langs = sorted(pairs["lr_lang"].unique().to_list())
    column = f"rel_gain_{at}"
    title = (
        f"Gain over zero-shot at the {at} checkpoint, % (positive = better; mean over the runs of a donor)"
    )
    table = Table("HR \\ LR", *langs, title=title)
    for hr in sorted(pairs["hr_lang"].unique().to_list()):
        row = {r["lr_lang"]: r[column] for r in pairs.filter(pl.col("hr_lang") == hr).iter_rows(named=True)}
        cells = []
        for lang in langs:
            value = row.get(lang)
            if value is None:
                cells.append("–")
            else:
                cells.append(f"[{'green' if value > 0 else 'red'}]{100 * value:+.1f}[/]")
        table.add_row(hr, *cells)
    return table
