"""A training run on disk: ``config.json``, ``events.jsonl`` (:mod:`xlt.events`) and ``checkpoints/step-N/``.

Runs live in ``runs/<run_id>/``; the embedded base model's own pretraining lives in ``models/base-run/``
and is listed with them. ``config.json`` holds the identity fields at the top (``run_id``, ``hr_lang``,
``seed``, ``model`` — the results' label —, ``base_model``, ``tokenizer``, ``total_steps``, for the base
run ``languages``) and every parameter in sections under ``config``. Paths in it are relative to the
workspace when they lie inside it, so a moved workspace keeps working.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xlt.errors import InputError
from xlt.events import EVENTS_FILE, RunSummary, parse_line, read_events, summarize
from xlt.workspace import Workspace, atomic_write_text

CONFIG_FILE = "config.json"
CHECKPOINTS_DIR = "checkpoints"
MODEL_WEIGHTS = "model.safetensors"
_STEP_DIR = re.compile(r"step-(\d+)")


def make_run_id(hr_lang: str, model_label: str, seed: int) -> str:
    """``<hr_iso3>-<model short label>-s<seed>``: deterministic, so re-running a command finds its runs."""
    from xlt.modeling.labels import short_label

    return f"{hr_lang}-{short_label(model_label)}-s{seed}"


def read_run_config(run_dir: Path) -> dict[str, Any]:
    """A run's config.json as a dict; InputError naming the file when it is missing or not a JSON object."""
    path = run_dir / CONFIG_FILE
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read {path}: {exc}", "delete the run, or re-run `xlt pretrain`") from exc
    if not isinstance(value, dict):
        raise InputError(f"{path} is not a JSON object", "delete the run, or re-run `xlt pretrain`")
    return value


def maybe_read_run_config(run_dir: Path) -> dict[str, Any]:
    """The config, or {} when it is missing or unreadable (a run being created, for live views)."""
    try:
        return read_run_config(run_dir)
    except InputError:
        return {}


def write_run_config(run_dir: Path, record: dict[str, Any]) -> None:
    atomic_write_text(run_dir / CONFIG_FILE, json.dumps(record, indent=2, default=str))


def checkpoint_dirs(run_dir: Path, complete: bool = False) -> list[tuple[int, Path]]:
    """(step, path) of the run's ``checkpoints/step-N`` directories in step order.

    With `complete`, only those holding model weights; without, every one, so that a broken checkpoint
    is reported by whoever reads it instead of silently missing.
    """
    found = []
    for path in (run_dir / CHECKPOINTS_DIR).glob("step-*"):
        match = _STEP_DIR.fullmatch(path.name)
        if match and path.is_dir() and (not complete or (path / MODEL_WEIGHTS).is_file()):
            found.append((int(match.group(1)), path))
    return sorted(found)


def workspace_path(workspace: Workspace, value: Any) -> str:
    """A path as run configs store it: relative to the workspace root when it lies inside it, so that a
    moved or copied workspace resumes, skips and evaluates its runs (readers: :func:`in_workspace`);
    anything else (a hub id, ``tiny``, a path elsewhere) unchanged."""
    text = str(value)
    path = Path(text)
    if path.is_absolute():
        for root in (workspace.root, workspace.root.resolve()):
            if path.is_relative_to(root):
                return path.relative_to(root).as_posix()
    return text


def stored_base_model(workspace: Workspace, config: dict[str, Any]) -> dict[str, Any]:
    """`config` with its ``base_model`` in the form run configs store now (:func:`workspace_path`): an older
    xlt wrote paths inside the workspace absolute, and a comparison must not take that for a change."""
    value = config.get("base_model")
    return {**config, "base_model": workspace_path(workspace, value)} if value else config


# The workspace folders a run config's relative paths start with (:func:`workspace_path`): such a path is
# the workspace's even when it is missing (then its reader says so), never a hub id.
_STORED_FOLDERS = ("models", "tokenizers", "runs")


def in_workspace(workspace: Workspace, value: Any) -> str | None:
    """A path of a run config as given, or under the workspace root when it is relative and exists there
    or starts with one of the workspace's folders; other values (``base``, hub ids) unchanged; None for
    an empty value."""
    if not value:
        return None
    text = str(value)
    path = Path(text)
    if not path.is_absolute() and ((workspace.root / text).exists() or path.parts[0] in _STORED_FOLDERS):
        return str(workspace.root / text)
    return text


@dataclass(frozen=True)
class RunInfo:
    """One run directory and what its config.json says (``{}`` while the run is being created)."""

    path: Path
    config: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def run_id(self) -> str:
        """The id the run writes into its events and results (the directory name when unknown)."""
        value = self.config.get("run_id")
        return str(value) if value else self.path.name

    @property
    def hr_lang(self) -> str | None:
        value = self.config.get("hr_lang")
        return str(value) if value else None

    @property
    def model(self) -> str | None:
        """The label of the results' ``model`` column (else the base model spec)."""
        value = self.config.get("model") or self.config.get("base_model")
        return str(value) if value else None

    @property
    def seed(self) -> int | None:
        value = self.config.get("seed")
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    @property
    def total_steps(self) -> int | None:
        value = self.config.get("total_steps")
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    @property
    def mix(self) -> tuple[str, ...]:
        """The HR languages the base model's run trained on together (empty for an HR run)."""
        languages = self.config.get("languages")
        return tuple(sorted(languages)) if isinstance(languages, dict) and not self.hr_lang else ()

    @property
    def events_path(self) -> Path:
        return self.path / EVENTS_FILE

    def checkpoints(self, complete: bool = False) -> list[tuple[int, Path]]:
        return checkpoint_dirs(self.path, complete)


def run_dirs(workspace: Workspace, include_base: bool = True) -> list[Path]:
    """Directories holding a run (a config.json or an events file): the base model's run first."""
    runs = sorted(p for p in workspace.runs_dir.iterdir()) if workspace.runs_dir.is_dir() else []
    extra = [workspace.base_run_dir] if include_base else []
    return [p for p in [*extra, *runs] if (p / CONFIG_FILE).is_file() or (p / EVENTS_FILE).is_file()]


def list_runs(workspace: Workspace, include_base: bool = True) -> list[RunInfo]:
    """Every run of the workspace with its config (the base model's run first)."""
    return [RunInfo(path, maybe_read_run_config(path)) for path in run_dirs(workspace, include_base)]


def run_tokenizer_path(workspace: Workspace) -> str | None:
    """The tokenizer of the runs: the commonest one their config.json name (key ``tokenizer``).

    A name that is not a local directory (a hub id, or a path of a workspace that was moved) is replaced
    by the run's first complete checkpoint, which holds the same tokenizer (``tokenizer.json``): reading
    the workspace never reaches a model hub.
    """
    seen: dict[str, int] = {}
    for run_id in workspace.run_ids():
        run_dir = workspace.run_dir(run_id)
        value = in_workspace(workspace, maybe_read_run_config(run_dir).get("tokenizer"))
        if not (value and Path(value).is_dir()):
            complete = checkpoint_dirs(run_dir, complete=True)
            saved = [d for _, d in complete if (d / "tokenizer.json").is_file()]
            value = str(saved[0]) if saved else None
        if value:
            seen[value] = seen.get(value, 0) + 1
    return max(seen, key=lambda k: seen[k]) if seen else None


def run_problems(workspace: Workspace) -> list[str]:
    """One line per damaged run file: an unreadable config.json, events lines that are not events.

    A half-written last events line is normal while a run trains and is not reported.
    """
    problems = []
    for path in run_dirs(workspace):
        if (path / CONFIG_FILE).is_file():
            try:
                read_run_config(path)
            except InputError as exc:
                problems.append(str(exc))
        events = path / EVENTS_FILE
        try:
            text = events.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        lines = text.splitlines() if text.endswith("\n") else text.splitlines()[:-1]
        bad = [n for n, line in enumerate(lines, 1) if line.strip() and parse_line(line) is None]
        if bad:
            problems.append(f"{events}: {len(bad)} line(s) are not events (first: line {bad[0]}), skipped")
    return problems


def run_summaries(workspace: Workspace, hr_lang: str | None = None) -> list[RunSummary]:
    """Where every run stands, from its events (the base model's run first; with `hr_lang`, only the
    runs pretrained on that language)."""
    return [
        summarize(run.run_id, read_events(run.events_path))
        for run in list_runs(workspace)
        if hr_lang is None or run.hr_lang == hr_lang
    ]
