"""What every reader shares: the unit of input, the text it yields, a skipped input, the read context.

A *unit* is one input file or archive member (or, for `mc4` and `sample`, one stream or package text).
Its sha256 is what the manifest remembers, so a re-run skips units that were already collected.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from xlt.languages import Language


@dataclass
class Unit:
    """One input to read: a file, an archive member, a stream, or a packaged text."""

    origin: str  # file path, "archive.zip!member/path", URL or hub id: where the text came from
    read: Callable[[], bytes] | None = None  # the raw bytes (None for units that carry a payload)
    hint_names: tuple[str, ...] = ()  # archive and folder names a reader may take a language from
    payload: Any = None  # reader-specific (hub config, precomputed chunks)
    key: str | None = None  # sha256 identifying the input; computed from the bytes when None
    _data: bytes | None = field(default=None, repr=False)

    def data(self) -> bytes:
        """The unit's bytes (read once)."""
        if self._data is None:
            if self.read is None:
                raise ValueError(f"{self.origin}: this unit has no bytes")
            self._data = self.read()
        return self._data

    def sha256(self) -> str:
        """What identifies this input in the manifest (sha256 of its bytes unless given)."""
        if self.key is None:
            self.key = hashlib.sha256(self.data()).hexdigest()
        return self.key


@dataclass
class Chunk:
    """Lines of one language read from one unit (a unit may hold several languages)."""

    iso3: str
    lines: list[str]
    encoding: str = "utf-8"
    name: str | None = None  # output file stem; derived from the unit's origin when None


@dataclass(frozen=True)
class Skipped:
    """An input that was not collected, and why (one line in the report)."""

    origin: str
    reason: str

    def __str__(self) -> str:
        # A reason that already starts with its place ("file.conllu:12: ...") is not prefixed again.
        return self.reason if self.reason.startswith(f"{self.origin}:") else f"{self.origin}: {self.reason}"


@dataclass
class ReadContext:
    """Options every reader sees: the fallback language and reader-specific options."""

    lang: Language | None = None
    options: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # things worth telling the user (detected encodings)

    def option(self, name: str, default: Any = None) -> Any:
        """A reader option, or its default when absent or None."""
        value = self.options.get(name)
        return default if value is None else value


class Reader(Protocol):
    """A source module: how to enumerate its inputs and how to read one."""

    def units(self, inputs: list[str], ctx: ReadContext) -> Iterable[Unit | Skipped]: ...

    def parse(self, unit: Unit, ctx: ReadContext) -> list[Chunk]: ...


def sha256_text(*parts: str) -> str:
    """A stable key for inputs that are not files (hub streams, packaged corpora)."""
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def nonempty(lines: Iterable[str]) -> Iterator[str]:
    """Lines stripped of surrounding whitespace with inner runs collapsed; empty ones dropped."""
    for line in lines:
        text = " ".join(line.split())
        if text:
            yield text
