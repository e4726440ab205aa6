"""Execute the example notebooks end to end and check the numbers they print.

``notebooks/01_sm_fit.ipynb`` ends with a cell whose last output line is a JSON summary of the run
(posterior means of the fitted counts, profile fits, sin^2 theta_W per form factor, ...); the tests
parse it and check it against the published COHERENT numbers with tolerances suited to the
notebook's short sampling settings (2 chains x 300 draws).

``notebooks/02_light_mediators.ipynb`` ends the same way, with the light-mediator numbers of its run
(universal-model dip energies, chi^2 and Bayesian coupling limits from a five-mass CsI+Ar scan, the
interference strip at 10 GeV, predicted counts per card); the tests compare them with [LM] (Atzori
Corona et al., JHEP 05 (2022) 109).

``notebooks/04_projections.ipynb`` prints the projection numbers (CsI 2017 SM prediction, IBD
yields per fission, 51Cr counts, M_Z' bounds, NUTS vs grid Bayes, U(1)_R bounds, XENON1T); the
tests compare them with COHERENT 2017, Mention et al. 2011, the 51Cr activity law, the E6 charges
and [U1R].
"""

import json
import math
import tomllib
from pathlib import Path

import pytest
from support import REPO_ROOT

NOTEBOOK_DIR = REPO_ROOT / "notebooks"
SM_FIT = NOTEBOOK_DIR / "01_sm_fit.ipynb"
LIGHT_MEDIATORS = NOTEBOOK_DIR / "02_light_mediators.ipynb"
FORM_FACTORS = ("helm", "symmetrized_fermi", "klein_nystrand")


def _kernel_name(nb) -> str:
    """The notebook's kernelspec (``python3``, provided by ipykernel in this environment)."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    name = nb.metadata.get("kernelspec", {}).get("name", "python3")
    try:
        KernelSpecManager().get_kernel_spec(name)
    except NoSuchKernel:
        pytest.fail(f"no Jupyter kernel {name!r}: install ipykernel in this environment "
                    f"(or run `python -m ipykernel install --sys-prefix --name {name}`)")
    return name


def _last_json_line(cell) -> dict:
    text = "".join(o.get("text", "") for o in cell.get("outputs", [])
                   if o.get("output_type") == "stream" and o.get("name") == "stdout")
    lines = [ln for ln in text.splitlines() if ln.strip()]
    assert lines, "the last code cell printed nothing"
    return json.loads(lines[-1])


def _run_notebook(path: Path) -> dict:
    """Run a notebook in its own folder and return the JSON summary its last code cell prints."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name=_kernel_name(nb),
                                     resources={"metadata": {"path": str(NOTEBOOK_DIR)}})
    client.execute()  # raises CellExecutionError if any cell fails
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    assert all(o.get("output_type") != "error" for c in code_cells for o in c.get("outputs", []))
    return _last_json_line(code_cells[-1])


@pytest.fixture(scope="module")
def sm_fit_summary() -> dict:
    """Run 01_sm_fit.ipynb in its own folder and return the JSON summary it prints last."""
    return _run_notebook(SM_FIT)


@pytest.fixture(scope="module")
def light_mediators_summary() -> dict:
    """Run 02_light_mediators.ipynb (about two minutes) and return the JSON summary it prints last."""
    return _run_notebook(LIGHT_MEDIATORS)


@pytest.mark.slow
def test_sm_fit_csi_counts_near_coherent(sm_fit_summary):
    s = sm_fit_summary
    # SM prediction (deterministic) vs COHERENT's 341 and fitted posterior mean vs COHERENT's 306 +- 20
    assert abs(s["sm_predicted_csi"] / 341.0 - 1.0) < 0.05
    assert abs(s["cevns_csi_mean"] / 306.0 - 1.0) < 0.25
    assert abs(s["cevns_ar_mean"] / 159.0 - 1.0) < 0.5
    post = s["posterior"]["cevns_csi"]
    assert post["hdi_low"] < s["cevns_csi_mean"] < post["hdi_high"]
    assert 0.0 < post["sd"] < 100.0
    assert s["diagnostics"]["divergences"] >= 0 and s["diagnostics"]["rhat_max"] < 1.1


@pytest.mark.slow
def test_sm_fit_profile_agrees_with_posterior(sm_fit_summary):
    prof = sm_fit_summary["profile_cevns_scale_csi"]
    post = sm_fit_summary["posterior"]["cevns_scale_csi"]
    assert prof["valid"]
    lo, hi = prof["1sigma"]
    assert lo is not None and hi is not None and lo < prof["best_fit"] < hi
    assert abs(prof["best_fit"] - post["mean"]) < 0.1
    # profile interval width and posterior width agree to within 30%
    assert abs((hi - lo) / (post["hdi_high"] - post["hdi_low"]) - 1.0) < 0.3


@pytest.mark.slow
def test_sm_fit_sin2_theta_w_stable_against_form_factor(sm_fit_summary):
    best = sm_fit_summary["sin2_best_fit_by_form_factor"]
    assert set(best) == set(FORM_FACTORS)
    values = [best[ff] for ff in FORM_FACTORS]
    assert all(0.1 < v < 0.45 for v in values), values
    assert max(values) - min(values) < 0.05, values
    fixed = sm_fit_summary["sin2_theta_w"]["helm_qf_fixed"]["best_fit"]
    assert abs(fixed - best["helm"]) < 0.05
    rn = sm_fit_summary["rn_cs"]
    assert 3.5 < rn["best_fit"] < 7.5


# ------------------------------------------------------------------ 02_light_mediators.ipynb
@pytest.mark.slow
def test_light_mediators_universal_dips(light_mediators_summary):
    """Universal Z' (g = 1e-4, M = 10 MeV): the rate/SM dip at ~92 keV (Ar) and ~27 keV (CsI),
    [LM] text below Eq. 26; 10% tolerance."""
    dips = light_mediators_summary["dip_keV"]
    assert set(dips) == {"Ar40", "Cs133"}
    assert abs(dips["Ar40"] / 92.0 - 1.0) < 0.10, dips
    assert abs(dips["Cs133"] / 27.0 - 1.0) < 0.10, dips


@pytest.mark.slow
def test_light_mediators_universal_chi2_limits_match_lm(light_mediators_summary):
    """Universal Z', CsI+Ar, Delta chi^2 = 4: g < 2.07e-5 at low mass and g/M < 0.48e-3 GeV^-1 at
    high mass ([LM] Fig. 4 / Table 2); within 15%."""
    s = light_mediators_summary
    assert s["universal_low_g_chi2"] is not None and s["universal_high_g_over_m_gev_chi2"] is not None
    assert abs(s["universal_low_g_chi2"] / 2.07e-5 - 1.0) < 0.15, s["universal_low_g_chi2"]
    assert abs(s["universal_high_g_over_m_gev_chi2"] / 0.48e-3 - 1.0) < 0.15, s["universal_high_g_over_m_gev_chi2"]


@pytest.mark.slow
def test_light_mediators_strip_at_10_gev(light_mediators_summary):
    """At M = 10 GeV the chi^2-allowed set has two disjoint regions (the SM-like one and the thin
    strip of [LM] Eq. 44, g ~ 1.8e-3 M/GeV = 0.018); under a log-uniform prior the strip gets a
    small but non-zero posterior weight."""
    s = light_mediators_summary
    assert s["strip_modes_10gev"] == 2
    assert 0.0 < s["strip_posterior_log_uniform"] < 0.1, s["strip_posterior_log_uniform"]
    lo, hi = s["strip_log10_g_10gev"]
    assert 10**lo < 1.3 * 0.018 and 10**hi > 0.018 / 1.3, (lo, hi)


@pytest.mark.slow
def test_light_mediators_bayes_prior_ordering(light_mediators_summary):
    """Low-mass marginal-posterior limits: the log-uniform prior (more mass at small g) gives a lower
    limit than the uniform-g^2 prior, and it lies below the chi^2 limit."""
    s = light_mediators_summary
    lu, g2 = s["bayes_low_log_uniform"], s["bayes_low_uniform_g2"]
    assert 0.0 < lu < g2, (lu, g2)
    assert lu < s["universal_low_g_chi2"]


@pytest.mark.slow
def test_light_mediators_counts(light_mediators_summary):
    """B-L at g = 1e-4, M = 10 MeV adds to the SM amplitude, so it predicts more CEvNS events than the
    SM in both detectors; the SM CsI prediction is COHERENT's 341 within 5%."""
    counts = light_mediators_summary["counts"]
    sm, bl = counts["sm"], counts["b_minus_l"]
    assert abs(sm["csi"] / 341.0 - 1.0) < 0.05, sm
    assert bl["csi"] > sm["csi"] and bl["ar"] > sm["ar"], (bl, sm)


# ------------------------------------------------------------------ 04_projections.ipynb
# ``notebooks/04_projections.ipynb`` ends with the projection numbers of its run (nu-e and reactor checks,
# M_Z' sensitivities of [E6LR] = Miranda et al., Z' in CEvNS and nu-e scattering, a NUTS-vs-grid Bayesian bound,
# and the U(1)_R bounds of [U1R] = Alikhanov & Paschos 2021); the tests compare them with published numbers
# or with expectations derived here from first principles.

PROJECTIONS = NOTEBOOK_DIR / "04_projections.ipynb"
SETUPS_TOML = NOTEBOOK_DIR.parent / "data" / "projected" / "setups.toml"


@pytest.fixture(scope="module")
def projections_summary() -> dict:
    """Run 04_projections.ipynb (about a minute) and return the JSON summary it prints last."""
    return _run_notebook(PROJECTIONS)


@pytest.mark.slow
def test_projections_csi_2017_sm_events(projections_summary):
    """COHERENT 2017 (Science 357 (2017) 1123) predicts 173 +- 48 SM CEvNS events in CsI; within 5%."""
    n = projections_summary["csi2017_sm_events"]
    assert abs(n / 173.0 - 1.0) < 0.05, n


@pytest.mark.slow
def test_projections_ibd_yields_match_mention(projections_summary):
    """IBD yield per fission, 1e-43 cm^2/fission, vs Mention et al., PRD 83 (2011) 073006, Table I; within 3%."""
    mention = {"U235": 6.61, "U238": 10.10, "Pu239": 4.34, "Pu241": 5.97}
    yields = projections_summary["ibd_yields"]
    assert set(yields) == set(mention)
    for iso, ref in mention.items():
        assert abs(yields[iso] / ref - 1.0) < 0.03, (iso, yields[iso], ref)


@pytest.mark.slow
def test_projections_cr51_counts_follow_mean_activity(projections_summary):
    """[E6LR] Eq. 18: the run-averaged activity is A0 tau (1 - exp(-dt/tau)) / dt, so the counts of a run scale as
    A0 tau (1 - exp(-dt/tau)), with tau = 27.7025 d / ln 2 (51Cr half-life, NNDC). Activities and run times are
    read from the setups table (configurations A, B, C)."""
    tau = 27.7025 / math.log(2.0)
    with open(SETUPS_TOML, "rb") as fh:
        rows = tomllib.load(fh)["experiment"]

    def decays(k):
        row = rows[f"cr51_lxe_{k}"]
        return row["activity_mci"] * tau * (1.0 - math.exp(-row["exposure_days"] / tau))

    n = projections_summary["cr51_counts"]
    assert set(n) == {"a", "b", "c"} and all(v > 0 for v in n.values()), n
    assert n["b"] / n["a"] == pytest.approx(decays("b") / decays("a"), rel=1e-6)
    assert n["c"] / n["b"] == pytest.approx(decays("c") / decays("b"), rel=1e-6)


@pytest.mark.slow
def test_projections_e6_special_angles(projections_summary):
    """CEvNS cannot see the E6 psi boson (purely axial quark couplings) while nu-e scattering (51Cr) can. In CEvNS
    eps^dV is proportional to e_L^nu(beta) cos(beta), e_L^nu = 3 cos(beta)/(2 sqrt10) + sin(beta)/(2 sqrt6), and
    Delta chi^2 ~ eps^2 ~ M^-4, so M(eta)/M(chi) = sqrt(eps(eta)/eps(chi)) = sqrt(1/6) ~ 0.41."""
    s = projections_summary
    assert s["e6_psi_cevns"] is None
    assert isinstance(s["e6_psi_cr51"], float) and s["e6_psi_cr51"] > 10.0, s["e6_psi_cr51"]

    def eps(beta):
        e_nu = 3.0 * math.cos(beta) / (2.0 * math.sqrt(10.0)) + math.sin(beta) / (2.0 * math.sqrt(6.0))
        return e_nu * math.cos(beta)

    beta_eta = math.atan2(-math.sqrt(5.0 / 8.0), math.sqrt(3.0 / 8.0))   # cos = sqrt(3/8), sin = -sqrt(5/8)
    expected = math.sqrt(eps(beta_eta) / eps(0.0))
    ratio = s["e6_eta_lar"] / s["e6_chi_lar"]
    assert 0.35 < ratio < 0.5, ratio
    assert ratio == pytest.approx(expected, rel=0.05)
    lr = s["lr_bounds"]
    assert set(lr) == {"coherent_lar_ton", "conus", "cr51_lxe_c"}
    assert all(v is not None and v > 10.0 for v in lr.values()), lr


@pytest.mark.slow
def test_projections_nuts_matches_grid_bayes(projections_summary):
    """Left-right Z', COHERENT Ge: the 10% quantile of M_Z' from NUTS (4 x 1000 draws) equals the grid-integrated
    analytic marginal of bayes_mass_lower within 8% (Monte Carlo error of a 10% quantile from 4000 draws)."""
    s = projections_summary
    assert abs(s["bayes_nuts_q10"] / s["bayes_grid"] - 1.0) < 0.08, (s["bayes_nuts_q10"], s["bayes_grid"])


@pytest.mark.slow
def test_projections_u1r_bounds(projections_summary):
    """[U1R] Sec. 6.1 quotes sqrt(lambda) <= 8e-7 at m_X = 10 keV, from an interference of at most 20% (ratio 0.2 in
    Eq. 36); Eq. 36 as printed (ratio 0.1) is sqrt(2) smaller since sqrt(lambda) ~ sqrt(ratio). The chi^2 bound in
    TEXONO's measured 3-8 MeV window sees 2 m_e T >= 3 MeV^2 >> m_X^2, so it is flat from 1 keV to 100 keV."""
    s = projections_summary
    assert abs(s["u1r_eq36_10kev_r02"] / 8e-7 - 1.0) < 0.05, s["u1r_eq36_10kev_r02"]
    assert s["u1r_eq36_10kev"] == pytest.approx(s["u1r_eq36_10kev_r02"] / math.sqrt(2.0), rel=1e-9)
    assert 0.95 < s["u1r_texono_chi2_flat_ratio"] < 1.05, s["u1r_texono_chi2_flat_ratio"]


@pytest.mark.slow
def test_projections_xenon1t_solar(projections_summary):
    """SM solar pp + 7Be nu-e events in XENON1T's 1-7 keV window (0.65 t yr). Compared with: XENON1T's background
    model (PRD 102 (2020) 072004, Table II; the value ~220 events in 1-210 keV is quoted from memory and was not
    verified against the paper in this repository) scaled to 1-7 keV; the pp-dominated
    recoil spectrum falls roughly linearly to its 261 keV endpoint, and its 1-7 keV share (free electrons,
    pp + 7Be, P_ee = 0.55) is 4.8%, i.e. ~10.6 events. Hence the 8-12 band (atomic binding, detector response
    and the spectral-shape estimate are not modelled at better than ~20%). The coupling that makes the 53-event
    1-7 keV excess (285 observed, 232 +- 15 expected) at m_X = 10 keV lies below [U1R]'s 8e-7 bound."""
    s = projections_summary
    assert 8.0 < s["xenon_sm_1_7kev"] < 12.0, s["xenon_sm_1_7kev"]
    assert 0.0 < s["xenon_coupling_for_excess_10kev"] < 8e-7, s["xenon_coupling_for_excess_10kev"]


# ------------------------------------------------------------------ 03_nsi_oscillation_priors.ipynb
NSI = NOTEBOOK_DIR / "03_nsi_oscillation_priors.ipynb"


@pytest.fixture(scope="module")
def nsi_summary() -> dict:
    """Execute notebook 03 once; its last line holds the NSI bounds, slopes and LMA-Dark numbers."""
    return _run_notebook(NSI)


@pytest.mark.slow
def test_nsi_single_coupling_bounds_have_sm_and_flipped_intervals(nsi_summary):
    """Each diagonal eps has the SM interval around 0 and a flipped one where Q_SM + Q_NSI ~ -Q_SM."""
    for name, b in nsi_summary["bounds"].items():
        (lo, hi), (flo, fhi) = b["chi2_90"]
        assert lo < 0.0 < hi, name
        assert 0.2 < flo < fhi < 0.6, name
        assert b["bf01"] > 1.0, name


@pytest.mark.slow
def test_nsi_flat_direction_slopes(nsi_summary):
    """eps^d/eps^u = -(2Z+N)/(Z+2N), computed here from the CsI (Cs, I) and Ar nuclei."""
    from bayes_cevns.physics.constants import ISOTOPES

    def slope(isos):
        z = sum(ISOTOPES[i].Z for i in isos)
        n = sum(ISOTOPES[i].N for i in isos)
        return -(2 * z + n) / (z + 2 * n)

    csi, ar = nsi_summary["flat_slopes"]
    assert csi == pytest.approx(slope(["Cs133", "I127"]), rel=1e-3)
    assert ar == pytest.approx(slope(["Ar40"]), rel=1e-3)
    # the two targets barely break the degeneracy: Delta chi^2 < 1 one unit along the CsI flat line
    assert nsi_summary["dchi2_along_flat"]["1.0"] < 1.0


@pytest.mark.slow
def test_nsi_lma_dark_light_vs_heavy(nsi_summary):
    """Equal prior odds; CEvNS excludes LMA-Dark for a heavy Z' and leaves it open at 1 MeV."""
    p = nsi_summary["p_dark"]
    assert nsi_summary["p_dark_without"] == pytest.approx(0.5, abs=0.01)
    assert p["100000.0"] < 1e-3 < 0.3 < p["1.0"]
    assert p["10.0"] > p["30.0"] > p["100000.0"]


# ------------------------------------------------------------------ 05_global_cevns.ipynb
# ``notebooks/05_global_cevns.ipynb`` ends with its numbers: SM 8B counts per XENONnT run, the profiled 8B
# flux on SR0+SR1 and SR0-SR2, and a short NUTS fit of sin^2 theta_W and the neutron radii on COHERENT +
# XENONnT. The flux is compared with XENONnT (PRL 133, 191002: 4.7 (+3.6 -2.3) x 1e6 cm^-2 s^-1).
GLOBAL = NOTEBOOK_DIR / "05_global_cevns.ipynb"


@pytest.fixture(scope="module")
def global_summary() -> dict:
    """Run 05_global_cevns.ipynb (one to two minutes) and return the JSON summary it prints last."""
    return _run_notebook(GLOBAL)


@pytest.mark.slow
def test_global_sm_counts_and_flux(global_summary):
    counts = global_summary["sm_cevns"]
    assert [counts[f"xenonnt_8b_sr{k}"] for k in range(3)] == pytest.approx([3.609, 6.656, 8.039], rel=2e-3)
    best, lo, hi = global_summary["flux_sr0_sr1"]
    assert abs(best / 4.7 - 1) < 0.25 and abs(lo / 2.4 - 1) < 0.30 and abs(hi / 8.3 - 1) < 0.30
    b_all, lo_all, hi_all = global_summary["flux_all"]
    assert lo_all < b_all < hi_all and hi_all - lo_all < hi - lo  # SR2 adds information


@pytest.mark.slow
def test_global_fit_parameters_in_physical_ranges(global_summary):
    """Short chains: sin^2 theta_W within the range the COHERENT data allow ([LM]: 0.2-0.35 at 1 sigma
    from CsI+Ar), the neutron radii inside their priors, and a converged run without divergences."""
    p, d = global_summary["parameters"], global_summary["diagnostics"]
    assert 0.18 < p["sin2_theta_w"]["mean"] < 0.36
    assert p["sin2_theta_w"]["hdi"][1] - p["sin2_theta_w"]["hdi"][0] < 0.15
    for name, (lo, hi) in {"rn_cs": (3.0, 8.0), "rn_i": (3.0, 8.0), "rn_ar": (2.0, 6.0)}.items():
        assert lo < p[name]["mean"] < hi
    assert 0.6 < p["solar_b8_flux"]["mean"] < 1.4  # B16 prior (12%) with the XENONnT data
    assert d["divergences"] == 0 and d["rhat_max"] < 1.05
