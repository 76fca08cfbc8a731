"""`xlt sweep` without a cluster: the paper-scale plan, --dry-run, bad input, status and resume decisions.

The scheduler commands (sinfo, sbatch, squeue, sacct) are small scripts on PATH here, answering as SLURM
22.05 does; the real thing runs in tests/test_sweep_slurm.py.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import polars as pl
import pytest

from xlt.events import EventWriter
from xlt.sweep.status import run_state
from xlt.workspace import Workspace

# Paper-scale: 158 HR languages x 5 runs of mt5-base, evaluated on 31 LR languages (Protasov et al. 2024).
N_HR, N_LR, RUNS = 158, 31, 5
PAPER = ["--model", "google/mt5-base", "--steps", "20000", "--input-length", "256"]  # the paper's 256
SMALL_HR = "spa,eng,ell,slv,fra,deu"


def scale_corpus(ws: Workspace) -> tuple[list[str], list[str]]:
    """corpus/languages.parquet with 158 `hr` and 31 `lr` ISO 639-3 languages, one line of text each."""
    from iso639 import iter_langs

    coded = sorted(lang.pt3 for lang in iter_langs() if lang.pt1 and lang.pt3)
    forced = ["ell", "slv", "spa", "eng", "fra", "deu"]  # named by the tests below
    hr = (forced + [code for code in coded if code not in forced])[:N_HR]
    lr = ([code for code in coded if code not in hr] + ["nci", "azz", "nhe", "nhm", "ote", "ots"])[:N_LR]
    for iso3 in hr + lr:
        ws.corpus_lang_dir(iso3).mkdir(parents=True, exist_ok=True)
        ws.train_path(iso3).write_text("text\n", encoding="utf-8")
    frame = pl.DataFrame({"iso3": hr + lr, "tier": ["hr"] * len(hr) + ["lr"] * len(lr)})
    ws.corpus_dir.mkdir(parents=True, exist_ok=True)
    frame.write_parquet(ws.languages_path)
    return hr, lr


@pytest.fixture
def scale_ws(ws: Workspace) -> Workspace:
    """A workspace whose corpus has the paper's 158 HR and 31 LR languages."""
    scale_corpus(ws)
    return ws


def fake_bin(tmp_path: Path, **scripts: str) -> Path:
    """A directory of executable shell scripts named after scheduler commands (the only thing on PATH)."""
    directory = tmp_path / "bin"
    directory.mkdir(exist_ok=True)
    for name, body in scripts.items():
        path = directory / name
        path.write_text("#!/bin/sh\n" + textwrap.dedent(body), encoding="utf-8")
        path.chmod(0o755)
    return directory


def one_line(err: str) -> bool:
    """True when stderr is exactly one line with no traceback."""
    return "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_help_has_examples(run_cli) -> None:  # type: ignore[no-untyped-def]
    """Every sweep command shows an example in its --help."""
    for command in ([], ["plan"], ["submit"], ["status"], ["resume"]):
        code, out, _ = run_cli("sweep", *command, "--help")
        assert code == 0 and "Example: xlt sweep" in out, command


def test_plan_at_paper_scale(run_cli, scale_ws: Workspace) -> None:  # type: ignore[no-untyped-def]
    """158 HR x 5 seeds of mt5-base: 790 rows with pretrain's own run ids and each task's command."""
    code, out, err = run_cli("sweep", "plan", "paper", "--hr", "all", "--runs", str(RUNS), *PAPER)
    assert code == 0, err
    plan = pl.read_parquet(scale_ws.root / "sweeps" / "paper" / "plan.parquet")
    assert plan.height == N_HR * RUNS == 790 and plan["run_id"].n_unique() == 790
    assert set(plan["hr_lang"]) == set(scale_corpus(Workspace(scale_ws.root / "other"))[0])
    first = plan.row(0, named=True)
    assert first["run_id"] == f"{first['hr_lang']}-mt5-base-s0" and first["steps"] == 20000
    assert first["command"] == (
        "accelerate launch --num_processes 1 --num_machines 1 --mixed_precision no --dynamo_backend no "
        f"-m xlt --workspace {scale_ws.root} pretrain --hr {first['hr_lang']} --runs 1 --seed 0 "
        "--model google/mt5-base --steps 20000 --input-length 256"
    )
    assert first["tokens_per_step"] == 8 * 256  # the paper's batch 8 x 256 input tokens, one GPU
    info = json.loads((scale_ws.root / "sweeps" / "paper" / "sweep.json").read_text())
    assert (
        info["versions"]["submitit"] != "not installed"
        and info["expected"]["config"]["optim"]["steps"] == 20000
    )
    assert info["evaluate_args"][2:4] == ["evaluate", "--run"] and info["evaluate_args"][-1] == "--all-lr"
    assert "790 runs (158 HR × 5 seeds)" in out


def test_dry_run_prints_sbatch_and_gpu_hours(run_cli, scale_ws: Workspace) -> None:  # type: ignore[no-untyped-def]
    """--dry-run: the array's and the evaluation's sbatch files, GPU hours at 12k tokens/s, nothing sent."""
    assert run_cli("sweep", "plan", "paper", "--runs", str(RUNS), *PAPER)[0] == 0
    args = [
        "--partition",
        "gpu",
        "--time",
        "24:00:00",
        "--array-parallelism",
        "64",
        "--tokens-per-s",
        "12000",
    ]
    code, out, err = run_cli("sweep", "submit", "paper", *args, "--dry-run")
    assert code == 0, err
    lines = ["--array=0-789%64", "--gpus-per-node=1", "--partition=gpu", "--time=1440", "--signal=USR2@120"]
    for line in [*lines, "--job-name=xlt-paper", "--ntasks-per-node=1", "--job-name=xlt-paper-evaluate"]:
        assert f"#SBATCH {line}\n" in out, line
    assert "#SBATCH --dependency='afterany:<array job id>'" in out
    # 790 runs x 20,000 steps x 2,048 tokens / 12,000 tokens/s = 749.0 hours on one GPU each
    assert "749.0 task hours = 749.0 GPU hours for the 790 with known steps" in out
    assert not (scale_ws.root / "sweeps" / "paper" / "jobs.parquet").exists()


def test_language_names_in_the_hr_list(run_cli, scale_ws: Workspace) -> None:  # type: ignore[no-untyped-def]
    """--hr takes names as people type them ("Modern Greek", "Slovenian", "Castilian") and plans ISO codes.

    (WALS-style "Greek (Modern)" / "Slovene" resolve once xlt.languages knows them; this names what it knows.)
    """
    code, _, err = run_cli(
        "sweep", "plan", "wals", "--hr", "Modern Greek,Slovenian,Castilian", "--runs", "1", *PAPER
    )
    assert code == 0, err
    plan = pl.read_parquet(scale_ws.root / "sweeps" / "wals" / "plan.parquet")
    assert list(plan["run_id"]) == ["ell-mt5-base-s0", "slv-mt5-base-s0", "spa-mt5-base-s0"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--hr", "Klingonish"], "unknown language 'Klingonish'"),
        (["--hr", "nci"], "not a high-resource language"),
        (["--runs", "0"], "--runs must be at least 1"),
        (["--bogus", "3"], "No such option: --bogus"),
        (["--steps", "many"], "Invalid value for '--steps'"),
        (["--eval-args", "--run spa-mt5-base-s0"], "--eval-args cannot choose --run"),
        (["--precision", "fp16"], "fp16 is not supported: T5/mT5 activations overflow"),
    ],
)
def test_bad_plan_is_one_line_and_writes_nothing(
    run_cli, scale_ws: Workspace, args: list[str], message: str
) -> None:  # type: ignore[no-untyped-def]
    """Unknown or LR language, bad counts, unknown or bad pretrain options: one line, no sweep written."""
    code, _, err = run_cli("sweep", "plan", "bad", "--model", "google/mt5-base", *args)
    assert code in (1, 2) and message in err and one_line(err), err
    assert not (scale_ws.root / "sweeps").exists()


@pytest.fixture
def planned(run_cli, scale_ws: Workspace) -> Workspace:  # type: ignore[no-untyped-def]
    """A plan of six HR languages x one seed of mt5-base (nothing submitted)."""
    assert run_cli("sweep", "plan", "small", "--hr", SMALL_HR, "--runs", "1", *PAPER)[0] == 0
    return scale_ws


@pytest.mark.parametrize(
    ("args", "scripts", "message"),
    [
        ([], {}, "--executor slurm needs --partition"),
        (["--partition", "gpu"], {}, "sbatch not found on PATH"),
        (
            ["--partition", "gpu"],
            {"sinfo": "echo debug\necho batch\n"},
            "partition 'gpu' does not exist here",
        ),
        (["--partition", "gpu", "--time", "soon"], {}, "--time 'soon' is not a SLURM time"),
        (["--partition", "gpu", "--slurm-arg", "account"], {}, "--slurm-arg wants KEY=VALUE"),
        (["--executor", "cloud"], {}, "--executor 'cloud' is unknown"),
    ],
)
def test_bad_submit_is_one_line_and_submits_nothing(  # type: ignore[no-untyped-def]
    run_cli,
    planned: Workspace,
    tmp_path: Path,
    monkeypatch,
    args: list[str],
    scripts: dict[str, str],
    message: str,
) -> None:
    """Missing or unknown partition, sbatch not found, bad time or extra: one line, sbatch never called."""
    marker = tmp_path / "sbatch-called"
    submit_host = {"sbatch": f"touch {marker}\nexit 1\n", "srun": "exit 1\n"} if "sinfo" in scripts else {}
    monkeypatch.setenv("PATH", str(fake_bin(tmp_path, **scripts, **submit_host)))
    code, _, err = run_cli("sweep", "submit", "small", *args)
    assert code in (1, 2) and message in err and one_line(err), err
    assert not marker.exists() and not (planned.root / "sweeps" / "small" / "jobs.parquet").exists()


def test_plan_that_differs_from_existing_runs_is_refused(run_cli, planned: Workspace) -> None:  # type: ignore[no-untyped-def]
    """A run that exists with another lr: plan and submit refuse, naming the run and the field."""
    info = json.loads((planned.root / "sweeps" / "small" / "sweep.json").read_text())
    config = json.loads(json.dumps(info["expected"]["config"]))
    config["optim"]["lr"] = 1e-3
    run_dir = planned.run_dir("ell-mt5-base-s0")
    run_dir.mkdir(parents=True)
    record = {
        "config": config,
        "seed": 0,
        "hr_lang": "ell",
        "base_model": "google/mt5-base",
        "total_steps": 20000,
    }
    (run_dir / "config.json").write_text(json.dumps(record))
    code, _, err = run_cli("sweep", "submit", "small", "--executor", "local")
    assert code == 2 and one_line(err) and "ell-mt5-base-s0 (config.optim.lr: 0.001 -> 0.005)" in err, err
    code, _, err = run_cli("sweep", "plan", "small", "--hr", SMALL_HR, "--runs", "1", *PAPER)
    assert code == 2 and one_line(err) and "1 planned run(s) exist" in err
    assert not (planned.root / "sweeps" / "small" / "jobs.parquet").exists()


def write_jobs(ws: Workspace, name: str, rows: list[tuple[str, str, str]]) -> None:
    """jobs.parquet with (run id, job id, recorded state) rows of one SLURM submission."""
    from xlt.sweep.plan import read_plan
    from xlt.sweep.submit import EVALUATE, read_jobs

    plan = read_plan(ws, name)
    frame = pl.DataFrame(
        [
            {
                "kind": "evaluate" if run == EVALUATE else "pretrain",
                "run_id": run,
                "attempt": 1,
                "executor": "slurm",
                "job_id": job,
                "submitted": "t",
                "state": state,
                "updated": "t",
                "log": "",
            }
            for run, job, state in rows
        ],
        schema=read_jobs(plan).schema,
    )
    frame.write_parquet(plan.directory / "jobs.parquet")


def write_events(ws: Workspace, run_id: str, kinds: list[str], total: int = 20000) -> None:
    """A run's events.jsonl with these kinds, a step further each."""
    with EventWriter(ws.run_dir(run_id) / "events.jsonl", run_id) as events:
        for step, kind in enumerate(kinds):
            fields = {"start": {"total_steps": total}, "step": {"loss": 2.5}}.get(kind, {})
            events.emit(kind, total if kind == "end" else step, **fields)  # type: ignore[arg-type]


@pytest.fixture
def submitted(planned: Workspace, tmp_path: Path, monkeypatch) -> Workspace:  # type: ignore[no-untyped-def]
    """The small plan as if submitted as array 100 + evaluation 101, the runs in every state."""
    write_jobs(planned, "small", [
        ("spa-mt5-base-s0", "100_0", "PENDING"), ("eng-mt5-base-s0", "100_1", "PENDING"),
        ("ell-mt5-base-s0", "100_2", "PENDING"), ("slv-mt5-base-s0", "100_3", "PENDING"),
        ("fra-mt5-base-s0", "100_4", "PENDING"), ("evaluate", "101", "PENDING"),
    ])  # fmt: skip
    write_events(planned, "spa-mt5-base-s0", ["start", "step", "end"])
    write_events(planned, "eng-mt5-base-s0", ["start", "step", "preempted"])
    write_events(planned, "ell-mt5-base-s0", ["start", "step"])
    write_events(planned, "slv-mt5-base-s0", ["start", "step", "preempted"])
    # As on a cluster without accounting: sacct refuses, squeue remembers finished jobs (MinJobAge).
    squeue = """\
        echo "100_0|COMPLETED"; echo "100_1|CANCELLED"; echo "100_2|RUNNING"
        echo "100_3|PENDING"; echo "100_4|FAILED"; echo "101|PENDING"
    """
    sacct = "echo 'Slurm accounting storage is disabled' >&2\nexit 1\n"
    monkeypatch.setenv("PATH", str(fake_bin(tmp_path, squeue=squeue, sacct=sacct)))
    return planned


def test_run_state_joins_events_and_scheduler() -> None:
    """Finished by events whatever the scheduler says; live jobs run or wait; ended: failed or preempted."""
    assert run_state("finished", "FAILED", True) == "finished"
    assert run_state("preempted", "PENDING", True) == "pending"  # requeued: waits to resume
    assert run_state("preempted", "CANCELLED", True) == "preempted"
    assert run_state("running", "RUNNING", True) == "running"
    assert run_state("running", "NODE_FAIL", True) == "failed"
    assert run_state("empty", "COMPLETED", True) == "failed"  # the job ended, the run never started
    assert run_state("empty", "GONE", True) == "failed"
    assert run_state("empty", None, True) == "pending"  # the scheduler did not answer: no verdict
    assert run_state("running", None, True) == "running"
    assert run_state("empty", None, False) == "planned"


def test_status_joins_scheduler_states_with_events(run_cli, submitted: Workspace) -> None:  # type: ignore[no-untyped-def]
    """Each run's state, job and step of total; jobs.parquet gets the scheduler's states."""
    from xlt.sweep import sweep_status

    found = sweep_status(submitted, "small")
    got = {
        run.run_id: (run.state, run.job_id, run.scheduler, run.step, run.total_steps) for run in found.runs
    }
    assert got == {
        "spa-mt5-base-s0": ("finished", "100_0", "COMPLETED", 20000, 20000),
        "eng-mt5-base-s0": ("preempted", "100_1", "CANCELLED", 2, 20000),
        "ell-mt5-base-s0": ("running", "100_2", "RUNNING", 1, 20000),
        "slv-mt5-base-s0": ("pending", "100_3", "PENDING", 2, 20000),
        "fra-mt5-base-s0": ("failed", "100_4", "FAILED", 0, 20000),
        "deu-mt5-base-s0": ("planned", None, None, 0, 20000),
    }
    jobs = pl.read_parquet(submitted.root / "sweeps" / "small" / "jobs.parquet")
    assert dict(zip(jobs["job_id"], jobs["state"], strict=True))["100_1"] == "CANCELLED"
    code, out, err = run_cli("sweep", "status", "small")
    assert code == 0, err
    assert "6 runs: 1 planned, 1 pending, 1 running, 1 preempted, 1 failed, 1 finished" in out
    assert "evaluation pending (job 101)" in out


def test_resume_resubmits_only_unfinished_runs(run_cli, submitted: Workspace) -> None:  # type: ignore[no-untyped-def]
    """resume --dry-run: the preempted, failed and never-submitted runs only; the evaluation waits for 101."""
    code, out, err = run_cli("sweep", "resume", "small", "--partition", "gpu", "--dry-run")
    assert code == 0, err
    assert "resubmitting 3 runs: eng-mt5-base-s0, fra-mt5-base-s0, deu-mt5-base-s0" in out
    assert "#SBATCH --array=0-2%3\n" in out
    assert "#SBATCH --dependency='afterany:<array job id>:101'" in out


def test_a_slow_scheduler_never_hangs_status(planned: Workspace, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """squeue and sacct that hang: status answers after the timeout, from the events alone."""
    from xlt.sweep import sweep_status

    write_jobs(
        planned, "small", [("spa-mt5-base-s0", "100_0", "PENDING"), ("eng-mt5-base-s0", "100_1", "PENDING")]
    )
    write_events(planned, "spa-mt5-base-s0", ["start", "step"])
    monkeypatch.setenv("PATH", str(fake_bin(tmp_path, squeue="/bin/sleep 30\n", sacct="/bin/sleep 30\n")))
    started = time.monotonic()
    found = sweep_status(planned, "small", timeout_s=1.0)
    assert time.monotonic() - started < 10
    states = {run.run_id: (run.state, run.scheduler) for run in found.runs}
    assert states["spa-mt5-base-s0"] == ("running", None) and states["eng-mt5-base-s0"] == ("pending", None)
    assert found.live is None


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("90", 90), ("90:30", 91), ("24:00:00", 1440), ("1-12", 2160), ("1-12:30", 2190), ("2-00:00:01", 2881)],
)
def test_slurm_time_formats(text: str, minutes: int) -> None:
    """Every sbatch --time form becomes whole minutes (seconds rounded up)."""
    from xlt.sweep import parse_time

    assert parse_time(text) == minutes


def test_stop_tree_reaches_grandchildren_from_a_signal_handler(tmp_path: Path) -> None:
    """As in a submitit task: inside a handler that interrupted Popen.wait, the grandchild gets the signal
    (the launcher in between ignores it) and stop_tree returns as soon as the launcher ends."""
    from xlt.sweep.tasks import _shield, stop_tree

    done = tmp_path / "grandchild-got-it"
    grandchild = (
        "import signal, sys, time, pathlib\n"
        f"signal.signal(signal.SIGUSR2, lambda *a: (pathlib.Path({str(done)!r}).touch(), sys.exit(75)))\n"
        "time.sleep(60)\n"
    )
    launcher = f"import subprocess, sys; sys.exit(subprocess.call([sys.executable, '-c', {grandchild!r}]))"
    process = subprocess.Popen([sys.executable, "-c", launcher], preexec_fn=_shield)
    seen: dict[str, float] = {}

    def handler(signum: int, frame: object) -> None:
        started = time.monotonic()
        stop_tree(process, grace_s=30)
        seen["seconds"] = time.monotonic() - started

    previous = signal.signal(signal.SIGALRM, handler)
    try:
        signal.setitimer(signal.ITIMER_REAL, 1.0)  # the "scheduler's" signal, while we wait below
        code = process.wait(timeout=60)
    finally:
        signal.signal(signal.SIGALRM, previous)
    assert done.exists() and code == 75 and seen["seconds"] < 10


def test_tokenized_cache_keeps_the_first_writer(tmp_path: Path) -> None:
    """Two runs publishing the same tokenized cache: the second keeps the first's files instead of deleting
    them under it (a sweep starts five seeds of a language at once)."""
    from xlt.data import _publish_first

    target = tmp_path / "cache" / "spa-train"
    _publish_first(target, lambda tmp: (tmp / "data.arrow").write_text("first"), {"lines": 1})
    with (target / "data.arrow").open() as reader:  # a reader holding the first copy
        _publish_first(target, lambda tmp: (tmp / "data.arrow").write_text("second"), {"lines": 1})
        assert reader.read() == "first"
    assert (target / "data.arrow").read_text() == "first" and (target / "xlt_tokenized.json").is_file()
    assert [p.name for p in target.parent.iterdir()] == ["spa-train"]  # no temporary left behind


async def test_sweep_screen_shows_runs_while_the_scheduler_hangs(
    submitted: Workspace, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Key 5: one row per planned run from the events at once; the UI answers while squeue hangs."""
    from test_tui import SIZE, app_for, screen_text, until
    from textual.widgets import DataTable

    monkeypatch.setenv("PATH", str(fake_bin(tmp_path, squeue="/bin/sleep 8\n", sacct="/bin/sleep 8\n")))
    app = app_for(submitted.root)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("5")
        table = app.screen.query_one("#sweep", DataTable)
        started = time.monotonic()
        await until(pilot, lambda: table.row_count == 7, timeout=6)
        assert time.monotonic() - started < 6  # well before the 8 s squeue or its 5 s timeout
        assert "finished" in screen_text(app) and "preempted" in screen_text(app)
        await pilot.press("1")  # the worker still waits for squeue; the UI does not
        await until(pilot, lambda: bool(app.screen.query("#runs")), timeout=2)
        assert app.screen.TITLE == "Runs"
