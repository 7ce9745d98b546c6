"""PyTorch reference speed of the StefaLand forward pass (the mirror in tools/stefaland/model.py:
the δMG FineTuned model, dual-residual adapter, residual LSTM, one output), fp32 CPU,
torch.inference_mode, eval mode, random weights and inputs, in basin-days per second, at the
sizes `geomap-bench basin-model` uses (demo and released). Prints one line per configuration:
`pytorch <name>: ... best X s, median Y s, Z basin-days/s`.

  python3 tools/bench/stefaland_torch.py [--basins 16] [--days 365] [--threads 2] [--repeats 3]
      [--configurations demo released]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "stefaland"))
from model import FineTuned  # noqa: E402

# d, heads, encoder layers, feed-forward, dynamic and static variable counts (the same as
# BasinModelBenchmark.configuration in Sources/geomap-bench/BasinModel.swift).
CONFIGS = {
    "demo": dict(d=64, heads=4, enc_layers=2, d_ff=128, n_dynamic=5, n_static=6),
    "released": dict(d=256, heads=4, enc_layers=4, d_ff=512, n_dynamic=5, n_static=48),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--basins", type=int, default=16)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--configurations", nargs="+", default=["demo", "released"])
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(7)
    print(f"pytorch {torch.__version__}, {args.threads} threads, {args.basins} basins x "
          f"{args.days} days per batch, best of {args.repeats}")
    for name in args.configurations:
        c = CONFIGS[name]
        dynamic = [f"dynamic{i}" for i in range(c["n_dynamic"])]
        static = [f"static{i}" for i in range(c["n_static"])]
        model = FineTuned(dynamic, static, n_y=1, d=c["d"], heads=c["heads"],
                          enc_layers=c["enc_layers"], d_ff=c["d_ff"]).eval()
        x = torch.randn(args.basins, args.days, c["n_dynamic"])
        s = torch.randn(args.basins, c["n_static"])
        with torch.inference_mode():
            model(x, s)  # warm-up
            seconds = []
            for _ in range(max(1, args.repeats)):
                start = time.perf_counter()
                y = model(x, s)
                seconds.append(time.perf_counter() - start)
                assert torch.isfinite(y).all()
        best, median = min(seconds), statistics.median(seconds)
        rate = args.basins * args.days / best
        print(f"pytorch {name}: d {c['d']}, {c['enc_layers']} layers, F {c['n_dynamic']}, "
              f"C {c['n_static']}: best {best:.3f} s, median {median:.3f} s, "
              f"{rate:.0f} basin-days/s")


if __name__ == "__main__":
    main()
