"""Benchmark `xlt clean` (streaming) against a naive read-everything-then-filter baseline.

Generates a synthetic raw/ corpus (default 300 MB over four languages: Latin, Cyrillic, Greek and a
language without a known script; unique lines mixed with near-duplicates, markup, wrong-script and short
lines), then runs each implementation in its own subprocess and prints throughput (MB/s of raw input) and
peak RSS (ru_maxrss of the child), and the ratios. Both use the same line filters; they differ in how they
hold the data: the baseline keeps every line, a Python set of keys and a shuffled list in memory.

    .venv/bin/python benchmarks/bench_clean.py            # 300 MB, a few minutes on 2 cores
    .venv/bin/python benchmarks/bench_clean.py --mb 50    # quicker
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LANGS = {
    "eng": "abcdefghijklmnopqrstuvwxyz",
    "rus": "абвгдежзийклмнопрстуфхцчшщыьэюя",
    "ell": "αβγδεζηθικλμνξοπρστυφχψω",
}
UNKNOWN = "qxx"  # a code without a known script: the script filter is skipped
SOURCES = ("wiki", "web")


def _vocab(rng: random.Random, alphabet: str, n: int = 20_000) -> list[str]:
    return ["".join(rng.choices(alphabet, k=rng.randint(2, 10))) for _ in range(n)]


def generate(root: Path, megabytes: int, seed: int = 0) -> int:
    """Write raw/<source>/<iso3>/part-N.txt files totalling about `megabytes` MB; return bytes written."""
    rng = random.Random(seed)
    langs = [*LANGS, UNKNOWN]
    per_lang = megabytes * 1_000_000 // len(langs)
    vocabs = {iso3: _vocab(rng, LANGS.get(iso3, LANGS["eng"])) for iso3 in langs}
    foreign = _vocab(rng, LANGS["eng"], 2_000)
    total = 0
    for iso3 in langs:
        vocab = vocabs[iso3]
        written = 0
        part = 0
        recent: list[str] = []
        while written < per_lang:
            lines = []
            for _ in range(5_000):
                roll = rng.random()
                if roll < 0.08 and recent:  # near-duplicate of an earlier line
                    line = rng.choice(recent).upper() + "!"
                elif roll < 0.11:  # leftover markup
                    line = f"<p>{' '.join(rng.choices(vocab, k=10))} [[a|b c]] https://x.org/{part}</p> &amp;"
                elif roll < 0.13:  # wrong script
                    line = " ".join(rng.choices(foreign, k=10))
                elif roll < 0.15:  # too short
                    line = rng.choice(vocab)
                else:
                    line = " ".join(rng.choices(vocab, k=rng.randint(5, 25)))
                    if len(recent) < 5_000:
                        recent.append(line)
                    else:
                        recent[rng.randrange(5_000)] = line
                lines.append(line)
            text = "\n".join(lines) + "\n"
            path = root / "raw" / SOURCES[part % 2] / iso3 / f"part-{part:04d}.txt"
            path.parent.mkdir(parents=True, exist_ok=True)
            data = text.encode("utf-8")
            path.write_bytes(data)
            written += len(data)
            part += 1
        total += written
    return total


def run_streaming(root: Path) -> dict[str, object]:
    """xlt's clean_workspace, as the CLI runs it."""
    from xlt.cleaning import CleanOptions, clean_workspace

    report = clean_workspace(root, CleanOptions(force=True, hr_min_tokens=1_000_000, lr_min_tokens=1_000))
    return {
        "lines": sum(r.lines for r in report.languages),
        "tiers": {r.iso3: r.tier for r in report.languages},
    }


def run_naive(root: Path) -> dict[str, object]:
    """Read every line of a language into a list, filter, dedup with a set of keys, shuffle, cap, split."""
    from xlt import languages as registry
    from xlt.cleaning import CleanOptions
    from xlt.cleaning.dedup import dedup_key
    from xlt.cleaning.filters import LineCleaner

    options = CleanOptions()
    out_dir = root / "naive"
    kept_total = 0
    by_lang: dict[str, list[Path]] = {}
    for path in sorted((root / "raw").glob("*/*/*.txt")):
        by_lang.setdefault(path.parent.name, []).append(path)
    for iso3, paths in sorted(by_lang.items()):
        lines: list[str] = []
        for path in paths:
            lines += path.read_text(encoding="utf-8").splitlines()
        lines = LineCleaner(options, registry.script_of(iso3)).clean(lines)
        seen: set[str] = set()
        unique = []
        for line in lines:
            key = dedup_key(line)
            if key not in seen:
                seen.add(key)
                unique.append(line)
        random.Random(options.seed).shuffle(unique)
        unique = unique[: options.max_lines]
        n_valid = round(len(unique) * options.valid_fraction)
        (out_dir / iso3).mkdir(parents=True, exist_ok=True)
        (out_dir / iso3 / "valid.txt").write_text("\n".join(unique[:n_valid]) + "\n", encoding="utf-8")
        (out_dir / iso3 / "train.txt").write_text("\n".join(unique[n_valid:]) + "\n", encoding="utf-8")
        kept_total += len(unique)
    return {"lines": kept_total}


def worker(kind: str, root: Path) -> None:
    """Run one implementation and print its time and peak memory as JSON."""
    start, cpu_start = time.perf_counter(), time.process_time()
    result = run_streaming(root) if kind == "stream" else run_naive(root)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    print(json.dumps({"seconds": elapsed, "cpu_seconds": cpu, "peak_mb": peak_mb, **result}))


def measure(kind: str, root: Path) -> dict[str, float]:
    """Run a worker in a fresh interpreter (own RSS)."""
    out = subprocess.run(
        [sys.executable, __file__, "--worker", kind, "--dir", str(root)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=300, help="size of the synthetic corpus in MB")
    parser.add_argument("--worker", choices=["stream", "naive"], help=argparse.SUPPRESS)
    parser.add_argument("--dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--keep", action="store_true", help="keep the generated corpus")
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.dir)
        return
    root = Path(tempfile.mkdtemp(prefix="xlt-bench-clean-"))
    try:
        start = time.perf_counter()
        size = generate(root, args.mb)
        print(f"generated {size / 1e6:.0f} MB in {time.perf_counter() - start:.0f} s under {root}")
        naive = measure("naive", root)
        stream = measure("stream", root)
        mb = size / 1e6
        # CPU seconds too: on a shared machine wall time is noisy, CPU time much less so.
        header = ("wall s", "MB/s", "CPU s", "MB/CPU-s", "peak RSS MB", "lines kept")
        print(f"{'':10} " + " ".join(f"{h:>{max(len(h), 7)}}" for h in header))
        for name, result in (("naive", naive), ("streaming", stream)):
            wall, cpu = result["seconds"], result["cpu_seconds"]
            print(
                f"{name:10} {wall:7.1f} {mb / wall:7.2f} {cpu:7.1f} {mb / cpu:8.2f} "
                f"{result['peak_mb']:11.0f} {result['lines']:10,}"
            )
        print(
            f"ratio streaming/naive: wall speed {naive['seconds'] / stream['seconds']:.2f}x, "
            f"CPU speed {naive['cpu_seconds'] / stream['cpu_seconds']:.2f}x, "
            f"peak memory {stream['peak_mb'] / naive['peak_mb']:.2f}x"
        )
        print(f"streaming tiers: {stream.get('tiers')}")
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
