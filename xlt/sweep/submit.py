"""Submit a sweep's plan through submitit: one job array for the runs, one evaluation job after them.

``--executor slurm`` submits the pretraining runs as one SLURM job array (``--array=0-N%K``) and the
evaluation as a job that depends on the array with ``afterany`` (it starts when every task ended, however
it ended, and scores the checkpoints that exist: `evaluate` skips cells it already has). ``--executor
local`` runs the same tasks through submitit's LocalExecutor on this machine, one after another.
Job ids and states go to ``sweeps/<name>/jobs.parquet``, one row per submitted task.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from xlt.errors import InputError, UsageError
from xlt.sweep.plan import JOBS_FILE, Plan, check_existing_runs, read_plan
from xlt.sweep.scheduler import check_submit_host, sbatch_script, slurm_parameters
from xlt.sweep.tasks import SIGNAL_DELAY_S, LaunchTask
from xlt.workspace import Workspace, write_parquet

EVALUATE = "evaluate"  # run_id of the evaluation job's rows
JOB_SCHEMA = {
    "kind": "str",  # pretrain | evaluate
    "run_id": "str",
    "attempt": "int",  # 1 for `submit`, +1 for each `resume`
    "executor": "str",
    "job_id": "str",  # "123_4" for array task 4 of job 123, the local controller's pid for local
    "submitted": "str",
    "state": "str",  # the last state seen (the scheduler's, or COMPLETED / FAILED for local tasks)
    "updated": "str",
    "log": "str",
}


@dataclass
class SubmitOptions:
    """How to submit: where, with which resources; `dry_run` only shows it."""

    executor: str = "slurm"  # slurm | local (checked by submit_sweep)
    partition: str | None = None
    time_min: int = 24 * 60
    array_parallelism: int | None = None
    cpus_per_task: int | None = None
    slurm_args: dict[str, str] = field(default_factory=dict)
    dry_run: bool = False


@dataclass
class Submission:
    """What was (or, for a dry run, would be) submitted."""

    plan: Plan
    run_ids: list[str]
    jobs: list[dict[str, Any]] = field(default_factory=list)
    scripts: dict[str, str] = field(default_factory=dict)  # dry run: "pretrain"/"evaluate" -> sbatch file


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def read_jobs(plan: Plan) -> Any:
    """jobs.parquet of a sweep (an empty frame before the first submission)."""
    import polars as pl

    path = plan.directory / JOBS_FILE
    types = {"str": pl.String, "int": pl.Int64}
    schema = {name: types[kind] for name, kind in JOB_SCHEMA.items()}
    return pl.read_parquet(path) if path.is_file() else pl.DataFrame(schema=schema)


def write_jobs(plan: Plan, frame: Any) -> None:
    write_parquet(frame, plan.directory / JOBS_FILE)


def submit_sweep(
    workspace: Workspace,
    name: str,
    options: SubmitOptions,
    only: list[str] | None = None,
    after: list[str] | None = None,
    log: Any = None,
) -> Submission:
    """Submit the plan's runs (or `only` those; [] for the evaluation alone), then the evaluation job
    (after the array and the `after` jobs). Everything is checked before anything is submitted."""
    plan = read_plan(workspace, name)
    jobs = read_jobs(plan)
    if only is None and not jobs.is_empty() and not options.dry_run:
        raise UsageError(
            f"sweep {name!r} was submitted already ({plan.directory / JOBS_FILE})",
            f"`xlt sweep status {name}` shows it; `xlt sweep resume {name}` resubmits what did not finish",
        )
    rows = plan.rows if only is None else plan.rows.filter(plan.rows["run_id"].is_in(only))
    check_existing_runs(workspace, rows, plan.info["expected"])
    submission = Submission(plan, list(rows["run_id"]))
    gpus = int(plan.info["gpus_per_task"])
    if options.executor not in ("slurm", "local"):
        raise UsageError(f"--executor {options.executor!r} is unknown", "use slurm or local")
    if options.executor == "local":
        if not options.dry_run:
            submission.jobs = _run_local(plan, rows, options.time_min, gpus, log)
        return submission
    params = slurm_parameters(
        name,
        options.partition or "<partition>",
        options.time_min,
        gpus,
        options.cpus_per_task,
        options.array_parallelism,
        options.slurm_args,
    )
    if options.dry_run:
        folder = plan.directory / "logs" / "%j"
        submission.scripts["pretrain"] = sbatch_script(folder, params, len(rows))
        waits = ["<array job id>", *(after or [])] if len(rows) else list(after or [])
        submission.scripts["evaluate"] = sbatch_script(folder, _evaluation_parameters(params, waits), None)
        return submission
    check_submit_host(options.partition)
    submission.jobs = _submit_slurm(plan, rows, params, after or [])
    return submission


def _evaluation_parameters(params: dict[str, Any], waits: list[str]) -> dict[str, Any]:
    """The evaluation job: the tasks' resources, its own name, after the array (and `waits`) ended."""
    extra = {"dependency": "afterany:" + ":".join(waits)} if waits else {}
    return {**params, "job_name": f"{params['job_name']}-evaluate", **extra}


def _tasks(plan: Plan, rows: Any) -> list[tuple[str, LaunchTask]]:
    """(run id, task) per row, then (EVALUATE, the evaluation task)."""
    runs = Path(plan.info["workspace"]) / "runs"
    tasks = [
        (row["run_id"], LaunchTask(list(row["argv"]), int(row["gpus"]), str(runs / row["run_id"])))
        for row in rows.iter_rows(named=True)
    ]
    evaluate = LaunchTask(list(plan.info["evaluate_args"]), int(plan.info["gpus_per_task"]), shield=False)
    return [*tasks, (EVALUATE, evaluate)]


def _attempt(plan: Plan) -> int:
    jobs = read_jobs(plan)
    return 1 if jobs.is_empty() else int(jobs["attempt"].max()) + 1


def _record(plan: Plan, new: list[dict[str, Any]]) -> None:
    """Add or update rows (by run id and attempt) in jobs.parquet."""
    import polars as pl

    old = read_jobs(plan)
    frame = pl.DataFrame(new, schema=old.schema)
    key = ["run_id", "attempt"]
    merged = pl.concat([old.join(frame.select(key), on=key, how="anti"), frame])
    write_jobs(plan, merged.sort("attempt", "kind", "run_id", descending=[False, True, False]))


def _row(kind: str, run_id: str, attempt: int, executor: str, job: Any, state: str) -> dict[str, Any]:
    return {
        "kind": kind,
        "run_id": run_id,
        "attempt": attempt,
        "executor": executor,
        "job_id": str(job.job_id),
        "submitted": now(),
        "state": state,
        "updated": now(),
        "log": str(job.paths.stdout).replace("%t", "0"),
    }


def _submit_slurm(plan: Plan, rows: Any, params: dict[str, Any], after: list[str]) -> list[dict[str, Any]]:
    import submitit

    folder = plan.directory / "logs" / "%j"
    attempt, records = _attempt(plan), []
    *tasks, (_, evaluate) = _tasks(plan, rows)
    waits = list(after)
    if tasks:
        array = submitit.SlurmExecutor(folder=folder)
        array.update_parameters(**params)
        try:
            with array.batch():
                jobs = [array.submit(task) for _, task in tasks]
        except Exception as exc:  # sbatch refused: its own words, one line
            raise InputError(
                f"sbatch refused the job array: {_first_line(exc)}", "nothing was submitted"
            ) from exc
        pairs = zip(tasks, jobs, strict=True)
        records = [_row("pretrain", run, attempt, "slurm", job, "PENDING") for (run, _), job in pairs]
        _record(plan, records)
        waits.insert(0, str(jobs[0].job_id).split("_")[0])
    executor = submitit.SlurmExecutor(folder=folder)
    executor.update_parameters(**_evaluation_parameters(params, waits))
    try:
        job = executor.submit(evaluate)
    except Exception as exc:
        raise InputError(
            f"sbatch refused the evaluation job: {_first_line(exc)}",
            f"the runs are submitted; `xlt sweep resume {plan.name}` submits the evaluation again",
        ) from exc
    records.append(_row(EVALUATE, EVALUATE, attempt, "slurm", job, "PENDING"))
    _record(plan, records)
    return records


def _run_local(plan: Plan, rows: Any, time_min: int, gpus: int, log: Any) -> list[dict[str, Any]]:
    """One task after another through submitit's LocalExecutor; states are recorded as they change."""
    import submitit
    from submitit.core.utils import FailedJobError, UncompletedJobError

    executor = submitit.LocalExecutor(folder=plan.directory / "logs" / "%j")
    # LocalExecutor's default time limit is 2 minutes; CUDA_VISIBLE_DEVICES follows gpus_per_node.
    executor.update_parameters(timeout_min=time_min, gpus_per_node=gpus, signal_delay_s=SIGNAL_DELAY_S)
    attempt, records = _attempt(plan), list[dict[str, Any]]()
    for run_id, task in _tasks(plan, rows):
        job = executor.submit(task)
        kind = EVALUATE if run_id == EVALUATE else "pretrain"
        record = _row(kind, run_id, attempt, "local", job, "RUNNING")
        _record(plan, [*records, record])
        if log is not None:
            log(f"{run_id}: local job {job.job_id} started")
        try:
            job.result()
            record["state"] = "COMPLETED"
        except (FailedJobError, UncompletedJobError) as exc:  # failed or stopped; its log has the details
            record["state"] = "FAILED"
            if log is not None:
                log(f"{run_id}: {_first_line(exc)} (log: {record['log']})")
        record["updated"] = now()
        records.append(record)
        _record(plan, records)
    with contextlib.suppress(OSError):  # submitit's local controller makes the pattern folder itself
        (plan.directory / "logs" / "%j").rmdir()
    return records


def _first_line(exc: BaseException) -> str:
    """The line of a submitit error that says what went wrong (sbatch's error, the task's exception)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    useful = [line for line in lines if "error" in line.lower()] or lines or [type(exc).__name__]
    return useful[-1][:300]
