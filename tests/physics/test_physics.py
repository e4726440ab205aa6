"""Tests of the physics layer ``bayes_cevns.physics`` against independent references.

[LM] = Atzori Corona et al. 2022, "Probing light mediators and (g-2)_mu through detection of
coherent elastic neutrino nucleus scattering at COHERENT"
(``/work/shared/papers/atzori_corona_et_al_2022_light_mediators_coherent.txt``).

Every reference value below is computed in this file with NumPy/SciPy from the formulas (and
constants re-typed from their sources); none is built with the package's own helpers. The
package functions are evaluated by building their PyTensor graphs and calling ``.eval()``
(or ``pytensor.function`` where one graph is evaluated many times).
"""

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest
from pytensor.gradient import verify_grad
from scipy import integrate, optimize, special

from bayes_cevns.physics import cross_section, flux, weak_charge
from bayes_cevns.physics.constants import FLAVOURS, ISOTOPES
from bayes_cevns.physics.form_factors import (
    FORM_FACTORS,
    form_factor,
    helm,
    klein_nystrand,
    symmetrized_fermi,
)
from bayes_cevns.physics.kinematics import Kinematics
from bayes_cevns.physics.contributions import physics_term, sm_weak_charge, weak_charge_sq

# --------------------------------------------------------------------------------------
# Independent reference constants (re-typed from CODATA 2018 / PDG 2024, not imported).
# --------------------------------------------------------------------------------------
HBARC = 197.3269804  # MeV fm
G_F = 1.1663788e-11  # MeV^-2
MEV2_TO_CM2 = (197.3269804e-13) ** 2  # (hbar c)^2 in MeV^2 cm^2
M_MU = 105.6583755  # MeV
M_PI = 139.57039  # MeV
AMU = 931.49410242  # MeV
M_E = 0.51099895  # MeV
E_MAX = M_MU / 2.0  # endpoint of the delayed spectra ([LM] below Eq. 4)
E_PROMPT = (M_PI**2 - M_MU**2) / (2.0 * M_PI)  # [LM] Eq. 1

# Nuclear masses (AME2020 atomic mass minus Z electrons).
M_CS = 132.905451961 * AMU - 55 * M_E
M_I = 126.904473 * AMU - 53 * M_E
M_AR = 39.9623831237 * AMU - 18 * M_E

# [LM] Eq. 12 couplings.
GVP_NUE, GVP_NUMU, GVN = 0.0401, 0.0318, -0.5094

# Form-factor shape parameters (Helm skin s, symmetrized-Fermi diffuseness a, KN range a_k), fm.
HELM_S, SF_A, KN_AK = 0.9, 0.52, 0.7
SERIES_CUT = 1e-2  # x below which the package switches to its small-x series

FF_NAMES = ("helm", "symmetrized_fermi", "klein_nystrand")
FF_FUNCS = {"helm": helm, "symmetrized_fermi": symmetrized_fermi, "klein_nystrand": klein_nystrand}

# Radii to probe: [LM] Eq. 13 (protons) and Eq. 14 (neutrons), Ar and Cs.
RADII = (3.448, 3.55, 4.821, 5.09)


# ------------------------------- NumPy references ------------------------------------
def _j1_ratio(x):
    """3 j1(x)/x from scipy's spherical Bessel function."""
    return 3.0 * special.spherical_jn(1, x) / x


def ref_helm(q_mev, r_rms):
    """Helm: 3 j1(q R0)/(q R0) exp(-(q s)^2/2), R0^2 = 5/3 (R^2 - 3 s^2)."""
    q = np.asarray(q_mev, dtype=float) / HBARC
    r0 = np.sqrt(5.0 / 3.0 * (r_rms**2 - 3.0 * HELM_S**2))
    return _j1_ratio(q * r0) * np.exp(-0.5 * (q * HELM_S) ** 2)


def ref_sf_c(r_rms):
    """Symmetrized-Fermi half-density radius from <r^2> = 3/5 c^2 + 7/5 (pi a)^2."""
    return np.sqrt(5.0 / 3.0 * (r_rms**2 - 7.0 / 5.0 * (np.pi * SF_A) ** 2))


def ref_sf(q_mev, r_rms):
    """Symmetrized Fermi (Piekarewicz et al. 2016), written directly with NumPy."""
    q = np.asarray(q_mev, dtype=float) / HBARC
    c = ref_sf_c(r_rms)
    qc = q * c
    pqa = np.pi * q * SF_A
    return (
        3.0
        / (qc * (qc**2 + pqa**2))
        * (pqa / np.sinh(pqa))
        * (pqa * np.cosh(pqa) / np.sinh(pqa) * np.sin(qc) - qc * np.cos(qc))
    )


def ref_kn(q_mev, r_rms):
    """Klein-Nystrand: hard sphere R_A folded with a Yukawa of range a_k, R_A^2 = 5/3 (R^2 - 6 a_k^2)."""
    q = np.asarray(q_mev, dtype=float) / HBARC
    ra = np.sqrt(5.0 / 3.0 * (r_rms**2 - 6.0 * KN_AK**2))
    return _j1_ratio(q * ra) / (1.0 + (q * KN_AK) ** 2)


REF_FF = {"helm": ref_helm, "symmetrized_fermi": ref_sf, "klein_nystrand": ref_kn}


def ff_size(name, r_rms):
    """The length multiplying q in the argument x of each form factor's small-x switch."""
    if name == "helm":
        return np.sqrt(5.0 / 3.0 * (r_rms**2 - 3.0 * HELM_S**2))
    if name == "symmetrized_fermi":
        return ref_sf_c(r_rms)
    return np.sqrt(5.0 / 3.0 * (r_rms**2 - 6.0 * KN_AK**2))


def phi_nue(e):
    """[LM] Eq. 3 per neutrino: 192 E^2/m^3 (1/2 - E/m)."""
    return 192.0 * e**2 / M_MU**3 * (0.5 - e / M_MU)


def phi_numubar(e):
    """[LM] Eq. 2 per neutrino: 64 E^2/m^3 (3/4 - E/m)."""
    return 64.0 * e**2 / M_MU**3 * (0.75 - e / M_MU)


REF_PHI = {"nu_e": phi_nue, "nu_mu_bar": phi_numubar}


def sqrt_gauss_legendre(t_lo, t_hi, n):
    """Gauss-Legendre nodes/weights for int dT over [t_lo, t_hi] after T = u^2.

    The substitution removes the sqrt(T) non-analyticity of E_min(T) = sqrt(M T/2) at T = 0.
    """
    x, w = np.polynomial.legendre.leggauss(n)
    u_lo, u_hi = np.sqrt(t_lo), np.sqrt(t_hi)
    u = 0.5 * (u_hi - u_lo) * x + 0.5 * (u_hi + u_lo)
    wu = 0.5 * (u_hi - u_lo) * w
    return u**2, wu * 2.0 * u


def _eval(var):
    return np.asarray(var.eval())


# One symbolic graph per form factor, F(q, r) with q a vector and r a scalar input, so that
# ``.eval`` compiles each graph once (the compiled function is cached on the variable) instead
# of once per radius: this keeps the file fast on a cold PyTensor compile cache.
_Q_SYM = pt.dvector("q")
_R_SYM = pt.dscalar("r")
_FF_GRAPH = {name: func(_Q_SYM, _R_SYM) for name, func in
             (("helm", helm), ("symmetrized_fermi", symmetrized_fermi),
              ("klein_nystrand", klein_nystrand))}


def ff_eval(name, q_mev, r_rms):
    """Evaluate the package's PyTensor form factor ``name`` at q (MeV) and r_rms (fm)."""
    q = np.atleast_1d(np.asarray(q_mev, dtype=float))
    return np.asarray(_FF_GRAPH[name].eval({_Q_SYM: q, _R_SYM: np.float64(r_rms)}))


# =============================== 1. Form factors ======================================
@pytest.mark.parametrize("name", FF_NAMES)
@pytest.mark.parametrize("r_rms", RADII)
def test_form_factor_normalised_at_zero(name, r_rms):
    """F(0) = 1 (charge normalisation, [LM] Eq. 11): exactly at q = 0 (series branch) and to
    1e-12 at q = 1e-6 MeV."""
    f = ff_eval(name, [0.0, 1e-6], r_rms)
    assert f[0] == 1.0
    assert abs(f[1] - 1.0) < 1e-12


@pytest.mark.parametrize("name", FF_NAMES)
@pytest.mark.parametrize("r_rms", RADII)
def test_form_factor_matches_numpy_reference(name, r_rms):
    """Each PyTensor form factor equals an independent NumPy/SciPy implementation of its formula
    (Helm, [LM] below Eq. 12; symmetrized Fermi; Klein-Nystrand) to 1e-10 for q in 1..300 MeV."""
    q = np.linspace(1.0, 300.0, 600)
    got = ff_eval(name, q, r_rms)
    want = REF_FF[name](q, r_rms)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-10)
    # The comparison is not vacuous: the form factor varies by O(1) over this range.
    assert want.min() < 0.5


@pytest.mark.parametrize("name", FF_NAMES)
@pytest.mark.parametrize("r_rms", RADII)
def test_form_factor_rms_radius(name, r_rms):
    """F(q^2) = 1 - q^2 <r^2>/6 + O(q^4): -6 dF/d(q^2) at q -> 0 equals r_rms^2 to 1e-3 relative
    (each parametrisation tied to the rms radius R of [LM] Eqs. 13-14).

    Second-order one-sided finite difference in q^2 (fm^-2), q_fm = q_MeV / 197.3269804.
    """
    h = 1e-4  # fm^-2; q = 0.01 fm^-1 keeps x = qR well inside the exact branch
    q2_fm = np.array([0.0, h, 2.0 * h])
    q_mev = np.sqrt(q2_fm) * HBARC
    f0, f1, f2 = ff_eval(name, q_mev, r_rms)
    assert (np.sqrt(h) * ff_size(name, r_rms)) > SERIES_CUT  # really tests the exact formula
    dfdq2 = (4.0 * f1 - f2 - 3.0 * f0) / (2.0 * h)
    np.testing.assert_allclose(-6.0 * dfdq2, r_rms**2, rtol=1e-3)


@pytest.mark.parametrize("r_rms", RADII)
def test_helm_first_zero(r_rms):
    """The first zero of Helm is the first zero of j1 (tan x = x, x = 4.4934) at x = q R0 with
    R0^2 = 5/3 (R^2 - 3 * 0.9^2)."""
    x1 = optimize.brentq(lambda x: np.tan(x) - x, 4.0, 4.7, xtol=1e-14)
    assert abs(x1 - 4.4934) < 1e-4
    r0 = np.sqrt(5.0 / 3.0 * (r_rms**2 - 3.0 * HELM_S**2))

    def f(q):
        return ff_eval("helm", q, r_rms)[0]

    q_zero_pkg = optimize.brentq(lambda q: float(f(q)), 3.5 * HBARC / r0, 5.5 * HBARC / r0, xtol=1e-12)
    np.testing.assert_allclose(q_zero_pkg * r0 / HBARC, x1, rtol=1e-9)
    # F is positive before the zero and negative after it.
    q1 = x1 * HBARC / r0
    assert float(f(0.99 * q1)) > 0.0 > float(f(1.01 * q1))


@pytest.mark.parametrize("name", FF_NAMES)
@pytest.mark.parametrize("r_rms", RADII)
def test_form_factor_series_branch_continuity(name, r_rms):
    """At the series/exact switch x = 1e-2 the two branches agree to 1e-9 and with the NumPy
    reference; deeper in the series branch (x = 5e-3, 1e-5, where the closed forms lose digits
    to cancellation) F agrees with 1 - q^2 R^2/6, whose O(q^4) remainder is < 1e-10 there."""
    size = ff_size(name, r_rms)
    q_cut = SERIES_CUT / size * HBARC
    q = q_cut * np.array([1.0 - 1e-9, 1.0 + 1e-9])
    got = ff_eval(name, q, r_rms)
    assert abs(got[0] - got[1]) < 1e-9
    np.testing.assert_allclose(got, REF_FF[name](q, r_rms), rtol=0, atol=1e-9)
    q_small = q_cut * np.array([0.5, 1e-3])
    got_small = ff_eval(name, q_small, r_rms)
    want_small = 1.0 - (q_small / HBARC) ** 2 * r_rms**2 / 6.0
    np.testing.assert_allclose(got_small, want_small, rtol=0, atol=1e-9)


# =============================== 2. Gradients =========================================
# q grid: no zero, one point (0.1 MeV, x ~ 2.5e-3) below the series cut, the rest exact branch.
Q_GRID = np.array([0.1, 1.0, 10.0, 40.0, 80.0, 150.0])


@pytest.mark.parametrize("name", FF_NAMES)
def test_form_factor_verify_grad_radius(name):
    """verify_grad: d F(q_grid, r)/dr from PyTensor matches finite differences (for Helm as
    required, and for the two alternatives), including a q in the series branch."""
    func = FF_FUNCS[name]
    assert Q_GRID[0] / HBARC * ff_size(name, 5.0) < SERIES_CUT
    verify_grad(lambda r: func(Q_GRID, r), [np.array(5.0)], rng=np.random.default_rng(1234))


@pytest.mark.parametrize("name", FF_NAMES)
def test_form_factor_gradient_finite_in_series_branch(name):
    """Gradients stay finite where pt.switch selects the series (q = 0, 1e-6, 0.1 MeV), both
    w.r.t. r and w.r.t. q, and dF/dr there equals the analytic -q^2 R/3 (q in fm^-1) from
    F = 1 - q^2 R^2/6 + O(q^4); at q = 50 MeV dF/dr matches a central difference of the
    NumPy reference."""
    r_val = 4.821
    q_vals = np.array([0.0, 1e-6, 0.1, 50.0])
    q = pt.dvector("q")
    r = pt.dscalar("r")
    f = FF_FUNCS[name](q, r)
    # f is elementwise in q, so the gradient of its sum w.r.t. q is the per-point derivative.
    d_dq = pt.grad(f.sum(), q)
    d_dr = pt.jacobian(f, r)
    fn = pytensor.function([q, r], [d_dq, d_dr])
    g_q, g_r = (np.asarray(a) for a in fn(q_vals, r_val))
    assert np.all(np.isfinite(g_q)) and np.all(np.isfinite(g_r))
    assert g_r[0] == 0.0 and g_q[0] == 0.0
    qf = q_vals[1:3] / HBARC
    np.testing.assert_allclose(g_r[1:3], -(qf**2) * r_val / 3.0, rtol=1e-4)
    h = 1e-6
    fd = (REF_FF[name](50.0, r_val + h) - REF_FF[name](50.0, r_val - h)) / (2 * h)
    np.testing.assert_allclose(g_r[3], fd, rtol=1e-6)


def test_sm_weak_charge_sq_verify_grad():
    """verify_grad of Q_SM^2 ([LM] Eq. 11 squared) w.r.t. sin^2 theta_W and the Cs neutron
    radius R_n, on a q grid including one point below the series cut."""
    iso = ISOTOPES["Cs133"]
    kin = Kinematics.pion_dar(iso, Q_GRID**2 / (2.0 * iso.mass))

    def fun(s2, rn):
        return weak_charge_sq(("sm",), {"sin2_theta_w": s2, iso.rn_param: rn}, kin, {"form_factor": "helm"})

    verify_grad(fun, [np.array(0.2386), np.array(5.09)], rng=np.random.default_rng(99))


# =============================== 3. Weak charge =======================================
def test_flavour_order():
    """Every per-flavour array is ordered (nu_e, nu_mu, nu_mu_bar)."""
    assert tuple(FLAVOURS) == ("nu_e", "nu_mu", "nu_mu_bar")


def test_radiative_couplings_lm_eq12():
    """At sin^2 theta_W = 0.23857 the radiative couplings are [LM] Eq. 12:
    g_V^p(nu_e) = 0.0401, g_V^p(nu_mu) = g_V^p(nu_mu_bar) = 0.0318, g_V^n = -0.5094."""
    gvp, gvn = weak_charge.nucleon_couplings(0.23857, "radiative")
    np.testing.assert_allclose(_eval(gvp), [GVP_NUE, GVP_NUMU, GVP_NUMU], rtol=0, atol=1e-12)
    assert abs(float(_eval(gvn)) - GVN) < 1e-12


def test_radiative_couplings_slope():
    """Documented package convention (not [LM]): moving sin^2 theta_W shifts g_V^p by the tree
    slope -2 and leaves g_V^n unchanged."""
    gvp, gvn = weak_charge.nucleon_couplings(0.25, "radiative")
    shift = -2.0 * (0.25 - 0.23857)
    np.testing.assert_allclose(_eval(gvp), np.array([GVP_NUE, GVP_NUMU, GVP_NUMU]) + shift, atol=1e-12)
    assert abs(float(_eval(gvn)) - GVN) < 1e-12


@pytest.mark.parametrize("s2", [0.2, 0.23857, 0.25])
def test_tree_couplings(s2):
    """Tree level: g_V^p = 1/2 - 2 sin^2 theta_W for every flavour, g_V^n = -1/2."""
    gvp, gvn = weak_charge.nucleon_couplings(s2, "tree")
    np.testing.assert_allclose(_eval(gvp), np.full(3, 0.5 - 2.0 * s2), rtol=0, atol=1e-14)
    assert float(_eval(gvn)) == -0.5


def test_unknown_coupling_scheme():
    """An unknown coupling scheme raises ValueError."""
    with pytest.raises(ValueError, match="scheme"):
        weak_charge.nucleon_couplings(0.23857, "nope")


def test_isotope_data_lm_eqs13_14():
    """Z, N and the default proton/neutron rms radii are [LM] Eqs. 13-14."""
    expect = {
        "Cs133": (55, 78, 4.821, 5.09, M_CS),
        "I127": (53, 74, 4.766, 5.03, M_I),
        "Ar40": (18, 22, 3.448, 3.55, M_AR),
    }
    for key, (z, n, rp, rn, m) in expect.items():
        iso = ISOTOPES[key]
        assert (iso.Z, iso.N) == (z, n)
        assert (iso.rp, iso.rn) == (rp, rn)
        np.testing.assert_allclose(iso.mass, m, rtol=1e-12)


@pytest.mark.parametrize("key", ["Cs133", "Ar40"])
def test_weak_charge_at_zero_q(key):
    """At q -> 0 (F = 1) [LM] Eq. 11 reduces to Q_SM = g_V^p Z + g_V^n N per flavour."""
    iso = ISOTOPES[key]
    q = _eval(sm_weak_charge({}, iso, np.array([0.0, 1e-6]), {}))
    want = np.array([GVP_NUE, GVP_NUMU, GVP_NUMU]) * iso.Z + GVN * iso.N
    assert q.shape == (3, 2)
    np.testing.assert_allclose(q, np.repeat(want[:, None], 2, axis=1), rtol=1e-12)


@pytest.mark.parametrize("name", FF_NAMES)
def test_weak_charge_finite_q(name):
    """At finite q, Q_SM = g_V^p Z F(q, R_p) + g_V^n N F(q, R_n) ([LM] Eq. 11) with R_p, R_n of
    [LM] Eqs. 13-14 by default, and R_n replaced by the card parameter when given (guards
    against swapped radii or a mis-wired override)."""
    iso = ISOTOPES["Cs133"]
    q = np.array([5.0, 30.0, 60.0, 100.0])
    gvp = np.array([GVP_NUE, GVP_NUMU, GVP_NUMU])[:, None]
    ref = REF_FF[name]
    got = _eval(sm_weak_charge({}, iso, q, {"form_factor": name}))
    want = gvp * iso.Z * ref(q, 4.821)[None, :] + GVN * iso.N * ref(q, 5.09)[None, :]
    np.testing.assert_allclose(got, want, rtol=1e-10)
    got = _eval(sm_weak_charge({"rn_cs": 5.5}, iso, q, {"form_factor": name}))
    want = gvp * iso.Z * ref(q, 4.821)[None, :] + GVN * iso.N * ref(q, 5.5)[None, :]
    np.testing.assert_allclose(got, want, rtol=1e-10)


# =============================== 4. Flux ==============================================
def test_prompt_energy():
    """E_prompt = (m_pi^2 - m_mu^2)/(2 m_pi) = 29.79 MeV ([LM] Eq. 1)."""
    from bayes_cevns.physics.constants import E_MAX_DELAYED
    from bayes_cevns.physics.constants import E_PROMPT as E_PROMPT_PKG

    assert abs(E_PROMPT - 29.79) < 0.01
    assert abs(E_PROMPT_PKG - 29.79) < 0.01
    np.testing.assert_allclose(E_PROMPT_PKG, E_PROMPT, rtol=1e-12)
    np.testing.assert_allclose(E_MAX_DELAYED, 52.83, atol=0.01)  # [LM] below Eq. 4: ~52.8 MeV


@pytest.mark.parametrize("flavour", ["nu_e", "nu_mu_bar"])
def test_spectrum_normalised_and_matches(flavour):
    """[LM] Eqs. 2-3 (per neutrino) integrate to 1 over [0, m_mu/2]; the package spectrum equals
    them pointwise and vanishes outside [0, m_mu/2]."""
    ref_norm, _ = integrate.quad(REF_PHI[flavour], 0.0, E_MAX, epsabs=0, epsrel=1e-13)
    assert abs(ref_norm - 1.0) < 1e-12
    pkg_norm, _ = integrate.quad(lambda e: float(flux.spectrum(flavour, e)), 0.0, E_MAX,
                                 epsabs=0, epsrel=1e-13)
    assert abs(pkg_norm - 1.0) < 1e-12
    e = np.linspace(0.0, E_MAX, 101)
    np.testing.assert_allclose(flux.spectrum(flavour, e), REF_PHI[flavour](e), rtol=1e-13, atol=0)
    assert np.all(flux.spectrum(flavour, np.array([-1.0, E_MAX + 1e-9, 60.0])) == 0.0)


def test_spectrum_rejects_prompt_and_unknown():
    """The prompt nu_mu has no density (it is a line), and unknown flavours are rejected."""
    with pytest.raises(ValueError):
        flux.spectrum("nu_mu", np.array([10.0]))
    with pytest.raises(ValueError):
        flux.spectrum("nu_tau", np.array([10.0]))


@pytest.mark.parametrize("mass", [M_CS, M_AR], ids=["Cs133", "Ar40"])
def test_flux_moments_against_quad(mass):
    """A_f(T) = int_{E_min}^{m_mu/2} phi_f dE and B_f(T) = int phi_f/E^2 dE with
    E_min = sqrt(M T/2) ([LM] Eq. 4) agree with scipy quad to 1e-8; for the prompt line
    A = step(E_prompt - E_min) and B = A/E_prompt^2 ([LM] Eq. 1)."""
    t_max_prompt = 2.0 * E_PROMPT**2 / mass
    t_max = 2.0 * E_MAX**2 / mass
    t = np.array([1e-6, 1e-4, 0.3 * t_max_prompt, 0.9 * t_max_prompt, 1.1 * t_max_prompt,
                  0.7 * t_max, 0.999 * t_max])
    a, b, _ = flux.flux_moments(t, mass)
    assert a.shape == b.shape == (3, t.size)
    for i, fl in enumerate(FLAVOURS):
        for k, tk in enumerate(t):
            emin = np.sqrt(mass * tk / 2.0)
            if fl == "nu_mu":
                a_ref = 1.0 if emin < E_PROMPT else 0.0
                b_ref = a_ref / E_PROMPT**2
            else:
                phi = REF_PHI[fl]
                a_ref, _ = integrate.quad(phi, emin, E_MAX, epsabs=0, epsrel=1e-12)
                b_ref, _ = integrate.quad(lambda e: phi(e) / e**2, emin, E_MAX, epsabs=0, epsrel=1e-12)
            np.testing.assert_allclose(a[i, k], a_ref, rtol=1e-8, atol=1e-300, err_msg=f"A {fl} T={tk}")
            np.testing.assert_allclose(b[i, k], b_ref, rtol=1e-8, atol=1e-300, err_msg=f"B {fl} T={tk}")
    # The prompt line closes between 0.9 and 1.1 of its endpoint.
    assert a[1, 3] == 1.0 and a[1, 4] == 0.0


@pytest.mark.parametrize("mass", [M_CS, M_AR], ids=["Cs133", "Ar40"])
def test_flux_moments_vanish_above_endpoint(mass):
    """Above T_max = 2 E_max^2/M ([LM] below Eq. 4) every moment is exactly zero (and so is the
    folded kernel); just below it the delayed moments are positive."""
    t_max = 2.0 * E_MAX**2 / mass
    a, b, _ = flux.flux_moments(np.array([1.0001 * t_max, 2.0 * t_max, 10.0 * t_max]), mass)
    assert np.all(a == 0.0) and np.all(b == 0.0)
    assert np.all(flux.folded_kernel(np.array([1.0001 * t_max, 3.0 * t_max]), mass) == 0.0)
    a, b, _ = flux.flux_moments(np.array([0.99 * t_max]), mass)
    assert a[0, 0] > 0 and a[2, 0] > 0 and b[0, 0] > 0 and b[2, 0] > 0


@pytest.mark.parametrize("mass", [M_CS, M_AR], ids=["Cs133", "Ar40"])
def test_kinematics_and_fluence(mass):
    """T_max = 2 E^2/M and E_min(T) = sqrt(M T/2) are inverse to each other ([LM] below Eq. 4);
    eta = r N_POT/(4 pi L^2) in cm^-2 ([LM] below Eq. 3) for the CsI 2021 exposure
    (r = 0.0848, N_POT = 3.198e23, L = 19.3 m)."""
    np.testing.assert_allclose(flux.max_recoil(E_PROMPT, mass), 2.0 * E_PROMPT**2 / mass, rtol=1e-14)
    np.testing.assert_allclose(flux.e_min(flux.max_recoil(E_MAX, mass), mass), E_MAX, rtol=1e-14)
    np.testing.assert_allclose(flux.e_min(np.array([0.01]), mass), np.sqrt(mass * 0.01 / 2.0), rtol=1e-14)
    eta = 0.0848 * 3.198e23 / (4.0 * np.pi * 1930.0**2)
    np.testing.assert_allclose(flux.fluence_norm(0.0848, 3.198e23, 19.3), eta, rtol=1e-14)


# =============================== 5. Cross section =====================================
@pytest.mark.parametrize("energy,recoil", [(30.0, 0.005), (50.0, 0.02), (20.0, 0.01)])
def test_dsigma_dt_lm_eq10(energy, recoil):
    """dsigma/dT = G_F^2 M/pi (1 - M T/2E^2) Q^2 (hbar c)^2 in cm^2/MeV ([LM] Eq. 10), zero above
    the kinematic endpoint (1 - MT/2E^2 < 0)."""
    qw = -60.0
    got = float(_eval(cross_section.dsigma_dt(energy, recoil, M_CS, qw)))
    kin = 1.0 - M_CS * recoil / (2.0 * energy**2)
    want = G_F**2 * M_CS / np.pi * max(kin, 0.0) * qw**2 * MEV2_TO_CM2
    if kin > 0:
        np.testing.assert_allclose(got, want, rtol=1e-12)
        assert 1e-40 < got < 1e-35  # cm^2/MeV scale for Cs at O(10 keV)
    else:
        assert got == 0.0


def test_rate_weights_against_dblquad():
    """sum_k W_f(T_k) Q^2 with Q^2 = 1, N_targets = 1, fluence = 1 equals the double integral
    int dT int_{E_min(T)}^{m_mu/2} dE phi_f(E) dsigma/dT ([LM] Eqs. 3, 4, 10), computed with
    scipy dblquad for nu_e and nu_mu_bar, and analytically for the prompt nu_mu line, over a
    Cs133 recoil interval below the prompt endpoint, to 1e-4."""
    t_lo, t_hi = 0.002, 0.012  # MeV; prompt endpoint for Cs is ~14.3 keV
    assert t_hi < 2.0 * E_PROMPT**2 / M_CS
    t_nodes, t_w = sqrt_gauss_legendre(t_lo, t_hi, 64)
    w = cross_section.rate_weights(t_nodes, t_w, M_CS, 1.0, 1.0)
    assert w.shape == (3, t_nodes.size) and np.all(w > 0)
    got = w.sum(axis=1)  # Q^2 = 1

    pref = G_F**2 * M_CS / np.pi * MEV2_TO_CM2
    want = np.zeros(3)
    for i, fl in enumerate(FLAVOURS):
        if fl == "nu_mu":
            # int dT (1 - M T/(2 E_p^2)) over [t_lo, t_hi]
            want[i] = pref * ((t_hi - t_lo) - M_CS / (4.0 * E_PROMPT**2) * (t_hi**2 - t_lo**2))
            continue
        phi = REF_PHI[fl]
        val, _ = integrate.dblquad(
            lambda e, t: phi(e) * (1.0 - M_CS * t / (2.0 * e**2)),
            t_lo, t_hi,
            lambda t: np.sqrt(M_CS * t / 2.0), lambda t: E_MAX,
            epsabs=0, epsrel=1e-10,
        )
        want[i] = pref * val
    np.testing.assert_allclose(got, want, rtol=1e-4)


def _flux_averaged_sigma_pkg(key):
    """Flux-averaged total cross section per nucleus, (1/3) sum_f int dE phi_f sigma_f(E), from
    rate_weights x Q_SM^2 (Helm, radiative couplings) on a fine recoil quadrature."""
    iso = ISOTOPES[key]
    m = iso.mass
    t_p, t_max = 2.0 * E_PROMPT**2 / m, 2.0 * E_MAX**2 / m
    t1, w1 = sqrt_gauss_legendre(0.0, t_p, 200)
    t2, w2 = sqrt_gauss_legendre(t_p, t_max, 200)
    t, wt = np.concatenate([t1, t2]), np.concatenate([w1, w2])
    w = cross_section.rate_weights(t, wt, m, 1.0, 1.0)
    q2 = _eval(weak_charge_sq(("sm",), {}, Kinematics.pion_dar(iso, t), {"form_factor": "helm"}))
    return float((w * q2).sum()) / 3.0


def _flux_averaged_sigma_ref(m, z, n, rp, rn):
    """Independent SciPy version of the same quantity (Helm FF, [LM] Eq. 12 couplings)."""

    def sigma(e, gvp):
        def integrand(t):
            q = np.sqrt(2.0 * m * t)
            qw = gvp * z * ref_helm(q, rp) + GVN * n * ref_helm(q, rn)
            return (1.0 - m * t / (2.0 * e**2)) * qw**2

        val, _ = integrate.quad(integrand, 1e-14, 2.0 * e**2 / m, epsabs=0, epsrel=1e-11)
        return G_F**2 * m / np.pi * MEV2_TO_CM2 * val

    s_e, _ = integrate.quad(lambda e: phi_nue(e) * sigma(e, GVP_NUE), 0.0, E_MAX, epsabs=0, epsrel=1e-9)
    s_mu = sigma(E_PROMPT, GVP_NUMU)
    s_mub, _ = integrate.quad(lambda e: phi_numubar(e) * sigma(e, GVP_NUMU), 0.0, E_MAX,
                              epsabs=0, epsrel=1e-9)
    return (s_e + s_mu + s_mub) / 3.0


def test_flux_averaged_cross_section_csi():
    """Flux-averaged SM cross section (Helm, [LM] Eqs. 10-14) for Cs133 and I127 from the
    package pipeline equals an independent SciPy double integral to 1e-4, and the CsI average
    is within 3 sigma of the COHERENT 2021 SM value 189 +- 6 x 1e-40 cm^2 (PRL 129, 081801; a
    sanity check only: COHERENT's form factor and couplings differ slightly from [LM]'s)."""
    got_cs = _flux_averaged_sigma_pkg("Cs133")
    got_i = _flux_averaged_sigma_pkg("I127")
    ref_cs = _flux_averaged_sigma_ref(M_CS, 55, 78, 4.821, 5.09)
    ref_i = _flux_averaged_sigma_ref(M_I, 53, 74, 4.766, 5.03)
    np.testing.assert_allclose(got_cs, ref_cs, rtol=1e-4)
    np.testing.assert_allclose(got_i, ref_i, rtol=1e-4)
    csi = 0.5 * (got_cs + got_i)
    assert abs(csi - 189e-40) < 3 * 6e-40


# =============================== 7. Errors ============================================
def test_form_factor_lookup_and_unknown():
    """form_factor() returns the registered functions and rejects unknown names with a
    ValueError that lists the known ones."""
    assert set(FORM_FACTORS) == set(FF_NAMES)
    for name in FF_NAMES:
        assert form_factor(name) is FF_FUNCS[name]
    with pytest.raises(ValueError) as exc:
        form_factor("nope")
    msg = str(exc.value)
    assert "nope" in msg
    for name in FF_NAMES:
        assert name in msg


def test_physics_term_unknown():
    """physics_term() rejects unknown model names with a ValueError naming the known ones."""
    with pytest.raises(ValueError) as exc:
        physics_term("nope")
    assert "nope" in str(exc.value) and "sm" in str(exc.value)


def test_experiment_xsec_derived_matches_reference():
    """The derived ``xsec`` of the CsI experiment (recoil grid over the full kinematic range,
    w @ vec(Q^2)) equals the independent SciPy flux-averaged cross section averaged over Cs and I."""
    from bayes_cevns.model.cards import load_card
    from bayes_cevns.model.predict import predicted_arrays

    got = float(predicted_arrays(load_card("sm"), "coherent_csi_2021", {})["_xsec"])
    ref = 0.5 * (_flux_averaged_sigma_ref(M_CS, 55, 78, 4.821, 5.09) + _flux_averaged_sigma_ref(M_I, 53, 74, 4.766, 5.03))
    np.testing.assert_allclose(got, ref, rtol=2e-4)
