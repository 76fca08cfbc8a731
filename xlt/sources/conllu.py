"""`ud`: Universal Dependencies treebanks (``UD_<Language>-<Treebank>/*.conllu``).

A sentence's text is its ``# text =`` comment when present, else its surface words rebuilt from the
tokens: a multiword token's form stands for the words it spans, empty nodes (``8.1``) are left out,
and ``SpaceAfter=No`` glues tokens. Language: the ``UD_`` folder name, else the file-name prefix
(``kpv_lattice-ud-train.conllu``), else ``--lang``.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator

from xlt.errors import InputError, UnknownLanguageError
from xlt.languages import Language, from_ud_folder, resolve
from xlt.sources.archives import iter_units
from xlt.sources.base import Chunk, ReadContext, Skipped, Unit
from xlt.sources.textio import decode


def units(inputs: list[str], ctx: ReadContext) -> Iterable[Unit | Skipped]:
    """Every .conllu file or archive member under the inputs."""
    return iter_units(inputs, lambda name: name.lower().endswith((".conllu", ".conllu.gz")), "CoNLL-U files")


def parse(unit: Unit, ctx: ReadContext) -> list[Chunk]:
    """The sentences of one CoNLL-U file."""
    language = language_of(unit, ctx)
    text, encoding = decode(unit.data(), unit.origin)
    if encoding not in {"utf-8", "utf-8-sig"}:
        ctx.notes.append(f"{unit.origin}: not UTF-8, decoded as {encoding}")
    return [Chunk(language.iso3, list(sentences(text, unit.origin)), encoding=encoding)]


def sentences(text: str, origin: str) -> Iterator[str]:
    """Sentence texts of a CoNLL-U document (``# text`` or rebuilt from the tokens)."""
    import conllu
    from conllu.exceptions import ParseException

    try:
        for sentence in conllu.parse_incr(io.StringIO(text)):
            line = sentence.metadata.get("text")
            line = " ".join((line or "").split()) or surface(sentence)
            if line:
                yield line
    except ParseException as exc:
        raise InputError(f"{origin}: malformed CoNLL-U ({exc})") from exc


def surface(tokens: Iterable[dict]) -> str:  # type: ignore[type-arg]
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


def _append(out: list[str], token: dict) -> None:  # type: ignore[type-arg]
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
