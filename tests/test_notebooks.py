"""Execute the example notebooks end to end and check the numbers they print.

``notebooks/01_sm_fit.ipynb`` ends with a cell whose last output line is a JSON summary of the run
(posterior means of the fitted counts, profile fits, sin^2 theta_W per form factor, ...); the tests
parse it and check it against the published COHERENT numbers with tolerances suited to the
notebook's short sampling settings (2 chains x 300 draws).

``notebooks/02_light_mediators.ipynb`` ends the same way, with the light-mediator numbers of its run
(universal-model dip energies, chi^2 and Bayesian coupling limits from a five-mass CsI+Ar scan, the
interference strip at 10 GeV, predicted counts per card); the tests compare them with [LM] (Atzori
Corona et al., JHEP 05 (2022) 109).
"""

import json
from pathlib import Path

import pytest

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
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
