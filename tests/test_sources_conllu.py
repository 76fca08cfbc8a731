"""The ud reader: # text, multiword tokens, empty nodes, languages, and the packaged Turkish treebank."""

from __future__ import annotations

import pytest

from xlt.sources import NothingCollectedError, collect
from xlt.sources.conllu import sentences

# Spanish "del" = de + el (a multiword token), an empty node 2.1, SpaceAfter=No before the full stop,
# and no "# text" comment in the second sentence.
CONLLU = """# sent_id = 1
# text = Vengo del mercado.
1-2\tdel\t_\t_\t_\t_\t_\t_\t_\t_
1\tde\tde\tADP\t_\t_\t3\tcase\t_\t_
2\tel\tel\tDET\t_\t_\t3\tdet\t_\t_
3\tmercado\tmercado\tNOUN\t_\t_\t0\troot\t_\t_

# sent_id = 2
1\tVengo\tvenir\tVERB\t_\t_\t0\troot\t_\t_
2-3\tdel\t_\t_\t_\t_\t_\t_\t_\t_
2\tde\tde\tADP\t_\t_\t4\tcase\t_\t_
2.1\tir\tir\tVERB\t_\t_\t_\t_\t0:root\t_
3\tel\tel\tDET\t_\t_\t4\tdet\t_\t_
4\tmercado\tmercado\tNOUN\t_\t_\t1\tobl\t_\tSpaceAfter=No
5\t.\t.\tPUNCT\t_\t_\t1\tpunct\t_\t_

"""


def test_text_comment_and_rebuilt_surface():
    """`# text` wins; without it, multiword tokens replace their words and empty nodes vanish."""
    assert list(sentences(CONLLU, "x.conllu")) == ["Vengo del mercado.", "Vengo del mercado."]


def test_language_from_folder_prefix_or_lang(ws, tmp_path):
    """UD_<Language> folders, <code>_<treebank>-ud- file names and --lang each name the language."""
    folder = tmp_path / "UD_Komi_Zyrian-Lattice"
    folder.mkdir()
    (folder / "test.conllu").write_text(CONLLU, encoding="utf-8")
    prefixed = tmp_path / "loose" / "myv_jr-ud-test.conllu"
    prefixed.parent.mkdir()
    prefixed.write_text(CONLLU.replace("mercado", "ortomo"), encoding="utf-8")  # identical text = same input
    report = collect(ws, "ud", [folder, prefixed])
    assert set(report.languages) == {"kpv", "myv"}
    anonymous = tmp_path / "other" / "sentences.conllu"
    anonymous.parent.mkdir()
    anonymous.write_text(CONLLU.replace("Vengo", "Vine"), encoding="utf-8")
    with pytest.raises(NothingCollectedError, match=r"language unknown .*\(pass --lang\)"):
        collect(ws, "ud", [anonymous])
    assert "spa" in collect(ws, "ud", [anonymous], lang="Spanish").languages


def test_malformed_conllu_is_skipped(ws, tmp_path):
    """A token line with an invalid ID is a clear per-file error."""
    folder = tmp_path / "UD_Erzya-JR"
    folder.mkdir()
    (folder / "bad.conllu").write_text("x\tword\t_\t_\t_\t_\t0\troot\t_\t_\n\n", encoding="utf-8")
    (folder / "good.conllu").write_text(CONLLU, encoding="utf-8")
    report = collect(ws, "ud", [folder])
    assert [s.origin.endswith("bad.conllu") for s in report.skipped] == [True]
    assert report.languages["myv"].lines == 2


def test_packaged_turkish_treebank_through_the_ud_reader(ws):
    """turkish-treebanks' data/web.conllu and wiki.conllu read with --lang tur: every sentence kept."""
    metadata = pytest.importorskip("importlib.metadata")
    dist = metadata.distribution("turkish-treebanks")
    files = [str(dist.locate_file(f"data/{name}.conllu")) for name in ("web", "wiki")]
    report = collect(ws, "ud", files, lang="tur")
    assert report.languages["tur"].lines == 2541 + 2310
    text = ws.raw_lang_dir("ud", "tur").glob("*.txt")
    first = sorted(text)[0].read_text(encoding="utf-8").splitlines()[0]
    assert first == "Burda da öylemi yoksa kiloyla mı ?"
