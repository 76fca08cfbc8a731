"""Donor ranking on LangRank's own tables: xlt's ranker beside plain LambdaRank, the global donor prior,
each single feature and random, under LangRank's protocol (Lin et al. 2019: relevance 10..1 for the ten
best transfer languages, NDCG@3 with linear gains, leave-one-task-language-out).

The tables (LangRank's MT: 54 task languages, BLEU; POS: 26, accuracy) are not shipped with xlt; they
are read from ../shared/data/langrank relative to the repository root, or from --data DIR.

    python benchmarks/bench_ranking.py [--data DIR] [--task mt|pos]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

# LangRank's published NDCG@3 (Lin et al. 2019, Table 3, "LangRank (all)")
PUBLISHED = {"mt": 51.1, "pos": 28.9}
DEFAULT_DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "langrank"


def run(path: Path, task: str) -> None:
    """Rank one table and print every method's mean NDCG@3 (x100) with the time taken."""
    from xlt.analysis.ranking import rank_table, read_table

    start = time.perf_counter()
    result = rank_table(read_table(path))
    seconds = time.perf_counter() - start
    rows = result.evaluation.height
    print(
        f"\n{task.upper()} ({path.name}: {rows} task languages x {len(result.queries.candidates)} candidates)"
    )
    print(f"  {'method':<52} NDCG@3")
    print(f"  {'LangRank, published (Lin et al. 2019)':<52} {PUBLISHED[task]:6.1f}")
    for row in result.summary.iter_rows(named=True):
        print(f"  {row['method']:<52} {100 * row['ndcg']:6.1f}")
    ranker = result.summary.filter(result.summary["column"] == "ndcg_ranker")["ndcg"].item()
    others = result.summary.filter(result.summary["column"] != "ndcg_ranker")
    best = others.sort("ndcg", descending=True).row(0, named=True)
    weights = result.evaluation["prior_weight"]
    print(
        f"  xlt ranker / best baseline ({best['method']}): {ranker / best['ndcg']:.3f}; "
        f"/ published LangRank: {100 * ranker / PUBLISHED[task]:.3f}"
    )
    print(f"  prior weight chosen per held-out target: median {weights.median():.1f}, "
          f"range {weights.min():.1f}-{weights.max():.1f}")  # fmt: skip
    print(f"  time: {seconds:.1f} s (every fit on one thread)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder with mt.csv and pos.csv")
    parser.add_argument("--task", choices=sorted(PUBLISHED), action="append", help="default: both")
    args = parser.parse_args()
    found = 0
    for task in args.task or sorted(PUBLISHED):
        path = args.data / f"{task}.csv"
        if not path.is_file():
            print(f"{task}: no LangRank table at {path.resolve()} (pass --data DIR); skipped")
            continue
        found += 1
        run(path, task)
    return 0 if found else 1


if __name__ == "__main__":
    sys.exit(main())
