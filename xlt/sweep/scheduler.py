"""The SLURM side of a sweep: sbatch parameters, checks before submitting, and job states.

Parameters are submitit's `SlurmExecutor` names (they become ``#SBATCH --<name>`` lines); the same dict
is used to submit and to print ``--dry-run``, so what is shown is what is sent. States come from
``sacct`` (history, where accounting is on) and ``squeue --array -t all`` (live, also where it is off),
each under a timeout: a slow or absent scheduler gives "unknown", never a hang.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from subprocess import PIPE
from typing import Any

from xlt.errors import InputError, UsageError
from xlt.sweep.tasks import SIGNAL_DELAY_S

# SLURM job states (squeue(1), "JOB STATE CODES"), grouped by what they mean for a run.
RUNNING = frozenset({"RUNNING", "COMPLETING", "CONFIGURING", "SIGNALING", "STAGE_OUT", "RESIZING"})
WAITING = frozenset({"PENDING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "SUSPENDED", "STOPPED"})
LIVE = RUNNING | WAITING
QUERY_TIMEOUT_S = 10.0


def parse_time(value: str) -> int:
    """Minutes of a SLURM time limit: MM, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS (sbatch(1), --time)."""
    match = re.fullmatch(r"(?:(\d+)-)?(\d+)(?::(\d+))?(?::(\d+))?", value.strip())
    if not match:
        raise UsageError(f"--time {value!r} is not a SLURM time", "e.g. --time 24:00:00, 90 or 1-12:00:00")
    days, first, second, third = (int(part) if part else None for part in match.groups())
    if days is None and second is None:
        minutes = first or 0  # plain minutes
    elif days is not None and second is None:
        minutes = days * 1440 + (first or 0) * 60  # D-HH
    elif third is None and days is not None:
        minutes = days * 1440 + (first or 0) * 60 + (second or 0)  # D-HH:MM
    elif third is None:
        minutes = (first or 0) + ((second or 0) + 59) // 60  # MM:SS, rounded up
    else:
        minutes = (days or 0) * 1440 + (first or 0) * 60 + (second or 0) + ((third or 0) + 59) // 60
    if minutes < 1:
        raise UsageError(f"--time {value!r} is shorter than a minute")
    return minutes


def parse_slurm_args(args: list[str]) -> dict[str, str]:
    """`--slurm-arg account=x --slurm-arg qos=high` as {"account": "x", "qos": "high"} (#SBATCH lines)."""
    pairs = [arg.partition("=") for arg in args]
    if any(not key.strip() or not sep for key, sep, _ in pairs):
        raise UsageError("--slurm-arg wants KEY=VALUE", "e.g. --slurm-arg account=myproject")
    return {key.strip(): value for key, _, value in pairs}


def slurm_parameters(
    name: str,
    partition: str,
    time_min: int,
    gpus: int,
    cpus_per_task: int | None = None,
    array_parallelism: int | None = None,
    extra: dict[str, str] | None = None,
) -> dict[str, Any]:
    """submitit SlurmExecutor parameters of a sweep's tasks: one task per job on one node."""
    params: dict[str, Any] = {
        "job_name": f"xlt-{name}",
        "partition": partition,
        "time": time_min,
        "nodes": 1,
        "ntasks_per_node": 1,  # one launcher; it starts one process per GPU
        "signal_delay_s": SIGNAL_DELAY_S,
        "stderr_to_stdout": True,
    }
    if gpus > 0:
        params["gpus_per_node"] = gpus  # = per task here; sbatch's --gpus-per-task wants --ntasks too
    if cpus_per_task:
        params["cpus_per_task"] = cpus_per_task
    if array_parallelism:
        params["array_parallelism"] = array_parallelism
    if extra:
        params["additional_parameters"] = dict(extra)
    return params


def sbatch_script(folder: Path, params: dict[str, Any], array_size: int | None) -> str:
    """The sbatch file submitit writes for these parameters (its own template, not a copy of it)."""
    from submitit.slurm import slurm

    command = " ".join([sys.executable, "-u -m submitit.core._submit", str(folder)])
    extra: dict[str, Any] = {"map_count": array_size} if array_size and array_size > 1 else {}
    return slurm._make_sbatch_string(command=command, folder=folder, **params, **extra)


def check_submit_host(partition: str | None) -> None:
    """sbatch on PATH and the partition known to sinfo; one clear line otherwise (nothing submitted)."""
    if not partition:
        raise UsageError("--executor slurm needs --partition", "`sinfo -s` lists the cluster's partitions")
    if shutil.which("sbatch") is None or shutil.which("srun") is None:
        raise InputError(
            "sbatch not found on PATH: this machine cannot submit SLURM jobs",
            "run on the cluster's login node, or use --executor local",
        )
    names = partitions()
    if names is not None and partition not in names:
        raise InputError(
            f"partition {partition!r} does not exist here (partitions: {', '.join(names) or 'none'})",
            "choose one that `sinfo -s` lists",
        )


def partitions() -> list[str] | None:
    """Partition names from sinfo, or None when sinfo is absent or does not answer in time."""
    out = _run(["sinfo", "-h", "-o", "%R"])
    return None if out is None else sorted({line.strip() for line in out.splitlines() if line.strip()})


def job_states(job_ids: list[str], timeout_s: float = QUERY_TIMEOUT_S) -> dict[str, str] | None:
    """{job id ("123" or "123_4"): SLURM state} of the jobs the scheduler knows; None: no answer."""
    bases = sorted({job.split("_")[0] for job in job_ids if job})
    if not bases:
        return {}
    states: dict[str, str] = {}
    history = ["sacct", "-X", "-n", "-P", "-o", "JobID,State", "-j", ",".join(bases)]
    queue = ["squeue", "--array", "-t", "all", "-h", "-o", "%i|%T", "-j", ",".join(bases)]
    # Both at once, within one `timeout_s`. squeue fails with "Invalid job id specified" when it forgot
    # every job asked for: that is an answer too.
    sacct, squeue = _run_all([(history, None), (queue, "Invalid job id")], timeout_s)
    if sacct is None and squeue is None:
        return None
    for out in (sacct, squeue):  # squeue last: the live state wins
        for line in (out or "").splitlines():
            job, _, state = line.partition("|")
            if state:
                for key in _expand(job.strip()):
                    states[key] = state.split()[0].rstrip("+")  # "CANCELLED by 0", "RUNNING+"
    return states


def _expand(job: str) -> list[str]:
    """sacct's "123_[4-6%2]" as ["123_4", "123_5", "123_6"]; "123_4" and "123" as themselves."""
    from submitit.slurm.slurm import read_job_id

    try:
        parts = read_job_id(job)
    except ValueError:
        return []
    keys = []
    for part in parts:
        if len(part) >= 3:
            keys += [f"{part[0]}_{i}" for i in range(int(part[1]), int(part[2]) + 1)]
        else:
            keys.append("_".join(part))
    return keys


def _run(command: list[str], timeout_s: float = QUERY_TIMEOUT_S) -> str | None:
    """stdout of one scheduler command, or None when it is absent, fails or takes too long."""
    return _run_all([(command, None)], timeout_s)[0]


def _run_all(commands: list[tuple[list[str], str | None]], timeout_s: float) -> list[str | None]:
    """Run commands side by side; each gives its stdout, or None when it is absent, fails, or is still
    running after `timeout_s` in all (then its whole process group is killed, so no grandchild keeps
    its pipes open); "" when it fails with the given stderr text."""
    deadline = time.monotonic() + timeout_s
    started: list[subprocess.Popen[str] | None] = []
    for command, _ in commands:
        if shutil.which(command[0]) is None:
            started.append(None)
            continue
        try:
            started.append(
                subprocess.Popen(command, stdout=PIPE, stderr=PIPE, text=True, start_new_session=True)
            )
        except OSError:
            started.append(None)
    results: list[str | None] = []
    for process, (_, empty_if) in zip(started, commands, strict=True):
        if process is None:
            results.append(None)
            continue
        try:
            out, err = process.communicate(timeout=max(0.01, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            results.append(None)
            continue
        if process.returncode == 0:
            results.append(out)
        else:
            results.append("" if empty_if and empty_if in err else None)
    return results
