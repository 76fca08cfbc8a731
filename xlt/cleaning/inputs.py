"""The inputs of `clean`: raw/ language directories, text checks, fingerprints, the subword tokenizer."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from xlt.cleaning.options import CleanOptions
from xlt.errors import InputError
from xlt.workspace import Workspace

# Bump when the cleaning itself changes, so that old outputs are redone.
CLEAN_VERSION = 1
SNIFF_BYTES = 1 << 20

TokenCounter = Callable[[list[str]], int]


def discover(workspace: Workspace) -> dict[str, list[tuple[str, Path]]]:
    """Languages found under raw/: iso3 -> [(source, directory)], sources in sorted order."""
    found: dict[str, list[tuple[str, Path]]] = {}
    if not workspace.raw_dir.is_dir():
        return found
    for source_dir in sorted(
        p for p in workspace.raw_dir.iterdir() if p.is_dir() and not p.name.startswith(".")
    ):
        for lang_dir in sorted(p for p in source_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
            found.setdefault(lang_dir.name, []).append((source_dir.name, lang_dir))
    return found


def text_problem(path: Path) -> str | None:
    """Why a file is not UTF-8 text (NUL bytes, undecodable bytes), or None when it is."""
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    offset = 0
    try:
        handle = path.open("rb")
    except OSError as exc:  # vanished or unreadable since discovery: a warning, like other bad files
        return f"cannot be read ({exc.strerror})"
    with handle:
        while chunk := handle.read(SNIFF_BYTES):
            nul = chunk.find(b"\x00")
            if nul >= 0:
                return f"binary data (NUL byte at byte {offset + nul})"
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                return f"not UTF-8 (byte {offset + exc.start}: {exc.reason})"
            offset += len(chunk)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "not UTF-8 (truncated character at the end)"
    return None


def fingerprint(files: list[Path], root: Path, options: CleanOptions) -> str:
    """sha256 of the raw files' (path, size, mtime) and of the options that shape the output."""
    stats = []
    for path in files:
        st = path.stat()
        stats.append([path.relative_to(root).as_posix(), st.st_size, st.st_mtime_ns])
    payload = {"version": CLEAN_VERSION, "options": options.fingerprint_fields(), "files": stats}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def load_tokenizer(spec: str) -> TokenCounter:
    """A function counting subword tokens of lines: a tokenizer directory, a tokenizer.json, or a hub id."""
    from transformers import AutoTokenizer, PreTrainedTokenizerFast

    path = Path(spec).expanduser()
    tokenizer: Any
    try:
        if path.is_file() and path.suffix == ".json":
            tokenizer = PreTrainedTokenizerFast(tokenizer_file=str(path))
        else:
            tokenizer = AutoTokenizer.from_pretrained(str(path) if path.exists() else spec)
    except Exception as exc:
        raise InputError(
            f"cannot load tokenizer {spec!r}: {' '.join(str(exc).split()) or 'not a tokenizer'}",
            "pass a directory with tokenizer files, a tokenizer.json, or a hub id (needs the network once)",
        ) from exc

    def count(lines: list[str]) -> int:
        if not lines:
            return 0
        ids = tokenizer(lines, add_special_tokens=False)["input_ids"]
        return sum(len(row) for row in ids)

    return count
