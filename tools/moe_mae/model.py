"""PyTorch mirror of the Geo MoE-MAE encoder and its MAE decoder, written from
`../shared/docs/reference/moe-mae.md` (sections 2 and 4). Module and parameter names follow the
upstream state_dict keys (spec §4.3), so an upstream checkpoint's `model_state` loads into
`MoEMAE` with strict=True, and its `encoder.`-stripped keys load into `MoEEncoder`.

Inference is deterministic: the gate routes on the CLEAN logits (spec §2.4). The noisy gate is
used only when `noisy=True` is passed (pretraining), together with the auxiliary
load-balancing loss.

Token order: [week, hour, lat, lon, CLS, 100 patches in row-major order]; pos_embed is added to
all 105 tokens. The embedding is the residual stream before the final LayerNorm.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass(frozen=True)
class Config:
    """One encoder configuration with explicit per-layer lists (spec §2.1)."""

    name: str
    embed_dim: int
    heads: int
    groups: int
    hidden: list[int] = field(default_factory=list)  # dh per layer
    experts: list[int] = field(default_factory=list)  # E per layer
    img_size: int = 40
    patch_size: int = 4
    in_chans: int = 7
    top_k: int = 2

    @property
    def depth(self) -> int:
        return len(self.hidden)

    @property
    def head_dim(self) -> int:
        return self.embed_dim // self.heads

    @property
    def grid(self) -> int:
        return self.img_size // self.patch_size

    @property
    def tokens(self) -> int:
        return 4 + 1 + self.grid * self.grid


CONFIGS = {
    "S": Config("S", 144, 8, 4,
                [144, 138, 133, 128, 123, 118, 113, 108, 102, 97, 92, 87, 82, 77, 72],
                [3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5]),
    "XS": Config("XS", 128, 8, 4,
                 [96, 90, 84, 78, 72, 66, 61, 55, 49, 43, 37, 32],
                 [3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5]),
    "XXS": Config("XXS", 108, 6, 3,
                  [81, 74, 67, 60, 54, 47, 40, 33, 27],
                  [3, 3, 3, 4, 4, 4, 5, 5, 5]),
}

# Spec §2.7: unique encoder parameters and MAE totals.
PARAMETER_COUNTS = {
    "S": (2_366_798, 2_537_562),
    "XS": (1_209_996, 1_379_032),
    "XXS": (657_817, 824_693),
}

# BigEarthNet-L constants (spec §1.2), the repo literals; torch casts them to float32.
BAND_NAMES = ["SR_B1", "SR_B2", "SR_B3", "SR_B4", "SR_B5", "SR_B6", "SR_B7"]
BEN_MEAN = [9405.194, 9649.677, 10425.686, 10444.589, 16067.627, 12699.184, 10596.475]
BEN_STD = [6016.344, 6095.472, 5839.462, 6068.493, 6271.440, 4256.046, 3130.776]


class SwiGLU(nn.Module):
    """Expert f(z) = W2(SiLU(W z) * V z). V and W2 are the layer's shared modules, registered
    under every expert so the state_dict repeats them (spec §4.3)."""

    def __init__(self, m: int, dh: int, V: nn.Linear, W2: nn.Linear):
        super().__init__()
        self.W = nn.Linear(m, dh)
        self.V = V
        self.W2 = W2

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.W2(F.silu(self.W(z)) * self.V(z))


class Gate(nn.Module):
    """Top-k gate: clean logits Wg z for inference; Wnoise adds learned-scale noise when noisy."""

    def __init__(self, m: int, experts: int):
        super().__init__()
        self.Wg = nn.Linear(m, experts)
        self.Wnoise = nn.Linear(m, experts)


def _cv(x: torch.Tensor) -> torch.Tensor:
    """Coefficient of variation with the population std."""
    return x.std(unbiased=False) / (x.mean() + 1e-6)


class MoE(nn.Module):
    def __init__(self, m: int, dh: int, experts: int, k: int = 2):
        super().__init__()
        shared_v = nn.Linear(m, dh)
        shared_w2 = nn.Linear(dh, m)
        self.experts = nn.ModuleList(SwiGLU(m, dh, shared_v, shared_w2) for _ in range(experts))
        self.gate = Gate(m, experts)
        self.k = k

    def forward(self, z: torch.Tensor, noisy: bool = False):
        """z: [T, m] → ([T, m], auxiliary loss scalar (0 unless noisy))."""
        clean = self.gate.Wg(z)
        aux = z.new_zeros(())
        if noisy:
            scale = F.softplus(self.gate.Wnoise(z))
            scores = clean + torch.randn_like(clean) * scale
        else:
            scores = clean
        top_vals, top_idx = torch.topk(scores, self.k, dim=-1)
        weights = torch.softmax(top_vals, dim=-1)  # softmax over the selected scores only
        gates = torch.zeros_like(scores).scatter(-1, top_idx, weights)
        if noisy:
            # Shazeer et al. load estimate: P(expert e stays in the top k under fresh noise),
            # the threshold being the k-th largest score among the OTHER experts.
            ranked = torch.topk(scores, self.k + 1, dim=-1).values
            kth, kth1 = ranked[:, self.k - 1:self.k], ranked[:, self.k:self.k + 1]
            threshold = torch.where(scores >= kth, kth1, kth)
            prob = torch.distributions.Normal(0.0, 1.0).cdf((clean - threshold) / scale)
            aux = 1e-2 * _cv(gates.sum(0)) + 1e-2 * _cv(prob.sum(0))
        out = torch.zeros_like(z)
        for e, expert in enumerate(self.experts):
            rows = (top_idx == e).any(dim=-1).nonzero(as_tuple=True)[0]
            if rows.numel() == 0:
                continue
            out.index_add_(0, rows, expert(z[rows]) * gates[rows, e:e + 1])
        return out, aux


class GQA(nn.Module):
    """Grouped-query attention; head h reads key/value group h mod G (spec §2.3)."""

    def __init__(self, m: int, heads: int, groups: int):
        super().__init__()
        self.heads, self.groups, self.hd = heads, groups, m // heads
        self.q_proj = nn.Linear(m, m)
        self.k_proj = nn.Linear(m, groups * self.hd)
        self.v_proj = nn.Linear(m, groups * self.hd)
        self.out_proj = nn.Linear(m, m)

    def forward(self, y: torch.Tensor) -> torch.Tensor:
        B, N, m = y.shape
        q = self.q_proj(y).view(B, N, self.heads, self.hd).transpose(1, 2)
        k = self.k_proj(y).view(B, N, self.groups, self.hd).transpose(1, 2)
        v = self.v_proj(y).view(B, N, self.groups, self.hd).transpose(1, 2)
        group_of_head = torch.arange(self.heads) % self.groups
        k, v = k[:, group_of_head], v[:, group_of_head]
        a = torch.softmax((q @ k.transpose(-1, -2)) * self.hd ** -0.5, dim=-1)
        o = (a @ v).transpose(1, 2).reshape(B, N, m)
        return self.out_proj(o)


class Layer(nn.Module):
    def __init__(self, m: int, dh: int, experts: int, heads: int, groups: int):
        super().__init__()
        self.norm1 = nn.LayerNorm(m)
        self.attn = GQA(m, heads, groups)
        self.norm2 = nn.LayerNorm(m)
        self.moe = MoE(m, dh, experts)

    def forward(self, x: torch.Tensor, noisy: bool = False):
        x = x + self.attn(self.norm1(x))
        B, N, m = x.shape
        y, aux = self.moe(self.norm2(x).reshape(B * N, m), noisy)
        return x + y.view(B, N, m), aux


class MoEEncoder(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        self.cfg = cfg
        m = cfg.embed_dim
        self.pos_embed = nn.Parameter(torch.zeros(1, cfg.tokens, m))
        self.cls_token = nn.Parameter(torch.zeros(1, 1, m))
        self.patch_proj = nn.Conv2d(cfg.in_chans, m, cfg.patch_size, cfg.patch_size)
        self.week_proj = nn.Linear(2, m)
        self.hour_proj = nn.Linear(2, m)
        self.lat_proj = nn.Linear(2, m)
        self.lon_proj = nn.Linear(2, m)
        self.layers = nn.ModuleList(
            Layer(m, dh, e, cfg.heads, cfg.groups) for dh, e in zip(cfg.hidden, cfg.experts))
        self.norm = nn.LayerNorm(m)
        nn.init.trunc_normal_(self.pos_embed, std=0.02)
        nn.init.trunc_normal_(self.cls_token, std=0.02)

    def meta_tokens(self, meta: torch.Tensor | None, batch: int) -> torch.Tensor:
        """meta: [B, 8] = [week sin,cos, hour sin,cos, lat sin,cos, lon sin,cos] or None
        (all (0,0): bias only) → [B, 4, m]."""
        if meta is None:
            meta = self.pos_embed.new_zeros(batch, 8)
        projs = [self.week_proj, self.hour_proj, self.lat_proj, self.lon_proj]
        return torch.stack([p(meta[:, 2 * i:2 * i + 2]) for i, p in enumerate(projs)], dim=1)

    def forward(self, x: torch.Tensor, meta: torch.Tensor | None = None, noisy: bool = False):
        """x: [B, 7, 40, 40] z-scored → (LN(tokens), aux loss, tokens [B, 105, m])."""
        B = x.shape[0]
        patches = self.patch_proj(x).flatten(2).transpose(1, 2)
        t = torch.cat([self.meta_tokens(meta, B), self.cls_token.expand(B, -1, -1), patches], 1)
        t = t + self.pos_embed
        aux = t.new_zeros(())
        for layer in self.layers:
            t, a = layer(t, noisy)
            aux = aux + a
        return self.norm(t), aux, t


class MoEMAE(nn.Module):
    """Encoder plus the upstream MAE decoder: 2 layers, m=108, dh=54, E=3, H=6, G=3."""

    def __init__(self, encoder: MoEEncoder, dec_dim: int = 108, dec_layers: int = 2,
                 mask_ratio: float = 0.75):
        super().__init__()
        cfg = encoder.cfg
        self.encoder = encoder
        self.mask_ratio = mask_ratio
        self.patch_embed = encoder.patch_proj  # alias, as upstream
        self.decoder_embed = nn.Linear(cfg.embed_dim, dec_dim)
        self.mask_token = nn.Parameter(torch.zeros(1, 1, dec_dim))
        self.decoder_pos_embed = nn.Parameter(torch.zeros(1, cfg.grid * cfg.grid, dec_dim))
        self.decoder_layers = nn.ModuleList(
            Layer(dec_dim, dec_dim // 2, 3, 6, 3) for _ in range(dec_layers))
        self.decoder_norm = nn.LayerNorm(dec_dim)
        self.decoder_pred = nn.Linear(dec_dim, cfg.patch_size ** 2 * cfg.in_chans)
        nn.init.trunc_normal_(self.mask_token, std=0.02)
        nn.init.trunc_normal_(self.decoder_pos_embed, std=0.02)

    def forward(self, imgs: torch.Tensor, meta: torch.Tensor | None = None, noisy: bool = True):
        """imgs [B, 7, 40, 40] → (pred [B, 100, 112], mask [B, 100] (1 = masked), aux loss).
        Only a random 25 % of the patch tokens enter the encoder (with the 5 meta/CLS tokens)."""
        enc = self.encoder
        B = imgs.shape[0]
        patches = self.patch_embed(imgs).flatten(2).transpose(1, 2)
        N, m = patches.shape[1], patches.shape[2]
        keep = int(N * (1 - self.mask_ratio))
        order = torch.argsort(torch.rand(B, N, device=imgs.device), dim=1)
        restore = torch.argsort(order, dim=1)
        kept = order[:, :keep]
        mask = torch.ones(B, N, device=imgs.device)
        mask.scatter_(1, kept, 0)
        idx = kept.unsqueeze(-1).expand(-1, -1, m)
        head = torch.cat([enc.meta_tokens(meta, B), enc.cls_token.expand(B, -1, -1)], 1)
        head = head + enc.pos_embed[:, :5]
        body = patches.gather(1, idx) + enc.pos_embed[:, 5:].expand(B, -1, -1).gather(1, idx)
        t = torch.cat([head, body], 1)
        aux = t.new_zeros(())
        for layer in enc.layers:
            t, a = layer(t, noisy)
            aux = aux + a
        t = self.decoder_embed(enc.norm(t))
        d = t.shape[-1]
        seq = torch.cat([t[:, 5:], self.mask_token.expand(B, N - keep, d)], 1)
        seq = seq.gather(1, restore.unsqueeze(-1).expand(-1, -1, d)) + self.decoder_pos_embed
        x = torch.cat([t[:, :5], seq], 1)
        for layer in self.decoder_layers:
            x, _ = layer(x, noisy)
        pred = self.decoder_pred(self.decoder_norm(x)[:, 5:])
        return pred, mask, aux


def unique_parameter_count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())  # parameters() de-duplicates


def build(size: str) -> MoEMAE:
    return MoEMAE(MoEEncoder(CONFIGS[size]))


def check_parameter_counts() -> None:
    for size, (enc_n, mae_n) in PARAMETER_COUNTS.items():
        mae = build(size)
        got_enc, got_mae = unique_parameter_count(mae.encoder), unique_parameter_count(mae)
        assert got_enc == enc_n, f"{size} encoder: {got_enc} != {enc_n}"
        assert got_mae == mae_n, f"{size} MAE: {got_mae} != {mae_n}"
    n_keys = len(build("S").encoder.state_dict())
    assert n_keys == 614, f"S encoder state_dict keys: {n_keys} != 614"
    n_keys = len(build("S").state_dict())
    assert n_keys == 692, f"S MAE state_dict keys: {n_keys} != 692"


if __name__ == "__main__":
    check_parameter_counts()
    print("parameter counts match spec §2.7:", PARAMETER_COUNTS)
