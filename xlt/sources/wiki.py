"""`wiki`: wikiextractor output, plain (``<doc id= url= title=>`` … ``</doc>``) or ``--json`` lines.

Reads the ``AA/wiki_00`` files (also ``.bz2`` from ``--compress``), loose, in folders or archives.
Each document's title line is dropped, and whatever markup wikiextractor left is removed: HTML tags,
``{{templates}}``, ``[[links|label]]`` (the label stays), ``[[Category:…]]`` and file links, tables.
Paragraphs are split into sentences. Language: the dump name (``kvwiki-20240101-…``), else the
document's URL host (``kv.wikipedia.org``), else ``--lang``. Structure is checked line by line: text
outside a ``<doc>``, a ``<doc>`` opened inside another or never closed (a cut-off file) names the line.
"""

from __future__ import annotations

import html
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator

from xlt.errors import InputError, UnknownLanguageError
from xlt.languages import Language, from_wiki_code
from xlt.sources.archives import iter_units
from xlt.sources.base import Chunk, ReadContext, Skipped, Unit
from xlt.sources.textio import decode, split_sentences

_WIKI_FILE = re.compile(r"^wiki_\d+(\.bz2|\.gz|\.json|\.jsonl|\.txt)?$|\.jsonl?$", re.IGNORECASE)
_DUMP_NAME = re.compile(r"^([a-z][a-z_\-]*?)wiki(?:-\d{8}|-latest|$|[-_.])", re.IGNORECASE)
_URL_HOST = re.compile(r"https?://([a-z][a-z\-]*)\.wikipedia\.org", re.IGNORECASE)
_DOC_OPEN = re.compile(r"^\s*<doc\b([^>]*)>")
_DOC_CLOSE = "</doc>"
_FORMAT_HINT = "wikiextractor writes <doc id=... url=... title=...> ... </doc> blocks, or --json lines"
_ATTR = re.compile(r'(\w+)="([^"]*)"')


def units(inputs: list[str], ctx: ReadContext) -> Iterable[Unit | Skipped]:
    """Every wikiextractor output file under the inputs."""
    return iter_units(
        inputs, lambda name: bool(_WIKI_FILE.search(name)), "wikiextractor files (wiki_00, *.json)"
    )


def parse(unit: Unit, ctx: ReadContext) -> list[Chunk]:
    """Sentences of every document in one output file, grouped by language."""
    dump_language = _dump_language(unit)
    guess = dump_language or ctx.lang
    decoded = decode(unit.data(), unit.origin, guess.iso3 if guess else None)
    if decoded.note:
        ctx.notes.append(decoded.note)
    text, encoding = decoded.text, decoded.encoding
    by_language: dict[str, list[str]] = defaultdict(list)
    found = False
    for url, title, body in documents(text, unit.origin):
        found = True
        language = dump_language or _url_language(url) or ctx.lang
        if language is None:
            raise InputError(
                f"{unit.origin}: language unknown (no <code>wiki dump name and no wikipedia.org URL)",
                hint="pass --lang",
            )
        by_language[language.iso3].extend(split_sentences(clean_markup(body, title)))
    if not found:
        raise InputError(
            f"{unit.origin}: no <doc> elements or JSON documents (not wikiextractor output)", _FORMAT_HINT
        )
    return [Chunk(iso3, lines, encoding=encoding) for iso3, lines in sorted(by_language.items())]


def documents(text: str, origin: str) -> Iterator[tuple[str, str, str]]:
    """(url, title, text) of each document: JSON lines when the file starts with ``{``, else doc tags."""
    if text.lstrip().startswith("{"):
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                doc = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{origin}:{number}: not valid JSON ({exc.msg})", _FORMAT_HINT) from exc
            except RecursionError as exc:
                raise InputError(f"{origin}:{number}: JSON nested too deeply", _FORMAT_HINT) from exc
            if not isinstance(doc, dict) or not isinstance(doc.get("text"), str):
                raise InputError(f"{origin}:{number}: no 'text' field", _FORMAT_HINT)
            yield str(doc.get("url", "")), str(doc.get("title", "")), doc["text"]
        return
    yield from _doc_blocks(text, origin)


def _doc_blocks(text: str, origin: str) -> Iterator[tuple[str, str, str]]:
    """(url, title, text) of each ``<doc>`` block, read line by line so that faults have a line."""
    opened: tuple[int, dict[str, str]] | None = None
    body: list[str] = []
    lines = text.split("\n")
    if not any(_DOC_OPEN.match(line) for line in lines):
        return  # not wikiextractor output at all: the caller says so
    for number, line in enumerate(lines, start=1):
        match = _DOC_OPEN.match(line)
        if match:
            if opened is not None:
                raise InputError(
                    f"{origin}:{opened[0]}: <doc> not closed before the next <doc> on line {number}",
                    _FORMAT_HINT,
                )
            opened, body = (number, dict(_ATTR.findall(match.group(1)))), []
            line = line[match.end() :]
        if opened is None:
            if line.strip():
                raise InputError(f"{origin}:{number}: text outside <doc> … </doc>", _FORMAT_HINT)
            continue
        if _DOC_CLOSE in line:
            head, _, tail = line.partition(_DOC_CLOSE)
            body.append(head)
            attrs = opened[1]
            yield html.unescape(attrs.get("url", "")), html.unescape(attrs.get("title", "")), "\n".join(body)
            opened, body = None, []
            if tail.strip():
                raise InputError(f"{origin}:{number}: text after </doc>", _FORMAT_HINT)
        else:
            body.append(line)
    if opened is not None:
        raise InputError(f"{origin}:{opened[0]}: <doc> not closed (the file is cut off?)", _FORMAT_HINT)


_TEMPLATE = re.compile(r"\{\{[^{}]*\}\}")
_TABLE = re.compile(r"\{\|.*?\|\}", re.DOTALL)
_DROP_LINK = re.compile(r"\[\[(?:[^\]|:]+):[^\]]*\]\]")  # [[Category:…]], [[File:…|…]], interwiki
_LINK = re.compile(r"\[\[(?:[^\]|]*\|)?([^\]|]*)\]\]")
_EXTERNAL = re.compile(r"\[(?:https?:)?//\S+(?:\s+([^\]]*))?\]")
_BREAK = re.compile(r"<(br|p|div|li|tr|td|th)\b[^<>]*/?>", re.IGNORECASE)
_TAG = re.compile(r"</?[a-zA-Z][^<>]*/?>")
_BOLD = re.compile(r"'{2,}")


def clean_markup(body: str, title: str = "") -> str:
    """Text of a document with leftover wiki markup and HTML removed; the repeated title line dropped."""
    text = html.unescape(body)
    text = _TABLE.sub(" ", text)
    for _ in range(5):  # nested templates: innermost first
        text, count = _TEMPLATE.subn(" ", text)
        if not count:
            break
    text = _DROP_LINK.sub(" ", text)
    text = _LINK.sub(r"\1", text)
    text = _EXTERNAL.sub(lambda m: m.group(1) or " ", text)
    text = _BREAK.sub(" ", text)
    text = _TAG.sub("", text)  # inline tags (<b>, <span>) sit inside words and before punctuation
    text = _BOLD.sub("", text)
    text = text.replace("{{", " ").replace("}}", " ").replace("[[", "").replace("]]", "")
    lines = [" ".join(line.split()) for line in text.splitlines()]
    lines = [line for line in lines if line]
    if lines and title and lines[0].rstrip(".") == " ".join(title.split()):
        lines = lines[1:]
    return "\n".join(lines)


def _dump_language(unit: Unit) -> Language | None:
    for name in unit.hint_names:
        if match := _DUMP_NAME.match(name):
            try:
                return from_wiki_code(match.group(1).rstrip("-_"))
            except UnknownLanguageError:
                continue
    return None


def _url_language(url: str) -> Language | None:
    if match := _URL_HOST.match(url):
        try:
            return from_wiki_code(match.group(1))
        except UnknownLanguageError:
            return None
    return None
