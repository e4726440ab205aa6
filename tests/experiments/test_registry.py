"""The experiment registry: a new experiment is one module, found with no other file edited."""

import importlib
import re
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import bayes_cevns
from bayes_cevns.experiments import available_experiments, registrations
from bayes_cevns.experiments.registry import unregister

PACKAGE = Path(bayes_cevns.__file__).parent

TOY_MODULE = textwrap.dedent('''
    """A toy argon counting experiment defined outside the package."""
    import numpy as np

    from bayes_cevns.experiments import register
    from bayes_cevns.experiments.base import Background, Experiment, Morph, Nuisance, TimeTable
    from bayes_cevns.physics.constants import ISOTOPES

    K = 24
    EDGES = np.array([0.0, 20.0, 40.0, 60.0, 80.0, 100.0])  # keVnr
    NODES = np.linspace(2e-3, 0.098, K)  # MeV
    BACKGROUND = np.full((5, 1), 4.0)


    def response(scale):
        """(3 * 5, 3 * K): each node's Q^2 counted in its recoil bin, the same for every flavour."""
        r = np.zeros((3, 5, 3, K))
        which = np.digitize(NODES * 1e3, EDGES) - 1
        for f in range(3):
            r[f, which, f, np.arange(K)] = scale
        return r.reshape(15, 3 * K)


    @register("toy_argon", label="toy", color="tab:purple", title="Toy")
    def load(scale=0.06, observed=None):
        obs = np.zeros((5, 1)) if observed is None else np.asarray(observed, dtype=float).reshape(5, 1)
        return Experiment(
            name="toy_argon", isotopes=(ISOTOPES["Ar40"],), recoil_grid=NODES[None, :],
            energy_response=Morph(response(scale)),
            time_table=TimeTable(offsets=np.zeros(1), fractions=np.ones((1, 3, 1))),
            signal_shape=Morph(np.ones((5, 1))),
            backgrounds={"flat": Background("flat", Morph(BACKGROUND), 0.1, "flat background")},
            nuisances={"toy_flux": Nuisance("toy_flux", 1.0, 0.1, "flux", lower=0.0, role="flux")},
            observed=obs, energy_edges=EDGES, time_edges=np.array([0.0, 1.0]), energy_label="keVnr",
            signal_norm_nuisances=("toy_flux",), label="toy", color="tab:purple")
''')


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    """Register the toy module from a temporary folder; observed = Poisson(1.5 x SM + background)."""
    folder = tmp_path_factory.mktemp("toy_pkg")
    (folder / "toy_experiment.py").write_text(TOY_MODULE)
    sys.path.insert(0, str(folder))
    try:
        mod = importlib.import_module("toy_experiment")
        assert "toy_argon" in available_experiments()
        sm = bayes_cevns.predict("sm", "toy_argon")
        from bayes_cevns.model.predict import predicted_arrays
        from bayes_cevns.model.cards import load_card

        signal = predicted_arrays(load_card("sm"), "toy_argon", {})["cevns"]
        rng = np.random.default_rng(7)
        observed = rng.poisson(1.5 * signal + mod.BACKGROUND)
        unregister("toy_argon")
        bayes_cevns.register("toy_argon", label="toy", color="tab:purple", title="Toy")(
            lambda: mod.load(observed=observed))
        yield {"module": mod, "sm": sm, "signal": signal, "observed": observed}
    finally:
        unregister("toy_argon")
        sys.path.remove(str(folder))
        sys.modules.pop("toy_experiment", None)


def test_toy_predict_counts_its_own_templates(toy):
    """The background is the toy's own template; the SM signal follows the weak charge: moving
    sin^2 theta_W to 0.30 changes Q_f = N g_V^n + Z g_V^p(nu_f) ([LM] Eqs. 11-12, g_V^p slope -2)
    and, in the lowest recoil bin (|q| < 40 MeV, F_p ~ F_n), the counts by sum_f Q_f'^2 / sum_f Q_f^2."""
    from bayes_cevns.model.cards import load_card
    from bayes_cevns.model.predict import predicted_arrays

    sm = toy["sm"]
    assert sm["counts"]["flat"] == pytest.approx(float(toy["module"].BACKGROUND.sum()))
    assert 100.0 < sm["counts"]["cevns"] < 5000.0
    shifted = predicted_arrays(load_card("sm"), "toy_argon", {"sin2_theta_w": 0.30})["cevns"]
    ratio = shifted[0, 0] / toy["signal"][0, 0]
    gvp = np.array([0.0401, 0.0318, 0.0318])  # nu_e, nu_mu, nu_mu-bar at sin^2 theta_W(0) = 0.23857
    q0 = -0.5094 * 22 + gvp * 18
    q1 = -0.5094 * 22 + (gvp - 2.0 * (0.30 - 0.23857)) * 18
    assert ratio == pytest.approx(np.sum(q1**2) / np.sum(q0**2), rel=2e-3)


def test_toy_build_roles_are_declared(toy):
    built = bayes_cevns.build_model("sm_scaled", ["toy_argon"])
    assert built.roles["toy_flux"] == "flux"
    assert built.roles["toy_flat_norm"] == "background_norm"
    assert built.sampled_parameters == ["cevns_scale_toy"]


@pytest.mark.slow
def test_toy_fit_and_profile_recover_the_injected_scale(toy):
    """Data were drawn at 1.5 x SM: posterior mean and profile best fit of the scale agree with it
    and with each other."""
    res = bayes_cevns.fit("sm_scaled", ["toy_argon"], draws=300, tune=300, chains=2, seed=3)
    post = res["parameters"]["cevns_scale_toy"]
    n_obs = toy["observed"].sum() - 20.0
    expected_sd = np.sqrt(toy["observed"].sum()) / toy["signal"].sum()
    assert abs(post["mean"] - 1.5) < 3.0 * max(post["sd"], expected_sd)
    prof = bayes_cevns.profile("sm_scaled", "cevns_scale_toy", np.linspace(0.8, 2.4, 17), ["toy_argon"])
    assert prof["best_fit"] == pytest.approx(n_obs / toy["signal"].sum(), rel=0.1)
    assert abs(prof["best_fit"] - post["mean"]) < post["sd"]


@pytest.mark.slow
def test_toy_limit_on_a_light_mediator(toy):
    """A universal Z' at 10 MeV: the chi^2 limit is a finite coupling below the scan's top and the
    posterior limit exists too."""
    chi = bayes_cevns.limit("universal", 10.0, ["toy_argon"], method="chi2")
    bay = bayes_cevns.limit("universal", 10.0, ["toy_argon"], method="bayes")
    assert 1e-6 < chi["coupling_upper"] < 1e-2
    assert 1e-6 < bay["coupling_upper"] < 1e-2


def _experiment_ids() -> set[str]:
    ids = set(available_experiments())
    from bayes_cevns.experiments.projected_setups import projection_setups

    return ids | set(projection_setups())


def test_no_experiment_id_outside_experiments():
    """Nothing outside bayes_cevns/experiments/ names an experiment id as a string literal."""
    ids = _experiment_ids() - {"toy_argon"}
    assert {"coherent_csi_2021", "coherent_ar_2020", "conus"} <= ids
    pattern = re.compile(r"""["'](%s)["']""" % "|".join(sorted(map(re.escape, ids))))
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if "experiments" in path.relative_to(PACKAGE).parts:
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if pattern.search(line):
                offenders.append(f"{path.relative_to(PACKAGE)}:{n}: {line.strip()}")
    assert offenders == []


def test_registry_rejects_duplicate_labels():
    with pytest.raises(ValueError, match="label 'csi' is already used"):
        bayes_cevns.register("another_csi", label="csi")(lambda: None)
    assert "another_csi" not in registrations()
