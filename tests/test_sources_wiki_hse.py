"""The wiki reader (wikiextractor doc and --json output) and the hse reader (JSON pages in zips)."""

from __future__ import annotations

import json
import zipfile

from xlt.sources import collect
from xlt.sources.wiki import clean_markup

DOC = """<doc id="12" url="https://kv.wikipedia.org/wiki?curid=12" title="Сыктывкар">
Сыктывкар

Сыктывкар — Коми Республикаса <b>юркар</b>. Сійӧ сулалӧ [[Эжва|Эжва]] ю дорын.{{Шаблон|a={{b}}}}
[[Категория:Каръяс]]
</doc>
<doc id="13" url="https://kv.wikipedia.org/wiki?curid=13" title="Эжва">
Эжва

Эжва — ю. Сійӧ визувтӧ [[Вычегда]] пыр.
</doc>
"""


def test_wikiextractor_docs_lose_all_markup(ws, tmp_path):
    """Doc tags, title lines, links, templates, categories and HTML tags are gone; sentences split."""
    path = tmp_path / "kvwiki-20240101-pages-articles" / "AA" / "wiki_00"
    path.parent.mkdir(parents=True)
    path.write_text(DOC, encoding="utf-8")
    report = collect(ws, "wiki", [tmp_path / "kvwiki-20240101-pages-articles"])
    lines = next(ws.raw_lang_dir("wiki", "kpv").glob("*.txt")).read_text(encoding="utf-8").splitlines()
    assert lines == [
        "Сыктывкар — Коми Республикаса юркар.",
        "Сійӧ сулалӧ Эжва ю дорын.",
        "Эжва — ю.",
        "Сійӧ визувтӧ Вычегда пыр.",
    ]
    assert report.languages["kpv"].files == 1  # the Komi Wikipedia is written in Komi-Zyrian


def test_wikiextractor_json_language_from_url(ws, tmp_path):
    """--json output: the text field is read and the URL host names the language."""
    path = tmp_path / "out" / "AA" / "wiki_00"
    path.parent.mkdir(parents=True)
    docs = [
        {
            "id": "1",
            "url": "https://udm.wikipedia.org/wiki?curid=1",
            "title": "Ижкар",
            "text": "Ижкар\n\nИжкар — кар.",
        }
    ]
    path.write_text("\n".join(json.dumps(d, ensure_ascii=True) for d in docs), encoding="utf-8")
    report = collect(ws, "wiki", [tmp_path / "out"])
    assert report.languages["udm"].lines == 1


def test_clean_markup_nested_templates_and_external_links():
    """Nested templates vanish; external links keep their label; bold quotes go."""
    text = clean_markup("A {{x|{{y|z}}}}'''b''' [https://example.org label] c.", "")
    assert text == "A b label c."


def test_hse_zip_with_json_escapes_and_json_lines(ws, tmp_path):
    """JSON pages with escapes and unicode are decoded; list and JSON-lines members both read."""
    archive = tmp_path / "kpv_web_corpus.zip"
    # JSON escapes: a newline, quotes and a \\u escape for Cyrillic б, as a real crawler writes them
    pages = (
        r'[{"url": "http://komi.example/1", "text": "Видза оланныд!\nМe \"лыддя\" небӧг. Тайӧ \u0431ур."}]'
    )
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("kpv_web/pages_1.json", pages)
        zf.writestr("kpv_web/pages_2.jsonl", json.dumps({"text": "Кыдз тэнад нимыд?"}) + "\n")
    report = collect(ws, "hse", [archive])
    lines = sorted(
        line
        for f in ws.raw_lang_dir("hse", "kpv").glob("*.txt")
        for line in f.read_text("utf-8").splitlines()
    )
    assert lines == sorted(["Видза оланныд!", 'Мe "лыддя" небӧг.', "Тайӧ бур.", "Кыдз тэнад нимыд?"])
    assert report.languages["kpv"].files == 2


def test_hse_bad_json_member_is_skipped(ws, tmp_path):
    """A broken JSON member is reported; the good member of the same archive is kept."""
    archive = tmp_path / "udm_vk_corpus.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("a.json", '[{"text": "Ӟечбур!"}]')
        zf.writestr("b.json", '[{"text": "unterminated')
    report = collect(ws, "hse", [archive])
    assert report.languages["udm"].lines == 1
    assert [s.origin for s in report.skipped] == [f"{archive}!b.json"]
