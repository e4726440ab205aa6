"""Chains on one core and on every core: wall time, CPU time and their ratio during sampling.

Usage: ``python benchmarks/parallel_chains.py [--draws 1000 --tune 1000 --chains 4]``

The combined CsI+Ar ``sm_scaled`` model, compiled (or loaded from the compile cache) once, then
sampled with nutpie on 1 process and on ``default_cores`` forked processes
(:mod:`bayes_cevns.inference.parallel_chains`). CPU time counts this process and its children. The
two posteriors are compared draw for draw (they are identical by construction).
"""

import json
import resource
import time

import numpy as np

from bayes_cevns.inference.flat_density import flat_density, sample_nutpie
from bayes_cevns.inference.parallel_chains import default_cores
from bayes_cevns.model.build import build_model
from nuts_options import nuts_arguments


def _cpu() -> float:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    ap = nuts_arguments(__doc__)
    a = ap.parse_args()
    model = build_model("sm_scaled", ["coherent_csi_2021", "coherent_ar_2020"]).model
    flat = flat_density(model)
    out, draws = {}, {}
    for cores in (1, default_cores(a.chains)):
        c0, t0 = _cpu(), time.perf_counter()
        tree = sample_nutpie(model, a.draws, a.tune, a.chains, seed=1, flat=flat, cores=cores)
        wall, cpu = time.perf_counter() - t0, _cpu() - c0
        draws[cores] = tree.posterior["cevns_scale_csi"].values
        out[f"cores_{cores}"] = {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "cpu_per_wall": round(cpu / wall, 2)}
    out["identical_draws"] = bool(np.array_equal(*draws.values()))
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
