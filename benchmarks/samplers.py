"""Sampler comparison on the combined CsI+Ar ``sm_scaled`` model: nutpie, PyMC NUTS, numpyro, emcee.

Usage: ``python benchmarks/samplers.py [--draws 1000 --tune 1000 --chains 4] [--only pymc,nutpie]``
(cold PyTensor/Numba cache: ``PYTENSOR_FLAGS=compiledir=$(mktemp -d) python benchmarks/samplers.py``)

``nutpie`` is the package default (``sampling.sample``: nutpie's NUTS on the flat log density of
``inference/flat_density.py``); ``nutpie_bridge`` is nutpie's own ``compile_pymc_model`` (Numba
``cfunc``), for comparison. For each sampler: wall time including the model build
(build + compile + sampling, measured separately where the sampler allows),
minimum bulk ESS over the free variables, ESS per second of sampling, max R-hat. emcee runs an
affine-invariant ensemble (4 x n_dim walkers) on the *same* compiled logp in the unconstrained
space (``model.compile_logp``) for a fixed budget of steps, reported with its number of logp
evaluations (it uses no gradients).
"""

import json
import time

import numpy as np

from bayes_cevns.inference import sampling
from bayes_cevns.io import write_json_atomic
from bayes_cevns.inference.flat_density import flat_density, sample_nutpie
from bayes_cevns.model.build import build_model
from nuts_options import nuts_arguments

DATA = ["coherent_csi_2021", "coherent_ar_2020"]


def _nuts(name: str, a) -> dict:
    tb = time.perf_counter()
    model = build_model("sm_scaled", DATA)
    t0 = time.perf_counter()
    t_build = t0 - tb
    if name == "nutpie":
        flat = flat_density(model)
        t_compile = time.perf_counter() - t0
        t1 = time.perf_counter()
        idata = sample_nutpie(model, draws=a.draws, tune=a.tune, chains=a.chains, seed=1, flat=flat)
        t_sample = time.perf_counter() - t1
    elif name == "nutpie_bridge":
        import nutpie

        compiled = nutpie.compile_pymc_model(model)
        t_compile = time.perf_counter() - t0
        t1 = time.perf_counter()
        idata = nutpie.sample(compiled, draws=a.draws, tune=a.tune, chains=a.chains, seed=1,
                              progress_bar=False, cores=2)
        t_sample = time.perf_counter() - t1
    else:
        idata = sampling.sample(model, draws=a.draws, tune=a.tune, chains=a.chains, seed=1, sampler=name)
        t_sample = float(idata.posterior.attrs.get("sampling_time", np.nan))
        t_compile = time.perf_counter() - t0 - t_sample
    diag = sampling.diagnostics(idata, [rv.name for rv in model.free_RVs])
    total = time.perf_counter() - tb
    return {"wall_s": total, "build_s": t_build, "compile_s": t_compile, "sample_s": t_sample, **diag,
            "ess_per_s_sampling": diag["ess_bulk_min"] / t_sample,
            "ess_per_s_wall": diag["ess_bulk_min"] / total}


def _emcee(a) -> dict:
    import arviz as az
    import emcee

    model = build_model("sm_scaled", DATA)
    t0 = time.perf_counter()
    logp = model.compile_logp()
    ip = model.initial_point()
    names = list(ip)
    sizes = [np.size(ip[n]) for n in names]
    t_compile = time.perf_counter() - t0

    def f(x):
        point, i = {}, 0
        for n, s in zip(names, sizes):
            point[n] = x[i] if s == 1 else x[i:i + s]
            i += s
        v = float(logp(point))
        return v if np.isfinite(v) else -np.inf

    ndim = sum(sizes)
    nwalk = 4 * ndim
    x0 = np.concatenate([np.atleast_1d(ip[n]) for n in names])
    rng = np.random.default_rng(1)
    p0 = x0 + 1e-3 * rng.standard_normal((nwalk, ndim))
    steps = a.emcee_steps
    t1 = time.perf_counter()
    sampler = emcee.EnsembleSampler(nwalk, ndim, f)
    sampler.run_mcmc(p0, steps, progress=False)
    t_sample = time.perf_counter() - t1
    chain = sampler.get_chain(discard=steps // 2)  # (steps/2, walkers, ndim)
    ess = min(float(az.ess(np.ascontiguousarray(chain[:, :, j].T))) for j in range(ndim))
    wall = time.perf_counter() - t0
    return {"wall_s": wall, "compile_s": t_compile, "sample_s": t_sample, "ess_bulk_min": ess,
            "ess_per_s_sampling": ess / t_sample, "ess_per_s_wall": ess / wall, "walkers": nwalk, "steps": steps,
            "logp_evals": nwalk * steps, "note": "ESS from walkers treated as chains (lower bound quality)"}


def main() -> None:
    ap = nuts_arguments(__doc__)
    ap.add_argument("--emcee-steps", type=int, default=4000)
    ap.add_argument("--only", default="nutpie,pymc,nutpie_bridge,numpyro,emcee")
    a = ap.parse_args()
    out = {}
    for name in a.only.split(","):
        try:
            out[name] = _emcee(a) if name == "emcee" else _nuts(name, a)
        except ImportError as err:
            out[name] = {"skipped": f"not installed: {err}"}
        print(name, json.dumps(out[name]), flush=True)
    write_json_atomic(out, "results/samplers.json")


if __name__ == "__main__":
    main()
