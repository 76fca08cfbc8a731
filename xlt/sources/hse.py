"""`hse`: the HSE minority-language web and VK corpora (``{iso}_web_corpus.zip``, ``{iso}_vk_corpus.zip``).

The archives hold JSON page objects, as one JSON list (or an object wrapping a list) or as JSON lines,
each with a ``text`` field; texts are split into lines and sentences. Language: the archive (or file)
name prefix, else ``--lang``. A file in another layout is an `InputError` saying what it holds; a page
whose ``text`` is not a string, or a JSON line that is not a page, names the page or line.
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
    decoded = decode(unit.data(), unit.origin, language.iso3)
    if decoded.note:
        ctx.notes.append(decoded.note)
    lines: list[str] = []
    for page_text in page_texts(decoded.text, unit.origin):
        lines.extend(split_sentences(page_text))
    return [Chunk(language.iso3, lines, encoding=decoded.encoding)]


_LAYOUT_HINT = (
    'an HSE corpus file is a JSON list of pages ({"text": ...}), an object wrapping one, or JSON lines'
)


def page_texts(text: str, origin: str) -> Iterator[str]:
    """The text of each page object: a JSON document (list/object) or JSON lines."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        if "\n" not in text.strip():  # one line: a broken document, not JSON lines
            raise InputError(f"{origin}:{exc.lineno}: not valid JSON ({exc.msg})", _LAYOUT_HINT) from exc
        yield from _json_lines(text, origin)
        return
    except RecursionError as exc:
        raise InputError(f"{origin}: JSON nested too deeply to be an HSE corpus file", _LAYOUT_HINT) from exc
    found = False
    for where, page in _pages(document, "page"):
        value = _text_of(page, f"{origin}: {where}")
        if value is not None:
            found = True
            yield value
    if not found:
        raise InputError(f"{origin}: no page objects with a 'text' field ({_shape(document)})", _LAYOUT_HINT)


def _json_lines(text: str, origin: str) -> Iterator[str]:
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            page = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"{origin}:{number}: not valid JSON ({exc.msg}); the file is neither one JSON document "
                "nor JSON lines",
                _LAYOUT_HINT,
            ) from exc
        except RecursionError as exc:
            raise InputError(f"{origin}:{number}: JSON nested too deeply", _LAYOUT_HINT) from exc
        value = _text_of(page, f"{origin}:{number}")
        if value is None:
            raise InputError(f"{origin}:{number}: not a page object ({_shape(page)})", _LAYOUT_HINT)
        yield value


def _pages(document: Any, label: str) -> Iterator[tuple[str, Any]]:
    """(where, page) of every page object, with its place ("page 3") for messages."""
    if isinstance(document, list):
        for index, item in enumerate(document, start=1):
            if isinstance(item, list):
                yield from _pages(item, f"{label} {index}, item")
            else:
                yield f"{label} {index}", item
    elif isinstance(document, dict):
        if any(key in document for key in TEXT_KEYS):
            yield label, document
        else:  # a wrapper such as {"pages": [...]}, {"<url>": {...}, ...} or tsakorpus' {"sentences": [...]}
            for key, value in document.items():
                if isinstance(value, list | dict):
                    yield from _pages(value, f"{key!r}" if label == "page" else f"{label}, {key!r}")


def _text_of(page: Any, where: str) -> str | None:
    """The text of a page; a page whose text field holds something else than a string is an error."""
    if isinstance(page, str):
        return page
    if isinstance(page, dict):
        for key in TEXT_KEYS:
            if key in page:
                value = page[key]
                if isinstance(value, str):
                    return value
                if value is None:
                    return None  # an empty page: nothing to collect, nothing wrong
                raise InputError(
                    f"{where}: {key!r} is {_shape(value)}, not a string", "each page's text is a JSON string"
                )
    return None


def _shape(value: Any) -> str:
    """What a JSON value is, in a few words (for messages about unexpected layouts)."""
    if isinstance(value, dict):
        keys = ", ".join(repr(k) for k in list(value)[:5]) + (", …" if len(value) > 5 else "")
        return f"an object with keys {keys}" if value else "an empty object"
    if isinstance(value, list):
        return f"a list of {len(value)} item(s)"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "true/false"
    if value is None:
        return "null"
    return "a number"


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
