"""`xlt sweep submit` and `xlt sweep resume`: send the plan (or what did not finish) to the scheduler."""

from __future__ import annotations

from typing import Annotated

import typer

from xlt.commands._common import DryRunOpt, console, workspace
from xlt.commands.sweep import NameArg, app

ExecOpt = Annotated[str, typer.Option("--executor", help="slurm (a job array) or local (one after another).")]
PartOpt = Annotated[str | None, typer.Option("--partition", help="SLURM partition (see `sinfo -s`).")]
TimeOpt = Annotated[str, typer.Option("--time", help="Time limit per task (sbatch --time).")]
ParOpt = Annotated[int | None, typer.Option("--array-parallelism", help="Tasks running at once.", min=1)]
CpuOpt = Annotated[int | None, typer.Option("--cpus-per-task", help="CPUs per task.", min=1)]
ArgOpt = Annotated[list[str] | None, typer.Option("--slurm-arg", help="Extra sbatch KEY=VALUE (account=x).")]
RateOpt = Annotated[
    float | None, typer.Option("--tokens-per-s", help="Training rate of a task, for --dry-run.")
]

_RESUME_HELP = """Resubmit only the runs that did not finish (failed, preempted, never submitted), then an
evaluation; a finished run is never trained again. Same options as `submit`.

Example: xlt sweep resume paper --partition gpu
"""


def submit(
    ctx: typer.Context,
    name: NameArg,
    executor: ExecOpt = "slurm",
    partition: PartOpt = None,
    time: TimeOpt = "24:00:00",
    array_parallelism: ParOpt = None,
    cpus_per_task: CpuOpt = None,
    slurm_arg: ArgOpt = None,
    dry_run: DryRunOpt = False,
    tokens_per_s: RateOpt = None,
) -> None:
    """Submit the plan: a job array of `accelerate launch -m xlt pretrain` tasks, then `evaluate` (afterany).

    --dry-run prints the sbatch files and the GPU hours at --tokens-per-s (or the rate runs measured).

    Example: xlt sweep submit paper --partition gpu --time 24:00:00 --array-parallelism 32
    """
    from xlt.sweep import SubmitOptions, estimate, parse_slurm_args, parse_time, resume_sweep, submit_sweep

    extra = parse_slurm_args(slurm_arg or [])
    opts = SubmitOptions(
        executor, partition, parse_time(time), array_parallelism, cpus_per_task, extra, dry_run
    )
    if ctx.info_name == "resume":
        before, done = resume_sweep(workspace(ctx), name, opts, log=console.print)
        if done is None:
            console.print(f"nothing to resume: {before.summary()}")
            return
        console.print(
            f"resubmitting {len(done.run_ids)} runs: {', '.join(done.run_ids) or 'evaluation only'}"
        )
    else:
        done = submit_sweep(workspace(ctx), name, opts, log=console.print)
    for what, script in done.scripts.items():
        console.print(
            f"# sbatch file of the {what} job\n{script}", highlight=False, markup=False, soft_wrap=True
        )
    if dry_run:
        console.print(estimate(workspace(ctx), done.plan, tokens_per_s, done.run_ids).line(), highlight=False)
        return
    jobs = ", ".join(f"{job['run_id']} {job['job_id']} {job['state']}" for job in done.jobs[-3:])
    console.print(f"{len(done.jobs)} jobs (last: {jobs}); see `xlt sweep status {name}`", highlight=False)


app.command("submit")(submit)
app.command("resume", help=_RESUME_HELP)(submit)
