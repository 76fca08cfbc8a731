"""Benchmark the experiment's stage order: one group started by need against the phases it replaced.

The stages after the base model are the demo's (`ExperimentPlan().tail`), each replaced by a process that
keeps one CPU busy for the seconds that stage took in a full demo run (2026-12-02, 2 cores, one thread
each), divided by `--scale`. Pass 1 runs them as the phases of before: the donors side by side, then
evaluation beside the MT systems, then analysis alone. Pass 2 runs them as `xlt experiment` now does:
one group, each stage once the stages it needs have finished (`xlt.stage_runner.run_together`). Prints
both wall times, their ratio, and the lower bound (CPU seconds / CPUs).

    .venv/bin/python benchmarks/bench_stage_order.py --scale 10

Measured on 2 idle cores (2026-12-02, --scale 10): phases 41.2 s, by need 39.4 s (1.04x), bound 38.9 s.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

# Seconds each stage took in the demo run of 2026-12-02 (README), by its title's start.
SECONDS = {
    "continue pretraining on eng": 86.8, "continue pretraining on nci": 91.3,
    "continue pretraining on spa": 84.8, "continue pretraining on tur": 84.3,
    "perplexity": 78.6, "analyze": 13.5, "MT spa -> azz: fine-tune the base": 101.2,
    "MT spa -> azz: fine-tune nci": 119.2, "MT spa -> azz: fine-tune spa": 117.7,
}  # fmt: skip


def busy(seconds: float) -> list[str]:
    """A process that keeps one CPU busy for `seconds`."""
    loop = f"import time\nend = time.perf_counter() + {seconds}\nwhile time.perf_counter() < end: pass"
    return [sys.executable, "-c", loop]


def main() -> None:
    """Print the wall time of both orders and their ratio."""
    from xlt import stage_runner
    from xlt.experiment import ExperimentPlan, Stage
    from xlt.sources.sample import RELATED_DONOR
    from xlt.workspace import Workspace

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=10.0, help="divide the stage seconds by this")
    args = parser.parse_args()
    tail = ExperimentPlan().tail(["eng", RELATED_DONOR, "spa", "tur"])[:-1]  # the comparison runs alone

    def seconds_of(stage: Stage) -> float:
        return next(s for title, s in SECONDS.items() if stage.title.startswith(title)) / args.scale

    stage_runner._command = lambda workspace, stage: busy(seconds_of(stage))  # type: ignore[assignment]
    cpus = stage_runner.usable_cpus()
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(Path(tmp))
        donors = [s for s in tail if s.key.startswith("pretrain:")]
        analyze = [s for s in tail if s.key == "analyze"]
        rest = [s for s in tail if s not in donors and s not in analyze]
        start = time.perf_counter()
        for phase in (donors, rest, analyze):
            stage_runner.run_together(ws, phase, 1, 4, poll_s=0.05)
        phased = time.perf_counter() - start
        start = time.perf_counter()
        stage_runner.run_together(ws, tail, 1, 4, poll_s=0.05)
        by_need = time.perf_counter() - start
    bound = sum(seconds_of(s) for s in tail) / min(cpus, 4)
    print(f"{len(tail)} stages on {cpus} CPUs: phases {phased:.1f} s, by need {by_need:.1f} s "
          f"({phased / by_need:.2f}x), bound {bound:.1f} s")  # fmt: skip


if __name__ == "__main__":
    main()
