"""Downstream tasks end to end with a tiny mT5: MT fine-tuning + sacrebleu, POS probes, the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from xlt.downstream.generation import DecodeOptions
from xlt.downstream.parallel import load_elotl
from xlt.downstream.treebanks import read_conllu, turkish_treebank_path
from xlt.errors import UsageError
from xlt.languages import resolve

# A few steps on a slice: enough to exercise every code path, far too little to translate.
FAST = {"steps": 6, "eval_every": 3, "valid_size": 8, "test_size": 12, "max_pairs": 300}


@pytest.fixture(scope="module")
def tiny_ws(tmp_path_factory):
    """A workspace with two checkpoints of a tiny mT5 (d_model 64, 2+2 layers) of one run."""
    from xlt.modeling.build import build_tiny_model, tiny_config
    from xlt.modeling.checkpoints import save_checkpoint
    from xlt.modeling.tokenizers import train_tokenizer
    from xlt.workspace import Workspace

    root = tmp_path_factory.mktemp("downstream")
    ws = Workspace.resolve(root / "ws")
    pairs = load_elotl("axolotl", resolve("spa"), resolve("nci"))[:1500]
    turkish = read_conllu(turkish_treebank_path("web"), legacy_tags=True)[:1000]
    lines = {
        "spa": [a for a, _ in pairs],
        "nci": [b for _, b in pairs],
        "tur": [" ".join(s.words) for s in turkish],
        "toy": ["el perro come la casa", "un gato ve el libro"] * 20,
    }
    tokenizer = train_tokenizer(lines, root / "tok", vocab_size=1000)
    config = tiny_config(
        "tiny", len(tokenizer), d_model=64, d_ff=128, num_layers=2, num_decoder_layers=2, num_heads=2, d_kv=32
    )
    for step, seed in ((10, 0), (20, 1)):
        save_checkpoint(build_tiny_model(config, seed), tokenizer, ws.checkpoints_dir("r1") / f"step-{step}")
    (ws.run_dir("r1") / "config.json").write_text('{"run_id": "r1"}', encoding="utf-8")
    return ws


def _step(ws, n: int) -> str:
    return str(ws.checkpoints_dir("r1") / f"step-{n}")


def test_mt_fine_tune_scores_with_signatures(tiny_ws):
    """A few fine-tuning steps on elotl give corpus BLEU/chrF++ with signatures; the model's rows and the two
    baselines' rows are stored under the settings, and a re-run reads the system back instead of training."""
    from xlt.contracts.downstream import read_results
    from xlt.downstream.compare import run_mt
    from xlt.downstream.mt import MTOptions

    options = MTOptions(**FAST, force=True)
    result = run_mt(tiny_ws, _step(tiny_ws, 10), "elotl:axolotl", "spa", "nci", options)
    assert result.n == 12 and result.steps >= 3 and result.n_train > 200 and len(result.hypotheses) == 12
    assert 0 <= result.bleu <= 100 and 0 < result.chrf <= 100
    assert "nrefs:1" in result.bleu_signature and "tok:13a" in result.bleu_signature
    assert "nrefs:1" in result.chrf_signature and "nw:2" in result.chrf_signature
    assert len(result.samples) == 3 and all(len(s) == 3 for s in result.samples)
    frame = read_results(tiny_ws).filter(task="mt", checkpoint="step-10")
    assert sorted(frame["metric"].to_list()) == ["bleu", "chrf++"]
    assert set(frame["signature"].to_list()) == {result.bleu_signature, result.chrf_signature}
    assert "steps=6" in frame["settings"][0] and "no_repeat_ngram=3" in frame["settings"][0]
    baselines = read_results(tiny_ws).filter(task="mt", run_id="copy")
    assert len(baselines) == 2 and baselines["checkpoint"].to_list() == ["source", "source"]
    again = run_mt(tiny_ws, _step(tiny_ws, 10), "elotl:axolotl", "spa", "nci", MTOptions(**FAST))
    assert again.cached and again.chrf == pytest.approx(result.chrf) and again.hypotheses == result.hypotheses
    other = run_mt(
        tiny_ws, _step(tiny_ws, 10), "elotl:axolotl", "spa", "nci", MTOptions(**{**FAST, "steps": 3})
    )
    assert not other.cached and other.steps == 3
    rows = read_results(tiny_ws).filter(task="mt", checkpoint="step-10")
    assert len(rows) == 4 and rows["settings"].n_unique() == 2  # the other recipe is kept beside the first


def test_mt_labels_are_masked_with_minus_100(tiny_ws):
    """Label padding is -100 (ignored by the loss), never the pad id."""
    from xlt.downstream.finetune import encode
    from xlt.modeling.tokenizers import load_tokenizer

    tokenizer = load_tokenizer(Path(_step(tiny_ws, 10)))
    batch = encode(
        tokenizer, [("hola", "niltze"), ("una frase larga aquí", "ce tlahtolli huel huey")], 32, "", "cpu"
    )
    labels = batch["labels"]
    assert (labels == -100).any() and not (labels == tokenizer.pad_token_id).any()
    assert (batch["input_ids"] == tokenizer.pad_token_id).any()


def test_generation_guards_stop_repetition_and_runaway_length(tiny_ws):
    """An untrained model loops; with the guards no trigram repeats and each output stays within
    ratio × source tokens + slack, while without them the outputs run to the cap."""
    from xlt.downstream.generation import LENGTH_SLACK, DecodeOptions, translate
    from xlt.modeling.loading import load_model

    loaded = load_model(_step(tiny_ws, 10))
    sources = [
        "Cuauhtlatoatzin gobernó durante 29 años.",
        "7 Acatl, 1447.",
        "En el año 11 Tochtli no sucedió nada.",
    ]
    guarded = DecodeOptions(
        no_repeat_ngram=3, repetition_penalty=1.2, max_length_ratio=1.0, max_new_tokens=40
    )
    free = DecodeOptions(no_repeat_ngram=0, repetition_penalty=1.0, max_length_ratio=100.0, max_new_tokens=40)
    tokenizer = loaded.tokenizer
    for source, text in zip(sources, translate(loaded.model, tokenizer, sources, guarded), strict=True):
        ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        trigrams = [tuple(ids[i : i + 3]) for i in range(len(ids) - 2)]
        assert len(trigrams) == len(set(trigrams)), text
        assert len(ids) <= len(tokenizer(source)["input_ids"]) + LENGTH_SLACK + 2  # re-tokenising may split
    unguarded = translate(loaded.model, tokenizer, sources, free)
    lengths = [len(tokenizer(t, add_special_tokens=False)["input_ids"]) for t in unguarded]
    assert max(lengths) > len(tokenizer(sources[1])["input_ids"]) + LENGTH_SLACK  # what the guards prevent
    with pytest.raises(UsageError, match="repetition-penalty"):
        DecodeOptions(repetition_penalty=0.5).check()


def test_mt_compare_runs_baselines_and_significance(tiny_ws, tmp_path):
    """A reference model and a run's named checkpoints on the same test split, with the copy and
    most-frequent baselines and paired bootstrap tests vs copy and vs the reference; --save reloads."""
    from xlt.downstream.checkpoints import model_refs
    from xlt.downstream.compare import compare_systems, run_mt
    from xlt.downstream.mt import MTOptions
    from xlt.modeling.loading import load_model

    refs = model_refs(tiny_ws, _step(tiny_ws, 10), ["r1"], ["step-20"])
    assert [r.name for r in refs] == ["r1/step-10", "r1/step-20"]
    assert [r.checkpoint for r in model_refs(tiny_ws, _step(tiny_ws, 10), ["r1"], None, False)] == ["step-20"]
    options = MTOptions(**FAST, zero_shot=True, decode=DecodeOptions(beams=2, max_new_tokens=12), force=True)
    comparison = compare_systems(tiny_ws, refs, "elotl:axolotl", "spa", "nci", options)
    names = [r.ref.name for r in comparison.results]
    assert names == ["r1/step-10", "r1/step-20", "copy", "most-frequent"]
    copy = comparison.baseline("copy")
    assert copy.hypotheses[:3] == [a for a, _, _ in copy.samples]  # the sources themselves
    assert len(set(comparison.baseline("most-frequent").hypotheses)) == 1
    assert set(comparison.vs_copy) == {"r1/step-10", "r1/step-20", "most-frequent"}
    assert set(comparison.vs_reference) == {"r1/step-20"}
    test = comparison.vs_copy["r1/step-10"]
    assert test.delta["chrf++"] == pytest.approx(comparison.results[0].chrf - copy.chrf)
    assert 0 < test.p_value["chrf++"] <= 1 and set(comparison.intervals) >= set(names[:3])
    verdict = " ".join(comparison.verdict())
    assert "r1/step-10 does not beat copying the source" in verdict and "No model beats copying" in verdict
    saved = tmp_path / "ft"
    run_mt(
        tiny_ws,
        _step(tiny_ws, 20),
        "elotl:axolotl",
        "spa",
        "nci",
        MTOptions(**{**FAST, "steps": 2}, save_dir=saved),
    )
    assert (saved / "model.safetensors").is_file()
    assert load_model(str(saved)).model.config.d_model == 64


def test_paired_bootstrap_finds_a_real_difference():
    """sacrebleu's paired bootstrap: a system equal to the references beats copying them with a tiny p;
    one sentence changed is no significant difference; identical output has p = 1 (sacrebleu: 1/(n+1))."""
    from xlt.downstream.scores import paired_bootstrap

    refs = [f"in altepetl {i} quimati in tlatoani {i % 7}" for i in range(60)]
    noisy = [r.replace("tlatoani", "rey").replace("altepetl", "ciudad") for r in refs]
    intervals, (good,) = paired_bootstrap(("copy", noisy), [("good", refs)], refs, n_samples=200)
    assert good.better("chrf++") and good.p_value["chrf++"] < 0.01 and good.delta["bleu"] > 50
    assert intervals["good"].mean["chrf++"] == pytest.approx(100, abs=0.5)
    one_off = [refs[0], *noisy[1:]]
    _, (close, same) = paired_bootstrap(
        ("copy", noisy), [("close", one_off), ("same", noisy)], refs, n_samples=200
    )
    assert close.delta["chrf++"] > 0 and not close.better("chrf++") and close.p_value["chrf++"] > 0.05
    assert same.delta["chrf++"] == 0 and same.p_value == {"bleu": 1.0, "chrf++": 1.0}


def test_mt_fine_tuning_uses_the_pretraining_schedule_and_reports(tiny_ws, monkeypatch):
    """Each fine-tuning step's lr comes from training.config.lr_at (warm-up, linear decay to zero), and
    the reporter sees the fine-tuning and translation tasks start, advance and finish."""
    from xlt.downstream.compare import run_mt
    from xlt.downstream.mt import MTOptions
    from xlt.progress import RecordingReporter
    from xlt.training import optim
    from xlt.training.config import lr_at

    seen: list[float] = []
    real_set_lr = optim.set_lr
    monkeypatch.setattr(optim, "set_lr", lambda opt, lr: seen.append(lr) or real_set_lr(opt, lr))
    precisions: list[str] = []
    real_accelerator = optim.make_accelerator
    monkeypatch.setattr(
        optim, "make_accelerator", lambda p, *a: precisions.append(p) or real_accelerator(p, *a)
    )
    options = MTOptions(**{**FAST, "steps": 20, "eval_every": 20}, learning_rate=1e-3, force=True)
    reporter = RecordingReporter()
    result = run_mt(tiny_ws, _step(tiny_ws, 20), "elotl:axolotl", "spa", "nci", options, reporter=reporter)
    assert result.steps == 20 and seen == [lr_at(step, 1e-3, 2, 20) for step in range(20)]
    assert seen[1] == 1e-3 and seen[-1] == pytest.approx(1e-3 / 19) and precisions == ["auto"]
    fine_tune, translate = "fine-tune r1/step-20", "translate r1/step-20"
    assert reporter.totals == reporter.done == {fine_tune: 20, translate: 12}
    assert reporter.finished == [fine_tune, translate] and "loss" in reporter.info[fine_tune]


TOY_WORDS = {
    "DET": ["el", "la", "un", "una"],
    "NOUN": ["perro", "gato", "casa", "libro", "mesa"],
    "VERB": ["come", "ve", "tiene", "busca"],
    "ADP": ["en", "con", "sobre"],
}


def _toy_treebank(path: Path, n: int, seed: int) -> Path:
    """Sentences DET NOUN VERB DET NOUN (ADP DET NOUN): word identity decides the tag."""
    import random

    rng = random.Random(seed)
    blocks = []
    for i in range(n):
        tags = ["DET", "NOUN", "VERB", "DET", "NOUN"] + (["ADP", "DET", "NOUN"] if rng.random() < 0.5 else [])
        rows = [f"{j}\t{rng.choice(TOY_WORDS[t])}\t_\t{t}\t_\t_\t0\tdep\t_\t_" for j, t in enumerate(tags, 1)]
        blocks.append(f"# sent_id = toy-{seed}-{i}\n" + "\n".join(rows) + "\n")
    path.write_text("\n".join(blocks) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("probe", ["linear", "mlp"])
def test_pos_probe_learns_toy_treebank(tiny_ws, tmp_path, probe):
    """A probe on a frozen tiny encoder tags a learnable toy treebank with accuracy > 0.9."""
    from xlt.downstream.pos import POSOptions, run_pos

    train = _toy_treebank(tmp_path / "es_toy-ud-train.conllu", 150, 1)
    test = _toy_treebank(tmp_path / "es_toy-ud-test.conllu", 40, 2)
    options = POSOptions(probe=probe, epochs=30, force=True)  # type: ignore[arg-type]
    result = run_pos(tiny_ws, _step(tiny_ws, 10), str(train), str(test), options)
    assert (result.train_lang, result.test_lang) == ("spa", "spa")
    assert result.accuracy > 0.9 and result.f1 > 0.9
    assert result.n == sum(
        5 if line.count("\n") < 8 else 8 for line in test.read_text().split("\n\n") if line
    )


def test_pos_turkish_slice_is_sane(tiny_ws):
    """Turkish web -> wiki, MLP probe on a random tiny encoder: well above the majority tag, below perfect."""
    from collections import Counter

    from xlt.contracts.downstream import read_results
    from xlt.downstream.pos import POSOptions, run_pos

    options = POSOptions(probe="mlp", max_train_sentences=400, max_test_sentences=150)
    result = run_pos(tiny_ws, _step(tiny_ws, 20), "turkish-treebanks:web", "turkish-treebanks:wiki", options)
    test = read_conllu(turkish_treebank_path("wiki"), legacy_tags=True)[:150]
    tags = Counter(t for s in test for t in s.tags)
    assert result.n == sum(tags.values())
    majority = tags.most_common(1)[0][1] / result.n
    assert majority + 0.1 < result.accuracy < 0.99  # measured: majority 0.44, probe ~0.7
    rows = read_results(tiny_ws).filter(task="pos", checkpoint="step-20")
    assert (
        sorted(rows["metric"].to_list()) == ["accuracy", "f1_weighted"] and rows["signature"].is_null().all()
    )


# --- the CLI -------------------------------------------------------------------------------------------


@pytest.fixture
def ws(tiny_ws):
    """The CLI tests run on the module's workspace (the `run_cli` fixture of conftest uses `ws`)."""
    return tiny_ws


def test_cli_mt_compares_runs_and_resumes(tiny_ws, run_cli):
    """`xlt downstream mt --run` fine-tunes the reference model and the run's final checkpoint, prints the
    table with both baselines, the verdict in words, signatures and samples; a re-run reads them back."""
    args = (
        "downstream", "mt", "--model", _step(tiny_ws, 10), "--run", "r1", "--src-lang", "spa", "--tgt-lang",
        "nci", "--steps", "2", "--max-pairs", "200", "--test-size", "6", "--max-new-tokens", "8",
    )  # fmt: skip
    code, out, err = run_cli(*args)
    assert code == 0, err
    assert "r1/step-10 " in out and "r1/step-20 " in out and "copy" in out and "most-frequent" in out
    assert "does not beat copying the source" in out and "nrefs:1" in out and "ref" in out
    code, again, err = run_cli(*args)
    assert code == 0 and "r1/step-10*" in again and "r1/step-20*" in again, again


def test_cli_bad_inputs_are_one_line(tiny_ws, run_cli, tmp_path):
    """Non-parallel files, ragged TSV, missing columns, an unknown run, a pair without packaged data,
    conflicting options, unknown tags: one line each, no traceback, exit 1 (input) or 2 (usage)."""
    (tmp_path / "a.txt").write_text("uno\ndos\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("ce\n", encoding="utf-8")
    (tmp_path / "p.tsv").write_text("spa\tnah\nhola\tniltze\n", encoding="utf-8")
    (tmp_path / "ragged.tsv").write_text("spa\tnci\nhola\tniltze\tx\n", encoding="utf-8")
    bad = tmp_path / "bad.conllu"
    bad.write_text("# sent_id = b1\n1\tx\t_\tFOO\t_\t_\t0\troot\t_\t_\n\n", encoding="utf-8")
    model = _step(tiny_ws, 10)
    langs = ["--src-lang", "spa", "--tgt-lang", "nci"]
    cases = [
        (1, "not parallel", ["mt", "--model", model, "--src-file", str(tmp_path / "a.txt"), "--tgt-file",
                             str(tmp_path / "b.txt"), *langs]),
        (1, "no column for", ["mt", "--model", model, "--pair", str(tmp_path / "p.tsv"), *langs]),
        (1, "3 fields, the header has 2", ["mt", "--model", model, "--pair", str(tmp_path / "ragged.tsv"),
                                           *langs]),
        (1, "empty test split", ["mt", "--model", model, "--pair", str(tmp_path / "p.tsv"), "--src-lang",
                                 "spa", "--tgt-lang", "nah"]),
        (1, "no run 'nope'", ["mt", "--model", model, "--run", "nope", *langs]),
        (1, "none of the checkpoints step-9", ["mt", "--model", model, "--run", "r1", "--checkpoints",
                                               "step-9", *langs]),
        (1, "no packaged parallel text", ["mt", "--model", model, "--src-lang", "eng", "--tgt-lang", "nci"]),
        (2, "--checkpoints names checkpoints of the --run", ["mt", "--checkpoints", "step-10", *langs]),
        (2, "--src-file and --tgt-file", ["mt", "--src-file", str(tmp_path / "a.txt")]),
        (2, "repetition", ["mt", "--repetition-penalty", "0.5", *langs]),
        (2, "fp16 is not supported", ["mt", "--precision", "fp16", *langs]),
        (1, "unknown UPOS tag 'FOO'", ["pos", "--model", model, "--train", str(bad), "--test", str(bad),
                                      "--train-lang", "tur", "--test-lang", "kpv"]),
    ]  # fmt: skip
    for expected, message, args in cases:
        code, _, err = run_cli("downstream", *args)
        assert code == expected, (args, err)
        assert message in err and err.strip().count("\n") == 0 and "Traceback" not in err, err
    _, _, err = run_cli("downstream", "pos", "--model", model, "--train", str(bad), "--test",
                     str(bad), "--train-lang", "tur", "--test-lang", "kpv")  # fmt: skip
    assert "bad.conllu" in err and "sentence b1" in err
