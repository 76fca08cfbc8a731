"""Benchmark `xlt experiment`'s side-by-side stages against running them one after the other.

On a workspace with a base model (the experiment's first three stages), pretrains the same donors twice
from scratch: once one stage after the other with torch's default threads (what `--jobs 1` does), once
side by side through `xlt.stage_runner.run_together` (what the default `--jobs` does: at most one process
per CPU, each with its share of the threads). Prints both wall times and their ratio. The runs are
deleted before each pass, so both passes do the same work.

    .venv/bin/python benchmarks/bench_side_by_side.py --workspace /tmp/ws --hr nci,spa --steps 80

Measured on 2 idle cores (2026-12-02, `--hr nci,spa --steps 80 --runs 2`): 189 s one after the other,
152 s side by side (1.24x).
"""

from __future__ import annotations

import argparse
import shutil
import time


def main() -> None:
    """Print the two wall times and their ratio."""
    from xlt.experiment import Stage
    from xlt.stage_runner import run_stage, run_together, usable_cpus
    from xlt.workspace import Workspace

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--workspace", required=True, help="a workspace with models/base (xlt pretrain --base)"
    )
    parser.add_argument("--hr", default="nci,spa", help="comma-separated donors")
    parser.add_argument("--steps", type=int, default=80)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    ws = Workspace.resolve(args.workspace)
    donors = args.hr.split(",")
    stages = [
        Stage(f"pretrain {hr}", ["pretrain", "--hr", hr, "--model", "base", "--runs", str(args.runs),
                                 "--steps", str(args.steps), "--checkpoint-every", "0.5"])
        for hr in donors
    ]  # fmt: skip

    def clear() -> None:
        for hr in donors:
            for k in range(args.runs):
                shutil.rmtree(ws.run_dir(f"{hr}-base-s{k}"), ignore_errors=True)

    clear()
    start = time.perf_counter()
    for index, stage in enumerate(stages, start=1):
        run_stage(ws, stage, index)
    sequential = time.perf_counter() - start
    clear()
    start = time.perf_counter()
    run_together(ws, stages, 1, jobs=len(stages))
    together = time.perf_counter() - start
    print(f"{len(donors)} donors x {args.runs} seeds x {args.steps} steps on {usable_cpus()} CPUs")
    print(f"one after the other (default threads): {sequential:7.1f} s")
    print(f"side by side (xlt.stage_runner):       {together:7.1f} s")
    print(f"ratio: {sequential / together:.2f}x")


if __name__ == "__main__":
    main()
