"""Tests of the experiment layer ``bayes_cevns.experiments`` (CsI 2021, Ar 2020).

Reference values are either the collaborations' published numbers (COHERENT CsI[Na],
PRL 129, 081801 (2022); CENNS-10 Ar Analysis A, PRL 126, 012002 (2021) and its data release)
or are recomputed in this file with NumPy/SciPy from the raw release files and the formulas
(independent Helm form factor, Michel spectra integrated numerically, brute-force recoil
integration). The package's PyTensor graphs are only used where the graph itself is under test
(gradients), and are compiled in FAST_COMPILE mode to keep the suite fast.
"""


import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest
from pytensor.gradient import verify_grad
from scipy.stats import gamma

from bayes_cevns.model.cards import load_card
from bayes_cevns.experiments import load_experiment
from bayes_cevns.experiments import coherent_csi_2021 as csi_mod
from bayes_cevns.experiments.base import Morph, TimeTable
from bayes_cevns.model.forward import expected_components
from bayes_cevns.model.predict import predict_counts
from support import REPO_ROOT

DATA = REPO_ROOT / "data"
FAST = "FAST_COMPILE"

# --------------------------------------------------------------------------------------
# Independent reference physics (constants re-typed from CODATA 2018 / PDG 2024 / [LM]).
# --------------------------------------------------------------------------------------
HBARC = 197.3269804  # MeV fm
G_F = 1.1663788e-11  # MeV^-2
N_A = 6.02214076e23
AMU = 931.49410242  # MeV
M_E = 0.51099895  # MeV
M_MU = 105.6583755  # MeV
M_PI = 139.57039  # MeV
E_PROMPT = (M_PI**2 - M_MU**2) / (2.0 * M_PI)
E_MAX = M_MU / 2.0
GVP = np.array([0.0401, 0.0318, 0.0318])  # [LM] Eq. 12, flavours (nu_e, nu_mu, nu_mu_bar)
GVN = -0.5094
HELM_S = 0.9  # fm

#: name -> (Z, N, nuclear mass MeV (AME2020 atomic mass - Z m_e), r_p [LM] Eq. 13, r_n [LM] Eq. 14)
NUCLEI = {
    "Cs133": (55, 78, 132.905451961 * AMU - 55 * M_E, 4.821, 5.09),
    "I127": (53, 74, 126.904473 * AMU - 53 * M_E, 4.766, 5.03),
    "Ar40": (18, 22, 39.9623831237 * AMU - 18 * M_E, 3.448, 3.55),
}


def helm_np(q_mev: np.ndarray, r_rms: float) -> np.ndarray:
    """Helm form factor in NumPy (Lewin & Smith 1996), R0^2 = 5/3 (R^2 - 3 s^2)."""
    r0 = np.sqrt(5.0 / 3.0 * (r_rms**2 - 3.0 * HELM_S**2))
    qf = np.asarray(q_mev) / HBARC
    x = qf * r0
    small = x < 1e-3
    xs = np.where(small, 1.0, x)
    j = np.where(small, 1.0 - x**2 / 10.0, 3.0 * (np.sin(xs) - xs * np.cos(xs)) / xs**3)
    return j * np.exp(-0.5 * (qf * HELM_S) ** 2)


def q2_np(iso: str, recoil_mev: np.ndarray, sin2: float = 0.23857, rn: float | None = None) -> np.ndarray:
    """SM Q^2 per flavour (3, K) on a recoil grid ([LM] Eqs. 11-12, radiative couplings)."""
    z, n, m, rp, rn0 = NUCLEI[iso]
    q = np.sqrt(2.0 * m * np.asarray(recoil_mev))
    gvp = GVP - 2.0 * (sin2 - 0.23857)
    qw = gvp[:, None] * z * helm_np(q, rp)[None, :] + GVN * n * helm_np(q, rn if rn else rn0)[None, :]
    return qw**2


def q2_for(exp) -> np.ndarray:
    """Independent Q^2 on the experiment's recoil grid, shape (n_iso, 3, K)."""
    return np.stack([q2_np(iso.name, exp.recoil_grid[i]) for i, iso in enumerate(exp.isotopes)])


# --------------------------------------------------------------------------------------
# Fixtures: build every experiment / prediction once per module.
# --------------------------------------------------------------------------------------
@pytest.fixture(scope="module", autouse=True)
def fast_compile():
    """FAST_COMPILE for every graph compiled here (a cold Numba compile of the prediction graph
    takes ~90 s; the values tested do not depend on the backend)."""
    with pytensor.config.change_flags(mode=FAST):
        yield


@pytest.fixture(scope="module")
def sm():
    return load_card("sm")


@pytest.fixture(scope="module")
def csi():
    return load_experiment("coherent_csi_2021")


@pytest.fixture(scope="module")
def ar():
    return load_experiment("coherent_ar_2020")


@pytest.fixture(scope="module")
def ar3():
    return load_experiment("coherent_ar_2020", binning="3d")


@pytest.fixture(scope="module")
def csi_pred(sm):
    return predict_counts(sm, "coherent_csi_2021", {})


@pytest.fixture(scope="module")
def ar_pred(sm):
    return predict_counts(sm, "coherent_ar_2020", {})


# --------------------------------------------------------------------------------------
# CsI[Na] 2021: published numbers and the observed histogram
# --------------------------------------------------------------------------------------
def test_csi_cevns_prediction_matches_prl(csi_pred):
    """SM CEvNS prediction 341 events (PRL 129, 081801) within 5%; measured 338.8."""
    n = csi_pred["counts"]["cevns"]
    assert abs(n / 341.0 - 1.0) < 0.05, n


def test_csi_time_efficiency_lowers_counts_in_data(csi_pred):
    """The collaboration's convention excludes the time efficiency (< 1 after 0.52 us)."""
    pub, data = csi_pred["counts"], csi_pred["counts_in_data"]
    for k in ("cevns", "brn", "nin"):
        assert data[k] < pub[k], k
    # the steady state is measured in the same window: no efficiency correction
    assert data["ss"] == pub["ss"]
    # efficiency exp(-0.0494 (t - 0.52)) is >= exp(-0.0494 * 5.48) = 0.763 in the window
    assert data["cevns"] > 0.763 * pub["cevns"]


@pytest.mark.parametrize("name, published", [("brn", 18.4), ("nin", 5.6)])
def test_csi_background_predictions(csi_pred, name, published):
    """BRN 18.4 and NIN 5.6 events in the ROI (before the time efficiency), within 2%."""
    n = csi_pred["counts"][name]
    assert abs(n / published - 1.0) < 0.02, n


def test_csi_steady_state_is_ac_count(csi_pred, csi):
    assert csi_pred["counts"]["ss"] == 1295
    assert csi.backgrounds["ss"].aux_count == 1295
    np.testing.assert_allclose(csi.backgrounds["ss"].template.nominal.sum(), 1295.0, rtol=1e-12)


def test_csi_observed_histogram_from_raw_file(csi, csi_pred):
    raw = np.loadtxt(DATA / "coherent_csi_2021" / "dataBeamOnC.txt", comments="#")
    ref, _, _ = np.histogram2d(raw[:, 0], raw[:, 1], bins=[csi_mod.PE_EDGES, csi_mod.TIME_EDGES])
    assert csi.observed.shape == (9, 11)
    assert csi.observed.sum() == 1578
    assert csi_pred["observed"] == 1578
    np.testing.assert_array_equal(csi.observed, ref)


def test_csi_ac_template_from_raw_file(csi):
    """``ss_model="factorised"``: AC energy marginal x AC time marginal / N_AC (raw file); the default
    smooth template follows the same raw AC histogram within its Poisson noise (Pearson chi^2 over
    the 99 bins below 99 + 3 sqrt(2 x 99))."""
    raw = np.loadtxt(DATA / "coherent_csi_2021" / "dataBeamOnAC.txt", comments="#")
    h, _, _ = np.histogram2d(raw[:, 0], raw[:, 1], bins=[csi_mod.PE_EDGES, csi_mod.TIME_EDGES])
    fact = csi_mod.load(ss_model="factorised").backgrounds["ss"].template.nominal
    np.testing.assert_allclose(fact, np.outer(h.sum(1), h.sum(0)) / h.sum(), rtol=1e-12)
    smooth = csi.backgrounds["ss"].template.nominal
    ok = smooth > 1.0
    assert ok.sum() >= 90
    assert np.sum((h[ok] - smooth[ok]) ** 2 / smooth[ok]) < ok.sum() + 3 * np.sqrt(2 * ok.sum())


# --------------------------------------------------------------------------------------
# Independent brute-force reference for the CsI CEvNS rate in the ROI
# --------------------------------------------------------------------------------------
CSI_QF = np.array([0.0554628, 4.30681, -111.707, 840.384])  # nominal scintillation polynomial
CSI_EFF = np.array([1.32045, 0.285979, 10.8646, -0.333322])  # nominal efficiency coefficients


def _folded_flux(recoil: np.ndarray, mass: float) -> np.ndarray:
    """int phi_f(E) (1 - M T / 2 E^2) dE per flavour, numerically (Gauss-Legendre in E)."""
    x, w = np.polynomial.legendre.leggauss(32)
    lo = np.minimum(np.sqrt(mass * recoil / 2.0), E_MAX)
    e = 0.5 * (E_MAX - lo)[:, None] * x[None, :] + 0.5 * (E_MAX + lo)[:, None]
    we = 0.5 * (E_MAX - lo)[:, None] * w[None, :]
    kin = np.clip(1.0 - mass * recoil[:, None] / (2.0 * e**2), 0.0, None)
    phi_e = 192.0 / M_MU**3 * e**2 * (0.5 - e / M_MU)
    phi_mubar = 64.0 / M_MU**3 * e**2 * (0.75 - e / M_MU)
    prompt = np.clip(1.0 - mass * recoil / (2.0 * E_PROMPT**2), 0.0, None)  # monochromatic line
    return np.stack([(phi_e * kin * we).sum(1), prompt, (phi_mubar * kin * we).sum(1)])


def _pe_bin_probability(recoil: np.ndarray, pe_edges: np.ndarray) -> np.ndarray:
    """P(PE bin | T) x efficiency: gamma smearing over 0.25-PE sub-bins, clipped efficiency."""
    eee = 1e3 * (CSI_QF[0] * recoil + CSI_QF[1] * recoil**2 + CSI_QF[2] * recoil**3
                 + CSI_QF[3] * recoil**4)  # keVee
    a, b = 0.0749 / eee, 9.56 * eee
    fine = np.arange(0.0, 60.0 + 1e-9, 0.25)
    centre = 0.5 * (fine[1:] + fine[:-1])
    eff = np.clip(CSI_EFF[0] / (1.0 + np.exp(-CSI_EFF[1] * (centre - CSI_EFF[2]))) + CSI_EFF[3], 0.0, None)
    cdf = gamma.cdf(fine[None, :], 1.0 + b[:, None], scale=1.0 / (a * (1.0 + b))[:, None])
    p = np.diff(cdf, axis=1) * eff[None, :]
    which = np.digitize(centre, pe_edges) - 1
    return np.stack([p[:, which == j].sum(1) for j in range(pe_edges.size - 1)], axis=1)


def test_csi_rate_matches_bruteforce_numpy(csi):
    """Energy response x rate weights vs a brute-force integral on a uniform 4000-point grid.

    Counts per PE bin (time-integrated, before timing, summed over flavours and isotopes):
    N_e = N_targets * eta * sum_iso int dT (G_F^2 M / pi) (hbar c)^2 sum_f K_f(T) Q_f^2(T) P_e(T).
    """
    n_targets = N_A * 14.6e3 / 259.8  # each of Cs and I
    eta = 0.0848 * 3.198e23 / (4.0 * np.pi * 1930.0**2)
    ref = np.zeros(9)
    for iso in ("Cs133", "I127"):
        m = NUCLEI[iso][2]
        n = 4000
        h = 2.0 * E_MAX**2 / m / n
        t = (np.arange(n) + 0.5) * h  # midpoint rule on [0, T_max]
        rate = G_F**2 * m / np.pi * (HBARC * 1e-13) ** 2 * n_targets * eta
        dn_dt = rate * (_folded_flux(t, m) * q2_np(iso, t)).sum(0)
        ref += (dn_dt[:, None] * _pe_bin_probability(t, csi_mod.PE_EDGES)).sum(0) * h
    got = (csi.energy_response.nominal @ q2_for(csi).reshape(-1)).reshape(3, 9)
    np.testing.assert_allclose(got.sum(), ref.sum(), rtol=5e-3)
    # per PE bin as well (all bins hold >= 10 events)
    np.testing.assert_allclose(got.sum(0), ref, rtol=5e-3)


def test_csi_published_count_equals_window_fraction_convention(csi, csi_pred):
    """counts['cevns'] = sum_f N_f * (fraction of flavour f in 0-6 us, no time efficiency)."""
    from scipy.stats import exponnorm

    per_f = (csi.energy_response.nominal @ q2_for(csi).reshape(-1)).reshape(3, 9).sum(1)
    tpi, tmu, mu, sig = 0.026033, 2.1969811, 0.44, 0.15
    t = np.linspace(0.0, 6.0, 60001)

    def emg(tau):
        return exponnorm.pdf(t, tau / sig, loc=mu, scale=sig)

    prompt = np.trapezoid(emg(tpi), t)
    delayed = np.trapezoid((tmu * emg(tmu) - tpi * emg(tpi)) / (tmu - tpi), t)
    ref = per_f @ np.array([delayed, prompt, delayed])
    np.testing.assert_allclose(csi_pred["counts"]["cevns"], ref, rtol=1e-3)


# --------------------------------------------------------------------------------------
# Ar 2020
# --------------------------------------------------------------------------------------
def _release_table(name: str) -> np.ndarray:
    return np.loadtxt(DATA / "coherent_ar_2020" / name, comments="#")


def test_ar_prediction_total(ar_pred, ar):
    """Published predicted CEvNS 128 +- 17; measured 119.2 (-6.8%), asserted within 10%."""
    n = ar_pred["counts"]["cevns"]
    assert abs(n / 128.0 - 1.0) < 0.10, n
    assert ar.shape == (12, 10)
    assert ar_pred["observed"] == ar.observed.sum() == _release_table("datanobkgsub.txt")[:, 3].sum()


def test_ar_deficit_is_the_form_factor_radius():
    """Diagnosis of the Ar deficit: with the [LM] Eq. 14 neutron radius (3.55 fm) the package predicts
    119.2 and a spectrum falling faster than cevnspdf.txt (bins 10-30 keVee at 0.88, 0.83); with an
    effective R_n(Ar) = 3.1 fm the total (128 +- 2%) and the first three energy bins (4%) match the
    release, so the difference is the weaker form-factor suppression of the collaboration's
    simulation, not the flux, quenching or acceptance (which act on all radii alike)."""
    from bayes_cevns.experiments.coherent_ar_2020 import pdf3d
    from bayes_cevns.model.predict import predicted_arrays

    rel = pdf3d("cevnspdf.txt").sum(axis=(1, 2))
    card = load_card("sm")
    nominal = predicted_arrays(card, "coherent_ar_2020", {})["cevns"].sum(axis=1)
    small = predicted_arrays(card, "coherent_ar_2020", {"rn_ar": 3.1})["cevns"].sum(axis=1)
    assert nominal[1] / rel[1] < 0.9 and nominal[2] / rel[2] < 0.9
    assert small.sum() == pytest.approx(rel.sum(), rel=0.02)
    np.testing.assert_allclose(small[:3], rel[:3], rtol=0.04)


#: [LAR] Eq. 3: the Ar neutron rms radius of the source paper that analyses this release.
LAR_RN_AR_FM = 3.36
#: The release's stated normalisation uncertainty of its CEvNS prediction, 17/128 (LArParametersAnlA.yaml).
AR_CEVNS_REL_UNC = 17.0 / 128.0


def test_ar_prediction_with_lar_radius_within_5_percent_and_bins_within_stated_uncertainty():
    """With [LAR]'s Helm radius R_n(Ar) = 3.36 fm the SM prediction is within 5% of the release's
    128, and every energy and time bin of cevnspdf.txt holding at least one event agrees within the
    release's stated 13% (17/128) uncertainty; with [LM] Eq. 14's 3.55 fm the 20-30 keVee bin is
    more than 13% low (the form-factor convention is the whole difference, see above). R_p stays
    at [LM]'s 3.448 fm ([LAR] uses 3.14 fm): the proton term carries ~5% of the weak charge, and
    the change moves the total by < 0.3%."""
    from bayes_cevns.experiments.coherent_ar_2020 import pdf3d
    from bayes_cevns.model.predict import predicted_arrays

    rel = pdf3d("cevnspdf.txt")
    rel_e, rel_t = rel.sum(axis=(1, 2)), rel.sum(axis=(0, 1))
    card = load_card("sm")
    lar = predicted_arrays(card, "coherent_ar_2020", {"rn_ar": LAR_RN_AR_FM})["cevns"]
    assert lar.sum() == pytest.approx(128.0, rel=0.05)
    for pkg, ref in ((lar.sum(axis=1), rel_e), (lar.sum(axis=0), rel_t)):
        sel = ref >= 1.0
        assert sel.sum() >= 4
        np.testing.assert_allclose(pkg[sel], ref[sel], rtol=AR_CEVNS_REL_UNC)
    lm = predicted_arrays(card, "coherent_ar_2020", {})["cevns"].sum(axis=1)
    assert lm[2] / rel_e[2] < 1.0 - AR_CEVNS_REL_UNC


def _release_time_projection(name: str = "cevnspdf.txt") -> np.ndarray:
    tab = _release_table(name)
    return np.array([tab[tab[:, 2] == c, 3].sum() for c in np.unique(tab[:, 2])])


def _ar_time_shapes(ar, onset: float = 0.0):
    pkg = ar.signal_numpy(q2_for(ar), {"ar_onset": onset}).sum(axis=0)
    centres = np.unique(_release_table("cevnspdf.txt")[:, 2])
    ref = _release_time_projection()
    np.testing.assert_allclose(centres, 0.5 * (ar.time_edges[1:] + ar.time_edges[:-1]), atol=1e-9)
    return pkg / pkg.sum(), ref / ref.sum(), ref


def _fit_ar_onset(ar, ref_shape: np.ndarray) -> float:
    """Least-squares onset offset of the package's normalised time projection to ``ref_shape``."""
    from scipy.optimize import minimize_scalar

    q2 = q2_for(ar)
    tt = ar.time_table

    def cost(d):
        pkg = ar.signal_numpy(q2, {"ar_onset": d}).sum(axis=0)
        return np.sum((pkg / pkg.sum() - ref_shape) ** 2)

    res = minimize_scalar(cost, bounds=(tt.offsets[0], tt.offsets[-1]), method="bounded",
                          options={"xatol": 1e-6})
    assert res.success
    return float(res.x)


def test_ar_time_shape_matches_release_after_first_bin(ar):
    """Normalised time projection vs cevnspdf.txt (energy and F90 summed), bins 2-10, at the
    nominal onset (the first bin is 9.6% vs the release's 8.66%: see the onset fit below)."""
    pkg, ref, counts = _ar_time_shapes(ar)
    sel = counts > 3
    sel[0] = False
    assert sel.sum() == 9
    np.testing.assert_allclose(pkg[sel], ref[sel], rtol=0.05)
    assert pkg[0] / ref[0] > 1.05


def test_ar_onset_fit_to_release_time_shape(ar):
    """Fitting ``ar_onset`` to the release PDF's normalised time projection gives an offset
    well inside its prior's 1 sigma (+13 ns vs 200 ns), and at that offset every time bin with
    more than 3 release events, the first [-0.1, 0.4) us included, agrees within 5%."""
    _, ref, counts = _ar_time_shapes(ar)
    d = _fit_ar_onset(ar, ref)
    assert abs(d) < ar.nuisances["ar_onset"].sigma == 0.2
    assert 0.0 < d < 0.03, d
    pkg, _, _ = _ar_time_shapes(ar, d)
    sel = counts > 3
    assert sel[0] and sel.sum() == 10
    np.testing.assert_allclose(pkg[sel], ref[sel], rtol=0.05)


def test_ar_release_timing_mean_variation_is_a_one_sigma_onset_shift(ar):
    """cevnspdfCEvNSTimingMeanSyst.txt, the release's one-sided CEvNS timing-mean variation, is the
    central PDF with the pulse mean moved later by the YAML's 200 ns: the onset fitted to its
    time shape is +1 sigma (within 25%), and the package at +0.2 us matches it within 5% in
    every bin but the first (which it nearly empties: 0.5% of the events there, 1.1% here). Hence
    ``ar_onset`` replaces that variation instead of adding a second timing-mean term."""
    var = _release_time_projection("cevnspdfCEvNSTimingMeanSyst.txt")
    np.testing.assert_allclose(var.sum(), _release_time_projection().sum(), rtol=1e-6)
    d = _fit_ar_onset(ar, var / var.sum())
    assert d == pytest.approx(0.2, rel=0.25)
    pkg, _, _ = _ar_time_shapes(ar, 0.2)
    ref = var / var.sum()
    np.testing.assert_allclose(pkg[1:], ref[1:], rtol=0.05)
    assert ref[0] < pkg[0] < 0.02
    assert "ar_cevns_tmean" not in ar.nuisances


def test_ar_onset_zero_is_the_fixed_timing_prediction(ar, ar3):
    """At ``ar_onset`` = 0 the counts equal the earlier fixed-timing model, rebuilt here from
    ``flavour_time_fractions`` at the YAML's pulse (440 ns, 150 ns) (every bin to 1e-10); at
    other onsets each flavour's total changes only by its fraction inside the time window."""
    from bayes_cevns.experiments.timing import flavour_time_fractions

    q2 = q2_for(ar)
    per_flavour = (ar.energy_response.evaluate({}) @ q2.reshape(-1)).reshape(3, -1)
    edges = np.arange(-0.1, 5.0, 0.5)

    def fractions(d):
        return flavour_time_fractions(edges, 0.44 + d, 0.15)

    fixed = np.einsum("fe,ft->et", per_flavour, fractions(0.0))
    for z in ({}, {"ar_onset": 0.0}):
        np.testing.assert_allclose(ar.signal_numpy(q2, z), fixed, rtol=1e-10, atol=0)
        np.testing.assert_allclose(ar.signal_numpy(q2, z).sum(), fixed.sum(), rtol=1e-10)
    np.testing.assert_allclose(ar3.signal_numpy(q2, {"ar_onset": 0.0}).reshape(12, 10, 8).sum(-1),
                               fixed, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(ar.time_table.window_fraction, fractions(0.0).sum(axis=1), rtol=1e-12)
    totals = per_flavour.sum(axis=1)
    for d in (-0.2, 0.1, 0.2):  # table nodes
        window = fractions(d).sum(axis=1)
        np.testing.assert_allclose(ar.signal_numpy(q2, {"ar_onset": d}).sum(), totals @ window, rtol=1e-9)
        assert abs(totals @ window / fixed.sum() - 1.0) < 0.02
    # a later onset moves events out of the first bin and past the window's end
    first = [ar.signal_numpy(q2, {"ar_onset": d})[:, 0].sum() for d in (-0.2, 0.0, 0.2)]
    assert first[0] > first[1] > first[2]


def test_ar_onset_in_graph_and_published_count(sm, ar):
    """The graph interpolates the Ar onset table as the NumPy path does (off the table nodes too),
    and the published-convention count (window fraction at the nominal onset) does not depend on
    the onset."""
    from bayes_cevns.model.forward import q2_vector

    d = pt.dscalar("d")
    comps = expected_components(sm, ar, {}, {"ar_onset": d})
    fn = pytensor.function([d], [comps["cevns"], comps["_cevns_published"], q2_vector(sm, ar, {})],
                           mode=FAST)
    s0, p0, q2 = fn(0.0)
    np.testing.assert_allclose(p0, s0.sum(), rtol=1e-12)
    for onset in (0.0, 0.137, -0.31):
        s1, p1, _ = fn(onset)
        np.testing.assert_allclose(s1, ar.signal_numpy(np.asarray(q2), {"ar_onset": onset}), rtol=1e-10)
        np.testing.assert_allclose(p1, p0, rtol=1e-12)


@pytest.mark.parametrize("name, fname, published", [
    ("brn_prompt", "brnpdf.txt", 497.0),
    ("brn_delayed", "delbrnpdf.txt", 33.0),
    ("ss", "bkgpdf.txt", 3152.0),
])
def test_ar_background_totals(ar, ar_pred, name, fname, published):
    total = _release_table(fname)[:, 3].sum()
    np.testing.assert_allclose(ar.backgrounds[name].template.nominal.sum(), total, rtol=1e-6)
    np.testing.assert_allclose(ar_pred["counts"][name], total, rtol=1e-6)
    np.testing.assert_allclose(total, published, rtol=1e-6)


def test_ar_3d_binning_same_totals_as_2d(ar, ar3):
    q2 = q2_for(ar)
    s2, s3 = ar.signal_numpy(q2), ar3.signal_numpy(q2)
    assert s3.shape == (12, 80)
    np.testing.assert_allclose(s3.sum(), s2.sum(), rtol=1e-10)
    # columns are (time, F90) with F90 fastest: summing F90 gives back the 2-D histogram
    np.testing.assert_allclose(s3.reshape(12, 10, 8).sum(-1), s2, rtol=1e-9, atol=1e-12)
    for z in ({"ar_onset": 0.23}, {"ar_onset": -0.071}):  # the onset table repeats over F90 columns
        np.testing.assert_allclose(ar3.signal_numpy(q2, z).reshape(12, 10, 8).sum(-1), ar.signal_numpy(q2, z),
                                   rtol=1e-9, atol=1e-12)
    assert ar3.nuisances["ar_onset"] == ar.nuisances["ar_onset"]
    np.testing.assert_array_equal(ar3.time_table.window_fraction, ar.time_table.window_fraction)
    np.testing.assert_array_equal(ar3.observed.reshape(12, 10, 8).sum(-1), ar.observed)
    assert set(ar3.backgrounds) == set(ar.backgrounds)
    for k, b in ar3.backgrounds.items():
        np.testing.assert_allclose(b.template.nominal.reshape(12, 10, 8).sum(-1),
                                   ar.backgrounds[k].template.nominal, rtol=1e-10, atol=1e-12)


# --------------------------------------------------------------------------------------
# Morph and TimeTable
# --------------------------------------------------------------------------------------
def test_morph_hits_the_templates_exactly():
    # integer-valued arrays: every operation of the interpolation is exact in float64
    x0 = np.array([[4.0, 8.0], [2.0, 6.0]])
    up = np.array([[5.0, 10.0], [3.0, 5.0]])
    dn = np.array([[2.0, 7.0], [2.0, 8.0]])
    m = Morph(x0, {"a": up}, {"a": dn})
    np.testing.assert_array_equal(m.evaluate({"a": 1.0}), up)
    np.testing.assert_array_equal(m.evaluate({"a": -1.0}), dn)
    np.testing.assert_array_equal(m.evaluate({"a": 0.0}), x0)
    np.testing.assert_array_equal(m.evaluate(), x0)
    # quadratic in between: x0 + z (u - d)/2 + z^2 (u + d - 2 x0)/2
    z = 0.3
    np.testing.assert_allclose(m.evaluate({"a": z}), x0 + z * (up - dn) / 2 + z**2 * (up + dn - 2 * x0) / 2,
                               rtol=1e-14)


def test_morph_random_templates_and_additivity():
    rng = np.random.default_rng(1)
    x0, u1, d1, u2, d2 = rng.uniform(0.5, 2.0, (5, 3, 4))
    m = Morph(x0, {"a": u1, "b": u2}, {"a": d1, "b": d2})
    np.testing.assert_allclose(m.evaluate({"a": 1.0}), u1, rtol=1e-14)
    np.testing.assert_allclose(m.evaluate({"b": -1.0}), d2, rtol=1e-14)
    # independent nuisances add their deviations
    both = m.evaluate({"a": 1.0, "b": -1.0})
    np.testing.assert_allclose(both, u1 + d2 - x0, rtol=1e-13)


def test_morph_one_sided_is_linear():
    x0 = np.array([1.0, 2.0, 3.0])
    up = np.array([1.5, 1.0, 3.0])
    m = Morph(x0, {"s": up})
    np.testing.assert_array_equal(m.evaluate({"s": 1.0}), up)
    np.testing.assert_allclose(m.evaluate({"s": -1.0}), 2 * x0 - up, rtol=1e-15)
    for z in (-2.0, -0.4, 0.7, 2.5):
        np.testing.assert_allclose(m.evaluate({"s": z}), x0 + z * (up - x0), rtol=1e-14)
    names, powers, _ = m.terms()
    assert names == ["s"] and powers == ["linear"]


def test_time_table_interpolates_and_clamps():
    rng = np.random.default_rng(2)
    offsets = np.array([-0.5, 0.0, 0.5, 1.0])
    fr = rng.uniform(size=(4, 3, 5))
    tt = TimeTable(offsets=offsets, fractions=fr, nuisance="x")
    for j, o in enumerate(offsets):
        np.testing.assert_allclose(tt.at(o), fr[j], rtol=1e-15)
    np.testing.assert_allclose(tt.at(0.2), 0.6 * fr[1] + 0.4 * fr[2], rtol=1e-14)
    np.testing.assert_allclose(tt.at(-0.125), 0.25 * fr[0] + 0.75 * fr[1], rtol=1e-14)
    np.testing.assert_array_equal(tt.at(-7.0), fr[0])
    np.testing.assert_array_equal(tt.at(9.0), fr[-1])
    fixed = TimeTable(offsets=np.zeros(1), fractions=fr[:1])
    np.testing.assert_array_equal(fixed.at(0.3), fr[0])


def test_csi_time_table_is_monotone_in_onset(csi):
    """A later beam onset moves CEvNS events out of the earliest time bin."""
    tt = csi.time_table
    first = [tt.at(o)[1, 0] for o in (-0.2, 0.0, 0.2)]  # prompt nu_mu, t in [0, 0.125)
    assert first[0] > first[1] > first[2]


# --------------------------------------------------------------------------------------
# Nuisances move the rate in the physically expected direction
# --------------------------------------------------------------------------------------
def test_csi_efficiency_nuisance_direction(csi):
    q2 = q2_for(csi)
    nom = csi.signal_numpy(q2).sum()
    up = csi.signal_numpy(q2, {"csi_eff": 1.0}).sum()
    down = csi.signal_numpy(q2, {"csi_eff": -1.0}).sum()
    assert up > nom > down
    # flux is a plain multiplicative nuisance
    np.testing.assert_allclose(csi.signal_numpy(q2, {"csi_flux": 1.1}).sum(), 1.1 * nom, rtol=1e-12)


def test_csi_qf_nuisance_direction(csi):
    """The 'model 0 +1 sigma' polynomial gives more light (larger linear term): more counts."""
    q2 = q2_for(csi)
    nom = csi.signal_numpy(q2).sum()
    assert csi.signal_numpy(q2, {"csi_qf_z0": 1.0}).sum() > nom > csi.signal_numpy(q2, {"csi_qf_z0": -1.0}).sum()


def test_ar_qf_nuisance_direction(ar):
    q2 = q2_for(ar)
    nom = ar.signal_numpy(q2).sum()
    assert ar.signal_numpy(q2, {"ar_qf_a": 1.0}).sum() > nom > ar.signal_numpy(q2, {"ar_qf_a": -1.0}).sum()
    assert ar.signal_numpy(q2, {"ar_qf_b": 1.0}).sum() > nom
    np.testing.assert_allclose(ar.signal_numpy(q2, {"ar_flux": 1.1, "ar_mass": 0.9}).sum(), 0.99 * nom,
                               rtol=1e-12)


# --------------------------------------------------------------------------------------
# Gradients of the graph
# --------------------------------------------------------------------------------------
def _total(card, exp, params):
    return expected_components(card, exp, params, {})["cevns"].sum()


def test_csi_gradient_verify_grad(sm, csi):
    def f(s, r):
        return _total(sm, csi, {"sin2_theta_w": s, "rn_cs": r})

    verify_grad(f, [np.array(0.23857), np.array(5.09)], rng=np.random.default_rng(3), mode=FAST,
                n_tests=1)


def test_csi_gradient_signs(sm, csi):
    s, r = pt.dscalar("s"), pt.dscalar("r")
    tot = _total(sm, csi, {"sin2_theta_w": s, "rn_cs": r})
    fn = pytensor.function([s, r], [tot, *pytensor.grad(tot, [s, r])], mode=FAST)
    val, ds, dr = fn(0.23857, 5.09)
    assert dr < 0  # a larger neutron radius suppresses the form factor
    assert ds > 0  # |Q_W| = |g_V^p Z - 0.5094 N| grows when g_V^p = const - 2 sin^2 decreases
    # value agrees with the NumPy path (independent Q^2, same response and timing)
    np.testing.assert_allclose(val, csi.signal_numpy(q2_for(csi)).sum(), rtol=1e-9)
    # and the derivative with a central finite difference of the independent NumPy Q^2
    h = 1e-4

    def tot_np(rn):
        q2 = np.stack([q2_np("Cs133", csi.recoil_grid[0], rn=rn), q2_np("I127", csi.recoil_grid[1])])
        return csi.signal_numpy(q2).sum()

    np.testing.assert_allclose(dr, (tot_np(5.09 + h) - tot_np(5.09 - h)) / (2 * h), rtol=1e-5)


def test_ar_gradient(sm, ar):
    def f(r):
        return _total(sm, ar, {"rn_ar": r})

    verify_grad(f, [np.array(3.55)], rng=np.random.default_rng(4), mode=FAST, n_tests=1)
    r = pt.dscalar("r")
    tot = f(r)
    dr = pytensor.function([r], pytensor.grad(tot, r), mode=FAST)(3.55)
    assert dr < 0
