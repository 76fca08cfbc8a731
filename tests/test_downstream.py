"""Downstream tasks end to end with a tiny mT5: MT fine-tuning + sacrebleu, POS probes, the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from xlt.downstream.data import load_elotl, read_conllu, turkish_treebank_path
from xlt.languages import resolve

# A few steps on a slice: enough to exercise every code path, far too little to translate.
FAST = {"steps": 6, "eval_every": 3, "valid_size": 8, "test_size": 12, "max_new_tokens": 12, "max_pairs": 300}


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
    return ws


def _step(ws, n: int) -> str:
    return str(ws.checkpoints_dir("r1") / f"step-{n}")


def test_mt_fine_tune_scores_with_signatures(tiny_ws):
    """A few fine-tuning steps on elotl give corpus BLEU/chrF++ with signatures, stored once per key."""
    from xlt.contracts.downstream import read_results
    from xlt.downstream.mt import MTOptions, run_mt

    options = MTOptions(**FAST, force=True)
    result = run_mt(tiny_ws, _step(tiny_ws, 10), "elotl:axolotl", "spa", "nci", options)
    assert result.n == 12 and result.steps >= 3 and result.n_train > 200
    assert 0 <= result.bleu <= 100 and 0 < result.chrf <= 100
    assert "nrefs:1" in result.bleu_signature and "tok:13a" in result.bleu_signature
    assert "nrefs:1" in result.chrf_signature and "nw:2" in result.chrf_signature
    assert len(result.samples) == 3 and all(len(s) == 3 for s in result.samples)
    frame = read_results(tiny_ws).filter(task="mt", checkpoint="step-10")
    assert sorted(frame["metric"].to_list()) == ["bleu", "chrf++"]
    assert set(frame["signature"].to_list()) == {result.bleu_signature, result.chrf_signature}
    again = run_mt(tiny_ws, _step(tiny_ws, 10), "elotl:axolotl", "spa", "nci", MTOptions(**FAST))
    assert again.cached and again.chrf == pytest.approx(result.chrf)
    run_mt(tiny_ws, _step(tiny_ws, 10), "elotl:axolotl", "spa", "nci", options)
    assert len(read_results(tiny_ws).filter(task="mt", checkpoint="step-10")) == 2


def test_mt_labels_are_masked_with_minus_100(tiny_ws):
    """Label padding is -100 (ignored by the loss), never the pad id."""
    from xlt.downstream.mt import _encode
    from xlt.modeling.tokenizers import load_tokenizer

    tokenizer = load_tokenizer(Path(_step(tiny_ws, 10)))
    batch = _encode(
        tokenizer, [("hola", "niltze"), ("una frase larga aquí", "ce tlahtolli huel huey")], 32, "", "cpu"
    )
    labels = batch["labels"]
    assert (labels == -100).any() and not (labels == tokenizer.pad_token_id).any()
    assert (batch["input_ids"] == tokenizer.pad_token_id).any()


def test_mt_compare_checkpoints_and_save(tiny_ws, tmp_path):
    """Two checkpoints are scored on the same test split; --save writes a reloadable model."""
    from xlt.downstream.checkpoints import model_refs
    from xlt.downstream.mt import MTOptions, compare_checkpoints, run_mt
    from xlt.modeling.loading import load_model

    refs = model_refs(tiny_ws, "base", run="r1")
    assert [r.checkpoint for r in refs] == ["step-10", "step-20"]
    options = MTOptions(**FAST, zero_shot=True, beams=2, force=True)
    results = compare_checkpoints(tiny_ws, refs, "elotl:axolotl", "spa", "nci", options)
    assert [r.ref.checkpoint for r in results] == ["step-10", "step-20"]
    assert results[0].samples[0][:2] == results[1].samples[0][:2]  # same test sentences
    assert all(r.steps == 0 for r in results)
    saved = tmp_path / "ft"
    options = MTOptions(**{**FAST, "steps": 2}, save_dir=saved)
    run_mt(tiny_ws, _step(tiny_ws, 20), "elotl:axolotl", "spa", "nci", options)
    assert (saved / "model.safetensors").is_file()
    assert load_model(str(saved)).model.config.d_model == 64


def test_mt_fine_tuning_uses_the_pretraining_schedule_and_reports(tiny_ws, monkeypatch):
    """Each fine-tuning step's lr comes from training.config.lr_at (warm-up, linear decay to zero), and
    the reporter sees the fine-tuning and translation tasks start, advance and finish."""
    from xlt.downstream.mt import MTOptions, run_mt
    from xlt.progress import RecordingReporter
    from xlt.training import optim
    from xlt.training.config import lr_at

    seen: list[float] = []
    real_set_lr = optim.set_lr
    monkeypatch.setattr(optim, "set_lr", lambda opt, lr: seen.append(lr) or real_set_lr(opt, lr))
    options = MTOptions(**{**FAST, "steps": 20, "eval_every": 20}, lr=1e-3, force=True)
    reporter = RecordingReporter()
    result = run_mt(tiny_ws, _step(tiny_ws, 20), "elotl:axolotl", "spa", "nci", options, reporter=reporter)
    assert result.steps == 20 and seen == [lr_at(step, 1e-3, 2, 20) for step in range(20)]
    assert seen[1] == 1e-3 and seen[-1] == pytest.approx(1e-3 / 19)
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


def test_cli_mt_prints_table(tiny_ws, run_cli):
    """`xlt downstream mt` fine-tunes, prints the scores, signatures and samples."""
    code, out, err = run_cli(
        "downstream", "mt", "--model", _step(tiny_ws, 20), "--pair", "elotl:axolotl",
        "--src", "spa", "--tgt", "nci", "--steps", "2", "--max-pairs", "200", "--test-size", "6",
        "--max-new-tokens", "8", "--force",
    )  # fmt: skip
    assert code == 0, err
    assert "BLEU" in out and "chrF++" in out and "nrefs:1" in out and "ref" in out


def test_cli_bad_inputs_are_one_line(tiny_ws, run_cli, tmp_path):
    """Non-parallel files, missing columns, conflicting options, unknown tags: one line each, no traceback."""
    (tmp_path / "a.txt").write_text("uno\ndos\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("ce\n", encoding="utf-8")
    (tmp_path / "p.tsv").write_text("spa\tnah\nhola\tniltze\n", encoding="utf-8")
    bad = tmp_path / "bad.conllu"
    bad.write_text("# sent_id = b1\n1\tx\t_\tFOO\t_\t_\t0\troot\t_\t_\n\n", encoding="utf-8")
    model = _step(tiny_ws, 10)
    cases = [
        (1, "not parallel", ["mt", "--model", model, "--src-file", str(tmp_path / "a.txt"), "--tgt-file",
                             str(tmp_path / "b.txt"), "--src", "spa", "--tgt", "nci"]),
        (1, "no column for", ["mt", "--model", model, "--pair", str(tmp_path / "p.tsv"), "--src", "spa",
                              "--tgt", "nci"]),
        (1, "empty test split", ["mt", "--model", model, "--pair", str(tmp_path / "p.tsv"), "--src", "spa",
                                 "--tgt", "nah"]),
        (2, "--checkpoints and --run", ["mt", "--checkpoints", model, "--run", "r1", "--src", "spa", "--tgt",
                                        "nci"]),
        (2, "--src-file and --tgt-file", ["mt", "--src-file", str(tmp_path / "a.txt")]),
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
