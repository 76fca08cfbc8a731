"""Machine translation: fine-tune a checkpoint on one direction, translate the test set, score with sacrebleu.

The recipe:

1. Load parallel pairs (:mod:`xlt.downstream.data`), clean them, and split them once with the seed, so that
   every compared checkpoint sees the same train/valid/test sentences.
2. Fine-tune with teacher forcing (labels padded with -100, never with the pad id, so padding is not
   learned), evaluating chrF++ on the validation split every `eval_every` steps and stopping after
   `patience` evaluations without improvement; the best weights are restored.
3. Translate the test sources with ``model.generate()`` (greedy or beam search) and score the detokenised
   strings at corpus level with sacrebleu: BLEU and chrF++ (``CHRF(word_order=2)``), with their
   signatures. (The paper's code scored the argmax of teacher-forced logits and averaged per batch; both
   overstate quality, so we do not.)

No task prefix by default: each fine-tuned model learns one direction, and mT5, unlike T5, was pretrained
without supervised tasks, so a ``translate X to Y:`` prefix carries no prior and only costs input tokens
(``prefix=True`` adds one for comparison).
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from xlt.contracts.downstream import ScoreRow, append_results, cached_scores
from xlt.downstream.checkpoints import ModelRef
from xlt.downstream.data import Pair, Splits, clean_pairs, load_parallel, split_pairs
from xlt.errors import InputError, TrainingError
from xlt.languages import Language, resolve
from xlt.progress import NullReporter, Reporter
from xlt.workspace import Workspace

# Models below this many parameters get the CPU-demo defaults (the embedded `tiny`/`small` models).
SMALL_MODEL_PARAMS = 100_000_000


@dataclass
class MTOptions:
    """Fine-tuning and decoding options; None means "the default for this model size" (see `resolved`)."""

    steps: int | None = None
    batch_size: int | None = None
    lr: float | None = None
    max_length: int | None = None
    eval_every: int | None = None
    patience: int = 3
    beams: int = 1
    max_new_tokens: int | None = None
    valid_size: int | None = None
    test_size: int | None = None
    max_pairs: int | None = 60_000
    zero_shot: bool = False
    prefix: bool = False
    seed: int = 0
    bf16: bool = False
    save_dir: Path | None = None
    force: bool = False

    def resolved(self, n_params: int, n_train: int) -> MTOptions:
        """Fill the None fields for a model of `n_params` parameters and `n_train` training pairs.

        Small models (the CPU demo, which should finish in about two minutes on two cores): 100 steps of 16
        pairs at lr 1e-3 (a 13M model needs a large step size to move at all in 100 steps), 64-token
        sequences, validation on 48 pairs every 25 steps, test capped at 200 sentences. Measured for the
        embedded `tiny` model on spa->nci: 2 min 38 s end to end on two cores shared with five other jobs
        (load 6, OMP_NUM_THREADS=1).
        mt5-base: 3 epochs of 16 pairs at lr 5e-4 (AdamW; mT5 fine-tuning wants a larger rate than BERT-style
        models, cf. the 1e-3 Adafactor rate of Xue et al. 2021), 128-token sequences (the bulk of the
        NLLB/elotl sentences), validation on 500 pairs every 500 steps, the whole test split.
        """
        small = n_params < SMALL_MODEL_PARAMS
        batch = self.batch_size or 16
        steps = self.steps or (100 if small else max(1, math.ceil(3 * n_train / batch)))
        max_length = self.max_length or (64 if small else 128)
        return replace(
            self,
            steps=steps,
            batch_size=batch,
            lr=self.lr or (1e-3 if small else 5e-4),
            max_length=max_length,
            eval_every=self.eval_every or (25 if small else 500),
            max_new_tokens=self.max_new_tokens or max_length,
            valid_size=self.valid_size if self.valid_size is not None else (48 if small else 500),
            test_size=self.test_size if self.test_size is not None else (200 if small else None),
        )


@dataclass
class MTResult:
    """Corpus-level scores of one model on one direction."""

    ref: ModelRef
    model: str
    src: str
    tgt: str
    data: str
    bleu: float
    chrf: float
    bleu_signature: str
    chrf_signature: str
    n: int
    n_train: int = 0
    steps: int = 0
    best_step: int = 0
    seconds: float = 0.0
    samples: list[tuple[str, str, str]] = field(default_factory=list)
    cached: bool = False
    saved_to: str | None = None


@dataclass(frozen=True)
class MetricScore:
    """One sacrebleu corpus score and the signature that makes it reproducible."""

    name: str
    score: float
    signature: str


def corpus_scores(hypotheses: list[str], references: list[str]) -> tuple[MetricScore, MetricScore]:
    """Corpus-level BLEU and chrF++ (sacrebleu defaults: 13a tokenisation, one reference)."""
    from sacrebleu.metrics import BLEU, CHRF

    if len(hypotheses) != len(references):
        raise ValueError(f"{len(hypotheses)} hypotheses for {len(references)} references")
    bleu, chrf = BLEU(), CHRF(word_order=2)
    return (
        MetricScore("bleu", bleu.corpus_score(hypotheses, [references]).score, str(bleu.get_signature())),
        MetricScore("chrf++", chrf.corpus_score(hypotheses, [references]).score, str(chrf.get_signature())),
    )


# ---------------------------------------------------------------------------------------------- data


def prepare_splits(
    data_spec: str | None,
    src: Language,
    tgt: Language,
    seed: int = 0,
    max_pairs: int | None = 60_000,
    **data_kwargs: Any,
) -> Splits:
    """Load, clean and split the parallel data once (the same split for every compared checkpoint)."""
    pairs = clean_pairs(load_parallel(data_spec, src, tgt, **data_kwargs))
    where = data_spec or f"{data_kwargs.get('src_file')} + {data_kwargs.get('tgt_file')}"
    return split_pairs(pairs, seed, max_pairs=max_pairs, where=str(where))


def pick_pair(workspace: Workspace) -> tuple[str, str, str]:
    """(data spec, src, tgt): a Spanish–LR elotl pair for an LR language of the workspace.

    Among the workspace's LR languages with elotl parallel text, the one with the most rows; Spanish ->
    Classical Nahuatl (axolotl, the largest variety) when the workspace has none.
    """
    from xlt.downstream.data import ELOTL_CORPORA, elotl_varieties
    from xlt.errors import WorkspaceError

    try:
        from xlt.contracts.languages import corpus_languages

        lr = set(corpus_languages(workspace, ["lr"]))
    except WorkspaceError:
        lr = set()
    best: tuple[int, str, str] | None = None
    for corpus in ELOTL_CORPORA:
        for code, count in elotl_varieties(corpus).items():
            if code in lr and (best is None or count > best[0]):
                best = (count, corpus, code)
    if best is None:
        return "elotl:axolotl", "spa", "nci"
    return f"elotl:{best[1]}", "spa", best[2]


# ---------------------------------------------------------------------------------------------- model


def _batches(pairs: list[Pair], batch_size: int, seed: int) -> Iterator[list[Pair]]:
    """Endless shuffled batches, reshuffled every epoch."""
    rng = random.Random(seed)
    order = list(pairs)
    while True:
        rng.shuffle(order)
        for start in range(0, len(order) - batch_size + 1 if len(order) >= batch_size else 1, batch_size):
            yield order[start : start + batch_size]


def _encode(tokenizer: Any, pairs: list[Pair], max_length: int, prefix: str, device: Any) -> dict:
    """Inputs and labels of a batch; label padding is -100 so the loss ignores it."""
    enc = tokenizer(
        [prefix + a for a, _ in pairs],
        text_target=[b for _, b in pairs],
        max_length=max_length,
        truncation=True,
        padding=True,
        return_tensors="pt",
    )
    labels = enc["labels"]
    labels[labels == tokenizer.pad_token_id] = -100
    return {
        "input_ids": enc["input_ids"].to(device),
        "attention_mask": enc["attention_mask"].to(device),
        "labels": labels.to(device),
    }


def translate(
    model: Any,
    tokenizer: Any,
    sources: list[str],
    *,
    beams: int = 1,
    max_new_tokens: int = 64,
    max_length: int = 128,
    batch_size: int = 32,
    prefix: str = "",
    on_batch: Callable[[int], None] | None = None,
) -> list[str]:
    """Translations of `sources` with ``generate()`` (greedy, or beam search with `beams` > 1), in order."""
    import torch

    device = next(model.parameters()).device
    order = sorted(range(len(sources)), key=lambda i: len(sources[i]))  # similar lengths batch together
    out: list[str] = [""] * len(sources)
    was_training = model.training
    model.eval()
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            enc = tokenizer(
                [prefix + sources[i] for i in idx],
                max_length=max_length,
                truncation=True,
                padding=True,
                return_tensors="pt",
            ).to(device)
            generated = model.generate(
                **enc,
                max_new_tokens=max_new_tokens,
                num_beams=beams,
                do_sample=False,
                early_stopping=beams > 1,
            )
            for i, text in zip(idx, tokenizer.batch_decode(generated, skip_special_tokens=True), strict=True):
                out[i] = text.strip()
            if on_batch:
                on_batch(len(idx))
    model.train(was_training)
    return out


def _fine_tune(
    loaded: Any, splits: Splits, opts: MTOptions, prefix: str, label: str, reporter: Reporter
) -> tuple[Any, int, int]:
    """Train on splits.train with early stopping on validation chrF++; returns (model, steps, best step).

    The same Accelerator (precision) and learning-rate schedule as pretraining: linear warm-up over the
    first tenth of the steps (at most 100), then linear decay to zero (:func:`xlt.training.config.lr_at`).
    """
    import torch

    from xlt.training.config import lr_at
    from xlt.training.optim import make_accelerator, set_lr

    assert opts.steps and opts.batch_size and opts.lr and opts.max_length and opts.eval_every
    torch.manual_seed(opts.seed)
    accelerator = make_accelerator("bf16" if opts.bf16 else "fp32")
    model = loaded.model
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=opts.lr, weight_decay=0.0)
    warmup = min(100, opts.steps // 10)
    model, optimizer = accelerator.prepare(model, optimizer)
    tokenizer = loaded.tokenizer
    valid = splits.valid[: opts.valid_size]
    best_chrf, best_step, best_state, bad = -1.0, 0, None, 0
    batches = _batches(splits.train, opts.batch_size, opts.seed)
    step = 0
    task = f"fine-tune {label}"
    reporter.start(task, total=opts.steps)
    try:
        for step in range(1, opts.steps + 1):
            set_lr(optimizer, lr_at(step - 1, opts.lr, warmup, opts.steps))
            batch = _encode(tokenizer, next(batches), opts.max_length, prefix, accelerator.device)
            loss = model(**batch).loss
            if not torch.isfinite(loss):
                raise TrainingError(
                    f"fine-tuning {label}: loss is {loss.item()} at step {step}", "lower --lr"
                )
            accelerator.backward(loss)
            accelerator.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            reporter.advance(task, 1, info=f"loss {loss.item():.3f} best chrF++ {max(best_chrf, 0):.1f}")
            if valid and (step % opts.eval_every == 0 or step == opts.steps):
                unwrapped = accelerator.unwrap_model(model)
                hyps = translate(
                    unwrapped,
                    tokenizer,
                    [a for a, _ in valid],
                    max_new_tokens=opts.max_new_tokens or opts.max_length,
                    max_length=opts.max_length,
                    prefix=prefix,
                )
                chrf = corpus_scores(hyps, [b for _, b in valid])[1].score
                if chrf > best_chrf:
                    best_chrf, best_step, bad = chrf, step, 0
                    best_state = {
                        k: v.detach().to("cpu", copy=True) for k, v in unwrapped.state_dict().items()
                    }
                else:
                    bad += 1
                    if bad >= opts.patience:
                        break
    finally:
        reporter.finish(task)
    model = accelerator.unwrap_model(model)
    if best_state is not None:
        model.load_state_dict(best_state)
    else:
        best_step = step
    model.eval()
    return model, step, best_step


def score_model(
    workspace: Workspace,
    ref: ModelRef,
    splits: Splits,
    src: Language,
    tgt: Language,
    options: MTOptions,
    data_label: str,
    reporter: Reporter | None = None,
) -> MTResult:
    """Fine-tune one model (unless zero-shot), translate the test split, score it and store the scores."""
    reporter = reporter or NullReporter()
    if not options.force and options.save_dir is None:
        cached = cached_scores(workspace, "mt", ref.run_id, ref.checkpoint, src.iso3, tgt.iso3)
        if {"bleu", "chrf++"} <= set(cached):
            old_bleu, old_chrf = cached["bleu"], cached["chrf++"]
            return MTResult(
                ref, old_bleu["model"], src.iso3, tgt.iso3, old_bleu["data"], old_bleu["score"],
                old_chrf["score"], old_bleu["signature"], old_chrf["signature"], old_bleu["n"], cached=True,
            )  # fmt: skip
    from xlt.modeling.build import n_parameters
    from xlt.modeling.checkpoints import save_checkpoint
    from xlt.modeling.loading import load_model

    started = time.perf_counter()
    loaded = load_model(ref.spec, workspace, seed=options.seed)
    opts = options.resolved(n_parameters(loaded.model), len(splits.train))
    prefix = f"translate {src.name} to {tgt.name}: " if opts.prefix else ""
    model, steps, best_step = loaded.model, 0, 0
    if not opts.zero_shot:
        model, steps, best_step = _fine_tune(loaded, splits, opts, prefix, ref.name, reporter)
    test = splits.test[: opts.test_size] if opts.test_size else splits.test
    task = f"translate {ref.name}"
    reporter.start(task, total=len(test))
    try:
        hyps = translate(
            model,
            loaded.tokenizer,
            [a for a, _ in test],
            beams=opts.beams,
            max_new_tokens=opts.max_new_tokens or 64,
            max_length=opts.max_length or 128,
            prefix=prefix,
            on_batch=lambda n: reporter.advance(task, n, info=f"beams {opts.beams}"),
        )
    finally:
        reporter.finish(task)
    refs = [b for _, b in test]
    bleu, chrf = corpus_scores(hyps, refs)
    saved = None
    if opts.save_dir is not None:
        save_checkpoint(
            model, loaded.tokenizer, opts.save_dir, info={"fine_tuned": f"mt {src.iso3}->{tgt.iso3}"}
        )
        saved = str(opts.save_dir)
    result = MTResult(
        ref=ref,
        model=loaded.label,
        src=src.iso3,
        tgt=tgt.iso3,
        data=data_label,
        bleu=bleu.score,
        chrf=chrf.score,
        bleu_signature=bleu.signature,
        chrf_signature=chrf.signature,
        n=len(test),
        n_train=0 if opts.zero_shot else len(splits.train),
        steps=steps,
        best_step=best_step,
        seconds=time.perf_counter() - started,
        samples=[(a, b, h) for (a, b), h in list(zip(test, hyps, strict=True))[:3]],
        saved_to=saved,
    )
    append_results(workspace, _rows(result, opts.seed))
    return result


def _rows(result: MTResult, seed: int) -> list[ScoreRow]:
    common: dict[str, Any] = {
        "task": "mt",
        "run_id": result.ref.run_id,
        "checkpoint": result.ref.checkpoint,
        "src_lang": result.src,
        "tgt_lang": result.tgt,
        "n": result.n,
        "model": result.model,
        "seed": seed,
        "data": result.data,
    }
    return [
        ScoreRow(metric="bleu", score=result.bleu, signature=result.bleu_signature, **common),
        ScoreRow(metric="chrf++", score=result.chrf, signature=result.chrf_signature, **common),
    ]


def compare_checkpoints(
    workspace: Workspace,
    refs: list[ModelRef],
    data_spec: str | None,
    src: str,
    tgt: str,
    options: MTOptions | None = None,
    *,
    reporter: Reporter | None = None,
    **data_kwargs: Any,
) -> list[MTResult]:
    """Score several models on the same split of one direction (e.g. the base model and a run's steps)."""
    options = options or MTOptions()
    src_lang, tgt_lang = resolve(src), resolve(tgt)
    if src_lang == tgt_lang:
        raise InputError(f"source and target are both {src_lang}", "choose two different languages")
    splits = prepare_splits(data_spec, src_lang, tgt_lang, options.seed, options.max_pairs, **data_kwargs)
    label = data_spec or f"{data_kwargs.get('src_file')}|{data_kwargs.get('tgt_file')}"
    return [
        score_model(workspace, ref, splits, src_lang, tgt_lang, options, str(label), reporter) for ref in refs
    ]


def run_mt(
    workspace: Workspace,
    model_spec: str,
    data_spec: str | None,
    src: str,
    tgt: str,
    options: MTOptions | None = None,
    *,
    reporter: Reporter | None = None,
    **data_kwargs: Any,
) -> MTResult:
    """Fine-tune `model_spec` on `src`->`tgt` pairs of `data_spec` and score it (see the module docstring)."""
    from xlt.downstream.checkpoints import identify

    ref = identify(model_spec, workspace)
    return compare_checkpoints(
        workspace, [ref], data_spec, src, tgt, options, reporter=reporter, **data_kwargs
    )[0]
