"""Wall time of one model's 40-mass scan (chi^2 and Bayesian limits from the same slices).

Usage: ``python benchmarks/scan_timing.py [--model universal] [--masses 0.01:10000:40]``

Runs the scan twice from empty checkpoint folders: in one process (``workers=0``) and on a local
Dask cluster with 2 single-threaded workers, and prints both wall times and the speed-up. The
compile time of the model (once per process/worker) is included, as a user would see it.
"""

import argparse
import json
import tempfile
import time

from bayes_cevns.studies.scan import parse_masses, run_scan

DATA = ["coherent_csi_2021", "coherent_ar_2020"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="universal")
    ap.add_argument("--masses", default="0.01:10000:40")
    a = ap.parse_args()
    masses = parse_masses(a.masses)
    out = {}
    for workers in (0, 2):
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            res = run_scan(a.model, DATA, masses, tmp, workers=workers, progress=False)
            out[f"workers_{workers}_seconds"] = time.perf_counter() - t0
            out[f"workers_{workers}_first_rows"] = res["rows"][:1]
    out["speedup_2_workers"] = out["workers_0_seconds"] / out["workers_2_seconds"]
    out.update({"model": a.model, "n_masses": int(len(masses)), "data": DATA})
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
