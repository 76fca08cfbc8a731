"""Names a user supplies: a names file (``name,iso3``) that overrides, and WALS's languages table.

A names file is the user's word: its names win over every built-in reading, codes included. The WALS
table (``language.csv`` as wals.info distributes it: ``wals_code, iso_code, glottocode, Name, ...``;
the CLDF export's ``ID, Name, ..., ISO639P3code`` is read too; CC-BY-4.0) is an alias source: its
names are tried before xlt's own name tables, after codes where codes come first. Users pass both
files in; nothing of either is shipped here.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from xlt.errors import InputError
from xlt.languages.core import Language, code_lookup, retired_code
from xlt.languages.names import fold


@dataclass(frozen=True)
class Override:
    """One name a file maps, and where it says so."""

    language: Language
    origin: str  # "names.csv:4"


@dataclass(eq=False)
class NameOverrides:
    """Names from user files; pass it to :func:`xlt.languages.resolve` as ``overrides=``.

    Hashed by identity, so that resolutions can be cached per overrides object.
    """

    names: dict[str, Override] = field(default_factory=dict)  # from a names file: override everything
    aliases: dict[str, Override] = field(default_factory=dict)  # from a WALS table: names before xlt's
    notes: list[str] = field(default_factory=list)  # retired codes in the files, mapped on

    @classmethod
    def load(cls, names: str | Path | None = None, wals: str | Path | None = None) -> NameOverrides:
        """Overrides from a names file and/or a WALS languages table (either may be None)."""
        overrides = cls()
        if names is not None:
            overrides.names = overrides._read(Path(names), _NAMES_COLUMNS, "names file", skip_blank=False)
        if wals is not None:
            overrides.aliases = overrides._read(Path(wals), _WALS_COLUMNS, "WALS table", skip_blank=True)
        return overrides

    def __bool__(self) -> bool:
        return bool(self.names or self.aliases)

    def _read(
        self, path: Path, layouts: tuple[tuple[str, str], ...], what: str, *, skip_blank: bool
    ) -> dict[str, Override]:
        """name key -> Override for one file; one InputError line (file:line) for the first problem."""
        rows = _csv_rows(path, what)
        header = [cell.strip().lower() for cell in rows[0][1]] if rows else []
        layout = next((cols for cols in layouts if set(cols) <= set(header)), None)
        if layout is None:
            wanted = " or ".join(",".join(cols) for cols in layouts)
            raise InputError(
                f"{path}:1: the {what} needs the columns {wanted} (found: {','.join(header) or 'nothing'})",
                hint="write a header line with those column names; see `xlt languages --help`",
            )
        name_col, code_col = (header.index(column) for column in layout)
        out: dict[str, Override] = {}
        for number, row in rows[1:]:
            if not any(cell.strip() for cell in row):
                continue
            cells = row + [""] * (max(name_col, code_col) + 1 - len(row))
            name, code = cells[name_col].strip(), cells[code_col].strip()
            if not name:
                raise InputError(f"{path}:{number}: empty name", hint=f"give every line of the {what} a name")
            if not code and skip_blank:
                continue  # WALS languages without an ISO 639-3 code
            language = self._code(code, path, number, what)
            key, origin = fold(name), f"{path.name}:{number}"
            if key in out and out[key].language != language:
                raise InputError(
                    f"{path}:{number}: {name!r} is {language.iso3} here but {out[key].language.iso3} at "
                    f"line {out[key].origin.rsplit(':', 1)[1]}",
                    hint=f"keep one code per name in the {what}",
                )
            out.setdefault(key, Override(language, origin))
        return out

    def _code(self, code: str, path: Path, number: int, what: str) -> Language:
        found = code_lookup(code)
        if found is not None:
            return found
        retired = retired_code(code)
        if retired is not None and retired.replacement is not None:
            self.notes.append(f"{path.name}:{number}: {retired.note()}")
            return retired.replacement
        said = retired.note() if retired is not None else f"{code!r} is not an ISO 639-3 code"
        raise InputError(f"{path}:{number}: {said}", hint=f"fix the code in the {what} (e.g. mnw for Mon)")


_NAMES_COLUMNS = (("name", "iso3"),)
# wals.info's language.csv, then the CLDF export (cldf/languages.csv)
_WALS_COLUMNS = (("name", "iso_code"), ("name", "iso639p3code"))


def _csv_rows(path: Path, what: str) -> list[tuple[int, list[str]]]:
    """(line number, cells) of a CSV file; one InputError line when it cannot be read."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{what} {path} not found", hint="check the path") from None
    except IsADirectoryError:
        raise InputError(f"{what} {path} is a directory", hint="give the CSV file itself") from None
    except OSError as exc:
        raise InputError(f"{what} {path} cannot be read: {exc.strerror}", hint="check the file") from None
    except UnicodeDecodeError as exc:
        line = text_line(path, exc.start)
        raise InputError(f"{path}:{line}: not UTF-8 text", hint=f"save the {what} as UTF-8 CSV") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for row in reader:
            rows.append((start, row))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise InputError(f"{path}:{reader.line_num}: not valid CSV ({exc})", hint="check quoting") from None
    if not rows:
        raise InputError(f"{what} {path} is empty", hint="write a header line and one line per name")
    return rows


def text_line(path: Path, offset: int) -> int:
    """The 1-based line of a byte offset in a file."""
    try:
        return path.read_bytes()[:offset].count(b"\n") + 1
    except OSError:
        return 1
