"""Resolution: a code or name (as typed, or as a matrix names it) -> one Language, or a clear error.

Two orders, because a short string can be both a code and a name ("Mon" is the code of Mongolian and
the name of the Austroasiatic language `mnw`; "Lak" is a name and a retired code):

* ``prefer="code"`` (what a person types on the command line): names file, current ISO code, retired
  code (mapped to its replacement with a note), WALS table, then names.
* ``prefer="name"`` (a name column of a published matrix): names file, WALS table, names, then codes.

Names are tried strongest first: the whole name in any of its forms ("Greek (Modern)" -> "Modern
Greek") in xlt's and ISO 639's tables, then in Glottolog's; in name order, codes come next, so that a
code in a name column beats a weak reading; then Glottolog dialects, the qualifier alone ("Mordvin
(Erzya)" -> Erzya), retired ISO names ("Provençal" -> oci), and last the head alone ("German (X)" ->
German, with a note). Nothing here raises anything but `UnknownLanguageError`.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from xlt.errors import UnknownLanguageError
from xlt.languages.core import Language, Retired, code_lookup, retired_code
from xlt.languages.names import (
    DIALECT_TIER,
    FIRST_TIERS,
    LATER_TIERS,
    TIERS,
    Entry,
    NameIndex,
    fold,
    forms,
    name_index,
)
from xlt.languages.overrides import NameOverrides, Override

Prefer = Literal["code", "name", "auto"]


def _order(value: str, prefer: Prefer) -> Prefer:
    """`auto`: a capitalised word is a name ("Mon", "Lak"), anything else a code first ("mon", "lak",
    "ENG"): ISO 639 codes are written in lower case, English names of languages capitalised."""
    if prefer != "auto":
        return prefer
    text = value.strip() if isinstance(value, str) else ""
    return "name" if text[:1].isupper() and not text.isupper() else "code"


_LANGUAGE_GROUPS = (FIRST_TIERS, LATER_TIERS)  # every form in the small tables before any in Glottolog
_MAX_LENGTH = 200  # longer strings are not language names; do not spend difflib time on them


@dataclass(frozen=True)
class Resolution:
    """How a value was read: the language, which table said so, and notes for the user."""

    query: str
    language: Language
    via: str
    notes: tuple[str, ...] = ()


@dataclass
class _Trace:
    """What a failed search saw, for the error message."""

    ambiguous: list[tuple[str, Entry]]
    retired: Retired | None = None


def _override(table: dict[str, Override], keys: tuple[str, ...], value: str, via: str) -> Resolution | None:
    for key in keys:
        if (found := table.get(key)) is not None:
            return Resolution(value, found.language, f"{via} ({found.origin})")
    return None


def _entry(
    index: NameIndex, keys: tuple[str, ...], groups: tuple[tuple[str, ...], ...], trace: _Trace
) -> Entry | None:
    """The first unambiguous entry of any key, group by group; ambiguous ones are kept for the message."""
    for tiers in groups:
        for key in keys:
            for tier in tiers:
                entry = index.tier(tier).get(key)
                if entry is None:
                    continue
                if len(entry.codes) == 1:
                    return entry
                trace.ambiguous.append((key, entry))
    return None


def _language(entry: Entry) -> Language | None:
    return code_lookup(entry.codes[0])


def _via(entry: Entry, prefix: str = "") -> str:
    detail = f" {entry.detail}" if entry.detail else ""
    return f"{prefix}{entry.source} name{detail}"


def _strong(value: str, key: str, trace: _Trace) -> Resolution | None:
    """The whole name, in any of its forms, in the language tiers."""
    entry = _entry(name_index(), forms(key).full, _LANGUAGE_GROUPS, trace)
    if entry is not None and (language := _language(entry)) is not None:
        return Resolution(value, language, _via(entry))
    return None


def _weak(value: str, key: str, trace: _Trace) -> Resolution | None:
    """Dialects, the qualifier alone, retired names, the head alone."""
    index, shape = name_index(), forms(key)
    entry = _entry(index, shape.full, ((DIALECT_TIER,),), trace)
    if entry is not None and (language := _language(entry)) is not None:
        return Resolution(value, language, _via(entry), (f"{value!r} is a Glottolog dialect of {language}",))
    if shape.qualifier:
        entry = _entry(index, forms(shape.qualifier).full, _LANGUAGE_GROUPS, trace)
        if entry is not None and (language := _language(entry)) is not None:
            return Resolution(value, language, _via(entry, "qualifier: "))
    for candidate in shape.full:
        retired = index.retired.get(candidate)
        if retired is not None and retired.replacement is not None:
            return Resolution(value, retired.replacement, "retired ISO 639 name", (retired.note(),))
        trace.retired = trace.retired or retired
    if shape.head:
        parent = _strong(value, shape.head, trace)
        if parent is not None:
            note = f"no language is named {value!r}; using its head {parent.language} (qualifier ignored)"
            return Resolution(value, parent.language, f"head: {parent.via}", (note,))
    return None


def _code(value: str, trace: _Trace) -> Resolution | None:
    found = code_lookup(value)
    if found is not None:
        return Resolution(value, found, "ISO 639 code")
    retired = retired_code(value)
    if retired is not None and retired.replacement is not None:
        return Resolution(value, retired.replacement, "retired ISO 639 code", (retired.note(),))
    trace.retired = trace.retired or retired
    return None


@functools.lru_cache(maxsize=65536)
def _search(value: str, prefer: Prefer, overrides: NameOverrides | None) -> Resolution | _Trace:
    trace = _Trace(ambiguous=[])
    text = value.strip()
    key = fold(text)
    if not key or len(text) > _MAX_LENGTH:
        return trace
    keys = forms(key).full
    if overrides and (hit := _override(overrides.names, keys, value, "names file")):
        return hit
    aliases = overrides.aliases if overrides else {}
    steps: dict[str, Callable[[], Resolution | None]] = {
        "code": lambda: _code(text, trace),
        "wals": lambda: _override(aliases, keys, value, "WALS table"),
        "name": lambda: _strong(value, key, trace),
        "weak": lambda: _weak(value, key, trace),
    }
    order = ("code", "wals", "name", "weak") if prefer == "code" else ("wals", "name", "code", "weak")
    for step in order:
        if (found := steps[step]()) is not None:
            return found
    return trace


def explain(value: str, prefer: Prefer = "auto", overrides: NameOverrides | None = None) -> Resolution:
    """The reading of a value with its notes, including the other reading when code and name differ."""
    prefer = _order(value, prefer)
    found = _resolve(value, prefer, overrides, None)
    other = _search(value, "name" if prefer == "code" else "code", overrides)
    if isinstance(other, Resolution) and other.language != found.language:
        kind = "a name" if prefer == "code" else "a code"
        reading = f"as {kind}, {value.strip()!r} is {other.language}"
        return Resolution(found.query, found.language, found.via, (*found.notes, reading))
    return found


def _resolve(value: str, prefer: Prefer, overrides: NameOverrides | None, where: str | None) -> Resolution:
    if not isinstance(value, str):
        raise UnknownLanguageError(f"not a language name or code: {value!r}")
    found = _search(value, _order(value, prefer), overrides)
    if isinstance(found, Resolution):
        return found
    place = f" in {where}" if where else ""
    raise UnknownLanguageError(f"unknown language {value!r}{place}", _hint(value, found))


def _hint(value: str, trace: _Trace) -> str:
    if trace.ambiguous:
        key, entry = trace.ambiguous[0]
        readings = ", ".join(str(lang) for code in entry.codes[:4] if (lang := code_lookup(code)))
        return f"{key!r} names several languages in {entry.source}: {readings}; give the code or a names file"
    if trace.retired is not None:
        successors = ", ".join(trace.retired.successors())
        return trace.retired.note() + (f"; use one of {successors}" if successors else "")
    close = suggestions(value)
    if close:
        return "did you mean " + ", ".join(close) + "?"
    return "use an ISO 639-3 code (e.g. kpv) or an English name (e.g. Komi-Zyrian)"


def suggestions(value: str, n: int = 3) -> list[str]:
    """Close matches among known names, as 'Name (code)', for an error message.

    Only names with the same first letter and a similar length are compared (a typo rarely hits
    the first letter), which keeps this to ~10 ms against the 60k names of every tier.
    """
    key = fold(value) if isinstance(value, str) and len(value) <= _MAX_LENGTH else ""
    if not key:
        return []
    index = name_index()
    slack = max(2, len(key) // 4)
    pool = [k for k in _suggestion_keys().get(key[0], ()) if abs(len(k) - len(key)) <= slack]
    out: list[str] = []
    for close in difflib.get_close_matches(key, pool, n=n * 2, cutoff=0.75):
        entry = index.get(close, (*TIERS, DIALECT_TIER))
        language = code_lookup(entry.codes[0]) if entry else None
        if language is not None and str(language) not in out:
            out.append(str(language))
    return out[:n]


@functools.lru_cache(maxsize=1)
def _suggestion_keys() -> dict[str, tuple[str, ...]]:
    """Every known key, by first character."""
    buckets: dict[str, list[str]] = {}
    for key in name_index().names():
        buckets.setdefault(key[0], []).append(key)
    return {first: tuple(keys) for first, keys in buckets.items()}


def resolve(
    value: str,
    where: str | None = None,
    *,
    prefer: Prefer = "auto",
    overrides: NameOverrides | None = None,
) -> Language:
    """The language of a code or name; `UnknownLanguageError` (with suggestions) otherwise.

    ``prefer="auto"`` (what people type: "Mon" is a name, "mon" a code), ``"code"``, or ``"name"`` for
    names from a name column (published matrices); `overrides` from
    :meth:`NameOverrides.load`. `where` names the place for the error message.
    """
    return _resolve(value, prefer, overrides, where).language


def resolve_name(value: str, where: str | None = None, overrides: NameOverrides | None = None) -> Language:
    """A value from a name column: names first ("Mon" is Mon, mnw, not Mongolian)."""
    return resolve(value, where, prefer="name", overrides=overrides)


def lookup(value: str, prefer: Prefer = "auto", overrides: NameOverrides | None = None) -> Language | None:
    """The language a code or name stands for, or None. Case-, accent- and separator-insensitive."""
    try:
        return _resolve(value, prefer, overrides, None).language
    except UnknownLanguageError:
        return None


def resolve_many(
    values: str | list[str] | None, prefer: Prefer = "auto", overrides: NameOverrides | None = None
) -> list[Language]:
    """Comma-separated or listed names/codes -> languages (empty for None)."""
    if values is None:
        return []
    items = values.split(",") if isinstance(values, str) else values
    return [resolve(item, prefer=prefer, overrides=overrides) for item in items if item.strip()]


def name_of(iso3: str) -> str:
    """Display name for a code; the code itself when ISO 639 does not know it."""
    found = code_lookup(iso3)
    if found is None and (retired := retired_code(iso3)) is not None and retired.replacement is not None:
        found = retired.replacement
    return found.name if found else iso3
