"""fit --out records what the user changed; show prints it; one chain gives no R-hat and no
NumPy warning; convergence problems are printed once."""

import json
import shlex
import sys
import warnings

import numpy as np
import pytest
import xarray as xr
from typer.testing import CliRunner

from bayes_cevns.cli import app
from bayes_cevns.inference import sampling

runner = CliRunner()


def _tree(chains: int) -> xr.DataTree:
    rng = np.random.default_rng(1)
    dims = ("chain", "draw")
    post = xr.Dataset({"a": (dims, rng.normal(size=(chains, 200))), "b": (dims, rng.normal(size=(chains, 200)))})
    stats = xr.Dataset({"diverging": (dims, np.zeros((chains, 200), dtype=bool))})
    return xr.DataTree.from_dict({"posterior": post, "sample_stats": stats})


def test_one_chain_has_no_rhat_and_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a NumPy "All-NaN slice" warning would fail here
        diag = sampling.diagnostics(_tree(1), ["a", "b"])
        assert diag["rhat_max"] is None and diag["ess_bulk_min"] > 50
        assert sampling.check_convergence(diag, ess_min=10) == []
    two = sampling.diagnostics(_tree(2), ["a", "b"])
    assert 0.98 < two["rhat_max"] < 1.05


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    """A short one-chain CsI fit with overrides, run in process with its own command line
    (30-90 s, most of it compiling the model)."""
    out = tmp_path_factory.mktemp("fit") / "post.nc"
    argv = ["bayes-cevns", "fit", "sm_scaled", "--data", "coherent_csi_2021", "--draws", "40", "--tune", "40",
            "--chains", "1", "--seed", "3", "--set", "sin2_theta_w=0.24", "--prior", "cevns_scale=uniform(0,2)",
            "--share-flux", "--out", str(out), "--json"]
    old_argv = sys.argv
    sys.argv = argv
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res = runner.invoke(app, argv[1:])
    finally:
        sys.argv = old_argv
    return res, out, argv, caught


@pytest.mark.slow
def test_fit_json_one_chain(fitted):
    res, out, _, caught = fitted
    assert res.exit_code == 0, (res.output, res.exception)
    result = json.loads(res.stdout)
    assert result["out"] == str(out) and out.is_file()
    diag = result["diagnostics"]
    assert diag["rhat_max"] is None
    assert not any("R-hat" in p for p in diag["problems"])
    assert any("bulk ESS" in p for p in diag["problems"])  # 40 draws cannot reach 400
    warned = [ln for ln in res.stderr.splitlines() if "NOT CONVERGED" in ln]
    assert warned == ["WARNING: NOT CONVERGED: " + "; ".join(diag["problems"])]  # once, not per problem
    leaked = [str(w.message) for w in caught
              if issubclass(w.category, (sampling.ConvergenceWarning, RuntimeWarning))]
    assert leaked == []


@pytest.mark.slow
def test_fit_out_records_command_line_and_overrides(fitted):
    _, out, argv, _ = fitted
    tree = xr.open_datatree(out, engine="h5netcdf")
    attrs = dict(tree.attrs)
    tree.close()
    assert attrs["command_line"] == shlex.join(argv)
    assert (int(attrs["draws"]), int(attrs["tune"]), int(attrs["chains"]), int(attrs["seed"])) == (40, 40, 1, 3)
    assert attrs["sampler"] == "nutpie"
    overrides = json.loads(attrs["overrides"])
    assert overrides["fixed"] == {"sin2_theta_w": 0.24}
    assert overrides["priors"] == {"cevns_scale": "uniform(0,2)"}
    assert overrides["share_flux"] is True
    assert overrides["likelihood"] == {"coherent_ar_2020": "poisson"}
    assert overrides["free"] == [] and overrides["extra"] == [] and overrides["osc_prior"] == []


@pytest.mark.slow
def test_show_prints_the_provenance(fitted):
    _, out, argv, _ = fitted
    res = runner.invoke(app, ["show", str(out)])
    assert res.exit_code == 0, res.output
    assert f"command_line: {shlex.join(argv)}" in res.stdout
    assert '"sin2_theta_w": 0.24' in res.stdout and "model_card_name: sm_scaled" in res.stdout
    as_json = json.loads(runner.invoke(app, ["show", str(out), "--json"]).stdout)
    assert json.loads(as_json["overrides"])["priors"] == {"cevns_scale": "uniform(0,2)"}
    assert as_json["seed"] == 3
