"""`xlt sweep plan | submit | status | resume`: many pretraining runs as one resumable SLURM job array."""

from __future__ import annotations

import shlex
from typing import Annotated, Any

import typer
from rich.table import Table

from xlt.commands._common import DryRunOpt, SeedOpt, console, workspace
from xlt.errors import UsageError

app = typer.Typer(
    name="sweep",
    help="HR languages × seeds as one SLURM job array (submitit), an evaluation job after it, resumable.\n\n"
    "Example: xlt sweep plan paper --hr all --runs 5 --model google/mt5-base --steps 20000",
    no_args_is_help=True,
)
NameArg = Annotated[str, typer.Argument(help="Sweep name (sweeps/NAME/).")]
ExecOpt = Annotated[str, typer.Option("--executor", help="slurm (a job array) or local (one after another).")]
PartOpt = Annotated[str | None, typer.Option("--partition", help="SLURM partition (see `sinfo -s`).")]
TimeOpt = Annotated[str, typer.Option("--time", help="Time limit per task (sbatch --time).")]
ParOpt = Annotated[int | None, typer.Option("--array-parallelism", help="Tasks running at once.", min=1)]
CpuOpt = Annotated[int | None, typer.Option("--cpus-per-task", help="CPUs per task.", min=1)]
ArgOpt = Annotated[list[str] | None, typer.Option("--slurm-arg", help="Extra sbatch KEY=VALUE (account=x).")]
RateOpt = Annotated[
    float | None, typer.Option("--tokens-per-s", help="Training rate of a task, for --dry-run.")
]


def _parsed(command: Any, name: str, args: list[str]) -> dict[str, Any]:
    """Options given on the command line, parsed and checked by `xlt <name>`'s own parser."""
    single = typer.Typer()
    single.command()(command)
    try:
        ctx = typer.main.get_command(single).make_context(f"xlt {name}", list(args))
    except typer.exceptions.TyperException as exc:  # typer 0.29 vendors click: its own exception classes
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        raise UsageError(f"{name} option: {message}", f"see `xlt {name} --help`") from exc
    source = ctx.get_parameter_source
    given = {k: v for k, v in ctx.params.items() if getattr(source(k), "name", "") == "COMMANDLINE"}
    return given


@app.command("plan", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def plan(
    ctx: typer.Context,
    name: NameArg,
    hr: Annotated[str, typer.Option("--hr", help="all (the corpus's HR tier) or comma-separated.")] = "all",
    runs: Annotated[int, typer.Option("--runs", help="Seeds per language (paper: 5).")] = 5,
    seed: SeedOpt = 0,
    model: Annotated[str, typer.Option("--model", help="As for `xlt pretrain` (google/mt5-base).")] = "auto",
    gpus: Annotated[int, typer.Option("--gpus-per-task", help="GPUs (processes) per run; 0: CPU.")] = 1,
    eval_args: Annotated[
        str, typer.Option("--eval-args", help="Options of the evaluation job.")
    ] = "--all-lr",
) -> None:
    """Write sweeps/NAME/plan.parquet (a row per run: language, seed, run id, command) and sweep.json.

    Other options go to every `xlt pretrain` (--steps, --lr, --batch-size, ...).

    Example: xlt sweep plan paper --hr all --runs 5 --model google/mt5-base --steps 20000
    """
    from xlt.commands.evaluate import evaluate
    from xlt.commands.pretrain import pretrain
    from xlt.sweep import PlanRequest, make_plan

    options = _parsed(pretrain, "pretrain", ctx.args)
    evaluation = shlex.split(eval_args)
    if "run" in _parsed(evaluate, "evaluate", evaluation):
        raise UsageError("--eval-args cannot choose --run", "the evaluation scores the plan's own runs")
    request = PlanRequest(name, hr, runs, seed, model, options, evaluation, gpus)
    made = make_plan(workspace(ctx), request)
    console.print(f"{made.rows.height} runs ({len(made.info['hr'])} HR × {runs} seeds): {made.directory}")
    console.print(f"first task: {made.rows['command'][0]}", highlight=False, soft_wrap=True)


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


@app.command("status")
def status(ctx: typer.Context, name: NameArg) -> None:
    """Each planned run: state (pending/running/finished/failed/preempted), job, step of total, loss.

    Example: xlt sweep status paper
    """
    from xlt.sweep import sweep_status

    found = sweep_status(workspace(ctx), name)
    table = Table()
    for column in ("run", "state", "job", "scheduler", "step", "loss", "tries"):
        table.add_column(column, justify="right" if column in ("step", "loss", "tries") else "left")
    for run in [*found.runs, *([found.evaluation] if found.evaluation else [])]:
        step = f"{run.step}/{run.total_steps or '?'}" if run.hr_lang else ""
        loss = "" if run.loss is None else f"{run.loss:.3f}"
        table.add_row(
            run.run_id, run.state, run.job_id or "", run.scheduler or "?", step, loss, str(run.attempts)
        )
    console.print(table)
    console.print(found.summary(), highlight=False)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="sweep")
