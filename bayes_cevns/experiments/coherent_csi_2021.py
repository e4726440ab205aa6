"""COHERENT CsI[Na] full 2021 data set (PRL 129, 081801 (2022), arXiv:2110.07730).

Forward model ([LM] Eq. 4 with the response of the release):

* recoil T (keVnr) -> electron-equivalent energy by the release's scintillation polynomial
  Eee(T) = a T + b T^2 + c T^3 + d T^4 (T in MeVnr), with the two systematic variations
  ("model 0", "model 1") as independent standard-normal nuisances ``csi_qf_z0``, ``csi_qf_z1``;
* light yield 13.35 PE/keVee and gamma smearing in PE (shape 1 + b, mean 13.35 Eee with
  a = 0.0749/Eee, b = 9.56 Eee), integrated over 0.25-PE sub-bins by CDF differences;
* energy efficiency eff(x) = a/(1 + exp(-b (x - c))) + d clipped at 0, applied on the 0.25-PE
  grid before rebinning; its +-1 sigma sets are the nuisance ``csi_eff`` (the release's third
  set, labelled "+1 sigma", is the -1 sigma one);
* timing: Gaussian proton pulse (mean 0.44 us, width 0.15 us) convolved with pi+ and mu+
  decays, with an onset offset ``csi_onset`` (us) and the time efficiency
  1 for t < 0.52 us, exp(-0.0494 (t - 0.52)) after;
* backgrounds: BRN and NIN as (PE shape, normalised over 0-60 PE and already containing the
  energy efficiency) x (time counts over the full PE range, times the time efficiency), scaled
  by the ROI fraction of the PE shape; steady state from the anti-coincidence sample: a smooth
  template (energy shape fitted unbinned to the AC events, uniform arrival times times the
  time efficiency; ``steady_state.py``) normalised by the AC total, which is an auxiliary Poisson
  measurement. ``ss_model="factorised"`` gives the earlier AC energy marginal x AC time marginal.

Default binning: [LM]'s 9 PE x 11 time bins in PE < 60, 0 <= t < 6 us.
"""

import numpy as np
from scipy.special import gammainc

from bayes_cevns.experiments.base import (
    Background,
    Experiment,
    Morph,
    Nuisance,
    histogram_events,
)
from bayes_cevns.experiments.registry import register
from bayes_cevns.experiments.data import load_table, release_checksums
from bayes_cevns.experiments.response import (
    flavour_block_matrix,
    rebin_fine,
    rebin_histogram,
    recoil_nodes_and_weights,
    xsec_weights,
)
from bayes_cevns.experiments.steady_state import SteadyState
from bayes_cevns.experiments.timing import onset_nuisance, onset_time_table
from bayes_cevns.experiments.treatments import FULL, Treatment, check_treatment, treated
from bayes_cevns.physics.constants import AVOGADRO, ISOTOPES
from bayes_cevns.physics.flux import fluence_norm

RELEASE = "coherent_csi_2021"
PE_EDGES = np.array([0.0, 8, 12, 16, 20, 24, 32, 40, 50, 60])
TIME_EDGES = np.array([0.0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1.0, 2.0, 4.0, 6.0])

N_POT = 3.198e23
NU_PER_FLAVOUR_PER_POT = 0.0848
BASELINE_M = 19.3
MASS_KG = 14.6
MOLAR_MASS_G = 259.8
LIGHT_YIELD_PE_PER_KEVEE = 13.35
GAMMA_A = 0.0749
GAMMA_B = 9.56
PULSE_MEAN_US = 0.44
PULSE_SIGMA_US = 0.15
ONSET_SIGMA_US = 0.2
TIME_EFF_KNEE_US = 0.52
TIME_EFF_SLOPE_PER_US = 0.0494
FINE_PE_STEP = 0.25
RECOIL_NODES_PER_SEGMENT = 20

#: Published reference numbers (COHERENT, PRL 129, 081801) used by the tests.
REFERENCE = {
    "cevns_predicted": 341.0,
    "cevns_predicted_sigma_theory": 11.0,
    "cevns_predicted_sigma_exp": 42.0,
    "cevns_fitted": 306.0,
    "cevns_fitted_sigma": 20.0,
    "brn_expected": 18.4,
    "nin_expected": 5.6,
    "ss_ac_events": 1295.0,
    "xsec_sm_1e40cm2": 189.0,
    "xsec_measured_1e40cm2": 165.0,
}


def time_efficiency(t_us: np.ndarray) -> np.ndarray:
    """Beam-correlated time efficiency: 1 for t < 0.52 us, exp(-0.0494/us (t - 0.52 us)) after."""
    t = np.asarray(t_us, dtype=float)
    return np.where(t < TIME_EFF_KNEE_US, 1.0, np.exp(-TIME_EFF_SLOPE_PER_US * (t - TIME_EFF_KNEE_US)))


def _coefficients() -> dict[str, np.ndarray]:
    eff = load_table(RELEASE, "effCoefficients.txt", 4)
    qf = load_table(RELEASE, "scintRespCoefficients.txt", 4)
    if eff.shape[0] != 3 or qf.shape[0] != 5:
        raise ValueError("coherent_csi_2021 coefficient files have an unexpected number of rows")
    return {
        "eff_nominal": eff[0], "eff_up": eff[1], "eff_down": eff[2],
        "qf_nominal": qf[0], "qf0_up": qf[1], "qf0_down": qf[2], "qf1_up": qf[3], "qf1_down": qf[4],
    }


def electron_equivalent_kev(recoil_mev: np.ndarray, coeffs: np.ndarray) -> np.ndarray:
    """Eee in keVee from the scintillation polynomial (T in MeVnr, Eee in MeVee), clipped at 0."""
    x = np.asarray(recoil_mev, dtype=float)
    a, b, c, d = coeffs
    return np.clip(1e3 * (a * x + b * x**2 + c * x**3 + d * x**4), 0.0, None)


def energy_efficiency(pe: np.ndarray, coeffs: np.ndarray) -> np.ndarray:
    """eff(x) = a / (1 + exp(-b (x - c))) + d, clipped at 0 (negative below ~7 PE)."""
    a, b, c, d = coeffs
    return np.clip(a / (1.0 + np.exp(-b * (np.asarray(pe) - c))) + d, 0.0, None)


def pe_response(recoil_mev: np.ndarray, qf_coeffs: np.ndarray, eff_coeffs: np.ndarray,
                pe_edges: np.ndarray = PE_EDGES) -> np.ndarray:
    """P[e, k]: probability x efficiency that a recoil T_k gives a PE count in bin e.

    Gamma smearing (shape k = 1 + b, scale 1/(a (1 + b)), mean 13.35 PE/keVee x Eee) integrated
    over 0.25-PE sub-bins, efficiency evaluated at sub-bin centres, then summed into ``pe_edges``.
    """
    eee = electron_equivalent_kev(recoil_mev, qf_coeffs)
    fine = np.arange(pe_edges[0], pe_edges[-1] + FINE_PE_STEP / 2, FINE_PE_STEP)
    safe = np.maximum(eee, 1e-9)
    a = GAMMA_A / safe
    b = GAMMA_B * safe
    shape, scale = 1.0 + b, 1.0 / (a * (1.0 + b))
    cdf = gammainc(shape[:, None], fine[None, :] / scale[:, None])  # gamma CDF
    cdf = np.where(eee[:, None] > 0, cdf, 1.0)
    probs = np.diff(cdf, axis=1) * energy_efficiency(0.5 * (fine[1:] + fine[:-1]), eff_coeffs)[None, :]
    return rebin_fine(probs, fine, pe_edges).T


SS_MODELS = ("smooth", "factorised", "histogram")


#: paper treatments (``treatment=``): [LM] Eq. 6, Baker-Cousins chi^2 on the 9 x 11 bins with one
#: 12% CEvNS-rate nuisance (flux 10%, quenching 3.8%, efficiency 4.1%, form factor 3.4%), BRN 25%,
#: NIN 35% and SS 2.1%; the quenching, efficiency and onset shapes held at nominal
TREATMENTS = {
    "lm2022": Treatment("lm2022", "[LM] Eq. 6", "poisson", 0.12,
                        {"brn": 0.25, "nin": 0.35, "ss": 0.021}),
}


@register(RELEASE, label="csi", color="tab:blue", title="CsI", options=("treatment",))
def load(pe_edges: np.ndarray = PE_EDGES, time_edges: np.ndarray = TIME_EDGES,
         n_nodes: int = RECOIL_NODES_PER_SEGMENT, ss_model: str = "smooth",
         treatment: str = FULL) -> Experiment:
    """Build the CsI 2021 experiment: data, response matrices, templates and nuisances.

    ``ss_model``: ``"smooth"`` (default) fits the steady-state shape to the AC events
    (:mod:`bayes_cevns.experiments.steady_state`); ``"factorised"`` is the AC energy marginal x
    AC time marginal, which keeps the AC sample's noise in the template; ``"histogram"`` is the AC
    events in each bin ([LM] takes N_SS "from the AC data" without saying which of these).
    ``treatment``: ``"full"`` (the package's likelihood) or a paper's statistical model from
    :data:`TREATMENTS`.
    """
    if ss_model not in SS_MODELS:
        raise ValueError(f"unknown ss_model {ss_model!r}; choose one of {SS_MODELS}")
    check_treatment(RELEASE, treatment, TREATMENTS)
    pe_edges = np.asarray(pe_edges, dtype=float)
    time_edges = np.asarray(time_edges, dtype=float)
    if pe_edges[-1] > 60.0 + 1e-9 or time_edges[-1] > 6.0 + 1e-9 or time_edges[0] < 0:
        raise ValueError("CsI 2021 binning must lie inside the region PE < 60, 0 <= t < 6 us")
    co = _coefficients()
    isotopes = (ISOTOPES["Cs133"], ISOTOPES["I127"])
    n_targets = AVOGADRO * MASS_KG * 1e3 / MOLAR_MASS_G
    eta = fluence_norm(NU_PER_FLAVOUR_PER_POT, N_POT, BASELINE_M)

    targets = [n_targets] * 2
    grid, wts = recoil_nodes_and_weights(isotopes, targets, eta, n_nodes)

    def matrix(qf: np.ndarray, eff: np.ndarray) -> np.ndarray:
        prob = np.stack([pe_response(t, qf, eff, pe_edges) for t in grid])
        return flavour_block_matrix(prob, wts)

    nominal = matrix(co["qf_nominal"], co["eff_nominal"])
    energy_response = Morph(
        nominal=nominal,
        up={"csi_qf_z0": matrix(co["qf0_up"], co["eff_nominal"]),
            "csi_qf_z1": matrix(co["qf1_up"], co["eff_nominal"]),
            "csi_eff": matrix(co["qf_nominal"], co["eff_up"])},
        down={"csi_qf_z0": matrix(co["qf0_down"], co["eff_nominal"]),
              "csi_qf_z1": matrix(co["qf1_down"], co["eff_nominal"]),
              "csi_eff": matrix(co["qf_nominal"], co["eff_down"])},
    )

    time_table = onset_time_table(time_edges, PULSE_MEAN_US, PULSE_SIGMA_US, "csi_onset",
                                  ONSET_SIGMA_US, time_efficiency)

    coinc = load_table(RELEASE, "dataBeamOnC.txt", 2)
    anti = load_table(RELEASE, "dataBeamOnAC.txt", 2)
    observed = histogram_events(coinc, pe_edges, time_edges)
    if ss_model == "smooth":
        ss = SteadyState.fit(anti, (0.0, 60.0), (0.0, 6.0), time_efficiency)
        n_ac, ss_template = ss.n_events, ss.template(pe_edges, time_edges)
    else:
        ac_hist = histogram_events(anti, pe_edges, time_edges)
        n_ac = int(ac_hist.sum())
        ss_template = ac_hist.astype(float) if ss_model == "histogram" else \
            np.outer(ac_hist.sum(axis=1), ac_hist.sum(axis=0)) / n_ac

    backgrounds = {}
    for name, sigma, desc in (("brn", 0.25, "beam-related neutrons"),
                              ("nin", 0.35, "neutrino-induced neutrons")):
        pe = load_table(RELEASE, f"{name}PE.txt", 2)
        tr = load_table(RELEASE, f"{name}Trec.txt", 2)
        roi = pe[:, 0] < 60.0
        pe_shape = rebin_histogram(pe[:, 1], pe[:, 0], pe_edges)
        roi_fraction = pe[roi, 1].sum() / pe[:, 1].sum()
        t_counts = rebin_histogram(tr[:, 1], tr[:, 0], time_edges, time_efficiency)
        t_raw = rebin_histogram(tr[:, 1], tr[:, 0], time_edges)
        backgrounds[name] = Background(
            name, Morph(np.outer(pe_shape, t_counts) * roi_fraction), sigma, desc,
            published_count=float(pe_shape.sum() * t_raw.sum() * roi_fraction))
    backgrounds["ss"] = Background(
        "ss", Morph(ss_template), 0.0,
        "steady state from the anti-coincidence window (its total is a Poisson measurement)",
        aux_count=n_ac, role="steady_state")

    nuisances = {
        "csi_flux": Nuisance("csi_flux", 1.0, 0.10, "SNS neutrino flux normalisation (10%)", lower=0.0,
                             role="flux"),
        "csi_qf_z0": Nuisance("csi_qf_z0", 0.0, 1.0, "quenching systematic component 0"),
        "csi_qf_z1": Nuisance("csi_qf_z1", 0.0, 1.0, "quenching systematic component 1"),
        "csi_eff": Nuisance("csi_eff", 0.0, 1.0, "energy-efficiency systematic"),
        "csi_onset": onset_nuisance(time_table, ONSET_SIGMA_US),
    }
    exp = Experiment(
        name=RELEASE,
        isotopes=isotopes,
        recoil_grid=grid,
        energy_response=energy_response,
        time_table=time_table,
        signal_shape=Morph(np.ones(observed.shape)),
        backgrounds=backgrounds,
        nuisances=nuisances,
        observed=observed,
        energy_edges=pe_edges,
        time_edges=time_edges,
        energy_label="PE",
        signal_norm_nuisances=("csi_flux",),
        likelihood="poisson",
        exposure={"n_pot": N_POT, "nu_per_flavour_per_pot": NU_PER_FLAVOUR_PER_POT,
                  "baseline_m": BASELINE_M, "mass_kg": MASS_KG, "n_targets_each": n_targets,
                  "fluence_per_cm2": eta},
        checksums=release_checksums(RELEASE),
        label="csi",
        color="tab:blue",
        reference=dict(REFERENCE),
        xsec_weights=xsec_weights(wts, targets, eta),
    )
    return treated(exp, treatment, TREATMENTS)

