"""One MT system's result: its scores on the test set, from its stored translations."""

from __future__ import annotations

from dataclasses import dataclass, field

from xlt.contracts.downstream import ScoreRow, SystemOutput
from xlt.downstream.checkpoints import BASELINE_RUNS, ModelRef
from xlt.downstream.parallel import Pair
from xlt.downstream.scores import corpus_scores


@dataclass(frozen=True)
class MTResult:
    """Corpus-level scores of one system (a model, or a trivial baseline) on one direction."""

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
    hypotheses: list[str] = field(repr=False)
    n_train: int = 0
    steps: int = 0
    best_step: int = 0
    seconds: float = 0.0
    samples: list[tuple[str, str, str]] = field(default_factory=list)
    cached: bool = False
    saved_to: str | None = None
    is_baseline: bool = False

    def score(self, metric: str) -> float:
        return self.bleu if metric == "bleu" else self.chrf


def result_from_output(
    ref: ModelRef, output: SystemOutput, test: list[Pair], data: str, *, cached: bool = False
) -> MTResult:
    """Score stored translations against the test references (sacrebleu is cheap; models are not)."""
    references = [b for _, b in test]
    bleu, chrf = corpus_scores(output.hypotheses, references)
    return MTResult(
        ref=ref, model=output.model, src=output.src_lang, tgt=output.tgt_lang, data=data,
        bleu=bleu.score, chrf=chrf.score, bleu_signature=bleu.signature, chrf_signature=chrf.signature,
        n=len(test), hypotheses=list(output.hypotheses), steps=output.steps, best_step=output.best_step,
        seconds=output.seconds, cached=cached,
        samples=[(a, b, h) for (a, b), h in list(zip(test, output.hypotheses, strict=True))[:3]],
        is_baseline=ref.run_id in BASELINE_RUNS,
    )  # fmt: skip


def score_rows(result: MTResult, seed: int, settings: str) -> list[ScoreRow]:
    """The two rows (BLEU, chrF++) of a result in downstream.parquet."""
    common = {
        "task": "mt", "run_id": result.ref.run_id, "checkpoint": result.ref.checkpoint,
        "src_lang": result.src, "tgt_lang": result.tgt, "n": result.n, "model": result.model, "seed": seed,
        "data": result.data, "settings": settings,
    }  # fmt: skip
    return [
        ScoreRow(metric="bleu", score=result.bleu, signature=result.bleu_signature, **common),  # type: ignore[arg-type]
        ScoreRow(metric="chrf++", score=result.chrf, signature=result.chrf_signature, **common),  # type: ignore[arg-type]
    ]
