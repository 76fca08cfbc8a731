"""How numbers and languages are written for people, the same in the CLI and the TUI (no rich, no Textual)."""

from __future__ import annotations

import math


def number(value: float) -> str:
    """Compact: 1 decimal below 100, whole numbers below 100,000, else 3 significant digits."""
    if value < 100:
        return f"{value:.1f}"
    return f"{value:,.0f}" if value < 1e5 else f"{value:.3g}"


def format_cell(mean: float | None, std: float | None) -> str:
    """``853`` or ``853±21`` (std over eval seeds when there are several); ``–`` for a missing cell."""
    if mean is None or math.isnan(mean):
        return "–"
    text = number(mean)
    if std is not None and not math.isnan(std):
        text += f"±{number(std)}"
    return text
