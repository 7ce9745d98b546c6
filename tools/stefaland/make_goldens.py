"""Golden fixtures for the Swift StefaLand port (Tests/Fixtures/stefaland/).

Run from the repository root:  python3 tools/stefaland/make_goldens.py

Two configurations, random weights with fixed seeds, eval mode, float32 on CPU:

* ``small``    d 32, 4 heads, 2 encoder layers, d_ff 64, 3 dynamic + 4 static variables,
               2 targets, adapter dual_residual with residual LSTM; 3 basins × 20 days.
* ``released`` d 256, 4 heads, 4 encoder layers, d_ff 512, the released checkpoint's 5 dynamic
               and 48 static variable names (spec §1.1 D), 1 target; 2 basins × 16 days.
               Its weights are stored as float16 to keep the fixture small; the reference runs
               in float32 on exactly those float16-rounded values, so parity is unaffected.

Files per configuration NAME:
* ``NAME_weights.safetensors`` — the tensors inference needs, named as the fine-tuned state
  dict without the ``nn_model.`` prefix (``pretrained_model.<spec §3 key>``, head keys §3.1);
  metadata: config as JSON.
* ``NAME_io.safetensors`` — ``x_raw`` [B, T, F], ``c_raw`` [B, C], ``x_mean``/``x_std`` [F],
  ``c_mean``/``c_std`` [C], ``x`` [B, T, F] and ``c`` [B, C] normalised as (raw − mean) / std,
  ``embeddings`` [B, T, d] (after enc→dec, time tokens only), ``predictions`` [B, T, n_y];
  small only: ``tokens`` [B, T+1, d] (embeddings + positions) and ``encoded`` [B, T+1, d]
  (after the encoder norm).
* ``NAME_stats.json`` — the normalisation statistics in geomap's ``--stats`` format.

Small configuration only, for ``geomap models import`` tests:
* ``small_pretrain.pth`` — pretraining layout (``model_state_dict`` wrapper, LSTM decoder,
  ``module.`` prefix as saved from DataParallel) with the same encoder weights;
* ``small_finetuned.pth`` — bare δMG state dict (``nn_model.`` prefix, transformer decoder of
  1 layer inside ``pretrained_model``, unused at inference).

Both: ``NAME_pretrain_keys.json`` and ``NAME_finetuned_keys.json``, the full state-dict key
tables (name, shape) of both layouts, for import tests without weights.
"""
import json
import os
import sys

import torch
from safetensors.torch import save_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import model as M  # noqa: E402

OUT = os.path.join('Tests', 'Fixtures', 'stefaland')

RELEASED_DYNAMIC = ['P', 'RelHum', 'SWd', 'Tmax', 'Tmin']
RELEASED_STATIC = (
    'ETPOT_Hargr GMTED_aspectcosine GMTED_elevation GMTED_slope HWSD_clay HWSD_gravel '
    'HWSD_sand HWSD_silt MODIS_NDVI MSWEP_P MSWX_LWd MSWX_PET MSWX_RH MSWX_SWd MSWX_SpecHum '
    'MSWX_Tmax MSWX_Tmean MSWX_Tmin MSWX_Wind Permeability_no_permafrost '
    'SoilGrid2_bulk_density SoilGrid2_clay SoilGrid2_organic_carbon_stock SoilGrid2_sand '
    'SoilGrid2_silt agriculture_fraction_2000 agriculture_fraction_2018 '
    'carbonate_sedimentary_rocks_frac catchsize forest_fraction_2000 forest_fraction_2018 '
    'gdp_2000_buffer grassland_fraction_2000 grassland_fraction_2018 intact_forest meanP '
    'meanTa population_density_2000_buffer porosity seasonality_P seasonality_PET '
    'snow_fraction snowfall_fraction soil_depth soil_erosion soil_moisture urban_fraction_2000 '
    'urban_fraction_2018').split()

CONFIGS = {
    'small': dict(dynamic=['P', 'Tmax', 'Tmin'],
                  static=['elevation', 'slope', 'clay', 'forest_fraction'],
                  n_y=2, d=32, heads=4, enc_layers=2, d_ff=64, dec_layers=1,
                  B=3, T=20, seed=1, half=False),
    'released': dict(dynamic=RELEASED_DYNAMIC, static=RELEASED_STATIC,
                     n_y=1, d=256, heads=4, enc_layers=4, d_ff=512, dec_layers=2,
                     B=2, T=16, seed=2, half=True),
}


def randomise(module, gen):
    """Random weights of a visible scale everywhere (LayerNorm gains around 1)."""
    with torch.no_grad():
        for name, p in module.named_parameters():
            if name.endswith('embedding_scale'):
                p.copy_(torch.tensor([0.7]))
            elif 'norm' in name.split('.')[-2] and name.endswith('weight'):
                p.copy_(1 + 0.2 * torch.randn(p.shape, generator=gen))
            elif 'masked_values' in name or 'position_embedding' in name:
                p.copy_(0.5 * torch.randn(p.shape, generator=gen))
            else:
                fan_in = p.shape[-1] if p.dim() > 1 else 16
                p.copy_(torch.randn(p.shape, generator=gen) / fan_in ** 0.5)


def inference_tensors(ft):
    """The fine-tuned model's tensors the Swift port loads (no decoder, recon heads,
    masked values or direct_input_projection)."""
    skip = ('pretrained_model.decoder', 'pretrained_model.time_series_projection',
            'pretrained_model.static_projection', 'pretrained_model.decoder_norm',
            'pretrained_model.time_series_embedding.masked_values',
            'pretrained_model.static_embedding.masked_values', 'direct_input_projection')
    return {k: v.detach().clone().contiguous() for k, v in ft.state_dict().items()
            if not k.startswith(skip)}


def make(name, cfg):
    gen = torch.Generator().manual_seed(cfg['seed'])
    ft = M.FineTuned(cfg['dynamic'], cfg['static'], n_y=cfg['n_y'], d=cfg['d'],
                     heads=cfg['heads'], enc_layers=cfg['enc_layers'], d_ff=cfg['d_ff'],
                     dec_layers=cfg['dec_layers'])
    randomise(ft, gen)
    if cfg['half']:   # round every weight to float16 so the stored file is exact
        with torch.no_grad():
            for p in ft.parameters():
                p.copy_(p.half().float())
    ft.eval()
    B, T, F, C = cfg['B'], cfg['T'], len(cfg['dynamic']), len(cfg['static'])
    x_mean = 10 * torch.randn(F, generator=gen)
    x_std = 0.5 + 5 * torch.rand(F, generator=gen)
    c_mean = 100 * torch.randn(C, generator=gen)
    c_std = 0.5 + 50 * torch.rand(C, generator=gen)
    x_raw = x_mean + x_std * torch.randn(B, T, F, generator=gen)
    c_raw = c_mean + c_std * torch.randn(B, C, generator=gen)
    x = (x_raw - x_mean) / x_std
    c = (c_raw - c_mean) / c_std
    with torch.no_grad():
        pm = ft.pretrained_model
        tokens = pm.positional_encoding(torch.cat(
            [pm.time_series_embedding(x), pm.static_embedding(c)[:, None]], dim=1))
        encoded = pm.encoder_norm(pm.encoder(tokens))
        emb = pm.embeddings(x, c)
        pred = ft(x, c)
    io = dict(x_raw=x_raw, c_raw=c_raw, x_mean=x_mean, x_std=x_std, c_mean=c_mean, c_std=c_std,
              x=x, c=c, embeddings=emb, predictions=pred)
    if name == 'small':
        io.update(tokens=tokens, encoded=encoded)
    meta = {k: cfg[k] for k in ('dynamic', 'static', 'n_y', 'd', 'heads', 'enc_layers',
                                'd_ff', 'dec_layers')}
    meta.update(adapter='dual_residual', residual_lstm=True)
    weights = inference_tensors(ft)
    if cfg['half']:
        weights = {k: v.half() for k, v in weights.items()}
    save_file(weights, os.path.join(OUT, f'{name}_weights.safetensors'),
              metadata={'config': json.dumps(meta)})
    save_file({k: v.contiguous() for k, v in io.items()},
              os.path.join(OUT, f'{name}_io.safetensors'), metadata={'config': json.dumps(meta)})
    stats = {v: {'mean': float(x_mean[i]), 'std': float(x_std[i])}
             for i, v in enumerate(cfg['dynamic'])}
    stats.update({s: {'mean': float(c_mean[i]), 'std': float(c_std[i])}
                  for i, s in enumerate(cfg['static'])})
    with open(os.path.join(OUT, f'{name}_stats.json'), 'w') as f:
        json.dump(stats, f, indent=1)
    return ft


def checkpoints(ft, cfg):
    """Both upstream layouts for the small configuration."""
    dpl = M.DplModel(ft)
    torch.save(dpl.state_dict(), os.path.join(OUT, 'small_finetuned.pth'))
    pre = M.Pretrained(cfg['dynamic'], cfg['static'], d=cfg['d'], heads=cfg['heads'],
                       enc_layers=cfg['enc_layers'], d_ff=cfg['d_ff'], decoder='lstm')
    randomise(pre, torch.Generator().manual_seed(99))
    shared = {k: v for k, v in ft.pretrained_model.state_dict().items()
              if not k.startswith(('decoder', 'time_series_projection', 'static_projection'))}
    pre.load_state_dict(shared, strict=False)
    state = {'module.' + k: v for k, v in pre.state_dict().items()}
    ckpt = M.pretraining_checkpoint(pre, epoch=3)
    ckpt['model_state_dict'] = state
    torch.save(ckpt, os.path.join(OUT, 'small_pretrain.pth'))


def key_tables(name, cfg):
    """Key tables, names and shapes in state-dict order (no weights):
    ``NAME_pretrain_keys.json`` (LSTM decoder; released sizes, spec §2.7: 485 tensors) and
    ``NAME_finetuned_keys.json`` (δMG head with NAME's outputs, transformer decoder of 2
    layers)."""
    pre = M.Pretrained(cfg['dynamic'], cfg['static'], d=cfg['d'], heads=cfg['heads'],
                       enc_layers=cfg['enc_layers'], d_ff=cfg['d_ff'], decoder='lstm')
    ft = M.DplModel(M.FineTuned(cfg['dynamic'], cfg['static'], n_y=cfg['n_y'], d=cfg['d'],
                                heads=cfg['heads'], enc_layers=cfg['enc_layers'],
                                d_ff=cfg['d_ff'], dec_layers=2))
    for layout, m in (('pretrain', pre), ('finetuned', ft)):
        table = [[k, list(v.shape)] for k, v in m.state_dict().items()]
        with open(os.path.join(OUT, f'{name}_{layout}_keys.json'), 'w') as f:
            json.dump(table, f, separators=(',', ':'))


def main():
    torch.set_num_threads(1)
    os.makedirs(OUT, exist_ok=True)
    for name, cfg in CONFIGS.items():
        ft = make(name, cfg)
        if name == 'small':
            checkpoints(ft, cfg)
        key_tables(name, cfg)
    for f in sorted(os.listdir(OUT)):
        print(f'{os.path.getsize(os.path.join(OUT, f)):>10}  {f}')


if __name__ == '__main__':
    main()
