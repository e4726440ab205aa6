"""The flat-vector log density (inference/flat_density.py) against PyMC's own compiled functions,
and nutpie NUTS through it against analytic posteriors."""

import numpy as np
import pymc as pm
import pytest

from bayes_cevns.inference.flat_density import flat_density, sample_nutpie
from bayes_cevns.model.build import build_model


@pytest.fixture(scope="module")
def csi_model():
    return build_model("sm_scaled", ["coherent_csi_2021"])


def test_logp_and_gradient_equal_pymc(csi_model):
    """At random points, log p and its gradient equal ``model.compile_logp``/``compile_dlogp``."""
    flat = flat_density(csi_model)
    logp = csi_model.compile_logp(jacobian=True)
    dlogp = csi_model.compile_dlogp(jacobian=True)
    names = [csi_model.rvs_to_values[rv].name for rv in csi_model.free_RVs]
    rng = np.random.default_rng(3)
    for _ in range(5):
        x = flat.x0 + 0.3 * rng.standard_normal(flat.n_dim)
        point = flat.point(x)
        lp, grad = flat.logp_dlogp(x)
        assert lp == pytest.approx(float(logp(point)), rel=1e-10)
        ref = np.asarray(dlogp(point))
        # compile_dlogp ravels the value variables in model.value_vars order
        order = [v.name for v in csi_model.value_vars]
        ref_by_name = {}
        i = 0
        for n in order:
            k = int(np.prod(flat.shapes[n])) if flat.shapes[n] else 1
            ref_by_name[n] = ref[i:i + k]
            i += k
        mine = np.concatenate([np.ravel(ref_by_name[n]) for n in names])
        np.testing.assert_allclose(grad, mine, rtol=1e-8, atol=1e-10)


def test_expand_gives_constrained_values_and_deterministics(csi_model):
    flat = flat_density(csi_model)
    x = flat.x0 + 0.2
    point = flat.point(x)
    stored = dict(zip(flat.stored_names, flat.expand(x)))
    for name in ("cevns_scale_csi", "csi_flux", "csi_qf_z0", "cevns_csi", "xsec_csi", "mu_csi"):
        assert name in stored
    outs = csi_model.replace_rvs_by_values([csi_model[n] for n in ("cevns_csi", "cevns_scale_csi", "mu_csi")])
    ref = csi_model.compile_fn(outs, inputs=csi_model.value_vars, on_unused_input="ignore")(point)
    assert stored["cevns_csi"] == pytest.approx(float(ref[0]), rel=1e-12)
    assert stored["cevns_scale_csi"] == pytest.approx(float(ref[1]), rel=1e-12)
    np.testing.assert_allclose(stored["mu_csi"], ref[2], rtol=1e-12)
    assert not any(n.endswith("__") for n in flat.stored_names)


def test_nutpie_recovers_analytic_posterior():
    """Conjugate normal mean plus a bounded (interval-transformed) variable with a known posterior."""
    y = np.array([1.2, 0.4, 2.1, 1.7, 0.9, 1.5])
    with pm.Model() as model:
        mu = pm.Normal("mu", 0.0, 2.0)
        pm.Normal("y", mu, 1.0, observed=y)
        p = pm.Uniform("p", 0.0, 1.0)
        pm.Binomial("k", n=20, p=p, observed=6)
        pm.Deterministic("two_mu", 2 * mu)
    idata = sample_nutpie(model, draws=1500, tune=500, chains=2, seed=4)
    prec = 1 / 2.0**2 + y.size
    mean, sd = y.sum() / prec, prec**-0.5
    m = np.asarray(idata.posterior["mu"]).ravel()
    assert m.mean() == pytest.approx(mean, abs=4 * sd / np.sqrt(600))
    assert m.std() == pytest.approx(sd, rel=0.1)
    pv = np.asarray(idata.posterior["p"]).ravel()  # Beta(7, 15)
    assert pv.mean() == pytest.approx(7 / 22, abs=0.01)
    assert (pv > 0).all() and (pv < 1).all()
    np.testing.assert_allclose(np.asarray(idata.posterior["two_mu"]), 2 * np.asarray(idata.posterior["mu"]))
    assert int(np.asarray(idata.sample_stats["diverging"]).sum()) == 0


def test_discrete_variables_are_refused():
    with pm.Model() as model:
        pm.Poisson("n", 3.0)
        pm.Normal("x", 0.0, 1.0)
    with pytest.raises(ValueError, match="discrete"):
        flat_density(model)
