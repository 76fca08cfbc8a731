"""`hse`: the HSE minority-language web and VK corpora (``{iso}_web_corpus.zip``, ``{iso}_vk_corpus.zip``).

The archives hold JSON page objects, as one JSON list (or an object wrapping a list) or as JSON lines,
each with a ``text`` field; texts are split into lines and sentences. Language: the archive (or file)
name prefix, else ``--lang``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from xlt.errors import InputError, UnknownLanguageError
from xlt.languages import Language, from_hse_name
from xlt.sources.archives import iter_units
from xlt.sources.base import Chunk, ReadContext, Skipped, Unit
from xlt.sources.textio import decode, split_sentences

# Keys under which page objects may carry their text (the corpora use "text").
TEXT_KEYS = ("text", "content", "body")


def units(inputs: list[str], ctx: ReadContext) -> Iterable[Unit | Skipped]:
    """Every JSON file, loose or inside the corpus archives."""
    return iter_units(
        inputs, lambda name: name.lower().endswith((".json", ".jsonl", ".json.gz", ".jsonl.gz")), "JSON files"
    )


def parse(unit: Unit, ctx: ReadContext) -> list[Chunk]:
    """Sentences of every page in one JSON file."""
    language = language_of(unit, ctx)
    text, encoding = decode(unit.data(), unit.origin)
    if encoding not in {"utf-8", "utf-8-sig"}:
        ctx.notes.append(f"{unit.origin}: not UTF-8, decoded as {encoding}")
    lines: list[str] = []
    for page_text in page_texts(text, unit.origin):
        lines.extend(split_sentences(page_text))
    return [Chunk(language.iso3, lines, encoding=encoding)]


def page_texts(text: str, origin: str) -> Iterator[str]:
    """The text of each page object: a JSON document (list/object) or JSON lines."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        document = None
        pages: Iterable[Any] = _json_lines(text, origin)
    else:
        pages = _pages(document)
    found = False
    for page in pages:
        value = _text_of(page)
        if value is not None:
            found = True
            yield value
    if not found:
        raise InputError(f"{origin}: no page objects with a 'text' field", hint="is this an HSE corpus file?")


def _json_lines(text: str, origin: str) -> Iterator[Any]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"{origin}: neither a JSON document nor JSON lines (line {number}: {exc.msg})"
            ) from exc


def _pages(document: Any) -> Iterator[Any]:
    if isinstance(document, list):
        yield from document
    elif isinstance(document, dict):
        if _text_of(document) is not None:
            yield document
        else:  # a wrapper such as {"pages": [...]} or {"<url>": {...}, ...}
            for value in document.values():
                yield from _pages(value) if isinstance(value, list | dict) else ()


def _text_of(page: Any) -> str | None:
    if isinstance(page, str):
        return page
    if isinstance(page, dict):
        for key in TEXT_KEYS:
            if isinstance(page.get(key), str):
                return page[key]
    return None


def language_of(unit: Unit, ctx: ReadContext) -> Language:
    """The corpus name prefix of the archive (or file), else --lang."""
    names = [unit.origin.split("!")[0], *unit.hint_names, unit.origin.split("!")[-1]]
    for name in names:
        base = name.replace("\\", "/").split("/")[-1]
        if "_corpus" not in base.lower() and not base.lower().endswith((".zip", ".json", ".jsonl")):
            continue
        try:
            return from_hse_name(base)
        except UnknownLanguageError:
            continue
    if ctx.lang is not None:
        return ctx.lang
    raise InputError(
        f"{unit.origin}: language unknown (no <iso>_web_corpus / <iso>_vk_corpus name)", hint="pass --lang"
    )
