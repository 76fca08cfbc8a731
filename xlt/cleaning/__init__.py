"""The CLEAN corpus: normalise, filter, deduplicate, cap, split and tier every language of raw/.

The paper trained on a cleaned corpus whose code was never published; this package rebuilds it from the
paper's description (lines of more than one word and character, at most 500k lines a language, a 90/10
split, HR from 350k tokens, LR from 10k). Entry points:

* :func:`clean_workspace` – raw/ -> corpus/<iso3>/{train,valid}.txt + corpus/languages.parquet

Later stages read the table through :mod:`xlt.contracts.languages`.
"""

from __future__ import annotations

from xlt.cleaning.corpus import clean_workspace
from xlt.cleaning.options import DROP_COLUMNS, STEPS, CleanOptions, CleanReport, LanguageReport
from xlt.cleaning.tiers import tier_of

__all__ = [
    "DROP_COLUMNS",
    "STEPS",
    "CleanOptions",
    "CleanReport",
    "LanguageReport",
    "clean_workspace",
    "tier_of",
]
