"""Shared fixtures: an isolated workspace and a CLI runner."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Offline by construction: no test may reach a hub; keep transformers quiet.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture
def ws(tmp_path: Path):
    """An empty workspace in a temporary directory."""
    from xlt.workspace import Workspace

    return Workspace.resolve(tmp_path / "ws")


@pytest.fixture
def run_cli(ws, capsys):
    """Run `xlt --workspace <ws> ARGS...` in-process; returns (exit code, stdout, stderr)."""
    from xlt.cli import main

    def _run(*args: str) -> tuple[int, str, str]:
        code = 0
        try:
            main(["--workspace", str(ws.root), *args])
        except SystemExit as exc:
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return _run


@pytest.fixture
def one_thread():
    """One torch thread for tiny models: on a machine shared with other work, two threads mostly wait."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
