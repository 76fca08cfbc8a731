"""Reference rows for the perplexity matrix: a random-init model and token-frequency (unigram) models.

At the tiny scale most of the LR perplexity drop after HR pretraining is shared subword frequencies and
the sentinel format, not linguistic transfer (README, "What the default experiment shows"). So the matrix
is printed with three kinds of baselines, all scored on exactly the cached masked eval sets the
checkpoints are scored on (:mod:`xlt.evaluation.evalset`, same tokenizer, split, input length, block cap
and mask seeds):

* ``random_init``: the base model's architecture and tokenizer, freshly initialised (seed
  :data:`RANDOM_INIT_SEED`, or the run's seed for a fresh ``tiny``/``small`` base, which then equals
  the zero-shot row): what "no training at all" scores.
* ``unigram:<hr>``: a token-frequency model of the target side estimated from the HR language's train
  text: the "word-frequency baseline". A checkpoint pretrained on that HR language is worth something
  only where it is clearly below this row.
* ``unigram:self``: the LR language's own token frequencies, from its *other* split (eval on train ->
  estimated on valid and vice versa). An **oracle**: no HR-only model can know these frequencies; it
  shows how far frequencies alone can go.

Unigram models are estimated the way pretraining reports its own unigram baseline
(:mod:`xlt.training.baselines`): the text is cut into the same raw blocks, span-corrupted, and the
*labels* are counted, so sentinels and EOS get their real target frequencies; add-one smoothing over
the tokenizer's vocabulary keeps unseen tokens finite. Results go to ``results/baselines.parquet``,
one row per (LR language, baseline, model, eval seed; the contract is :mod:`xlt.contracts.baselines`);
cells already there are skipped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import polars as pl

from xlt.contracts.baselines import (
    BASELINE_KEY,
    RANDOM_INIT,
    UNIGRAM_PREFIX,
    UNIGRAM_SELF,
    baselines_path,
    empty_baselines,
    merge_baselines,
    read_baselines,
    stored_settings,
    write_baselines,
)
from xlt.contracts.languages import languages_in_tier
from xlt.errors import XltError
from xlt.evaluation.evalset import EvalSetSpec, load_eval_set
from xlt.evaluation.plan import EvalOptions, ModelJob, plan_evaluation
from xlt.evaluation.runner import eval_settings
from xlt.locks import exclusive
from xlt.progress import NullReporter, Reporter
from xlt.workspace import Workspace

if TYPE_CHECKING:
    import numpy as np

TASK = "baselines"
RANDOM_INIT_SEED = 0
# Add-one (Laplace) smoothing over the tokenizer's vocabulary, as xlt.training.baselines does.
SMOOTHING = 1.0
# Pretraining's default line cap (xlt/training/config.py, DataSection.max_lines): the same cap reuses the
# HR text tokenized by `xlt pretrain` instead of tokenizing it again.
HR_MAX_LINES = 500_000
# Blocks whose labels are counted: xlt.training.baselines.corrupted_labels' cap (≈ 20k × 145 raw tokens).
COUNT_BLOCKS = 20_000
# Small texts (an LR valid split) are corrupted up to this many times with fresh masks, so that most of
# their tokens are counted, not just the 15 % one mask hides; sentinel/EOS proportions stay those of
# real targets.
MAX_COUNT_DRAWS = 10
COUNT_SEED = 0  # mask seed of the counted text (independent of the eval seeds)


def unigram_score(counts_labels: np.ndarray, eval_labels: np.ndarray, vocab_size: int) -> tuple[float, int]:
    """(mean loss in nats, target tokens) of eval labels under add-one label frequencies.

    Uses :func:`xlt.training.baselines.unigram_perplexity` (the baseline pretraining reports), so both
    numbers are computed alike; labels ``-100`` are ignored on both sides.
    """
    import numpy as np

    from xlt.spans import LABEL_PAD_ID
    from xlt.training.baselines import unigram_perplexity

    perplexity = unigram_perplexity(counts_labels, eval_labels, vocab_size, smoothing=SMOOTHING)
    return math.log(perplexity), int((np.asarray(eval_labels) != LABEL_PAD_ID).sum())


def counted_labels(
    workspace: Workspace, tokenizer: Any, iso3: str, split: str, spec: EvalSetSpec
) -> np.ndarray:
    """Target ids of span-corrupted blocks of one language's split: what a unigram model is fitted on.

    The blocks have the eval sets' raw length and noise settings; at most :data:`COUNT_BLOCKS` of them,
    spread evenly over the text; a small text is corrupted several times with fresh masks.
    """
    import numpy as np

    from xlt.data import token_blocks
    from xlt.evaluation.evalset import select_blocks
    from xlt.training.baselines import corrupted_labels

    corruption = spec.corruption(tokenizer)
    max_lines = HR_MAX_LINES if split == "train" else None
    blocks = np.asarray(
        token_blocks(workspace, tokenizer, iso3, split, corruption.raw_length, max_lines=max_lines)
    )
    blocks = blocks[select_blocks(len(blocks), COUNT_BLOCKS)]
    draws = int(min(MAX_COUNT_DRAWS, max(1, COUNT_BLOCKS // len(blocks))))
    return corrupted_labels(np.tile(blocks, (draws, 1)), corruption, COUNT_SEED, max_blocks=COUNT_BLOCKS * 10)


@dataclass
class _Base:
    """One base model of the plan: its label, tokenizer and the job that loads it."""

    job: ModelJob
    label: str
    tokenizer: Any
    key: str
    config: Any


def _other_split(split: str) -> str:
    return "valid" if split == "train" else "train"


def _hr_languages(workspace: Workspace, jobs: list[ModelJob]) -> list[str]:
    """HR languages of the selected runs; with no runs, every language of tier `hr`."""
    langs = sorted({job.hr_lang for job in jobs if not job.is_base and job.hr_lang})
    if langs or not workspace.languages_path.is_file():
        return langs
    return languages_in_tier(workspace, "hr")


def compute_baselines(
    workspace: Workspace, options: EvalOptions, reporter: Reporter | None = None
) -> pl.DataFrame:
    """Score the random-init, ``unigram:<hr>`` and ``unigram:self`` baselines on the matrix's eval sets.

    The base models, LR languages, HR languages and input length come from :func:`plan_evaluation` with
    the same `options` (``include_base`` forced on: the baselines are defined by the base models).
    Rows already in ``results/baselines.parquet`` are skipped; new ones are merged in atomically. Stored
    rows computed with other eval-set settings are replaced (with a warning). A language or HR text that
    cannot be used is warned about and skipped. Returns the rows of the selected languages and seeds.
    """
    reporter = reporter or NullReporter()
    with exclusive(workspace.results_lock, "results/perplexity.parquet"):
        return _compute(workspace, options, reporter)


def _compute(workspace: Workspace, options: EvalOptions, reporter: Reporter) -> pl.DataFrame:
    """The body of :func:`compute_baselines`, under the results lock."""
    plan = plan_evaluation(workspace, replace(options, include_base=True))
    settings = eval_settings(plan, options)
    existing = read_baselines(workspace)
    stale = existing.height > 0 and stored_settings(workspace) not in (None, settings)
    if stale:
        reporter.warn(f"{baselines_path(workspace)} was computed on other eval sets: recomputing it")
        existing = empty_baselines()
    done = {tuple(row) for row in existing.select(list(BASELINE_KEY)).iter_rows()}
    seeds = list(range(options.eval_seeds))
    hr_langs = _hr_languages(workspace, plan.jobs)
    bases = [job for job in plan.jobs if job.is_base]
    per_base = len(plan.lr_langs) * len(seeds) * (2 + len(hr_langs))
    reporter.start(TASK, len(bases) * per_base)
    stored = {"frame": existing}

    def commit(rows: list[dict[str, Any]]) -> None:  # after each base model: a kill keeps what was done
        stored["frame"] = merge_baselines(stored["frame"], rows)
        write_baselines(workspace, stored["frame"], settings)

    scorer = _BaselineScorer(workspace, options, plan.input_length, plan.lr_langs, seeds, reporter, done)
    for job in bases:
        if rows := scorer.run(job, hr_langs):
            commit(rows)
    if stale or not baselines_path(workspace).exists():  # stale rows must not stay next to a new matrix
        commit([])
    reporter.finish(TASK)
    merged = stored["frame"]
    return merged.filter(pl.col("lr_lang").is_in(plan.lr_langs) & (pl.col("eval_seed") < options.eval_seeds))


class _BaselineScorer:
    """Scores the baselines of one base model at a time; commits after each base model."""

    def __init__(
        self,
        workspace: Workspace,
        options: EvalOptions,
        input_length: int,
        lr_langs: list[str],
        seeds: list[int],
        reporter: Reporter,
        done: set[tuple[Any, ...]],
    ) -> None:
        self.workspace, self.options, self.input_length = workspace, options, input_length
        self.lr_langs, self.seeds, self.reporter, self.done = lr_langs, seeds, reporter, done
        self.warned: set[str] = set()

    def spec(self, lang: str, seed: int) -> EvalSetSpec:
        return EvalSetSpec(lang, self.options.split, self.input_length, self.options.max_blocks, seed)

    def warn_once(self, what: str, message: str) -> None:
        if what not in self.warned:
            self.warned.add(what)
            self.reporter.warn(message)

    def run(self, job: ModelJob, hr_langs: list[str]) -> list[dict[str, Any]]:
        """The missing baseline cells of one base model (loaded only if something is missing)."""
        from xlt.modeling.loading import load_model

        baselines = [RANDOM_INIT, *(UNIGRAM_PREFIX + hr for hr in hr_langs), UNIGRAM_SELF]
        todo = {
            (lang, name, seed)
            for lang in self.lr_langs
            for name in baselines
            for seed in self.seeds
            if job.label is None or (lang, name, job.label, seed) not in self.done
        }
        total = len(self.lr_langs) * len(self.seeds) * len(baselines)
        if not todo:
            self.reporter.advance(TASK, total, f"baselines of {job.name}: already computed")
            return []
        try:
            loaded = load_model(job.spec, self.workspace, **job.load_kwargs)
        except XltError as exc:  # missing/corrupt base (load_model says which): one line, go on
            self.reporter.warn(f"no baselines for {job.name}: {exc.message}")
            self.reporter.advance(TASK, total, f"baselines of {job.name}: skipped")
            return []
        label = job.label or loaded.label
        todo = {cell for cell in todo if (cell[0], cell[1], label, cell[2]) not in self.done}
        rows = self._random_init(job, loaded, label, todo)
        rows += self._unigrams(loaded.tokenizer, label, hr_langs, todo)
        self.reporter.advance(TASK, total, f"baselines of {job.name}: done")
        return rows

    def eval_set(self, tokenizer: Any, key: str, lang: str, seed: int) -> dict[str, np.ndarray] | None:
        try:
            return load_eval_set(self.workspace, tokenizer, key, self.spec(lang, seed))
        except XltError as exc:
            self.warn_once(f"lr:{lang}", f"skipped LR language {lang}: {exc.message}")
            return None

    def _random_init(
        self, job: ModelJob, loaded: Any, label: str, todo: set[tuple[str, str, int]]
    ) -> list[dict[str, Any]]:
        """The base architecture freshly initialised, scored like a checkpoint."""
        import copy

        from xlt.data import tokenizer_key
        from xlt.evaluation.scoring import prepare_for_scoring, resolve_precision, score_eval_set
        from xlt.modeling.build import build_tiny_model
        from xlt.modeling.spec import ModelSpec
        from xlt.processes import process_state

        cells = sorted((lang, seed) for lang, name, seed in todo if name == RANDOM_INIT)
        if not cells:
            return []
        if ModelSpec.parse(job.spec).is_fresh:
            model = loaded.model  # a fresh base already is the random init the run started from
        else:
            # build_tiny_model = MT5ForConditionalGeneration(config) plus mT5's untied-head init
            # (std d_model ** -0.5), so the first loss is near ln(vocab) as in real mT5 (see its docstring).
            model = build_tiny_model(copy.deepcopy(loaded.model.config), RANDOM_INIT_SEED)
        device = process_state().device
        model = prepare_for_scoring(model, resolve_precision(self.options.precision, device), device)
        key = tokenizer_key(loaded.tokenizer)
        rows = []
        for lang, seed in cells:
            arrays = self.eval_set(loaded.tokenizer, key, lang, seed)
            if arrays is None:
                continue
            self.reporter.advance(TASK, 0, f"random init × {lang}")
            score = score_eval_set(model, arrays, self.options.batch_size, device)
            rows.append(_row(lang, RANDOM_INIT, None, score.loss, score.n_tokens, label, seed))
        return rows

    def _unigrams(
        self, tokenizer: Any, label: str, hr_langs: list[str], todo: set[tuple[str, str, int]]
    ) -> list[dict[str, Any]]:
        """``unigram:<hr>`` and ``unigram:self`` cells; each frequency table is estimated once."""
        rows = []
        for hr in hr_langs:  # an HR language's frequencies, from its train text, on every LR language
            cells = sorted((lang, seed) for lang, n, seed in todo if n == UNIGRAM_PREFIX + hr)
            if cells:
                self.reporter.advance(TASK, 0, f"unigram {hr}: counting")
                rows += self._unigram_cells(tokenizer, label, UNIGRAM_PREFIX + hr, hr, "train", hr, cells)
        other = _other_split(self.options.split)
        for lang in self.lr_langs:  # the LR language's own frequencies, from its other split (an oracle)
            seeds = [seed for cell_lang, n, seed in todo if n == UNIGRAM_SELF and cell_lang == lang]
            cells = [(lang, seed) for seed in sorted(seeds)]
            if cells:
                rows += self._unigram_cells(tokenizer, label, UNIGRAM_SELF, lang, other, None, cells)
        return rows

    def _unigram_cells(
        self,
        tokenizer: Any,
        label: str,
        name: str,
        text_lang: str,
        split: str,
        source: str | None,
        cells: list[tuple[str, int]],
    ) -> list[dict[str, Any]]:
        """Cells of one unigram baseline: frequencies of `text_lang`'s `split`, scored on each cell's set."""
        from xlt.data import tokenizer_key

        try:
            counts = counted_labels(self.workspace, tokenizer, text_lang, split, self.spec("", 0))
        except XltError as exc:
            what = f"unigram {source} baseline" if source else f"unigram self baseline for {text_lang}"
            self.warn_once(f"{name}:{text_lang}", f"no {what}: {exc.message}")
            return []
        key, vocab, rows = tokenizer_key(tokenizer), len(tokenizer), []
        for lang, seed in cells:
            if (arrays := self.eval_set(tokenizer, key, lang, seed)) is not None:
                loss, n = unigram_score(counts, arrays["labels"], vocab)
                rows.append(_row(lang, name, source, loss, n, label, seed))
        return rows


def _row(
    lang: str, baseline: str, source: str | None, loss: float, n_tokens: int, model: str, seed: int
) -> dict[str, Any]:
    return {
        "lr_lang": lang,
        "baseline": baseline,
        "source_lang": source,
        "perplexity": math.exp(loss),
        "loss": loss,
        "n_tokens": n_tokens,
        "model": model,
        "eval_seed": seed,
    }
