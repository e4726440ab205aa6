"""nutpie chains on every core: forked workers that share the one compiled log density.

nutpie calls the Python log density of :mod:`bayes_cevns.inference.flat_density` with the GIL held,
so in one process its chains run in turn. Once the density is compiled (or loaded from the compile
cache), :func:`sample_chains` forks ``cores`` worker processes; each inherits the compiled function,
runs its share of the chains and returns their DataTrees, which are joined along ``chain``.

Every chain is its own ``nutpie.sample`` call with the seed ``SeedSequence([seed, chain])``, so the
draws of chain c depend only on (seed, c): the same seed gives the same posterior with any number
of cores. Workers ignore SIGINT and die on SIGTERM; the parent handles both (and terminates them).
On a platform without ``fork`` the chains run in this process. :func:`forked_map` is the same
mechanism for any map over independent tasks of compiled functions (the rows of the NSI table).
"""

import multiprocessing
import os
import signal
import warnings

import numpy as np
import xarray as xr

_JOB: dict = {}  # the compiled nutpie model and settings, inherited by the forked workers


def chain_seed(seed: int, chain: int) -> int:
    """nutpie seed of one chain: a function of (seed, chain) only."""
    return int(np.random.SeedSequence([int(seed), int(chain)]).generate_state(1, dtype=np.uint32)[0])


def _run(chain_ids: list[int]) -> list[tuple[int, xr.DataTree]]:
    import nutpie

    job = _JOB
    return [(c, nutpie.sample(job["compiled"], draws=job["draws"], tune=job["tune"], chains=1,
                              seed=chain_seed(job["seed"], c), cores=1, target_accept=job["target_accept"],
                              progress_bar=job["progressbar"], save_warmup=False))
            for c in chain_ids]


def _worker_init() -> None:
    """Signals as described above, and one BLAS/OpenMP thread per worker: the workers already use
    every core, and threads inherited from the parent's pools would oversubscribe them (the NSI
    table took 183 s on 2 forked workers with the default OpenBLAS threads, 43 s with one)."""
    from threadpoolctl import threadpool_limits

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    threadpool_limits(1)


def default_cores(chains: int) -> int:
    """Worker processes for ``chains`` chains: one per available core, at most one per chain."""
    try:
        available = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        available = os.cpu_count() or 1
    return max(1, min(chains, available))


def forked_map(fn, items: list, cores: int) -> list:
    """``[fn(item) for item in items]`` on ``cores`` forked worker processes, in order.

    The workers inherit everything compiled before the call (module globals included), so ``fn``
    may use functions that cannot be pickled; only ``fn`` (a module-level function), the items and
    the results travel. Runs in this process with one core, without ``fork``, or inside a daemonic
    process (a Dask worker), which may not start children."""
    if (cores <= 1 or len(items) <= 1 or "fork" not in multiprocessing.get_all_start_methods()
            or multiprocessing.current_process().daemon):
        return [fn(item) for item in items]
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*use of fork\\(\\) may lead to deadlocks.*")
        with multiprocessing.get_context("fork").Pool(min(cores, len(items)), initializer=_worker_init) as pool:
            return pool.map(fn, items, chunksize=1)


def sample_chains(compiled, draws: int, tune: int, chains: int, seed: int, cores: int | None = None,
                  target_accept: float = 0.8, progressbar: bool = False) -> xr.DataTree:
    """Run ``chains`` nutpie chains of ``compiled`` (a nutpie model) on ``cores`` processes (default:
    :func:`default_cores`) and return one DataTree with chains 0 .. chains-1."""
    cores = default_cores(chains) if cores is None else max(1, min(int(cores), chains))
    _JOB.update(compiled=compiled, draws=draws, tune=tune, seed=seed, target_accept=target_accept,
                progressbar=progressbar and cores == 1)
    shares = [list(range(chains))[w::cores] for w in range(cores)]
    try:
        results = [r for part in forked_map(_run, shares, cores) for r in part]
    finally:
        _JOB.clear()
    return join_chains([t for _, t in sorted(results, key=lambda r: r[0])])


def join_chains(trees: list[xr.DataTree]) -> xr.DataTree:
    """One DataTree from single-chain ones: every group concatenated along ``chain``, numbered from 0."""
    groups = {}
    for name in trees[0].children:
        ds = xr.concat([t[name].to_dataset() for t in trees], dim="chain")
        groups[name] = ds.assign_coords(chain=np.arange(ds.sizes["chain"]))
    out = xr.DataTree.from_dict(groups)
    out.attrs.update(trees[0].attrs)
    return out
