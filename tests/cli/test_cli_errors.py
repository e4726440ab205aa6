"""Every command turns bad input into one ``error:`` line on stderr and a non-zero exit, before
any model is built or compiled; every option is documented."""

import json
import os
import sys

import pytest
import typer
from typer.testing import CliRunner

from bayes_cevns.cli import app
from bayes_cevns.model.cards import CardError

runner = CliRunner()
CSI = ["--data", "coherent_csi_2021"]
#: a folder no one can write in, root included (procfs)
UNWRITABLE = "/proc/bayes-cevns-test/post.nc"


#: (id, argv, text the error line must contain) for every command; {tmp} is a writable folder
#: holding a folder dir.png, {file} a plain file that is no result
CASES = [
    ("predict-experiment", ["predict", "coherent_nope"], "coherent_nope"),
    ("predict-card", ["predict", "coherent_csi_2021", "--model", "no_such_card"], "no_such_card"),
    ("predict-set", ["predict", "coherent_csi_2021", "--set", "rn_cs"], "NAME=VALUE"),
    ("predict-plot-folder", ["predict", "coherent_csi_2021", "--plot", "{tmp}/missing/fig.png"], "does not exist"),
    ("predict-plot-format", ["predict", "coherent_csi_2021", "--plot", "{tmp}/fig.xyz"], "xyz"),
    ("predict-plot-onto-folder", ["predict", "coherent_csi_2021", "--plot", "{tmp}/dir.png"], "is a folder"),
    ("fit-card", ["fit", "no_such_card", *CSI], "no_such_card"),
    ("fit-experiment", ["fit", "sm_scaled", "--data", "coherent_nope"], "coherent_nope"),
    ("fit-set", ["fit", "sm_scaled", *CSI, "--set", "sin2_theta_w"], "NAME=VALUE"),
    ("fit-set-number", ["fit", "sm_scaled", *CSI, "--set", "sin2_theta_w=abc"], "not a number"),
    ("fit-prior", ["fit", "sm_scaled", *CSI, "--prior", "cevns_scale"], "NAME=dist(args)"),
    ("fit-out-unwritable", ["fit", "sm_scaled", *CSI, "--out", UNWRITABLE], "cannot write"),
    ("fit-out-folder", ["fit", "sm_scaled", *CSI, "--out", "{tmp}"], "is a folder"),
    ("fit-out-below-file", ["fit", "sm_scaled", *CSI, "--out", "{file}/post.nc"], "not a folder"),
    ("fit-sampler", ["fit", "sm_scaled", *CSI, "--sampler", "metropolis"], "metropolis"),
    ("fit-draws", ["fit", "sm_scaled", *CSI, "--draws", "0"], "draws"),
    ("fit-osc-table", ["fit", "nsi", *CSI, "--osc-table", "nofile.csv"], "--osc-table"),
    ("compare-prob", ["compare", "sm_scaled", *CSI, "--prob", "2"], "--prob"),
    ("compare-card", ["compare", "no_such_card", *CSI], "no_such_card"),
    ("profile-grid-order", ["profile", "sm_scaled", "--param", "cevns_scale_csi", "--grid", "1:0:5", *CSI], "LO < HI"),
    ("profile-grid-text", ["profile", "sm_scaled", "--param", "cevns_scale_csi", "--grid", "a:b:c", *CSI], "--grid"),
    ("profile-grid-parts", ["profile", "sm_scaled", "--param", "cevns_scale_csi", "--grid", "1:2", *CSI], "LO:HI:N"),
    ("profile-experiment", ["profile", "sm_scaled", "--param", "x", "--grid", "0:1:3", "--data", "coherent_nope"], "coherent_nope"),
    ("limit-card", ["limit", "no_such_card"], "no_such_card"),
    ("limit-method", ["limit", "universal", "--method", "frequentist"], "frequentist"),
    ("limits-masses", ["limits", "universal", "--out", "{tmp}", "--masses", "10:1:5"], "--masses"),
    ("limits-experiment", ["limits", "universal", "--out", "{tmp}", "--data", "coherent_nope"], "coherent_nope"),
    ("limits-out-file", ["limits", "universal", "--out", "{file}", *CSI], "not a folder"),
    ("limits-cl", ["limits", "universal", "--out", "{tmp}", *CSI, "--cl", "1.5"], "1.5"),
    ("limit-table-card", ["limit-table", "--out", "{tmp}", "--models", "no_such_card"], "no_such_card"),
    ("limit-table-out-file", ["limit-table", "--out", "{file}", "--models", "universal"], "not a folder"),
    ("g2-table-out-file", ["g2-table", "--out", "{file}"], "not a folder"),
    ("sensitivity-experiment", ["sensitivity", "left_right", "--experiment", "coherent_xe"], "coherent_xe"),
    ("projection-table-out", ["projection-table", "--out", "/proc/bayes-cevns-test"], "cannot write"),
    ("nsi-table-grid", ["nsi-table", "--out", "{tmp}", "--grid", "3"], "--grid"),
    ("nsi-table-cl", ["nsi-table", "--out", "{tmp}", "--cl", "1.5"], "1.5"),
    ("lma-dark-weight", ["lma-dark", "--out", "{tmp}", "--weight-dark", "2"], "--weight-dark"),
    ("lma-dark-experiment", ["lma-dark", "--out", "{tmp}", "--data", "coherent_nope"], "coherent_nope"),
    ("lma-dark-masses", ["lma-dark", "--out", "{tmp}", "--masses", "1:2"], "--masses"),
    ("show-missing", ["show", "{tmp}/missing.nc"], "no such file"),
    ("show-not-a-result", ["show", "{file}"], "neither"),
]


def _one_error_line(stderr: str) -> str:
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error:"), stderr
    return lines[0]


@pytest.fixture
def paths(tmp_path):
    """A writable folder holding a folder ``dir.png`` and a plain (non-result) file ``file.txt``."""
    (tmp_path / "dir.png").mkdir()
    a_file = tmp_path / "file.txt"
    a_file.write_text("not a result\n")
    return str(tmp_path), str(a_file)


@pytest.mark.parametrize("args, needle", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_one_error_line(args, needle, paths):
    args = [a.format(tmp=paths[0], file=paths[1]) for a in args]
    before = sorted(os.listdir(paths[0]))
    res = runner.invoke(app, args)
    assert res.exit_code == 2, (args, res.exit_code, res.output, res.exception)
    line = _one_error_line(res.stderr)
    assert needle in line, line
    assert "Traceback" not in res.output
    assert sorted(os.listdir(paths[0])) == before  # nothing written


def test_numpyro_missing_is_reported_before_building(monkeypatch, tmp_path):
    """--sampler numpyro without numpyro/jax: one line naming the extra, and no model built."""
    built = []
    monkeypatch.setitem(sys.modules, "numpyro", None)  # makes ``import numpyro`` fail
    monkeypatch.setattr("bayes_cevns.inference.fitting.build_model", lambda *a, **k: built.append(a))
    res = runner.invoke(app, ["fit", "sm_scaled", *CSI, "--sampler", "numpyro", "--out", str(tmp_path / "p.nc")])
    assert res.exit_code == 2, res.output
    line = _one_error_line(res.stderr)
    assert "numpyro" in line and "pip install" in line
    assert built == [] and os.listdir(tmp_path) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write any file")
def test_read_only_existing_out_is_refused(tmp_path):
    out = tmp_path / "post.nc"
    out.write_bytes(b"previous result")
    out.chmod(0o444)
    res = runner.invoke(app, ["fit", "sm_scaled", *CSI, "--out", str(out)])
    assert res.exit_code == 2
    assert "not writable" in _one_error_line(res.stderr)
    assert out.read_bytes() == b"previous result"


class BuildCalled(CardError):
    """Raised by the stand-in model builder: the command got past its input checks."""


@pytest.fixture
def build_spy(monkeypatch):
    """Replace the model builder (where it is defined and where run_fit looks it up) by a recorder
    that stops the command with a user error."""
    calls = []

    def fake_build(*args, **kwargs):
        calls.append(args)
        raise BuildCalled("stand-in build_model reached")

    monkeypatch.setattr("bayes_cevns.model.build.build_model", fake_build)
    monkeypatch.setattr("bayes_cevns.inference.fitting.build_model", fake_build)
    return calls


@pytest.mark.parametrize("out", ["FOLDER", UNWRITABLE, "FILE/post.nc"], ids=["folder", "unwritable", "below-a-file"])
def test_out_is_checked_before_the_model_is_built(out, build_spy, tmp_path):
    (tmp_path / "file").write_text("x")
    out = out.replace("FOLDER", str(tmp_path)).replace("FILE", str(tmp_path / "file"))
    res = runner.invoke(app, ["fit", "sm_scaled", *CSI, "--out", out])
    assert res.exit_code == 2
    assert "stand-in" not in _one_error_line(res.stderr)
    assert build_spy == []


def test_a_good_out_reaches_the_model_builder(build_spy, tmp_path):
    """The control for the test above: with a writable --out the (stand-in) builder is called."""
    out = tmp_path / "new" / "post.nc"
    res = runner.invoke(app, ["fit", "sm_scaled", *CSI, "--out", str(out)])
    assert res.exit_code == 2
    assert "stand-in build_model reached" in _one_error_line(res.stderr)
    assert len(build_spy) == 1
    assert not out.exists() and not out.parent.exists()


def test_plot_is_checked_before_predicting(monkeypatch, tmp_path):
    """predict --plot into a missing folder fails before the prediction is computed."""
    calls = []
    monkeypatch.setattr("bayes_cevns.api.predict_counts", lambda *a, **k: calls.append(a))
    res = runner.invoke(app, ["predict", "coherent_csi_2021", "--plot", str(tmp_path / "no" / "fig.png")])
    assert res.exit_code == 2 and "does not exist" in _one_error_line(res.stderr)
    assert calls == []


def _commands():
    group = typer.main.get_command(app)
    return [(name, cmd) for name, cmd in group.commands.items()] + [("(root)", group)]


@pytest.mark.parametrize("name, command", _commands(), ids=[n for n, _ in _commands()])
def test_every_option_has_help_and_no_rest_markup(name, command):
    for p in command.params:
        if p.param_type_name == "option":
            assert (p.help or "").strip(), f"{name} {p.opts} has no help"
        assert "``" not in (getattr(p, "help", None) or ""), (name, p.opts)
    assert "``" not in (command.help or ""), name


@pytest.mark.parametrize("args", [["-h"], ["fit", "-h"], ["limits", "-h"]])
def test_short_help_alias(args):
    short, long = runner.invoke(app, args), runner.invoke(app, [*args[:-1], "--help"])
    assert short.exit_code == 0 and short.stdout == long.stdout
    assert "Usage:" in short.stdout


def test_show_reads_the_provenance_of_a_json_result(tmp_path):
    path = tmp_path / "scan.json"
    path.write_text(json.dumps({"rows": [], "provenance": {"seed": 3, "model_card_name": "universal",
                                                          "data_sha256": json.dumps({"a.txt": "ff"})}}))
    res = runner.invoke(app, ["show", str(path), "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout) == {"seed": 3, "model_card_name": "universal", "data_sha256": '{"a.txt": "ff"}'}
    text = runner.invoke(app, ["show", str(path)]).stdout
    assert "model_card_name: universal" in text and '"a.txt": "ff"' in text
    path.write_text(json.dumps({"rows": []}))
    res = runner.invoke(app, ["show", str(path)])
    assert res.exit_code == 2 and "provenance" in _one_error_line(res.stderr)
