"""The compile cache and the chains on several cores.

* The key is a function of the model: the same model built twice has one key; other observed
  counts, another prior or another card value give another key.
* A loaded objective equals a freshly compiled one to the last bit and still takes toy data; its
  file carries no creation tracebacks (the live function's graph does).
* A damaged cache file is ignored (recompiled), and the cache can be switched off.
* The chains of one seed are the same on one core and on two (each chain's draws depend only on
  (seed, chain)), and two cores are not slower than one would have to be to be sequential.
* ``compile_all`` builds in forked processes, also from a daemonic process (a Dask worker), and a
  first fit with every cache empty gives the same numbers as the next one (the sampled density
  is always loaded from the cache, never the freshly JIT-compiled code).
"""

import json
import multiprocessing
import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest

from bayes_cevns.inference import compile_cache
from bayes_cevns.inference.compile_cache import CacheJob, compile_all, model_key
from bayes_cevns.inference.flat_density import flat_density, sample_nutpie
from bayes_cevns.inference.objective import objective
from bayes_cevns.model.build import build_model

DATA = ["coherent_csi_2021"]


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv(compile_cache.CACHE_ENV, str(folder))
    return folder


def _traces(fn) -> int:
    """Number of variables and nodes of a compiled function's graph that carry a creation traceback."""
    graph = fn.maker.fgraph
    return sum(bool(getattr(x.tag, "trace", None)) for x in [*graph.variables, *graph.apply_nodes])


def test_traceless_pickle_drops_only_the_traceback():
    x = pt.dscalar("x")
    fn = pytensor.function([x], pt.exp(x) * 2.0 + 1.0)
    assert _traces(fn) > 0  # PyTensor records where each variable was made
    again = pickle.loads(compile_cache.dumps(fn))
    assert _traces(again) == 0
    assert again(0.5) == fn(0.5)
    assert len(compile_cache.dumps(fn)) < len(pickle.dumps(fn))


def test_key_follows_the_model_and_nothing_else():
    a, b = build_model("sm_scaled", DATA), build_model("sm_scaled", DATA)
    assert model_key(a.model, "t") == model_key(b.model, "t")
    assert model_key(a.model, "t") != model_key(a.model, "u")
    obs = a.experiments[0].observed.copy()
    obs[0, 0] += 1
    other_data = build_model("sm_scaled", DATA, observed={DATA[0]: obs})
    other_prior = build_model("sm_scaled", DATA, priors={"cevns_scale": "uniform(0.0,2.5)"})
    other_value = build_model("sm", DATA, fixed={"sin2_theta_w": 0.24})
    keys = {model_key(m.model, "t") for m in (a, other_data, other_prior, other_value)}
    assert len(keys) == 4


def test_cached_objective_equals_a_fresh_one_and_takes_toys(cache, monkeypatch):
    built = build_model("sm_scaled", DATA)
    first = objective(built)  # compiled and stored
    (path,) = cache.glob("chi2-*.pkl")
    stored = pickle.loads(path.read_bytes())
    assert _traces(stored.value_and_grad) == 0
    loaded = objective(build_model("sm_scaled", DATA))  # loaded from the file
    monkeypatch.setenv(compile_cache.CACHE_ENV, "off")
    fresh = objective(build_model("sm_scaled", DATA))
    rng = np.random.default_rng(4)
    for _ in range(3):
        x = first.start + 0.1 * rng.standard_normal(first.start.size)
        v1, g1 = first.value_and_grad(x)
        v2, g2 = loaded.value_and_grad(x)
        v3, _ = fresh.value_and_grad(x)
        assert v1 == v2 == v3
        np.testing.assert_array_equal(g1, g2)
        assert loaded.fun(x) == v1 and np.array_equal(loaded.grad(x), g1)
    name = next(iter(loaded.data))
    before = loaded.fun(loaded.start)
    toy = loaded.data[name].get_value() + 3
    loaded.set_data({name: toy})
    fresh.set_data({name: toy})
    assert loaded.fun(loaded.start) != before
    assert loaded.fun(loaded.start) == fresh.fun(fresh.start)


def test_damaged_cache_file_is_recompiled(cache):
    built = build_model("sm_scaled", DATA)
    flat = flat_density(built.model)
    (path,) = cache.glob("flat_density-*.pkl")
    path.write_bytes(b"not a pickle")
    again = flat_density(build_model("sm_scaled", DATA).model)
    np.testing.assert_array_equal(again.logp_dlogp(flat.x0)[1], flat.logp_dlogp(flat.x0)[1])
    assert path.read_bytes() != b"not a pickle"


def test_chains_do_not_depend_on_the_number_of_cores(cache):
    built = build_model("sm_scaled", DATA)
    one = sample_nutpie(built.model, draws=60, tune=60, chains=3, seed=11, cores=1)
    two = sample_nutpie(built.model, draws=60, tune=60, chains=3, seed=11, cores=2)
    assert list(two.posterior.chain.values) == [0, 1, 2]
    for name in ("cevns_scale_csi", "csi_flux", "cevns_csi"):
        np.testing.assert_array_equal(one.posterior[name].values, two.posterior[name].values)
    a, b, _ = one.posterior["cevns_scale_csi"].values
    assert not np.array_equal(a, b)  # the chains differ from each other


def _build_records_pid() -> dict:
    return {"pid": os.getpid()}


def _compile_in_a_daemon(queue) -> None:
    compile_all([CacheJob("k", "daemon", _build_records_pid, lambda obj: None)])
    queue.put(os.getpid())


def test_compile_all_forks_also_from_a_daemonic_process(cache):
    """A Dask worker is a daemonic process, which multiprocessing forbids to start children."""
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=_compile_in_a_daemon, args=(queue,), daemon=True)
    proc.start()
    daemon_pid = queue.get(timeout=60)
    proc.join(60)
    assert proc.exitcode == 0
    stored = CacheJob("k", "daemon", lambda: pytest.fail("not stored by the daemon's child"), lambda obj: None).load()
    assert stored["pid"] not in (os.getpid(), daemon_pid)  # built in a process the daemon forked


def test_a_failing_job_leaves_no_file_and_no_error(cache):
    def broken() -> dict:
        raise RuntimeError("does not compile")

    compile_all([CacheJob("k", "broken", broken, lambda obj: None)])
    assert not list(cache.glob("broken-*"))


@pytest.mark.slow
def test_first_fit_on_empty_caches_equals_the_next(tmp_path):
    """Every cache (PyTensor, Numba, the package's) in an empty folder: the first fit JIT-compiles
    in forked processes and loads from the cache, so it samples with the same machine code as the
    second fit and gives the same posterior and best fit to the last bit."""
    env = {**os.environ, compile_cache.CACHE_ENV: str(tmp_path / "cache"), "XDG_CACHE_HOME": str(tmp_path / "xdg"),
           "PYTENSOR_FLAGS": f"base_compiledir={tmp_path / 'pytensor'}", "NUMBA_CACHE_DIR": str(tmp_path / "numba")}
    cmd = [str(Path(sys.executable).parent / "bayes-cevns"), "fit", "sm_scaled", "--data", DATA[0], "--draws", "150",
           "--tune", "150", "--chains", "2", "--seed", "3", "--json"]
    runs = [json.loads(subprocess.run(cmd, env=env, capture_output=True, text=True, check=True, timeout=600).stdout)
            for _ in range(2)]
    assert list((tmp_path / "cache").glob("flat_density-*.pkl"))
    assert runs[0] == runs[1]
    assert runs[0]["diagnostics"]["divergences"] == 0
