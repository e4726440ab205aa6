"""Coupling limits in the (M, g) plane (issue: exclusion limits and credible regions).

One compiled CsI+Ar universal-model scan is shared by the tests of this module (~15 s to
compile). The full table, the 40-mass scans and the NUTS comparison live in ``benchmarks/``.
"""

import json
import math

import numpy as np
import pytest
from typer.testing import CliRunner

from bayes_cevns.model.cards import CardError
from bayes_cevns.cli import app
from bayes_cevns.inference import limits
from bayes_cevns.inference.limits import (
    MediatorScan,
    Slice,
    bayes_upper,
    chi2_upper,
    delta_chi2_threshold,
    mode_masses,
    posterior_log10_g,
)
from bayes_cevns.inference.profile import minimise
from bayes_cevns.studies.scan import load_slices, parse_masses, run_scan, scan_fingerprint, slice_path

BOTH = ["coherent_csi_2021", "coherent_ar_2020"]


@pytest.fixture(scope="module")
def scan():
    return MediatorScan("universal", BOTH)


@pytest.fixture(scope="module")
def low_slice(scan):
    return scan.slice(0.1)


@pytest.fixture(scope="module")
def high_slice(scan):
    return scan.slice(1.0e4)


def test_threshold_is_wilks_one_dof():
    """2 sigma (95.45%) with one parameter of interest per mass slice: Delta chi^2 = 4."""
    assert delta_chi2_threshold(0.9545) == pytest.approx(4.0, abs=1e-3)
    assert delta_chi2_threshold(0.9545, 2) == pytest.approx(6.18, abs=0.01)
    with pytest.raises(ValueError):
        delta_chi2_threshold(1.5)


def test_universal_low_mass_bound_matches_lm(low_slice):
    """[LM] universal, CsI+Ar, chi^2: g < 2.07e-5 at low mass; we must be within 15%."""
    g = chi2_upper(low_slice)["coupling_upper"]
    assert g == pytest.approx(2.07e-5, rel=0.15), g


def test_universal_high_mass_bound_matches_lm(high_slice):
    """[LM] universal, CsI+Ar, chi^2: g/M < 0.48e-3 GeV^-1 at high mass; within 15%."""
    g = chi2_upper(high_slice)["coupling_upper"]
    assert g / 10.0 == pytest.approx(0.48e-3, rel=0.15), g


def test_profile_is_a_minimum_over_nuisances(scan):
    """The profiled chi^2 is below chi^2 at the nominal nuisances and its gradient vanishes."""
    lm = math.log10(10.0)
    c2, xn, h = scan.profile(-5.0, lm)
    nominal = scan.obj.fun(scan._full(-5.0, lm, scan.start[scan.nuis]))
    assert c2 < nominal
    _, g = scan._value_grad(-5.0, lm, xn)
    interior = [i for i, (lo, hi) in enumerate(scan.bounds)
                if (lo is None or xn[i] - lo > 1e-3) and (hi is None or hi - xn[i] > 1e-3)]
    assert np.max(np.abs(g[interior])) < 1e-2
    assert np.all(np.linalg.eigvalsh(h) > 0)


def test_exact_hessian_matches_differences_of_the_gradient(scan):
    """The compiled Hessian block equals central differences of the compiled gradient (step 1e-5
    of each nuisance's scale) at a profiled point, except the pairs with a tabulated nuisance
    (beam onset, BRN energy morph): those are piecewise linear in the nuisance, where differences
    across a knot do not estimate the curvature."""
    lm = math.log10(10.0)
    _, xn, h = scan.profile(-4.0, lm)
    n = len(xn)
    fd = np.empty((n, n))
    for k in range(n):
        e = np.zeros(n)
        e[k] = 1e-5 * scan.scale[k]
        fd[k] = (scan._value_grad(-4.0, lm, xn + e)[1] - scan._value_grad(-4.0, lm, xn - e)[1]) / (2 * e[k])
    fd = 0.5 * (fd + fd.T)
    kinked = [i for i, name in enumerate(scan.obj.hessian_names) if "onset" in name or "brn_energy" in name]
    smooth = np.ones((n, n), bool)
    smooth[kinked, :] = smooth[:, kinked] = False
    assert np.max(np.abs(h - h.T)) < 1e-9 * np.max(np.abs(h))
    tol = 1e-4 * np.sqrt(np.outer(np.abs(np.diag(fd)), np.abs(np.diag(fd)))) + 1e-6
    assert np.all(np.abs(h - fd)[smooth] < tol[smooth]), np.max((np.abs(h - fd) / tol)[smooth])
    assert np.all(np.linalg.eigvalsh(h) > 0)


def test_newton_and_migrad_agree_on_a_profiled_point(scan):
    """The scans' minimiser (Newton, exact Hessian) against the reference (MIGRAD) through the one
    ``minimise`` interface, at one (g, M): the same chi^2 and nuisances; the errors agree except
    for the tabulated (kinked) nuisances, where MIGRAD's numerical curvature spans knots."""
    names = scan.obj.names
    fixed = {names[scan.ig]: -4.0, names[scan.im]: 1.0}
    fast, ref = minimise(scan.obj, fixed=fixed, method="newton"), minimise(scan.obj, fixed=fixed)
    assert fast.valid and ref.valid
    assert fast.chi2 == pytest.approx(ref.chi2, abs=1e-3)
    assert fast.chi2 == pytest.approx(scan.profile(-4.0, 1.0)[0], abs=1e-9)
    for n in scan.obj.hessian_names:
        assert abs(fast.values[n] - ref.values[n]) < 0.05 * ref.errors[n], n
        if "onset" not in n and "brn_energy" not in n:
            assert fast.errors[n] == pytest.approx(ref.errors[n], rel=0.1), n
    assert fast.errors[names[scan.ig]] == 0.0


def test_far_points_left_unpolished_do_not_move_the_limits(scan, high_slice, monkeypatch):
    """Points more than POLISH_MARGIN above the slice minimum keep Newton's value where it stalls
    (an upper bound of the profile): the same slice with every point polished by L-BFGS has the
    same chi^2 and Bayes limits and strip, the same profile wherever Delta chi^2 < 30, and no
    polished far point comes within 30 of the threshold."""
    monkeypatch.setattr(limits, "POLISH_MARGIN", math.inf)
    full = scan.slice(1.0e4)
    fmin = min(full.chi2)
    assert min(high_slice.chi2) == pytest.approx(fmin, abs=1e-8)
    assert chi2_upper(high_slice)["coupling_upper"] == pytest.approx(chi2_upper(full)["coupling_upper"], rel=1e-6)
    assert bayes_upper(high_slice)["coupling_upper"] == pytest.approx(bayes_upper(full)["coupling_upper"], rel=1e-3)
    ends = [[x for m in mode_masses(sl) for x in m["log10_g"]] for sl in (high_slice, full)]
    assert ends[0] == pytest.approx(ends[1], abs=1e-6)
    polished = dict(zip(full.log10_g, full.chi2))
    common = [(c, polished[g]) for g, c in zip(high_slice.log10_g, high_slice.chi2) if g in polished]
    near = [(a, b) for a, b in common if b - fmin < 30]
    assert len(near) > 20 and all(a == pytest.approx(b, abs=1e-8) for a, b in near)
    left = [(a, b) for a, b in common if a > b + 1e-6]
    assert left and all(b - fmin > limits.SLICE_RULE.threshold + 30 for _, b in left)


def test_strip_found_and_weighed_at_high_mass(high_slice):
    """At M = 10 GeV the universal model has the thin allowed strip of [LM] Eq. 44 (g ~ 1.8e-3 M/GeV):
    the grid finds a second chi^2-allowed region there, and the posterior gives it a non-zero
    weight that is much larger under a uniform-g^2 prior than under a log-uniform one."""
    modes = mode_masses(high_slice)
    assert len(modes) == 2
    strip = modes[1]["log10_g"]
    g_strip = 1.8e-3 * 10.0
    assert 10 ** strip[0] < 1.3 * g_strip and 10 ** strip[1] > g_strip / 1.3
    assert 0.0 < modes[1]["posterior"] < 0.1
    assert mode_masses(high_slice, prior="uniform_g2")[1]["posterior"] > 10 * modes[1]["posterior"]


def test_bayes_limits_and_prior_dependence(low_slice):
    """Marginal-posterior upper limits: a proper density; the log-uniform limit lies below the
    uniform-g^2 one (more prior mass at small g); both are of the order of the chi^2 limit."""
    fine, p = posterior_log10_g(low_slice)
    assert np.trapezoid(p, fine) == pytest.approx(1.0, rel=1e-6)
    lu = bayes_upper(low_slice, prior="log_uniform")["coupling_upper"]
    g2 = bayes_upper(low_slice, prior="uniform_g2")["coupling_upper"]
    chi = chi2_upper(low_slice)["coupling_upper"]
    assert lu < g2
    assert 0.3 < lu / chi < 1.2 and 0.7 < g2 / chi < 1.5
    with pytest.raises(ValueError):
        bayes_upper(low_slice, prior="flat")


def test_laplace_marginal_matches_direct_integration_in_one_nuisance():
    """The Laplace normalisation of a Gaussian slice is exact: synthetic slice check that the
    posterior quantile equals the analytic one for log m(lg) = -(lg - mu)^2/(2 s^2)."""
    lg = np.linspace(-7, 0, 400)
    mu, s = -4.0, 0.3
    sl = Slice(1.0, lg.tolist(), (((lg - mu) / s) ** 2).tolist(), (-0.5 * ((lg - mu) / s) ** 2).tolist())
    from scipy.stats import norm

    got = math.log10(bayes_upper(sl, cl=0.9)["coupling_upper"])
    assert got == pytest.approx(norm.ppf(0.9, mu, s), abs=2e-3)
    # SM-like plateau below mu, then a parabola: the chi^2 limit is at mu + 2 s (Delta chi^2 = 4)
    c2 = (np.maximum(lg - mu, 0.0) / s) ** 2
    flat = Slice(1.0, lg.tolist(), c2.tolist(), (-0.5 * c2).tolist())
    assert chi2_upper(flat, cl=0.9545)["coupling_upper"] == pytest.approx(10 ** (mu + 2 * s), rel=0.01)
    assert chi2_upper(sl)["coupling_upper"] is None  # smallest coupling already excluded


def test_scan_checkpoints_and_resumes(tmp_path, monkeypatch):
    """A scan writes one checkpoint per mass; a rerun recomputes nothing (compute is patched to fail)."""
    calls = []

    def fake_slice(card, experiments, mass, options=()):
        calls.append(mass)
        lg = np.linspace(-7, 0, 400)
        c2 = np.where(lg < -4.5, 0.0, 400 * (lg + 4.5) ** 2) + 1000.0
        return Slice(mass, lg.tolist(), c2.tolist(), (-0.5 * c2).tolist()).to_dict()

    monkeypatch.setattr("bayes_cevns.studies.scan.compute_slice", fake_slice)
    masses = parse_masses("1:100:3")
    res = run_scan("universal", ["coherent_csi_2021"], masses, tmp_path, workers=0, progress=False)
    assert len(calls) == 3 and len(res["rows"]) == 3
    assert all(slice_path(tmp_path, "universal", ["coherent_csi_2021"], m).is_file() for m in masses)
    assert res["rows"][0]["chi2"] == pytest.approx(10 ** (-4.5 + 0.1), rel=0.02)
    monkeypatch.setattr("bayes_cevns.studies.scan.compute_slice", lambda *a: pytest.fail("recomputed"))
    again = run_scan("universal", ["coherent_csi_2021"], masses, tmp_path, workers=0, progress=False)
    assert again["rows"] == res["rows"]
    saved = json.loads((tmp_path / "universal__coherent_csi_2021.json").read_text())
    assert saved["provenance"]["data_sha256"] and "model_card" in saved["provenance"]
    # a checkpoint computed from other inputs (here: a tampered fingerprint) is not reused
    path = slice_path(tmp_path, "universal", ["coherent_csi_2021"], masses[1])
    d = json.loads(path.read_text())
    assert d["fingerprint"] == scan_fingerprint("universal", ["coherent_csi_2021"])
    path.write_text(json.dumps({**d, "fingerprint": "stale"}))
    with pytest.raises(ValueError, match="fingerprint"):
        load_slices(tmp_path, "universal", ["coherent_csi_2021"], masses)
    monkeypatch.setattr("bayes_cevns.studies.scan.compute_slice", fake_slice)
    calls.clear()
    run_scan("universal", ["coherent_csi_2021"], masses, tmp_path, workers=0, progress=False)
    assert calls == [masses[1]]
    assert scan_fingerprint("universal", ["coherent_csi_2021"]) != scan_fingerprint("b_minus_l", ["coherent_csi_2021"])


def test_mass_segments():
    """Comma-joined LO:HI:N segments give the sorted union of log-spaced masses, shared ends once."""
    m = parse_masses("0.01:10:4,10:10000:7")
    assert len(m) == 10 and np.all(np.diff(m) > 0)
    np.testing.assert_allclose(m[:4], [0.01, 0.1, 1.0, 10.0], rtol=1e-14)
    np.testing.assert_allclose(np.diff(np.log10(m[3:])), 0.5, rtol=1e-12)


def test_bad_inputs():
    """Non-mediator cards, bad mass grids, bad methods and masses give clear errors."""
    with pytest.raises(CardError, match="mediator"):
        MediatorScan("sm", ["coherent_csi_2021"])
    with pytest.raises(ValueError):
        parse_masses("10:1:5")
    with pytest.raises(ValueError, match="segment"):
        parse_masses("0.01:10:4,100:50:3")
    runner = CliRunner()
    for args in (["limit", "universal", "--method", "frequentist"], ["limit", "universal", "--mass", "-3"],
                 ["limit", "nope"], ["limit", "universal", "--data", "coherent_xe"]):
        r = runner.invoke(app, args)
        assert r.exit_code == 2 and "error:" in r.output, (args, r.output)


def test_cli_limit_contract():
    """``bayes-cevns limit CARD --data ... --mass M --method chi2 --json`` prints the contract keys;
    the CsI-only bound is weaker than the combined one (2.27e-5 at low mass)."""
    r = CliRunner().invoke(app, ["limit", "universal", "--data", "coherent_csi_2021", "--mass", "0.1",
                                 "--method", "chi2", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert set(out) == {"model", "mass_mev", "method", "cl", "coupling_upper"}
    assert out["model"] == "universal" and out["cl"] == 0.9545
    assert 2.07e-5 < out["coupling_upper"] < 4e-5


def test_plane_regions_on_synthetic_slices():
    """Joint (M, g) regions: Delta chi^2 is taken against the plane minimum with the 2-dof
    threshold, and the HPD level encloses 95.45% of the joint posterior mass."""
    from bayes_cevns.inference.limits import plane

    lg = np.linspace(-7, 0, 300)
    slices = []
    for k, m in enumerate(np.geomspace(1, 1e3, 7)):
        c2 = 1000.0 + (np.maximum(lg + 5.0 - 0.2 * k, 0.0) / 0.2) ** 2 + 0.1 * k
        slices.append(Slice(float(m), lg.tolist(), c2.tolist(), (-0.5 * c2).tolist()))
    pl = plane(slices)
    assert pl["chi2_threshold"] == pytest.approx(6.18, abs=0.01)
    assert pl["delta_chi2"].min() == pytest.approx(0.0, abs=1e-12)
    area = np.gradient(pl["log10_mass"])[:, None] * (pl["log10_g"][1] - pl["log10_g"][0])
    inside = pl["posterior"] >= pl["posterior_level"]
    assert float((pl["posterior"] * area)[inside].sum()) == pytest.approx(0.9545, abs=0.01)
    assert float((pl["posterior"] * area).sum()) == pytest.approx(1.0, rel=1e-9)
