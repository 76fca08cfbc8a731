"""`xlt pretrain` and `xlt runs` from the command line: a short run, clear one-line errors, two processes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from factories import SMALL_SIZES, sample_corpus, write_corpus

from xlt.workspace import Workspace

# A 2-layer d_model-32 model on 32-token inputs: the CLI path end to end in seconds.
TINY_ARGS = ["--precision", "fp32", "--vocab-size", "400", "--input-length", "32", "--batch-size", "4"]


@pytest.fixture(scope="module")
def template_ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """The sample corpus, its 400-piece tokenizer, and a saved 2-layer d_model-32 model (`tiny-model/`)."""
    from xlt.modeling.build import build_tiny_model, tiny_config
    from xlt.modeling.checkpoints import save_checkpoint
    from xlt.modeling.tokenizers import workspace_tokenizer

    ws = Workspace(tmp_path_factory.mktemp("cli-template") / "ws")
    sample_corpus(ws)
    tokenizer, _ = workspace_tokenizer(ws, vocab_size=400)
    model = build_tiny_model(tiny_config("tiny", len(tokenizer), **SMALL_SIZES), seed=0)
    save_checkpoint(model, tokenizer, ws.root / "tiny-model")
    return ws


@pytest.fixture
def corpus_ws(template_ws: Workspace, ws: Workspace) -> Workspace:
    """A fresh copy of the template workspace."""
    shutil.copytree(template_ws.root, ws.root)
    return ws


def model_args(ws: Workspace) -> list[str]:
    """Options for a fast run: the saved small model, fp32, short inputs, small batches."""
    return ["--model", str(ws.root / "tiny-model"), *TINY_ARGS]


def test_help_has_example(run_cli) -> None:  # type: ignore[no-untyped-def]
    """`xlt pretrain --help` and `xlt runs --help` show an example."""
    for command in ("pretrain", "runs"):
        code, out, _ = run_cli(command, "--help")
        assert code == 0 and "Example: xlt " in out


def test_cli_run_and_runs_listing(run_cli, corpus_ws: Workspace) -> None:  # type: ignore[no-untyped-def]
    """A 4-step CLI run prints its table; `xlt runs` lists it as finished with its perplexity."""
    code, out, err = run_cli("pretrain", "--hr", "spa", "--steps", "4", *model_args(corpus_ws))
    assert code == 0, err
    assert "spa-tiny-s0" in out and "4/4" in out
    code, out, _ = run_cli("runs")
    assert code == 0 and "spa-tiny-s0" in out and "finished" in out and "4/4" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--hr", "Klingonish"], "Klingonish"),
        (["--hr", "nci"], "not a high-resource language"),
        (["--hr", "spa", "--precision", "fp16"], "fp16 is not supported"),
        (["--base", "--hr", "spa"], "--base trains on every HR language"),
        (["--hr", "spa", "--runs", "0"], "--runs must be at least 1"),
        ([], "--hr LANG"),
    ],
)
def test_bad_options_give_one_line(run_cli, corpus_ws: Workspace, args: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    """Unknown language, an LR language, fp16, bad combinations: one error line, no traceback."""
    code, _, err = run_cli("pretrain", *model_args(corpus_ws), *args)
    assert code in (1, 2)
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_missing_corpus_says_run_clean(run_cli, ws: Workspace) -> None:  # type: ignore[no-untyped-def]
    """An empty workspace: one line that says to run `xlt clean` first."""
    ws.root.mkdir(parents=True)
    code, _, err = run_cli("pretrain", "--hr", "spa", *TINY_ARGS)
    assert code == 1 and "xlt clean" in err and len(err.strip().splitlines()) == 1


def test_corpus_too_small_is_one_line(run_cli, ws: Workspace) -> None:  # type: ignore[no-untyped-def]
    """A three-line corpus cannot fill one batch: one clear line."""
    write_corpus(ws, {"spa": ("hr", ["Hola.", "Buenos días.", "Gracias."] * 5)})
    code, _, err = run_cli("pretrain", "--hr", "spa", *TINY_ARGS)
    assert code == 1 and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert "spa" in err


def test_diverging_run_stops_with_one_line(run_cli, corpus_ws: Workspace) -> None:  # type: ignore[no-untyped-def]
    """An absurd learning rate makes the loss non-finite: the run stops with one line and an error event."""
    code, _, err = run_cli(
        "pretrain",
        "--hr",
        "spa",
        "--steps",
        "6",
        "--learning-rate",
        "1e30",
        "--warmup-steps",
        "0",
        *model_args(corpus_ws),
    )
    assert code == 1 and "loss became" in err and len(err.strip().splitlines()) == 1
    code, out, _ = run_cli("runs")
    assert "failed" in out


@pytest.mark.slow
def test_two_process_accelerate_launch(template_ws: Workspace, tmp_path: Path) -> None:
    """Two processes on a CPU (gloo) train one run and checkpoint once; each saves its generator state.

    `accelerate launch --cpu --num_processes 2` starts a single process (its multi-CPU path wants mpirun):
    torchrun with ACCELERATE_USE_CPU=true gives Accelerate two ranks on CPUs.
    """
    ws_root = tmp_path / "ws"
    shutil.copytree(template_ws.root, ws_root)
    env = {**os.environ, "XLT_WORKSPACE": str(ws_root), "OMP_NUM_THREADS": "1", "ACCELERATE_USE_CPU": "true"}
    cmd = [
        sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2",
        "-m", "xlt", "pretrain", "--hr", "spa", "--steps", "4", *model_args(Workspace(ws_root)),
    ]  # fmt: skip
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    run_dir = ws_root / "runs" / "spa-tiny-s0"
    assert (run_dir / "checkpoints" / "step-4" / "model.safetensors").is_file(), done.stdout[-2000:]
    state = {p.name for p in (run_dir / "state").iterdir()}
    assert {"model.safetensors", "optimizer.safetensors", "rng-0.safetensors", "rng-1.safetensors"} <= state
    assert done.stdout.count("spa-tiny-s0") >= 1
