"""The MoE-MAE S encoder on the CPU runtimes a user would pick instead of geomap, on the same
tiles and weights (issue 19): PyTorch eager (the tools/moe_mae mirror), ONNX Runtime (fp32 and
dynamic int8) and OpenVINO (f32 and bf16, the precision hint set explicitly) on an ONNX export
(opset 18, dynamic batch) of the model file geomap runs. tools/bench/peers.sh drives it.

  peers.py prepare --model M.safetensors --mosaic MOSAIC.tif --work DIR
      z-scored tiles of the mosaic for `geomap-bench encoder` (DIR/tiles.safetensors) and the
      ONNX exports (DIR/encoder.onnx, DIR/encoder.int8.onnx).
  peers.py bench --model M --mosaic MOSAIC.tif --work DIR [--threads 2] [--batch 64]
      [--passes 3] [--runtimes ...]
      per runtime, PASSES passes over every tile of the mosaic; one pass = read the mosaic
      (tifffile, DEFLATE decoded), cut the 40x40 tiles, z-score (the "e2e" part), then the
      encoder over all tiles in batches (the "encoder" part). Rates and accuracy (first pass,
      against PyTorch eager fp32) go to DIR/python.json.
  peers.py report --model M --work DIR --geomap geomap.tsv
      one markdown table of everything: the Python runtimes and geomap's own lines (timings
      measured by peers.sh; accuracy read from geomap's embeddings and probability rasters).

Tiles: the mosaic's 40x40 tiles at stride 40 in row-major order, no metadata (as
`geomap predict --no-metadata`: the four metadata tokens are their projections' biases).
Accuracy: max |difference| of the pre-LayerNorm tokens (geomap: of the mean-pooled embedding),
the smallest cosine of the mean-pooled embeddings (the head's input), max |Δp| of the head's
probabilities and the share of tiles with the same top class, all against PyTorch eager fp32.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from safetensors import safe_open
from safetensors.torch import save_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from moe_mae_torch import load_encoder  # noqa: E402

TILE = 40
RUNTIMES = ["pytorch", "onnxruntime", "onnxruntime-int8", "openvino-f32", "openvino-bf16"]
LABELS = {
    "pytorch": ("PyTorch eager", "fp32"),
    "onnxruntime": ("ONNX Runtime", "fp32"),
    "onnxruntime-int8": ("ONNX Runtime, dynamic quantisation", "int8"),
    "openvino-f32": ("OpenVINO", "f32"),
    "openvino-bf16": ("OpenVINO", "bf16"),
}


def model_spec(path: str):
    """(z-score mean [7], std [7] as float32, head weight [K, m], head bias [K], task)."""
    with safe_open(path, "np") as f:
        manifest = json.loads(f.metadata()["geomap"])
        head = (f.get_tensor("head.weight"), f.get_tensor("head.bias")) \
            if "head.weight" in f.keys() else (None, None)
    bands = [v for v in manifest["input"]["variables"] if v.get("role", "band") == "band"]
    mean = np.array([b["mean"] for b in bands], dtype=np.float32)
    std = np.array([b["std"] for b in bands], dtype=np.float32)
    return mean, std, head[0], head[1], manifest["output"].get("task", "multi-label")


def read_tiles(mosaic: str, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    """The mosaic's 40x40 tiles (stride 40, row-major), z-scored: [N, 7, 40, 40] float32."""
    import tifffile

    raw = tifffile.imread(mosaic)
    if raw.ndim == 3 and raw.shape[-1] == len(mean):  # pixel-interleaved (H, W, C)
        raw = np.moveaxis(raw, -1, 0)
    bands, height, width = raw.shape
    if bands != len(mean) or height % TILE or width % TILE:
        sys.exit(f"peers.py: {mosaic}: expected {len(mean)} bands and sides that are "
                 f"multiples of {TILE}, got {raw.shape}")
    rows, cols = height // TILE, width // TILE
    tiles = raw.reshape(bands, rows, TILE, cols, TILE).transpose(1, 3, 0, 2, 4)
    tiles = tiles.reshape(rows * cols, bands, TILE, TILE).astype(np.float32)
    tiles -= mean[None, :, None, None]
    tiles /= std[None, :, None, None]
    return tiles


class DenseExperts(torch.nn.Module):
    """The encoder for export: the same arithmetic as the mirror with every expert of a layer
    computed for every token as one product and weighted by the (mostly zero) top-2 gates,
    and the shared V/W2 applied once to the gate-weighted sum of SiLU(W_e z) — exact because
    the two gates sum to 1. Data-independent shapes, so ONNX runtimes fuse it freely. No
    metadata (the four metadata tokens are their projections' biases). x [B, 7, 40, 40] →
    pre-LayerNorm tokens [B, 105, m]."""

    def __init__(self, enc):
        super().__init__()
        self.enc = enc
        with torch.no_grad():
            meta = enc.meta_tokens(None, 1)  # [1, 4, m]
            self.register_buffer("head_tokens", torch.cat([meta, enc.cls_token], 1))
        self.stacked = []
        for i, layer in enumerate(enc.layers):
            w = torch.cat([e.W.weight for e in layer.moe.experts], 0).detach()
            b = torch.cat([e.W.bias for e in layer.moe.experts], 0).detach()
            self.register_buffer(f"w{i}", w)
            self.register_buffer(f"b{i}", b)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        enc = self.enc
        b = x.shape[0]
        patches = enc.patch_proj(x).flatten(2).transpose(1, 2)
        t = torch.cat([self.head_tokens.expand(b, -1, -1), patches], 1) + enc.pos_embed
        for i, layer in enumerate(enc.layers):
            t = t + layer.attn(layer.norm1(t))
            z = layer.norm2(t)
            moe = layer.moe
            logits = moe.gate.Wg(z)
            top_vals, top_idx = torch.topk(logits, 2, dim=-1)
            gates = torch.zeros_like(logits).scatter(-1, top_idx, torch.softmax(top_vals, -1))
            experts = len(moe.experts)
            h = F.silu(F.linear(z, getattr(self, f"w{i}"), getattr(self, f"b{i}")))
            h = h.unflatten(-1, (experts, -1))
            mix = (h * gates.unsqueeze(-1)).sum(-2)
            shared = moe.experts[0]
            t = t + shared.W2(mix * shared.V(z))
        return t


def export_onnx(enc, path: str) -> None:
    model = DenseExperts(enc).eval()
    example = torch.zeros(2, 7, TILE, TILE)
    with torch.inference_mode():
        try:  # the TorchScript exporter: one self-contained file
            torch.onnx.export(model, (example,), path, opset_version=18, input_names=["x"],
                              output_names=["tokens"], dynamo=False,
                              dynamic_axes={"x": {0: "batch"}, "tokens": {0: "batch"}})
        except Exception as error:  # noqa: BLE001 - fall back to the dynamo exporter
            print(f"peers.py: TorchScript export failed ({error}); using dynamo", file=sys.stderr)
            batch = torch.export.Dim("batch", min=1, max=4096)
            torch.onnx.export(model, (example,), path, opset_version=18, input_names=["x"],
                              output_names=["tokens"], dynamo=True, external_data=False,
                              dynamic_shapes=({0: batch},))


def prepare(args) -> None:
    os.makedirs(args.work, exist_ok=True)
    mean, std, *_ = model_spec(args.model)
    tiles = read_tiles(args.mosaic, mean, std)
    save_file({"input": torch.from_numpy(tiles).contiguous(),
               "meta": torch.zeros(tiles.shape[0], 8)},
              os.path.join(args.work, "tiles.safetensors"))
    enc = load_encoder("S", args.model)
    onnx_path = os.path.join(args.work, "encoder.onnx")
    export_onnx(enc, onnx_path)
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(onnx_path, os.path.join(args.work, "encoder.int8.onnx"),
                     weight_type=QuantType.QInt8)
    print(f"peers.py: {tiles.shape[0]} tiles, ONNX opset 18 (dynamic batch) in {args.work}",
          file=sys.stderr)


def make_runner(name: str, args):
    """A function [b, 7, 40, 40] float32 array → [b, 105, m] float32 array, single process,
    `args.threads` threads."""
    onnx_path = os.path.join(args.work, "encoder.onnx")
    if name == "pytorch":
        torch.set_num_threads(args.threads)
        enc = load_encoder("S", args.model)

        def run(x):
            with torch.inference_mode():
                return enc(torch.from_numpy(x))[2].numpy()
        return run
    if name.startswith("onnxruntime"):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = args.threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        path = onnx_path if name == "onnxruntime" else \
            os.path.join(args.work, "encoder.int8.onnx")
        session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
        return lambda x: session.run(None, {"x": x})[0]
    if name.startswith("openvino"):
        import openvino as ov

        core = ov.Core()
        precision = {"f32": ov.Type.f32, "bf16": ov.Type.bf16}[name.split("-")[1]]
        model = core.read_model(onnx_path)
        # A static batch (what a user tuning OpenVINO would do); the last batch is padded.
        model.reshape([args.batch, 7, TILE, TILE])
        compiled = core.compile_model(model, "CPU", {
            "INFERENCE_PRECISION_HINT": precision,
            "INFERENCE_NUM_THREADS": args.threads,
            "NUM_STREAMS": 1,
            "PERFORMANCE_HINT": "LATENCY",
        })
        got = compiled.get_property("INFERENCE_PRECISION_HINT")
        if got != precision:
            sys.exit(f"peers.py: OpenVINO compiled with precision {got}, asked {precision}")
        run_graph[name] = runtime_graph(compiled)
        request = compiled.create_infer_request()

        def run(x):
            n = len(x)
            if n < args.batch:
                x = np.concatenate([x, np.zeros((args.batch - n,) + x.shape[1:], x.dtype)])
            request.infer({0: x})
            return request.get_output_tensor(0).data[:n].copy()
        return run
    raise ValueError(name)


run_graph: dict = {}


def runtime_graph(compiled) -> dict:
    """What OpenVINO's CPU plugin made of the graph: counts of (layer type, primitive,
    precision) in the compiled (runtime) model."""
    counts: dict = {}
    for op in compiled.get_runtime_model().get_ops():
        info = op.get_rt_info()

        def get(key):
            return str(info[key].astype(str)) if key in info else "?"
        key = f"{get('layerType')} {get('primitiveType')} {get('runtimePrecision')}"
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))


def head_probabilities(pooled: np.ndarray, weight, bias, task: str) -> np.ndarray:
    logits = pooled.astype(np.float64) @ weight.T.astype(np.float64) + bias
    if task == "multi-class":
        logits -= logits.max(1, keepdims=True)
        e = np.exp(logits)
        return e / e.sum(1, keepdims=True)
    return 1 / (1 + np.exp(-logits))


def accuracy(pooled, reference_pooled, probabilities, reference_probabilities,
             tokens_diff=None) -> dict:
    """Agreement with PyTorch fp32: cosines of the mean-pooled embeddings, max |Δp|, top class."""
    a, b = pooled.astype(np.float64), reference_pooled.astype(np.float64)
    cos = (a * b).sum(1) / np.maximum(np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1),
                                      1e-30)
    dp = np.abs(probabilities - reference_probabilities).max(1)
    same = probabilities.argmax(1) == reference_probabilities.argmax(1)
    return {
        "max_abs_tokens": tokens_diff,
        "max_abs_pooled": float(np.abs(a - b).max()),
        "cosine_min": float(cos.min()),
        "cosine_median": float(np.median(cos)),
        "max_dp": float(dp.max()),
        "median_dp": float(np.median(dp)),
        "over_001": int((dp > 0.01).sum()),
        "same_top": float(same.mean()),
        "tiles": int(len(cos)),
    }


def bench(args) -> None:
    mean, std, head_w, head_b, task = model_spec(args.model)
    results = {"threads": args.threads, "batch": args.batch, "passes": args.passes,
               "versions": versions(), "runtimes": {}}
    reference = None  # (tokens, pooled, probabilities) of PyTorch eager fp32, first pass
    runtimes = args.runtimes.split(",")
    if runtimes[0] != "pytorch":
        sys.exit("peers.py: the first runtime must be pytorch (the accuracy reference)")
    for name in runtimes:
        runner = make_runner(name, args)
        warm = read_tiles(args.mosaic, mean, std)[:args.batch]
        runner(warm)  # warm-up (OpenVINO and ONNX Runtime compile on first use)
        passes = []
        outputs = None
        for p in range(args.passes):
            start = time.perf_counter()
            tiles = read_tiles(args.mosaic, mean, std)
            read = time.perf_counter() - start
            n = tiles.shape[0]
            pooled = np.empty((n, 144), dtype=np.float32)
            worst = 0.0
            tokens_all = [] if (p == 0 and name == "pytorch") else None
            encode = 0.0
            for lo in range(0, n, args.batch):
                x = np.ascontiguousarray(tiles[lo:lo + args.batch])
                t0 = time.perf_counter()
                y = runner(x)
                encode += time.perf_counter() - t0
                if p == 0:
                    pooled[lo:lo + len(x)] = y.mean(1)
                    if tokens_all is not None:
                        tokens_all.append(y.copy())
                    elif reference is not None:
                        worst = max(worst, float(np.abs(y - reference[0][lo:lo + len(x)]).max()))
            passes.append((n / encode, n / (read + encode), read))
            if p == 0:
                outputs = (pooled, worst, tokens_all)
        pooled, worst, tokens_all = outputs
        probabilities = head_probabilities(pooled, head_w, head_b, task)
        if name == "pytorch":
            reference = (np.concatenate(tokens_all), pooled, probabilities)
            np.savez(os.path.join(args.work, "reference.npz"), pooled=pooled,
                     probabilities=probabilities)
        enc_rates = [r[0] for r in passes]
        e2e_rates = [r[1] for r in passes]
        results["runtimes"][name] = {
            "tiles": n,
            "encoder_best": max(enc_rates), "encoder_median": statistics.median(enc_rates),
            "e2e_best": max(e2e_rates), "e2e_median": statistics.median(e2e_rates),
            "read_seconds": min(r[2] for r in passes),
            "accuracy": accuracy(pooled, reference[1], probabilities, reference[2],
                                 tokens_diff=worst),
        }
        r = results["runtimes"][name]
        print(f"{name}: encoder {r['encoder_best']:.1f} (median {r['encoder_median']:.1f}) "
              f"tiles/s, e2e {r['e2e_best']:.1f} ({r['e2e_median']:.1f}), max |Δtokens| "
              f"{worst:.2e}, pooled cosine min {r['accuracy']['cosine_min']:.6f}",
              file=sys.stderr, flush=True)
        del runner
    results["openvino_graph"] = run_graph
    with open(os.path.join(args.work, "python.json"), "w") as f:
        json.dump(results, f, indent=1)


def versions() -> dict:
    out = {"torch": torch.__version__, "numpy": np.__version__}
    for module in ("onnxruntime", "openvino", "onnx", "tifffile"):
        try:
            out[module] = __import__(module).__version__
        except Exception:  # noqa: BLE001
            out[module] = "absent"
    try:
        import openvino as ov

        out["openvino_cpu_capabilities"] = \
            list(ov.Core().get_property("CPU", "OPTIMIZATION_CAPABILITIES"))
    except Exception as error:  # noqa: BLE001
        out["openvino_cpu_capabilities"] = [f"unknown: {error}"]
    return out


def read_raster(path: str) -> np.ndarray:
    """A geomap output raster as [pixels, bands] float32 (full resolution), through GDAL's
    command-line tools (raw band-sequential ENVI), so any compression or predictor reads."""
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        raw = os.path.join(tmp, "raster.bin")
        subprocess.run(["gdal_translate", "-q", "-of", "ENVI", "-ot", "Float32", path, raw],
                       check=True)
        header = open(raw[:-4] + ".hdr").read()
        field = {k.strip(): v.strip() for k, v in
                 (line.split("=", 1) for line in header.splitlines() if "=" in line)}
        bands, lines = int(field["bands"]), int(field["lines"])
        data = np.fromfile(raw, dtype=np.float32)
    interleave = field.get("interleave", "bsq").lower()
    if interleave == "bip":
        return data.reshape(-1, bands)
    if interleave == "bil":
        return data.reshape(lines, bands, -1).transpose(0, 2, 1).reshape(-1, bands)
    return data.reshape(bands, -1).T


def report(args) -> None:
    _, _, head_w, head_b, task = model_spec(args.model)
    with open(os.path.join(args.work, "python.json")) as f:
        results = json.load(f)
    ref = np.load(os.path.join(args.work, "reference.npz"))
    rows = []
    for name, r in results["runtimes"].items():
        label, precision = LABELS[name]
        a = r["accuracy"]
        rows.append((f"{label}, batch {results['batch']}", precision,
                     f"{r['encoder_best']:.0f} / {r['encoder_median']:.0f}",
                     f"{r['e2e_best']:.0f} / {r['e2e_median']:.0f}",
                     "reference" if name == "pytorch" else fmt_accuracy(a)))
    geomap = {}
    with open(args.geomap) as f:
        for line in f:
            kind, precision, best, median = line.split()[:4]
            geomap[(kind, precision)] = (float(best), float(median))
    for precision in ("fp32", "bf16"):
        enc = geomap.get(("encoder", precision))
        pred = geomap.get(("predict", precision))
        emb = geomap.get(("embed", precision))
        a = None
        embeddings = os.path.join(args.work, f"embed-{precision}.tif")
        probabilities = os.path.join(args.work, f"predict-{precision}",
                                     "mosaic.probabilities.tif")
        if os.path.exists(embeddings) and os.path.exists(probabilities):
            pooled = read_raster(embeddings)
            prob = read_raster(probabilities)
            a = accuracy(pooled, ref["pooled"], prob, ref["probabilities"])
        rate = (lambda v: f"{v[0]:.0f} / {v[1]:.0f}" if v else "—")
        rows.append(("geomap-bench encoder (demo model), batch 256", precision, rate(enc), "—",
                     ""))
        rows.append(("geomap predict --float / embed --pool mean (whole processes)", precision,
                     "—", f"{rate(pred)} / {rate(emb)}",
                     "" if a is None else fmt_accuracy(a)))
    print("| runtime | precision | tiles/s encoder (best / median) | tiles/s e2e (best / median)"
          " | accuracy vs PyTorch fp32 |")
    print("|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    for name, counts in results.get("openvino_graph", {}).items():
        print(f"\n{name} compiled graph (layer primitive precision: count): "
              + "; ".join(f"{k}: {v}" for k, v in counts.items()))
    v = results["versions"]
    print(f"\nversions: torch {v['torch']}, onnxruntime {v['onnxruntime']}, openvino "
          f"{v['openvino']} (CPU capabilities {', '.join(v['openvino_cpu_capabilities'])}), "
          f"{results['threads']} threads, {results['passes']} passes")


def fmt_accuracy(a: dict) -> str:
    tokens = "" if a.get("max_abs_tokens") is None else f"max \\|Δtokens\\| {a['max_abs_tokens']:.1e}, "
    return (f"{tokens}max \\|Δpooled\\| {a['max_abs_pooled']:.1e}, cosine ≥ {a['cosine_min']:.6f}, "
            f"max \\|Δp\\| {a['max_dp']:.4f} ({a['over_001']} > 0.01), "
            f"same top {100 * a['same_top']:.2f} %")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("step", choices=["prepare", "bench", "report"])
    ap.add_argument("--model", required=True)
    ap.add_argument("--mosaic")
    ap.add_argument("--work", required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--passes", type=int, default=3)
    ap.add_argument("--runtimes", default=",".join(RUNTIMES))
    ap.add_argument("--geomap", help="geomap timings: lines `KIND PRECISION BEST MEDIAN`")
    args = ap.parse_args()
    {"prepare": prepare, "bench": bench, "report": report}[args.step](args)


if __name__ == "__main__":
    main()
