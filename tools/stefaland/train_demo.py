"""Train the StefaLand demo model on the synthetic GR4J basins (make_demo_data.py).

    nice python3 tools/stefaland/train_demo.py [--data DIR] [--pretrain-seconds 240]
                                               [--finetune-seconds 420]

Configuration: d 64, 4 heads, 2 encoder layers, d_ff 128, per-variable MLPs of width 64,
sequence length 365 days. Dynamic inputs pr, tasmax, tasmin, rsds, hurs; statics elevation,
slope, clay, sand, silt, forest_fraction. One thread (``torch.set_num_threads(1)``) under
``nice``. The budgets are CPU seconds of this process (``time.process_time``), so the result
does not depend on how busy the shared machine is; on an idle core the whole run takes about
13 minutes.

1. Normalisation statistics over the training basins and the training period 2000–2007:
   mean and population std per variable (std floored at 0.001, δMG convention, spec §1.3);
   inputs are (v − mean) / std. Written as ``stats.json`` in geomap's ``--stats`` format.
2. Masked pretraining (spec §4): per sample and dynamic variable, consecutive windows of
   30–90 days until half the days are masked (embedding replaced by ``masked_values``);
   half of the statics masked at value level; loss = masked MSE(dynamic) + 0.5 · masked
   MSE(static). LSTM decoder (the released checkpoint's variant). Saved in the pretraining
   layout: ``checkpoints/checkpoint_epoch_<N>.pt`` with ``model_state_dict``.
3. Fine-tuning (spec §5): the δMG head (embedding norm · scale, dual-residual adapter,
   residual LSTM, projection to streamflow in mm/day) on a frozen encoder loaded by name from
   the pretraining checkpoint; loss NseBatchLoss (spec §5.6, ε = 0.1) over days 90…364 of each
   365-day window: the first 90 days are the LSTM's warm-up and are never scored. The encoder
   is frozen, so its embeddings of a fixed set of training windows (6 random 365-day windows
   per training basin) are computed once and the head is trained on them. Saved as a bare δMG
   state dict ``dStefaLand_Ep<N>.pt`` (``nn_model.`` prefix).
4. Evaluation: 200 training basins, 40 held-out basins (never seen in training); predictions
   for 2008–2009 with 365-day windows whose first 90 days are discarded (stride 275, the last
   window aligned to the end); NSE and KGE (spec §5.7) per basin, medians reported in
   ``metrics.json``.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import model as M  # noqa: E402
from make_demo_data import DYNAMIC, DYNAMIC_UNITS, STATIC, STATIC_UNITS  # noqa: E402

SEQ, WARM = 365, 90
CFG = dict(d=64, heads=4, enc_layers=2, d_ff=128)
N_TRAIN = 200


def nse(p, o):
    ok = np.isfinite(p) & np.isfinite(o)
    p, o = p[ok], o[ok]
    return 1 - ((p - o) ** 2).sum() / ((o - o.mean()) ** 2).sum()


def kge(p, o):
    ok = np.isfinite(p) & np.isfinite(o)
    p, o = p[ok], o[ok]
    r = np.corrcoef(p, o)[0, 1]
    return 1 - math.sqrt((r - 1) ** 2 + (p.std() / o.std() - 1) ** 2 + (p.mean() / o.mean() - 1) ** 2)


def consecutive_mask(rng, b, t, f, ratio=0.5, lo=30, hi=90):
    m = np.zeros((b, t, f), bool)
    for i in range(b):
        for j in range(f):
            count, target = 0, int(t * ratio)
            while count < target:
                w = rng.integers(lo, min(hi, t - count) + 1) if t - count >= lo else t - count
                s = rng.integers(0, t - w + 1)
                m[i, s:s + w, j] = True
                count += w
    return m


def static_mask(rng, b, c, ratio=0.5):
    m = np.zeros((b, c), bool)
    for i in range(b):
        m[i, rng.choice(c, int(c * ratio), replace=False)] = True
    return m


def windows_predict(net, x, c, batch=20):
    """x [N, T, F] normalised, c [N, C] → predictions [N, T] for days WARM…T−1 (NaN before)."""
    n, t, _ = x.shape
    out = np.full((n, t), np.nan, np.float32)
    starts = list(range(0, t - SEQ + 1, SEQ - WARM))
    if starts[-1] != t - SEQ:
        starts.append(t - SEQ)
    with torch.no_grad():
        for s in starts:
            for i in range(0, n, batch):
                y = net(torch.from_numpy(x[i:i + batch, s:s + SEQ]),
                        torch.from_numpy(c[i:i + batch]))[..., 0].numpy()
                out[i:i + batch, s + WARM:s + SEQ] = y[:, WARM:]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--data', default='/work/scratch/stefaland-demo')
    ap.add_argument('--pretrain-seconds', type=float, default=180)
    ap.add_argument('--finetune-seconds', type=float, default=300)
    ap.add_argument('--windows-per-basin', type=int, default=6)
    ap.add_argument('--batch', type=int, default=16)
    a = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    d = np.load(os.path.join(a.data, 'demo_basins.npz'))
    forc, st, q = d['forcings'], d['statics'], d['q']
    dates = d['dates']
    train_end = int(np.searchsorted(dates, '2008-01-01'))
    test_start = train_end - WARM

    x_mean = forc[:N_TRAIN, :train_end].reshape(-1, 5).mean(0)
    x_std = np.maximum(forc[:N_TRAIN, :train_end].reshape(-1, 5).std(0), 1e-3)
    c_mean = st[:N_TRAIN].mean(0)
    c_std = np.maximum(st[:N_TRAIN].std(0), 1e-3)
    stats = {v: {'mean': float(x_mean[i]), 'std': float(x_std[i]), 'units': DYNAMIC_UNITS[i]}
             for i, v in enumerate(DYNAMIC)}
    stats.update({s: {'mean': float(c_mean[i]), 'std': float(c_std[i]),
                      'units': STATIC_UNITS[i]} for i, s in enumerate(STATIC)})
    with open(os.path.join(a.data, 'stats.json'), 'w') as f:
        json.dump(stats, f, indent=1)
    x = ((forc - x_mean) / x_std).astype(np.float32)
    c = ((st - c_mean) / c_std).astype(np.float32)

    # 2. masked pretraining
    pre = M.Pretrained(DYNAMIC, STATIC, decoder='lstm', **CFG)
    pre.init_uniform()
    opt = torch.optim.AdamW(pre.parameters(), lr=1e-3, weight_decay=0)
    t0, step, log = time.process_time(), 0, []
    pre.train()
    while time.process_time() - t0 < a.pretrain_seconds:
        bi = rng.integers(0, N_TRAIN, a.batch)
        si = rng.integers(0, train_end - SEQ, a.batch)
        xb = torch.from_numpy(np.stack([x[b, s:s + SEQ] for b, s in zip(bi, si)]))
        cb = torch.from_numpy(c[bi])
        xm = torch.from_numpy(consecutive_mask(rng, a.batch, SEQ, 5))
        cm = torch.from_numpy(static_mask(rng, a.batch, len(STATIC)))
        yt, yc = pre(xb, cb, xm, cm)
        loss = ((yt - xb) ** 2)[xm].mean() + 0.5 * ((yc - cb) ** 2)[cm].mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        if step % 20 == 0:
            log.append((step, loss.item()))
            print(f'pretrain step {step} loss {loss.item():.4f} {time.process_time() - t0:.0f}s',
                  flush=True)
    os.makedirs(os.path.join(a.data, 'checkpoints'), exist_ok=True)
    ckpt_path = os.path.join(a.data, 'checkpoints', f'checkpoint_epoch_{step}.pt')
    ckpt = M.pretraining_checkpoint(pre, epoch=step)
    ckpt['epoch_train_loss_list'] = [l for _, l in log]
    torch.save(ckpt, ckpt_path)
    pre_steps, pre_loss = step, (log[-1][1] if log else float('nan'))

    # 3. fine-tuning on a frozen encoder
    ft = M.FineTuned(DYNAMIC, STATIC, n_y=1, dec_layers=2, **CFG)
    loaded = torch.load(ckpt_path, weights_only=False)['model_state_dict']
    own = ft.pretrained_model.state_dict()
    copied = {k: v for k, v in loaded.items() if k in own and own[k].shape == v.shape}
    ft.pretrained_model.load_state_dict(copied, strict=False)
    for p in ft.pretrained_model.parameters():
        p.requires_grad = False
    ft.train()
    ft.pretrained_model.eval()
    params = [p for p in ft.parameters() if p.requires_grad]
    opt = torch.optim.Adam(params, lr=1e-3)
    sigma = torch.from_numpy(np.nanstd(q[:, :train_end], axis=1).astype(np.float32))
    wb = np.repeat(np.arange(N_TRAIN), a.windows_per_basin)
    ws = rng.integers(0, train_end - SEQ, len(wb))
    xw = torch.from_numpy(np.stack([x[b, s:s + SEQ] for b, s in zip(wb, ws)]))
    yw = torch.from_numpy(np.stack([q[b, s:s + SEQ] for b, s in zip(wb, ws)]))
    cw = torch.from_numpy(c[wb])
    t0 = time.process_time()
    with torch.no_grad():
        hw = torch.cat([ft.pretrained_model.embeddings(xw[i:i + 32], cw[i:i + 32])
                        for i in range(0, len(wb), 32)])
    print(f'embedded {len(wb)} windows in {time.process_time() - t0:.0f}s', flush=True)
    t0, step = time.process_time(), 0
    while time.process_time() - t0 < a.finetune_seconds:
        i = torch.from_numpy(rng.integers(0, len(wb), a.batch))
        y = ft.head(hw[i], xw[i], cw[i])[..., 0]
        w = 1 / (sigma[wb[i.numpy()]] + 0.1) ** 2
        loss = (((y - yw[i]) ** 2)[:, WARM:] * w[:, None]).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        if step % 100 == 0:
            print(f'finetune step {step} loss {loss.item():.4f} {time.process_time() - t0:.0f}s',
                  flush=True)
    ft.eval()
    ft_path = os.path.join(a.data, f'dStefaLand_Ep{step}.pt')
    torch.save(M.DplModel(ft).state_dict(), ft_path)

    # 4. evaluation on 2008–2009
    pred = windows_predict(ft, x[:, test_start:], c)[:, WARM:]
    obs = q[:, train_end:]
    per_basin = [(nse(pred[i], obs[i]), kge(pred[i], obs[i])) for i in range(len(q))]
    tr, ho = np.array(per_basin[:N_TRAIN]), np.array(per_basin[N_TRAIN:])
    metrics = dict(
        pretrain_steps=pre_steps, pretrain_last_loss=pre_loss, finetune_steps=step,
        batch=a.batch, period='2008-01-01..2009-12-31',
        holdout_basins=len(ho), holdout_median_nse=float(np.median(ho[:, 0])),
        holdout_median_kge=float(np.median(ho[:, 1])),
        holdout_nse_p10_p90=[float(np.percentile(ho[:, 0], 10)),
                             float(np.percentile(ho[:, 0], 90))],
        train_basins_median_nse=float(np.median(tr[:, 0])),
        train_basins_median_kge=float(np.median(tr[:, 1])),
        pretrain_checkpoint=ckpt_path, finetuned_checkpoint=ft_path,
        config=dict(CFG, seq_len=SEQ, warm_up=WARM, dynamic=DYNAMIC, static=STATIC))
    with open(os.path.join(a.data, 'metrics.json'), 'w') as f:
        json.dump(metrics, f, indent=1)
    print(json.dumps(metrics, indent=1))


if __name__ == '__main__':
    main()
