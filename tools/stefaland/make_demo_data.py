"""Synthetic basins for the StefaLand demo model (docs/models/stefaland-demo.md).

    python3 tools/stefaland/make_demo_data.py [--out /work/scratch/stefaland-demo] [--basins 240]

Each basin gets
* static attributes drawn from plausible ranges: latitude (deg N), elevation (m), slope (deg),
  clay, sand, silt (mass fractions 0–1 of the fine earth, summing to 1) and forest_fraction
  (0–1), with the units of geomap's sample static rasters;
* daily forcings 1998-01-01 … 2009-12-31 from a small stochastic weather generator, with the
  names and units of geomap's sample forcings:
    pr      precipitation, mm/day: two-state Markov chain for wet days (seasonal wet-day
            probability), gamma-distributed amounts; mean annual total 500–1600 mm per basin;
    tasmax  daily maximum 2 m temperature, °C;  tasmin  daily minimum, °C: a seasonal cycle
            with a lapse rate of 6.5 °C/km plus AR(1) anomalies; wet days are cooler and have
            a smaller diurnal range;
    rsds    surface downwelling shortwave radiation, W m-2: extraterrestrial radiation (FAO-56
            eq. 21 from latitude and day of year) times a clearness of ~0.72 on dry days and
            ~0.35 on wet days;
    hurs    near-surface relative humidity, %: ~65 on dry days, ~88 on wet days, with noise;
* potential evapotranspiration from temperature after Oudin et al. (2005):
    PE = Re / (λ ρ) · (Ta + 5) / 100 when Ta + 5 > 0, else 0, in mm/day, with Re in
    MJ m-2 day-1, λ = 2.45 MJ kg-1, ρ = 1000 kg m-3, Ta = (tasmax + tasmin) / 2;
* "observed" streamflow (mm/day) from GR4J (Perrin, Michel & Andréassian 2003, J. Hydrol.
  279: 275–289), implemented from the published equations below, run over 1998–2009 with
  1998–1999 discarded as spin-up (stores start at S = 0.5·X1, R = 0.5·X3). No snow module:
  precipitation always enters as rain (a documented limit of the demo).

GR4J parameters are a deterministic function of the statics, so a model that sees the
statics can learn them (documented in the model card; clay, sand and silt in percent here,
i.e. 100 × the fraction):
    X1 (production store capacity, mm)      = 100 + 8·sand + 250·forest_fraction
    X2 (groundwater exchange, mm/day)       = 0.6 − 0.04·clay
    X3 (routing store capacity, mm)         = 20 + 3·silt + 60·(1 − slope/35)
    X4 (unit hydrograph time base, days)    = 1.1 + 2.4·(1 − slope/35)

Output: ``demo_basins.npz`` with forcings [N, T, 5], statics [N, 6], pet [N, T], q [N, T],
dates (ISO strings), variable names and units, GR4J parameters [N, 4]; ``demo_basins.json``
summarises it.
"""
import argparse
import json
import os

import numpy as np

DYNAMIC = ['pr', 'tasmax', 'tasmin', 'rsds', 'hurs']
DYNAMIC_UNITS = ['mm/day', 'degC', 'degC', 'W m-2', '%']
STATIC = ['elevation', 'slope', 'clay', 'sand', 'silt', 'forest_fraction']
STATIC_UNITS = ['m', 'degree', '1', '1', '1', '1']


def extraterrestrial_radiation(lat_deg, doy):
    """FAO-56 eq. 21: Re in MJ m-2 day-1 for latitudes [N] and days of year [T] → [N, T]."""
    phi = np.radians(lat_deg)[:, None]
    j = doy[None, :].astype(float)
    dr = 1 + 0.033 * np.cos(2 * np.pi * j / 365)
    delta = 0.409 * np.sin(2 * np.pi * j / 365 - 1.39)
    ws = np.arccos(np.clip(-np.tan(phi) * np.tan(delta), -1, 1))
    return 24 * 60 / np.pi * 0.0820 * dr * (
        ws * np.sin(phi) * np.sin(delta) + np.cos(phi) * np.cos(delta) * np.sin(ws))


def oudin_pet(re, ta):
    """Oudin et al. (2005) PE in mm/day from Re (MJ m-2 day-1) and mean air temperature (°C)."""
    return np.where(ta + 5 > 0, re / (2.45 * 1000) * (ta + 5) / 100 * 1000, 0.0)


def statics(rng, n):
    lat = rng.uniform(35, 55, n)
    elevation = rng.gamma(2.0, 300.0, n) + 20
    slope = np.clip(0.5 + elevation / 250 + rng.normal(0, 2, n), 0.2, 30)
    frac = rng.dirichlet([2.0, 3.0, 3.0], n)                # clay, sand, silt fractions
    forest = np.clip(rng.beta(2, 2, n), 0, 1)
    return lat, np.stack([elevation, slope, frac[:, 0], frac[:, 1], frac[:, 2], forest], 1)


def gr4j_parameters(st):
    slope, forest = st[:, 1], st[:, 5]
    clay, sand, silt = 100 * st[:, 2], 100 * st[:, 3], 100 * st[:, 4]    # percent
    x1 = 100 + 8 * sand + 250 * forest
    x2 = 0.6 - 0.04 * clay
    x3 = 20 + 3 * silt + 60 * (1 - slope / 35)
    x4 = 1.1 + 2.4 * (1 - slope / 35)
    return np.stack([x1, x2, x3, x4], 1)


def weather(rng, lat, st, dates):
    n, t = len(lat), len(dates)
    doy = np.array([d.timetuple().tm_yday for d in dates])
    season = np.cos(2 * np.pi * (doy - 200) / 365.25)[None, :]
    annual = rng.uniform(500, 1600, n)[:, None]
    p_wet = np.clip(0.35 + 0.12 * rng.normal(size=(n, 1)) - 0.08 * season, 0.1, 0.8)
    wet = np.zeros((n, t), bool)
    u = rng.random((n, t))
    for k in range(1, t):   # two-state Markov chain: persistence of wet spells
        p = np.where(wet[:, k - 1], np.minimum(p_wet[:, k] + 0.3, 0.9), p_wet[:, k])
        wet[:, k] = u[:, k] < p
    mean_wet = annual / 365 / wet.mean(1, keepdims=True)
    shape = 0.75
    pr = np.where(wet, rng.gamma(shape, 1.0, (n, t)) * mean_wet / shape, 0.0)
    t0 = 24 - 0.45 * (lat - 35) - 0.0065 * st[:, 0]
    amp = 6 + 0.3 * (lat - 35)
    anom = np.zeros((n, t))
    eps = rng.normal(0, 2.0, (n, t))
    for k in range(1, t):
        anom[:, k] = 0.75 * anom[:, k - 1] + eps[:, k]
    tmean = t0[:, None] - 6 + amp[:, None] * season + anom - 1.5 * wet
    dtr = np.where(wet, 6.0, 12.0) + rng.normal(0, 1.0, (n, t))
    tasmax, tasmin = tmean + dtr / 2, tmean - dtr / 2
    re = extraterrestrial_radiation(lat, doy)
    clear = np.clip(np.where(wet, 0.35, 0.72) + rng.normal(0, 0.06, (n, t)), 0.1, 0.8)
    rsds = re * clear * 1e6 / 86400                          # MJ m-2 day-1 → W m-2
    hurs = np.clip(np.where(wet, 88.0, 65.0) + rng.normal(0, 6, (n, t)), 15, 100)
    pet = oudin_pet(re, (tasmax + tasmin) / 2)
    return np.stack([pr, tasmax, tasmin, rsds, hurs], -1), pet


def unit_hydrographs(x4):
    """GR4J UH1 (base X4) and UH2 (base 2·X4) ordinates per basin, [N, 20] each."""
    j = np.arange(0, 21, dtype=float)[None, :]
    x4 = x4[:, None]
    sh1 = np.where(j < x4, (j / x4) ** 2.5, 1.0)
    sh2 = np.where(j <= x4, 0.5 * (j / x4) ** 2.5,
                   np.where(j < 2 * x4, 1 - 0.5 * np.clip(2 - j / x4, 0, None) ** 2.5, 1.0))
    return np.diff(sh1, axis=1), np.diff(sh2, axis=1)


def gr4j(params, pr, pet):
    """GR4J daily run for all basins at once: pr, pet [N, T] mm/day → streamflow [N, T]."""
    x1, x2, x3, x4 = params.T
    n, t = pr.shape
    uh1, uh2 = unit_hydrographs(x4)
    s, r = 0.5 * x1, 0.5 * x3
    q9_store = np.zeros((n, uh1.shape[1]))     # pending UH outputs, index 0 = today
    q1_store = np.zeros((n, uh2.shape[1]))
    q = np.zeros((n, t))
    for k in range(t):
        p, e = pr[:, k], pet[:, k]
        pn, en = np.maximum(p - e, 0), np.maximum(e - p, 0)
        tp, te = np.tanh(pn / x1), np.tanh(en / x1)
        ps = x1 * (1 - (s / x1) ** 2) * tp / (1 + s / x1 * tp)
        es = s * (2 - s / x1) * te / (1 + (1 - s / x1) * te)
        s = s - es + ps
        perc = s * (1 - (1 + (4 / 9 * s / x1) ** 4) ** -0.25)
        s = s - perc
        pr_eff = perc + (pn - ps)
        q9_store += 0.9 * pr_eff[:, None] * uh1
        q1_store += 0.1 * pr_eff[:, None] * uh2
        q9, q1 = q9_store[:, 0].copy(), q1_store[:, 0].copy()
        q9_store = np.concatenate([q9_store[:, 1:], np.zeros((n, 1))], 1)
        q1_store = np.concatenate([q1_store[:, 1:], np.zeros((n, 1))], 1)
        exch = x2 * (r / x3) ** 3.5
        r = np.maximum(0, r + q9 + exch)
        qr = r * (1 - (1 + (r / x3) ** 4) ** -0.25)
        r = r - qr
        qd = np.maximum(0, q1 + exch)
        q[:, k] = qr + qd
    return q


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', default='/work/scratch/stefaland-demo')
    ap.add_argument('--basins', type=int, default=240)
    ap.add_argument('--seed', type=int, default=2016)
    a = ap.parse_args()
    import datetime as dt
    rng = np.random.default_rng(a.seed)
    start = dt.date(1998, 1, 1)
    dates = [start + dt.timedelta(days=i) for i in range((dt.date(2010, 1, 1) - start).days)]
    lat, st = statics(rng, a.basins)
    forc, pet = weather(rng, lat, st, dates)
    params = gr4j_parameters(st)
    q = gr4j(params, forc[..., 0], pet)
    keep = np.array([d >= dt.date(2000, 1, 1) for d in dates])      # drop GR4J spin-up
    os.makedirs(a.out, exist_ok=True)
    np.savez_compressed(os.path.join(a.out, 'demo_basins.npz'),
                        forcings=forc[:, keep].astype(np.float32),
                        statics=st.astype(np.float32), latitude=lat.astype(np.float32),
                        pet=pet[:, keep].astype(np.float32), q=q[:, keep].astype(np.float32),
                        gr4j=params.astype(np.float32),
                        dates=np.array([d.isoformat() for d, k in zip(dates, keep) if k]))
    summary = dict(basins=a.basins, seed=a.seed, first=str(dates[keep.argmax()]),
                   last=str(dates[-1]), dynamic=dict(zip(DYNAMIC, DYNAMIC_UNITS)),
                   static=dict(zip(STATIC, STATIC_UNITS)),
                   mean_annual_pr_mm=float(forc[..., 0].mean() * 365.25),
                   mean_annual_pet_mm=float(pet.mean() * 365.25),
                   mean_annual_q_mm=float(q[:, keep].mean() * 365.25),
                   gr4j_ranges={k: [float(params[:, i].min()), float(params[:, i].max())]
                                for i, k in enumerate(['X1', 'X2', 'X3', 'X4'])})
    with open(os.path.join(a.out, 'demo_basins.json'), 'w') as f:
        json.dump(summary, f, indent=1)
    print(json.dumps(summary, indent=1))


if __name__ == '__main__':
    main()
