"""The JAX path: the objective compiled by XLA and numpyro's NUTS, against the Numba objective,
MIGRAD and HESSE on the same CsI 2021 model (the backends share nothing after the PyTensor graph:
XLA code and ``jax.grad`` on one side, Numba/C code and PyTensor's symbolic gradient on the other).
"""
import sys
import warnings

import numpy as np
import pytensor
import pytest

pytest.importorskip("jax")
pytest.importorskip("numpyro")

from bayes_cevns.inference import jax_backend, sampling  # noqa: E402
from bayes_cevns.inference.profile import minimise, objective  # noqa: E402
from bayes_cevns.model.build import build_model  # noqa: E402

SEED = 20261202


@pytest.fixture(scope="module")
def model():
    return build_model("sm_scaled", ["coherent_csi_2021"])


@pytest.fixture(scope="module")
def numba_obj(model):
    with pytensor.config.change_flags(mode="FAST_COMPILE"):
        return objective(model)


@pytest.fixture(scope="module")
def jax_obj(model):
    return objective(model, backend="jax")


def _points(obj, n=3):
    rng = np.random.default_rng(11)
    for _ in range(n):
        yield obj.start * rng.uniform(0.9, 1.1, obj.start.size) + rng.normal(0.0, 0.05, obj.start.size)


def test_chi2_and_gradient_match_numba(numba_obj, jax_obj):
    assert jax_obj.names == numba_obj.names
    for x in _points(numba_obj):
        v_n, g_n = numba_obj.value_and_grad(x)
        v_j, g_j = jax_obj.value_and_grad(x)
        assert v_j == pytest.approx(v_n, rel=1e-10)
        np.testing.assert_allclose(g_j, g_n, rtol=1e-7, atol=1e-8 * np.abs(g_n).max())


def test_outside_support_is_infinite(numba_obj, jax_obj):
    i, (lower, _) = next((i, lim) for i, lim in enumerate(numba_obj.limits) if lim[0] is not None)
    x = numba_obj.start.copy()
    x[i] = lower - 1.0
    assert numba_obj.fun(x) == np.inf
    assert jax_obj.fun(x) == np.inf


def test_minimum_matches_numba(numba_obj, jax_obj):
    a, b = minimise(numba_obj), minimise(jax_obj)
    assert a.valid and b.valid
    assert b.chi2 == pytest.approx(a.chi2, abs=1e-6)
    for n in a.values:
        assert b.values[n] == pytest.approx(a.values[n], abs=1e-3 * max(a.errors[n], 1e-3)), n


def test_numpyro_posterior_agrees_with_minuit(model, numba_obj):
    best = minimise(numba_obj)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        idata = sampling.sample(model, draws=400, tune=400, chains=2, seed=SEED, sampler="numpyro")
    assert idata.attrs["sampler"] == "numpyro"
    x = np.asarray(idata.posterior["cevns_scale_csi"]).reshape(-1)
    assert x.size == 800
    assert abs(x.mean() - best.values["cevns_scale_csi"]) < 0.5 * x.std(ddof=1)
    assert 0.75 < x.std(ddof=1) / best.errors["cevns_scale_csi"] < 1.35
    diag = sampling.diagnostics(idata, ["cevns_scale_csi", "csi_flux"])
    assert diag["rhat_max"] < 1.05 and diag["divergences"] == 0


def test_bad_backend_requests(model):
    with pytest.raises(ValueError, match="unknown objective backend 'xla'"):
        objective(model, backend="xla")
    with pytest.raises(ValueError, match="derived quantities need the numba"):
        objective(model, derived=["cevns_csi"], backend="jax")


def test_missing_jax_is_one_line(monkeypatch):
    monkeypatch.setitem(sys.modules, "jax", None)
    with pytest.raises(ImportError, match=r"pip install 'bayes_cevns\[jax\]'"):
        jax_backend.enable_jax()
