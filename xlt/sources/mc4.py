"""`mc4`: mC4 text streamed with the `datasets` library, one language config at a time, under a cap.

From the hub: ``load_dataset("allenai/c4", <config>, split="train", streaming=True)`` (needs
``--download``; the config is the language's mC4 name, e.g. ``kv``, ``iw``). Local mC4 JSON-lines files
(``c4-kv.tfrecord-00000-of-00001.json.gz``) go through the same streaming code path with
``load_dataset("json", data_files=...)``. Documents are split into sentences until ``max_lines`` lines
or ``max_bytes`` UTF-8 bytes are collected. A local file that `datasets` cannot read is scanned once
more with `json` to name the line at fault.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import logging
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from xlt.errors import InputError, UnknownLanguageError, UsageError
from xlt.languages import Language, from_mc4_config, to_mc4_config
from xlt.sources.base import Chunk, ReadContext, Skipped, Unit, sha256_text
from xlt.sources.textio import split_sentences

HUB_PATH = "allenai/c4"  # the multilingual C4 (mC4) configs live in this repository
DEFAULT_MAX_LINES = 100_000
DEFAULT_MAX_BYTES = 50_000_000
_LOCAL = re.compile(r"\.jsonl?(\.gz)?$", re.IGNORECASE)
_C4_NAME = re.compile(r"c4-([a-z]{2,3}(?:-latn)?)[.\-]", re.IGNORECASE)


def units(inputs: list[str], ctx: ReadContext) -> Iterable[Unit | Skipped]:
    """One stream per local JSON-lines file, or the hub config of --lang when there are no inputs."""
    if not inputs:
        if ctx.lang is None:
            raise UsageError(
                "mc4 from the hub needs --lang", hint="e.g. xlt collect mc4 --lang kv --download"
            )
        if not ctx.option("download", False):
            raise UsageError(
                "mc4 without input files streams from the Hugging Face hub",
                hint="add --download, or pass local mC4 JSON-lines files",
            )
        config = to_mc4_config(ctx.lang)
        key = sha256_text(HUB_PATH, config, str(_caps(ctx)))
        yield Unit(f"hf://{HUB_PATH}/{config}", payload=("hub", config, ctx.lang), key=key)
        return
    for raw in inputs:
        path = Path(raw)
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        matched = [p for p in files if _LOCAL.search(p.name)]
        if not path.exists():
            yield Skipped(raw, "no such file or directory")
        elif not matched:
            yield Skipped(raw, "no mC4 JSON-lines files (*.json, *.jsonl, *.json.gz) found")
        for file in matched:
            try:
                language = _file_language(file, ctx)
            except InputError as exc:
                yield Skipped(str(file), exc.message.removeprefix(f"{file}: "))
                continue
            yield Unit(str(file), read=file.read_bytes, payload=("json", str(file), language))


def parse(unit: Unit, ctx: ReadContext) -> list[Chunk]:
    """Lines of one stream, up to the caps."""
    _kind, _where, language = unit.payload
    max_lines, max_bytes = _caps(ctx)
    lines: list[str] = []
    size = 0
    local = Path(unit.origin) if _kind == "json" else None
    for text in _texts(stream(unit.payload), unit.origin, local):
        for line in split_sentences(text):
            lines.append(line)
            size += len(line.encode("utf-8")) + 1
            if len(lines) >= max_lines or size >= max_bytes:
                return [Chunk(language.iso3, lines)]
    return [Chunk(language.iso3, lines)]


def stream(payload: tuple[str, str, Language]) -> Iterable[dict[str, Any]]:
    """Records of a streamed dataset: the hub config or a local JSON-lines file, same code path."""
    from datasets import load_dataset

    kind, where, _language = payload
    if kind == "hub":
        return load_dataset(HUB_PATH, where, split="train", streaming=True)
    return load_dataset("json", data_files=where, split="train", streaming=True)


_HINT = 'mC4 files hold one JSON object with a "text" field per line'


def _texts(records: Iterable[dict[str, Any]], origin: str, local: Path | None = None) -> Iterator[str]:
    count = 0
    try:
        with _quiet_json_loader() if local is not None else contextlib.nullcontext():
            for record in records:
                count += 1
                text = record.get("text")
                if not isinstance(text, str):
                    where = f"{origin}:{_line_of(local, count)}" if local is not None else origin
                    raise InputError(f"{where}: a record has no 'text' field (not mC4 JSON lines)", _HINT)
                yield text
    except InputError:
        raise
    except Exception as exc:  # datasets wraps JSON and file errors in its own exception classes
        if local is not None:
            raise _bad_line(local) from exc
        raise InputError(
            f"{origin}: could not read the stream ({_words(exc)})", "check --lang and the network"
        ) from exc


@contextlib.contextmanager
def _quiet_json_loader() -> Iterator[None]:
    """datasets logs a failed JSON file at ERROR level before raising; the raised error is reported."""
    logger = logging.getLogger("datasets.packaged_modules.json.json")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def _open_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rb") as handle:
        yield from enumerate(handle, start=1)


def _line_of(path: Path, record: int) -> int:
    """The line number of the `record`-th record (blank lines hold none)."""
    seen = 0
    for number, line in _open_lines(path):
        if line.strip():
            seen += 1
            if seen == record:
                return number
    return record


def _bad_line(path: Path) -> InputError:
    """The first line of a local JSON-lines file that is not a JSON object, as an InputError."""
    try:
        for number, line in _open_lines(path):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                return InputError(f"{path}:{number}: not valid JSON ({_words(exc)})", _HINT)
            except RecursionError:
                return InputError(f"{path}:{number}: JSON nested too deeply", _HINT)
            if not isinstance(value, dict):
                return InputError(f"{path}:{number}: not a JSON object", _HINT)
    except (OSError, EOFError) as exc:
        return InputError(f"{path}: truncated or unreadable ({_words(exc)})", "download it again")
    return InputError(f"{path}: could not be read as JSON lines", _HINT)


def _words(exc: BaseException) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return exc.msg
    return " ".join(str(exc).split()) or "unreadable"


def _caps(ctx: ReadContext) -> tuple[int, int]:
    return int(ctx.option("max_lines", DEFAULT_MAX_LINES)), int(ctx.option("max_bytes", DEFAULT_MAX_BYTES))


def _file_language(path: Path, ctx: ReadContext) -> Language:
    if match := _C4_NAME.search(path.name):
        try:
            return from_mc4_config(match.group(1))
        except UnknownLanguageError:
            pass
    if ctx.lang is not None:
        return ctx.lang
    raise InputError(f"{path}: language unknown (no c4-<config> file name)", hint="pass --lang")
