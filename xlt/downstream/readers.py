"""Readers of parallel-data files: TSV/CSV with a header, JSON lines, `datasets` directories.

Every reader checks structure and names the place of a fault (``file:line``): a TSV/CSV row with more or
fewer fields than the header, a quote that swallows the following lines, a JSONL line that is not an
object, a file that is not UTF-8.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from xlt.errors import InputError


def flatten_translation(records: list[dict]) -> list[dict]:
    """`{"translation": {"es": ..., "nah": ...}}` rows (datasets' translation format) -> flat rows."""
    if records and isinstance(records[0].get("translation"), dict):
        return [{**{k: v for k, v in r.items() if k != "translation"}, **r["translation"]} for r in records]
    return records


def read_text(path: Path) -> str:
    """A UTF-8 text file; unreadable or not UTF-8 is one `InputError` naming the file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(
            f"{path}: cannot be read ({exc.strerror})", "check the path and its permissions"
        ) from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"{path}:{line}: not UTF-8 (byte {exc.start})",
            "convert it to UTF-8, e.g. iconv -f LATIN1 -t UTF-8",
        ) from exc


def read_records(path: Path) -> list[tuple[str, dict]]:
    """(where, row) of a TSV/CSV (with header), JSONL file or `datasets` directory; `where` is file:line."""
    if path.is_dir():
        from datasets import Dataset, concatenate_datasets, load_from_disk

        try:
            loaded = load_from_disk(str(path))
        except (FileNotFoundError, ValueError) as exc:
            raise InputError(f"{path} is not a saved `datasets` directory: {exc}") from exc
        table = loaded if isinstance(loaded, Dataset) else concatenate_datasets(list(loaded.values()))
        rows = flatten_translation(table.to_list())
        return [(f"{path} row {i}", row) for i, row in enumerate(rows, 1)]
    suffix = path.suffix.lower()
    if suffix in {".tsv", ".csv", ".txt"}:
        return _read_delimited(path, read_text(path), "," if suffix == ".csv" else "\t")
    if suffix in {".jsonl", ".json"}:
        return _read_jsonl(path, read_text(path))
    raise InputError(
        f"{path}: unknown parallel data format {suffix!r}", "use .tsv, .csv, .jsonl or a directory"
    )


def _read_delimited(path: Path, text: str, delimiter: str) -> list[tuple[str, dict]]:
    """Rows of a TSV/CSV with a header, each checked to have as many fields as the header."""
    kind = "CSV" if delimiter == "," else "TSV"
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: list[tuple[str, dict]] = []
    header: list[str] | None = None
    start = 1
    try:
        for row in reader:
            first, start = start, reader.line_num + 1  # a quoted field may span lines
            if not row:
                continue
            where = f"{path}:{first}"
            spanned = reader.line_num - first
            if spanned and any("\n" in field for field in row):
                raise InputError(
                    f"{where}: a quote opens a field that runs over {spanned + 1} lines (to line "
                    f"{reader.line_num})",
                    'remove the stray " or quote the whole field ("" for a quote inside it)',
                )
            if header is None:
                header = [name.strip() for name in row]
                repeated = sorted({name for name in header if header.count(name) > 1})
                if repeated:
                    raise InputError(f"{where}: column {repeated[0]!r} appears twice in the header")
                continue
            if len(row) != len(header):
                n = len(row)
                raise InputError(
                    f"{where}: {n} field{'s' if n != 1 else ''}, the header has {len(header)} "
                    f"({', '.join(header)})",
                    f"every {kind} row needs one field per column; fix or remove the row",
                )
            records.append((where, dict(zip(header, row, strict=True))))
    except csv.Error as exc:
        raise InputError(f"{path}:{reader.line_num}: not valid {kind} ({exc})") from exc
    return records


def _read_jsonl(path: Path, text: str) -> list[tuple[str, dict]]:
    """Objects of a JSON-lines file; a line that is not a JSON object is an error naming it."""
    records: list[tuple[str, dict]] = []
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{where}: not JSON ({exc.msg})", "one JSON object per line") from exc
        except RecursionError as exc:
            raise InputError(f"{where}: JSON nested too deeply", "one JSON object per line") from exc
        if not isinstance(value, dict):
            raise InputError(
                f"{where}: a JSON {type(value).__name__}, not an object", "one JSON object per line"
            )
        records.append((where, value))
    flat = flatten_translation([record for _, record in records])
    return [(where, record) for (where, _), record in zip(records, flat, strict=True)]
