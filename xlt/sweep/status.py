"""Where a sweep stands: each planned run's scheduler state joined with its `events.jsonl`.

A run is **finished** when its events end at its last step (whatever the scheduler says), **running** or
**pending** while its job runs or waits (a task requeued after preemption waits too), **preempted** when
it stopped on a signal with its state saved and no job will run it again, **failed** when its job ended
otherwise without the run finishing, and **planned** before it was ever submitted. `resume` resubmits
planned, failed and preempted runs, never finished ones and never ones the scheduler still holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from xlt.events import read_events, summarize
from xlt.sweep.plan import Plan, read_plan
from xlt.sweep.scheduler import LIVE, QUERY_TIMEOUT_S, RUNNING, WAITING, job_states
from xlt.sweep.submit import EVALUATE, now, read_jobs, write_jobs
from xlt.workspace import Workspace

STATES = ("planned", "pending", "running", "preempted", "failed", "finished")
RESUMABLE = frozenset({"planned", "preempted", "failed"})


@dataclass
class RunState:
    """One planned run (or the evaluation job): its state, its latest job, its progress."""

    run_id: str
    hr_lang: str | None
    seed: int | None
    state: str
    job_id: str | None = None
    scheduler: str | None = None  # the scheduler's word for the latest job; None: not known
    attempts: int = 0
    step: int = 0
    total_steps: int | None = None
    loss: float | None = None
    message: str | None = None


@dataclass
class SweepStatus:
    """Every planned run, the evaluation job, and whether the scheduler answered."""

    plan: Plan
    runs: list[RunState]
    evaluation: RunState | None
    counts: dict[str, int] = field(default_factory=dict)
    live: dict[str, str] | None = None  # the scheduler's answer (None: not asked, or no answer)

    @property
    def unfinished(self) -> list[str]:
        return [run.run_id for run in self.runs if run.state in RESUMABLE]

    def summary(self) -> str:
        """ "4 runs: 3 finished, 1 preempted; evaluation pending (job 12)"."""
        counts = ", ".join(f"{n} {state}" for state, n in self.counts.items())
        text = f"{len(self.runs)} runs: {counts}"
        if self.evaluation is not None:
            text += f"; evaluation {self.evaluation.state} (job {self.evaluation.job_id})"
        return text


def run_state(events_status: str, scheduler: str | None, submitted: bool) -> str:
    """The state of a run from its events (summarize), its latest job's state (None: the scheduler did
    not answer) and whether it was ever submitted."""
    if events_status == "finished":
        return "finished"
    if scheduler in RUNNING:
        return "running"
    if scheduler in WAITING:
        return "pending"
    if events_status == "preempted":
        return "preempted"
    if not submitted:
        return "planned"
    if scheduler is None:  # no answer: trust the events, never call a silent job failed
        return {"empty": "pending", "running": "running"}.get(events_status, "failed")
    return "failed"  # the job ended (or the scheduler forgot it) and the run did not finish


def sweep_status(
    workspace: Workspace,
    name: str,
    query: bool = True,
    save: bool = True,
    timeout_s: float = QUERY_TIMEOUT_S,
    live: dict[str, str] | None = None,
) -> SweepStatus:
    """Join plan, jobs.parquet, the scheduler and events; `save` writes the states to jobs.parquet.

    `query` asks the scheduler (at most `timeout_s` per command); without it, `live` (an earlier answer)
    stands in for it, so a screen can refresh events often and ask the scheduler seldom.
    """
    plan = read_plan(workspace, name)
    jobs = read_jobs(plan)
    latest = {row["run_id"]: row for row in jobs.sort("attempt").iter_rows(named=True)}
    attempts = jobs.group_by("run_id").len() if not jobs.is_empty() else None
    tries = dict(attempts.iter_rows()) if attempts is not None else {}
    live = _live_states(latest, query, timeout_s) if query else _local_states(latest, live)
    runs = []
    for row in plan.rows.iter_rows(named=True):
        job = latest.get(row["run_id"])
        summary = summarize(row["run_id"], read_events(workspace.run_dir(row["run_id"]) / "events.jsonl"))
        word = _word(job, live)
        runs.append(
            RunState(
                row["run_id"],
                row["hr_lang"],
                row["seed"],
                run_state("running" if summary.status == "stale" else summary.status, word, job is not None),
                job["job_id"] if job else None,
                word,
                tries.get(row["run_id"], 0),
                summary.step,
                summary.total_steps or row["steps"],
                summary.loss,
                summary.error,
            )
        )
    evaluation = None
    if EVALUATE in latest:
        job = latest[EVALUATE]
        word = _word(job, live)
        waiting = word in WAITING or word is None
        state = "running" if word in RUNNING else "pending" if waiting else _ended(word)
        evaluation = RunState(EVALUATE, None, None, state, job["job_id"], word, tries.get(EVALUATE, 0))
    if save and live and not jobs.is_empty():
        _save_states(plan, jobs, live)
    counts = {state: sum(run.state == state for run in runs) for state in STATES}
    return SweepStatus(plan, runs, evaluation, {k: v for k, v in counts.items() if v}, live)


def _ended(word: str | None) -> str:
    return "finished" if word in ("COMPLETED", "FINISHED") else "failed"


def _word(job: dict[str, Any] | None, live: dict[str, str] | None) -> str | None:
    """The scheduler's state of a job: live for SLURM (GONE: it forgot the job; None: no answer), the
    recorded one for local tasks (GONE when their process vanished unrecorded)."""
    if job is None:
        return None
    if job["executor"] == "local":
        return (live or {}).get(job["job_id"], job["state"])
    if live is None:
        return None
    return live.get(job["job_id"], "GONE")


def _live_states(latest: dict[str, dict[str, Any]], query: bool, timeout_s: float) -> dict[str, str] | None:
    """Scheduler states of the latest jobs: SLURM's from sacct/squeue (None: no answer, or not asked),
    local ones from their pids."""
    slurm = [job["job_id"] for job in latest.values() if job["executor"] == "slurm"]
    return _local_states(latest, job_states(slurm, timeout_s) if query and slurm else None)


def _local_states(latest: dict[str, dict[str, Any]], states: dict[str, str] | None) -> dict[str, str] | None:
    """`states` plus GONE for local tasks whose process vanished before their submit recorded an end."""
    for job in latest.values():
        if job["executor"] == "local" and job["state"] in LIVE and not _pid_alive(job["job_id"]):
            states = {**(states or {}), job["job_id"]: "GONE"}
    return states


def _pid_alive(job_id: str) -> bool:
    import psutil

    return job_id.isdigit() and psutil.pid_exists(int(job_id))


def _save_states(plan: Plan, jobs: Any, live: dict[str, str]) -> None:
    import polars as pl

    changed = jobs.with_columns(
        pl.col("job_id").replace_strict(live, default=pl.col("state"), return_dtype=pl.String).alias("new")
    )
    moved = pl.col("new") != pl.col("state")
    changed = changed.with_columns(
        pl.when(moved).then(pl.lit(now())).otherwise(pl.col("updated")).alias("updated"),
        pl.col("new").alias("state"),
    ).drop("new")
    if not changed.equals(jobs):
        write_jobs(plan, changed)


def unevaluated(workspace: Workspace, run_ids: list[str]) -> list[str]:
    """Runs with a checkpoint that results/perplexity.parquet does not score yet."""
    from xlt.contracts.perplexity import read_workspace_results
    from xlt.contracts.runs import checkpoint_dirs

    results = read_workspace_results(workspace)
    scored = set(zip(results["run_id"], results["checkpoint"], strict=True))
    return [
        run_id
        for run_id in run_ids
        if any(
            (run_id, path.name) not in scored
            for _, path in checkpoint_dirs(workspace.run_dir(run_id), complete=True)
        )
    ]


def resume_sweep(workspace: Workspace, name: str, options: Any, log: Any = None) -> tuple[SweepStatus, Any]:
    """Resubmit the planned, failed and preempted runs and an evaluation after them; or the evaluation
    alone when finished runs have unscored checkpoints. A new evaluation waits for one still queued, so
    two never write results/ at once. Returns (status before, Submission or None: nothing to do)."""
    from xlt.sweep.submit import submit_sweep

    status = sweep_status(workspace, name)
    todo = status.unfinished
    evaluation = status.evaluation
    live = evaluation is not None and evaluation.state in ("pending", "running")
    if not todo:
        finished = [run.run_id for run in status.runs if run.state == "finished"]
        if live or not unevaluated(workspace, finished):
            return status, None
    after = [evaluation.job_id] if live and evaluation and evaluation.job_id else []
    return status, submit_sweep(workspace, name, options, only=todo, after=after, log=log)
