"""`sweeps/<name>/plan.parquet` and `sweep.json`: one row per pretraining run of a study.

A plan is HR languages × seeds, every run with the same `xlt pretrain` options. Its run ids are the ones
`pretrain` gives (``<hr>-<model short label>-s<seed>``, :mod:`xlt.training.api`), so a plan can be made
again and matched against runs that already exist: a planned run whose ``runs/<id>/config.json`` holds
other settings is refused here, before anything is submitted (``pretrain`` itself would refuse it later,
on the cluster, after the job waited in the queue).
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from xlt.contracts.runs import maybe_read_run_config, stored_base_model, workspace_path
from xlt.errors import InputError, UsageError, WorkspaceError
from xlt.modeling.spec import ModelKind, ModelSpec
from xlt.training.options import PretrainOptions
from xlt.workspace import Workspace, atomic_write_text, write_parquet

PLAN_FILE = "plan.parquet"
SWEEP_FILE = "sweep.json"
JOBS_FILE = "jobs.parquet"

# `xlt pretrain` options a plan passes on to every task: the training fields of PretrainOptions. The plan
# itself chooses --hr, --seed, --runs and --model; --base and --force have no place in a sweep.
PASS_THROUGH = tuple(
    f.name for f in fields(PretrainOptions) if f.name not in ("hr", "base", "model", "runs", "seed", "force")
)
# Fields of config.json that `pretrain` compares before it resumes a run (training/api._prepare_run_dir).
_COMPARED = ("config", "seed", "hr_lang", "base_model")
Diff = tuple[str, Any, Any]  # (dotted key, old value, new value)
_VERSIONED = ("xlt", "submitit", "torch", "transformers", "accelerate", "polars")


@dataclass
class PlanRequest:
    """What `xlt sweep plan` was asked for."""

    name: str
    hr: str = "all"  # "all" (every `hr` language of the corpus) or comma-separated codes/names
    runs: int = 5
    seed: int = 0
    model: str = "auto"
    options: dict[str, Any] = field(default_factory=dict)  # pretrain options, e.g. {"steps": 1000}
    eval_args: list[str] = field(default_factory=list)  # `xlt evaluate` options; --all-lr by default
    gpus_per_task: int = 1  # processes of `accelerate launch` (0: one CPU process)


@dataclass
class Plan:
    """A read plan: its rows (polars) and the shared settings of sweep.json."""

    name: str
    directory: Path
    rows: Any  # pl.DataFrame, one row per run
    info: dict[str, Any]

    @property
    def run_ids(self) -> list[str]:
        return list(self.rows["run_id"])


def sweep_dir(workspace: Workspace, name: str) -> Path:
    """`sweeps/<name>/`; names are plain words, as they end up in job names and paths."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name):
        raise UsageError(f"sweep name {name!r} is not a plain name", "use letters, digits, '.', '_' or '-'")
    return workspace.root / "sweeps" / name


def read_plan(workspace: Workspace, name: str) -> Plan:
    """The plan of sweep `name`; a clear error when there is none."""
    import polars as pl

    directory = sweep_dir(workspace, name)
    if not (directory / PLAN_FILE).is_file() or not (directory / SWEEP_FILE).is_file():
        raise WorkspaceError(
            f"no sweep {name!r} in {directory.parent}", f"make it first: xlt sweep plan {name} --hr ..."
        )
    info = json.loads((directory / SWEEP_FILE).read_text(encoding="utf-8"))
    return Plan(name, directory, pl.read_parquet(directory / PLAN_FILE), info)


def planned_label(spec: str, workspace: Workspace) -> str:
    """The label `load_model` will give `spec`, read from files only (no torch, no download)."""
    from xlt.modeling.checkpoints import MODEL_INFO_FILE

    parsed = ModelSpec.parse(spec)
    if parsed.is_fresh:
        return "tiny"  # fresh models are labelled tiny:<config hash> (modeling.build_tiny_model)
    if parsed.is_hub:
        return spec  # a hub id is its own label
    base = parsed.kind is ModelKind.BASE
    path = workspace.base_model_dir if base else parsed.path
    if not (path / "config.json").is_file():
        where = "no base model: run `xlt pretrain --base` first" if base else "no config.json"
        raise InputError(f"model {spec!r} is not a saved model ({path})", where)
    for name, key in ((MODEL_INFO_FILE, "label"), ("config.json", "xlt_label")):
        value = _read_json(path / name).get(key)
        if value:
            return str(value)
    return "tiny"


def make_plan(workspace: Workspace, request: PlanRequest) -> Plan:
    """Write `sweeps/<name>/plan.parquet` and `sweep.json`; nothing is submitted."""
    import polars as pl

    from xlt import languages
    from xlt.modeling.labels import short_label
    from xlt.training.config import default_config

    directory = sweep_dir(workspace, request.name)
    if request.runs < 1:
        raise UsageError("--runs must be at least 1")
    if request.gpus_per_task < 0:
        raise UsageError("--gpus-per-task must be 0 (one CPU process) or more")
    unknown = sorted(set(request.options) - set(PASS_THROUGH))
    if unknown:
        raise UsageError(f"`xlt sweep plan` cannot pass --{unknown[0].replace('_', '-')} to pretrain")
    parsed = ModelSpec.parse(request.model).resolve(workspace)
    # jobs may start in another directory: a saved model is named by its absolute path
    spec = str(parsed.path.absolute()) if parsed.is_path else parsed.text
    options = PretrainOptions(hr="(each planned language)", model=spec, **request.options)
    cfg = default_config(spec).with_overrides(options.overrides()).with_overrides({"model.spec": spec})
    cfg.validate()
    hr_langs = _hr_languages(workspace, request.hr)
    label = short_label(planned_label(spec, workspace))
    option_argv = _option_argv(request.options)
    eval_argv = list(request.eval_args)
    if "--all-lr" not in eval_argv and not any(arg.startswith("--lr") for arg in eval_argv):
        eval_argv = ["--all-lr", *eval_argv]
    processes = max(1, request.gpus_per_task)
    tokens_per_step = cfg.optim.batch_size * cfg.optim.grad_accum * processes * cfg.data.input_length
    records: list[dict[str, Any]] = []
    for iso3 in hr_langs:
        for seed in range(request.seed, request.seed + request.runs):
            run_id = f"{iso3}-{label}-s{seed}"
            argv = ["--workspace", str(workspace.root), "pretrain", "--hr", iso3, "--runs", "1"]
            argv += ["--seed", str(seed), "--model", spec, *option_argv]
            records.append(
                {
                    "index": len(records),
                    "run_id": run_id,
                    "hr_lang": iso3,
                    "hr_name": languages.name_of(iso3),
                    "seed": seed,
                    "model": spec,
                    "gpus": request.gpus_per_task,
                    "steps": cfg.optim.steps,
                    "tokens_per_step": tokens_per_step,
                    "argv": argv,
                    "command": launch_command(request.gpus_per_task, argv),
                }
            )
    rows = pl.DataFrame(records, schema_overrides={"steps": pl.Int64})
    base_model = (
        workspace_path(workspace, workspace.base_model_dir) if parsed.kind is ModelKind.BASE else spec
    )
    expected = {"config": cfg.to_dict(), "base_model": base_model}
    check_existing_runs(workspace, rows, expected)
    run_ids = ",".join(rows["run_id"])
    eval_full = ["--workspace", str(workspace.root), "evaluate", "--run", run_ids, *eval_argv]
    info = {
        "name": request.name,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "workspace": str(workspace.root),
        "hr": hr_langs,
        "runs": request.runs,
        "seed": request.seed,
        "model": spec,
        "model_label": label,
        "gpus_per_task": request.gpus_per_task,
        "pretrain_options": request.options,
        "pretrain_args": option_argv,
        "evaluate_args": eval_full,
        "expected": expected,
        "versions": _versions(),
    }
    _refuse_replanning_a_submitted_sweep(directory, rows)
    write_parquet(rows, directory / PLAN_FILE)
    atomic_write_text(directory / SWEEP_FILE, json.dumps(info, indent=2, default=str) + "\n")
    return Plan(request.name, directory, rows, info)


def launch_command(gpus: int, xlt_argv: list[str]) -> str:
    """The shell command of one task: `accelerate launch ... -m xlt ...`."""
    from xlt.sweep.tasks import launcher_args

    return shlex.join(["accelerate", "launch", *launcher_args(gpus), "-m", "xlt", *xlt_argv])


def check_existing_runs(workspace: Workspace, rows: Any, expected: dict[str, Any]) -> None:
    """Refuse a plan whose runs already exist with other settings (one line, the first few named)."""
    # as config.json stores it (a plan or run written by an older xlt has an absolute base_model)
    target = stored_base_model(workspace, json.loads(json.dumps(expected, default=str)))
    clashes = []
    for row in rows.iter_rows(named=True):
        old = stored_base_model(workspace, maybe_read_run_config(workspace.run_dir(row["run_id"])))
        if not old:
            continue
        planned = {**target, "seed": row["seed"], "hr_lang": row["hr_lang"]}
        changed = [f"{k}: {a!r} -> {b!r}" for k, a, b in _differences(old, planned, _COMPARED)]
        if row["steps"] is not None and old.get("total_steps") != row["steps"]:
            changed.append(f"total_steps: {old.get('total_steps')!r} -> {row['steps']!r}")
        if changed:
            clashes.append(f"{row['run_id']} ({', '.join(changed[:3])})")
    if clashes:
        named = "; ".join(clashes[:3]) + (f"; and {len(clashes) - 3} more" if len(clashes) > 3 else "")
        raise UsageError(
            f"{len(clashes)} planned run(s) exist in {workspace.runs_dir} with other settings: {named}",
            "plan with the options those runs were started with, use other --seed values, or remove them",
        )


def _differences(old: dict[str, Any], new: dict[str, Any], keys: tuple[str, ...]) -> list[Diff]:
    """(dotted key, old, new) of the leaves that differ under `keys`."""
    found = []
    for key in keys:
        a, b = old.get(key), new.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            found += [(f"{key}.{k}", x, y) for k, x, y in _differences(a, b, tuple(sorted({*a, *b})))]
        elif a != b:
            found.append((key, a, b))
    return found


def _hr_languages(workspace: Workspace, hr: str) -> list[str]:
    from xlt.contracts.languages import corpus_languages
    from xlt.training.api import resolve_hr_language

    if hr.strip().lower() == "all":
        found = sorted(corpus_languages(workspace, ["hr"]))
        if not found:
            raise WorkspaceError(f"no `hr` language in {workspace.languages_path}", "run `xlt clean` first")
        return found
    items = [item.strip() for item in hr.split(",") if item.strip()]
    if not items:
        raise UsageError("--hr is empty", "use --hr all or comma-separated languages (e.g. --hr spa,eng)")
    return list(dict.fromkeys(resolve_hr_language(workspace, item) for item in items))


def _option_argv(options: dict[str, Any]) -> list[str]:
    argv: list[str] = []
    for name in PASS_THROUGH:
        if options.get(name) is not None:
            argv += [f"--{name.replace('_', '-')}", str(options[name])]
    return argv


def _refuse_replanning_a_submitted_sweep(directory: Path, rows: Any) -> None:
    import polars as pl

    if not (directory / JOBS_FILE).is_file() or not (directory / PLAN_FILE).is_file():
        return
    old = pl.read_parquet(directory / PLAN_FILE)
    if old.select("run_id", "argv").equals(rows.select("run_id", "argv")):
        return
    raise UsageError(
        f"sweep {directory.name!r} was submitted with another plan ({directory / PLAN_FILE})",
        "give the new plan another name",
    )


def _versions() -> dict[str, str]:
    import platform

    found = {"python": platform.python_version()}
    for name in _VERSIONED:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def _read_json(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
    return value if isinstance(value, dict) else {}
