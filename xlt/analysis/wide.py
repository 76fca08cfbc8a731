"""Wide HR × LR tables as papers publish them: a first column of HR names, one column per LR name.

Names are read names first (a name column: "Mon" is Mon, ``mnw``, not the code of Mongolian) through
:mod:`xlt.languages`, with the user's names file and WALS table as overrides; a name nothing resolves
is kept as written with a warning, and no name can raise anything else. Two names of one tier that
resolve to the same code are an error: their cells would be averaged silently.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from xlt.errors import InputError, UnknownLanguageError
from xlt.languages import NameOverrides

MAX_LISTED = 5  # cells or names listed in one warning; the rest are counted


def listed(items: list[str]) -> str:
    """The first few items, and how many more."""
    more = f" and {len(items) - MAX_LISTED} more" if len(items) > MAX_LISTED else ""
    return ", ".join(items[:MAX_LISTED]) + more


@dataclass
class Names:
    """Resolve names (names first) and remember what could not be resolved and what needed a note."""

    overrides: NameOverrides | None = None
    unknown: list[str] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)
    _seen: dict[str, str] = field(default_factory=dict)

    def __call__(self, name: object) -> str:
        from xlt.languages import explain

        text = str(name).strip()
        if text in self._seen:
            return self._seen[text]
        try:
            found = explain(text, prefer="name", overrides=self.overrides)
            code = found.language.iso3
            if found.notes:
                self.notes[text] = "; ".join(found.notes)
        except UnknownLanguageError:
            code = text
            self.unknown.append(text)
        self._seen[text] = code
        return code


@dataclass
class Wide:
    """A wide table read and resolved: values[i, j] for HR row i and LR column j (NaN = empty cell)."""

    path: Path
    hr: list[str]  # codes (or the name as written when unresolved)
    lr: list[str]
    hr_names: list[str]
    lr_names: list[str]
    lines: list[int]  # CSV line of each HR row
    values: np.ndarray
    nan_cells: list[str] = field(default_factory=list)  # "row N (name), column C" of cells written NaN

    def long(self, value: str) -> pl.DataFrame:
        """hr_lang, lr_lang, `value` for every non-empty cell."""
        i, j = np.nonzero(np.isfinite(self.values))
        return pl.DataFrame(
            {
                "hr_lang": [self.hr[k] for k in i],
                "lr_lang": [self.lr[k] for k in j],
                value: self.values[i, j],
            },
            schema={"hr_lang": pl.String, "lr_lang": pl.String, value: pl.Float64},
        )


def read_csv_cells(path: Path, what: str) -> pl.DataFrame:
    """Every cell as text; a missing or unreadable file is one InputError line."""
    if not path.is_file():
        raise InputError(f"{what} not found: {path}", hint="pass a wide CSV: HR column, one column per LR")
    try:
        frame = pl.read_csv(path, infer_schema=False, truncate_ragged_lines=False)
    except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(
            f"cannot read {path} as CSV: {first}", hint="a UTF-8 CSV with a header row"
        ) from None
    for column in frame.columns:  # polars renames a repeated header "Mon" to "Mon_duplicated_0"
        base, _, number = column.rpartition("_duplicated_")
        if base in frame.columns and number.isdigit():
            raise InputError(
                f"{path}: column {base!r} appears more than once", hint="keep one column per language"
            )
    if len(frame.columns) < 2 or frame.is_empty():
        raise InputError(f"{path}: expected an HR column and at least one LR column", hint="check the CSV")
    return frame


def _duplicates(codes: list[str], names: list[str], where: str, path: Path) -> None:
    first: dict[str, str] = {}
    for code, name in zip(codes, names, strict=True):
        if code in first and first[code] != name:
            raise InputError(
                f"{path}: {where} {first[code]!r} and {name!r} both resolve to {code}; their cells would be "
                "averaged",
                hint="rename one, or map the names yourself with --names FILE (CSV name,iso3)",
            )
        first.setdefault(code, name)


def read_wide(path: Path, names: Names, number: Callable[[object, str], float | None], what: str) -> Wide:
    """Read and resolve a wide table; `number(text, where)` turns a cell into a value or None (empty)."""
    frame = read_csv_cells(path, what)
    hr_col, lr_cols = frame.columns[0], frame.columns[1:]
    hr_names, lines, rows, nan_cells = [], [], [], []
    for i, record in enumerate(frame.iter_rows()):
        if record[0] is None or not str(record[0]).strip():
            continue
        line = i + 2
        hr_names.append(str(record[0]).strip())
        lines.append(line)
        cells = []
        for column, text in zip(lr_cols, record[1:], strict=True):
            if text is not None and text.strip().lower() in {"nan", "-nan", "+nan"}:
                nan_cells.append(f"row {line} ({hr_names[-1]}), column {column}")
            value = number(text, f"{path} row {line} ({hr_names[-1]}), column {column}")
            cells.append(math.nan if value is None else value)
        rows.append(cells)
    if not rows:
        raise InputError(f"{path}: no row names an HR language (column {hr_col!r} is empty)", hint="check it")
    lr_names = [str(c).strip() for c in lr_cols]
    hr, lr = [names(n) for n in hr_names], [names(n) for n in lr_names]
    _duplicates(hr, hr_names, "rows", path)
    _duplicates(lr, lr_names, "columns", path)
    return Wide(path, hr, lr, hr_names, lr_names, lines, np.array(rows, dtype=np.float64), nan_cells)
