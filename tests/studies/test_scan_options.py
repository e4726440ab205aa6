"""Loader options of the experiments (``--data-option``) in mass scans and the limit table.

* The options reach every slice task, name the files of the scan and enter its fingerprint: a
  scan with ``treatment=lm2022`` neither resumes from nor overwrites the default scan.
* A dataset takes only the options its experiments declare (the solar-flux prior of XENONnT does
  not concern COHERENT), and the compiled scan of a task is built from the treated experiments.
* A treatment without nuisances ([LAR]'s single count) scans: nothing is profiled.
* The g-2 and NSI tables pass their options on to the slices and the compiled scans.
* An option no experiment takes, or an unknown treatment, is a one-line error before any work
  (``lar2021`` is an Ar treatment: CsI rejects it, so the NSI table, which has a CsI-only row,
  does too).
"""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from bayes_cevns.cli import app
from bayes_cevns.experiments import load_experiment
from bayes_cevns.inference.limits import Slice, chi2_upper
from bayes_cevns.studies import nsi, scan
from bayes_cevns.studies.g2 import run_g2_table
from bayes_cevns.studies.scan import applicable, compute_slice, run_scan, scan_fingerprint, slice_path

CSI = ["coherent_csi_2021"]
LM = (("treatment", "lm2022"),)


def _synthetic(mass: float) -> dict:
    lg = [-7.0 + 0.05 * i for i in range(141)]
    c2 = [1000.0 + (0.0 if x < -4.5 else 400.0 * (x + 4.5) ** 2) for x in lg]
    return Slice(mass, lg, c2, [-0.5 * c for c in c2]).to_dict()


def test_options_reach_the_tasks_and_name_the_files(tmp_path, monkeypatch):
    calls = []

    def fake_slice(card, experiments, mass, options=()):
        calls.append((tuple(experiments), tuple(options)))
        return _synthetic(mass)

    monkeypatch.setattr("bayes_cevns.studies.scan.compute_slice", fake_slice)
    res = run_scan("universal", CSI, [1.0], tmp_path, workers=0, progress=False, options=dict(LM))
    assert calls == [(tuple(CSI), LM)]
    assert res["data_options"] == dict(LM)
    assert json.loads((tmp_path / "universal__coherent_csi_2021__treatment=lm2022.json").read_text())["rows"]
    treated = slice_path(tmp_path, "universal", CSI, 1.0, LM)
    assert treated.is_file() and treated != slice_path(tmp_path, "universal", CSI, 1.0)
    assert json.loads(treated.read_text())["fingerprint"] == scan_fingerprint("universal", CSI, LM)
    assert scan_fingerprint("universal", CSI, LM) != scan_fingerprint("universal", CSI)
    run_scan("universal", CSI, [1.0], tmp_path, workers=0, progress=False)  # the default: computed anew
    assert calls[-1] == (tuple(CSI), ())
    run_scan("universal", CSI, [1.0], tmp_path, workers=0, progress=False, options=dict(LM))  # resumed
    assert len(calls) == 2


def test_a_dataset_takes_only_its_own_options_and_the_scan_is_built_treated(monkeypatch):
    assert applicable(CSI, {"flux_prior": "sno_nc", "treatment": "lm2022"}) == LM
    assert applicable(CSI, {"flux_prior": "sno_nc"}) == ()
    assert slice_path(scan.Path("o"), "universal", CSI, 1.0, (("flux_prior", "sno_nc"),)) == \
        slice_path(scan.Path("o"), "universal", CSI, 1.0)
    seen = []

    class Recorder:
        def __init__(self, card, experiments):
            seen.append(experiments)

        def slice(self, mass):
            return Slice(**_synthetic(mass))

    monkeypatch.setattr(scan, "MediatorScan", Recorder)
    monkeypatch.setattr(scan, "_SCANS", {})
    compute_slice("universal", CSI, 1.0, LM)
    (exp,) = seen[0]
    signal = f"{exp.prefix}_cevns_norm"
    assert signal in exp.nuisances and signal not in load_experiment(CSI[0]).nuisances


def test_g2_and_nsi_tables_pass_their_options_on(tmp_path, monkeypatch):
    calls = []

    def fake_slice(card, experiments, mass, options=()):
        calls.append(tuple(options))
        return _synthetic(mass)

    monkeypatch.setattr("bayes_cevns.studies.scan.compute_slice", fake_slice)
    run_g2_table(tmp_path, models=("universal",), masses=[1.0], workers=0, options=dict(LM))
    assert calls == [LM] and "Data option: treatment=lm2022." in (tmp_path / "g2_table.md").read_text()

    class Built(Exception):
        pass

    def recorder(experiments, couplings):
        raise Built(experiments)

    monkeypatch.setattr(nsi, "EpsScan", recorder)
    with pytest.raises(Built) as built:
        nsi.compute_bounds_table(("eps_ee_u",), {"CsI": tuple(CSI)}, n_grid=51, options=dict(LM))
    (exp,) = built.value.args[0]
    assert f"{exp.prefix}_cevns_norm" in exp.nuisances


def test_bad_options_are_one_line_errors(tmp_path):
    runner = CliRunner()
    for args in (["limit-table", "--out", str(tmp_path / "t"), "--data-option", "nosuch=1"],
                 ["limits", "universal", "--out", str(tmp_path / "s"), "--data-option", "treatment=bogus"],
                 ["g2-table", "--out", str(tmp_path / "g"), "--data-option", "flux_prior=sno_nc"],
                 ["nsi-table", "--out", str(tmp_path / "n"), "--data-option", "treatment=lar2021"]):
        r = runner.invoke(app, args)
        assert r.exit_code == 2 and "error:" in r.output and "Traceback" not in r.output, (args, r.output)
        assert len(r.output.strip().splitlines()) == 1, r.output
        assert not any((tmp_path / d).exists() for d in "tsgn")


def test_a_treatment_without_nuisances_scans():
    """[LAR]'s single Gaussian count (``treatment=lar2021``) leaves no nuisance to profile: the
    slice is chi^2 itself, its Laplace marginal exactly -chi^2/2, and the limit is finite."""
    sc = scan.scanner("universal", ["coherent_ar_2020"], (("treatment", "lar2021"),))
    assert sc.nuis == [] and sc.obj.hessian_names == []
    sl = sc.slice(1.0e3)
    np.testing.assert_allclose(sl.log_marginal, -0.5 * np.asarray(sl.chi2), rtol=0, atol=1e-12)
    limit = chi2_upper(sl)["coupling_upper"]
    assert limit is not None and 1e-5 < limit < 1e-2
