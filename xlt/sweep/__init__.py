"""Plans and submission of many runs: the paper-scale study as a resumable job array (`xlt sweep`).

Modules: ``plan`` (``sweeps/<name>/plan.parquet`` + ``sweep.json``, checked against existing runs),
``tasks`` (the submitit callable of one task: ``accelerate launch -m xlt ...``, checkpoint and requeue on
the preemption signal), ``scheduler`` (sbatch parameters, submit-host checks, ``sacct``/``squeue``
states under a timeout), ``submit`` (a job array plus an ``afterany`` evaluation job, or submitit's
local executor; ``jobs.parquet``), ``status`` (scheduler states joined with ``events.jsonl``; resume),
``estimate`` (GPU hours from a tokens/s figure). Importing this package imports neither torch nor
submitit.
"""

from xlt.sweep.estimate import Estimate, estimate
from xlt.sweep.plan import Plan, PlanRequest, make_plan, read_plan
from xlt.sweep.scheduler import parse_slurm_args, parse_time
from xlt.sweep.status import RunState, SweepStatus, resume_sweep, sweep_status
from xlt.sweep.submit import Submission, SubmitOptions, read_jobs, submit_sweep

__all__ = [
    "Estimate",
    "Plan",
    "PlanRequest",
    "RunState",
    "Submission",
    "SubmitOptions",
    "SweepStatus",
    "estimate",
    "make_plan",
    "parse_slurm_args",
    "parse_time",
    "read_jobs",
    "read_plan",
    "resume_sweep",
    "submit_sweep",
    "sweep_status",
]
