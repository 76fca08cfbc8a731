"""HR/LR tiers, and the rows of `corpus/languages.parquet` (the contract: :mod:`xlt.contracts.languages`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from xlt.cleaning.options import DROP_COLUMNS, LanguageReport

if TYPE_CHECKING:
    import polars as pl


def tier_of(tokens: int, hr_min_tokens: int = 350_000, lr_min_tokens: int = 10_000) -> str:
    """`hr` from `hr_min_tokens` whitespace tokens, `lr` from `lr_min_tokens`, else `excluded` (paper)."""
    if tokens >= hr_min_tokens:
        return "hr"
    if tokens >= lr_min_tokens:
        return "lr"
    return "excluded"


def languages_frame(reports: list[LanguageReport]) -> pl.DataFrame:
    """One row per language, sorted by code; `sources` is a comma-separated list of source names."""
    import polars as pl

    rows = [
        {
            "iso3": r.iso3,
            "name": r.name,
            "script": r.script,
            "sources": ",".join(r.sources),
            "lines": r.lines,
            "chars": r.chars,
            "tokens": r.tokens,
            "tier": r.tier,
            "train_lines": r.train_lines,
            "valid_lines": r.valid_lines,
            "mt5_tokens": r.mt5_tokens,
            "lines_in": r.lines_in,
            **{f"dropped_{step}": r.dropped.get(step, 0) for step in DROP_COLUMNS},
        }
        for r in sorted(reports, key=lambda r: r.iso3)
    ]
    schema = {
        "iso3": pl.String,
        "name": pl.String,
        "script": pl.String,
        "sources": pl.String,
        "lines": pl.Int64,
        "chars": pl.Int64,
        "tokens": pl.Int64,
        "tier": pl.String,
        "train_lines": pl.Int64,
        "valid_lines": pl.Int64,
        "mt5_tokens": pl.Int64,
        "lines_in": pl.Int64,
        **{f"dropped_{step}": pl.Int64 for step in DROP_COLUMNS},
    }
    return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)
