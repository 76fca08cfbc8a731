"""One table of features per (HR, LR) pair: subtoken overlap, URIEL distances, corpus sizes.

These are the candidate explanations of transfer (correlations) and the inputs of the donor ranker
(LangRank's "dataset-dependent" and "dataset-independent" features, Lin et al. 2019).
"""

from __future__ import annotations

import polars as pl

PAIR = ["hr_lang", "lr_lang"]
OVERLAP_FEATURES = ("overlap_tokens", "overlap_types")


def pair_features(
    pairs: pl.DataFrame,
    overlap: pl.DataFrame | None = None,
    typology: pl.DataFrame | None = None,
    languages: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """`pairs` (hr_lang, lr_lang) with every feature that is available joined on; absent ones are null.

    From `languages` (corpus/languages.parquet): ``log_hr_tokens`` (natural log of the HR corpus's
    whitespace tokens: corpus size enters transfer multiplicatively) and ``log_size_ratio`` (HR over LR,
    LangRank's "transfer over task size ratio").
    """
    frame = pairs.select(PAIR).unique().sort(PAIR)
    if overlap is not None and not overlap.is_empty():
        present = [c for c in OVERLAP_FEATURES if c in overlap.columns]  # an imported one: tokens only
        frame = frame.join(overlap.select(PAIR + present), on=PAIR, how="left")
    if typology is not None and not typology.is_empty():
        frame = frame.join(typology, on=PAIR, how="left")
    if languages is not None and {"iso3", "tokens"} <= set(languages.columns):
        sizes = languages.select(pl.col("iso3"), pl.col("tokens").cast(pl.Float64))
        frame = (
            frame.join(sizes.rename({"iso3": "hr_lang", "tokens": "_hr"}), on="hr_lang", how="left")
            .join(sizes.rename({"iso3": "lr_lang", "tokens": "_lr"}), on="lr_lang", how="left")
            .with_columns(
                log_hr_tokens=pl.when(pl.col("_hr") > 0).then(pl.col("_hr").log()),
                log_size_ratio=pl.when((pl.col("_hr") > 0) & (pl.col("_lr") > 0)).then(
                    (pl.col("_hr") / pl.col("_lr")).log()
                ),
            )
            .drop("_hr", "_lr")
        )
    return frame


def feature_columns(features: pl.DataFrame) -> list[str]:
    """The numeric feature columns of a pair-feature table (keys excluded)."""
    return [c for c, t in features.schema.items() if c not in PAIR and t.is_numeric()]
