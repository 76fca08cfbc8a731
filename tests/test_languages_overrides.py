"""A user's names file and WALS languages table override and extend resolution; bad files are one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from xlt import languages as L  # noqa: N812
from xlt.errors import InputError

# The columns of WALS's language.csv (wals.info/languoid download); the rows are written for the test.
WALS_HEADER = "wals_code,iso_code,glottocode,Name,latitude,longitude,genus,family,macroarea,countrycodes"


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """Write a small CSV file for one test."""
    path.write_text(text, encoding=encoding)
    return path


def test_names_file_overrides_every_reading(tmp_path: Path) -> None:
    """A names file wins over codes and built-in names, in both orders."""
    names = write(tmp_path / "names.csv", "name,iso3\nMon,mnw\nOur Dialect,kpv\nGreek (Modern),grc\n")
    overrides = L.NameOverrides.load(names=names)
    assert L.resolve("Mon", prefer="code", overrides=overrides).iso3 == "mnw"  # even code first
    assert L.resolve_name("our dialect", overrides=overrides).iso3 == "kpv"
    assert L.resolve_name("Greek (Modern)", overrides=overrides).iso3 == "grc"
    assert L.explain("Mon", overrides=overrides).via == "names file (names.csv:2)"
    assert L.resolve("Mon", prefer="code").iso3 == "mon"  # without the overrides, nothing changed


def test_wals_table_is_an_alias_source(tmp_path: Path) -> None:
    """WALS's Name column maps to its iso_code; rows without a code are skipped; codes still come first."""
    table = write(
        tmp_path / "language.csv",
        f"{WALS_HEADER}\n"
        "mon,mnw,monn1252,Mon,16.0,97.0,Monic,Austro-Asiatic,Eurasia,MM\n"
        "zzq,,,Unclassified Test Language,0,0,,,,\n"
        'kmr,kpv,komi1268,"Komi (Test, quoted)",61.0,54.0,Permic,Uralic,Eurasia,RU\n',
    )
    overrides = L.NameOverrides.load(wals=table)
    assert L.resolve_name("Mon", overrides=overrides).iso3 == "mnw"
    assert L.resolve("Mon", prefer="code", overrides=overrides).iso3 == "mon"  # an alias, not an override
    assert L.resolve_name("Komi (Test, quoted)", overrides=overrides).iso3 == "kpv"
    assert L.lookup("Unclassified Test Language", prefer="name", overrides=overrides) is None
    assert (
        L.explain("komi (test, quoted)", prefer="name", overrides=overrides).via
        == "WALS table (language.csv:4)"
    )


def test_wals_cldf_export_is_read_too(tmp_path: Path) -> None:
    """The CLDF languages.csv (ID, Name, ..., ISO639P3code) is accepted as well."""
    table = write(
        tmp_path / "languages.csv", "ID,Name,Glottocode,ISO639P3code\ngrk,Greek (Test),mode1248,ell\n"
    )
    assert L.resolve_name("Greek (Test)", overrides=L.NameOverrides.load(wals=table)).iso3 == "ell"


def test_retired_code_in_a_file_is_mapped_with_a_note(tmp_path: Path) -> None:
    """A retired code in a names file is its replacement, and the overrides object keeps a note."""
    overrides = L.NameOverrides.load(names=write(tmp_path / "n.csv", "name,iso3\nOld Provencal Test,prv\n"))
    assert L.resolve_name("Old Provencal Test", overrides=overrides).iso3 == "oci"
    assert len(overrides.notes) == 1 and "n.csv:2" in overrides.notes[0] and "oci" in overrides.notes[0]


@pytest.mark.parametrize(
    ("kind", "text", "message"),
    [
        ("names", "language,code\nMon,mnw\n", r"bad\.csv:1: the names file needs the columns name,iso3"),
        ("names", "name,iso3\nMon,mnw\nLak,xq9\n", r"bad\.csv:3: 'xq9' is not an ISO 639-3 code"),
        (
            "names",
            "name,iso3\nMon,mnw\nTuvan,tyv\nmon,mon\n",
            r"bad\.csv:4: 'mon' is mon here but mnw at line 2",
        ),
        ("names", "name,iso3\nAari Test,aiz\n", r"bad\.csv:2: 'aiz' is a retired ISO 639 code .*split"),
        ("names", "name,iso3\n,kpv\n", r"bad\.csv:2: empty name"),
        ("names", "", r"names file .*bad\.csv is empty"),
        ("wals", "wals_code,Name\nmon,Mon\n", r"bad\.csv:1: the WALS table needs the columns name,iso_code"),
        ("wals", f"{WALS_HEADER}\nmon,mnw,,Mon\nmnx,mon,,Mon\n", r"bad\.csv:3: 'Mon' is mon here but mnw"),
        ("names", 'name,iso3\n"Mon,mnw\n', r"bad\.csv:\d+: "),
    ],
)
def test_bad_files_are_one_line_with_file_and_line(
    tmp_path: Path, kind: str, text: str, message: str
) -> None:
    """Missing columns, a non-code, one name with two codes, empty names or files: one InputError line."""
    path = write(tmp_path / "bad.csv", text)
    with pytest.raises(InputError, match=message) as info:
        L.NameOverrides.load(**{kind: path})
    assert "\n" not in str(info.value)


def test_unreadable_files(tmp_path: Path) -> None:
    """A missing file, a directory and a latin-1 file each give one line naming the file."""
    with pytest.raises(InputError, match=r"names file .*nope\.csv not found"):
        L.NameOverrides.load(names=tmp_path / "nope.csv")
    with pytest.raises(InputError, match="is a directory"):
        L.NameOverrides.load(wals=tmp_path)
    latin = write(tmp_path / "latin.csv", "name,iso3\nMon,mnw\nGuaraní,gug\n", encoding="latin-1")
    with pytest.raises(InputError, match=r"latin\.csv:3: not UTF-8"):
        L.NameOverrides.load(names=latin)


def test_bom_and_blank_lines_are_fine(tmp_path: Path) -> None:
    """A UTF-8 BOM (as spreadsheet programs write) and blank lines are accepted."""
    path = tmp_path / "names.csv"
    path.write_bytes("\ufeffName,ISO3\r\n\r\nTuvan,tyv\r\n".encode())
    assert L.resolve_name("Tuvan", overrides=L.NameOverrides.load(names=path)).iso3 == "tyv"
