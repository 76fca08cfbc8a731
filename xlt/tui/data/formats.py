"""How a table column is written, decided once per column from its name and type (issue 16, point 4).

Percentages with one decimal (``rel_gain*`` signed, shares and overlaps not), p- and q-values as ``1.6e-4``
below 0.001, perplexities as :func:`xlt.display.number` writes them in the CLI (no decimals from 100 up),
log gains and correlations with a sign and three decimals. Gains keep the sign convention of
:mod:`xlt.contracts.views`: positive = lower perplexity than zero-shot = better.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import polars as pl

from xlt.display import number

Formatter = Callable[[Any], str]


def format_value(value: Any) -> str:
    """A cell of a column without a rule: 4 significant digits, thousands separators, lists joined."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if value != 0 and (abs(value) >= 1e6 or abs(value) < 1e-3):
            return f"{value:.3e}"
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, list | tuple):
        return ",".join(format_value(v) for v in value)
    return str(value)


def p_value(value: float) -> str:
    """``0.032``; ``1.6e-4`` below 0.001 (two significant digits, no exponent padding)."""
    if value == 0 or value >= 1e-3:
        return f"{value:.3f}"
    mantissa, exponent = f"{value:.1e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def percent(value: float, signed: bool) -> str:
    return f"{100 * value:+.1f}%" if signed else f"{100 * value:.1f}%"


def perplexity(value: float, signed: bool = False) -> str:
    text = number(abs(value)) if signed else number(value)
    return (("+" if value >= 0 else "−") + text) if signed else text


def _finite_only(write: Callable[[float], str]) -> Formatter:
    def formatted(value: Any) -> str:
        if value is None or isinstance(value, bool) or not isinstance(value, int | float):
            return format_value(value)
        if not math.isfinite(value):
            return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
        return write(float(value))

    return formatted


P_SUFFIXES = ("_p", "_q", "p_value", "q_value", "pvalue", "qvalue")
CORRELATIONS = ("spearman", "pearson", "kendall", "rho", "r")
PERCENT_PARTS = ("share", "overlap", "coverage", "forgetting_rel", "fraction")


def _rule(name: str) -> Formatter | None:
    """The formatter a column's name asks for (None: the default)."""
    lower = name.lower()
    rules: list[tuple[bool, Callable[[float], str]]] = [
        (lower in ("p", "q") or lower.endswith(P_SUFFIXES), p_value),
        (lower.startswith("rel_gain"), lambda v: percent(v, signed=True)),
        (any(part in lower for part in PERCENT_PARTS), lambda v: percent(v, signed=False)),
        (lower.startswith("log_gain"), lambda v: f"{v:+.3f}"),
        (lower == "gain" or lower.startswith("gain_"), lambda v: perplexity(v, signed=True)),
        ("ppl" in lower or "perplexity" in lower, perplexity),
        (lower in CORRELATIONS or lower.endswith("_r"), lambda v: f"{v:+.3f}"),
        (lower.endswith("step"), lambda v: f"{v:,.0f}"),
    ]
    return next((_finite_only(write) for matches, write in rules if matches), None)


def column_formatter(name: str, dtype: pl.DataType) -> Formatter:
    """How the values of column `name` are written (numeric columns by name, everything else as is)."""
    rule = _rule(name) if dtype.is_numeric() else None
    return rule or format_value


def column_order(columns: list[str]) -> list[str]:
    """The columns with each ``X_p`` / ``X_q`` moved right after ``X`` (ρ, p and q side by side)."""
    ordered = [c for c in columns if not (c.endswith(("_p", "_q")) and c[:-2] in columns)]
    for base in list(ordered):
        at = ordered.index(base)
        for suffix in ("_q", "_p"):
            if f"{base}{suffix}" in columns:
                ordered.insert(at + 1, f"{base}{suffix}")
    return ordered
