"""Sanity checks of an imported matrix: warnings that name the file, row and column, never failures.

* Most cells far above (or below) zero-shot: a published perplexity is rarely ten times the untrained
  model's; a median ratio beyond 10 usually means the matrix and the zero-shot values are in different
  units (loss vs perplexity: a log/exp mix-up, or bits vs nats).
* Repeated rows: two HR languages with identical values are a copy-paste slip far more often than a
  finding.
* Cells written NaN: kept as missing, listed so that they can be checked in the source.
"""

from __future__ import annotations

import math

import numpy as np

from xlt.analysis.wide import Wide, listed

FAR = 10.0  # a median perplexity ratio beyond ×10 (or ÷10) against zero-shot is suspicious


def far_from_zero_shot(wide: Wide, zero_shot: dict[str, float]) -> str | None:
    """A warning when the median cell is more than FAR times above (or below) its column's zero-shot."""
    zs = np.array([zero_shot.get(code, math.nan) for code in wide.lr])
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.log(wide.values / zs[None, :])
    finite = ratio[np.isfinite(ratio)]
    if finite.size == 0:
        return None
    median = float(np.median(finite))
    if abs(median) <= math.log(FAR):
        return None
    share = float(np.mean(finite > math.log(FAR) if median > 0 else finite < -math.log(FAR)))
    side = "above" if median > 0 else "below"
    return (
        f"{wide.path}: {share:.0%} of the cells are more than {FAR:g}× {side} their zero-shot perplexity "
        f"(median ratio {math.exp(median):.3g}); are the matrix and the zero-shot values in the same units "
        "(perplexity, not loss; nats, not bits)?"
    )


def repeated_rows(wide: Wide) -> str | None:
    """A warning naming HR rows whose values (empty cells included) repeat an earlier row."""
    first: dict[bytes, int] = {}
    repeats = []
    for i, row in enumerate(wide.values):
        if not np.isfinite(row).any():
            continue
        key = np.round(np.where(np.isfinite(row), row, -1.0), 9).tobytes()
        if key in first:
            j = first[key]
            repeats.append(
                f"row {wide.lines[i]} ({wide.hr_names[i]}) = row {wide.lines[j]} ({wide.hr_names[j]})"
            )
        else:
            first[key] = i
    if not repeats:
        return None
    return f"{wide.path}: {len(repeats)} row(s) repeat another row's values: {listed(repeats)}"


def nan_cells(wide: Wide) -> str | None:
    if not wide.nan_cells:
        return None
    return f"{wide.path}: {len(wide.nan_cells)} cell(s) are NaN, kept as missing: {listed(wide.nan_cells)}"


def matrix_warnings(wide: Wide, zero_shot: dict[str, float]) -> list[str]:
    """Every check's warning for a perplexity matrix."""
    found = (far_from_zero_shot(wide, zero_shot), repeated_rows(wide), nan_cells(wide))
    return [w for w in found if w]
