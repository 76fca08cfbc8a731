"""Bad input to every command and every file of a workspace: one line, the right exit code, nothing lost.

Each case damages a copy of one small real workspace (corpus, tokenizer, base model, a run, results: built
once by `tests/factories.py`) or passes a bad option, runs the command in-process, and checks what the
README promises: exit 1 for bad input and 2 for bad usage, one line on stderr that names the input, no
traceback or ``ClassName:`` text, no file changed in the workspace, and nothing written outside it. The
readers' own cases are in `tests/test_bad_input_readers.py`.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from factories import sample_corpus, save_model, tiny_model, write_run

from xlt.workspace import Workspace

CLASS_PREFIX = re.compile(r"\b[A-Z][A-Za-z]+(Error|Exception|Value|Warning):")
Damage = Callable[[Path], object]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Corpus (spa, ote HR; nci LR), a 400-piece tokenizer, a base model, run spa-1, its evaluated matrix."""
    import torch

    from xlt.evaluation import EvalOptions, evaluate_workspace
    from xlt.modeling.tokenizers import workspace_tokenizer

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("bad-commands") / "ws"
    ws = Workspace(root)
    sample_corpus(ws)
    tokenizer, _ = workspace_tokenizer(ws, vocab_size=400)
    store = root.parent / "models"
    shutil.copytree(
        save_model(tiny_model(len(tokenizer), 0), tokenizer, store / "s0"), root / "models" / "base"
    )
    write_run(root, "spa-1", "spa", {1: save_model(tiny_model(len(tokenizer), 1), tokenizer, store / "s1")})
    evaluate_workspace(ws, EvalOptions(input_length=32, max_blocks=8, batch_size=8, precision="fp32"))
    torch.set_num_threads(threads)
    return root


def _files(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under `root` with (size, mtime) — lock files and their owner notes aside."""
    if not root.exists():
        return {}
    return {
        str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in root.rglob("*")
        if p.is_file() and ".lock" not in p.name
    }


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    from xlt.cli import main

    code = 0
    try:
        main(args)
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, capsys.readouterr().err


def _check(
    tmp_path: Path, template: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    damage: Damage | None, args: list[str], code: int, names: tuple[str, ...], workspace: Path | None = None,
) -> str:  # fmt: skip
    """Run `args` on a damaged copy of the template; assert the promise; the error line."""
    ws = tmp_path / "ws"
    shutil.copytree(template, ws)
    if damage is not None:
        damage(ws)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    before = _files(ws)
    outside = sorted(p.name for p in tmp_path.iterdir())
    got, err = _run(["--workspace", str(workspace or ws), *args], capsys)
    lines = [line for line in err.splitlines() if line.strip()]
    assert got == code, err
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err and not CLASS_PREFIX.search(err), err
    for name in names:
        assert name.format(ws=ws) in lines[0], (name, lines[0])
    assert _files(ws) == before, "a failed command changed the workspace"
    assert list(cwd.iterdir()) == [] and sorted(p.name for p in tmp_path.iterdir()) == outside
    return lines[0]


def _garbage(relative: str) -> Damage:
    def damage(ws: Path) -> None:
        (ws / relative).write_bytes(b"\x00garbage, not what this file should hold\n")

    return damage


def _remove(relative: str) -> Damage:
    def damage(ws: Path) -> None:
        target = ws / relative
        shutil.rmtree(target) if target.is_dir() else target.unlink()

    return damage


# (damage, command, exit code, what the line must name) — {ws} is the damaged workspace.
CASES: dict[str, tuple[Damage | None, list[str], int, tuple[str, ...]]] = {
    # a damaged workspace file, for each command that reads it
    "languages table, pretrain": (
        _garbage("corpus/languages.parquet"),
        ["pretrain", "--hr", "spa"],
        1,
        ("{ws}/corpus/languages.parquet", "xlt clean"),
    ),
    "languages table, evaluate": (
        _garbage("corpus/languages.parquet"),
        ["evaluate", "--all-lr"],
        1,
        ("{ws}/corpus/languages.parquet", "xlt clean"),
    ),
    "no languages table, pretrain": (
        _remove("corpus/languages.parquet"),
        ["pretrain", "--hr", "spa"],
        1,
        ("{ws}/corpus", "xlt clean"),
    ),
    "results, show matrix": (
        _garbage("results/perplexity.parquet"),
        ["show", "matrix"],
        1,
        ("{ws}/results/perplexity.parquet",),
    ),
    "results, show pairs": (
        _garbage("results/perplexity.parquet"),
        ["show", "pairs"],
        1,
        ("{ws}/results/perplexity.parquet",),
    ),
    "results, analyze": (
        _garbage("results/perplexity.parquet"),
        ["analyze", "all"],
        1,
        ("{ws}/results/perplexity.parquet",),
    ),
    "results, evaluate": (
        _garbage("results/perplexity.parquet"),
        ["evaluate", "--all-lr"],
        1,
        ("{ws}/results/perplexity.parquet",),
    ),
    "no results, show matrix": (
        _remove("results"),
        ["show", "matrix"],
        1,
        ("perplexity.parquet", "xlt evaluate"),
    ),
    "no results, show pairs": (
        _remove("results"),
        ["show", "pairs"],
        1,
        ("perplexity.parquet", "xlt evaluate"),
    ),
    "no raw text, clean": (None, ["clean"], 1, ("{ws}/raw", "xlt collect")),
    "no corpus, pretrain": (_remove("corpus"), ["pretrain", "--hr", "spa"], 1, ("{ws}/corpus", "xlt clean")),
    # settings that would mix incomparable cells into the stored matrix
    "other input length, evaluate": (
        None,
        ["evaluate", "--lr", "nci", "--input-length", "48"],
        1,
        ("input_length 32 (now 48)", "perplexity.parquet"),
    ),
    # languages: unknown, misspelt, retired codes, the wrong tier
    "misspelt HR, pretrain": (None, ["pretrain", "--hr", "Englsh"], 1, ("Englsh", "English (eng)")),
    "misspelt LR, evaluate": (None, ["evaluate", "--lr", "Englsh"], 1, ("Englsh", "English (eng)")),
    "misspelt LR, show": (None, ["show", "matrix", "--lr", "Englsh"], 1, ("Englsh",)),
    "misspelt HR, sweep": (None, ["sweep", "plan", "demo", "--hr", "spa,Englsh"], 1, ("Englsh",)),
    "unknown code, evaluate": (None, ["evaluate", "--lr", "xyzzy"], 1, ("xyzzy", "ISO 639-3")),
    "retired code, pretrain": (None, ["pretrain", "--hr", "prv"], 1, ("oci", "collect and clean")),
    "LR as HR, pretrain": (None, ["pretrain", "--hr", "nci"], 1, ("nci", "'lr' tier")),
    "HR not in results, show": (None, ["show", "matrix", "--hr", "ote"], 1, ("--hr",)),
    # runs
    "unknown run, evaluate": (None, ["evaluate", "--all-lr", "--run", "nope"], 1, ("nope", "spa-1")),
    "unknown run, downstream": (None, ["downstream", "mt", "--run", "nope"], 1, ("nope", "spa-1")),
    # bad option values: usage errors
    "input length over the sentinels": (
        None,
        ["pretrain", "--hr", "spa", "--input-length", "4096"],
        2,
        ("4096", "--input-length 1809 or less"),
    ),
    "fp16": (None, ["pretrain", "--hr", "spa", "--precision", "fp16"], 2, ("fp16", "bf16")),
    "zero steps": (None, ["pretrain", "--hr", "spa", "--steps", "0"], 2, ("--steps",)),
    "zero batch": (None, ["evaluate", "--all-lr", "--batch-size", "0"], 2, ("--batch-size",)),
    "no language choice": (None, ["evaluate"], 2, ("--all-lr",)),
    "unknown option": (None, ["analyze", "all", "--nope"], 2, ("--nope", "xlt analyze all --help")),
    "unknown source": (None, ["collect", "exb", "x.exb"], 2, ("exb", "hzsk")),
    # inputs that do not exist or are not what the source reads
    "missing archive, collect": (
        None,
        ["collect", "hse", "{tmp}/nowhere.zip"],
        1,
        ("nowhere.zip", "no such file"),
    ),
    "not CoNLL-U, collect": (
        None,
        ["collect", "ud", "{ws}/corpus/spa/train.txt"],
        1,
        ("train.txt", "CoNLL-U"),
    ),
    "missing treebank, downstream": (
        None,
        ["downstream", "pos", "--test", "{tmp}/nowhere.conllu"],
        1,
        ("nowhere.conllu",),
    ),
}


def _expand(args: list[str], tmp_path: Path) -> list[str]:
    return [a.format(ws=tmp_path / "ws", tmp=tmp_path) for a in args]


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input(case: str, tmp_path: Path, template: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    """One line naming the input, the README's exit code, the workspace untouched, nothing outside it."""
    damage, args, code, names = CASES[case]
    _check(tmp_path, template, monkeypatch, capsys, damage, _expand(args, tmp_path), code, names)


WORKSPACE_CASES = {
    "missing": (lambda tmp: tmp / "nowhere", ("no workspace at {tmp}/nowhere", "xlt collect sample")),
    "a file": (lambda tmp: tmp / "ws" / "corpus" / "spa" / "train.txt", ("is a file", "a directory")),
}
READERS = [["runs"], ["evaluate", "--all-lr"], ["show", "matrix"], ["analyze", "all"], ["tui"],
           ["pretrain", "--hr", "spa"], ["clean"], ["downstream", "mt"]]  # fmt: skip


@pytest.mark.parametrize("where", list(WORKSPACE_CASES))
@pytest.mark.parametrize("args", READERS, ids=lambda a: a[0])
def test_bad_workspace(
    where: str, args: list[str], tmp_path: Path, template: Path, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    """--workspace at nothing or at a file: exit 1, one line, for every command that reads a workspace."""
    place, names = WORKSPACE_CASES[where]
    names = tuple(n.format(tmp=tmp_path) for n in names)
    _check(tmp_path, template, monkeypatch, capsys, None, args, 1, names, workspace=place(tmp_path))


def test_damaged_run_files_are_warnings_in_runs(tmp_path: Path, template: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """`xlt runs` still lists the workspace, with one warning per damaged run file naming it."""
    ws = tmp_path / "ws"
    shutil.copytree(template, ws)
    (ws / "runs" / "spa-1" / "config.json").write_text("{bad", encoding="utf-8")
    (ws / "runs" / "spa-1" / "events.jsonl").write_text('garbage\n{"kind": "nope"}\n', encoding="utf-8")
    code, err = _run(["--workspace", str(ws), "runs"], capsys)
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 0 and len(lines) == 2, err
    assert "spa-1/config.json" in lines[0] and "spa-1/events.jsonl: 2 line(s)" in lines[1]
    assert not CLASS_PREFIX.search(err)
