"""Names: one folded key per spelling, the forms a WALS-style name can take, and the name index.

The index has tiers, most trusted first, so that one spelling never silently means two languages:
xlt's hand-kept names (tables.py), ISO 639 reference names, ISO 639 other names (printed and
inverted forms, "Greek, Modern"), Glottolog language names (URIEL+), ISO names without their
parenthesised qualifier ("Swahili" from "Swahili (individual language)"); then Glottolog dialects and
subgroups (mapped to the language above them) and retired ISO names. Each tier is built once per
process, when first needed.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from xlt.languages.core import Retired, iso_names, retired_names
from xlt.languages.glottolog import dialect_names, language_names
from xlt.languages.tables import DIALECT_NAMES, NAME_OVERRIDES, WALS_NAMES

_SEPARATORS = re.compile(r"[\s_,;/\-\u2010-\u2015]+")
_NO_APOSTROPHES = str.maketrans("", "", "'\u2018\u2019\u02bc\u02bb`\u00b4")
_QUALIFIED = re.compile(r"^(?P<head>[^()]*?)\s*\((?P<qualifier>[^()]+)\)$")
# Glottolog writes "North Saami", ISO 639-3 "Northern Sami", WALS "Saami (Northern)".
_DIRECTIONS = {"northern": "north", "southern": "south", "eastern": "east", "western": "west"}
_LOOSE = re.compile(r"\b(?:northern|southern|eastern|western)\b| languages?$")


def fold(text: str) -> str:
    """The key of a spelling: no accents, case, apostrophes; one space for any separator run."""
    if not text.isascii():
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = text.casefold().translate(_NO_APOSTROPHES)
    if "(" in plain or ")" in plain:
        plain = re.sub(r"\s*\)", ")", re.sub(r"\s*\(\s*", " (", plain))
    return _SEPARATORS.sub(" ", plain).strip()


def loosen(key: str) -> str:
    """A folded key with direction words shortened (northern -> north) and a trailing 'language' cut."""
    if not _LOOSE.search(key):
        return key
    words = [_DIRECTIONS.get(word, word) for word in key.split(" ")]
    if len(words) > 1 and words[-1] in {"language", "languages"}:
        words.pop()
    return " ".join(words)


@dataclass(frozen=True)
class Forms:
    """The spellings to try for one folded key, in order."""

    full: tuple[str, ...]  # the whole name, reordered: "greek (modern)" -> "modern greek", "greek modern"
    qualifier: str | None  # "mordvin (erzya)" -> "erzya" (a language of its own, or nothing)
    head: str | None  # "german (viennese)" -> "german", the last resort


def forms(key: str) -> Forms:
    """Every reading of a key, WALS's "Head (Qualifier)" included."""
    match = _QUALIFIED.match(key)
    if not match or not match.group("head"):
        candidates = [key, loosen(key)]
        return Forms(full=tuple(dict.fromkeys(candidates)), qualifier=None, head=None)
    head, qualifier = match.group("head").strip(), match.group("qualifier").strip()
    candidates = [key, f"{qualifier} {head}", f"{head} {qualifier}"]
    candidates += [loosen(candidate) for candidate in candidates]
    return Forms(full=tuple(dict.fromkeys(candidates)), qualifier=qualifier, head=head)


class Entry(NamedTuple):
    """What the index says about one key in one tier (a tuple: 60k of them are built per process)."""

    codes: tuple[str, ...]  # one code, or several when the tier itself is ambiguous (sorted)
    source: str  # which tier: "xlt", "ISO 639", "ISO 639 (other name)", "Glottolog", ...
    detail: str = ""  # e.g. the Glottocode, for a note


# Tiers in order of trust. The first three are built from small tables at once; the Glottolog ones
# (27k names from URIEL+'s files, ~1 s) only when a name is not found in them.
FIRST_TIERS = ("xlt", "ISO 639", "ISO 639 (other name)")
LATER_TIERS = ("Glottolog", "ISO 639 (unqualified)")
TIERS = (*FIRST_TIERS, *LATER_TIERS)
DIALECT_TIER = "Glottolog dialect"


def _hand_names() -> list[tuple[str, str, str]]:
    return [(name, code, "") for name, code in {**NAME_OVERRIDES, **WALS_NAMES, **DIALECT_NAMES}.items()]


def _iso_names(reference: bool) -> list[tuple[str, str, str]]:
    return [(name, code, "") for name, code, is_reference in iso_names() if is_reference == reference]


def _unqualified_names() -> list[tuple[str, str, str]]:
    stripped = ((re.sub(r"\s*\(.*?\)", "", name), code) for name, code, _ in iso_names())
    return [(name, code, "") for name, code in stripped if name]


_BUILDERS: dict[str, Callable[[], list[tuple[str, str, str]]]] = {
    "xlt": _hand_names,
    "ISO 639": lambda: _iso_names(True),
    "ISO 639 (other name)": lambda: _iso_names(False),
    "Glottolog": language_names,
    "ISO 639 (unqualified)": _unqualified_names,
    DIALECT_TIER: dialect_names,
}


class NameIndex:
    """Folded name -> Entry, per tier (each built on first use); loose (north/northern) keys as well."""

    def __init__(self) -> None:
        self._tiers: dict[str, dict[str, Entry]] = {}

    def tier(self, name: str) -> dict[str, Entry]:
        """One tier's table, built on first use."""
        table = self._tiers.get(name)
        if table is None:
            table = self._tiers[name] = _table(name, _BUILDERS[name]())
        return table

    def get(self, key: str, tiers: tuple[str, ...] = TIERS) -> Entry | None:
        """The first tier's entry for a key."""
        for tier in tiers:
            entry = self.tier(tier).get(key)
            if entry is not None:
                return entry
        return None

    def names(self) -> list[str]:
        """Every folded key of every tier (for suggestions)."""
        keys: dict[str, None] = {}
        for tier in (*TIERS, DIALECT_TIER):
            keys.update(dict.fromkeys(self.tier(tier)))
        return list(keys)

    @functools.cached_property
    def retired(self) -> dict[str, Retired]:
        """Folded retired ISO 639 names ("provencal") -> their retirement records."""
        out: dict[str, Retired] = {}
        for name, record in retired_names().items():
            out.setdefault(fold(name), record)
        return out


def _table(tier: str, triples: list[tuple[str, str, str]]) -> dict[str, Entry]:
    """(name, code, detail) triples -> key -> Entry; a key the tier gives several codes stays ambiguous.

    Loose keys (north for northern) only fill gaps: they never make an exact key ambiguous.
    """
    exact: dict[str, dict[str, str]] = {}
    for name, code, detail in triples:
        key = fold(name)
        if key:
            exact.setdefault(key, {}).setdefault(code, detail)
    loose: dict[str, dict[str, str]] = {}
    for key, found in exact.items():
        loose_key = loosen(key)
        if loose_key != key and loose_key not in exact:
            for code, detail in found.items():
                loose.setdefault(loose_key, {}).setdefault(code, detail)
    table: dict[str, Entry] = {}
    for key, found in [*exact.items(), *loose.items()]:
        if len(found) == 1:
            ((code, detail),) = found.items()
            table[key] = Entry((code,), tier, detail)
        else:
            table[key] = Entry(tuple(sorted(found)), tier)
    return table


@functools.lru_cache(maxsize=1)
def name_index() -> NameIndex:
    """The index of this process (tiers fill in as they are needed)."""
    return NameIndex()
