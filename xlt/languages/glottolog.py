"""Glottolog names, read from the data files that URIEL+ ships (never copied into this repository).

`urielplus` (Khan et al. 2025, "URIEL+: Enhancing Linguistic Inclusion and Usability in a Typological
and Multilingual Knowledge Base", COLING) installs, under ``urielplus/database/urielplus_csvs/``:

* ``lang_fam_geo.csv``: ``language_id`` (Glottocode), ``language_name``, ``lineage`` (ancestor names,
  comma-separated, nearest last) for 26,838 Glottolog languoids: languages, dialects and subgroups;
* ``uriel_glottocode_map.csv``: ``iso_code, glottocode`` for the 7,970 URIEL languages;
* ``dialects.csv``: ``Language Iso`` / ``Language Glot`` for Glottolog languages beyond URIEL.

The files are located with importlib.resources and only read: ``URIELPlus()`` is never instantiated
here, because its first use copies arrays into its own package folder.
"""

from __future__ import annotations

import csv
import functools
import io
import operator
from importlib import resources

from xlt.languages.core import code_lookup, retired_code

_FOLDER = ("database", "urielplus_csvs")


def _rows(name: str) -> list[list[str]]:
    """The rows (header first) of one URIEL+ CSV file; empty when the package or file is missing."""
    try:
        path = resources.files("urielplus").joinpath(*_FOLDER, name)
        text = path.read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError, NotADirectoryError, OSError, UnicodeError):
        return []
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        return []


def _columns(rows: list[list[str]], *names: str) -> list[tuple[str, ...]]:
    """The named columns of every data row (rows too short, or a file without them, give nothing)."""
    if not rows or not set(names) <= set(rows[0]):
        return []
    pick = operator.itemgetter(*[rows[0].index(name) for name in names])
    width = max(rows[0].index(name) for name in names) + 1
    return [pick(row) for row in rows[1:] if len(row) >= width]


@functools.lru_cache(maxsize=1)
def glottocode_map() -> dict[str, str]:
    """Glottocode -> current ISO 639-3 code, where Glottolog gives one (URIEL+ keeps some old codes)."""
    out: dict[str, str] = {}
    pairs = _columns(_rows("uriel_glottocode_map.csv"), "iso_code", "glottocode")
    pairs += _columns(_rows("dialects.csv"), "Language Iso", "Language Glot")
    for code, glottocode in pairs:
        code, glottocode = code.strip(), glottocode.strip()
        if code and glottocode and glottocode not in out:
            found = code_lookup(code)
            retired = retired_code(code) if found is None else None
            current = found or (retired.replacement if retired else None)
            if current is not None:
                out[glottocode] = current.iso3
    return out


@functools.lru_cache(maxsize=1)
def languoids() -> list[tuple[str, str, str]]:
    """(Glottocode, name, lineage) of every languoid in lang_fam_geo.csv."""
    rows = _columns(_rows("lang_fam_geo.csv"), "language_id", "language_name", "lineage")
    return [(gc.strip(), name.strip(), lineage.strip()) for gc, name, lineage in rows]


def language_names() -> list[tuple[str, str, str]]:
    """(name, ISO 639-3 code, Glottocode) of every Glottolog languoid that has a code."""
    codes = glottocode_map()
    return [(name, codes[gc], gc) for gc, name, _ in languoids() if name and gc in codes]


def dialect_names() -> list[tuple[str, str, str]]:
    """(name, code of the nearest coded ancestor, Glottocode) of dialects and subgroups of languages.

    The ancestor is matched by its whole path (its lineage and name), nearest first, so a dialect
    never lands on an unrelated languoid that merely shares its parent's name.
    """
    codes = glottocode_map()
    # "ancestor names, then own name", as the lineage of a languoid below it spells it -> code
    paths = {
        f"{lineage}, {name}" if lineage else name: codes[gc]
        for gc, name, lineage in languoids()
        if gc in codes
    }
    out: list[tuple[str, str, str]] = []
    for gc, name, lineage in languoids():
        if not name or gc in codes or not lineage:
            continue
        path = lineage
        while path:
            code = paths.get(path)
            if code is not None:
                out.append((name, code, gc))
                break
            path = path.rpartition(", ")[0]
    return out
