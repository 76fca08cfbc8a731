"""The record of a finished experiment: what changes its fingerprint, and what it tolerates."""

from __future__ import annotations

import json
import os

from xlt.experiment_record import fingerprint, read_record, record_path, unchanged_record, write_record
from xlt.workspace import Workspace


def _workspace(tmp_path) -> Workspace:
    ws = Workspace.resolve(tmp_path / "ws")
    for name in ("corpus/spa/train.txt", "runs/spa-base-s0/events.jsonl", "results/perplexity.parquet"):
        path = ws.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x\n", encoding="utf-8")
    return ws


def test_record_round_trip_and_unchanged(tmp_path):
    ws = _workspace(tmp_path)
    stages = [["collect", "sample"], ["clean"]]
    write_record(ws, stages, [1.5, 2.5], 4.2)
    record = unchanged_record(ws)
    assert record is not None and record.stages == stages and record.seconds == [1.5, 2.5]
    assert record.total_seconds == 4.2


def test_any_file_change_breaks_the_fingerprint(tmp_path):
    """Changed content, a touched file, a deleted and an added file: each differs from the record."""
    ws = _workspace(tmp_path)
    train = ws.root / "corpus/spa/train.txt"
    changes = [
        lambda: train.write_text("y\n", encoding="utf-8"),
        lambda: os.utime(train, ns=(1, 1)),
        lambda: (ws.root / "results/perplexity.parquet").unlink(),
        lambda: (ws.root / "runs/tur-base-s0").mkdir() or (ws.root / "runs/tur-base-s0/x").write_text(""),
    ]
    for change in changes:
        write_record(ws, [["clean"]], [1.0], 1.0)
        change()
        assert unchanged_record(ws) is None


def test_logs_cache_and_hidden_files_are_not_fingerprinted(tmp_path):
    """The experiment's own logs, derived caches and locks change without making finished work stale."""
    ws = _workspace(tmp_path)
    before = fingerprint(ws)
    for name in ("logs/experiment-04.log", "cache/tokenized/a.npy", "runs/.spa-base-s0.lock", "corpus/.lock"):
        path = ws.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("z", encoding="utf-8")
    assert fingerprint(ws) == before


def test_an_unreadable_record_is_no_record(tmp_path):
    """A damaged record only costs time: every stage then runs and checks its own work."""
    ws = _workspace(tmp_path)
    write_record(ws, [["clean"]], [1.0], 1.0)
    path = record_path(ws)
    data = json.loads(path.read_text(encoding="utf-8"))
    for damaged in ("{not json", json.dumps({**data, "seconds": [1.0, 2.0]}), json.dumps({"stages": []})):
        path.write_text(damaged, encoding="utf-8")
        assert read_record(ws) is None and unchanged_record(ws) is None


def test_symlinked_folders_odd_names_and_code_count(tmp_path, monkeypatch):
    """A change under a symlinked folder, a file with a non-UTF-8 name and a change of xlt's code each
    make the finished experiment stale; a dangling link or a link loop does not break the walk."""
    import xlt

    ws = _workspace(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "train.txt").write_text("a\n", encoding="utf-8")
    (ws.root / "corpus" / "linked").symlink_to(elsewhere, target_is_directory=True)
    (ws.root / "corpus" / "loop").symlink_to(ws.root / "corpus", target_is_directory=True)
    (ws.root / "corpus" / "dangling").symlink_to(tmp_path / "missing")
    before = fingerprint(ws)
    assert before is not None
    (elsewhere / "train.txt").write_text("changed\n", encoding="utf-8")
    assert fingerprint(ws) not in (None, before)

    odd = ws.root / os.fsdecode(b"results/caf\xe9.csv")  # a Latin-1 name on a UTF-8 file system
    odd.write_bytes(b"x")
    write_record(ws, [["clean"]], [1.0], 1.0)
    assert unchanged_record(ws) is not None

    code = tmp_path / "code" / "xlt"
    code.mkdir(parents=True)
    (code / "__init__.py").write_text("", encoding="utf-8")
    monkeypatch.setattr(xlt, "__file__", str(code / "__init__.py"))
    write_record(ws, [["clean"]], [1.0], 1.0)
    (code / "experiment.py").write_text("# changed\n", encoding="utf-8")
    assert unchanged_record(ws) is None
