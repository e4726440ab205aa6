"""XENONnT solar-8B experiments: vendored release, grid interpolation, SM signal and the 8B flux fit.

The reference computations are written here with NumPy/SciPy from the formulas (solar spectra read
from the vendored tables, MSW-LMA P_ee, Helm form factor, a fine recoil quadrature with the efficiency
linear in T, and a Poisson likelihood minimised with SciPy), never through the package's folding.
"""

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from scipy.optimize import minimize

import bayes_cevns
from bayes_cevns.experiments import load_experiment, registration
from bayes_cevns.experiments.data import DataIntegrityError
from bayes_cevns.physics.constants import NATURAL_ELEMENTS
from bayes_cevns.physics.solar import survival_probability
from support import REPO_ROOT

DATA = REPO_ROOT / "data"
RELEASE = DATA / "xenonnt_8b_2026"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "xenonnt_8b_2026"  # ../shared beside the clone
RUNS = ("sr0", "sr1", "sr2")
IDS = {sr: f"xenonnt_8b_{sr}" for sr in RUNS}
OBSERVABLES = ("cs2", "s2_shadow_s2_time_shadow_quantile", "s1_bdt_score", "s2_bdt_score")
# numbers of the shared README (our arithmetic on the release): exposures (t y), events, nominal backgrounds
EXPOSURE = {"sr0": 1.174398, "sr1": 2.342593, "sr2": 3.249665}
OBSERVED = {"sr0": 9, "sr1": 28, "sr2": 25}
BACKGROUND = {"sr0": 7.78, "sr1": 18.72, "sr2": 15.56}
COMPONENTS = {"sr0": (7.48, 0.126, 0.171), "sr1": (17.77, 0.549, 0.405), "sr2": (14.86, 0.524, 0.175)}
# PRL 133, 191002 (SR0+SR1): phi_8B = 4.7 (+3.6 -2.3) x 1e6 cm^-2 s^-1
PUBLISHED = (4.7, 4.7 - 2.3, 4.7 + 3.6)
B16_B8, B16_HEP = 5.46e6, 7.98e3
# constants typed from their sources for the independent reference
HBARC_MEV_CM = 197.3269804e-13
G_F = 1.1663788e-11
N_A = 6.02214076e23
YEAR_S = 365.25 * 86400.0


@pytest.fixture(scope="module", autouse=True)
def fast_compile():
    """FAST_COMPILE: the graphs here are evaluated a few hundred times at most."""
    import pytensor

    with pytensor.config.change_flags(mode="FAST_COMPILE"):
        yield




# ---------------------------------------------------------------- independent reference folding
def p_ee(e_mev: np.ndarray, n_e: float) -> np.ndarray:
    """Adiabatic MSW-LMA day-time P_ee with theta_13 (NuFIT 6.0: 0.307, 0.02195, 7.49e-5 eV^2)."""
    s12, s13, dm2 = 0.307, 0.02195, 7.49e-5
    v_ev = np.sqrt(2.0) * G_F * n_e * N_A * HBARC_MEV_CM**3 * 1e6
    beta = 2.0 * v_ev * (1 - s13) * e_mev * 1e6 / dm2
    c2 = 1 - 2 * s12
    c2m = (c2 - beta) / np.hypot(c2 - beta, np.sqrt(4 * s12 * (1 - s12)))
    return (1 - s13) ** 2 * (0.5 + 0.5 * c2 * c2m) + s13**2


def spectrum(name: str) -> tuple[np.ndarray, np.ndarray]:
    """Tabulated solar spectrum normalised to one (8B: the 20 MeV sentinel row dropped)."""
    arr = np.loadtxt(DATA / "solar_spectra" / name, comments="#", delimiter=",", ndmin=2)
    if name.startswith("8B"):
        arr = arr[arr[:, 0] <= 15.5]
    return arr[:, 0], arr[:, 1] / np.trapezoid(arr[:, 1], arr[:, 0])


def kernels(t_mev: np.ndarray, mass: float, sources=("8B", "hep")) -> tuple[np.ndarray, np.ndarray]:
    """(K_e, K_mu)(T) = sum_sources int_{sqrt(M T/2)} phi(E) w(E) (1 - M T / 2E^2) dE, in cm^-2 s^-1,
    on a 0.5 keV-in-E fine grid (w = P_ee or 1 - P_ee)."""
    out = [np.zeros_like(t_mev), np.zeros_like(t_mev)]
    emin = np.sqrt(mass * t_mev / 2.0)
    table = {"8B": ("8B_shape_Winter_et_al.csv", B16_B8, 87.9), "hep": ("hep_shape.csv", B16_HEP, 51.4)}
    for name, flux, n_e in (table[s] for s in sources):
        e, phi = spectrum(name)
        ef = np.linspace(e[e > 0][0], e[-1], 40001)
        ph = flux * np.interp(ef, e, phi)
        p = p_ee(ef, n_e)
        for k, w in enumerate((p, 1 - p)):
            tail = []
            for f in (ph * w, ph * w / ef**2):
                cum = np.concatenate([[0.0], np.cumsum(0.5 * (f[1:] + f[:-1]) * np.diff(ef))])
                tail.append(cum[-1] - np.interp(emin, ef, cum))
            out[k] += np.clip(tail[0] - mass * t_mev / 2.0 * tail[1], 0.0, None)
    return out[0], out[1]


def helm(q_mev: np.ndarray, r_rms: float) -> np.ndarray:
    s = 0.9
    r0 = np.sqrt(5.0 / 3.0 * (r_rms**2 - 3.0 * s**2))
    x = q_mev / 197.3269804 * r0
    return 3.0 * (np.sin(x) - x * np.cos(x)) / x**3 * np.exp(-0.5 * (q_mev / 197.3269804 * s) ** 2)


@pytest.fixture(scope="module")
def reference_signal() -> dict[str, np.ndarray]:
    """Per run, SM 8B+hep CEvNS counts (7, 7, 81) at every (tly, tqy) node: a 0.002 keV trapezoid in T
    with the release's efficiencies interpolated linearly between the mono energies, Q^2(T) exact."""
    z = np.load(RELEASE / "xenonnt_8b_templates.npz")
    t_kev = np.linspace(0.5, 5.0, 2251)
    t = t_kev * 1e-3
    rate = np.zeros_like(t)  # events per keV per (t y)
    norm = sum(f for _, f in NATURAL_ELEMENTS["Xe"].values())
    for iso, frac in NATURAL_ELEMENTS["Xe"].values():
        nuclei = frac / norm * 1e6 / 131.293 * N_A
        f = helm(np.sqrt(2 * iso.mass * t), iso.rp)
        q2e = (0.0401 * iso.Z * f - 0.5094 * iso.N * f) ** 2
        q2m = (0.0318 * iso.Z * f - 0.5094 * iso.N * f) ** 2
        ke, km = kernels(t, iso.mass)
        rate += nuclei * YEAR_S * G_F**2 * iso.mass / np.pi * HBARC_MEV_CM**2 * (ke * q2e + km * q2m) * 1e-3
    w = np.full(t_kev.size, t_kev[1] - t_kev[0])
    w[[0, -1]] *= 0.5
    hat = np.stack([np.interp(t_kev, z["mono_energy_kev"], np.eye(46)[k]) for k in range(46)], axis=1)
    return {sr: float(z[f"{sr}_exposure_t_y"]) * np.einsum("t,tk,kabe->abe", w * rate, hat, z[f"{sr}_mono"])
            for sr in RUNS}


def bilinear(table: np.ndarray, a: float, b: float) -> np.ndarray:
    """Bilinear interpolation of table[i, j, ...] on the grid -3..3 (step 1), clamped."""
    pa, pb = np.clip(a + 3.0, 0, 6), np.clip(b + 3.0, 0, 6)
    i, j = min(int(pa), 5), min(int(pb), 5)
    u, v = pa - i, pb - j
    return ((1 - u) * (1 - v) * table[i, j] + u * (1 - v) * table[i + 1, j] + (1 - u) * v * table[i, j + 1]
            + u * v * table[i + 1, j + 1])


# ---------------------------------------------------------------- the vendored files
def _manifest(folder: Path) -> dict[str, str]:
    """{name: sha256} of a folder's SHA256SUMS."""
    pairs = (line.split(maxsplit=1) for line in (folder / "SHA256SUMS").read_text().splitlines())
    return {name: digest for digest, name in pairs}


def test_manifests_list_every_vendored_file():
    """data/xenonnt_8b_2026 and data/solar_spectra: every file is in its folder's SHA256SUMS and matches."""
    for folder in (RELEASE, DATA / "solar_spectra"):
        listed = _manifest(folder)
        files = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} - {"SHA256SUMS"}
        assert set(listed) == files
        for name, digest in listed.items():
            assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name
    shared = _manifest(DATA / "solar_spectra")
    assert shared["8B_shape_Winter_et_al.csv"].startswith("444e8eda")
    assert shared["hep_shape.csv"].startswith("60c3f3c9") and shared["fluxes_b16.dat"].startswith("20ce71e5")


def test_observed_counts_are_the_event_files_in_the_yaml_bins():
    """9 / 28 / 25 events (37 in SR0+SR1, PRL 133, 191002), histogrammed here from the csv files."""
    for sr in RUNS:
        edges = yaml.safe_load((RELEASE / "binning" / f"{sr}.yaml").read_text())
        events = np.loadtxt(RELEASE / "data" / f"{sr}.csv", delimiter=",", skiprows=1)[:, 1:]
        counts, _ = np.histogramdd(events, bins=[edges[k] for k in OBSERVABLES])
        exp = load_experiment(IDS[sr])
        assert exp.observed.shape == (81, 1)
        np.testing.assert_array_equal(exp.observed[:, 0], counts.reshape(-1))
        assert exp.observed.sum() == OBSERVED[sr]
    assert OBSERVED["sr0"] + OBSERVED["sr1"] == 37


def test_nominal_backgrounds_match_the_release():
    """AC + ER + neutron x exposure = 7.78, 18.72, 15.56 events; SR0+SR1 = 26.50, vs 26.4 (+1.4 -1.3) in
    PRL 133, 191002, whose neutron templates (2024) were 0.11 events lower."""
    for sr in RUNS:
        exp = load_experiment(IDS[sr])
        comps = [exp.backgrounds[k].template.nominal.sum() for k in ("ac", "er", "rg")]
        np.testing.assert_allclose(comps, COMPONENTS[sr], atol=0.006)
        assert sum(comps) == pytest.approx(BACKGROUND[sr], abs=0.006)
        assert exp.exposure["exposure_t_y"] == EXPOSURE[sr]
    total = sum(load_experiment(IDS[sr]).reference["background_nominal"] for sr in ("sr0", "sr1"))
    assert total == pytest.approx(26.50, abs=0.01) and abs(total - 26.4) < 0.15


@pytest.mark.skipif(not SHARED.is_dir(), reason="the shared copy of the release is not available")
def test_npz_equals_the_release_hdf5_files():
    """Spot checks of the converted archive against the release's HDF5 templates (exact)."""
    h5py = pytest.importorskip("h5py")
    z = np.load(RELEASE / "xenonnt_8b_templates.npz")

    def h5(path):
        with h5py.File(SHARED / "templates" / path, "r") as f:
            return f["templates/template"][()].reshape(-1)

    for sr in RUNS:
        np.testing.assert_array_equal(z[f"{sr}_ac"], h5(f"{sr}/ac/template_XENONnT_{sr}_ac_cevns.h5"))
        np.testing.assert_array_equal(z[f"{sr}_er"], h5(f"{sr}/er/template_XENONnT_{sr}_er_cevns.h5"))
        for i, j in ((0, 6), (3, 3), (5, 1)):
            tail = f"cevns_tly_{i - 3:.1f}_tqy_{j - 3:.1f}.h5"
            np.testing.assert_array_equal(z[f"{sr}_rg"][i, j], h5(f"{sr}/rg/template_XENONnT_{sr}_rg_{tail}"))
            for k, e in ((0, "0.500"), (17, "2.200"), (45, "5.000")):
                np.testing.assert_array_equal(z[f"{sr}_mono"][k, i, j],
                                              h5(f"{sr}/mono/template_XENONnT_{sr}_mono_{e}_{tail}"))


# ---------------------------------------------------------------- grid interpolation
def test_grid_reproduces_every_node_and_interpolates_bilinearly():
    """NumPy and PyTensor evaluation of the neutron GridMorph: exactly the table at all 49 nodes,
    the bilinear value between them, the boundary value outside."""
    import pytensor
    import pytensor.tensor as pt

    from bayes_cevns.model.forward import _grid_tensor

    exp = load_experiment(IDS["sr1"])
    grid = exp.backgrounds["rg"].template
    table = grid.table
    a, b = pt.dscalar("a"), pt.dscalar("b")
    fn = pytensor.function([a, b], _grid_tensor(grid, {"xe_tly": a, "xe_tqy": b}, "rg"))
    for i, x in enumerate(np.arange(-3.0, 4.0)):
        for j, y in enumerate(np.arange(-3.0, 4.0)):
            np.testing.assert_array_equal(grid.evaluate({"xe_tly": x, "xe_tqy": y}), table[i, j])
            np.testing.assert_array_equal(fn(x, y), table[i, j])
    for x, y in ((0.37, -1.62), (-2.9, 2.25), (1.0, 0.5)):
        ref = bilinear(table, x, y)
        np.testing.assert_allclose(grid.evaluate({"xe_tly": x, "xe_tqy": y}), ref, rtol=1e-13)
        np.testing.assert_allclose(fn(x, y), ref, rtol=1e-13)
    np.testing.assert_array_equal(fn(4.5, -7.0), table[6, 0])
    assert not np.allclose(bilinear(table, 0.5, 0.0), table[3, 3])


# ---------------------------------------------------------------- the SM signal
def test_survival_probability_limits():
    """P_ee: the vacuum average 1 - sin^2(2theta12)/2 (times cos^4 theta13) at low energy, the adiabatic
    limit sin^2 theta12 at high energy, and the independent formula of this file in between."""
    s12, s13 = 0.307, 0.02195
    low = survival_probability(np.array([1e-4]), 87.9)[0]
    high = survival_probability(np.array([1e5]), 87.9)[0]
    assert low == pytest.approx((1 - s13) ** 2 * (1 - 2 * s12 * (1 - s12)) + s13**2, rel=1e-4)
    assert high == pytest.approx((1 - s13) ** 2 * s12 + s13**2, rel=1e-3)
    e = np.linspace(0.5, 16.0, 32)
    np.testing.assert_allclose(survival_probability(e, 87.9), p_ee(e, 87.9), rtol=1e-12)
    assert 0.30 < survival_probability(np.array([10.0]), 87.9)[0] < 0.34


def test_sm_counts_match_the_independent_fine_quadrature(reference_signal):
    """SM 8B+hep CEvNS counts per bin, nominal and at an off-grid (tly, tqy, eff), through the compiled
    forward model, vs the fine quadrature of this file: SR0 3.609, SR1 6.656, SR2 8.039 events."""
    import pytensor
    import pytensor.tensor as pt

    from bayes_cevns.model.cards import load_card
    from bayes_cevns.model.forward import expected_components

    card = load_card("sm")
    expected = {"sr0": 3.609, "sr1": 6.656, "sr2": 8.039}
    for sr in RUNS:
        exp = load_experiment(IDS[sr])
        ref = reference_signal[sr]
        got = bayes_cevns.predict("sm", IDS[sr])["counts"]["cevns"]
        assert got == pytest.approx(ref[3, 3].sum(), rel=5e-4)
        assert got == pytest.approx(expected[sr], rel=1e-3)
        zs = {n: pt.dscalar(n) for n in ("xe_tly", "xe_tqy", "xe_eff")}
        comps = expected_components(card, exp, card.values(), zs)
        fn = pytensor.function(list(zs.values()), comps["cevns"][:, 0])
        for tly, tqy, eff in ((0.0, 0.0, 1.0), (0.4, -1.3, 1.1), (-2.5, 2.7, 0.8)):
            want = eff * bilinear(ref, tly, tqy)
            big = want > 1e-3 * want.max()
            np.testing.assert_allclose(fn(tly, tqy, eff)[big], want[big], rtol=1e-3)
            q2 = _q2(exp)
            np.testing.assert_allclose(exp.signal_numpy(q2, {"xe_tly": tly, "xe_tqy": tqy})[:, 0],
                                       fn(tly, tqy, 1.0), rtol=1e-10)


def test_nu_tau_slot_carries_sin2_theta23_of_the_non_electron_flux():
    """NSI eps_tautau^u = 0.3 (contact) changes only the nu_tau part of the solar flux, a fraction
    sin^2 theta_23 = 0.561 of the non-nu_e flux: SR1 counts vs an independent folding with per-species
    charges Q_tau = Q_SM + eps (2 Z + N) F, and eps_mumu^u moves the rest (cos^2 theta_23)."""
    z = np.load(RELEASE / "xenonnt_8b_templates.npz")
    t_kev = np.linspace(0.5, 5.0, 2251)
    t = t_kev * 1e-3
    s23 = 0.561

    def counts(eps_mu: float, eps_tau: float) -> float:
        rate = np.zeros_like(t)
        norm = sum(f for _, f in NATURAL_ELEMENTS["Xe"].values())
        for iso, frac in NATURAL_ELEMENTS["Xe"].values():
            f = helm(np.sqrt(2 * iso.mass * t), iso.rp)
            q_mu = 0.0318 * iso.Z * f - 0.5094 * iso.N * f
            q2e = (0.0401 * iso.Z * f - 0.5094 * iso.N * f) ** 2
            q2_rest = ((1 - s23) * (q_mu + eps_mu * (2 * iso.Z + iso.N) * f) ** 2
                       + s23 * (q_mu + eps_tau * (2 * iso.Z + iso.N) * f) ** 2)
            ke, k_rest = kernels(t, iso.mass)
            nuclei = frac / norm * 1e6 / 131.293 * N_A
            rate += nuclei * YEAR_S * G_F**2 * iso.mass / np.pi * HBARC_MEV_CM**2 * (ke * q2e + k_rest * q2_rest) * 1e-3
        w = np.full(t_kev.size, t_kev[1] - t_kev[0])
        w[[0, -1]] *= 0.5
        hat = np.stack([np.interp(t_kev, z["mono_energy_kev"], np.eye(46)[k]) for k in range(46)], axis=1)
        return float(z["sr1_exposure_t_y"]) * float(np.einsum("t,tk,ke->", w * rate, hat, z["sr1_mono"][:, 3, 3]))

    sm = counts(0.0, 0.0)
    for eps_mu, eps_tau in ((0.0, 0.3), (0.3, 0.0), (0.3, 0.3)):
        values = {"eps_mumu_u": eps_mu, "eps_tautau_u": eps_tau}
        got = bayes_cevns.predict("nsi", IDS["sr1"], values)["counts"]["cevns"]
        want = counts(eps_mu, eps_tau)
        assert got == pytest.approx(want, rel=1e-3)
        assert abs(want / sm - 1) > 0.1  # the coupling is visible in the solar data


def _q2(exp) -> np.ndarray:
    """Q^2 (n_iso, 3, K) of the SM on the experiment's nodes (Helm, radiative couplings)."""
    out = []
    for iso, t in zip(exp.isotopes, exp.recoil_grid):
        f = helm(np.sqrt(2 * iso.mass * t), iso.rp)
        out.append([(g * iso.Z * f - 0.5094 * iso.N * f) ** 2 for g in (0.0401, 0.0318, 0.0318)])
    return np.array(out)


# ---------------------------------------------------------------- corrupted or missing files
@pytest.mark.parametrize("damage", ["truncate", "flip"])
def test_damaged_archive_is_reported_with_its_name(data_copy, damage):
    path = data_copy / "xenonnt_8b_2026" / "xenonnt_8b_templates.npz"
    raw = bytearray(path.read_bytes())
    if damage == "truncate":
        raw = raw[: len(raw) // 2]
    else:
        raw[len(raw) // 3] ^= 0x01
    path.write_bytes(bytes(raw))
    with pytest.raises(DataIntegrityError, match="xenonnt_8b_templates.npz") as info:
        load_experiment(IDS["sr0"])
    assert "\n" not in str(info.value) and "checksum" in str(info.value)


def test_archive_with_a_matching_manifest_but_bad_content(data_copy):
    """A file rewritten together with its manifest entry still fails, on reading: one-line error."""
    path = data_copy / "xenonnt_8b_2026" / "xenonnt_8b_templates.npz"
    path.write_bytes(b"not a zip archive")
    manifest = data_copy / "xenonnt_8b_2026" / "SHA256SUMS"
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    manifest.write_text("".join(f"{digest}  {ln.split()[1]}\n" if ln.endswith("npz") else ln + "\n"
                                for ln in manifest.read_text().splitlines()))
    with pytest.raises(DataIntegrityError, match="cannot be read as an npz archive"):
        load_experiment(IDS["sr1"])


def test_altered_solar_table_is_reported(data_copy):
    (data_copy / "solar_spectra" / "hep_shape.csv").write_text("1.0, 0.5\n")
    with pytest.raises(DataIntegrityError, match="hep_shape.csv fails its checksum"):
        load_experiment(IDS["sr2"])


def test_unlisted_archive_is_reported(data_copy):
    manifest = data_copy / "xenonnt_8b_2026" / "SHA256SUMS"
    manifest.write_text("".join(ln + "\n" for ln in manifest.read_text().splitlines() if not ln.endswith(".npz")))
    with pytest.raises(DataIntegrityError, match=r"xenonnt_8b_templates.npz is not listed in .*xenonnt_8b_2026/SHA256SUMS"):
        load_experiment(IDS["sr0"])


def test_missing_release_manifest_is_reported(data_copy):
    (data_copy / "xenonnt_8b_2026" / "SHA256SUMS").unlink()
    with pytest.raises(DataIntegrityError, match="missing checksum manifest .*xenonnt_8b_2026"):
        load_experiment(IDS["sr0"])


# ---------------------------------------------------------------- registry and command line
def test_registered_as_data_releases_and_predicted_by_the_cli():
    """Registered with kind "data" and labels xe0..xe2; ``bayes-cevns predict xenonnt_8b_sr1 --json``
    prints the counts per component."""
    for k, sr in enumerate(RUNS):
        reg = registration(IDS[sr])
        assert (reg.kind, reg.label) == ("data", f"xe{k}")
    exe = Path(sys.executable).parent / "bayes-cevns"
    res = subprocess.run([str(exe), "predict", IDS["sr1"], "--json"], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert set(out["counts"]) == {"cevns", "ac", "er", "rg"}
    assert out["observed"] == 28
    assert out["counts"]["cevns"] == pytest.approx(6.656, rel=1e-3)
    assert sum(v for k, v in out["counts"].items() if k != "cevns") == pytest.approx(18.72, abs=0.006)


# ---------------------------------------------------------------- the 8B flux fit
def numpy_best_scale(reference_signal, runs: tuple[str, ...], background_scale: float = 1.0) -> float:
    """Best-fit flux scale of an independent binned Poisson likelihood with the nuisances of XENONnT's
    alea model: tly, tqy ~ N(0,1) in [-3, 3], signal efficiency 25%, ER 100% and neutron 58% norms
    shared by the runs, AC norms per run."""
    z = np.load(RELEASE / "xenonnt_8b_templates.npz")
    ac_sigma = {"sr0": 0.0904, "sr1": 0.0576, "sr2": 0.0576}

    def chi2(x):
        scale, tly, tqy, eff, er, rg = x[:6]
        total = tly**2 + tqy**2 + ((eff - 1) / 0.25) ** 2
        total += ((er - 1) / background_scale) ** 2 + ((rg - 1) / (0.58 * background_scale)) ** 2
        for sr, ac in zip(runs, x[6:]):
            e = float(z[f"{sr}_exposure_t_y"])
            mu = (scale * eff * bilinear(reference_signal[sr], tly, tqy)
                  + e * (ac * z[f"{sr}_ac"] + er * z[f"{sr}_er"] + rg * bilinear(z[f"{sr}_rg"], tly, tqy)))
            n = z[f"{sr}_observed"]
            total += 2 * np.sum(mu - n * np.log(np.maximum(mu, 1e-300)))
            total += ((ac - 1) / (background_scale * ac_sigma[sr])) ** 2
        return total

    x0 = np.array([1.0, 0.0, 0.0, 1.0, 1.0, 1.0] + [1.0] * len(runs))
    bounds = [(1e-3, 5.0), (-3, 3), (-3, 3), (1e-3, 5), (1e-3, 10), (1e-3, 10)] + [(1e-3, 5)] * len(runs)
    best = minimize(chi2, x0, bounds=bounds, method="L-BFGS-B", options={"ftol": 1e-13, "gtol": 1e-9})
    best = minimize(chi2, best.x, bounds=bounds, method="Powell", options={"xtol": 1e-7, "ftol": 1e-12})
    return float(best.x[0])


def test_b8_flux_sr0_sr1_against_prl_133_191002(reference_signal):
    """Profile likelihood of the 8B flux on SR0+SR1 (card b8_flux, MINOS): 5.75 (+4.51 -2.73) x 1e6
    cm^-2 s^-1 vs the published 4.7 (+3.6 -2.3): centre +22% (goal 25%), interval edges 3.02 and 10.26
    vs 2.4 and 8.3, +26% and +24% (goal 30%). The best fit equals the independent likelihood of this
    file. The offset is the 2026 release's lower nominal NR efficiency (PROVENANCE.md), not the
    likelihood: the collaboration's 2024 templates give 7.67 instead of 6.66 SM events in SR1."""
    from bayes_cevns.inference.profile import minos_interval, objective
    from bayes_cevns.model.build import build_model

    built = build_model("b8_flux", [IDS["sr0"], IDS["sr1"]])
    assert {"xe_tly", "xe_tqy", "xe_eff", "xe_er_norm", "xe_rg_norm", "xe0_ac_norm", "xe1_ac_norm"} <= set(built.roles)
    assert "solar_b8_flux" not in built.roles  # the card's phi_b8 is that flux
    centre, lo, hi = minos_interval(objective(built), "phi_b8")
    assert centre / (B16_B8 / 1e6) == pytest.approx(numpy_best_scale(reference_signal, ("sr0", "sr1")), rel=0.01)
    assert (centre, lo, hi) == pytest.approx((5.75, 3.02, 10.26), abs=0.05)
    assert abs(centre / PUBLISHED[0] - 1) < 0.25
    assert abs(hi / PUBLISHED[2] - 1) < 0.30
    assert abs(lo / PUBLISHED[1] - 1) < 0.30


def test_flux_weighted_cross_section_against_an_independent_integral():
    """SM 8B flux-averaged CEvNS cross section per Xe nucleus, 0 < T < T_max: the experiment's
    xsec weights vs a fine trapezoid of this file (8B only, P_ee, Helm), 1.241e-39 cm^2 to 0.3%. With
    the SR0+SR1 flux fit (5.75 (+4.51 -2.73)) the count-equivalent measurement is 1.31 (+1.02 -0.62)
    x 1e-39 cm^2 vs the published 1.1 (+0.8 -0.5)."""
    exp = load_experiment(IDS["sr1"])
    t = np.linspace(1e-7, 4.2e-3, 8401)
    norm = sum(f for _, f in NATURAL_ELEMENTS["Xe"].values())
    sigma = 0.0
    for iso, frac in NATURAL_ELEMENTS["Xe"].values():
        f = helm(np.sqrt(2 * iso.mass * t), iso.rp)
        q2e = (0.0401 * iso.Z * f - 0.5094 * iso.N * f) ** 2
        q2m = (0.0318 * iso.Z * f - 0.5094 * iso.N * f) ** 2
        ke, km = kernels(t, iso.mass, sources=("8B",))
        sigma += frac / norm * G_F**2 * iso.mass / np.pi * HBARC_MEV_CM**2 * np.trapezoid(ke * q2e + km * q2m, t)
    sigma /= B16_B8
    got = float(exp.xsec_weights @ _q2(exp).reshape(-1))
    assert got == pytest.approx(sigma, rel=3e-3)
    assert got == pytest.approx(1.241e-39, rel=2e-3)
    measured = got / 1e-39 * np.array([5.75, 3.02, 10.26]) / (B16_B8 / 1e6)
    ref = exp.reference
    assert abs(measured[0] / ref["xsec_sr0_sr1_1e39cm2"] - 1) < 0.25
    assert abs(measured[2] / (ref["xsec_sr0_sr1_1e39cm2"] + ref["xsec_sr0_sr1_up"]) - 1) < 0.30
    assert abs(measured[1] / (ref["xsec_sr0_sr1_1e39cm2"] - ref["xsec_sr0_sr1_down"]) - 1) < 0.30


def test_shared_nuisances_are_one_variable_and_must_agree():
    """Runs share the yields, efficiency, ER/neutron norms and the solar flux (one random variable each);
    a run declaring a shared nuisance with another prior is refused in one line."""
    from bayes_cevns.model.build import build_model

    built = build_model("sm", [IDS["sr0"], IDS["sr1"]])
    names = [v.name for v in built.model.free_RVs]
    assert names.count("xe_tly") == 1 and names.count("solar_b8_flux") == 1
    assert built.roles["solar_b8_flux"] == "flux"
    odd = registration(IDS["sr1"]).loader(flux_prior="sno_nc")
    with pytest.raises(ValueError, match="shared nuisance solar_b8_flux is declared with different priors"):
        build_model("sm", [load_experiment(IDS["sr0"]), odd])
    sno = odd.nuisances["solar_b8_flux"]
    assert (sno.mu * B16_B8 / 1e6, sno.sigma * B16_B8 / 1e6) == pytest.approx((5.25, 0.20))
    assert "solar_b8_flux" not in registration(IDS["sr1"]).loader(flux_prior="none").nuisances
    with pytest.raises(ValueError, match="unknown solar flux prior"):
        registration(IDS["sr1"]).loader(flux_prior="ssm")


@pytest.mark.slow
def test_b8_flux_all_runs_and_doubled_background_constraints(reference_signal):
    """SR0-SR2 combined: 4.83 (+3.40 -2.05) x 1e6 cm^-2 s^-1 (arXiv:2604.06002 not checked). Doubling every
    background-norm prior width moves the SR0+SR1 result to 5.85 (+4.63 -2.81): centre +2%, interval +3%."""
    from bayes_cevns.inference.profile import minos_interval, objective
    from bayes_cevns.model.build import build_model

    ref = B16_B8 / 1e6
    best, lo, hi = minos_interval(objective(build_model("b8_flux", list(IDS.values()))), "phi_b8")
    assert best / ref == pytest.approx(numpy_best_scale(reference_signal, RUNS), rel=0.01)
    assert [best, lo, hi] == pytest.approx([4.83, 2.78, 8.23], abs=0.05)
    exps = [registration(IDS[sr]).loader(background_sigma_scale=2.0) for sr in ("sr0", "sr1")]
    best, lo, hi = minos_interval(objective(build_model("b8_flux", exps)), "phi_b8")
    assert best / ref == pytest.approx(numpy_best_scale(reference_signal, ("sr0", "sr1"), 2.0), rel=0.01)
    assert [best, lo, hi] == pytest.approx([5.85, 3.05, 10.49], abs=0.05)
