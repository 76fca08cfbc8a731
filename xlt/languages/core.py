"""Codes: ISO 639 through iso639-lang, scripts through langcodes, and no exception from either escapes.

iso639-lang raises `DeprecatedLanguageValue` for retired codes and names (``lak``, ``prv``,
"Provençal") and `InvalidLanguageValue` for anything else it does not know; both stop here. A retired
code becomes a :class:`Retired` record that names its replacement (ISO 639-3 change management,
iso639-3.sil.org/code_changes), so callers map it with a note instead of failing.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from xlt.errors import UnknownLanguageError
from xlt.languages.tables import RETIRED_TARGETS, SCRIPT_OVERRIDES

_CODE = re.compile(r"^[a-z]{2,3}$")
# ISO 639-3 change-request reasons, as iso639-lang abbreviates them.
_REASONS = {
    "C": "changed",
    "D": "retired as a duplicate",
    "N": "retired as non-existent",
    "S": "split",
    "M": "merged",
}


@dataclass(frozen=True, order=True)
class Language:
    """A language as xlt names it in every path and column."""

    iso3: str
    name: str

    @property
    def script(self) -> str | None:
        """ISO 15924 code of the usual script (e.g. ``Latn``, ``Cyrl``), or None when unknown."""
        return script_of(self.iso3)

    @property
    def iso1(self) -> str | None:
        """The ISO 639-1 two-letter code, if the language has one."""
        record = _tables().data["pt3"].get(self.iso3) or _tables().data["pt5"].get(self.iso3) or {}
        return record.get("pt1") or None

    def __str__(self) -> str:
        return f"{self.name} ({self.iso3})"


@dataclass(frozen=True)
class Retired:
    """A retired ISO 639 code (or name) and what replaced it, if anything did."""

    code: str
    name: str
    reason: str
    effective: str
    replacement: Language | None
    remedy: str

    def note(self) -> str:
        """One sentence for a user: what the code was and what xlt uses instead."""
        why = _REASONS.get(self.reason, "retired")
        said = f"{self.code!r} is a retired ISO 639 code ({self.name}, {why} {self.effective})"
        if self.replacement is not None:
            return f"{said}; using {self.replacement}"
        return f"{said}: {self.remedy}" if self.remedy else said

    def successors(self) -> list[str]:
        """Codes named in the remedy of a split ("Split into Aari [aiw] and Gayil [gyl]")."""
        return re.findall(r"\[([a-z]{3})\]", self.remedy)


@dataclass(frozen=True)
class _Tables:
    """iso639-lang's tables: tag -> value -> record; retired ids and names; other names per name."""

    data: dict[str, dict[str, dict[str, str]]]
    deprecated: dict[str, dict[str, dict[str, str]]]
    other_names: dict[str, list[str]]


@functools.lru_cache(maxsize=1)
def _tables() -> _Tables:
    """The tables iso639-lang loads as class attributes of `Lang` at import.

    Read directly because building the 8,000 `Lang` objects of `iter_langs()` costs ~0.5 s per process,
    and because the retired-code table has no public accessor. The attribute names are those of
    iso639-lang 2.x (pinned below 3 in pyproject.toml; tests/test_languages.py guards them).
    """
    from iso639 import Lang

    return _Tables(
        data=Lang._data,
        deprecated=Lang._deprecated,
        other_names=Lang._other_names,
    )


def _record_language(record: dict[str, Any], name: str | None = None) -> Language | None:
    code = record.get("pt3") or record.get("pt5") or record.get("pt2t") or record.get("pt2b")
    name = name or record.get("name")
    return Language(code, name) if code and name else None


def code_lookup(value: str) -> Language | None:
    """The language of a current ISO 639-1/2/3/5 code (any case), or None."""
    code = value.strip().lower() if isinstance(value, str) else ""
    if not _CODE.match(code):
        return None
    data = _tables().data
    tags = ("pt1",) if len(code) == 2 else ("pt3", "pt2b", "pt2t", "pt5")
    for tag in tags:
        record = data[tag].get(code)
        if record is not None:
            # a 639-3 or 639-5 record is the language itself; a 639-1/2 record names its 639-3 code
            found = Language(code, record["name"]) if tag in {"pt3", "pt5"} else _record_language(record)
            if found is not None:
                return found
    return None


def retired_code(value: str) -> Retired | None:
    """The retirement record of a code that ISO 639 no longer uses (``lak``, ``prv``, ``mo``), or None."""
    code = value.strip().lower() if isinstance(value, str) else ""
    if not _CODE.match(code) or code_lookup(code) is not None:
        return None
    record = _tables().deprecated["id"].get(code)
    return _retired(code, record) if record is not None else None


def retired_names() -> dict[str, Retired]:
    """Every retired ISO 639 reference name ("Provençal") -> its retirement record."""
    out: dict[str, Retired] = {}
    for name, record in _tables().deprecated["name"].items():
        code = record.get("id", "")
        out[name] = _retired(code, {**record, "name": name})
    return out


def _retired(code: str, record: dict[str, str]) -> Retired:
    target = record.get("change_to") or RETIRED_TARGETS.get(code, "")
    replacement = code_lookup(target) if target else None
    return Retired(
        code=code,
        name=record.get("name", ""),
        reason=record.get("reason", ""),
        effective=record.get("effective", ""),
        replacement=replacement,
        remedy=record.get("ret_remedy", ""),
    )


@functools.lru_cache(maxsize=1)
def iso_names() -> list[tuple[str, str, bool]]:
    """(name, code, is_reference_name) for every current ISO 639 name, reference names first."""
    tables = _tables()
    out: list[tuple[str, str, bool]] = []
    for name, record in tables.data["name"].items():
        found = _record_language(record, name)
        if found is not None:
            out.append((name, found.iso3, True))
    for reference, others in tables.other_names.items():
        reference_record = tables.data["name"].get(reference)
        found = _record_language(reference_record, reference) if reference_record else None
        if found is not None:
            out.extend((other, found.iso3, False) for other in others)
    return out


def code_language(iso3: str) -> Language:
    """The Language of a code known to be valid (used for hand-kept tables)."""
    found = code_lookup(iso3)
    if found is None:
        raise UnknownLanguageError(f"internal: {iso3!r} is not an ISO 639 code")
    return found


def is_code(value: str) -> bool:
    """Whether `value` is a current ISO 639 code."""
    return code_lookup(value) is not None


@functools.lru_cache(maxsize=1024)
def script_of(iso3: str) -> str | None:
    """Usual script of a language (CLDR likely subtags), or None where CLDR would only guess."""
    if not isinstance(iso3, str) or not iso3:
        return None
    if iso3 in SCRIPT_OVERRIDES:
        return SCRIPT_OVERRIDES[iso3]
    try:
        import langcodes
        from langcodes.data_dicts import LIKELY_SUBTAGS

        tag = langcodes.Language.get(langcodes.standardize_tag(iso3))
        maximized = tag.maximize()
    except (ValueError, KeyError, IndexError):  # LanguageTagError (a ValueError) for odd tags: unknown
        return None
    if tag.language not in LIKELY_SUBTAGS and maximized.territory == "US":
        return None  # CLDR fell back to 'und' -> Latin/US, which is a guess, not a fact
    return maximized.script
