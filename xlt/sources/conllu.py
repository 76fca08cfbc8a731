"""`ud`: Universal Dependencies treebanks (``UD_<Language>-<Treebank>/*.conllu``).

A sentence's text is its ``# text =`` comment when present, else its surface words rebuilt from the
tokens: a multiword token's form stands for the words it spans, empty nodes (``8.1``) are left out,
and ``SpaceAfter=No`` glues tokens. Language: the ``UD_`` folder name, else the file-name prefix
(``kpv_lattice-ud-train.conllu``), else ``--lang``.

Every token row is checked before `conllu` parses it: the CoNLL-U format has ten tab-separated fields
(universaldependencies.org/format.html), and `conllu` itself accepts rows with fewer; a bad row is an
`InputError` naming the file and line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from xlt.errors import InputError, UnknownLanguageError
from xlt.languages import Language, from_ud_folder, resolve
from xlt.sources.archives import iter_units
from xlt.sources.base import Chunk, ReadContext, Skipped, Unit
from xlt.sources.textio import decode

if TYPE_CHECKING:
    from conllu.models import TokenList

# The ten fields of a CoNLL-U token row, in order.
FIELDS = ("ID", "FORM", "LEMMA", "UPOS", "XPOS", "FEATS", "HEAD", "DEPREL", "DEPS", "MISC")
_FORMAT_HINT = "a CoNLL-U row has 10 tab-separated fields: " + " ".join(FIELDS)


def units(inputs: list[str], ctx: ReadContext) -> Iterable[Unit | Skipped]:
    """Every .conllu file or archive member under the inputs."""
    return iter_units(inputs, lambda name: name.lower().endswith((".conllu", ".conllu.gz")), "CoNLL-U files")


def parse(unit: Unit, ctx: ReadContext) -> list[Chunk]:
    """The sentences of one CoNLL-U file."""
    language = language_of(unit, ctx)
    decoded = decode(unit.data(), unit.origin, language.iso3)
    if decoded.note:
        ctx.notes.append(decoded.note)
    return [Chunk(language.iso3, list(sentences(decoded.text, unit.origin)), encoding=decoded.encoding)]


def sentences(text: str, origin: str) -> Iterator[str]:
    """Sentence texts of a CoNLL-U document (``# text`` or rebuilt from the tokens)."""
    for sentence in read_sentences(text, origin):
        line = sentence.metadata.get("text")
        line = " ".join((line or "").split()) or surface(sentence)
        if line:
            yield line


def read_sentences(text: str, origin: str) -> Iterator[TokenList]:
    """The sentences of a CoNLL-U document, parsed row by row with `conllu`, each row checked first.

    A row with other than ten tab-separated fields, or one `conllu` cannot parse (a bad ID or HEAD), is
    an `InputError` naming ``origin:line``.
    """
    from conllu.exceptions import ParseException
    from conllu.models import Metadata, TokenList
    from conllu.parser import DEFAULT_FIELD_PARSERS, DEFAULT_FIELDS, parse_comment_line, parse_line

    tokens: list = []
    metadata = Metadata()
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r")
        if not line.strip():
            if tokens:
                yield TokenList(tokens, metadata, default_fields=DEFAULT_FIELDS)
            tokens, metadata = [], Metadata()  # comments without tokens (document headers) are dropped
            continue
        if line.startswith("#"):
            for key, value in parse_comment_line(line):
                metadata[key] = value
            continue
        fields = line.split("\t")
        if len(fields) != len(FIELDS):
            spaces = " (fields separated by spaces, not tabs)" if len(fields) == 1 and "  " in line else ""
            count = f"{len(fields)} column{'s' if len(fields) != 1 else ''}"
            raise InputError(f"{origin}:{number}: {count}{spaces}, CoNLL-U has 10", _FORMAT_HINT)
        try:
            tokens.append(parse_line(line, DEFAULT_FIELDS, dict(DEFAULT_FIELD_PARSERS)))
        except ParseException as exc:
            raise InputError(f"{origin}:{number}: {exc}", _FORMAT_HINT) from exc
    if tokens:
        yield TokenList(tokens, metadata, default_fields=DEFAULT_FIELDS)


def surface(tokens: Iterable[dict]) -> str:
    """The surface text of a token list: multiword tokens replace their words, empty nodes dropped."""
    out: list[str] = []
    covered_until = 0
    for token in tokens:
        tid = token["id"]
        if isinstance(tid, tuple):
            if len(tid) == 3 and tid[1] == "-":  # multiword token 3-4: its form is the surface
                covered_until = int(tid[2])
                _append(out, token)
            continue  # empty node 8.1 (tid[1] == "."): not in the surface text
        if isinstance(tid, int) and tid <= covered_until:
            continue  # a word inside a multiword token already written
        _append(out, token)
    return "".join(out).strip()


def _append(out: list[str], token: dict) -> None:
    misc = token.get("misc") or {}
    out.append(str(token["form"]))
    if not (isinstance(misc, dict) and misc.get("SpaceAfter") == "No"):
        out.append(" ")


_UD_FOLDER = re.compile(r"^UD_[A-Za-z_]+(-\w+)?$")
_FILE_PREFIX = re.compile(r"^([a-z]{2,3})_[a-z0-9]+-ud-", re.IGNORECASE)


def language_of(unit: Unit, ctx: ReadContext) -> Language:
    """UD folder (nearest first), then the file-name prefix, then --lang."""
    problems: list[str] = []
    for name in unit.hint_names:
        if _UD_FOLDER.match(name):
            try:
                return from_ud_folder(name)
            except UnknownLanguageError as exc:
                problems.append(str(exc))
    filename = unit.origin.replace("\\", "/").split("/")[-1].split("!")[-1]
    if match := _FILE_PREFIX.match(filename):
        try:
            return resolve(match.group(1), where=f"CoNLL-U file name {filename!r}")
        except UnknownLanguageError as exc:
            problems.append(str(exc))
    if ctx.lang is not None:
        return ctx.lang
    said = "; ".join(problems) or "no UD_<Language> folder and no <code>_<treebank>-ud- file-name prefix"
    raise InputError(f"{unit.origin}: language unknown ({said})", hint="pass --lang")
