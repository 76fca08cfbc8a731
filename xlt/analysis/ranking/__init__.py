"""Rank transfer languages (donors) for a target, LangRank-style, and evaluate it under LangRank's protocol.

Lin et al. 2019 ("Choosing Transfer Languages for Cross-Lingual Learning", ACL) rank candidate transfer
languages with a LambdaRank model on URIEL distances, overlap and data sizes, and report
leave-one-task-language-out NDCG@3. xlt's ranker adds the global donor prior and reports every baseline
beside it; `benchmarks/bench_ranking.py` runs it on LangRank's own MT and POS tables.

metrics: labels and NDCG; table: checking a long table; model: the ranker; evaluate: leave-one-target-out
and `rank_table`; donors: the same on the workspace's transfer and feature tables.
"""

from __future__ import annotations

from xlt.analysis.ranking.donors import evaluate_ranker, rank_donors, ranking_result
from xlt.analysis.ranking.evaluate import RankResult, rank_table, rank_table_file
from xlt.analysis.ranking.metrics import ndcg_at_k, random_ndcg, relevance_labels
from xlt.analysis.ranking.model import RankerSettings
from xlt.analysis.ranking.table import read_table

__all__ = [
    "RankResult",
    "RankerSettings",
    "evaluate_ranker",
    "ndcg_at_k",
    "random_ndcg",
    "rank_donors",
    "rank_table",
    "rank_table_file",
    "ranking_result",
    "read_table",
    "relevance_labels",
]
