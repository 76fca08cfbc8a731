"""Benchmark MT fine-tuning recipes and decoding guards on a workspace's base model against the baselines.

For one direction of the packaged elotl data (default Spanish -> Classical Nahuatl, nci) and the same
seeded split, fine-tunes the workspace's base model once per recipe (steps × learning rate), translates
the same test sentences with and without the repetition guards, and prints BLEU, chrF++, the paired
bootstrap p-value against copying the source, the share of outputs with a repeated trigram, and the
seconds per system, next to the copy and most-frequent baselines. Nothing is written to the workspace.

    .venv/bin/python benchmarks/bench_mt.py --workspace /tmp/ws --steps 100,300 --learning-rates 1e-3
"""

from __future__ import annotations

import argparse
import time


def _repeats(texts: list[str]) -> float:
    """Share of outputs in which some word trigram occurs twice (the "auh yn auh yn" failure)."""

    def looped(text: str) -> bool:
        words = text.split()
        grams = [tuple(words[i : i + 3]) for i in range(len(words) - 2)]
        return len(grams) != len(set(grams))

    return sum(looped(t) for t in texts) / max(1, len(texts))


def main() -> None:
    """Print one line per system."""
    from xlt.downstream.compare import make_task
    from xlt.downstream.finetune import fine_tune
    from xlt.downstream.generation import DecodeOptions, translate
    from xlt.downstream.mt import MTOptions
    from xlt.downstream.scores import (
        copy_hypotheses,
        corpus_scores,
        most_frequent_hypotheses,
        paired_bootstrap,
    )
    from xlt.modeling.build import n_parameters
    from xlt.modeling.loading import load_model
    from xlt.progress import NullReporter
    from xlt.workspace import Workspace

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", required=True)
    parser.add_argument("--model", default="base")
    parser.add_argument("--src-lang", default="spa")
    parser.add_argument("--tgt-lang", default="nci")
    parser.add_argument("--steps", default="300", help="comma-separated")
    parser.add_argument("--learning-rates", default="1e-3", help="comma-separated")
    parser.add_argument("--test-size", type=int, default=200)
    args = parser.parse_args()
    ws = Workspace.resolve(args.workspace)
    task = make_task("elotl:axolotl", args.src_lang, args.tgt_lang, MTOptions(test_size=args.test_size))
    refs = [b for _, b in task.test]
    copy = copy_hypotheses(task.test)
    systems = {"copy": copy, "most-frequent": most_frequent_hypotheses(task.splits.train, task.test)}
    seconds: dict[str, float] = {}
    guarded, free = (
        DecodeOptions(),
        DecodeOptions(no_repeat_ngram=0, repetition_penalty=1.0, max_length_ratio=100),
    )
    for steps in (int(s) for s in args.steps.split(",")):
        for lr in (float(x) for x in args.learning_rates.split(",")):
            start = time.perf_counter()
            loaded = load_model(args.model, ws)
            opts = MTOptions(steps=steps, learning_rate=lr).resolved(
                n_parameters(loaded.model), len(task.splits.train)
            )
            model, _, best = fine_tune(loaded, task.splits, opts, guarded, f"{steps}@{lr}", NullReporter())
            tuned = time.perf_counter() - start
            for label, decode in (("guards", guarded), ("no guards", free)):
                start = time.perf_counter()
                name = f"{steps} steps lr {lr:g} best {best}, {label}"
                systems[name] = translate(model, loaded.tokenizer, [a for a, _ in task.test], decode)
                seconds[name] = tuned + time.perf_counter() - start
    _, tests = paired_bootstrap(("copy", copy), [(n, h) for n, h in systems.items() if n != "copy"], refs)
    p_copy = {t.system: t.p_value["chrf++"] for t in tests}
    print(
        f"{task.src.iso3} -> {task.tgt.iso3}: {len(task.splits.train)} train, {len(task.test)} test sentences"
    )
    for name, hyps in systems.items():
        bleu, chrf = corpus_scores(hyps, refs)
        print(
            f"{name:40s} BLEU {bleu.score:5.2f}  chrF++ {chrf.score:5.1f}  "
            f"p vs copy {p_copy.get(name, 1):.3f}  looped {_repeats(hyps):4.0%}  "
            f"{seconds.get(name, 0):5.0f} s"
        )


if __name__ == "__main__":
    main()
