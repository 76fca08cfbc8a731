"""Bad input to the readers and the clean stage: one clear line, exit 1, nothing partial, nothing lost.

Each case runs the real command (`run_cli`) on a file the test builds. A single bad input exits 1 with
one line naming it (file and line, or archive and member) and saying what to do; a bad input in a batch
is one ``skipped:`` line and the good inputs are still collected (README: "A bad file is reported and
the rest is kept"). No traceback, no ``ClassName: message``, no temporary or half-written file.

Full disks and read-only workspaces are real where the test may mount a tmpfs (root, as on the
developers' machines and CI); elsewhere the same OSError is raised by the write itself (see `_disk`).
"""

from __future__ import annotations

import errno
import gzip
import io
import json
import os
import re
import subprocess
import tarfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import polars as pl
import pytest

from xlt.sources.textio import decode

# "BadZipFile: ...", "OSError: ...", "ArrowInvalid: ...": a class name where a sentence should be.
CLASS_PREFIX = re.compile(r"\b[A-Z][a-z]+(?:[A-Z][A-Za-z]*)+:|\b(?:OSError|KeyError|ValueError):")

UDM = "Ӟечбур! Кызьы улӥськод? Мон туж шумпотӥсько."
KPV = "Комi кыв — коми войтырлӧн кыв. Сiйӧ пермса кывъяс котырысь."


def pages(text: str) -> bytes:
    """An HSE page list holding one text."""
    return json.dumps([{"text": text}], ensure_ascii=False).encode("utf-8")


def error_line(code: int, err: str, *names: str) -> str:
    """The single error line of a failed command; asserts exit 1, one line, the names, no class names."""
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 1, err
    assert len(lines) == 1, err
    assert "Traceback" not in err and not CLASS_PREFIX.search(err), err
    for name in names:
        assert name in lines[0], (name, lines[0])
    return lines[0]


def skipped_line(code: int, err: str, *names: str) -> str:
    """The single ``skipped:`` line of a batch that still succeeded (exit 0)."""
    assert code == 0, err
    lines = [line for line in err.splitlines() if line.startswith("skipped:")]
    assert len(lines) == 1, err
    assert "Traceback" not in err and not CLASS_PREFIX.search(err), err
    for name in names:
        assert name in lines[0], (name, lines[0])
    return lines[0]


def assert_consistent(ws) -> None:  # type: ignore[no-untyped-def]
    """No temporary files; every manifest row's file exists with its hash; every raw file is recorded."""
    import hashlib

    assert not [p for p in ws.root.rglob("*") if p.name.endswith(".tmp")]
    recorded: set[Path] = set()
    for manifest in ws.raw_dir.glob("*/manifest.parquet"):
        for row in pl.read_parquet(manifest).iter_rows(named=True):
            path = ws.root / row["path"]
            assert hashlib.sha256(path.read_bytes()).hexdigest() == row["sha256"]
            recorded.add(path)
    assert set(ws.raw_dir.rglob("*.txt")) == recorded
    assert not [d for d in ws.raw_dir.glob("*/*") if d.is_dir() and not any(d.iterdir())]


def nothing_written(ws) -> None:  # type: ignore[no-untyped-def]
    """A failed single input leaves no raw text and no temporary file."""
    assert not list(ws.root.rglob("*.txt")) and not list(ws.root.rglob("*.tmp"))


# --- 1. archives: bad CRC, truncation, undecodable members ------------------------------------------


def _crc_damaged_zip(path: Path, good: dict[str, bytes], bad: str) -> None:
    """A stored zip whose member `bad` has one flipped byte (its CRC-32 no longer matches)."""
    marker = "Мар кариськод".encode()
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, data in good.items():
            zf.writestr(name, data)
        zf.writestr(bad, pages("Мар кариськод? " + UDM))
    data = bytearray(path.read_bytes())
    data[data.find(marker)] ^= 0x01
    path.write_bytes(bytes(data))


def test_zip_member_with_bad_crc_is_skipped_and_others_kept(run_cli, ws, tmp_path):
    """A member failing its CRC check is one line naming archive and member; the rest is collected."""
    archive = tmp_path / "udm_web_corpus.zip"
    _crc_damaged_zip(archive, {"a.json": pages(UDM)}, "b.json")
    loose = tmp_path / "kpv_web_corpus.json"
    loose.write_bytes(pages(KPV))
    code, out, err = run_cli("collect", "hse", str(archive), str(loose))
    line = skipped_line(code, err, f"{archive}!b.json")
    assert "CRC" in line and "download" in line
    assert "udm" in out and "kpv" in out
    assert_consistent(ws)


def test_zip_member_with_bad_crc_alone_exits_1(run_cli, ws, tmp_path):
    """The only member failing its CRC check: exit 1, one line naming it, nothing written."""
    archive = tmp_path / "udm_web_corpus.zip"
    _crc_damaged_zip(archive, {}, "only.json")
    code, _, err = run_cli("collect", "hse", str(archive))
    assert "CRC" in error_line(code, err, f"{archive}!only.json")
    nothing_written(ws)


def _zip_bytes(members: dict[str, bytes], compression: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "compression", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED], ids=["deflated", "stored"]
)
def test_truncated_zip_keeps_the_members_before_the_cut(run_cli, ws, tmp_path, compression):
    """A zip cut off inside its third member (no central directory left): members 1-2 are collected."""
    third = pages(" ".join(f"{UDM} {i}" for i in range(400)))
    data = _zip_bytes({"a.json": pages(UDM), "b.json": pages(KPV), "c.json": third}, compression)
    cut = data.find(b"c.json") + 200  # inside c.json's data: the central directory is gone
    archive = tmp_path / "udm_web_corpus.zip"
    archive.write_bytes(data[:cut])
    code, _, err = run_cli("collect", "hse", str(archive))
    line = skipped_line(code, err, str(archive), "c.json")
    assert "truncated" in line
    manifest = pl.read_parquet(ws.manifest_path("hse"))
    assert sorted(o.split("!")[-1] for o in manifest["origin"]) == ["a.json", "b.json"]
    assert_consistent(ws)


def test_truncated_tar_names_the_member_it_broke_in(run_cli, ws, tmp_path):
    """A tar cut inside its second member: one line naming that member; the first member is collected."""
    archive = tmp_path / "myv_web_corpus.tar"
    with tarfile.open(archive, "w") as tf:
        for name, payload in (("a.json", pages(UDM)), ("b.json", pages(KPV * 300))):
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            tf.addfile(info, io.BytesIO(payload))
    data = archive.read_bytes()
    archive.write_bytes(data[: data.find(b"b.json") + 2000])
    code, _, err = run_cli("collect", "hse", str(archive))
    assert "truncated" in skipped_line(code, err, f"{archive}!b.json")
    assert pl.read_parquet(ws.manifest_path("hse"))["lines"].to_list() == [3]
    assert_consistent(ws)


def test_member_in_no_plausible_encoding_is_refused(run_cli, ws, tmp_path):
    """Chinese GB18030 bytes in a Udmurt archive decode as no Cyrillic code page: refused, others kept."""
    archive = tmp_path / "udm_web_corpus.zip"
    chinese = "乌德穆尔特语是乌拉尔语系彼尔姆语族的一种语言，主要在俄罗斯乌德穆尔特共和国使用。" * 8
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("good.json", pages(UDM))
        zf.writestr("gb.json", ('[{"text": "' + chinese + '"}]').encode("gb18030"))
    code, _, err = run_cli("collect", "hse", str(archive))
    line = skipped_line(code, err, f"{archive}!gb.json")
    assert "not UTF-8" in line and "Udmurt" in line
    assert pl.read_parquet(ws.manifest_path("hse"))["lines"].to_list() == [3]


def test_gzip_member_cut_short_is_one_line(run_cli, ws, tmp_path):
    """A .json.gz cut short: one line naming it, not a decompressor's exception."""
    path = tmp_path / "udm_web_corpus.json.gz"
    data = gzip.compress(pages(UDM * 50))
    path.write_bytes(data[: len(data) // 2])
    code, _, err = run_cli("collect", "hse", str(path))
    assert "truncated" in error_line(code, err, str(path))
    nothing_written(ws)


# --- 2. full disk and read-only workspace while collecting --------------------------------------------


@pytest.fixture
def disk(monkeypatch) -> Iterator[Callable[..., str]]:  # type: ignore[no-untyped-def]
    """Make `path` a small (or read-only) file system: a real tmpfs where mount works, else a fault.

    Returns "tmpfs" or "simulated". The simulation raises the kernel's own OSError from the write
    (`os.fsync` of every file under `path` for ENOSPC, `tempfile.mkstemp` for EROFS).
    """
    mounted: list[Path] = []

    def make(path: Path, *, size: str = "256k", read_only: bool = False) -> str:
        path.mkdir(parents=True, exist_ok=True)
        options = f"size={size}" + (",ro" if read_only else "")
        try:
            done = subprocess.run(
                ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True, check=False
            )
        except OSError:  # no mount(8) on this machine
            done = None
        if done is not None and done.returncode == 0:
            mounted.append(path)
            return "tmpfs"
        _simulate(monkeypatch, path, read_only)
        return "simulated"

    yield make
    for path in reversed(mounted):
        subprocess.run(["umount", "-l", str(path)], check=False)  # mount worked, so umount exists


def _simulate(monkeypatch, root: Path, read_only: bool) -> None:  # type: ignore[no-untyped-def]
    import tempfile

    import xlt.workspace

    real_fsync, real_mkstemp = os.fsync, tempfile.mkstemp
    limit = [256 * 1024]

    def fsync(fd: int) -> None:
        size = os.fstat(fd).st_size
        if str(Path(f"/proc/self/fd/{fd}").readlink()).startswith(str(root)):
            if size > limit[0]:  # the file does not fit; its deleted temporary frees its space again
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            limit[0] -= size
        real_fsync(fd)

    def mkstemp(*args, **kwargs):  # type: ignore[no-untyped-def]
        if str(kwargs.get("dir", "")).startswith(str(root)):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(kwargs["dir"]))
        return real_mkstemp(*args, **kwargs)

    if read_only:
        monkeypatch.setattr(xlt.workspace.tempfile, "mkstemp", mkstemp)
    else:
        monkeypatch.setattr(xlt.workspace.os, "fsync", fsync)


def test_collect_on_a_full_disk_names_the_path_and_keeps_finished_files(run_cli, ws, tmp_path, disk):
    """ENOSPC while collecting: one line naming the file being written; finished files kept; resumable."""
    how = disk(ws.root, size="256k")
    small = tmp_path / "udm_web_corpus.json"
    small.write_bytes(pages(UDM))
    big = tmp_path / "kpv_web_corpus.json"
    big.write_bytes(pages(" ".join(f"{KPV} {i}." for i in range(6000))))  # ~500 KB of text
    code, _, err = run_cli("collect", "hse", str(small), str(big))
    line = error_line(code, err, str(ws.raw_lang_dir("hse", "kpv")), "no space left")
    assert "free" in line and "re-run" in line, how
    assert_consistent(ws)
    assert pl.read_parquet(ws.manifest_path("hse"))["iso3"].to_list() == ["udm"]


def test_collect_into_a_read_only_workspace(run_cli, ws, tmp_path, disk):
    """EROFS: one line naming the path and saying to choose a writable workspace; nothing written."""
    disk(ws.root, read_only=True)
    source = tmp_path / "udm_web_corpus.json"
    source.write_bytes(pages(UDM))
    code, _, err = run_cli("collect", "hse", str(source))
    line = error_line(code, err, str(ws.raw_dir), "read-only")
    assert "--workspace" in line


# --- 3. clean: failed writes are errors, an empty result is an error --------------------------------


def _raw(ws, source: str, iso3: str, lines: list[str]) -> None:  # type: ignore[no-untyped-def]
    path = ws.raw_lang_dir(source, iso3) / "part.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")


def test_clean_on_a_full_disk_is_an_error_naming_the_language(run_cli, ws, disk):
    """A failed write of Spanish (HR) exits 1 naming spa and its path; Komi, cleaned before, stays."""
    _raw(ws, "wiki", "kpv", [f"{KPV} {i}" for i in range(50)])
    _raw(ws, "wiki", "spa", [f"Esta es la frase número {i} del corpus de prueba." for i in range(20000)])
    disk(ws.corpus_dir, size="256k")
    code, _, err = run_cli("clean", "--no-dedup")
    line = error_line(code, err, "spa", str(ws.corpus_lang_dir("spa")), "no space left")
    assert "re-run" in line
    assert ws.train_path("kpv").is_file() and not ws.train_path("spa").exists()
    assert not list(ws.corpus_dir.rglob("*.tmp"))


def test_clean_into_a_read_only_corpus_is_an_error(run_cli, ws, disk):
    """A read-only corpus/ exits 1 naming the path, before any work (its lock is the first write)."""
    _raw(ws, "wiki", "kpv", [f"{KPV} {i}" for i in range(50)])
    disk(ws.corpus_dir, read_only=True)
    code, _, err = run_cli("clean")
    error_line(code, err, str(ws.corpus_dir), "read-only")


def test_clean_exits_1_when_no_language_has_a_line_left(run_cli, ws):
    """Every line of every language filtered out: exit 1, one line saying which filters to loosen."""
    _raw(ws, "wiki", "kpv", ["Комi", "кыв", "x"])
    _raw(ws, "wiki", "udm", ["Ӟечбур", "Ӟечбур"])
    code, _, err = run_cli("clean")
    line = error_line(code, err, "no language has any line left")
    assert "--min-words" in line and "length" in line
    assert not ws.languages_path.exists()


# --- 4. structure: CoNLL-U, TSV/CSV/JSONL parallel data, HSE JSON, EXMARaLDA, wikiextractor, mC4 -----

CONLLU_ROW = "1\tШумбрат\tшумбрат\tINTJ\t_\t_\t0\troot\t_\t_"


@pytest.mark.parametrize("columns", [2, 3, 4, 5])
def test_conllu_rows_with_too_few_columns_are_refused(run_cli, ws, tmp_path, columns):
    """A token row with 2-5 columns is not CoNLL-U: exit 1 naming file and line, nothing collected."""
    folder = tmp_path / "UD_Erzya-JR"
    folder.mkdir()
    path = folder / "myv_jr-ud-test.conllu"
    short = "\t".join(["2", "ялгат", "ялгат", "NOUN", "_"][:columns])
    path.write_text(f"# text = Шумбрат ялгат\n{CONLLU_ROW}\n{short}\n\n", encoding="utf-8")
    code, _, err = run_cli("collect", "ud", str(path))
    line = error_line(code, err, f"{path}:3")
    assert f"{columns} columns" in line and "10" in line
    nothing_written(ws)


def test_conllu_bad_row_in_a_batch_keeps_the_good_file(run_cli, ws, tmp_path):
    """One malformed CoNLL-U file among good ones: one skipped line with its line number."""
    folder = tmp_path / "UD_Erzya-JR"
    folder.mkdir()
    (folder / "good.conllu").write_text(f"# text = Шумбрат!\n{CONLLU_ROW}\n\n", "utf-8")
    (folder / "bad.conllu").write_text(f"{CONLLU_ROW}\n\n1 Шумбрат\n\n", "utf-8")
    code, out, err = run_cli("collect", "ud", str(folder))
    skipped_line(code, err, f"{folder / 'bad.conllu'}:3")
    assert "myv" in out


def test_treebank_rows_with_too_few_columns_are_refused(run_cli, ws, tmp_path):
    """`downstream pos` on a treebank with a 4-column row: exit 1 naming file and line, before any model."""
    ws.root.mkdir(parents=True)  # downstream reads an existing workspace
    good = tmp_path / "tr_imst-ud-train.conllu"
    good.write_text(f"{CONLLU_ROW}\n\n", "utf-8")
    bad = tmp_path / "myv_jr-ud-test.conllu"
    bad.write_text(f"# sent_id = 1\n{CONLLU_ROW}\n2\tялгат\tялгат\tNOUN\n\n", "utf-8")
    args = ("--train", str(good), "--test", str(bad), "--model", "no/such-model")
    code, _, err = run_cli("downstream", "pos", *args)
    assert "4 columns" in error_line(code, err, f"{bad}:3")


def _mt(run_cli, path: Path) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    args = ("--src-lang", "spa", "--tgt-lang", "nci", "--model", "no/such-model")
    return run_cli("downstream", "mt", "--pair", str(path), *args)


def _pairs(n: int) -> str:
    return "".join(f"hola amigo {i}\tnican tlacatl {i}\n" for i in range(n))


def test_tsv_with_a_ragged_row_is_refused(run_cli, ws, tmp_path):
    """A TSV row with an extra field: exit 1 naming file and line (not fine-tuned and scored)."""
    ws.root.mkdir(parents=True)  # downstream reads an existing workspace
    path = tmp_path / "pairs.tsv"
    path.write_text("spa\tnci\n" + _pairs(20) + "uno\tdos\ttres\n" + _pairs(5), encoding="utf-8")
    code, _, err = _mt(run_cli, path)
    assert "3 fields" in error_line(code, err, f"{path}:22")


def test_csv_with_a_missing_column_is_refused(run_cli, ws, tmp_path):
    """A CSV row with one field where the header has two: exit 1 naming file and line."""
    ws.root.mkdir(parents=True)  # downstream reads an existing workspace
    path = tmp_path / "pairs.csv"
    rows = "".join(f"hola amigo {i},nican tlacatl {i}\n" for i in range(20))
    path.write_text("spa,nci\n" + rows + "solo una columna\n", encoding="utf-8")
    code, _, err = _mt(run_cli, path)
    assert "1 field" in error_line(code, err, f"{path}:22")


def test_tsv_with_an_unbalanced_quote_is_refused(run_cli, ws, tmp_path):
    """A stray quote that makes the csv module swallow the following lines is reported with its line."""
    ws.root.mkdir(parents=True)  # downstream reads an existing workspace
    path = tmp_path / "pairs.tsv"
    path.write_text('spa\tnci\n"hola\tnican\n' + _pairs(20), encoding="utf-8")
    code, _, err = _mt(run_cli, path)
    assert "quote" in error_line(code, err, f"{path}:2")


def test_jsonl_line_that_is_not_an_object_is_refused(run_cli, ws, tmp_path):
    """A JSONL line holding a list instead of an object: exit 1 naming file and line."""
    ws.root.mkdir(parents=True)  # downstream reads an existing workspace
    path = tmp_path / "pairs.jsonl"
    rows = [json.dumps({"spa": f"hola {i}", "nci": f"nican {i}"}) for i in range(20)]
    path.write_text("\n".join([*rows[:3], '["hola", "nican"]', *rows[3:]]) + "\n", encoding="utf-8")
    code, _, err = _mt(run_cli, path)
    assert "object" in error_line(code, err, f"{path}:4")


def test_jsonl_line_missing_a_language_is_refused(run_cli, ws, tmp_path):
    """A JSONL record without the target column: exit 1 naming file, line and the column."""
    ws.root.mkdir(parents=True)  # downstream reads an existing workspace
    path = tmp_path / "pairs.jsonl"
    rows = [json.dumps({"spa": f"hola {i}", "nci": f"nican {i}"}) for i in range(20)]
    rows[7] = json.dumps({"spa": "hola"})
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    code, _, err = _mt(run_cli, path)
    assert "nci" in error_line(code, err, f"{path}:8")


def test_hse_json_nested_too_deep_is_one_line(run_cli, ws, tmp_path):
    """A JSON document nested 100,000 levels deep: one line naming the file, not a RecursionError."""
    path = tmp_path / "udm_web_corpus.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    code, _, err = run_cli("collect", "hse", str(path))
    error_line(code, err, str(path))
    nothing_written(ws)


def test_hse_json_in_another_layout_says_what_it_found(run_cli, ws, tmp_path):
    """A JSON object without pages: the line says what the file holds and what the reader expects."""
    path = tmp_path / "udm_web_corpus.json"
    path.write_text(json.dumps({"title": "Ӟечбур", "count": 3}), encoding="utf-8")
    code, _, err = run_cli("collect", "hse", str(path))
    line = error_line(code, err, str(path))
    assert "'title'" in line and "'text'" in line


def test_hse_page_with_a_non_text_field_names_the_page(run_cli, ws, tmp_path):
    """A page whose 'text' is a number is an error naming the page, not silently dropped."""
    path = tmp_path / "udm_web_corpus.json"
    path.write_text(json.dumps([{"text": UDM}, {"text": 42}]), encoding="utf-8")
    code, _, err = run_cli("collect", "hse", str(path))
    assert "page 2" in error_line(code, err, str(path))


def test_hse_jsonl_bad_line_names_the_line(run_cli, ws, tmp_path):
    """JSON lines with a broken third line: exit 1 naming file and line."""
    path = tmp_path / "udm_web_corpus.jsonl"
    path.write_text(json.dumps({"text": UDM}) + "\n" + json.dumps({"text": KPV}) + '\n{"text": \n', "utf-8")
    code, _, err = run_cli("collect", "hse", str(path))
    error_line(code, err, f"{path}:3")
    nothing_written(ws)


def test_exb_without_a_body_is_not_exmaralda(run_cli, ws, tmp_path):
    """A <basic-transcription> with no <basic-body>: the line says which element is missing."""
    path = tmp_path / "x.exb"
    path.write_text("<basic-transcription><head/></basic-transcription>", encoding="utf-8")
    code, _, err = run_cli("collect", "hzsk", str(path), "--lang", "sel")
    assert "<basic-body>" in error_line(code, err, str(path))


def test_exb_html_file_is_not_exmaralda(run_cli, ws, tmp_path):
    """An HTML page saved as .exb: one line naming the file and its root element."""
    path = tmp_path / "x.exb"
    path.write_text("<html><body><p>Ӟечбур!</p></body></html>", encoding="utf-8")
    code, _, err = run_cli("collect", "hzsk", str(path), "--lang", "sel")
    assert "<html>" in error_line(code, err, str(path))


def test_exb_event_outside_the_timeline_names_the_line(run_cli, ws, tmp_path):
    """An event pointing at a missing timeline point: the line number of the event is given."""
    path = tmp_path / "x.exb"
    path.write_text(
        '<basic-transcription><head><speakertable><speaker id="S"/></speakertable></head>\n'
        '<basic-body><common-timeline><tli id="T0"/><tli id="T1"/></common-timeline>\n'
        '<tier id="TIE0" speaker="S" category="tx" type="t">\n'
        '<event start="T0" end="T9">Ӟечбур</event></tier></basic-body></basic-transcription>',
        encoding="utf-8",
    )
    code, _, err = run_cli("collect", "hzsk", str(path), "--lang", "udm")
    assert "timeline" in error_line(code, err, f"{path}:4")


def test_wiki_file_without_doc_tags_is_refused(run_cli, ws, tmp_path):
    """Plain text in a wiki_00 file: one line saying it is not wikiextractor output."""
    folder = tmp_path / "kvwiki-20240101" / "AA"
    folder.mkdir(parents=True)
    (folder / "wiki_00").write_text("Коми кыв.\nМый сійӧ?\n", encoding="utf-8")
    code, _, err = run_cli("collect", "wiki", str(folder / "wiki_00"))
    assert "<doc" in error_line(code, err, str(folder / "wiki_00"))


def test_wiki_unclosed_doc_names_its_line(run_cli, ws, tmp_path):
    """A <doc> never closed (a cut-off file): the line of the opening tag is named."""
    folder = tmp_path / "kvwiki-20240101" / "AA"
    folder.mkdir(parents=True)
    path = folder / "wiki_00"
    path.write_text(
        '<doc id="1" url="https://kv.wikipedia.org/wiki?curid=1" title="А">\nА\n\nКом кыв.\n</doc>\n'
        '<doc id="2" url="https://kv.wikipedia.org/wiki?curid=2" title="Б">\nБ\n\nМый сійӧ.\n',
        encoding="utf-8",
    )
    code, _, err = run_cli("collect", "wiki", str(path))
    assert "not closed" in error_line(code, err, f"{path}:6")
    nothing_written(ws)


def test_mc4_local_bad_jsonl_names_the_line(run_cli, ws, tmp_path):
    """A broken line in a local mC4 file: one line naming file and line, no library class names."""
    path = tmp_path / "c4-kv.tfrecord-00000-of-00001.json"
    path.write_text('{"text": "Коми кыв. Мый сійӧ."}\n{not json\n', encoding="utf-8")
    code, _, err = run_cli("collect", "mc4", str(path))
    error_line(code, err, f"{path}:2")
    nothing_written(ws)


def test_mc4_local_record_without_text_names_the_line(run_cli, ws, tmp_path):
    """A local mC4 record without a 'text' field: file and line named."""
    path = tmp_path / "c4-kv.tfrecord-00000-of-00001.json"
    path.write_text('{"text": "Коми кыв."}\n{"url": "https://kv.example"}\n', encoding="utf-8")
    code, _, err = run_cli("collect", "mc4", str(path))
    assert "'text'" in error_line(code, err, f"{path}:2")


# --- 5. encodings: language-aware detection ---------------------------------------------------------

SAMPLES = {
    "fra": "Il est très content. Ça va très bien, merci. Où est la gare? L'été à côté du lycée.",
    "spa": "El niño comió una manzana. ¿Dónde está la estación? Mañana iré al médico, señor.",
    "deu": "Die Größe des Maßes ist überall gleich. Über die Brücke fährt ein Bär nach Süden.",
    "tur": "Türkçe öğrenmek çok güzel. Şimdi İstanbul'a gidiyorum. Ağaçların altında oturduk.",
    "rus": "Широкая электрификация южных губерний даст мощный толчок подъёму сельского хозяйства.",
    "ces": "Příliš žluťoučký kůň úpěl ďábelské ódy. Čeština má háčky a čárky, řeka teče.",
    "pol": "Zażółć gęślą jaźń. Pchnąć w tę łódź jeża lub ośm skrzyń fig. Łódź jest duża.",
}


@pytest.mark.parametrize(
    ("iso3", "encoding"),
    [
        ("fra", "latin-1"),
        ("fra", "cp1252"),
        ("spa", "cp1252"),
        ("deu", "latin-1"),
        ("tur", "cp1254"),
        ("rus", "cp1251"),
        ("rus", "koi8-r"),
        ("ces", "cp1250"),
        ("pol", "iso8859-2"),
    ],
)
def test_detection_reads_each_language_in_its_legacy_encoding(iso3, encoding):
    """Short real text in a legacy code page decodes to the original, with a note of high confidence."""
    data = SAMPLES[iso3].encode(encoding)
    decoded = decode(data, f"{iso3}.txt", iso3)
    assert decoded.text == SAMPLES[iso3]
    assert decoded.note is not None and "high confidence" in decoded.note


def test_detection_without_a_language_says_it_is_unsure():
    """Without a language the detector's guess is taken and the note says the confidence is low."""
    decoded = decode(SAMPLES["fra"].encode("latin-1"), "x.txt")
    assert decoded.note is not None and "low confidence" in decoded.note


def test_latin1_french_hse_file_is_read_as_french(run_cli, ws, tmp_path):
    """latin-1 French JSON in an HSE-style file: "très", not "trčs"; the note gives the confidence."""
    path = tmp_path / "fra_web_corpus.json"
    path.write_bytes(json.dumps([{"text": SAMPLES["fra"]}], ensure_ascii=False).encode("latin-1"))
    code, _, err = run_cli("collect", "hse", str(path))
    assert code == 0, err
    notes = [line for line in err.splitlines() if line.startswith("note:")]
    assert len(notes) == 1 and "confidence" in notes[0] and "French" in notes[0]
    text = next(ws.raw_lang_dir("hse", "fra").glob("*.txt")).read_text(encoding="utf-8")
    assert "très" in text and "trčs" not in text and "Ça va" in text


def test_koi8r_conllu_is_read_as_russian(run_cli, ws, tmp_path):
    """A KOI8-R CoNLL-U file of Russian (a UD folder names the language): the words come out right."""
    folder = tmp_path / "UD_Russian-Test"
    folder.mkdir()
    sentence = SAMPLES["rus"]
    rows = "".join(
        f"{i}\t{w}\t_\t_\t_\t_\t0\t_\t_\t_\n" for i, w in enumerate(sentence.rstrip(".").split(), 1)
    )
    (folder / "ru_test-ud-test.conllu").write_bytes(f"# text = {sentence}\n{rows}\n".encode("koi8-r"))
    code, _, err = run_cli("collect", "ud", str(folder))
    assert code == 0, err
    assert sentence in next(ws.raw_lang_dir("ud", "rus").glob("*.txt")).read_text(encoding="utf-8")


# --- 6. other reader paths that ended in a raw exception ---------------------------------------------


def test_retired_language_code_in_a_batch_keeps_the_good_files(run_cli, ws, tmp_path):
    """A UD folder whose name is also a retired code (Lak; `lak` retired 2022) is collected as the language
    Lak (lbe), beside the good files: names of folders are read as names, never a crash."""
    good = tmp_path / "UD_Erzya-JR"
    good.mkdir()
    (good / "a.conllu").write_text(f"# text = Шумбрат!\n{CONLLU_ROW}\n\n", "utf-8")
    retired = tmp_path / "UD_Lak-Test"
    retired.mkdir()
    (retired / "b.conllu").write_text(f"# text = Шумбрат ялгат!\n{CONLLU_ROW}\n\n", "utf-8")
    code, out, err = run_cli("collect", "ud", str(good), str(retired))
    assert code == 0 and "Traceback" not in err, err
    assert "myv" in out and "lbe" in out
    assert list(ws.raw_lang_dir("ud", "lbe").glob("*.txt"))


def test_sample_without_pydoc_data_is_one_line(run_cli, ws, monkeypatch):
    """A Python without pydoc_data (the sample's English): one line naming the module, nothing written."""
    import sys

    from xlt.sources import sample

    monkeypatch.setitem(sys.modules, "pydoc_data", None)
    monkeypatch.setitem(sys.modules, "pydoc_data.topics", None)  # also when imported by an earlier test
    sample._english.cache_clear()
    try:
        code, _, err = run_cli("collect", "sample")
    finally:
        sample._english.cache_clear()
    error_line(code, err, "pydoc_data")
    nothing_written(ws)


def test_sample_without_elotl_is_one_line(run_cli, ws, monkeypatch):
    """The sample without the elotl package: one line with the install command (passes on main too)."""
    import sys

    from xlt.sources import sample

    monkeypatch.setitem(sys.modules, "elotl", None)
    monkeypatch.setitem(sys.modules, "elotl.corpora", None)  # also when imported by an earlier test
    sample._elotl.cache_clear()
    try:
        code, _, err = run_cli("collect", "sample")
    finally:
        sample._elotl.cache_clear()
    assert "pip install" in error_line(code, err, "elotl")


def test_fifo_named_like_an_input_is_refused_not_read(ws, tmp_path):
    """A named pipe called x.conllu is refused at once (reading it would block forever)."""
    import sys

    fifo = tmp_path / "x.conllu"
    os.mkfifo(fifo)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "xlt",
            "--workspace",
            str(ws.root),
            "collect",
            "ud",
            str(fifo),
            "--lang",
            "myv",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "regular file" in error_line(done.returncode, done.stderr, str(fifo))
