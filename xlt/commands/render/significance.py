"""The significance of the matrix's gains: interval texts, verdicts, the best-checkpoint table, counts.

Intervals are the 95 % paired-bootstrap bounds of log_gain from xlt.contracts.views; they are shown as the
relative gain 1 − p/z = 1 − exp(−log_gain), the unit of the matrix's other gain columns.
"""

from __future__ import annotations

import math
from typing import Any

import polars as pl
from rich.table import Table

from xlt.contracts.views import best_checkpoints, gain_over_zero_shot
from xlt.display import format_cell

ROW_COLUMNS = ("run_id", "hr_lang", "checkpoint", "step", "model")


def _rel(log_gain: float) -> float:
    """The relative gain 1 − p/z of a log_gain ln z − ln p."""
    return 1.0 - math.exp(-log_gain)


def interval_text(lo: float | None, hi: float | None) -> str:
    """``[-3%, +8%]``: the relative-gain interval, or "" without one."""
    if lo is None or hi is None:
        return ""
    return f"[{_rel(lo):+.0%}, {_rel(hi):+.0%}]"


def verdict(lo: float | None, hi: float | None) -> str | None:
    """ "better" / "worse" when the interval excludes zero, "same" when not, None without an interval."""
    if lo is None or hi is None:
        return None
    return "better" if lo > 0 else "worse" if hi < 0 else "same"


def best_table(results: pl.DataFrame) -> Table:
    """The best checkpoint per LR language, its relative gain over zero-shot and the gain's interval
    (optimistic: the checkpoint was chosen on the same examples)."""
    table = Table(
        "LR", "best checkpoint", "HR", "perplexity", "zero-shot", "gain", "95 % interval",
        title="Best checkpoint (chosen on the scored examples, so its interval is optimistic)",
    )  # fmt: skip
    for row in best_checkpoints(results).iter_rows(named=True):
        gain, kind = row["rel_gain"], verdict(row["log_gain_lo"], row["log_gain_hi"])
        colour = {"better": "green", "worse": "red"}.get(kind or "", "default")
        gain_text = "–" if gain is None else f"[{colour}]{gain:+.1%}{'*' if kind == 'better' else ''}[/]"
        table.add_row(
            row["lr_lang"],
            f"{row['run_id']}/{row['checkpoint']}",
            row["hr_lang"] or "–",
            format_cell(row["perplexity"], row["perplexity_std"]),
            format_cell(row["zero_shot_perplexity"], None),
            gain_text,
            interval_text(row["log_gain_lo"], row["log_gain_hi"]) or "–",
        )
    return table


def significance_line(results: pl.DataFrame) -> str:
    """How many cells are significantly better / worse than zero-shot, of those with an interval."""
    gains = gain_over_zero_shot(results)
    kinds = [verdict(lo, hi) for lo, hi in gains.select("log_gain_lo", "log_gain_hi").iter_rows()]
    rated = [k for k in kinds if k is not None]
    if not rated:
        return (
            "no cell has per-example losses, so no interval (older or imported results: move "
            "results/perplexity.parquet away and re-run `xlt evaluate` to score them again)"
        )
    missing = len(kinds) - len(rated)
    return (
        f"{rated.count('better')} of {len(rated)} checkpoint cells significantly better than zero-shot, "
        f"{rated.count('worse')} significantly worse, {rated.count('same')} not distinguishable "
        f"(95 % paired bootstrap over the examples)" + (f"; {missing} without interval" if missing else "")
    )


def cell_text(value: float | None, std: float | None, gain: dict[str, Any] | None) -> str:
    text = format_cell(value, None)
    lo, hi = (gain or {}).get("log_gain_lo"), (gain or {}).get("log_gain_hi")
    kind = verdict(lo, hi)
    if kind == "better":
        text = f"[green]{text}*[/]"
    elif kind == "worse":
        text = f"[red]{text}[/]"
    if std is not None:  # the spread over mask seeds on its own line: narrow columns
        text += f"\n[dim]±{format_cell(std, None)}[/]"
    if kind is not None:
        text += f"\n[dim]{interval_text(lo, hi)}[/]"
    return text
