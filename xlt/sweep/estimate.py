"""GPU hours of a plan's pretraining: planned steps × tokens per step / a measured tokens/s figure.

The rate is what the user passes (``--tokens-per-s``), else the median of the ``tokens_per_s`` the plan's
own runs reported in their ``step`` events (a task's input tokens per second over all its processes,
training only: evaluation and checkpoints come on top). Steps are the plan's ``--steps``, else the
``total_steps`` of a run that started (they depend on the corpus when only ``--epochs`` is set).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from xlt.contracts.runs import maybe_read_run_config
from xlt.events import read_events
from xlt.sweep.plan import Plan
from xlt.workspace import Workspace


@dataclass
class Estimate:
    """Task hours of the runs whose steps are known, with the rate used and where it came from."""

    tokens_per_s: float | None
    source: str  # "given", "measured on N runs", or why there is no rate
    runs_known: int
    runs_total: int
    task_hours: float | None
    gpu_hours: float | None  # task hours × GPUs per task (None for CPU tasks)

    def line(self) -> str:
        """One sentence for `--dry-run`."""
        hours = "unknown" if self.task_hours is None else f"{self.task_hours:,.1f} task hours"
        gpu = "" if self.gpu_hours is None else f" = {self.gpu_hours:,.1f} GPU hours"
        rate = f"{self.tokens_per_s:,.0f}" if self.tokens_per_s else "?"
        return (
            f"{self.runs_total} runs: {hours}{gpu} for the {self.runs_known} with known steps, at {rate} "
            f"tokens/s ({self.source}); training steps only"
        )


def measured_rate(workspace: Workspace, run_ids: list[str]) -> tuple[float | None, int]:
    """Median tokens/s of the runs' step events (the first step of each start excluded: warm-up)."""
    per_run = []
    for run_id in run_ids:
        rates, skip = [], False
        for event in read_events(workspace.run_dir(run_id) / "events.jsonl"):
            if event["kind"] == "start":
                skip = True
            elif event["kind"] == "step" and event.get("tokens_per_s"):
                if not skip:
                    rates.append(float(event["tokens_per_s"]))
                skip = False
        if rates:
            per_run.append(statistics.median(rates))
    return (statistics.median(per_run) if per_run else None), len(per_run)


def estimate(
    workspace: Workspace, plan: Plan, tokens_per_s: float | None, run_ids: list[str] | None = None
) -> Estimate:
    """Pretraining time of the plan's runs (or `run_ids` of them) at `tokens_per_s` (or the measured rate)."""
    source = "given"
    if tokens_per_s is None:
        tokens_per_s, n = measured_rate(workspace, plan.run_ids)
        source = f"measured on {n} run(s)" if n else "no run has reported a rate yet: pass --tokens-per-s"
    seconds, known = 0.0, 0
    gpus = int(plan.info["gpus_per_task"])
    rows = plan.rows if run_ids is None else plan.rows.filter(plan.rows["run_id"].is_in(run_ids))
    for row in rows.iter_rows(named=True):
        steps = row["steps"] or _started_steps(workspace, row["run_id"])
        if steps and tokens_per_s:
            seconds += steps * row["tokens_per_step"] / tokens_per_s
            known += 1
    hours = seconds / 3600 if known else None
    return Estimate(
        tokens_per_s,
        source,
        known,
        rows.height,
        hours,
        hours * gpus if hours is not None and gpus > 0 else None,
    )


def _started_steps(workspace: Workspace, run_id: str) -> int | None:
    value = maybe_read_run_config(workspace.run_dir(run_id)).get("total_steps")
    return int(value) if value else None
