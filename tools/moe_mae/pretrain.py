"""Demo pretraining of the MoE-MAE encoder with the paper's masked-autoencoder objective on the
200 real BigEarthNet-Landsat sample tiles (a demo, NOT the published weights).

Objective (spec §8 item 17): mask ratio 0.75; loss = masked MSE + 0.1·unmasked MSE + 0.5·MoE
auxiliary load-balancing loss, the MSE being the squared error summed over a patch's 112 values
and averaged over the (un)masked patches; AdamW lr 3e-4, weight decay 0.05, 5 % linear warm-up
then cosine decay; gradient clipping at 1.0; noisy top-2 gating while training. Inputs: the
40×40 centre crop, z-scored with the BigEarthNet-L constants, the four metadata tokens from the
tile names and centres (tools/moe_mae/prepare_tiles.py). Augmentation: random horizontal flips.

The learning-rate schedule follows wall-clock progress through a time budget (shared machine).
The checkpoint is saved in the UPSTREAM layout ({epoch, model_state, opt_state, scaler_state,
best_train_loss}) so `geomap models import` reads it as it would the published one.

  /usr/bin/python3 tools/moe_mae/prepare_tiles.py IMAGES /work/scratch/moe-mae-demo/tiles.npz
  nice -n 19 python3 tools/moe_mae/pretrain.py --tiles /work/scratch/moe-mae-demo/tiles.npz \
      --out /work/scratch/moe-mae-demo --size S --minutes 25
"""
from __future__ import annotations

import argparse
import csv
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import BEN_MEAN, BEN_STD, CONFIGS, MoEEncoder, MoEMAE  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tiles", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--size", default="S", choices=sorted(CONFIGS))
    ap.add_argument("--minutes", type=float, default=25.0)
    ap.add_argument("--batch", type=int, default=40)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)

    data = np.load(args.tiles)
    crops = torch.from_numpy(data["crops"].astype(np.float32))
    mean = torch.tensor(BEN_MEAN, dtype=torch.float32)[:, None, None]
    std = torch.tensor(BEN_STD, dtype=torch.float32)[:, None, None]
    images = (crops - mean) / std
    meta = torch.from_numpy(data["meta"])
    n = images.shape[0]

    model = MoEMAE(MoEEncoder(CONFIGS[args.size]))
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-4, weight_decay=0.05)
    p = model.encoder.cfg.patch_size

    def step(idx: torch.Tensor) -> tuple[float, float, float, float]:
        x, mv = images[idx], meta[idx]
        flip = torch.rand(len(idx)) < 0.5
        x = torch.where(flip[:, None, None, None], x.flip(-1), x)
        pred, mask, aux = model(x, mv, noisy=True)
        target = F.unfold(x, kernel_size=p, stride=p).transpose(1, 2)  # [B,100,112] (c,ky,kx)
        err = ((pred - target) ** 2).sum(-1)
        masked = (err * mask).sum() / mask.sum()
        unmasked = (err * (1 - mask)).sum() / (1 - mask).sum()
        loss = masked + 0.1 * unmasked + 0.5 * aux
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        return loss.item(), masked.item(), unmasked.item(), aux.item()

    # The schedule follows WALL-CLOCK progress (the machine is shared, so a step count fitted to
    # a first timing overruns when the load rises): progress p = elapsed / budget; 5 % linear
    # warm-up then cosine decay in p; training stops at the first epoch end past the budget.
    budget = args.minutes * 60
    steps_per_epoch = math.ceil(n / args.batch)

    def lr_at(progress: float) -> float:
        if progress < 0.05:
            return 3e-4 * max(progress, 1e-3) / 0.05
        return 3e-4 * 0.5 * (1 + math.cos(math.pi * min(1.0, (progress - 0.05) / 0.95)))

    os.makedirs(args.out, exist_ok=True)
    log_path = os.path.join(args.out, f"loss_{args.size}.csv")
    best = float("inf")
    s = 0
    epoch = -1
    t0 = time.time()
    with open(log_path, "w", newline="") as log:
        w = csv.writer(log)
        w.writerow(["epoch", "step", "lr", "loss", "masked", "unmasked", "aux", "seconds"])
        while time.time() - t0 < budget:
            epoch += 1
            perm = torch.randperm(n)
            sums = np.zeros(4)
            for b in range(steps_per_epoch):
                lr = lr_at((time.time() - t0) / budget)
                for g in opt.param_groups:
                    g["lr"] = lr
                sums += step(perm[b * args.batch:(b + 1) * args.batch])
                s += 1
            sums /= steps_per_epoch
            w.writerow([epoch, s, f"{lr:.3e}", *[f"{v:.5f}" for v in sums],
                        f"{time.time() - t0:.0f}"])
            log.flush()
            print(f"epoch {epoch} lr {lr:.2e} loss {sums[0]:.4f} masked {sums[1]:.4f} "
                  f"unmasked {sums[2]:.4f} aux {sums[3]:.4f} ({time.time() - t0:.0f} s)",
                  flush=True)
            best = min(best, sums[0])
    epochs = epoch + 1
    ckpt = {"epoch": epochs - 1, "model_state": model.state_dict(),
            "opt_state": opt.state_dict(),
            "scaler_state": {"scale": 65536.0, "growth_factor": 2.0, "backoff_factor": 0.5,
                             "growth_interval": 2000, "_growth_tracker": 0},
            "best_train_loss": best}
    path = os.path.join(args.out, f"pretrained_{args.size}_demo.pth")
    torch.save(ckpt, path)
    print(f"saved {path} (last epoch, best mean epoch loss {best:.4f})", flush=True)


if __name__ == "__main__":
    main()
