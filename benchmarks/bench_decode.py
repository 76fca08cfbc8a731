"""Benchmark `xlt.sources.textio.decode` on legacy-encoded text against charset-normalizer's detection.

Builds text of several languages by repeating real sentences (the ones in
tests/test_bad_input_readers.py), encodes it in a legacy code page, and times, in the same run:
the language-aware decode (candidate code pages checked against the language's orthography), plain
charset-normalizer detection (`from_bytes(...).best()`, the baseline that reads latin-1 French as
cp1250), and the UTF-8 path of `decode` on the same text in UTF-8. Prints seconds, MB/s, the ratio to
the baseline, and whether each got the text right.

    .venv/bin/python benchmarks/bench_decode.py            # 5 MB per case
    .venv/bin/python benchmarks/bench_decode.py --mb 1
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from test_bad_input_readers import SAMPLES

from xlt.sources.textio import decode

CASES = [("fra", "latin-1"), ("tur", "cp1254"), ("rus", "cp1251"), ("rus", "koi8-r"), ("ces", "cp1250")]


def _timed(function):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = function()
    return result, time.perf_counter() - start


def main() -> None:
    """Print one line per (language, encoding)."""
    from charset_normalizer import from_bytes

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=5.0, help="size of each case in MB")
    args = parser.parse_args()
    decode(b"\xe0", "warm-up", "fra")  # loads hyperglot once
    print(f"{'case':<16}{'decode s':>10}{'MB/s':>8}{'detect s':>10}{'ratio':>8}  right (decode/detect)")
    for iso3, encoding in CASES:
        line = SAMPLES[iso3] + "\n"
        repeat = max(1, int(args.mb * 1e6 / len(line.encode(encoding))))
        text = line * repeat
        data = text.encode(encoding)
        decoded, ours = _timed(lambda d=data, i=iso3: decode(d, "bench", i))
        guess, theirs = _timed(lambda d=data: from_bytes(d).best())
        _, utf8 = _timed(lambda t=text, i=iso3: decode(t.encode("utf-8"), "bench", i))
        size = len(data) / 1e6
        print(
            f"{iso3 + ' ' + encoding:<16}{ours:>10.2f}{size / ours:>8.1f}{theirs:>10.2f}{ours / theirs:>8.2f}"
            f"  {decoded.text == text}/{guess is not None and str(guess) == text}"
            f"  (UTF-8 path {utf8:.2f} s)"
        )


if __name__ == "__main__":
    main()
