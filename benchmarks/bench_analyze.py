"""`xlt analyze` at paper scale: import and analyse a planted 200 × 50 WALS-named matrix
(:mod:`xlt.analysis.synthetic`), timing each step against baselines measured in the same run.

Targets (issue 14): import < 2 s, the whole analysis < 30 s on 2 cores. Each line gives the wall time
and this process's CPU time: on cores shared with other work the wall time grows, the CPU time does
not, and every step but the ranker's LightGBM (one thread) runs on one core. Baselines: reading the same CSV
with polars (import), and the transfer table alone (what every analysis must at least do). With
``--loo`` the ranker also runs LangRank's leave-one-target-out protocol (``RankerSettings.grouped``
False), the cost that grouped hold-outs avoid at this size.

    python benchmarks/bench_analyze.py [--hr 200] [--lr 50] [--loo]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

TARGETS = {"import": 2.0, "analyze (all steps)": 30.0}


CPU: dict[str, float] = {}  # CPU seconds of this process per label: what the wall time is on idle cores


def _timed(label: str, times: dict[str, float], fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    start, cpu = time.perf_counter(), time.process_time()
    out = fn(*args, **kwargs)
    times[label] = time.perf_counter() - start
    CPU[label] = time.process_time() - cpu
    return out


def run(n_hr: int, n_lr: int, loo: bool) -> dict[str, float]:
    import polars as pl

    from xlt.analysis import AnalysisOptions, analyze_workspace, synthetic
    from xlt.analysis.options import IMPORTED_OVERLAP
    from xlt.analysis.published import import_into
    from xlt.contracts import views
    from xlt.workspace import Workspace

    times: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        planted = synthetic.planted(n_hr, n_lr)
        matrix, zero_shot = planted.write(folder)
        overlap = planted.write_overlap(folder / "overlap.csv")
        ws = Workspace.resolve(folder / "ws")
        _timed("baseline: polars reads the CSV", times, pl.read_csv, matrix)
        imported = _timed("import", times, import_into, ws.perplexity_path, matrix, zero_shot, False,
                          overlap, ws.analysis_dir / IMPORTED_OVERLAP)  # fmt: skip
        _timed("baseline: transfer table alone", times, views.transfer_table, imported.table)
        total = 0.0
        for step in ("overlap", "typology", "transfer", "rank", "plots"):
            _timed(step, times, analyze_workspace, ws, AnalysisOptions(steps=(step,)))
            total += times[step]
        times["analyze (all steps)"] = total
        CPU["analyze (all steps)"] = sum(
            CPU[step] for step in ("overlap", "typology", "transfer", "rank", "plots")
        )
        if loo:  # the same ranker under LangRank's leave-one-target-out protocol, for comparison
            from xlt.analysis.ranking import donors as ranked

            grouped_above, ranked.GROUPED_ABOVE = ranked.GROUPED_ABOVE, 10**9
            try:
                _timed("rank, leave-one-target-out", times, analyze_workspace, ws,
                       AnalysisOptions(steps=("rank",), force=True))  # fmt: skip
            finally:
                ranked.GROUPED_ABOVE = grouped_above
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hr", type=int, default=200)
    parser.add_argument("--lr", type=int, default=50)
    parser.add_argument("--loo", action="store_true", help="also time leave-one-target-out ranking")
    args = parser.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"analyze on a planted {args.hr} × {args.lr} matrix ({os.cpu_count()} cores, load {load:.1f})")
    times = run(args.hr, args.lr, args.loo)
    read, table = times["baseline: polars reads the CSV"], times["baseline: transfer table alone"]
    for label, seconds in times.items():
        base = read if label == "import" else table if not label.startswith("baseline") else None
        ratio = f"  ×{seconds / base:7.1f} baseline" if base else ""
        target = ""
        if label in TARGETS:
            limit = TARGETS[label]
            target = (f"  target < {limit:g} s: wall {'ok' if seconds < limit else 'OVER'}, "
                      f"CPU {'ok' if CPU[label] < limit else 'OVER'}")  # fmt: skip
        print(f"  {label:<34} {seconds:7.2f} s (CPU {CPU[label]:6.2f} s){ratio}{target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
