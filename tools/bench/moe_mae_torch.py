"""PyTorch reference throughput of the MoE-MAE encoder (the mirror in tools/moe_mae/model.py,
fp32 CPU, clean routing, torch.inference_mode), on the same tiles and weights as
`geomap-bench encoder`. Prints one line: `pytorch <size> threads T batch B: X tiles/s`.

  python3 tools/bench/moe_mae_torch.py --weights W.safetensors --tiles T.safetensors \
      [--size S] [--threads 2] [--batch 64] [--seconds 20]
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import torch
from safetensors.torch import load_file

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "moe_mae"))
from model import CONFIGS, MoEEncoder  # noqa: E402


def load_encoder(size: str, path: str) -> MoEEncoder:
    """Loads a de-duplicated state dict (shared V/W2 under experts.0 only) strictly; a model
    file's head (`head.*`) is skipped."""
    enc = MoEEncoder(CONFIGS[size])
    state = {k: v for k, v in load_file(path).items() if not k.startswith("head.")}
    full = dict(state)
    for key in enc.state_dict():
        if key not in full:
            parts = key.split(".")
            j = parts.index("experts")
            parts[j + 1] = "0"
            full[key] = state[".".join(parts)]
    enc.load_state_dict(full, strict=True)
    return enc.eval()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--weights", required=True)
    ap.add_argument("--tiles", required=True, help="safetensors with `input` [N,7,40,40], `meta` [N,8]")
    ap.add_argument("--size", default="S")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--seconds", type=float, default=20)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    enc = load_encoder(args.size, args.weights)
    tiles = load_file(args.tiles)
    x, meta = tiles["input"], tiles["meta"]
    n = x.shape[0]
    done, start, i = 0, None, 0
    with torch.inference_mode():
        enc(x[:args.batch], meta[:args.batch])  # warm-up
        start = time.perf_counter()
        while time.perf_counter() - start < args.seconds:
            lo = (i * args.batch) % n
            idx = torch.arange(lo, lo + args.batch) % n
            enc(x[idx], meta[idx])
            done += args.batch
            i += 1
    rate = done / (time.perf_counter() - start)
    print(f"pytorch {args.size} threads {args.threads} batch {args.batch}: {rate:.1f} tiles/s "
          f"({done} tiles)")


if __name__ == "__main__":
    main()
