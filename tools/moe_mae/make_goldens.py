"""Golden fixtures for the Swift MoE-MAE encoder (Tests/Fixtures/moe-mae/).

Random weights with fixed seeds, synthetic tiles (the real BigEarthNet tiles are never copied into
the repository), deterministic fp32 CPU forward with routing on the clean gate logits.

Files written:
  s.weights.safetensors     S encoder weights, spec §4.3 names, shared V/W2 stored once
                            (under experts.0); used by the with- and without-metadata goldens.
  s.goldens.safetensors     inputs and expected outputs for S (2 tiles).
  xxs.upstream.pth          an XXS checkpoint in the UPSTREAM layout: {epoch, model_state (full
                            MAE state_dict with the encoder. prefix, the patch_embed alias and the
                            repeated V/W2), opt_state, scaler_state, best_train_loss}.
  xxs.goldens.safetensors   inputs and expected outputs for the XXS weights inside that checkpoint.
  xxs.unequal-v.pth         an upstream-layout XXS checkpoint whose tensors all alias one small
                            storage (so the file is tiny) except layers.4.moe.experts.2.V.weight,
                            which differs from experts.0's copy: import must refuse it.

Goldens tensors (B tiles, m channels, 105 tokens):
  raw [B,7,43,44] DN (uint16 values as float32), input [B,7,40,40] = z-score(centre crop),
  meta [B,8] (week, hour, lat, lon as [sin, cos]), meta.week/hour/lat/lon [B] (ISO week, hour
  code, degrees); for SUFFIX in (meta, nometa): tokens.SUFFIX [B,105,m] (pre-final-LN),
  cls.SUFFIX [B,m] (token 4), mean.SUFFIX [B,m] (mean of the 105 tokens),
  experts.SUFFIX [L,B*105,2] (top-2 expert ids per layer, as float32);
  head.multilabel.weight [19,m] / .bias [19] applied to mean.SUFFIX → multilabel.logits.SUFFIX,
  multilabel.probs.SUFFIX (sigmoid); head.multiclass.weight [10,m] / .bias applied to
  cls.SUFFIX → multiclass.logits.SUFFIX, multiclass.probs.SUFFIX (softmax).

Run: python3 tools/moe_mae/make_goldens.py   (CPU, a few seconds)
"""
from __future__ import annotations

import math
import os
import sys

import numpy as np
import torch
from safetensors.torch import save_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import BEN_MEAN, BEN_STD, CONFIGS, MoEEncoder, MoEMAE  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Fixtures", "moe-mae")
RAW_H, RAW_W = 43, 44  # crop offsets top 1, left 2

# Synthetic acquisitions: (ISO week, hour code, lat°, lon°), after spec §6.1's tiles.
PLACES = [(24, 1, 63.310729, 21.274977), (21, 9, 62.788909, 28.846203),
          (40, 0, 45.963462, 19.557103)]


def randomise(module: torch.nn.Module, gen: torch.Generator) -> None:
    """Non-trivial random weights: every tensor gets values (LayerNorm gains near 1, visible
    biases and positional embeddings, gate weights large enough to separate the experts)."""
    with torch.no_grad():
        for name, p in module.named_parameters():
            shape = p.shape
            if name.endswith("norm1.weight") or name.endswith("norm2.weight") or \
                    name.endswith("norm.weight"):
                p.copy_(1 + 0.2 * torch.randn(shape, generator=gen))
            elif name.endswith(".bias"):
                p.copy_(0.1 * torch.randn(shape, generator=gen))
            elif name in ("pos_embed", "cls_token"):
                p.copy_(0.5 * torch.randn(shape, generator=gen))
            elif "gate.W" in name:
                p.copy_(torch.randn(shape, generator=gen) * 3 / math.sqrt(shape[1]))
            else:
                fan_in = int(np.prod(shape[1:]))
                p.copy_(torch.randn(shape, generator=gen) / math.sqrt(fan_in))


def synthetic_tiles(count: int, gen: torch.Generator) -> torch.Tensor:
    """[count,7,43,44] uint16-valued DN with smooth structure; tile 1 has a fill-zero corner."""
    tiles = []
    for i in range(count):
        base = torch.randn(7, 6, 6, generator=gen)
        smooth = torch.nn.functional.interpolate(base[None], size=(RAW_H, RAW_W),
                                                 mode="bilinear", align_corners=False)[0]
        noise = 0.3 * torch.randn(7, RAW_H, RAW_W, generator=gen)
        dn = torch.tensor(BEN_MEAN)[:, None, None] + \
            0.6 * torch.tensor(BEN_STD)[:, None, None] * (smooth + noise)
        dn = dn.round().clamp(0, 65535)
        if i == 1:
            dn[:, :10, :12] = 0  # fill pixels: no masking, z ≈ −1.6 … −3.4
        tiles.append(dn)
    return torch.stack(tiles).float()


def preprocess(raw: torch.Tensor) -> torch.Tensor:
    """Centre crop with floor offsets, then z-score in float32 (spec §1.2)."""
    h, w = raw.shape[-2:]
    top, left = (h - 40) // 2, (w - 40) // 2
    crop = raw[..., top:top + 40, left:left + 40]
    mean = torch.tensor(BEN_MEAN, dtype=torch.float32)[:, None, None]
    std = torch.tensor(BEN_STD, dtype=torch.float32)[:, None, None]
    return (crop - mean) / std


def meta_vectors(places) -> torch.Tensor:
    rows = []
    for week, hour, lat, lon in places:
        angles = [week * 2 * math.pi / 52, hour * 2 * math.pi / 24,
                  math.radians(lat), math.radians(lon)]
        rows.append([f(a) for a in angles for f in (math.sin, math.cos)])
    return torch.tensor(rows, dtype=torch.float64).float()


def dedup_encoder_state(encoder: MoEEncoder) -> dict[str, torch.Tensor]:
    """Encoder state dict with the shared V/W2 kept only under experts.0."""
    out = {}
    for key, value in encoder.state_dict().items():
        parts = key.split(".")
        if "experts" in parts:
            j = parts.index("experts")
            if parts[j + 1] != "0" and parts[j + 2] in ("V", "W2"):
                continue
        out[key] = value.detach().clone().contiguous()
    return out


def run(encoder: MoEEncoder, x: torch.Tensor, meta: torch.Tensor | None):
    """Pre-LN tokens plus the clean top-2 expert ids and the smallest 2nd-3rd logit gap."""
    picks, gaps = [], []

    def hook(_module, _inputs, logits):
        top = torch.topk(logits, 3, dim=-1)
        picks.append(top.indices[:, :2].float())
        gaps.append((top.values[:, 1] - top.values[:, 2]).min().item())

    handles = [layer.moe.gate.Wg.register_forward_hook(hook) for layer in encoder.layers]
    with torch.no_grad():
        _, _, tokens = encoder(x, meta)
    for h in handles:
        h.remove()
    return tokens, torch.stack(picks), min(gaps)


def goldens(size: str, seed: int, tiles: int):
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    mae = MoEMAE(MoEEncoder(CONFIGS[size]))
    randomise(mae, gen)
    mae.eval()
    enc = mae.encoder
    m = enc.cfg.embed_dim
    raw = synthetic_tiles(tiles, gen)
    x = preprocess(raw)
    places = PLACES[:tiles]
    meta = meta_vectors(places)
    t = {"raw": raw, "input": x, "meta": meta,
         "meta.week": torch.tensor([p[0] for p in places], dtype=torch.float32),
         "meta.hour": torch.tensor([p[1] for p in places], dtype=torch.float32),
         "meta.lat": torch.tensor([p[2] for p in places], dtype=torch.float32),
         "meta.lon": torch.tensor([p[3] for p in places], dtype=torch.float32),
         "head.multilabel.weight": torch.randn(19, m, generator=gen) / math.sqrt(m),
         "head.multilabel.bias": 0.1 * torch.randn(19, generator=gen),
         "head.multiclass.weight": torch.randn(10, m, generator=gen) / math.sqrt(m),
         "head.multiclass.bias": 0.1 * torch.randn(10, generator=gen)}
    for suffix, mv in (("meta", meta), ("nometa", None)):
        tokens, picks, gap = run(enc, x, mv)
        print(f"{size} {suffix}: smallest gap between 2nd and 3rd gate logit {gap:.2e}")
        assert gap > 1e-4, "routing too close to a tie for a stable golden"
        cls, mean = tokens[:, 4], tokens.mean(dim=1)
        ml = mean @ t["head.multilabel.weight"].T + t["head.multilabel.bias"]
        mc = cls @ t["head.multiclass.weight"].T + t["head.multiclass.bias"]
        t.update({f"tokens.{suffix}": tokens, f"cls.{suffix}": cls, f"mean.{suffix}": mean,
                  f"experts.{suffix}": picks,
                  f"multilabel.logits.{suffix}": ml,
                  f"multilabel.probs.{suffix}": torch.sigmoid(ml),
                  f"multiclass.logits.{suffix}": mc,
                  f"multiclass.probs.{suffix}": torch.softmax(mc, dim=-1)})
    t = {k: v.detach().float().contiguous() for k, v in t.items()}
    info = {"architecture": f"moe-mae-{size.lower()}", "seed": str(seed),
            "dates": "2017-06-13T10:10:31Z;2018-05-25T09:40:30Z;2017-10-02T09:40:31Z",
            "made_by": "tools/moe_mae/make_goldens.py"}
    save_file(t, os.path.join(OUT, f"{size.lower()}.goldens.safetensors"), metadata=info)
    return mae


def upstream_checkpoint(mae: MoEMAE, path: str) -> None:
    opt = torch.optim.AdamW(mae.parameters(), lr=3e-4, weight_decay=0.05)
    scaler = {"scale": 65536.0, "growth_factor": 2.0, "backoff_factor": 0.5,
              "growth_interval": 2000, "_growth_tracker": 0}
    torch.save({"epoch": 499, "model_state": mae.state_dict(), "opt_state": opt.state_dict(),
                "scaler_state": scaler, "best_train_loss": 0.4242}, path)


def unequal_checkpoint(path: str) -> None:
    """Every tensor a view of one shared storage (tiny file); one V copy differs."""
    mae = MoEMAE(MoEEncoder(CONFIGS["XXS"]))
    state = mae.state_dict()
    biggest = max(v.numel() for v in state.values())
    base = torch.linspace(-1, 1, biggest)
    fake = {k: base[:v.numel()].view(v.shape) for k, v in state.items()}
    bad = "encoder.layers.4.moe.experts.2.V.weight"
    fake[bad] = fake[bad].clone() + 0.5
    torch.save({"epoch": 1, "model_state": fake, "opt_state": {"state": {}, "param_groups": []},
                "scaler_state": {}, "best_train_loss": 1.0}, path)


def main() -> None:
    os.makedirs(OUT, exist_ok=True)
    torch.set_num_threads(1)
    s = goldens("S", 1234, 2)
    save_file(dedup_encoder_state(s.encoder), os.path.join(OUT, "s.weights.safetensors"),
              metadata={"architecture": "moe-mae-s", "made_by": "tools/moe_mae/make_goldens.py"})
    xxs = goldens("XXS", 5678, 3)
    upstream_checkpoint(xxs, os.path.join(OUT, "xxs.upstream.pth"))
    unequal_checkpoint(os.path.join(OUT, "xxs.unequal-v.pth"))
    # Round trip: the upstream checkpoint loads strictly into the mirror.
    ck = torch.load(os.path.join(OUT, "xxs.upstream.pth"), weights_only=True)
    MoEMAE(MoEEncoder(CONFIGS["XXS"])).load_state_dict(ck["model_state"], strict=True)
    for name in sorted(os.listdir(OUT)):
        print(f"{os.path.getsize(os.path.join(OUT, name)):>10}  {name}")


if __name__ == "__main__":
    main()
