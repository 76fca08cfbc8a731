"""Analysis of transfer results: subtoken overlap, URIEL typology, gains, super donors and recipients,
correlations, a LangRank-style donor ranker, published matrices and plots.

Light at import time (numpy and polars); scipy, lightgbm, matplotlib, urielplus and transformers are
imported inside the functions that need them.
"""

from __future__ import annotations

from xlt.analysis.features import pair_features
from xlt.analysis.overlap import overlap_from_counts, subtoken_overlap
from xlt.analysis.pipeline import AnalysisOptions, AnalysisReport, analyze_workspace, rank_for
from xlt.analysis.published import import_overlap, import_published
from xlt.analysis.ranking import evaluate_ranker, ndcg_at_k, rank_donors
from xlt.analysis.transfer import correlations, donors, recipients
from xlt.analysis.typology import typology_distances
from xlt.contracts.views import transfer_runs, transfer_table, zero_shot

__all__ = [
    "AnalysisOptions",
    "AnalysisReport",
    "analyze_workspace",
    "correlations",
    "donors",
    "evaluate_ranker",
    "import_overlap",
    "import_published",
    "ndcg_at_k",
    "overlap_from_counts",
    "pair_features",
    "rank_donors",
    "rank_for",
    "recipients",
    "subtoken_overlap",
    "transfer_runs",
    "transfer_table",
    "typology_distances",
    "zero_shot",
]
