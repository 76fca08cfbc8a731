"""`xlt sweep` on a real one-node SLURM on localhost, against `--executor local` on the same seeds.

The cluster is Debian's `slurm-wlm` and `munge` (installed with apt-get when missing and running as
root): `munged`, `slurmctld` and `slurmd` started by the test with a slurm.conf it writes (CPU only,
proctrack/linuxproc, every daemon bound to 127.0.0.1), and stopped by PID at the end. When a daemon
cannot start here the test skips and says why.

The sweep: 2 HR languages x 2 seeds of the tests' 2-layer model, 120 steps each. One task gets the
preemption signal (submitit checkpoints and requeues it; it resumes from the saved step), another is
cancelled outright with `scancel` (its `pretrain` saves on SIGTERM); `xlt sweep resume` resubmits only
that one; the final perplexity matrix must equal the local executor's.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest
from test_pretrain_cli import TINY_ARGS, template_ws  # noqa: F401 - the module-scoped template fixture

from xlt.events import read_events
from xlt.workspace import Workspace

pytestmark = pytest.mark.slow

NAME = "demo"
# 1,500 steps of the 2-layer model: ~25 s a run on an idle core (60 steps/s), so that the preemption
# signal arrives mid-run; 120 steps ended before `scancel --signal=USR2` on an idle machine.
TRAIN = ["--steps", "1500", "--checkpoint-every", "0.5", "--threads", "1", *TINY_ARGS]
EVAL = ["--eval-args", "--max-blocks 16 --precision fp32"]
RUN_IDS = ["spa-tiny-s0", "spa-tiny-s1", "ote-tiny-s0", "ote-tiny-s1"]
DAEMONS = ("munged", "slurmctld", "slurmd")
PACKAGES = ("slurm-wlm", "munge")
MATRIX_KEY = ["run_id", "checkpoint", "lr_lang", "eval_seed"]


def xlt(ws: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 900) -> str:
    """Run `python -m xlt --workspace ws ARGS` in a subprocess; its stdout, or fail with its stderr."""
    environment = {**os.environ, "OMP_NUM_THREADS": "1", **(env or {})}
    done = subprocess.run(
        [sys.executable, "-m", "xlt", "--workspace", str(ws), *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, f"xlt {' '.join(args)}: {done.stderr[-3000:]}"
    return done.stdout


def copy_template(template: Workspace, root: Path) -> Path:
    """A fresh copy of the template workspace (corpus, tokenizer, the saved 2-layer model)."""
    shutil.copytree(template.root, root)
    return root


def plan(ws: Path, env: dict[str, str] | None = None) -> None:
    xlt(ws, "sweep", "plan", NAME, "--hr", "spa,ote", "--runs", "2", "--model", str(ws / "tiny-model"),
        "--gpus-per-task", "0", *TRAIN, *EVAL, env=env)  # fmt: skip


def matrix(ws: Path) -> pl.DataFrame:
    """results/perplexity.parquet in a fixed order, the columns a matrix is made of."""
    frame = pl.read_parquet(ws / "results" / "perplexity.parquet")
    return frame.select(*MATRIX_KEY, "step", "perplexity", "loss", "n_tokens").sort(MATRIX_KEY)


def starts(ws: Path, run_id: str) -> list[dict[str, object]]:
    return [e for e in read_events(ws / "runs" / run_id / "events.jsonl") if e["kind"] == "start"]


@pytest.fixture(scope="module")
def local_ws(template_ws: Workspace, tmp_path_factory: pytest.TempPathFactory) -> Path:  # noqa: F811
    """The sweep run with `--executor local`: every task one after another on this machine."""
    ws = copy_template(template_ws, tmp_path_factory.mktemp("local") / "ws")
    plan(ws)
    xlt(ws, "sweep", "submit", NAME, "--executor", "local", "--time", "30")
    return ws


def test_local_executor_runs_the_whole_plan(local_ws: Path) -> None:
    """Local: 4 runs finished, 2 checkpoints each scored on the LR language; resume has nothing to do."""
    status = xlt(local_ws, "sweep", "status", NAME)
    assert "4 runs: 4 finished; evaluation finished" in status
    cells = matrix(local_ws)
    assert set(cells["run_id"]) == {"base", *RUN_IDS}
    assert cells.filter(pl.col("run_id") != "base").height == 4 * 2  # step-60, step-120 on nci
    out = xlt(local_ws, "sweep", "resume", NAME, "--executor", "local")
    assert "nothing to resume" in out and all(len(starts(local_ws, run)) == 1 for run in RUN_IDS)


@dataclass
class Cluster:
    """A running one-node SLURM: its environment (SLURM_CONF) and the daemons' processes."""

    env: dict[str, str]
    daemons: dict[str, subprocess.Popen[bytes]]
    logs: Path

    def run(self, *command: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(command, env=self.env, capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 0 or not check, f"{' '.join(command)}: {done.stderr}"
        return done

    def cancel(self, job: str, done: Callable[[], object], *options: str) -> None:
        """scancel a task and wait until `done()`. SLURM 22.05 delivers the signal yet answers "Job can
        not be altered now" for an array task, and scancel then retries for minutes: it is stopped once
        the signal had its effect, so that it cannot signal the task again after its requeue."""
        scancel = subprocess.Popen(["scancel", *options, job], env=self.env)
        try:
            until(done, 120, f"scancel {' '.join(options)} {job} to take effect")
        finally:
            if scancel.poll() is None:
                scancel.kill()
            scancel.wait(timeout=10)

    def states(self) -> dict[str, str]:
        """{job id: state} of every job the controller remembers (MinJobAge keeps ended ones)."""
        out = self.run("squeue", "--array", "-t", "all", "-h", "-o", "%i|%T").stdout
        return dict(line.split("|", 1) for line in out.splitlines() if "|" in line)

    def wait_idle(self, timeout: float = 900) -> None:
        """Until no job is pending, running or completing."""
        until(lambda: not {"PENDING", "RUNNING", "COMPLETING", "CONFIGURING"} & set(self.states().values()),
              timeout, f"jobs still queued: {self.states()}")  # fmt: skip


def until(condition: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s: {what}")
        time.sleep(0.25)


def _install_if_missing() -> str | None:
    """Why SLURM cannot be had here (None: the binaries are there, installed now if they were not)."""
    missing = [name for name in (*DAEMONS, "sbatch", "squeue", "scancel") if not shutil.which(name)]
    if not missing:
        return None
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return (
            f"{', '.join(missing)} not installed, and apt-get as root is not available to install {PACKAGES}"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", *PACKAGES]):
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=1200, check=False)
        if done.returncode != 0:
            return f"`{' '.join(command)}` failed: {done.stderr.strip().splitlines()[-1:]}"
    missing = [name for name in DAEMONS if not shutil.which(name)]
    return f"{', '.join(missing)} still missing after installing {PACKAGES}" if missing else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _slurm_conf(root: Path, socket_path: Path) -> str:
    """A one-node cluster on 127.0.0.1 (slurm.conf(5)); no accounting database, jobs remembered 1 h."""
    host = socket.gethostname().split(".")[0]
    ctld, slurmd, srun = _free_port(), _free_port(), _free_port()
    cpus = os.cpu_count() or 1
    return f"""\
ClusterName=xlttest
SlurmctldHost={host}(127.0.0.1)
SlurmctldPort={ctld}
SlurmdPort={slurmd}
SrunPortRange={srun}-{srun + 50}
# Bind to the node's own address (127.0.0.1 here), not to every interface.
CommunicationParameters=NoInAddrAny,NoCtldInAddrAny
AuthType=auth/munge
AuthInfo=socket={socket_path}
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation={root}/state
SlurmdSpoolDir={root}/spool
SlurmctldPidFile={root}/slurmctld.pid
SlurmdPidFile={root}/slurmd.pid
SlurmctldLogFile={root}/log/slurmctld.log
SlurmdLogFile={root}/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MinJobAge=3600
KillWait=30
ReturnToService=2
MpiDefault=none
PlugStackConfig=/dev/null
NodeName={host} NodeAddr=127.0.0.1 CPUs={cpus} RealMemory=2000 State=UNKNOWN
PartitionName=debug Nodes={host} Default=YES MaxTime=INFINITE State=UP
"""


def _start(name: str, command: list[str], env: dict[str, str], logs: Path) -> subprocess.Popen[bytes]:
    out = (logs / f"{name}.out").open("wb")
    return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)


def _why_not_up(daemons: dict[str, subprocess.Popen[bytes]], logs: Path) -> str:
    """The first daemon that exited, with the last line it wrote."""
    for name, process in daemons.items():
        if process.poll() is not None:
            lines = [*(logs / f"{name}.out").read_text(errors="replace").splitlines(), ""]
            for log in logs.glob(f"{name}*.log"):
                lines += log.read_text(errors="replace").splitlines()
            return f"{name} exited with code {process.returncode}: {[line for line in lines if line][-1:]}"
    return "the node did not become idle within 60 s (see slurmctld.log / slurmd.log)"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """munged + slurmctld + slurmd on localhost; every daemon stopped by PID afterwards."""
    reason = _install_if_missing()
    if reason:
        pytest.skip(f"no SLURM here: {reason}")
    if os.geteuid() != 0:
        pytest.skip("slurmd must run as root (it starts each job as its user); run this test as root")
    root = tmp_path_factory.mktemp("slurm")
    logs = root / "log"
    for sub in ("state", "spool", "log", "munge"):
        (root / sub).mkdir()
    (root / "munge").chmod(0o711)  # munged wants its socket directory searchable by everyone
    key = root / "munge" / "munge.key"
    key.write_bytes(os.urandom(1024))
    key.chmod(0o600)
    sock = root / "munge" / "munge.socket"
    conf = root / "slurm.conf"
    conf.write_text(_slurm_conf(root, sock), encoding="utf-8")
    env = {**os.environ, "SLURM_CONF": str(conf), "OMP_NUM_THREADS": "1"}
    daemons: dict[str, subprocess.Popen[bytes]] = {}
    try:
        daemons["munged"] = _start("munged", [
            "munged", "--foreground", "--force", f"--socket={sock}", f"--key-file={key}",
            f"--log-file={logs / 'munged.log'}", f"--pid-file={root / 'munge' / 'munged.pid'}",
            f"--seed-file={root / 'munge' / 'munged.seed'}",
        ], env, logs)  # fmt: skip
        with contextlib.suppress(AssertionError):
            until(lambda: sock.exists() or daemons["munged"].poll() is not None, 30, "munged's socket")
        if not sock.exists():
            pytest.skip(f"munged could not start: {_why_not_up(daemons, logs)}")
        daemons["slurmctld"] = _start("slurmctld", ["slurmctld", "-D", "-i", "-f", str(conf)], env, logs)
        daemons["slurmd"] = _start("slurmd", ["slurmd", "-D", "-f", str(conf)], env, logs)
        cluster = Cluster(env, daemons, logs)

        def idle() -> bool:
            if any(process.poll() is not None for process in daemons.values()):
                return True
            return cluster.run("sinfo", "-h", "-o", "%T", check=False).stdout.strip() == "idle"

        with contextlib.suppress(AssertionError):
            until(idle, 60, "an idle node")
        if cluster.run("sinfo", "-h", "-o", "%T", check=False).stdout.strip() != "idle":
            pytest.skip(f"the one-node SLURM could not start here: {_why_not_up(daemons, logs)}")
        yield cluster
    finally:
        _stop(daemons, env)


def _stop(daemons: dict[str, subprocess.Popen[bytes]], env: dict[str, str]) -> None:
    """Cancel what is left, then stop slurmd, slurmctld, munged: each by its own PID."""
    if "slurmd" in daemons and daemons["slurmd"].poll() is None:
        subprocess.run(["scancel", "--partition", "debug"], env=env, capture_output=True, check=False)
        time.sleep(2)
    for name in reversed(list(daemons)):
        process = daemons[name]
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def _listening(pids: list[int]) -> list[str]:
    """ip:port of every listening TCP socket of these processes."""
    import psutil

    found = []
    for conn in psutil.net_connections(kind="inet"):
        if conn.status == psutil.CONN_LISTEN and conn.pid in pids:
            found.append(f"{conn.laddr.ip}:{conn.laddr.port}")
    return found


def _events(ws: Path, run_id: str) -> list[str]:
    return [e["kind"] for e in read_events(ws / "runs" / run_id / "events.jsonl")]


def test_real_slurm_sweep_preempt_cancel_resume_matches_local(
    cluster: Cluster,
    local_ws: Path,
    template_ws: Workspace,  # noqa: F811
    tmp_path: Path,
) -> None:
    """4 tasks as an array; preempt one (requeued, resumed), cancel one, resume: the matrix of local."""
    ws = copy_template(template_ws, tmp_path / "ws")
    env = cluster.env
    plan(ws, env)
    submit = ["--executor", "slurm", "--partition", "debug", "--time", "20", "--array-parallelism", "2"]
    dry = xlt(ws, "sweep", "submit", NAME, *submit, "--dry-run", env=env)
    xlt(ws, "sweep", "submit", NAME, *submit, env=env)
    jobs = pl.read_parquet(ws / "sweeps" / NAME / "jobs.parquet")
    task = dict(zip(jobs["run_id"], jobs["job_id"], strict=True))
    array = task["spa-tiny-s0"].split("_")[0]
    assert [task[run] for run in RUN_IDS] == [f"{array}_{i}" for i in range(4)]
    # What --dry-run shows is what submitit sent (its sbatch file, with the real ids in the paths).
    sent = next((ws / "sweeps" / NAME / "logs").rglob(f"{array}_submission.sh")).read_text()
    shown = dry.split("# sbatch file of the evaluate job")[0]
    assert [line for line in sent.splitlines() if line.startswith("#SBATCH")] == [
        line for line in shown.splitlines() if line.startswith("#SBATCH")
    ]
    # Nothing listens beyond loopback: the daemons, and srun while a job step runs.
    until(lambda: cluster.states().get(task["spa-tiny-s0"]) == "RUNNING", 120, "task 0 running")
    import psutil

    pids = [p.pid for p in cluster.daemons.values()] + [
        p.pid for p in psutil.process_iter(["name"]) if p.info["name"] in ("srun", "slurmstepd")
    ]
    listening = _listening(pids)
    assert listening and all(address.startswith("127.0.0.1:") for address in listening), listening

    until(lambda: "step" in _events(ws, "spa-tiny-s0"), 300, "spa-tiny-s0 training")
    until(lambda: "step" in _events(ws, "spa-tiny-s1"), 300, "spa-tiny-s1 training")
    # Cancellation: SIGTERM to the task (SIGKILL after KillWait); `pretrain` saves its state on SIGTERM.
    cluster.cancel(task["spa-tiny-s1"], lambda: cluster.states().get(task["spa-tiny-s1"]) == "CANCELLED")
    # Preemption: the signal submitit asked for (--signal=USR2@120), now: the task saves and is requeued.
    cluster.cancel(task["spa-tiny-s0"], lambda: "preempted" in _events(ws, "spa-tiny-s0"), "--signal=USR2")
    task0 = task["spa-tiny-s0"]
    until(
        lambda: cluster.states().get(task0) == "PENDING" or len(starts(ws, "spa-tiny-s0")) > 1, 120, "requeue"
    )
    # SLURM holds a requeued job for ~2 minutes (its begin time); let it start now instead.
    cluster.run("scontrol", "update", f"JobId={task['spa-tiny-s0']}", "StartTime=now", check=False)
    cluster.wait_idle()
    first_states = cluster.states()
    status = xlt(ws, "sweep", "status", NAME, env=env)
    preempted_at = read_events(ws / "runs" / "spa-tiny-s0" / "events.jsonl")
    assert [e["kind"] for e in preempted_at].count("preempted") == 1
    resumed = starts(ws, "spa-tiny-s0")
    assert len(resumed) == 2 and resumed[1]["resumed_from"] == next(
        e["step"] for e in preempted_at if e["kind"] == "preempted"
    )
    assert (
        first_states[task["spa-tiny-s0"]] == "COMPLETED" and first_states[task["spa-tiny-s1"]] == "CANCELLED"
    )
    assert "preempted" in _events(ws, "spa-tiny-s1") and "end" not in _events(ws, "spa-tiny-s1")
    assert "3 finished" in status and "1 preempted" in status, status

    out = xlt(ws, "sweep", "resume", NAME, *submit, env=env)
    assert "resubmitting 1 runs: spa-tiny-s1" in out, out
    cluster.wait_idle()
    final = xlt(ws, "sweep", "status", NAME, env=env)
    assert "4 runs: 4 finished; evaluation finished" in final, final
    assert len(starts(ws, "spa-tiny-s1")) == 2  # resumed once, from its saved step
    assert all(len(starts(ws, run)) == 1 for run in ("ote-tiny-s0", "ote-tiny-s1"))  # never trained again
    jobs = pl.read_parquet(ws / "sweeps" / NAME / "jobs.parquet")
    print("\njobs.parquet after resume:\n" + str(jobs.select("kind", "run_id", "attempt", "job_id", "state")))
    print("scheduler:", json.dumps(cluster.states(), sort_keys=True))
    for run in ("spa-tiny-s0", "spa-tiny-s1"):
        stops = [
            (e["step"], e["signal"])
            for e in read_events(ws / "runs" / run / "events.jsonl")
            if e["kind"] == "preempted"
        ]
        print(
            f"{run}: stopped at (step, signal) {stops}, "
            f"resumed from {[e['resumed_from'] for e in starts(ws, run)]}"
        )
    print(final)
    ours, theirs = matrix(ws), matrix(local_ws)
    assert ours.select(MATRIX_KEY).equals(theirs.select(MATRIX_KEY))
    assert ours.equals(theirs), f"slurm:\n{ours}\nlocal:\n{theirs}"
