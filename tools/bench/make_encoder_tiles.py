"""Writes the benchmark input for the MoE-MAE encoder: the z-scored 40×40 centre crops and
metadata of the tiles cached by tools/moe_mae/prepare_tiles.py, as safetensors (`input`
[N,7,40,40], `meta` [N,8]). The file stays outside the repository.

  python3 tools/bench/make_encoder_tiles.py CACHE.npz OUT.safetensors
"""
import os
import sys

import numpy as np
import torch
from safetensors.torch import save_file

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "moe_mae"))
from model import BEN_MEAN, BEN_STD  # noqa: E402

data = np.load(sys.argv[1])
crops = torch.from_numpy(data["crops"].astype(np.float32))
mean = torch.tensor(BEN_MEAN, dtype=torch.float32)[:, None, None]
std = torch.tensor(BEN_STD, dtype=torch.float32)[:, None, None]
save_file({"input": ((crops - mean) / std).contiguous(),
           "meta": torch.from_numpy(data["meta"]).contiguous()}, sys.argv[2])
print(f"{crops.shape[0]} tiles → {sys.argv[2]}")
