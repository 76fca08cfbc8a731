"""Heatmap colours of the matrix tables: green where a cell is better than zero-shot, red where worse."""

from __future__ import annotations

import math
from collections.abc import Sequence

from rich.color import Color, blend_rgb
from rich.color_triplet import ColorTriplet
from rich.style import Style
from rich.text import Text

GOOD = ColorTriplet(0, 120, 60)
NEUTRAL = ColorTriplet(48, 48, 48)
BAD = ColorTriplet(150, 30, 30)
MISSING = "·"


def shade(t: float) -> Style:
    """Background for a score in [-1, 1]: -1 best (green), 0 neutral, 1 worst (red)."""
    t = max(-1.0, min(1.0, t))
    target = GOOD if t < 0 else BAD
    return Style(color="white", bgcolor=Color.from_triplet(blend_rgb(NEUTRAL, target, abs(t))))


def gain_scale(values: Sequence[float | None]) -> float:
    """The |gain| that gets full colour: the 95th percentile of |values|, so one outlier does not leave
    every other cell grey."""
    magnitudes = sorted(abs(v) for v in values if v is not None and math.isfinite(v))
    if not magnitudes:
        return 1.0
    return magnitudes[min(len(magnitudes) - 1, int(0.95 * len(magnitudes)))] or magnitudes[-1] or 1.0


def gain_cell(value: float | None, text: str, scale: float, mark: str = " ", bold: bool = False) -> Text:
    """A gain cell: green for positive (better than zero-shot), red for negative; `mark` is one character
    (a space when unmarked) so that the digits of every row line up."""
    if value is None or not math.isfinite(value):
        return Text(MISSING + " ", style="dim", justify="right")
    style = shade(-value / scale)
    if bold:
        style += Style(bold=True, underline=True)
    return Text(text + mark, style=style, justify="right")
