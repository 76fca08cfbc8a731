"""`evaluate_workspace`: score every selected model state on every LR language, resumably.

Each model is loaded once and scores all LR languages; each language's masked set is built once per
tokenizer and seed (cached on disk, and in memory across checkpoints). After every model state its rows
are committed, so a killed evaluation loses at most the model it was scoring, and re-running the same
command scores exactly the missing cells. Under ``accelerate launch`` the model states are split across
processes, each commits part files, and the main process gathers and merges them into
``results/perplexity.parquet``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl

from xlt.contracts.perplexity import (
    commit,
    done_cells,
    merge_results,
    parts_dir,
    read_parts,
    read_settings,
    read_workspace_results,
    results_frame,
    write_results,
)
from xlt.errors import InputError, XltError
from xlt.evaluation.evalset import EvalSetSpec, load_eval_set
from xlt.evaluation.plan import EvalOptions, EvalPlan, ModelJob, plan_evaluation
from xlt.locks import exclusive
from xlt.progress import NullReporter, Reporter
from xlt.workspace import Workspace

TASK = "evaluating"


def eval_settings(plan: EvalPlan, options: EvalOptions) -> dict[str, Any]:
    """What the numbers of a results file depend on besides the models (kept next to the results)."""
    spec = EvalSetSpec("", options.split, plan.input_length, options.max_blocks, 0)
    return {
        "split": options.split,
        "input_length": plan.input_length,
        "max_blocks": options.max_blocks,
        "noise_density": spec.noise_density,
        "mean_noise_span_length": spec.mean_noise_span_length,
    }


def _check_settings(workspace: Workspace, settings: dict[str, Any], has_results: bool) -> None:
    stored = read_settings(workspace)
    if not has_results or stored is None:
        return
    differing = {key: (stored.get(key), value) for key, value in settings.items() if stored.get(key) != value}
    if differing:
        what = ", ".join(f"{key} {old} (now {new})" for key, (old, new) in differing.items())
        raise InputError(
            f"{workspace.perplexity_path} was computed with {what}; mixed settings are not comparable",
            "re-run with the earlier options, or move results/perplexity.parquet away to start a new matrix",
        )


def _part_path(workspace: Workspace, job: ModelJob, label: str) -> Path:
    digest = hashlib.sha256(label.encode()).hexdigest()[:8]
    return parts_dir(workspace) / f"{job.run_id}__{job.checkpoint}__{digest}.parquet"


class _Scorer:
    """Scores model states of one process: models, tokenizer checks, eval-set cache, commits."""

    def __init__(
        self,
        workspace: Workspace,
        plan: EvalPlan,
        options: EvalOptions,
        done: set[tuple[Any, ...]],
        reporter: Reporter,
        commit: Callable[[ModelJob, str, list[dict[str, Any]]], None],
        device: Any,
    ) -> None:
        self.workspace, self.plan, self.options, self.done = workspace, plan, options, done
        self.reporter, self.commit, self.device = reporter, commit, device
        self.seeds = list(range(options.eval_seeds))
        self.eval_sets: dict[tuple[str, str, int], dict[str, Any] | None] = {}  # (tok key, iso3, seed)
        self.reference_keys: dict[str, str] = {}  # base label -> tokenizer key of the base model
        self.tokenizer_keys: dict[str, str | None] = {}  # run tokenizer path -> key
        self.seen_labels: set[tuple[str, str, str]] = set()
        self.bad_langs: set[str] = set()  # LR languages already reported as unusable

    def missing(self, job: ModelJob, label: str) -> list[tuple[str, int]]:
        return [
            (lang, seed)
            for lang in self.plan.lr_langs
            for seed in self.seeds
            if (job.run_id, job.checkpoint, label, lang, seed) not in self.done
        ]

    def run(self, job: ModelJob) -> list[dict[str, Any]]:
        cells = len(self.plan.lr_langs) * len(self.seeds)
        if job.label is not None:
            self.seen_labels.add((job.run_id, job.checkpoint, job.label))
            if not self.missing(job, job.label):
                self.reporter.advance(TASK, cells, f"{job.name}: already scored")
                return []
        rows = self._score(job)
        self.reporter.advance(TASK, cells, f"{job.name}: done")
        return rows

    def _score(self, job: ModelJob) -> list[dict[str, Any]]:
        from xlt.data import tokenizer_key
        from xlt.evaluation.scoring import prepare_for_scoring, resolve_precision, score_eval_set
        from xlt.modeling.loading import load_model

        try:
            loaded = load_model(job.spec, self.workspace, **job.load_kwargs)
        except XltError as exc:  # missing/corrupt weights, unknown hub id (load_model says which): go on
            self.reporter.warn(f"skipped {job.name}: {exc.message}")
            return []
        label = job.label or loaded.label
        self.seen_labels.add((job.run_id, job.checkpoint, label))
        model, tokenizer = loaded.model, loaded.tokenizer
        key = tokenizer_key(tokenizer)
        if problem := self._tokenizer_problem(job, label, model, tokenizer, key):
            self.reporter.warn(f"skipped {job.name}: {problem}")
            return []
        if job.is_base:
            self.reference_keys[label] = key
        precision = resolve_precision(self.options.precision, self.device)
        model = prepare_for_scoring(model, precision, self.device)
        rows = []
        for lang, seed in self.missing(job, label):
            arrays = self.eval_set(tokenizer, key, lang, seed)
            if arrays is None:
                continue
            self.reporter.advance(TASK, 0, f"{job.name} × {lang}")
            score = score_eval_set(model, arrays, self.options.batch_size, self.device)
            rows.append(
                {
                    "run_id": job.run_id,
                    "hr_lang": job.hr_lang,
                    "checkpoint": job.checkpoint,
                    "step": job.step,
                    "lr_lang": lang,
                    "perplexity": score.perplexity,
                    "loss": score.loss,
                    "n_tokens": score.n_tokens,
                    "model": label,
                    "eval_seed": seed,
                    "example_loss": list(score.example_loss or ()) or None,
                    "example_tokens": list(score.example_tokens or ()) or None,
                }
            )
        if rows:
            self.commit(job, label, rows)
        return rows

    def _tokenizer_problem(
        self, job: ModelJob, label: str, model: Any, tokenizer: Any, key: str
    ) -> str | None:
        """Why this model's tokenizer makes its cells unusable, or None."""
        embeddings = model.get_input_embeddings().num_embeddings
        if len(tokenizer) > embeddings:
            return f"its tokenizer has {len(tokenizer)} tokens but the model only {embeddings} embeddings"
        if job.is_base:
            return None
        reference = self.reference_keys.get(label) or self._run_tokenizer_key(job.tokenizer)
        if reference is not None and key != reference:
            return (
                f"its tokenizer ({key}) is not the one of its base model ({reference}): "
                "its perplexities would not be comparable with the zero-shot row"
            )
        return None

    def _run_tokenizer_key(self, path: str | None) -> str | None:
        """Tokenizer key of a run's configured tokenizer directory (None if it is not a local directory)."""
        if not path:
            return None
        if path not in self.tokenizer_keys:
            key = None
            if (Path(path) / "tokenizer.json").is_file():
                from xlt.data import tokenizer_key
                from xlt.modeling.tokenizers import load_tokenizer

                try:
                    key = tokenizer_key(load_tokenizer(Path(path)))
                except XltError:
                    key = None
            self.tokenizer_keys[path] = key
        return self.tokenizer_keys[path]

    def eval_set(
        self, tokenizer: Any, key: str, lang: str, seed: int, warn: bool = True
    ) -> dict[str, Any] | None:
        """The masked set (None, warned once per language, when the language cannot be evaluated)."""
        cache_key = (key, lang, seed)
        if cache_key not in self.eval_sets:
            spec = EvalSetSpec(
                lang, self.options.split, self.plan.input_length, self.options.max_blocks, seed
            )
            try:
                self.eval_sets[cache_key] = load_eval_set(self.workspace, tokenizer, key, spec)
            except XltError as exc:
                if not warn:
                    return None  # not remembered: the scoring pass reports it
                if lang not in self.bad_langs:
                    self.reporter.warn(f"skipped LR language {lang}: {exc.message}")
                    self.bad_langs.add(lang)
                self.eval_sets[cache_key] = None
        return self.eval_sets[cache_key]


def _prebuild_eval_sets(plan: EvalPlan, scorer: _Scorer) -> None:
    """Build (or load) the eval sets of every tokenizer of the plan's local model directories."""
    from xlt.data import tokenizer_key
    from xlt.modeling.tokenizers import load_tokenizer

    seen: set[str] = set()
    for job in plan.jobs:
        if not (Path(job.spec) / "tokenizer.json").is_file():
            continue  # hub ids and fresh specs: built lazily by whichever process scores them
        try:
            tokenizer = load_tokenizer(Path(job.spec))
        except XltError:
            continue  # reported when the job is scored
        key = tokenizer_key(tokenizer)
        if key in seen:
            continue
        seen.add(key)
        for lang in plan.lr_langs:
            for seed in scorer.seeds:
                scorer.eval_set(tokenizer, key, lang, seed, warn=False)


def evaluate_workspace(
    workspace: Workspace, options: EvalOptions, reporter: Reporter | None = None
) -> pl.DataFrame:
    """Score the selected checkpoints and zero-shot base models on the LR languages; return their cells.

    Cells already in ``results/perplexity.parquet`` are skipped; new rows are committed after every
    model state. Returns the rows (old and new) of the selected model states and LR languages.
    """
    from xlt.processes import process_state

    reporter = reporter or NullReporter()
    plan = plan_evaluation(workspace, options)
    for warning in plan.warnings:
        reporter.warn(warning)
    state = process_state()
    with exclusive(workspace.results_lock, "results/perplexity.parquet", enabled=state.is_main_process):
        return _evaluate(workspace, plan, options, reporter, state)


def _evaluate(
    workspace: Workspace, plan: EvalPlan, options: EvalOptions, reporter: Reporter, state: Any
) -> pl.DataFrame:
    """The body of :func:`evaluate_workspace`, under the results lock."""
    from accelerate.utils import gather_object

    settings = eval_settings(plan, options)
    existing = merge_results(read_workspace_results(workspace), read_parts(workspace))
    _check_settings(workspace, settings, existing.height > 0)
    done = done_cells(existing)

    def commit_rows(job: ModelJob, label: str, rows: list[dict[str, Any]]) -> None:
        if state.num_processes == 1:
            commit(workspace, results_frame(rows), settings)
        else:  # processes never write the same file: one part per model state
            write_results(results_frame(rows), _part_path(workspace, job, label))

    scorer = _Scorer(workspace, plan, options, done, reporter, commit_rows, state.device)
    if state.num_processes > 1:
        # The main process builds the shared caches first; the others then only read them (two processes
        # writing the same cache directory could remove each other's files).
        with state.main_process_first():
            _prebuild_eval_sets(plan, scorer)
    with state.split_between_processes(plan.jobs) as my_jobs:
        reporter.start(TASK, len(my_jobs) * len(plan.lr_langs) * options.eval_seeds)
        rows = [row for job in my_jobs for row in scorer.run(job)]
        reporter.finish(TASK)
    if state.num_processes > 1:
        rows = gather_object(rows)
        seen = set(gather_object(sorted(scorer.seen_labels)))
    else:
        seen = scorer.seen_labels
    if state.is_main_process:
        merged = commit(workspace, results_frame(rows), settings)
    state.wait_for_everyone()
    if not state.is_main_process:
        merged = read_workspace_results(workspace)
    return select_cells(merged, seen, plan.lr_langs, options.eval_seeds)


def select_cells(
    results: pl.DataFrame, states: set[tuple[str, str, str]], lr_langs: list[str], eval_seeds: int
) -> pl.DataFrame:
    """Rows of the given (run_id, checkpoint, model) states, LR languages and seeds < eval_seeds."""
    if not states:
        return results.head(0)
    keys = pl.DataFrame(sorted(states), schema=["run_id", "checkpoint", "model"], orient="row")
    return results.join(keys, on=["run_id", "checkpoint", "model"], how="semi").filter(
        pl.col("lr_lang").is_in(lr_langs) & (pl.col("eval_seed") < eval_seeds)
    )


__all__ = ["Reporter", "evaluate_workspace", "select_cells"]
