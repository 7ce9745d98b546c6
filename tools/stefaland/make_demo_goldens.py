"""Golden outputs of the bundled demo model (Tests/Fixtures/stefaland/demo_io.safetensors).

    python3 tools/stefaland/make_demo_goldens.py [--data /work/scratch/stefaland-demo]
                                                 [--checkpoint dStefaLand_Ep1367.pt]

Loads the fine-tuned δMG checkpoint the demo model was imported from into the PyTorch mirror
(strict), runs two held-out synthetic basins (200 and 201) over one 365-day window starting
90 days before 2008-01-01, and stores raw inputs (model units), predictions [2, 365, 1] and
embeddings [2, 365, 64]. The Swift test feeds the raw inputs to
``models/stefaland-demo.safetensors`` and compares. Needs the training outputs of
``train_demo.py`` (not in the repository).
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
from safetensors.torch import save_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import model as M  # noqa: E402
from make_demo_data import DYNAMIC, STATIC  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--data', default='/work/scratch/stefaland-demo')
    ap.add_argument('--checkpoint', default='dStefaLand_Ep1367.pt')
    a = ap.parse_args()
    torch.set_num_threads(1)
    net = M.DplModel(M.FineTuned(DYNAMIC, STATIC, n_y=1, d=64, heads=4, enc_layers=2,
                                 d_ff=128, dec_layers=2))
    state = torch.load(os.path.join(a.data, a.checkpoint), weights_only=True)
    net.load_state_dict(state, strict=True)
    net.eval()
    d = np.load(os.path.join(a.data, 'demo_basins.npz'))
    stats = json.load(open(os.path.join(a.data, 'stats.json')))
    start = int(np.searchsorted(d['dates'], '2008-01-01')) - 90
    basins = [200, 201]
    x_raw = torch.from_numpy(d['forcings'][basins, start:start + 365].copy())
    c_raw = torch.from_numpy(d['statics'][basins].copy())
    f32 = lambda names, key: torch.tensor([stats[n][key] for n in names], dtype=torch.float32)
    x = (x_raw - f32(DYNAMIC, 'mean')) / f32(DYNAMIC, 'std')
    c = (c_raw - f32(STATIC, 'mean')) / f32(STATIC, 'std')
    with torch.no_grad():
        pred = net(x, c)
        emb = net.nn_model.pretrained_model.embeddings(x, c)
    out = os.path.join('Tests', 'Fixtures', 'stefaland', 'demo_io.safetensors')
    save_file({'x_raw': x_raw.contiguous(), 'c_raw': c_raw.contiguous(),
               'predictions': pred.contiguous(), 'embeddings': emb.contiguous(),
               'observed': torch.from_numpy(d['q'][basins, start:start + 365].copy())},
              out, metadata={'checkpoint': a.checkpoint, 'first_day': str(d['dates'][start])})
    print(out, os.path.getsize(out))


if __name__ == '__main__':
    main()
