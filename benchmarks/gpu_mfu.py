"""Model FLOP utilisation of mt5-base-sized span-corruption training in bf16 on one GPU.

The model is randomly initialised from an MT5Config with mt5-base's sizes (written below; no hub access),
trained with bf16 autocast and fused AdamW on span-corrupted shapes (input 512 -> 114 target tokens by
T5's formula, as in mT5's pretraining). MFU = training FLOP/s (6·params·tokens per encoder / decoder /
LM head + attention, :mod:`xlt.training.flops`) / the GPU's dense bf16 peak (from the device name, or
--peak-tflops). A measured square-matmul rate is printed next to it as the achievable ceiling.

    python benchmarks/gpu_mfu.py                      # on a GPU
    python benchmarks/gpu_mfu.py --compile            # with torch.compile
    python benchmarks/gpu_mfu.py --smoke              # tiny sizes on the CPU: checks the script runs
"""

from __future__ import annotations

import argparse
import time

import torch

from xlt.spans import compute_lengths
from xlt.training.flops import matmul_peak_flops, train_step_flops

# google/mt5-base config.json (Xue et al. 2021): 580M parameters, most of them in the 250k vocabulary.
MT5_BASE = {
    "vocab_size": 250_112,
    "d_model": 768,
    "d_kv": 64,
    "d_ff": 2048,
    "num_layers": 12,
    "num_decoder_layers": 12,
    "num_heads": 12,
    "feed_forward_proj": "gated-gelu",
    "relative_attention_num_buckets": 32,
    "relative_attention_max_distance": 128,
    "dropout_rate": 0.0,
}
SMOKE = {**MT5_BASE, "vocab_size": 1100, "d_model": 64, "d_ff": 128, "num_layers": 2, "num_decoder_layers": 2}
SMOKE.update(num_heads=2, d_kv=32)

# Dense (no sparsity) bf16 tensor-core peaks, TFLOP/s, from NVIDIA's data sheets.
PEAK_TFLOPS = {
    "H200": 989.0,
    "H100 SXM": 989.0,
    "H100 80GB HBM3": 989.0,
    "H100 NVL": 835.0,
    "H100 PCIe": 756.0,
    "H100": 756.0,  # unknown H100 variant: the conservative PCIe figure
    "A100": 312.0,
    "L40S": 362.0,
    "L4": 121.0,
    "A10": 125.0,
}


def detect_peak(name: str) -> float | None:
    """The bf16 dense peak of a device name, longest matching key first."""
    for key in sorted(PEAK_TFLOPS, key=len, reverse=True):
        if key.lower() in name.lower():
            return PEAK_TFLOPS[key] * 1e12
    return None


def build(sizes: dict, device: str) -> torch.nn.Module:
    """A randomly initialised MT5ForConditionalGeneration with an untied head (as mT5)."""
    from transformers import MT5Config, MT5ForConditionalGeneration

    model = MT5ForConditionalGeneration(MT5Config(**sizes))
    head = torch.empty(sizes["vocab_size"], sizes["d_model"]).normal_(0.0, sizes["d_model"] ** -0.5)
    model.lm_head.weight = torch.nn.Parameter(head)
    return model.to(device).train()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--input-length", type=int, default=512)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--peak-tflops", type=float, default=None, help="dense bf16 peak of the device")
    parser.add_argument("--compile", action="store_true", help="torch.compile the model")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, CPU allowed, 3 steps")
    args = parser.parse_args()

    device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cpu" and not args.smoke:
        raise SystemExit("no GPU: run on a GPU machine, or use --smoke to check the script on a CPU")
    sizes = SMOKE if args.smoke else MT5_BASE
    if args.smoke:
        args.batch, args.input_length, args.steps, args.warmup = 4, 64, 3, 1
    name = torch.cuda.get_device_name() if device == "cuda" else "cpu"
    torch.backends.cuda.matmul.allow_tf32 = True

    model = build(sizes, device)
    _, target_length = compute_lengths(args.input_length)
    flops = train_step_flops(model, args.batch, args.input_length, target_length)
    params = sum(p.numel() for p in model.parameters())
    step_model = torch.compile(model) if args.compile else model
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, fused=device == "cuda")
    generator = torch.Generator(device="cpu").manual_seed(0)
    batch = {
        "input_ids": torch.randint(
            3, sizes["vocab_size"] - 100, (args.batch, args.input_length), generator=generator
        ),
        "labels": torch.randint(3, sizes["vocab_size"], (args.batch, target_length), generator=generator),
    }
    batch = {k: v.to(device) for k, v in batch.items()}

    def step() -> None:
        with torch.autocast(device, dtype=torch.bfloat16):
            loss = step_model(**batch).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    def sync() -> None:
        if device == "cuda":
            torch.cuda.synchronize()

    for _ in range(args.warmup):
        step()
    sync()
    start = time.perf_counter()
    for _ in range(args.steps):
        step()
    sync()
    seconds = (time.perf_counter() - start) / args.steps

    achieved = flops.total / seconds
    peak = args.peak_tflops * 1e12 if args.peak_tflops else detect_peak(name)
    measured = matmul_peak_flops(torch.bfloat16, n=8192 if device == "cuda" else 512, device=device)
    kind = "smoke sizes" if args.smoke else "mt5-base"
    print(f"device: {name}; model: {params / 1e6:,.0f}M parameters ({kind})")
    print(f"batch {args.batch} × input {args.input_length} + {target_length} targets, bf16 autocast")
    print(f"step {seconds * 1e3:,.1f} ms, {args.batch * args.input_length / seconds:,.0f} input tokens/s")
    print(f"training FLOP/s {achieved / 1e12:,.2f} T (per step {flops.total / 1e12:,.3f} TFLOP)")
    print(f"square bf16 matmul: {measured / 1e12:,.2f} TFLOP/s -> {achieved / measured:.1%} of it")
    if peak:
        print(f"MFU: {achieved / peak:.1%} of the dense bf16 peak {peak / 1e12:,.0f} TFLOP/s")
    else:
        print("MFU: unknown device peak; pass --peak-tflops")


if __name__ == "__main__":
    main()
