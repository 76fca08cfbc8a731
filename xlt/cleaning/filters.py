"""Line-level cleaning steps: normalise, strip controls, strip markup, length, script.

Each step is a plain function on one line (easy to test); `LineCleaner` chains the enabled ones over a
batch and counts, per step, the lines it changed and the lines it dropped. Deduplication needs state across
batches and lives in `dedup.py`.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections import Counter
from collections.abc import Callable

from xlt.cleaning.options import CleanOptions
from xlt.cleaning.scripts import ScriptCheck, known

EXAMPLES = 3  # dropped lines kept per step, for the report

# C0 and C1 controls (tab and newline become spaces below), DEL, zero-width space, word joiner, soft hyphen,
# BOM, bidi marks, embeddings and isolates, interlinear annotation marks. ZWNJ/ZWJ (U+200C/D) are kept:
# they are part of Persian and Indic orthography.
_CONTROLS = re.compile(
    "[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\u00ad\u180e\u200b\u200e\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb]+"
)

# Only lines with one of these characters can hold markup; the rest skip the regexes below.
_MARKUP_HINT = re.compile(r"[<&{\[@]|''|://|www\.")
_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_TEMPLATE = re.compile(r"\{\{[^{}]*\}\}")
_NAMESPACED_LINK = re.compile(r"\[\[[^\[\]|:]+:[^\[\]]*\]\]")  # [[File:...]], [[Category:...]], [[en:...]]
_WIKI_LINK = re.compile(r"\[\[(?:[^\[\]|]*\|)?([^\[\]|]*)\]\]")  # [[target|text]] -> text, [[text]] -> text
_EXTERNAL_LINK = re.compile(r"\[(?:https?|ftp)://[^\s\]]+\s*([^\]]*)\]")  # [http://x text] -> text
_URL = re.compile(r"\b(?:(?:https?|ftp)://|www\.)[^\s<>\"]+", re.IGNORECASE)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_TAG = re.compile(r"<!--.*?-->|<!\[CDATA\[|\]\]>|</?[A-Za-z][\w:.-]*(?:\s[^<>]*)?/?>", re.DOTALL)
_WIKI_QUOTES = re.compile(r"'{2,}")
_STRAY_BRACES = re.compile(r"\{\{|\}\}|\[\[|\]\]")


def normalise_nfc(line: str) -> str:
    """Unicode NFC (composed characters), as the paper's text pipeline and mT5's vocabulary expect."""
    return line if unicodedata.is_normalized("NFC", line) else unicodedata.normalize("NFC", line)


def strip_controls(line: str) -> str:
    """Remove control and invisible format characters; collapse all whitespace to single spaces."""
    if not line.isprintable():  # cheap test: controls, format characters and non-space whitespace
        line = _CONTROLS.sub("", line)
    return " ".join(line.split())  # str.split() splits on exactly the characters str.isspace() knows


def _strip_templates(line: str) -> str:
    for _ in range(5):  # nested templates, innermost first
        line, count = _TEMPLATE.subn(" ", line)
        if not count:
            break
    return line


def _strip_links(line: str) -> str:
    line = _NAMESPACED_LINK.sub(" ", line)
    line = _WIKI_LINK.sub(r"\1", line)
    return _EXTERNAL_LINK.sub(r"\1", line)


# The markup steps in order, each behind a cheap substring test (most lines have none of it).
_MARKUP_STEPS: tuple[tuple[Callable[[str], object], Callable[[str], str]], ...] = (
    (lambda line: "&" in line and _ENTITY.search(line), html.unescape),
    (lambda line: "{{" in line, _strip_templates),
    (lambda line: "[" in line, _strip_links),
    (lambda line: "://" in line or "www." in line.lower(), lambda line: _URL.sub(" ", line)),
    (lambda line: "@" in line, lambda line: _EMAIL.sub(" ", line)),
    (lambda line: "<" in line, lambda line: _TAG.sub(" ", line)),
    (lambda line: "''" in line, lambda line: _WIKI_QUOTES.sub("", line)),
    (
        lambda line: any(b in line for b in ("{{", "}}", "[[", "]]")),
        lambda line: _STRAY_BRACES.sub(" ", line),
    ),
)


def strip_markup(line: str) -> str:
    """Remove leftover markup: HTML/XML tags, entities, wiki templates and links, URLs, e-mails."""
    if not _MARKUP_HINT.search(line):
        return line
    before = line
    for applies, remove in _MARKUP_STEPS:
        if applies(line):
            line = remove(line)
    return line if line == before else " ".join(line.split())


def length_ok(line: str, options: CleanOptions) -> bool:
    """The paper kept lines of more than one word and more than one character; we also cap the length."""
    chars = len(line)
    if chars < options.min_chars or chars > options.max_chars:
        return False
    return len(line.split(None, options.min_words)) >= options.min_words


class LineCleaner:
    """Applies the enabled line steps in order and counts what each changed and dropped."""

    def __init__(self, options: CleanOptions, script: str | None) -> None:
        self.options = options
        self.script_check = ScriptCheck(script) if options.script and script and known(script) else None
        self.dropped: Counter[str] = Counter()
        self.changed: Counter[str] = Counter()
        self.examples: dict[str, list[str]] = {}

    def drop(self, step: str, line: str) -> None:
        """Count a dropped line; keep the first few of each step as examples for the report."""
        self.dropped[step] += 1
        examples = self.examples.setdefault(step, [])
        if len(examples) < EXAMPLES:
            examples.append(line if len(line) <= 120 else line[:119] + "…")

    def clean(self, lines: list[str]) -> list[str]:
        """Cleaned lines of a batch (without newlines), in order; dropped lines are counted."""
        return [line for raw in lines if (line := self.clean_line(raw)) is not None]

    def clean_line(self, raw: str) -> str | None:
        """One line through the enabled steps; None (and counted) when a step drops it."""
        options, changed = self.options, self.changed
        line = raw
        if options.nfc and (new := normalise_nfc(line)) != line:
            changed["nfc"] += 1
            line = new
        if options.controls and (new := strip_controls(line)) != line:
            changed["controls"] += 1
            if not new and line.strip():
                return self._dropped("controls", raw)
            line = new
        if not line.strip():
            return self._dropped("blank", raw)
        if options.markup and (new := strip_markup(line)) != line:
            changed["markup"] += 1
            if not new:
                return self._dropped("markup", raw)
            line = new
        if options.length and not length_ok(line, options):
            return self._dropped("length", raw)
        if self.script_check is not None and self.script_check.wrong(line):
            return self._dropped("script", raw)
        return line

    def _dropped(self, step: str, raw: str) -> str | None:
        """Count `raw` as dropped by `step`; None, what `clean_line` returns for a dropped line."""
        self.drop(step, raw)
        return None
