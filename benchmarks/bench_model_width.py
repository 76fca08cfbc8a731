"""Benchmark a training step of the embedded `tiny` model against the twice as wide shape it replaced.

Times forward + backward + AdamW on the demo's batch (32 span-corrupted inputs of 64 tokens, 20 target
tokens, the 8,100-token vocabulary) for `tiny` (d_model 128, d_ff 512, 2 heads) and for the earlier
d_model 256, d_ff 1024, 4 heads, in the same process and thread count, and prints the ratio. Why the width
could go: `xlt.modeling.build.TINY_SIZES`.

    .venv/bin/python benchmarks/bench_model_width.py --threads 2

Measured on 2 idle cores (2026-12-02, AMD EPYC, fp32): 0.44-0.48 s against 1.18-1.21 s a step (2.55-2.7x).
"""

from __future__ import annotations

import argparse
import time


def step_seconds(sizes: dict[str, int], threads: int, steps: int) -> tuple[float, int]:
    """Mean seconds of a training step after two warm-up steps, and the parameter count."""
    import torch

    from xlt.modeling.build import build_tiny_model, n_parameters, tiny_config

    torch.set_num_threads(threads)
    model = build_tiny_model(tiny_config("tiny", 8100, **sizes))
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    generator = torch.Generator().manual_seed(0)
    inputs = torch.randint(200, 8000, (32, 64), generator=generator)
    labels = torch.randint(200, 8000, (32, 20), generator=generator)

    def step() -> None:
        model(input_ids=inputs, labels=labels).loss.backward()
        optimizer.step()
        optimizer.zero_grad()

    for _ in range(2):
        step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return (time.perf_counter() - start) / steps, n_parameters(model)


def main() -> None:
    from xlt.modeling.build import TINY_SIZES

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=5)
    args = parser.parse_args()
    wide = {"d_model": 256, "d_ff": 1024, "num_layers": 4, "num_decoder_layers": 4, "num_heads": 4}
    now, now_params = step_seconds(TINY_SIZES["tiny"], args.threads, args.steps)
    before, before_params = step_seconds(wide, args.threads, args.steps)
    print(f"tiny ({now_params / 1e6:.1f}M parameters): {now:.3f} s a step")
    print(f"d_model 256 ({before_params / 1e6:.1f}M parameters): {before:.3f} s a step")
    print(f"ratio: {before / now:.2f}x faster at {args.threads} threads")


if __name__ == "__main__":
    main()
