"""Tests of the inference layer: the PyMC likelihood graph, the frequentist objective, NUTS,
priors, provenance-stamped result files and convergence checks.

The likelihood is checked against an independent NumPy/SciPy recomputation (independent Helm
form factor and weak charge, NumPy morphing of the precomputed response and templates, SciPy
Poisson/normal/truncated-normal densities). All graphs, the NUTS one included, are compiled in
PyTensor's FAST_COMPILE mode: the values do not depend on the backend, and a cold Numba compile
of the NUTS logp/gradient alone takes ~2 minutes (FAST_COMPILE NUTS: ~30 s, cold or warm).
NUTS uses the "pymc" sampler with small draws.
"""

import json
import os
import warnings
from pathlib import Path

import numpy as np
import pytensor
import pytest
import xarray as xr
from pymc.model.transform.conditioning import remove_value_transforms
from scipy import stats

import bayes_cevns
from bayes_cevns.model.cards import CardError, Prior, load_card
from bayes_cevns.experiments import load_experiment
from bayes_cevns.inference import sampling
from bayes_cevns.io import save_atomic
from bayes_cevns.model.build import baker_cousins_offset, build_model
from bayes_cevns.model.predict import predicted_arrays
from bayes_cevns.inference.profile import minimise, objective, profile_derived, profile_scan
from support import REPO_ROOT

DATA = REPO_ROOT / "data"
FAST = "FAST_COMPILE"
SEED = 20261122

# ---- independent SM weak charge (see tests/test_physics.py for the references) ----------
HBARC, AMU, M_E = 197.3269804, 931.49410242, 0.51099895
GVP, GVN = np.array([0.0401, 0.0318, 0.0318]), -0.5094
NUCLEI = {  # Z, N, nuclear mass (MeV), r_p, r_n (fm)
    "Cs133": (55, 78, 132.905451961 * AMU - 55 * M_E, 4.821, 5.09),
    "I127": (53, 74, 126.904473 * AMU - 53 * M_E, 4.766, 5.03),
    "Ar40": (18, 22, 39.9623831237 * AMU - 18 * M_E, 3.448, 3.55),
}


def _helm(q, r, s=0.9):
    r0 = np.sqrt(5.0 / 3.0 * (r**2 - 3.0 * s**2))
    x = q / HBARC * r0
    return 3.0 * (np.sin(x) - x * np.cos(x)) / x**3 * np.exp(-0.5 * (q / HBARC * s) ** 2)


def q2_for(exp) -> np.ndarray:
    out = []
    for i, iso in enumerate(exp.isotopes):
        z, n, m, rp, rn = NUCLEI[iso.name]
        q = np.sqrt(2.0 * m * exp.recoil_grid[i])
        out.append((GVP[:, None] * z * _helm(q, rp)[None] + GVN * n * _helm(q, rn)[None]) ** 2)
    return np.stack(out)


pytestmark = pytest.mark.usefixtures("fast_compile")


@pytest.fixture(scope="module")
def csi():
    return load_experiment("coherent_csi_2021")


@pytest.fixture(scope="module")
def model(csi):
    return build_model("sm_scaled", ["coherent_csi_2021"])


@pytest.fixture(scope="module")
def obj(model):
    return objective(model)


@pytest.fixture(scope="module")
def best(obj):
    return minimise(obj)


# --------------------------------------------------------------------------------------
# Likelihood graph vs NumPy
# --------------------------------------------------------------------------------------
def _random_points(n=3):
    rng = np.random.default_rng(7)
    for _ in range(n):
        yield {
            "cevns_scale_csi": rng.uniform(0.6, 1.4),
            "csi_flux": rng.uniform(0.85, 1.15),
            "csi_qf_z0": rng.normal(),
            "csi_qf_z1": rng.normal(),
            "csi_eff": rng.normal(),
            "csi_onset": rng.uniform(-0.5, 0.5),
            "csi_brn_norm": rng.uniform(0.6, 1.4),
            "csi_nin_norm": rng.uniform(0.6, 1.4),
            "csi_ss_norm": rng.uniform(0.95, 1.05),
        }


def _mu_numpy(exp, p):
    z = {k: v for k, v in p.items() if k in exp.nuisances}
    mu = exp.signal_numpy(q2_for(exp) * p["cevns_scale_csi"], z)
    for name, bkg in exp.backgrounds.items():
        mu = mu + bkg.template.evaluate(z) * p[f"csi_{name}_norm"]
    return mu


def test_model_variables(model):
    free = {rv.name for rv in model.free_RVs}
    assert free == {"cevns_scale_csi", "csi_flux", "csi_qf_z0", "csi_qf_z1", "csi_eff", "csi_onset",
                    "csi_brn_norm", "csi_nin_norm", "csi_ss_norm"}
    assert {rv.name for rv in model.observed_RVs} == {"obs_csi", "csi_ss_aux"}
    assert model.sampled_parameters == ["cevns_scale_csi"]


def test_poisson_loglik_matches_numpy(model, csi):
    plain = remove_value_transforms(model)
    logp = plain.compile_logp(vars=[plain["obs_csi"]], jacobian=False, sum=True)
    mu_graph = plain.replace_rvs_by_values([plain["mu_csi"]])[0]
    mu_fn = plain.compile_fn(mu_graph, point_fn=True)
    n_checked = 0
    for p in _random_points():
        point = {plain.rvs_to_values[plain[k]].name: np.asarray(v) for k, v in p.items()}
        mu = _mu_numpy(csi, p)
        np.testing.assert_allclose(mu_fn(point), mu, rtol=1e-9)
        ref = stats.poisson.logpmf(csi.observed, mu).sum()
        np.testing.assert_allclose(logp(point), ref, rtol=1e-9)
        n_checked += 1
    assert n_checked == 3


def _constraint_logp(p):
    """log priors of the nuisances (truncated normals normalised on their support) + SS aux."""
    def tn(x, mu, s, lo=-np.inf, hi=np.inf):
        return stats.truncnorm.logpdf(x, (lo - mu) / s, (hi - mu) / s, loc=mu, scale=s)

    return (tn(p["csi_flux"], 1.0, 0.10, 0.0)
            + stats.norm.logpdf([p["csi_qf_z0"], p["csi_qf_z1"], p["csi_eff"]]).sum()
            + tn(p["csi_onset"], 0.0, 0.2, -0.6, 0.6)
            + tn(p["csi_brn_norm"], 1.0, 0.25, 0.0)
            + tn(p["csi_nin_norm"], 1.0, 0.35, 0.0)
            + stats.uniform.logpdf(p["csi_ss_norm"], 0.5, 1.0)
            + stats.poisson.logpmf(1295, 1295 * p["csi_ss_norm"]))


def test_objective_differences_are_likelihood_ratios(obj, csi):
    """chi^2(x1) - chi^2(x2) = -2 ln [L(x1) pi(x1) / L(x2) pi(x2)] over the nuisance priors and
    the SS auxiliary measurement; the analytic gradient matches central differences."""
    pts = list(_random_points())
    chi2 = [obj.fun(np.array([p[n] for n in obj.names])) for p in pts]
    ref = [-2.0 * (stats.poisson.logpmf(csi.observed, _mu_numpy(csi, p)).sum() + _constraint_logp(p))
           for p in pts]
    np.testing.assert_allclose(np.diff(chi2), np.diff(ref), rtol=1e-8, atol=1e-8)
    x = np.array([pts[0][n] for n in obj.names])
    g = obj.grad(x)
    for i in range(len(x)):
        h = 1e-5 * max(1.0, abs(x[i]))
        xp, xm = x.copy(), x.copy()
        xp[i] += h
        xm[i] -= h
        np.testing.assert_allclose(g[i], (obj.fun(xp) - obj.fun(xm)) / (2 * h), rtol=1e-4, atol=1e-3)


def test_objective_excludes_physics_prior(obj, csi):
    """chi^2 = -2 (ln L_data + ln L_aux + ln priors of nuisances); the physics prior is excluded."""
    for p in _random_points(1):
        x = np.array([p[n] for n in obj.names])
        ref = -2.0 * (stats.poisson.logpmf(csi.observed, _mu_numpy(csi, p)).sum() + _constraint_logp(p))
        np.testing.assert_allclose(obj.fun(x), ref, rtol=1e-9)


def test_profile_best_fit_independent_of_physics_prior(best):
    m = build_model("sm_scaled", ["coherent_csi_2021"],
                    priors={"cevns_scale": "truncated_normal(1.0, 0.05, 0.0, 3.0)"})
    fit = minimise(objective(m))
    assert abs(fit.values["cevns_scale_csi"] - best.values["cevns_scale_csi"]) < 0.01, fit.values


def test_baker_cousins_offset():
    rng = np.random.default_rng(11)
    n = rng.poisson(rng.uniform(0.0, 30.0, (9, 11))).astype(float)
    assert (n == 0).any()
    for _ in range(3):
        mu = rng.uniform(0.05, 40.0, n.shape)
        # [LM] Eq. 6: chi2_BC = 2 sum (mu - n + n ln(n/mu)), the last term 0 for n = 0
        nlog = np.where(n > 0, n * np.log(np.where(n > 0, n, 1.0) / mu), 0.0)
        chi2_bc = 2.0 * np.sum(mu - n + nlog)
        m2lnl = -2.0 * stats.poisson.logpmf(n, mu).sum()
        np.testing.assert_allclose(chi2_bc, m2lnl + baker_cousins_offset(n), rtol=1e-12)
    # chi2_BC vanishes at mu = n (saturated model), up to the n = 0 bins (mu -> 0)
    pos = n > 0
    np.testing.assert_allclose(-2.0 * stats.poisson.logpmf(n[pos], n[pos]).sum() + baker_cousins_offset(n[pos]),
                               0.0, atol=1e-9)


# --------------------------------------------------------------------------------------
# Asimov data sets
# --------------------------------------------------------------------------------------
def _asimov(exp_name):
    arr = predicted_arrays(load_card("sm_scaled"), exp_name, {})
    return sum(v for k, v in arr.items() if not k.startswith("_"))


@pytest.mark.parametrize("exp_name, p", [("coherent_csi_2021", "csi"), ("coherent_ar_2020", "ar")])
def test_asimov_gauss_recovers_nominal(exp_name, p):
    asimov = _asimov(exp_name)
    assert not np.allclose(asimov, np.round(asimov))  # genuinely non-integer
    m = build_model("sm_scaled", [exp_name], observed={exp_name: asimov},
                    likelihood={exp_name: "gauss_chi2"})
    fit = minimise(objective(m))
    assert fit.valid
    assert abs(fit.values[f"cevns_scale_{p}"] - 1.0) < 0.02, fit.values
    exp = load_experiment(exp_name)
    for n, nu in exp.nuisances.items():  # every nuisance at its prior centre (5% of its sigma)
        assert abs(fit.values[n] - nu.mu) < 0.05 * nu.sigma, (n, fit.values[n])
    for b in exp.backgrounds:
        assert abs(fit.values[f"{p}_{b}_norm"] - 1.0) < 0.02, (b, fit.values)


def test_asimov_poisson_rejects_non_integer_data():
    """Non-integer data with the Poisson likelihood is a clear error, not a silent int cast."""
    asimov = _asimov("coherent_csi_2021")
    with pytest.raises(ValueError, match="integer counts"):
        build_model("sm_scaled", ["coherent_csi_2021"], observed={"coherent_csi_2021": asimov})


# --------------------------------------------------------------------------------------
# NUTS vs the profile likelihood
# --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def posterior(model):
    with pytensor.config.change_flags(mode=FAST), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sampling.sample(model, draws=150, tune=150, chains=2, seed=SEED, sampler="pymc",
                               cores=2)


def test_nuts_agrees_with_minuit(posterior, best):
    x = np.asarray(posterior.posterior["cevns_scale_csi"]).reshape(-1)
    assert x.size == 300
    assert abs(x.mean() - best.values["cevns_scale_csi"]) < 2.0 * x.std(ddof=1)
    # posterior width and the MIGRAD/HESSE error agree to within the small-sample noise
    assert 0.6 < x.std(ddof=1) / best.errors["cevns_scale_csi"] < 1.6


def test_wilks_interval_overlaps_hdi(posterior, obj):
    scan = profile_scan(obj, "cevns_scale_csi", np.linspace(0.5, 1.5, 11))
    lo, hi = scan["1sigma"]
    assert lo is not None and hi is not None
    assert lo < scan["best_fit"] < hi
    assert min(scan["delta_chi2"]) < 0.1 and max(scan["delta_chi2"]) > 4.0
    # the Wilks interval half-width is close to the Hesse error (nearly parabolic profile)
    assert abs(0.5 * (hi - lo) / scan["minuit_error"] - 1.0) < 0.25
    s = sampling.summarise(posterior, ["cevns_scale_csi"])["cevns_scale_csi"]
    assert s["hdi_low"] < hi and lo < s["hdi_high"], (scan["1sigma"], s)


def test_profile_of_derived_count_maps_the_scale_profile():
    """With flux, quenching and efficiency fixed the published count is scale x constant, so the
    profile of the derived count (penalty method) must be the scale profile mapped by that constant;
    with every nuisance free, it stays a valid profile whose best fit is the count at the minimum."""
    m = build_model("sm_scaled", ["coherent_csi_2021"]).do(
        {"csi_flux": 1.0, "csi_qf_z0": 0.0, "csi_qf_z1": 0.0, "csi_eff": 0.0})
    ob = objective(m, derived=["cevns_csi"])
    per_scale = ob.derived["cevns_csi"](np.where(np.array(ob.names) == "cevns_scale_csi", 1.0, ob.start))[0]
    scan = profile_scan(ob, "cevns_scale_csi", np.linspace(0.5, 1.5, 41))
    counts = profile_derived(ob, "cevns_csi", per_scale * np.linspace(0.5, 1.5, 41))
    assert counts["best_fit"] == pytest.approx(per_scale * scan["best_fit"], rel=1e-4)
    for k in ("1sigma", "2sigma"):
        np.testing.assert_allclose(counts[k], per_scale * np.asarray(scan[k]), rtol=2e-3)
    with pytest.raises(ValueError, match="unknown derived"):
        objective(m, derived=["no_such_quantity"])
    with pytest.raises(ValueError, match="must be a scalar"):
        objective(m, derived=["mu_csi"])
    with pytest.raises(ValueError, match="was not compiled"):
        profile_derived(objective(m), "cevns_csi", [300.0])


def test_derived_published_count(posterior, csi):
    """cevns_csi = scale x flux x sum_f N_f(z) x window_fraction_f, recomputed per draw in NumPy."""
    post = posterior.posterior
    q2 = q2_for(csi).reshape(-1)
    frac = csi.time_table.window_fraction
    names = ("csi_qf_z0", "csi_qf_z1", "csi_eff")
    vals = {n: np.asarray(post[n]).reshape(-1) for n in (*names, "csi_flux", "cevns_scale_csi", "cevns_csi")}
    for i in range(0, vals["cevns_csi"].size, 15):
        z = {n: vals[n][i] for n in names}
        per_f = (csi.energy_response.evaluate(z) @ q2).reshape(3, -1).sum(1)
        ref = vals["cevns_scale_csi"][i] * vals["csi_flux"][i] * per_f @ frac
        np.testing.assert_allclose(vals["cevns_csi"][i], ref, rtol=1e-8)


def test_in_data_count_is_mu_minus_backgrounds(posterior):
    """cevns_in_data_csi is the CEvNS part of mu_csi (every efficiency applied): mu minus the
    background templates times their norms, per draw; it sits ~7% below the published convention
    (the time-dependent efficiency)."""
    from bayes_cevns.experiments import load_experiment

    exp = load_experiment("coherent_csi_2021")
    post = posterior.posterior
    mu = np.asarray(post["mu_csi"]).reshape(-1, *exp.observed.shape)
    bkg = sum(np.asarray(post[f"csi_{b}_norm"]).reshape(-1, 1, 1) * t.template.nominal
              for b, t in exp.backgrounds.items())
    inside = np.asarray(post["cevns_in_data_csi"]).reshape(-1)
    np.testing.assert_allclose(inside, (mu - bkg).sum(axis=(1, 2)), rtol=1e-8)
    ratio = inside / np.asarray(post["cevns_csi"]).reshape(-1)
    assert 0.90 < ratio.min() and ratio.max() < 0.96


# --------------------------------------------------------------------------------------
# Priors
# --------------------------------------------------------------------------------------
def test_bad_priors():
    with pytest.raises(CardError):
        Prior("normal", {"mu": 0.0, "sigma": -1.0})
    with pytest.raises(CardError):
        Prior.parse("uniform(1,0)")
    with pytest.raises(CardError):
        Prior.parse("cauchy(0,1)")
    with pytest.raises(CardError):
        Prior.parse("normal(0)")
    with pytest.raises(CardError):
        Prior("log_uniform", {"lower": 0.0, "upper": 1.0})
    with pytest.raises(CardError):
        Prior("uniform", {"lower": 0.0, "upper": float("inf")})
    assert Prior.parse(" truncated_normal(1, 0.1, 0, 2) ").args == {"mu": 1.0, "sigma": 0.1,
                                                                      "lower": 0.0, "upper": 2.0}


def test_build_model_rejects_bad_priors():
    with pytest.raises(CardError, match="nope"):
        build_model("sm_scaled", ["coherent_csi_2021"], priors={"nope": "uniform(0,1)"})
    with pytest.raises(CardError, match="physical bound"):
        build_model("sm_scaled", ["coherent_csi_2021"], priors={"cevns_scale": "uniform(-1,2)"})
    with pytest.raises(CardError):
        build_model("sm_scaled", ["coherent_csi_2021"], free=["rn_cs"])
    with pytest.raises(ValueError, match="likelihood"):
        build_model("sm_scaled", ["coherent_csi_2021"], likelihood={"coherent_csi_2021": "chi2"})


def test_prior_override_is_used():
    m = build_model("sm", ["coherent_csi_2021"], priors={"rn_cs": "uniform(4,6)"})
    assert "rn_cs" in {rv.name for rv in m.free_RVs}
    ip = m.initial_point()
    # interval transform of Uniform(4, 6): the initial point maps to the centre 5
    obj = objective(m)
    assert obj.limits[obj.names.index("rn_cs")] == (4.0, 6.0)
    np.testing.assert_allclose(obj.start[obj.names.index("rn_cs")], 5.0)
    assert "rn_cs_interval__" in ip


# --------------------------------------------------------------------------------------
# Result files and convergence checks
# --------------------------------------------------------------------------------------
def test_save_atomic_provenance(posterior, tmp_path):
    out = tmp_path / "sub" / "post.nc"
    path = save_atomic(posterior, out)
    assert path == out and out.is_file()
    leftovers = [f for f in os.listdir(out.parent) if f.endswith(".tmp")]
    assert leftovers == []
    tree = xr.open_datatree(out, engine="h5netcdf")
    attrs = tree.attrs
    assert attrs["bayes_cevns_version"] == bayes_cevns.__version__
    assert int(attrs["seed"]) == SEED
    assert attrs["model_card"] == load_card("sm_scaled").text
    sha = json.loads(attrs["data_sha256"])
    manifest = dict(reversed(line.split()) for line in (DATA / "SHA256SUMS").read_text().splitlines()
                    if line.startswith(tuple("0123456789abcdef")))
    csi_files = {k: v for k, v in manifest.items() if k.startswith("coherent_csi_2021/")}
    assert len(csi_files) == 8  # the CsI release vendors 8 files
    assert sha == csi_files
    np.testing.assert_array_equal(tree["posterior"]["cevns_scale_csi"].values,
                                  posterior.posterior["cevns_scale_csi"].values)
    tree.close()


def test_save_atomic_failure_keeps_old_file(tmp_path):
    class Broken:
        def to_netcdf(self, path, **kw):
            Path(path).write_bytes(b"partial")
            raise OSError("disk full")

    out = tmp_path / "post.nc"
    out.write_bytes(b"previous result")
    with pytest.raises(OSError):
        save_atomic(Broken(), out)
    assert out.read_bytes() == b"previous result"
    assert sorted(os.listdir(tmp_path)) == ["post.nc"]


def test_check_convergence_warns():
    with pytest.warns(sampling.ConvergenceWarning, match="R-hat"):
        problems = sampling.check_convergence({"rhat_max": 1.05, "ess_bulk_min": 1000.0, "divergences": 0})
    assert len(problems) == 1 and "1.050" in problems[0]
    with pytest.warns(sampling.ConvergenceWarning):
        problems = sampling.check_convergence({"rhat_max": float("nan"), "ess_bulk_min": 50.0,
                                               "divergences": 3})
    assert len(problems) == 3
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert sampling.check_convergence({"rhat_max": 1.001, "ess_bulk_min": 1000.0, "divergences": 0}) == []


def test_diagnostics_of_real_run(posterior):
    d = sampling.diagnostics(posterior, ["cevns_scale_csi", "csi_flux"])
    assert d["divergences"] == int(np.asarray(posterior.sample_stats["diverging"]).sum())
    assert 0.99 < d["rhat_max"] < 1.2
    assert 20 < d["ess_bulk_min"] <= 300 * 1.5


def test_prediction_cache_respects_card_options():
    """A card whose options differ (form factor) must not reuse another card's compiled prediction."""
    import dataclasses

    card = load_card("sm")
    kn = dataclasses.replace(card, options={**card.options, "form_factor": "klein_nystrand"})
    helm = predicted_arrays(card, "coherent_csi_2021", {})["cevns"].sum()
    other = predicted_arrays(kn, "coherent_csi_2021", {})["cevns"].sum()
    assert abs(other / helm - 1) > 1e-3
