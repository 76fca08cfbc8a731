"""Training throughput of the embedded models on this CPU, and their FLOP rate against a measured peak.

For the tiny and small configs, fp32 and bf16 autocast: input tokens/s of full training steps (forward,
backward, AdamW) on span-corrupted shapes, and model FLOP utilisation (MFU) = achieved training FLOP/s
(:func:`xlt.training.flops.train_step_flops`: 6·params·tokens per encoder/decoder/LM head, plus attention)
divided by torch's own large square matmul rate in the same dtype on the same cores, measured in the
same run. Then a torch.profiler table of the small bf16 step shows where the time goes.

    python benchmarks/bench_train_throughput.py            # tiny + small, fp32 + bf16, profile
    python benchmarks/bench_train_throughput.py --quick    # fewer steps, no profile

Numbers on a busy shared machine are low and noisy; compare ratios measured in one run.
"""

from __future__ import annotations

import argparse
import time

import torch

from xlt.modeling.build import build_tiny_model, n_parameters, tiny_config
from xlt.spans import compute_lengths
from xlt.training.flops import matmul_peak_flops, train_step_flops

VOCAB = 8100  # the workspace tokenizer: 8,000 pieces + 100 sentinels


def make_batch(batch: int, input_length: int) -> dict[str, torch.Tensor]:
    """Random ids of span-corrupted shapes (inputs_length, targets_length from T5's formula)."""
    _, target_length = compute_lengths(input_length)
    generator = torch.Generator().manual_seed(0)
    return {
        "input_ids": torch.randint(3, VOCAB - 100, (batch, input_length), generator=generator),
        "attention_mask": torch.ones(batch, input_length, dtype=torch.long),
        "labels": torch.randint(3, VOCAB, (batch, target_length), generator=generator),
    }


def train_steps(model: torch.nn.Module, batch: dict[str, torch.Tensor], steps: int, bf16: bool) -> float:
    """Seconds per training step (median of `steps` after 2 warm-up steps)."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, fused=True)  # as the training loop
    times = []
    for i in range(steps + 2):
        start = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            loss = model(**batch).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        if i >= 2:
            times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def profile_step(model: torch.nn.Module, batch: dict[str, torch.Tensor], top: int) -> None:
    """Top ops of one bf16 training step by self CPU time."""
    from torch.profiler import ProfilerActivity, profile

    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, fused=True)
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(2):
            with torch.autocast("cpu", dtype=torch.bfloat16):
                loss = model(**batch).loss
            loss.backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
    print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=top))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--input-length", type=int, default=64)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--sizes", default="tiny,small")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    parser.add_argument("--quick", action="store_true", help="2 steps, no profile")
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    steps = 2 if args.quick else args.steps
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    peaks = {
        "fp32": matmul_peak_flops(torch.float32, n=1024 if args.quick else 2048),
        "bf16": matmul_peak_flops(torch.bfloat16, n=1024 if args.quick else 2048),
    }
    for name, peak in peaks.items():
        print(f"matmul peak {name}: {peak / 1e9:,.1f} GFLOP/s (square matmul, same cores, this run)")
    batch = make_batch(args.batch, args.input_length)
    target_length = batch["labels"].shape[1]
    print(f"batch {args.batch} × input {args.input_length} (+ {target_length} target tokens)\n")
    print(f"{'config':<7} {'params':>7} {'dtype':<5} {'s/step':>7} {'in tok/s':>9} {'GFLOP/s':>8} {'MFU':>6}")
    for size in args.sizes.split(","):
        model = build_tiny_model(tiny_config(size, VOCAB), seed=0)  # type: ignore[arg-type]
        model.train()
        flops = train_step_flops(model, args.batch, args.input_length, target_length)
        for dtype in ("fp32", "bf16"):
            seconds = train_steps(model, batch, steps, bf16=dtype == "bf16")
            rate = flops.total / seconds
            print(
                f"{size:<7} {n_parameters(model) / 1e6:>6.1f}M {dtype:<5} {seconds:>7.3f} "
                f"{args.batch * args.input_length / seconds:>9,.0f} {rate / 1e9:>8,.1f} "
                f"{rate / peaks[dtype]:>6.1%}"
            )
        share = {k: v / flops.total for k, v in vars(flops).items()}
        print("        FLOPs per step: " + ", ".join(f"{k} {v:.0%}" for k, v in share.items()))
    if not args.quick:
        print("\nwhere the time goes (small, bf16, 2 steps):")
        model = build_tiny_model(tiny_config("small", VOCAB), seed=0)
        profile_step(model, batch, args.top)


if __name__ == "__main__":
    main()
