"""COHERENT CsI[Na] 2017 (Science 357, 1123): data integrity, the release totals, and its numbers.

The SM reference is recomputed here with NumPy/SciPy from the raw files and the formulas
(Michel spectra integrated numerically, own Helm form factor, midpoint rule in the recoil energy,
own Poisson/acceptance folding and file parsing); the package is used only for its prediction
and its fit. Published: 173 +- 48 CEvNS events predicted, 134 +- 22 fitted.
"""

import hashlib

import numpy as np
import pytensor
import pytest
from scipy.stats import poisson

from bayes_cevns.experiments import load_experiment, registration, registrations
from bayes_cevns.experiments import coherent_csi_2017 as mod
from bayes_cevns.experiments.data import DataIntegrityError
from bayes_cevns.inference.profile import minimise, objective, profile_derived
from bayes_cevns.model.build import build_model
from bayes_cevns.model.cards import load_card
from bayes_cevns.model.predict import predict_counts
from support import DATA

NAME = "coherent_csi_2017_data"
FOLDER = DATA / "coherent_csi_2017"
COPIES = FOLDER / "third_party_copies"
FILES = ["coherent_parameters.yaml", "promptPDF.txt"] + [f"third_party_copies/{n}" for n in (
    "arrivalTimePDF_delayedNeutrinos.txt", "arrivalTimePDF_promptNeutrinos.txt",
    "arrivalTimePDF_promptNeutrons.txt", "data_anticoincidence_beamOff.txt", "data_anticoincidence_beamOn.txt",
    "data_coincidence_beamOff.txt", "data_coincidence_beamOn.txt")]


@pytest.fixture(scope="module", autouse=True)
def fast_compile():
    with pytensor.config.change_flags(mode="FAST_COMPILE"):
        yield


@pytest.fixture(scope="module")
def exp():
    return load_experiment(NAME)


@pytest.fixture(scope="module")
def pred():
    return predict_counts(load_card("sm"), NAME, {})


# --------------------------------------------------------------------------------------
# Checksums and bad files
# --------------------------------------------------------------------------------------
def test_checksums_are_the_files_sha256(exp):
    assert set(exp.checksums) == {f"coherent_csi_2017/{f}" for f in FILES}
    for rel, digest in exp.checksums.items():
        assert hashlib.sha256((DATA / rel).read_bytes()).hexdigest() == digest


@pytest.mark.parametrize("fname", ["third_party_copies/data_coincidence_beamOn.txt", "coherent_parameters.yaml",
                                   "promptPDF.txt", "third_party_copies/arrivalTimePDF_delayedNeutrinos.txt"])
@pytest.mark.parametrize("damage", ["append", "truncate", "delete"])
def test_damaged_file_raises_naming_it(data_copy, fname, damage):
    path = data_copy / "coherent_csi_2017" / fname
    raw = path.read_bytes()
    if damage == "append":
        path.write_bytes(raw + b" ")
    elif damage == "truncate":
        path.write_bytes(raw[: len(raw) // 2])
    else:
        path.unlink()
    with pytest.raises(DataIntegrityError, match=path.name) as err:
        load_experiment(NAME)
    assert ("missing" if damage == "delete" else "checksum") in str(err.value)


def test_file_absent_from_manifest_raises(data_copy):
    manifest = data_copy / "coherent_csi_2017" / "SHA256SUMS"
    manifest.write_text("".join(ln + "\n" for ln in manifest.read_text().splitlines() if "promptPDF" not in ln))
    with pytest.raises(DataIntegrityError, match="promptPDF.txt is not listed"):
        load_experiment(NAME)


def test_malformed_grid_with_matching_checksum_raises(data_copy):
    """A grid missing a cell (manifest updated to match) is rejected by the parser, not silently zero."""
    folder = data_copy / "coherent_csi_2017"
    path = folder / "third_party_copies" / "data_coincidence_beamOn.txt"
    path.write_text("\n".join(path.read_text().splitlines()[:-1]) + "\n")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    lines = [f"{digest}  {ln.split()[1]}" if ln.endswith("data_coincidence_beamOn.txt") else ln
             for ln in (folder / "SHA256SUMS").read_text().splitlines()]
    (folder / "SHA256SUMS").write_text("\n".join(lines) + "\n")
    with pytest.raises(DataIntegrityError, match="data_coincidence_beamOn.txt is not a complete grid"):
        load_experiment(NAME)


# --------------------------------------------------------------------------------------
# Release totals and the observed histogram
# --------------------------------------------------------------------------------------
def _raw_grid(name: str) -> np.ndarray:
    """(PE centre, t centre, counts) rows, parsed independently of the module."""
    return np.genfromtxt(COPIES / name, delimiter=",", skip_header=1 if "Off" in name else 0)


@pytest.mark.parametrize("name, total", [
    ("data_coincidence_beamOn.txt", 1207), ("data_anticoincidence_beamOn.txt", 1032),
    ("data_coincidence_beamOff.txt", 507), ("data_anticoincidence_beamOff.txt", 507)])
def test_grid_totals_equal_file_totals(name, total):
    rows = _raw_grid(name)
    assert rows.shape == (600, 3) and rows[:, 2].sum() == total
    assert mod.load_grid(name).sum() == total


def test_observed_and_ac_in_the_window(exp):
    """Observed = C beam-on and the steady-state aux count = AC beam-on, both in 6 <= PE < 30."""
    for name, got in (("data_coincidence_beamOn.txt", exp.observed.sum()),
                      ("data_anticoincidence_beamOn.txt", exp.backgrounds["ss"].aux_count)):
        rows = _raw_grid(name)
        inside = (rows[:, 0] > 6) & (rows[:, 0] < 30)
        assert got == rows[inside, 2].sum()
    assert exp.observed.sum() == 855 and exp.backgrounds["ss"].aux_count == 703
    assert exp.shape == (12, 24)
    np.testing.assert_allclose(exp.backgrounds["ss"].template.nominal.sum(), 703)


# --------------------------------------------------------------------------------------
# SM prediction: independent NumPy folding
# --------------------------------------------------------------------------------------
HBARC, G_F, N_A, AMU, M_E = 197.3269804, 1.1663788e-11, 6.02214076e23, 931.49410242, 0.51099895
M_MU, M_PI = 105.6583755, 139.57039
E_PROMPT, E_MAX = (M_PI**2 - M_MU**2) / (2 * M_PI), M_MU / 2
GVP, GVN = np.array([0.0401, 0.0318, 0.0318]), -0.5094  # [LM] Eq. 12, flavours (nu_e, nu_mu, nu_mu_bar)
#: Z, N, nuclear mass (MeV), r_p and r_n (fm, [LM] Eqs. 13-14)
NUCLEI = [(55, 78, 132.905451961 * AMU - 55 * M_E, 4.821, 5.09), (53, 74, 126.904473 * AMU - 53 * M_E, 4.766, 5.03)]


def _helm(q, r):
    r0 = np.sqrt(5 / 3 * (r**2 - 3 * 0.9**2))
    x = q / HBARC * r0
    return 3 * (np.sin(x) - x * np.cos(x)) / x**3 * np.exp(-0.5 * (q / HBARC * 0.9) ** 2)


def _dn_dt(t, z, n, m, rp, rn):
    """Events per MeV per target per (nu/cm^2 per flavour), by flavour (3, len(t))."""
    q = np.sqrt(2 * m * t)
    q2 = (GVP[:, None] * z * _helm(q, rp) + GVN * n * _helm(q, rn)) ** 2
    e = np.linspace(0, E_MAX, 20001)[1:]
    de = e[1] - e[0]
    kin = np.clip(1 - m * t[:, None] / (2 * e[None, :] ** 2), 0, None)
    phi_e = 192 / M_MU**3 * e**2 * (0.5 - e / M_MU)
    phi_mb = 64 / M_MU**3 * e**2 * (0.75 - e / M_MU)
    fold = np.stack([(kin * phi_e).sum(1) * de, np.clip(1 - m * t / (2 * E_PROMPT**2), 0, None),
                     (kin * phi_mb).sum(1) * de])
    return G_F**2 * m / np.pi * (HBARC * 1e-13) ** 2 * fold * q2


def _reference_counts() -> np.ndarray:
    """CEvNS counts per flavour in 6 <= PE < 30, all times (the arrival-time PDFs sum to 1 over 0-12 us)."""
    eta = 0.08 * 1.76e23 / (4 * np.pi * 1930.0**2)
    n_targets = N_A * 14.57e3 / (132.90545196 + 126.90447)
    n_pe = np.arange(60)
    x = n_pe + 0.5
    acc = 0.6655 / (1 + np.exp(-0.4942 * (x - 10.8507))) * np.where(x < 5, 0, np.where(x < 6, 0.5, 1))
    keep = (n_pe >= 6) & (n_pe < 30)
    out = np.zeros(3)
    for z, n, m, rp, rn in NUCLEI:
        steps = 3000
        h = 2 * E_MAX**2 / (m + 2 * E_MAX) / steps
        t = (np.arange(steps) + 0.5) * h
        p = poisson.pmf(n_pe[None, :], (t * 1e3 * 0.0878 * 13.348)[:, None]) * acc
        out += (_dn_dt(t, z, n, m, rp, rn) * p[:, keep].sum(1)).sum(1) * h * n_targets * eta
    return out


def test_sm_prediction_matches_independent_numpy(exp, pred):
    ref = _reference_counts()
    assert pred["counts"]["cevns"] == pytest.approx(ref.sum(), rel=5e-3)
    # per flavour and time bin, with the time PDFs read independently
    tp = np.genfromtxt(COPIES / "arrivalTimePDF_promptNeutrinos.txt", delimiter=",")[:, 1]
    td = np.genfromtxt(COPIES / "arrivalTimePDF_delayedNeutrinos.txt", delimiter=",")[:, 1]
    time_ref = ref[1] * tp + (ref[0] + ref[2]) * td
    arr = exp.signal_numpy(np.stack([_sm_q2(exp, i) for i in range(2)]))
    np.testing.assert_allclose(arr.sum(0), time_ref, rtol=5e-3, atol=1e-3)


def _sm_q2(exp, i):
    z, n, m, rp, rn = NUCLEI[i]
    q = np.sqrt(2 * m * exp.recoil_grid[i])
    return (GVP[:, None] * z * _helm(q, rp) + GVN * n * _helm(q, rn)) ** 2


def test_sm_prediction_within_10_percent_of_173(pred, exp):
    assert pred["counts"]["cevns"] == pytest.approx(exp.reference["cevns_predicted"], rel=0.10)
    assert pred["counts"]["cevns"] == pytest.approx(174.2, abs=0.5)  # recorded value


def test_prompt_neutron_template(exp):
    pdf = np.genfromtxt(FOLDER / "promptPDF.txt", delimiter=",", comments="#")
    x = pdf[:, 0]
    acc = 0.6655 / (1 + np.exp(-0.4942 * (x - 10.8507))) * np.where(x < 5, 0, np.where(x < 6, 0.5, 1))
    inside = (x > 6) & (x < 30)
    expected = (pdf[inside, 1] * acc[inside]).sum() * 7.47594
    bkg = exp.backgrounds["pn"]
    assert bkg.template.nominal.sum() == pytest.approx(expected, rel=1e-9)
    assert bkg.published_count == pytest.approx(29.87, abs=0.01)
    assert bkg.norm_sigma == 0.25


def test_nuisance_directions(exp):
    base = exp.energy_response.nominal.sum()
    qf = [exp.energy_response.evaluate({"csi17_qf": v}).sum() / base for v in (-1.0, 1.0)]
    assert qf[0] < 0.9 and qf[1] > 1.05  # more light per keVnr -> more events over threshold
    a = [exp.energy_response.evaluate({"csi17_acc_a": v}).sum() / base for v in (-1.0, 1.0)]
    assert a[0] == pytest.approx(1 - 0.0384 / 0.6655, rel=1e-6) and a[1] == pytest.approx(1 + 0.0212 / 0.6655, rel=1e-6)
    assert exp.nuisances["csi17_flux"].sigma == pytest.approx(0.1)
    assert exp.nuisances["csi17_flux"].role == "flux"


def test_registration_is_distinct_from_the_projected_row():
    reg = registration(NAME)
    assert reg.kind == "data" and reg.label == "csi17" and reg.title == "CsI 2017"
    others = {n: r for n, r in registrations().items() if n != NAME}
    assert all(r.label != "csi17" and r.loader is not reg.loader for r in others.values())


def test_bad_binning_is_rejected():
    with pytest.raises(ValueError, match="release grid"):
        mod.load(pe_edges=np.array([5.0, 7.0]))
    with pytest.raises(ValueError, match="release grid"):
        mod.load(time_edges=np.array([0.0, 13.0]))


# --------------------------------------------------------------------------------------
# Fitted CEvNS count: 134 +- 22
# --------------------------------------------------------------------------------------
def test_fitted_count_within_10_percent_of_134(exp):
    """Best fit of sm_scaled (free CEvNS scale, every nuisance profiled) and the 1-sigma width:
    Delta chi^2 of the profiled count at best fit -+ 22 events is close to 1."""
    obj = objective(build_model("sm_scaled", [NAME]), derived=["cevns_in_data_csi17"])
    fit = minimise(obj)
    assert fit.valid
    count = obj.derived["cevns_in_data_csi17"](np.array([fit.values[n] for n in obj.names]))[0]
    assert count == pytest.approx(exp.reference["cevns_fitted"], rel=0.10)
    assert count == pytest.approx(143.0, abs=1.0)  # recorded value
    assert fit.values["csi17_ss_norm"] == pytest.approx(1.0, abs=0.03)
    sigma = exp.reference["cevns_fitted_sigma"]
    prof = profile_derived(obj, "cevns_in_data_csi17", np.array([count - sigma, count + sigma]))
    assert all(0.6 < d < 1.4 for d in prof["delta_chi2"]), prof["delta_chi2"]
