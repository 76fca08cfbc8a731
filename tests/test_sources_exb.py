"""The hzsk reader: EXMARaLDA basic transcriptions, tiers, timeline order, languages, hostile XML."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from xlt.errors import InputError
from xlt.sources import NothingCollectedError, collect

# An INEL-style transcription: multi-line <languages-used>, a Russian interviewer, ts/tx/mb/ge/ps/fr tiers,
# and events listed out of timeline order. The words are made up in the shape of Nganasan glosses.
EXB = """<?xml version="1.0" encoding="UTF-8"?>
<basic-transcription>
<head>
<meta-information>
<project-name>{project}</project-name>
<transcription-name>KNS_1975_Hunting_nar</transcription-name>
<referenced-file url=""/>
<ud-meta-information/>
<comment/>
<transcription-convention/>
</meta-information>
<speakertable>
<speaker id="SPK0">
<abbreviation>KNS</abbreviation>
<sex value="m"/>
<languages-used>
{languages}
</languages-used>
<l1>{l1}</l1>
<l2/>
<ud-speaker-information/>
<comment/>
</speaker>
<speaker id="SPK1">
<abbreviation>INT</abbreviation>
<sex value="f"/>
<languages-used>
  <language lang="rus"/>
</languages-used>
<l1/>
<l2/>
<ud-speaker-information/>
<comment/>
</speaker>
</speakertable>
</head>
<basic-body>
<common-timeline>
<tli id="T0" time="0.0"/>
<tli id="T1"/>
<tli id="T2"/>
<tli id="T3" time="4.2"/>
<tli id="T4"/>
<tli id="T5" time="7.0"/>
</common-timeline>
<tier id="TIE0" speaker="SPK0" category="ref" type="d" display-name="KNS [ref]">
<event start="T0" end="T3">KNS_1975_001</event>
</tier>
<tier id="TIE1" speaker="SPK0" category="ts" type="d" display-name="KNS [ts]">
<event start="T3" end="T5">Təndə ((XXX)) ŋuə dʼaŋkəj. </event>
<event start="T0" end="T3">Mənə bəjkəə ŋiləðʼüŋ. </event>
</tier>
<tier id="TIE2" speaker="SPK0" category="tx" type="t" display-name="KNS [tx]">
<event start="T0" end="T1">Mənə </event>
<event start="T1" end="T2">bəjkəə </event>
<event start="T2" end="T3">ŋiləðʼüŋ. </event>
</tier>
<tier id="TIE3" speaker="SPK0" category="mb" type="a" display-name="KNS [mb]">
<event start="T0" end="T1">mənə</event>
</tier>
<tier id="TIE4" speaker="SPK0" category="ge" type="a" display-name="KNS [ge]">
<event start="T0" end="T1">I.NOM</event>
</tier>
<tier id="TIE5" speaker="SPK0" category="ps" type="a" display-name="KNS [ps]">
<event start="T0" end="T1">pers</event>
</tier>
<tier id="TIE6" speaker="SPK0" category="fr" type="a" display-name="KNS [fr]">
<event start="T0" end="T3">Я старик охотился.</event>
</tier>
<tier id="TIE7" speaker="SPK0" category="fe" type="t" display-name="KNS [fe]">
<event start="T0" end="T3">I, the old man, hunted.</event>
</tier>
<tier id="TIE8" speaker="SPK1" category="tx" type="t" display-name="INT [tx]">
<event start="T4" end="T5">а? </event>
<event start="T3" end="T4">Ну </event>
</tier>
</basic-body>
</basic-transcription>
"""

NIO_USED = '  <language lang="nio"/>\n  <language lang="rus"/>'


def write_exb(path: Path, *, languages: str = NIO_USED, l1: str = "", project: str = "INEL") -> Path:
    """Write the fixture transcription with the given speaker languages and project name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(EXB.format(languages=languages, l1=l1, project=project), encoding="utf-8")
    return path


def lines_of(ws, iso3: str) -> list[str]:
    """All collected lines of a language in raw/hzsk."""
    files = sorted((ws.raw_lang_dir("hzsk", iso3)).glob("*.txt"))
    return [line for f in files for line in f.read_text(encoding="utf-8").splitlines()]


def test_sentence_tier_in_timeline_order_and_no_translation(ws, tmp_path):
    """ts utterances in timeline order, ((XXX)) dropped; fr/fe/mb/ge text never enters the Nganasan file."""
    report = collect(ws, "hzsk", [write_exb(tmp_path / "in" / "KNS_1975_Hunting_nar.exb")])
    nio = lines_of(ws, "nio")
    assert nio == ["Mənə bəjkəə ŋiləðʼüŋ.", "Təndə ŋuə dʼaŋkəj."]
    assert not any("старик" in line or "hunted" in line or "I.NOM" in line for line in nio)
    assert lines_of(ws, "rus") == ["Ну а?"]  # the interviewer's tx events, rejoined in timeline order
    assert report.languages["nio"].lines == 2 and report.languages["nio"].files == 1


def test_word_tier_joined_into_utterances_without_ts(ws, tmp_path):
    """Without a ts tier, tx word events are joined into utterances that end at sentence punctuation."""
    path = write_exb(tmp_path / "a.exb")
    text = path.read_text(encoding="utf-8")
    start, end = text.index('<tier id="TIE1"'), text.index('<tier id="TIE2"')
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    collect(ws, "hzsk", [path])
    assert lines_of(ws, "nio") == ["Mənə bəjkəə ŋiləðʼüŋ."]


def test_empty_languages_used_falls_back_to_l1_then_project_then_lang(ws, tmp_path):
    """Empty <languages-used>: L1 decides; else the project name; else --lang; else a clear error."""
    l1 = write_exb(tmp_path / "l1" / "a.exb", languages="", l1='<language lang="sel"/>')
    project = write_exb(tmp_path / "project" / "b.exb", languages="", project="INEL Dolgan Corpus")
    collect(ws, "hzsk", [l1, project])
    assert lines_of(ws, "sel") and lines_of(ws, "dlg")
    none = write_exb(tmp_path / "none" / "c.exb", languages="")
    with pytest.raises(NothingCollectedError, match="no language for speaker SPK0: no <languages-used>"):
        collect(ws, "hzsk", [none])
    collect(ws, "hzsk", [none], lang="Kamas")
    assert lines_of(ws, "xas") == ["Mənə bəjkəə ŋiləðʼüŋ.", "Təndə ŋuə dʼaŋkəj."]


def test_zip_archive_name_gives_the_language(ws, tmp_path):
    """Inside an HZSK zip, the archive name names the language when the speaker table does not."""
    exb = write_exb(tmp_path / "x.exb", languages="")
    archive = tmp_path / "nganasan-spoken-corpus-1.0.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(exb, "NganasanSpokenCorpus/exb/KNS_1975_Hunting_nar.exb")
        zf.writestr("NganasanSpokenCorpus/README.txt", "not a transcription")
    report = collect(ws, "hzsk", [archive])
    assert set(report.languages) == {"nio", "rus"}
    row_origins = {r for r in __import__("polars").read_parquet(ws.manifest_path("hzsk"))["origin"]}
    assert any(o.endswith("!NganasanSpokenCorpus/exb/KNS_1975_Hunting_nar.exb") for o in row_origins)


def test_rerun_skips_collected_inputs(ws, tmp_path):
    """Re-running collects nothing new: inputs are recognised by their sha256 in the manifest."""
    path = write_exb(tmp_path / "a.exb")
    first = collect(ws, "hzsk", [path])
    second = collect(ws, "hzsk", [path])
    assert first.new_files == 2 and second.new_files == 0 and second.already == 1
    assert second.languages["nio"].lines == 2


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<basic-transcription><basic-body><tier type="t" category="tx" speaker="S">
<event start="T0" end="T1">&lol4;</event></tier></basic-body></basic-transcription>
"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE t [ <!ENTITY xxe SYSTEM "file://{secret}"> ]>
<basic-transcription><basic-body><tier type="t" category="tx" speaker="S">
<event start="T0" end="T1">&xxe;</event></tier></basic-body></basic-transcription>
"""


def test_entity_bomb_and_external_entity_are_refused(ws, tmp_path):
    """Files that declare entities are refused with a message; nothing is expanded or read from disk."""
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET", encoding="utf-8")
    bomb = tmp_path / "in" / "bomb.exb"
    bomb.parent.mkdir()
    bomb.write_text(BILLION_LAUGHS, encoding="utf-8")
    xxe = tmp_path / "in" / "xxe.exb"
    xxe.write_text(EXTERNAL_ENTITY.format(secret=secret), encoding="utf-8")
    good = write_exb(tmp_path / "in" / "good.exb")
    report = collect(ws, "hzsk", [tmp_path / "in"])
    reasons = {Path(s.origin).name: s.reason for s in report.skipped}
    assert "declares XML entities" in reasons["bomb.exb"] and "declares XML entities" in reasons["xxe.exb"]
    assert good.exists() and set(report.languages) == {"nio", "rus"}
    collected = "".join(p.read_text(encoding="utf-8") for p in ws.raw_dir.rglob("*.txt"))
    assert "TOP-SECRET" not in collected and "lol" not in collected


def test_nothing_collected_is_one_error(ws, tmp_path):
    """When no input yields text, collect raises one error that names the file and the problem."""
    none = write_exb(tmp_path / "c.exb", languages="")
    with pytest.raises(NothingCollectedError, match=r"c\.exb: no language for speaker SPK0"):
        collect(ws, "hzsk", [none])


def test_malformed_xml_is_reported_and_the_rest_kept(ws, tmp_path):
    """A cut-off .exb is one skipped line naming the file; the good file in the batch is collected."""
    good = write_exb(tmp_path / "good.exb")
    bad = tmp_path / "bad.exb"
    bad.write_text(EXB[:900], encoding="utf-8")
    report = collect(ws, "hzsk", [good, bad])
    assert [s.origin for s in report.skipped] == [str(bad)]
    assert "malformed XML" in report.skipped[0].reason
    assert report.languages["nio"].lines == 2


def test_not_a_basic_transcription(tmp_path):
    """Well-formed XML that is not an EXMARaLDA basic transcription is refused clearly."""
    from xlt.sources import exb

    with pytest.raises(InputError, match="not an EXMARaLDA basic transcription"):
        exb.read_transcription(exb.parse_xml(b"<segmented-transcription/>", "x.exs"), "x.exs")
