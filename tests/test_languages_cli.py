"""Every command path that names a language survives retired codes and WALS names (issue 17, class 1).

Each test drives the CLI through `run_cli` on inputs it writes itself: `xlt languages`, `--hr`/`--lr`,
`collect --lang`, an EXMARaLDA speaker with ``lang="lak"``, a ``UD_Lak-...`` folder, a
``prv_web_corpus.zip``, and a batch in which one such file sits among good ones.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import polars as pl

EXB = """<?xml version="1.0" encoding="UTF-8"?>
<basic-transcription>
<head>
<meta-information><project-name>Test</project-name><transcription-name>t</transcription-name>
<referenced-file url=""/><ud-meta-information/><comment/><transcription-convention/></meta-information>
<speakertable>
<speaker id="SPK0"><abbreviation>A</abbreviation><sex value="f"/>
<languages-used><language lang="{lang}"/></languages-used><l1/><l2/><ud-speaker-information/><comment/>
</speaker>
</speakertable>
</head>
<basic-body>
<common-timeline><tli id="T0" time="0.0"/><tli id="T1" time="1.0"/></common-timeline>
<tier id="TIE0" speaker="SPK0" category="ts" type="d" display-name="A [ts]">
<event start="T0" end="T1">{text}</event>
</tier>
</basic-body>
</basic-transcription>
"""


def no_crash(code: int, out: str, err: str) -> None:
    """No library exception name and no traceback reached the user."""
    for text in (out, err):
        assert "Deprecated" not in text and "Traceback" not in text and "InvalidLanguageValue" not in text


def raw_lines(ws, source: str, iso3: str) -> list[str]:
    """Every line collected for one language of one source."""
    return [
        line
        for path in sorted(ws.raw_lang_dir(source, iso3).glob("*.txt"))
        for line in path.read_text("utf-8").splitlines()
    ]


def hse_zip(path: Path, *texts: str) -> Path:
    """An HSE-style archive: one JSON list of page objects."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            f"{path.stem}/pages.json", json.dumps([{"text": t} for t in texts], ensure_ascii=False)
        )
    return path


# --- xlt languages ---------------------------------------------------------------------------------


def test_languages_reports_each_failure_and_shows_the_rest(run_cli) -> None:
    """Two unknown names among three good ones: two error lines, three rows, exit 1."""
    code, out, err = run_cli("languages", "English", "Xqzzyv", "Greek (Modern)", "Komi Zyrain", "kpv")
    assert code == 1
    errors = err.strip().splitlines()
    assert len(errors) == 2 and all(line.startswith("error: unknown language") for line in errors)
    assert "Xqzzyv" in errors[0] and "Komi Zyrain" in errors[1] and "Komi-Zyrian (kpv)" in errors[1]
    assert "eng" in out and "ell" in out and "kpv" in out


def test_languages_lak_shows_both_readings(run_cli) -> None:
    """`xlt languages Lak` is the language Lak (lbe), with a note that the code lak is retired (-> ksp);
    `lak` typed as a code is the retired code, with a note naming Lak."""
    code, out, err = run_cli("languages", "Lak")
    no_crash(code, out, err)
    assert code == 0 and "lbe" in out
    notes = [line for line in out.splitlines() if line.startswith("note: Lak:")]
    assert any("ksp" in line for line in notes)
    code, out, err = run_cli("languages", "lak")
    assert code == 0 and "ksp" in out
    notes = [line for line in out.splitlines() if line.startswith("note: lak:")]
    assert any("retired" in line for line in notes) and any("lbe" in line for line in notes)
    code, out, _ = run_cli("languages", "--by-name", "Lak", "Mon")
    assert code == 0 and "lbe" in out and "mnw" in out


def test_languages_prv_and_mon(run_cli) -> None:
    """`xlt languages prv Mon mon Provençal`: oci with a note; Mon (mnw) with a note naming the code
    mon; Mongolian; Occitan."""
    code, out, err = run_cli("languages", "prv", "Mon", "mon", "Provençal")
    no_crash(code, out, err)
    assert code == 0 and out.count("oci") >= 2 and "mnw" in out and "Mongolian" in out
    assert any(line.startswith("note: Mon:") and "mon" in line for line in out.splitlines())
    assert any(line.startswith("note: mon:") and "mnw" in line for line in out.splitlines())


def test_languages_with_names_and_wals_files(run_cli, tmp_path: Path) -> None:
    """--names overrides, --wals adds aliases; a bad file is one line with file and line, exit 1."""
    names = tmp_path / "names.csv"
    names.write_text("name,iso3\nMon,mnw\n", "utf-8")
    wals = tmp_path / "language.csv"
    wals.write_text("wals_code,iso_code,glottocode,Name\ntst,tyv,,Tuvan (Test)\n", "utf-8")
    code, out, _ = run_cli("languages", "--names", str(names), "--wals", str(wals), "Mon", "Tuvan (Test)")
    assert code == 0 and "mnw" in out and "tyv" in out and "names.csv:2" in out
    names.write_text("name,iso3\nMon,mnw\nLak,lbx9\n", "utf-8")
    code, out, err = run_cli("languages", "--names", str(names), "Mon")
    assert code == 1 and err.strip().count("\n") == 0
    assert "names.csv:3" in err and "'lbx9' is not an ISO 639-3 code" in err


# --- --hr / --lr -----------------------------------------------------------------------------------


def test_pretrain_hr_retired_code(run_cli, ws) -> None:
    """`xlt pretrain --hr prv`: read as Occitan (oci), then one line saying the corpus has none."""
    ws.corpus_lang_dir("spa").mkdir(parents=True)
    ws.train_path("spa").write_text("hola\n", "utf-8")
    pl.DataFrame({"iso3": ["spa"], "tier": ["hr"], "lines": [1]}).write_parquet(ws.languages_path)
    code, out, err = run_cli("pretrain", "--hr", "prv", "--steps", "1")
    no_crash(code, out, err)
    assert code == 1 and err.strip().count("\n") == 0
    assert "no text for Occitan (post 1500) (oci)" in err


def test_analyze_lr_and_hr_retired_codes(run_cli, ws) -> None:
    """`xlt analyze transfer --lr lak --hr prv` resolves both and stops at the empty workspace in one line.

    (`xlt evaluate --lr/--hr` goes through the same `resolve_many`; it is not run here because its
    imports take ~10 s.)
    """
    ws.root.mkdir(parents=True)
    code, out, err = run_cli("analyze", "transfer", "--lr", "lak", "--hr", "prv")
    no_crash(code, out, err)
    assert code == 1 and err.strip().count("\n") == 0 and "no results at" in err


# --- collect ---------------------------------------------------------------------------------------


def test_collect_lang_retired_code(run_cli, ws, tmp_path: Path) -> None:
    """`xlt collect hse pages.json --lang lak`: the file is collected under lak's replacement, ksp."""
    pages = tmp_path / "pages.json"
    pages.write_text(json.dumps([{"text": "Первая строка. Вторая строка."}], ensure_ascii=False), "utf-8")
    code, out, err = run_cli("collect", "hse", str(pages), "--lang", "lak")
    no_crash(code, out, err)
    assert code == 0, err
    assert raw_lines(ws, "hse", "ksp") == ["Первая строка.", "Вторая строка."]


def test_collect_exb_speaker_with_retired_code(run_cli, ws, tmp_path: Path) -> None:
    """An .exb speaker with lang="lak" is collected (as ksp) beside a good Nganasan file."""
    folder = tmp_path / "exb"
    folder.mkdir()
    (folder / "a.exb").write_text(EXB.format(lang="lak", text="Ва ла. "), "utf-8")
    (folder / "b.exb").write_text(EXB.format(lang="nio", text="Мənə bəjkəə. "), "utf-8")
    code, out, err = run_cli("collect", "hzsk", str(folder))
    no_crash(code, out, err)
    assert code == 0, err
    assert raw_lines(ws, "hzsk", "ksp") == ["Ва ла."] and raw_lines(ws, "hzsk", "nio") == ["Мənə bəjkəə."]


def test_collect_ud_lak_folder(run_cli, ws, tmp_path: Path) -> None:
    """A UD_Lak-Test folder is the Caucasian language Lak (lbe): a folder name is a name."""
    folder = tmp_path / "UD_Lak-Test"
    folder.mkdir()
    (folder / "test.conllu").write_text(
        "# text = Ва ла.\n1\tВа\t_\t_\t_\t_\t0\troot\t_\t_\n2\tла\t_\t_\t_\t_\t1\tdep\t_\tSpaceAfter=No\n"
        "3\t.\t_\t_\t_\t_\t1\tpunct\t_\t_\n\n",
        "utf-8",
    )
    code, out, err = run_cli("collect", "ud", str(folder))
    no_crash(code, out, err)
    assert code == 0, err
    assert raw_lines(ws, "ud", "lbe") == ["Ва ла."]


def test_collect_hse_batch_with_a_retired_prefix(run_cli, ws, tmp_path: Path) -> None:
    """prv_web_corpus.zip (-> oci) and kpv_web_corpus.zip are both collected; an unknown prefix is skipped."""
    prv = hse_zip(tmp_path / "prv_web_corpus.zip", "Bonjorn a totes.")
    kpv = hse_zip(tmp_path / "kpv_web_corpus.zip", "Видза оланныд!")
    unknown = hse_zip(tmp_path / "zqx_web_corpus.zip", "Nobody knows.")
    code, out, err = run_cli("collect", "hse", str(prv), str(kpv), str(unknown))
    no_crash(code, out, err)
    assert code == 0, err
    assert raw_lines(ws, "hse", "oci") == ["Bonjorn a totes."]
    assert raw_lines(ws, "hse", "kpv") == ["Видза оланныд!"]
    skipped = [line for line in err.splitlines() if line.startswith("skipped:")]
    assert len(skipped) == 1 and "zqx_web_corpus.zip" in skipped[0]
