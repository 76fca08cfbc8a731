"""Bad input loses nothing: unsafe archive members, truncated archives, encodings, empty dirs, languages."""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import pytest

from xlt.errors import UnknownLanguageError, UsageError
from xlt.sources import NothingCollectedError, collect

PAGES = '[{"text": "Ӟечбур! Кызьы улӥськод?"}]'


def _tar_add(tf: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tf.addfile(info, io.BytesIO(data))


def test_zip_members_escaping_the_target_are_refused(ws, tmp_path):
    """../ and absolute member paths and zip symlinks are reported; nothing is written outside."""
    archive = tmp_path / "box" / "udm_web_corpus.zip"
    archive.parent.mkdir()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../evil.json", PAGES)
        zf.writestr("/abs/evil2.json", PAGES)
        link = zipfile.ZipInfo("link.json")
        link.external_attr = 0o120777 << 16
        zf.writestr(link, "/etc/passwd")
        zf.writestr("good/pages.json", PAGES)
    report = collect(ws, "hse", [archive])
    reasons = {s.origin.split("!")[-1]: s.reason for s in report.skipped}
    assert "escapes the archive" in reasons["../evil.json"]
    assert "absolute member path" in reasons["/abs/evil2.json"]
    assert "symbolic link" in reasons["link.json"]
    assert report.languages["udm"].lines == 2 and report.languages["udm"].files == 1
    assert not (tmp_path / "evil.json").exists() and not Path("/abs/evil2.json").exists()
    written = {p.relative_to(ws.root).parts[:2] for p in ws.root.rglob("*") if p.is_file()}
    assert written == {("raw", "hse")}


def test_tar_links_and_escaping_members_are_refused(ws, tmp_path):
    """Symlinks, hard links and ../ members of a tar are refused; the regular member is read."""
    archive = tmp_path / "kpv_vk_corpus.tar.gz"
    with tarfile.open(archive, "w:gz") as tf:
        _tar_add(tf, "../../evil.json", PAGES.encode())
        sym = tarfile.TarInfo("sym.json")
        sym.type, sym.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tf.addfile(sym)
        hard = tarfile.TarInfo("hard.json")
        hard.type, hard.linkname = tarfile.LNKTYPE, "pages.json"
        tf.addfile(hard)
        _tar_add(tf, "pages.json", PAGES.encode())
    report = collect(ws, "hse", [archive])
    reasons = sorted(s.reason.split(" ")[0] for s in report.skipped)
    assert reasons == ["link", "link", "member"]
    assert report.languages["kpv"].files == 1


def test_truncated_zip_and_tar_gz(ws, tmp_path):
    """Cut-off archives are reported in one line each; members read before the damage are kept."""
    full_zip = tmp_path / "full.zip"
    with zipfile.ZipFile(full_zip, "w") as zf:
        zf.writestr("udm_a.json", PAGES)
    cut_zip = tmp_path / "udm_web_corpus.zip"
    cut_zip.write_bytes(full_zip.read_bytes()[:40])
    tgz = tmp_path / "kpv_web_corpus.tar.gz"
    with tarfile.open(tgz, "w:gz") as tf:
        _tar_add(tf, "a.json", PAGES.encode())
        _tar_add(tf, "b.json", Path(__file__).read_bytes() * 20)  # incompressible enough to cut inside
    cut_tgz = tmp_path / "kpv_vk_corpus.tar.gz"
    data = tgz.read_bytes()
    cut_tgz.write_bytes(data[: len(data) // 2])
    report = collect(ws, "hse", [cut_zip, cut_tgz])
    reasons = {s.origin: s.reason for s in report.skipped}
    # Each names the member the archive ends in.
    assert "truncated zip archive" in reasons[f"{cut_zip}!udm_a.json"]
    assert "truncated or damaged tar archive" in reasons[f"{cut_tgz}!b.json"]
    assert report.languages["kpv"].lines == 2  # a.json, read before the cut


def test_cp1251_text_is_detected_and_reported(ws, tmp_path):
    """A CP1251 Cyrillic file is decoded by detection, and the encoding is reported as a note."""
    text = "Удмуртский язык относится к пермской группе. На нём говорят в Удмуртии. Это родной язык удмуртов."
    path = tmp_path / "udm_web_corpus.json"
    path.write_bytes(('[{"text": "' + text + '"}]').encode("cp1251"))
    report = collect(ws, "hse", [path])
    assert report.languages["udm"].lines == 3
    assert any("decoded as cp1251" in note for note in report.notes)
    lines = next(ws.raw_lang_dir("hse", "udm").glob("*.txt")).read_text(encoding="utf-8")
    assert "Удмуртии" in lines


def test_binary_file_is_reported_as_undecodable(ws, tmp_path):
    """Random bytes are not text: reported, and with nothing else to collect, one error."""
    path = tmp_path / "udm_web_corpus.json"
    path.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(NothingCollectedError, match=r"(not UTF-8|binary data)"):
        collect(ws, "hse", [path])


def test_empty_directory_and_missing_path(ws, tmp_path):
    """An empty directory or a missing path collects nothing: one clear error."""
    (tmp_path / "empty").mkdir()
    with pytest.raises(NothingCollectedError, match=r"no EXMARaLDA \.exb files"):
        collect(ws, "hzsk", [tmp_path / "empty"])
    with pytest.raises(NothingCollectedError, match="no such file or directory"):
        collect(ws, "ud", [tmp_path / "nope"])


def test_unknown_language_and_source(ws, tmp_path):
    """An unknown --lang or source name fails before anything is read."""
    with pytest.raises(UnknownLanguageError, match="Klingonese"):
        collect(ws, "ud", [tmp_path], lang="Klingonese")
    with pytest.raises(UsageError, match="unknown source"):
        collect(ws, "gutenberg", [tmp_path])
