"""Benchmark xlt's typology (URIEL+ vectors cached in the workspace, all pairs by matrix products) against
URIEL+'s own `new_distance` called pair by pair, the way its README computes a distance.

250 languages drawn (seeded) from URIEL+'s 7,970, split 200 HR x 50 LR = 10,000 pairs, every distance kind.

* cold: a fresh process and an empty cache: import, load URIEL+ on a private folder, build the cache, compute;
* warm: a fresh process with the cache from the cold run (what every later `xlt analyze` pays);
* baseline: one process loads URIEL+ once, then calls `new_distance(kind, [hr, lr])` for a seeded sample of
  the pairs (default 100; all 10,000 would take hours on 2 cores) and projects its per-pair time to 10,000
  pairs. It also reports the largest difference between the two on the sampled pairs.

    .venv/bin/python benchmarks/bench_typology.py                 # about a minute on 2 cores
    .venv/bin/python benchmarks/bench_typology.py --sample 300    # a tighter baseline estimate
    .venv/bin/python benchmarks/bench_typology.py --databases GRAMBANK   # cold build with Grambank (minutes)
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any

CHILD = r"""
import json, sys, time
start = time.perf_counter()
from pathlib import Path
from xlt.analysis import typology, uriel
args = json.loads(sys.argv[1])
table, missing = typology.typology_distances(
    args["hr"], args["lr"], Path(args["cache"]), databases=args["databases"]
)
total = time.perf_counter() - start
again = time.perf_counter()
typology.typology_distances(args["hr"], args["lr"], Path(args["cache"]), databases=args["databases"])
print(json.dumps({"seconds": total, "in_process_repeat": time.perf_counter() - again,
                  "pairs": table.height, "missing": len(missing)}))
"""

BASELINE = r"""
import json, sys, tempfile, time
import numpy as np
from pathlib import Path
from xlt.analysis import typology, uriel
args = json.loads(sys.argv[1])
start = time.perf_counter()
with uriel._quiet_root_logger():
    u = uriel.load_urielplus(Path(tempfile.mkdtemp()))
    for name in args["databases"]:
        u.integrate_custom_databases(name)
loaded = time.perf_counter() - start
kinds = typology.available_kinds(uriel.load_vectors(Path(args["cache"]), args["databases"]))
values, calls = {}, 0
start = time.perf_counter()
with uriel._quiet_root_logger():
    for hr, lr in args["pairs"]:
        for kind in kinds:
            try:
                values[f"{hr}|{lr}|{kind}"] = float(u.new_distance(kind, [hr, lr]))
            except ValueError:  # no shared features: URIEL+ raises, xlt writes null
                values[f"{hr}|{lr}|{kind}"] = None
            calls += 1
print(json.dumps({"load": loaded, "seconds": time.perf_counter() - start, "calls": calls, "values": values}))
"""


def _child(code: str, payload: dict[str, Any]) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-c", code, json.dumps(payload)], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        sys.exit(f"child failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--hr", type=int, default=200)
    parser.add_argument("--lr", type=int, default=50)
    parser.add_argument("--sample", type=int, default=100, help="pairs the pair-by-pair baseline computes")
    parser.add_argument("--databases", nargs="*", default=[], help="URIEL+ databases to integrate")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    import numpy as np

    from xlt.analysis import typology, uriel

    # the languages are drawn from URIEL+'s own codes, read from the package's arrays
    with np.load(Path(str(resources.files("urielplus"))) / "database/original_uriel/features.npz") as db:
        codes = sorted(str(c) for c in db["langs"])
    rng = np.random.default_rng(args.seed)
    langs = rng.choice(codes, size=args.hr + args.lr, replace=False).tolist()
    hr, lr = langs[: args.hr], langs[args.hr :]
    pairs = [
        (hr[i], lr[j])
        for i, j in zip(
            rng.integers(0, len(hr), args.sample), rng.integers(0, len(lr), args.sample), strict=True
        )
    ]
    n_pairs = len(hr) * len(lr)

    with tempfile.TemporaryDirectory(prefix="bench-typology-") as tmp:
        payload = {"hr": hr, "lr": lr, "cache": tmp, "databases": args.databases}
        cold = _child(CHILD, payload)
        warm = _child(CHILD, payload)
        base = _child(BASELINE, {**payload, "pairs": pairs})
        vectors = uriel.load_vectors(Path(tmp), args.databases)
        table, _ = typology.typology_distances(
            sorted({a for a, _ in pairs}), sorted({b for _, b in pairs}), vectors=vectors
        )
        ours = {(r["hr_lang"], r["lr_lang"]): r for r in table.iter_rows(named=True)}
        cache_mb = sum(p.stat().st_size for p in uriel.cache_path(Path(tmp), args.databases).iterdir()) / 1e6

    diffs, disagree = [], 0
    for key, value in base["values"].items():
        a, b, kind = key.split("|")
        mine = ours[a, b][kind]
        if value is None or mine is None:
            disagree += (value is None) != (mine is None)
            continue
        diffs.append(abs(mine - value))
    per_pair = base["seconds"] / len(pairs)
    projected = base["load"] + per_pair * n_pairs
    kinds = base["calls"] // len(pairs)
    print(f"{len(langs)} languages, {len(hr)} HR x {len(lr)} LR = {n_pairs:,} pairs x {kinds} kinds")
    print(f"databases: {', '.join(args.databases) or 'none (URIEL arrays as URIEL+ ships them)'}")
    print(f"xlt cold (import + URIEL+ load + cache build + distances): {cold['seconds']:8.2f} s")
    print(f"xlt warm (import + memory-mapped cache + distances):       {warm['seconds']:8.2f} s")
    print(f"xlt warm, distances alone (second call in that process):   {warm['in_process_repeat']:8.3f} s")
    print(f"cache size: {cache_mb:.1f} MB")
    print(
        f"baseline: URIEL+ load {base['load']:.2f} s; new_distance {per_pair * 1000:.1f} ms per pair "
        f"({kinds} kinds, {len(pairs)} sampled pairs)"
    )
    print(f"baseline projected to {n_pairs:,} pairs: {projected:,.0f} s")
    print(f"ratio baseline / xlt cold: {projected / cold['seconds']:,.0f}x")
    print(f"ratio baseline / xlt warm: {projected / warm['seconds']:,.0f}x")
    print(
        f"agreement on the sample: max |xlt - URIEL+| = {max(diffs, default=0.0):.2e}, {len(diffs)} values "
        f"(URIEL+ rounds to 4 decimals); null in one only: {disagree} (xlt: no family -> no genetic distance)"
    )


if __name__ == "__main__":
    main()
