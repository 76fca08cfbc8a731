"""The script filter: the `regex` module's Unicode Script property vs. name-prefix tables built with `re`.

xlt's script filter used to derive each script's letters from Unicode character names (``CYRILLIC ...``)
with `unicodedata`, compile them into `re` character classes, and count letters per line. It now asks the
`regex` module for ``\\p{Script=...}``. This benchmark rebuilds the old approach as the baseline, runs
both over the same lines (real text from installed packages, plus Cyrillic and Greek lines made of
random letters of those scripts), and prints the build and check times, their ratios, and whether both
made the same decision on every line.

    python benchmarks/bench_script_filter.py
"""

from __future__ import annotations

import random
import re
import sys
import time
import unicodedata

from xlt.cleaning.scripts import ScriptCheck

PREFIXES = {"Latn": ("LATIN", "FULLWIDTH LATIN"), "Cyrl": ("CYRILLIC",), "Grek": ("GREEK",)}


class NamePrefixCheck:
    """The baseline: letters of a script from Unicode names, `re` classes, the same decision rule."""

    def __init__(self, script: str) -> None:
        letters = [cp for cp in range(sys.maxunicode + 1) if unicodedata.category(chr(cp)).startswith("L")]
        self.not_letter = re.compile("[^" + _char_class(letters) + "]+")
        mine = [cp for cp in letters if unicodedata.name(chr(cp), "").startswith(PREFIXES[script])]
        self.mine = re.compile("[" + _char_class(mine) + "]+")
        self.latin = script == "Latn"

    def letters(self, text: str) -> str:
        return self.not_letter.sub("", "".join(text.split()))

    def wrong(self, line: str) -> bool:
        if line.isascii():
            return not self.latin and any(c.isalpha() for c in line)
        letters = self.letters(line)
        total = len(letters)
        if total == 0:
            return False
        other = len(self.mine.sub("", letters))
        if other * 2 <= total:
            return False
        if other == total:
            return True
        other = sum(len(w) for word in line.split() if (w := self.letters(word)) and not self.mine.search(w))
        return other * 2 > total


def _char_class(codepoints: list[int]) -> str:
    parts, start, prev = [], codepoints[0], codepoints[0]
    for cp in [*codepoints[1:], -1]:
        if cp == prev + 1:
            prev = cp
            continue
        parts.append(re.escape(chr(start)) + ("" if start == prev else "-" + re.escape(chr(prev))))
        start = prev = cp
    return "".join(parts)


def lines() -> list[str]:
    """Spanish and Nahuatl (elotl), English (Python's docs), and random Cyrillic/Greek/mixed lines."""
    from pydoc_data.topics import topics

    import elotl.corpus

    rng = random.Random(0)
    out = [row[i] for row in elotl.corpus.load("axolotl")[:8000] for i in (0, 1)]
    out += [line for text in topics.values() for line in text.splitlines() if line.strip()][:8000]
    for first, last in ((0x0410, 0x044F), (0x03B1, 0x03C9)):
        for _ in range(8000):
            words = [
                "".join(chr(rng.randint(first, last)) for _ in range(rng.randint(2, 9))) for _ in range(9)
            ]
            if rng.random() < 0.3:
                words[: rng.randint(1, 8)] = ["latin"] * rng.randint(1, 8)
            out.append(" ".join(words) + ".")
    return out


def main() -> None:
    text = lines()
    print(f"{len(text):,} lines")
    for script in PREFIXES:
        start = time.perf_counter()
        old = NamePrefixCheck(script)
        old_build = time.perf_counter() - start
        start = time.perf_counter()
        new = ScriptCheck(script)
        new_build = time.perf_counter() - start
        start = time.perf_counter()
        old_decisions = [old.wrong(line) for line in text]
        old_run = time.perf_counter() - start
        start = time.perf_counter()
        new_decisions = [new.wrong(line) for line in text]
        new_run = time.perf_counter() - start
        same = sum(a == b for a, b in zip(old_decisions, new_decisions, strict=True))
        ratio = old_build / max(new_build, 1e-9)
        print(
            f"{script}: build {old_build:.2f} s -> {new_build:.4f} s ({ratio:,.0f}x), "
            f"check {old_run:.2f} s -> {new_run:.2f} s ({old_run / new_run:.2f}x), "
            f"same decision on {same:,}/{len(text):,} lines, {sum(new_decisions):,} wrong-script"
        )


if __name__ == "__main__":
    main()
