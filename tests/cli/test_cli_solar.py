"""The solar CLI contract: ``predict xenonnt_8b_sr1 --json`` prints the counts per component, and
``fit b8_flux --data xenonnt_8b_sr0,xenonnt_8b_sr1 --json`` reports the 8B flux ``phi_b8`` (posterior
mean, sd, 68% HDI) and the profile best fit."""

import json
import subprocess
import sys

import pytest
from support import REPO_ROOT

CLI = [sys.executable, "-m", "bayes_cevns.cli"]
#: the SR0+SR1 profile best fit of the 8B flux (1e6 cm^-2 s^-1), tested against an independent NumPy
#: likelihood in tests/experiments/test_xenonnt.py; PRL 133, 191002 publishes 4.7 (+3.6 -2.3)
PROFILE_BEST = 5.75


def _json(args: list[str]) -> dict:
    done = subprocess.run(CLI + args, capture_output=True, text=True, cwd=str(REPO_ROOT), timeout=1200)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_predict_sr1_counts_per_component():
    """CEvNS (SM 8B + hep, 6.656 events: the independent NumPy folding of tests/experiments/test_xenonnt.py)
    and the three background templates of the release; 28 events observed in SR1."""
    out = _json(["predict", "xenonnt_8b_sr1", "--json"])
    assert set(out["counts"]) == {"cevns", "ac", "er", "rg"}
    assert out["counts"]["cevns"] == pytest.approx(6.656, rel=1e-3)
    assert all(v > 0 for v in out["counts"].values())
    assert out["observed"] == 28


@pytest.mark.slow
def test_fit_b8_flux_reports_phi_b8_and_the_best_fit():
    out = _json(["fit", "b8_flux", "--data", "xenonnt_8b_sr0,xenonnt_8b_sr1", "--draws", "300", "--tune", "300",
                 "--chains", "2", "--seed", "1", "--json", "--quiet"])
    phi = out["parameters"]["phi_b8"]
    assert set(phi) == {"mean", "sd", "hdi_low", "hdi_high"}
    assert phi["hdi_low"] < phi["mean"] < phi["hdi_high"] + phi["sd"]
    best = out["best_fit"]
    assert best["valid"]
    assert best["values"]["phi_b8"] == pytest.approx(PROFILE_BEST, abs=0.05)
    assert phi["hdi_low"] < best["values"]["phi_b8"] < phi["hdi_high"]
    assert 2.0 < phi["sd"] < 6.0  # the profile 1-sigma half-width is 3.6 (3.02 to 10.26)


@pytest.mark.parametrize("args, message", [
    (["--data", "coherent_csi_2021", "--data-option", "flux_prior=sno_nc"],
     "no experiment of ['coherent_csi_2021'] takes the option(s) ['flux_prior']"),
    (["--data", "xenonnt_8b_sr0", "--data-option", "flux_prior=ssm"], "unknown solar flux prior 'ssm'"),
    (["--data", "xenonnt_8b_sr0", "--data-option", "flux_prior"], "--data-option expects KEY=VALUE"),
])
def test_data_options_are_checked_before_any_work(args, message):
    """A loader option no listed experiment declares, a bad value or a malformed option: one line on
    stderr, exit 2, before a model is built."""
    done = subprocess.run(CLI + ["profile", "sm", "--param", "sin2_theta_w", "--grid", "0.2:0.3:3", *args],
                          capture_output=True, text=True, cwd=str(REPO_ROOT), timeout=300)
    assert done.returncode == 2, done.stderr
    lines = [ln for ln in done.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and message in lines[0], done.stderr
