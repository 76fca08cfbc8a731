"""Decoding bytes to text (UTF-8 first, then detection) and splitting text into sentences."""

from __future__ import annotations

import codecs
import re
import unicodedata

from xlt.errors import InputError

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# A decoded text with more control characters than this is binary, whatever a detector says.
_MAX_CONTROL_RATIO = 0.01


def decode(data: bytes, origin: str) -> tuple[str, str]:
    """The text of `data` and the encoding it was read in.

    UTF-8 (with or without BOM) and BOM-marked UTF-16/32 are taken as they are; anything else goes
    through charset-normalizer's detection. Undecodable or binary input raises `InputError`.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return _check_text(data.decode(encoding), origin), encoding
            except UnicodeDecodeError:
                break
    try:
        return _check_text(data.decode("utf-8"), origin), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise InputError(
            f"{origin}: not UTF-8, and no text encoding could be detected",
            hint="convert it to UTF-8 (e.g. iconv -f CP1251 -t UTF-8) or leave it out",
        )
    return _check_text(str(best), origin), best.encoding


def _check_text(text: str, origin: str) -> str:
    """Refuse binary data that happened to decode."""
    if not text:
        return text
    control = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t\f")
    if control / len(text) > _MAX_CONTROL_RATIO:
        raise InputError(f"{origin}: binary data, not text", hint="leave it out of the inputs")
    return text


# Sentence ends: terminal punctuation (plus closing quotes/brackets), whitespace, then something that
# starts a sentence (an upper-case letter, a digit, an opening quote or dash).
_SENTENCE_END = re.compile(r"(?<=[.!?…。！？])[\"'»”’)\]]*\s+")
_OPENERS = set("\"'«„“‘([¿¡—–-")


def split_sentences(text: str) -> list[str]:
    """Lines of `text`, each split further at sentence ends; whitespace collapsed, empties dropped."""
    out: list[str] = []
    for raw in text.splitlines():
        line = " ".join(raw.split())
        if not line:
            continue
        start = 0
        for match in _SENTENCE_END.finditer(line):
            nxt = line[match.end() : match.end() + 1]
            if nxt and (nxt.isupper() or nxt.isdigit() or nxt in _OPENERS):
                piece = line[start : match.end()].strip()
                if piece:
                    out.append(piece)
                start = match.end()
        tail = line[start:].strip()
        if tail:
            out.append(tail)
    return out
