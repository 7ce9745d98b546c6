#!/usr/bin/env python3
"""Benchmark input for tools/bench/nightly_archive.sh (issue 15): a 10-year daily forcing of the
samples' size, made by repeating samples/forcings.nc's 731 days (17 x 23 cells, the same
variables, units, attributes, chunking and compression) along a continuous time axis from
2008-01-01. Goes through CDL: `ncdump -s` of the sample, days repeated, `ncgen -k nc4`.

  make_nightly_forcing.py OUTDIR [SAMPLES]

Writes into OUTDIR (never into the repository):
  night1.nc  the first DAYS - 1 days (the first night: the whole period)
  night2.nc  DAYS days (the following night: one new day; the other days identical)
with DAYS = 3653 (2008-01-01 ... 2017-12-31).

Needs only python3 and netCDF-C's ncdump/ncgen (Debian netcdf-bin).
"""
import os
import re
import subprocess
import sys

DAYS = 3653


def sections(cdl):
    """(header, {variable: [tokens]}, [variable order]) of a CDL text."""
    header, data = cdl.split("\ndata:\n", 1)
    data = data.rstrip().rstrip("}").strip()
    values = {}
    order = []
    for match in re.finditer(r"(\w+)\s*=\s*(.*?)\s*;", data, re.S):
        name, body = match.group(1), match.group(2)
        values[name] = [t.strip() for t in body.replace("\n", " ").split(",")]
        order.append(name)
    return header, values, order


def write(cdl, path, days):
    header, values, order = sections(cdl)
    n = len(values["time"])
    header = re.sub(r'time:units = "days since [^"]*"', 'time:units = "days since 2008-01-01 00:00:00"',
                    header)
    out = [header, "data:"]
    for name in order:
        tokens = values[name]
        if name == "time":
            tokens = [str(d) for d in range(days)]
        elif name == "time_bnds":
            tokens = [f"{d}, {d + 1}" for d in range(days)]
        elif len(tokens) % n == 0 and len(tokens) // n > 1 and name not in ("lat", "lon",
                                                                           "lat_bnds",
                                                                           "lon_bnds"):
            per = len(tokens) // n
            blocks = [tokens[i * per:(i + 1) * per] for i in range(n)]
            tokens = [t for d in range(days) for t in blocks[d % n]]
        out.append(f" {name} = " + ", ".join(tokens) + " ;")
    out.append("}")
    text_path = path + ".cdl"
    with open(text_path, "w") as f:
        f.write("\n".join(out) + "\n")
    subprocess.run(["ncgen", "-k", "nc4", "-o", path, text_path], check=True)
    os.remove(text_path)


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else "/tmp/geomap-bench-nightly"
    samples = sys.argv[2] if len(sys.argv) > 2 else "samples"
    os.makedirs(outdir, exist_ok=True)
    cdl = subprocess.run(["ncdump", "-s", os.path.join(samples, "forcings.nc")], check=True,
                         capture_output=True, text=True).stdout
    write(cdl, os.path.join(outdir, "night1.nc"), DAYS - 1)
    write(cdl, os.path.join(outdir, "night2.nc"), DAYS)


if __name__ == "__main__":
    main()
