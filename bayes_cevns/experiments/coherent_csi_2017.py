"""COHERENT CsI[Na] first observation (Science 357, 1123 (2017), arXiv:1708.01294).

Data release arXiv:1804.09459 (Zenodo 10.5281/zenodo.1228631), vendored in ``data/coherent_csi_2017/``
with its own checksum manifest; the (PE, t) grids and arrival-time PDFs there are third-party copies,
not byte-identical to the release (see that folder's README). Every number of the response comes
from ``coherent_parameters.yaml`` except N_POT and the mass, which the release does not state.

Forward model:

* recoil T (keVnr) -> mean photoelectron count mu = T x QF x LY, QF = 0.0878 (constant) and
  LY = 13.348 PE/keVee; the PE count n is Poisson(mu) (photo-statistics only: the release gives no
  resolution model, this is the choice made here); an event with n PE lies in the 1-PE bin [n, n+1);
* acceptance f(x) = a / (1 + exp(-k (x - x0))) H(x - 5), H = 0 below 5 PE, 1/2 in [5, 6), 1 above,
  evaluated at the 1-PE bin centres n + 1/2 (as the yaml prescribes) and summed into the analysis
  bins; it applies to CEvNS and to the prompt neutrons;
* nuisances: ``csi17_flux`` (0.08 +- 0.008 nu/flavour/proton), ``csi17_qf`` (QF +- 0.0166 as a
  +-1 sigma morph of the response), ``csi17_acc_a``, ``csi17_acc_k``, ``csi17_acc_x0`` (the yaml's
  asymmetric 1-sigma errors of the acceptance parameters as independent +-1 sigma morphs);
* timing: the release's arrival-time PDFs, prompt for nu_mu and delayed for nu_e and nu_mu_bar (they
  already contain the beam timing; no time efficiency and no onset nuisance);
* backgrounds: prompt neutrons = promptPDF (per GW hr) x 7.47594 GW hr x acceptance, times the
  prompt-neutron arrival-time PDF, normalisation 1 +- 0.25; steady state from the beam-on
  anti-coincidence (AC) grid in the window, factorised (energy marginal x time marginal / total;
  the AC histogram itself would freeze its empty bins into the model), with the AC total an
  auxiliary Poisson measurement (role ``steady_state``).

Default window 6 <= PE < 30 in 2-PE bins and 0 <= t < 12 us in 0.5-us bins (the data grid's), in
which the SM prediction is 174 events (COHERENT: 173 +- 48) and the fitted CEvNS count 143 +24 -23
(COHERENT: 134 +- 22). The fitted count moves by about +-8 events with the binning (0-6 us: SM 162,
fit 129; 1-us bins: 148): the data are a few hundred events.
"""

from dataclasses import replace

import numpy as np
from scipy.special import gammaln, xlogy

from bayes_cevns.experiments.base import Background, Experiment, Morph, Nuisance, TimeTable
from bayes_cevns.experiments.data import DataIntegrityError, load_yaml
from bayes_cevns.experiments.registry import load_experiment, register
from bayes_cevns.experiments.treatments import FULL, check_treatment
from bayes_cevns.experiments.release_manifest import release_file, release_file_checksums
from bayes_cevns.experiments.response import (
    flavour_block_matrix,
    rebin_fine,
    recoil_nodes_and_weights,
    xsec_weights,
)
from bayes_cevns.physics.constants import AVOGADRO, FLAVOURS, ISOTOPES
from bayes_cevns.physics.flux import fluence_norm

NAME = "coherent_csi_2017_data"
RELEASE = "coherent_csi_2017"
COPIES = "third_party_copies"
PE_EDGES = np.arange(6.0, 30.0 + 1e-9, 2.0)
TIME_EDGES = np.arange(0.0, 12.0 + 1e-9, 0.5)
#: the release grids: 25 PE bins of 2 PE (centres 1..49), 24 time bins of 0.5 us (centres 0.25..11.75)
GRID_PE_EDGES = np.arange(0.0, 50.0 + 1e-9, 2.0)
GRID_TIME_EDGES = np.arange(0.0, 12.0 + 1e-9, 0.5)
FINE_PE_EDGES = np.arange(0.0, 50.0 + 1e-9, 1.0)

N_POT = 1.76e23  # Science 357, 1123 (not in the release; 7.47594 GW hr at 0.955 GeV per proton)
MASS_KG = 14.57  # Science 357, 1123
MOLAR_MASS_G = 132.90545196 + 126.90447  # CsI, standard atomic weights
RECOIL_NODES_PER_SEGMENT = 20
ACCEPTANCE_NUISANCES = {"a": "csi17_acc_a", "k": "csi17_acc_k", "x_0": "csi17_acc_x0"}

#: Published numbers (COHERENT, Science 357, 1123) and release-file totals used by the tests.
REFERENCE = {
    "cevns_predicted": 173.0,
    "cevns_predicted_sigma": 48.0,
    "cevns_fitted": 134.0,
    "cevns_fitted_sigma": 22.0,
    "c_on_total": 1207.0,
    "ac_on_total": 1032.0,
    "c_off_total": 507.0,
    "ac_off_total": 507.0,
}


def parameters() -> dict:
    """``coherent_parameters.yaml`` (checksum verified)."""
    return load_yaml(release_file(RELEASE, "coherent_parameters.yaml"))


def _csv(name: str, ncols: int) -> np.ndarray:
    """A comma-separated numeric table (``#`` comments, one text header line tolerated)."""
    path = release_file(RELEASE, name)
    try:
        lines = [ln for ln in path.read_text().splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
        if lines and lines[0].lstrip()[0] not in "+-.0123456789":
            lines = lines[1:]
        arr = np.array([[float(v) for v in ln.split(",")] for ln in lines], ndmin=2)
    except (ValueError, IndexError) as err:
        raise DataIntegrityError(f"data file {path} is not a numeric table: {err}") from None
    if arr.shape[1] != ncols or not np.all(np.isfinite(arr)):
        raise DataIntegrityError(f"data file {path} is malformed: expected {ncols} finite columns")
    return arr


def _cells(values: np.ndarray, edges: np.ndarray, path: str) -> np.ndarray:
    """Index of each bin centre in ``edges`` (they must be exactly the centres)."""
    idx = np.round((values - edges[0]) / (edges[1] - edges[0]) - 0.5).astype(int)
    centres = 0.5 * (edges[1:] + edges[:-1])
    inside = (idx >= 0) & (idx < centres.size)
    if not np.all(inside) or not np.allclose(centres[np.clip(idx, 0, centres.size - 1)], values):
        raise DataIntegrityError(f"data file {path} has bin centres off the release grid")
    return idx


def load_grid(name: str) -> np.ndarray:
    """A (PE, t) count grid of the release, shape (25, 24): PE 0-50 in 2-PE bins, t 0-12 us."""
    rows = _csv(f"{COPIES}/{name}", 3)
    ie = _cells(rows[:, 0], GRID_PE_EDGES, name)
    it = _cells(rows[:, 1], GRID_TIME_EDGES, name)
    out = np.zeros((GRID_PE_EDGES.size - 1, GRID_TIME_EDGES.size - 1))
    np.add.at(out, (ie, it), rows[:, 2])
    seen = np.zeros(out.shape, int)
    np.add.at(seen, (ie, it), 1)
    if np.any(seen != 1) or np.any(rows[:, 2] < 0) or not np.allclose(rows[:, 2], np.round(rows[:, 2])):
        raise DataIntegrityError(f"data file {name} is not a complete grid of non-negative counts")
    return out


def time_pdf(name: str) -> np.ndarray:
    """An arrival-time PDF of the release on its 24 0.5-us bins (checked to sum to 1)."""
    rows = _csv(f"{COPIES}/{name}", 2)
    it = _cells(rows[:, 0], GRID_TIME_EDGES, name)
    complete = it.size == GRID_TIME_EDGES.size - 1 and np.unique(it).size == it.size
    if not complete or abs(rows[:, 1].sum() - 1) > 1e-6:
        raise DataIntegrityError(f"data file {name} is not a normalised 24-bin arrival-time PDF")
    out = np.zeros(it.size)
    out[it] = rows[:, 1]
    return out


def acceptance(pe: np.ndarray, a: float, k: float, x0: float) -> np.ndarray:
    """f(x) = a / (1 + exp(-k (x - x0))) H(x - 5): H = 0 below 5 PE, 1/2 in [5, 6), 1 above."""
    x = np.asarray(pe, dtype=float)
    step = np.where(x < 5.0, 0.0, np.where(x < 6.0, 0.5, 1.0))
    return a / (1.0 + np.exp(-k * (x - x0))) * step


def pe_response(recoil_mev: np.ndarray, qf: float, light_yield: float, acc: tuple[float, float, float],
                pe_edges: np.ndarray = PE_EDGES) -> np.ndarray:
    """P[e, k]: probability x acceptance that a recoil T_k gives a PE count in bin e (Poisson PE)."""
    mean = np.asarray(recoil_mev, dtype=float) * 1e3 * qf * light_yield
    n = FINE_PE_EDGES[:-1]
    pmf = np.exp(xlogy(n[None, :], mean[:, None]) - mean[:, None] - gammaln(n[None, :] + 1.0))  # Poisson
    prob = pmf * acceptance(n + 0.5, *acc)[None, :]
    return rebin_fine(prob, FINE_PE_EDGES, pe_edges).T


def _check_edges(pe_edges: np.ndarray, time_edges: np.ndarray) -> None:
    for edges, grid, what in ((pe_edges, GRID_PE_EDGES, "PE"), (time_edges, GRID_TIME_EDGES, "time")):
        on_grid = all(np.isclose(grid, e).any() for e in edges)
        if edges.size < 2 or np.any(np.diff(edges) <= 0) or not on_grid:
            raise ValueError(f"CsI 2017 {what} edges must increase and lie on the release grid "
                             f"{grid.tolist()}, got {edges.tolist()}")


def _acceptance_sets(par: dict) -> tuple[tuple, dict, dict]:
    """Nominal (a, k, x0) and the +-1 sigma sets of each acceptance nuisance."""
    items = {p["name"]: p for p in par["acceptanceEfficiency"]["parameters"]}
    keys = ("a", "k", "x_0")
    nominal = tuple(float(items[key]["value"]) for key in keys)
    up, down = {}, {}
    for j, key in enumerate(keys):
        hi, lo = list(nominal), list(nominal)
        hi[j] += float(items[key]["error_hi"])
        lo[j] -= float(items[key]["error_lo"])
        up[ACCEPTANCE_NUISANCES[key]], down[ACCEPTANCE_NUISANCES[key]] = tuple(hi), tuple(lo)
    return nominal, up, down


#: paper treatments (``treatment=``): ``e6lr``, [E6LR] Eq. 21, one Gaussian count (the measured 142
#: events, sigma^2 = N_meas + 2 B_ss + B_0n, signal and prompt-neutron nuisances): the registered
#: row of that name in ``data/projected/setups.toml``, with [E6LR]'s acceptance and quenching
E6LR_ROW = "coherent_csi_2017"
TREATMENTS = ("e6lr",)


@register(NAME, label="csi17", color="tab:cyan", title="CsI 2017", options=("treatment",))
def load(pe_edges: np.ndarray = PE_EDGES, time_edges: np.ndarray = TIME_EDGES,
         n_nodes: int = RECOIL_NODES_PER_SEGMENT, treatment: str = FULL) -> Experiment:
    """Build the CsI 2017 experiment: data, response matrices, templates and nuisances; with
    ``treatment="e6lr"``, the single-count chi^2 of [E6LR] Eq. 21 instead (:data:`TREATMENTS`)."""
    check_treatment(NAME, treatment, TREATMENTS)
    if treatment == "e6lr":
        return replace(load_experiment(E6LR_ROW), name=NAME, label="csi17", color="tab:cyan")
    pe_edges = np.asarray(pe_edges, dtype=float)
    time_edges = np.asarray(time_edges, dtype=float)
    _check_edges(pe_edges, time_edges)
    par = parameters()
    exposure_gwh = float(par["beamExposure"]["value"])
    baseline = float(par["distanceToTarget"]["value"])
    qf, qf_sigma = float(par["csiQF"]["value"]), float(par["csiQF"]["uncertainty"])
    light_yield = float(par["csiLightYield"]["value"])
    r, r_sigma = float(par["neutrinosPerProton"]["value"]), float(par["neutrinosPerProton"]["uncertainty"])
    pn_sigma = float(par["promptNeutronNormalization"]["uncertainty"])
    acc0, acc_up, acc_down = _acceptance_sets(par)

    isotopes = (ISOTOPES["Cs133"], ISOTOPES["I127"])
    n_targets = AVOGADRO * MASS_KG * 1e3 / MOLAR_MASS_G
    eta = fluence_norm(r, N_POT, baseline)
    targets = [n_targets] * 2
    grid, wts = recoil_nodes_and_weights(isotopes, targets, eta, n_nodes)

    def matrix(q: float, acc: tuple) -> np.ndarray:
        prob = np.stack([pe_response(t, q, light_yield, acc, pe_edges) for t in grid])
        return flavour_block_matrix(prob, wts)

    energy_response = Morph(
        nominal=matrix(qf, acc0),
        up={"csi17_qf": matrix(qf + qf_sigma, acc0)} | {n: matrix(qf, a) for n, a in acc_up.items()},
        down={"csi17_qf": matrix(qf - qf_sigma, acc0)} | {n: matrix(qf, a) for n, a in acc_down.items()},
    )

    def times(name: str) -> np.ndarray:
        return rebin_fine(time_pdf(name), GRID_TIME_EDGES, time_edges)

    prompt = times("arrivalTimePDF_promptNeutrinos.txt")
    delayed = times("arrivalTimePDF_delayedNeutrinos.txt")
    fractions = np.stack([prompt if fl == "nu_mu" else delayed for fl in FLAVOURS])[None]
    time_table = TimeTable(offsets=np.zeros(1), fractions=fractions)

    def window(name: str) -> np.ndarray:
        g = rebin_fine(load_grid(name), GRID_TIME_EDGES, time_edges)
        return rebin_fine(g.T, GRID_PE_EDGES, pe_edges).T

    observed = window("data_coincidence_beamOn.txt")
    anti = window("data_anticoincidence_beamOn.txt")
    n_ac = int(round(anti.sum()))
    ss_template = np.outer(anti.sum(axis=1), anti.sum(axis=0)) / max(n_ac, 1)

    rows = _csv("promptPDF.txt", 2)
    ipe = _cells(rows[:, 0], FINE_PE_EDGES, "promptPDF.txt")
    if np.unique(ipe).size != FINE_PE_EDGES.size - 1:
        raise DataIntegrityError("data file promptPDF.txt does not cover the 50 1-PE bins once each")
    per_gwh = np.zeros(ipe.size)
    per_gwh[ipe] = rows[:, 1]
    centres = FINE_PE_EDGES[:-1] + 0.5
    neutron_t = times("arrivalTimePDF_promptNeutrons.txt")

    def neutrons(acc: tuple) -> np.ndarray:
        pe = rebin_fine(per_gwh * exposure_gwh * acceptance(centres, *acc), FINE_PE_EDGES, pe_edges)
        return np.outer(pe, neutron_t)

    backgrounds = {
        "pn": Background("pn", Morph(neutrons(acc0), {n: neutrons(a) for n, a in acc_up.items()},
                                     {n: neutrons(a) for n, a in acc_down.items()}), pn_sigma,
                         "prompt beam neutrons (promptPDF x exposure x acceptance, 25% normalisation)",
                         published_count=float(per_gwh.sum() * exposure_gwh)),
        "ss": Background("ss", Morph(ss_template), 0.0,
                         "steady state from the beam-on anti-coincidence grid (total: a Poisson measurement)",
                         aux_count=n_ac, role="steady_state"),
    }
    nuisances = {
        "csi17_flux": Nuisance("csi17_flux", 1.0, r_sigma / r, "SNS neutrino flux normalisation (10%)",
                               lower=0.0, role="flux"),
        "csi17_qf": Nuisance("csi17_qf", 0.0, 1.0, f"quenching factor {qf} +- {qf_sigma}"),
    } | {n: Nuisance(n, 0.0, 1.0, f"acceptance parameter {key} (asymmetric 1 sigma errors)")
         for key, n in ACCEPTANCE_NUISANCES.items()}
    return Experiment(
        name=NAME,
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
        signal_norm_nuisances=("csi17_flux",),
        likelihood="poisson",
        exposure={"n_pot": N_POT, "beam_exposure_gwh": exposure_gwh, "nu_per_flavour_per_pot": r,
                  "baseline_m": baseline, "mass_kg": MASS_KG, "n_targets_each": n_targets,
                  "fluence_per_cm2": eta},
        checksums=release_file_checksums(RELEASE),
        label="csi17",
        color="tab:cyan",
        reference=dict(REFERENCE),
        xsec_weights=xsec_weights(wts, targets, eta),
    )
