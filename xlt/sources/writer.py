"""Write collected text to ``raw/<source>/<iso3>/*.txt`` and keep ``raw/<source>/manifest.parquet``.

One manifest row per output file: source, iso3, origin, lines, chars, tokens (whitespace), sha256 of
the output file, input_sha256 (what re-runs skip on), encoding of the input, path relative to the
workspace, collected_at (UTC). Text files are written atomically before their manifest row, and
output names derive from the input's hash, so a killed run that is re-run rewrites the same files.
A failed write (full disk, read-only file system) raises a `WorkspaceError` naming the file
(`xlt.errors.from_os_error`) and leaves no temporary file or empty directory behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from xlt.errors import WorkspaceError, from_os_error
from xlt.sources.base import Chunk, Skipped
from xlt.workspace import Workspace, atomic_write_bytes, write_parquet

MANIFEST_COLUMNS = (
    "source",
    "iso3",
    "origin",
    "lines",
    "chars",
    "tokens",
    "sha256",
    "input_sha256",
    "encoding",
    "path",
    "collected_at",
)

# Flush the manifest every so many output files, so an interrupted long collection keeps its record.
FLUSH_EVERY = 50


@dataclass
class LanguageStats:
    """What the manifest holds for one language of a source."""

    iso3: str
    name: str
    lines: int = 0
    chars: int = 0
    tokens: int = 0
    files: int = 0


@dataclass
class CollectReport:
    """The outcome of one `collect` call.

    `languages` sums everything the source's manifest holds (this run and earlier ones);
    `new_files` counts output files written now; `already` counts inputs skipped as already collected.
    """

    source: str
    manifest: Path
    languages: dict[str, LanguageStats] = field(default_factory=dict)
    skipped: list[Skipped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    new_files: int = 0
    already: int = 0

    @property
    def total_lines(self) -> int:
        return sum(s.lines for s in self.languages.values())

    @property
    def total_files(self) -> int:
        return sum(s.files for s in self.languages.values())


def _slug(origin: str) -> str:
    """A short, safe file stem from an origin (last two path parts)."""
    parts = re.split(r"[/\\!]+", origin)
    tail = "_".join(p for p in parts[-2:] if p)
    tail = re.sub(r"\.(exb|conllu|json|jsonl|txt|gz|bz2|xml)$", "", tail, flags=re.IGNORECASE)
    slug = re.sub(r"[^\w.-]+", "_", tail).strip("._") or "text"
    return slug[:80]


class RawWriter:
    """Writes output files of one source and its manifest."""

    def __init__(self, workspace: Workspace, source: str) -> None:
        self.workspace = workspace
        self.source = source
        self.path = workspace.manifest_path(source)
        self.rows: list[dict[str, object]] = read_manifest_rows(self.path)
        self.done: set[str] = {str(r["input_sha256"]) for r in self.rows}
        self._unflushed = 0

    def write(self, chunk: Chunk, origin: str, input_sha256: str) -> dict[str, object]:
        """Write one chunk's lines as a text file and record it (manifest flushed periodically)."""
        text = "".join(f"{line}\n" for line in chunk.lines)
        data = text.encode("utf-8")
        stem = chunk.name or _slug(origin)
        target = self.workspace.raw_lang_dir(self.source, chunk.iso3) / f"{stem}-{input_sha256[:10]}.txt"
        try:
            atomic_write_bytes(target, data)
        except WorkspaceError:  # a failed write, already named (xlt.workspace.atomic_open)
            self._prune(target.parent)
            raise
        except OSError as exc:
            self._prune(target.parent)
            raise from_os_error(exc, "write", target) from exc
        row: dict[str, object] = {
            "source": self.source,
            "iso3": chunk.iso3,
            "origin": origin,
            "lines": len(chunk.lines),
            "chars": sum(len(line) for line in chunk.lines),
            "tokens": sum(len(line.split()) for line in chunk.lines),
            "sha256": hashlib.sha256(data).hexdigest(),
            "input_sha256": input_sha256,
            "encoding": chunk.encoding,
            "path": target.relative_to(self.workspace.root).as_posix(),
            "collected_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        # A re-collected input (after an interrupted run) replaces its earlier row for the same file.
        self.rows = [r for r in self.rows if r["path"] != row["path"]]
        self.rows.append(row)
        self._unflushed += 1
        if self._unflushed >= FLUSH_EVERY:
            self.flush()
        return row

    def forget(self, rows: list[dict[str, object]]) -> None:
        """Take back rows written for a unit that failed half-way: their files and manifest rows."""
        if not rows:
            return
        paths = {str(row["path"]) for row in rows}
        self.rows = [r for r in self.rows if str(r["path"]) not in paths]
        for path in paths:
            target = self.workspace.root / path
            with contextlib.suppress(OSError):
                target.unlink(missing_ok=True)
            self._prune(target.parent)
        self._unflushed += 1

    def _prune(self, directory: Path) -> None:
        """Remove a language (and source) directory left empty, so `clean` does not see a language."""
        for folder in (directory, directory.parent):
            if folder == self.workspace.raw_dir:
                break
            with contextlib.suppress(OSError):
                folder.rmdir()  # only succeeds when empty

    def mark_done(self, origin: str, input_sha256: str) -> None:
        """Remember an input as collected, after all its chunks are written.

        Output of an earlier version of the same origin (an edited file, new sample settings) is
        replaced: its rows leave the manifest and its files are deleted, so nothing is counted twice.
        """
        self.done.add(input_sha256)
        stale = [r for r in self.rows if r["origin"] == origin and r["input_sha256"] != input_sha256]
        if not stale:
            return
        self.rows = [r for r in self.rows if r not in stale]
        for row in stale:
            (self.workspace.root / str(row["path"])).unlink(missing_ok=True)
        self._unflushed += 1
        self.flush()

    def flush(self) -> None:
        """Write the manifest (atomically) if anything changed."""
        if self._unflushed == 0:
            return
        import polars as pl

        schema = {
            "source": pl.String,
            "iso3": pl.String,
            "origin": pl.String,
            "lines": pl.Int64,
            "chars": pl.Int64,
            "tokens": pl.Int64,
            "sha256": pl.String,
            "input_sha256": pl.String,
            "encoding": pl.String,
            "path": pl.String,
            "collected_at": pl.String,
        }
        frame = (
            pl.DataFrame(self.rows, schema=schema, orient="row") if self.rows else pl.DataFrame(schema=schema)
        )
        try:
            write_parquet(frame.sort("iso3", "path"), self.path)
        except OSError as exc:
            raise from_os_error(exc, "write", self.path) from exc
        self._unflushed = 0


def read_manifest_rows(path: Path) -> list[dict[str, object]]:
    """The rows of a manifest, or none when it does not exist yet."""
    if not path.is_file():
        return []
    import polars as pl

    return pl.read_parquet(path).to_dicts()


def language_stats(rows: list[dict[str, object]]) -> dict[str, LanguageStats]:
    """Per-language sums over manifest rows, sorted by code."""
    from xlt.languages import name_of

    stats: dict[str, LanguageStats] = {}
    for row in sorted(rows, key=lambda r: str(r["iso3"])):
        iso3 = str(row["iso3"])
        entry = stats.setdefault(iso3, LanguageStats(iso3, name_of(iso3)))
        entry.lines += int(row["lines"])  # type: ignore[call-overload]
        entry.chars += int(row["chars"])  # type: ignore[call-overload]
        entry.tokens += int(row["tokens"])  # type: ignore[call-overload]
        entry.files += 1
    return stats
