"""Checksummed data access and the command-line interface's error contract.

Each test works on a private copy of ``data/`` selected with ``$BAYES_CEVNS_DATA``; the
process-wide caches (manifest, experiments) are cleared before and after so that no corrupted
state leaks into other tests.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from bayes_cevns.cli import app
from bayes_cevns.experiments import data as data_mod
from bayes_cevns.experiments import load_experiment
from bayes_cevns.experiments.data import DataIntegrityError
from support import REPO_ROOT, clear_data_caches

REPO = REPO_ROOT
DATA = REPO / "data"
CONSOLE = Path(sys.executable).parent / "bayes-cevns"

#: (release, file, experiment) triples to corrupt: event lists, coefficient tables, PDFs, YAML
TARGETS = [
    ("coherent_csi_2021", "dataBeamOnC.txt", "coherent_csi_2021"),
    ("coherent_csi_2021", "effCoefficients.txt", "coherent_csi_2021"),
    ("coherent_csi_2021", "brnTrec.txt", "coherent_csi_2021"),
    ("coherent_ar_2020", "cevnspdf.txt", "coherent_ar_2020"),
    ("coherent_ar_2020", "LArParametersAnlA.yaml", "coherent_ar_2020"),
]


pytestmark = pytest.mark.usefixtures("fast_compile")




def _manifest_names(release: str) -> set[str]:
    names = set()
    for line in (DATA / "SHA256SUMS").read_text().splitlines():
        if line.strip():
            names.add(line.split()[1])
    return {n for n in names if n.startswith(release + "/")}


# --------------------------------------------------------------------------------------
# Library level
# --------------------------------------------------------------------------------------
def test_untouched_copy_loads(data_copy):
    assert data_mod.data_dir() == data_copy
    exp = load_experiment("coherent_csi_2021")
    assert exp.observed.sum() == 1578
    assert set(exp.checksums) == _manifest_names("coherent_csi_2021")
    # the recorded checksums are the real SHA-256 of the copied files
    import hashlib

    for rel, digest in exp.checksums.items():
        assert hashlib.sha256((data_copy / rel).read_bytes()).hexdigest() == digest
    ar = load_experiment("coherent_ar_2020")
    assert ar.observed.sum() == 3752


@pytest.mark.parametrize("release, fname, experiment", TARGETS)
def test_appended_byte_is_detected(data_copy, release, fname, experiment):
    with open(data_copy / release / fname, "ab") as fh:
        fh.write(b" ")
    with pytest.raises(DataIntegrityError, match=fname.replace("+", r"\+")) as err:
        load_experiment(experiment)
    assert "checksum" in str(err.value)


@pytest.mark.parametrize("release, fname, experiment", TARGETS)
def test_truncated_file_is_detected(data_copy, release, fname, experiment):
    path = data_copy / release / fname
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(DataIntegrityError, match=fname):
        load_experiment(experiment)


def test_same_length_edit_is_detected(data_copy):
    """A changed digit (file size unchanged) still fails the checksum."""
    path = data_copy / "coherent_csi_2021" / "effCoefficients.txt"
    text = path.read_text()
    new = text.replace("10.8646", "10.8647", 1)
    assert new != text and len(new) == len(text)
    path.write_text(new)
    with pytest.raises(DataIntegrityError, match="effCoefficients.txt"):
        load_experiment("coherent_csi_2021")


@pytest.mark.parametrize("release, fname, experiment", TARGETS)
def test_missing_file_is_detected(data_copy, release, fname, experiment):
    (data_copy / release / fname).unlink()
    with pytest.raises(DataIntegrityError, match="missing") as err:
        load_experiment(experiment)
    assert fname in str(err.value)


def test_missing_manifest_is_detected(data_copy):
    (data_copy / "SHA256SUMS").unlink()
    with pytest.raises(DataIntegrityError, match="missing checksum manifest"):
        load_experiment("coherent_csi_2021")


def test_corruption_of_other_release_does_not_block(data_copy):
    """Checks are per file: a broken Ar file does not stop the CsI release from loading."""
    (data_copy / "coherent_ar_2020" / "cevnspdf.txt").write_text("0 0 0 0\n")
    assert load_experiment("coherent_csi_2021").observed.sum() == 1578
    with pytest.raises(DataIntegrityError):
        load_experiment("coherent_ar_2020")


# --------------------------------------------------------------------------------------
# CLI: in-process (typer's CliRunner) and through the installed console script
# --------------------------------------------------------------------------------------
runner = CliRunner()


def _one_error_line(text: str) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, text
    assert lines[0].startswith("error:"), text
    return lines[0]


@pytest.mark.parametrize("args, needle", [
    (["predict", "coherent_nope"], "coherent_nope"),
    (["predict", "coherent_csi_2021", "--model", "no_such_card"], "no_such_card"),
    (["predict", "coherent_csi_2021", "--set", "foo=1"], "foo"),
    (["predict", "coherent_csi_2021", "--set", "rn_cs=-1"], "rn_cs"),
    (["predict", "coherent_csi_2021", "--set", "sin2_theta_w=1.5"], "sin2_theta_w"),
    (["predict", "coherent_csi_2021", "--set", "sin2_theta_w=nan"], "sin2_theta_w"),
    (["predict", "coherent_csi_2021", "--set", "rn_cs"], "NAME=VALUE"),
    (["fit", "sm_scaled", "--data", "coherent_nope"], "coherent_nope"),
    (["fit", "sm_scaled", "--data", "coherent_csi_2021", "--prior", "cevns_scale=uniform(1,0)"], "lower"),
    (["profile", "sm_scaled", "--param", "cevns_scale_csi", "--grid", "1:0:5",
      "--data", "coherent_csi_2021"], "LO < HI"),
])
def test_cli_user_errors(args, needle):
    res = runner.invoke(app, args)
    assert res.exit_code == 2, (res.exit_code, res.output, res.exception)
    line = _one_error_line(res.stderr)
    assert needle in line
    assert "Traceback" not in res.output


def test_cli_corrupted_data_in_process(data_copy):
    with open(data_copy / "coherent_csi_2021" / "dataBeamOnC.txt", "ab") as fh:
        fh.write(b"1")
    res = runner.invoke(app, ["predict", "coherent_csi_2021", "--json"])
    assert res.exit_code != 0
    line = _one_error_line(res.stderr)
    assert "dataBeamOnC.txt" in line
    assert res.stdout.strip() == ""


def _run(args, env=None):
    e = dict(os.environ)
    e.update(env or {})
    # the exit codes, messages and JSON do not depend on the backend; FAST_COMPILE avoids a
    # ~90 s cold Numba compile of the prediction graph in every fresh process
    e["PYTENSOR_FLAGS"] = ",".join(filter(None, [e.get("PYTENSOR_FLAGS"), "mode=FAST_COMPILE"]))
    return subprocess.run([str(CONSOLE), *args], capture_output=True, text=True, env=e, timeout=300,
                          cwd=str(REPO))


def test_console_script_corrupted_data(tmp_path):
    assert CONSOLE.exists()
    dst = tmp_path / "data"
    shutil.copytree(DATA, dst)
    path = dst / "coherent_csi_2021" / "ninPE.txt"
    path.write_bytes(path.read_bytes()[:-10])
    res = _run(["predict", "coherent_csi_2021"], env={"BAYES_CEVNS_DATA": str(dst)})
    assert res.returncode != 0
    line = _one_error_line(res.stderr)
    assert "ninPE.txt" in line
    assert "Traceback" not in res.stderr


def test_console_script_bad_value_exit_code():
    res = _run(["predict", "coherent_csi_2021", "--set", "rn_cs=-1"])
    assert res.returncode == 2
    assert "rn_cs" in _one_error_line(res.stderr)


def test_console_script_predict_json():
    from bayes_cevns.model.cards import load_card
    from bayes_cevns.model.predict import predict_counts

    res = _run(["predict", "coherent_csi_2021", "--json"])
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["experiment"] == "coherent_csi_2021"
    assert out["model"] == "sm"
    assert set(out["counts"]) == {"cevns", "brn", "nin", "ss"}
    assert out["counts"]["ss"] == 1295
    ref = predict_counts(load_card("sm"), "coherent_csi_2021", {})["counts"]
    for k, v in ref.items():
        np.testing.assert_allclose(out["counts"][k], v, rtol=1e-9)


def test_cli_set_changes_prediction_json():
    """--set is applied: a larger Cs neutron radius lowers the CEvNS count, BRN unchanged."""
    base = json.loads(runner.invoke(app, ["predict", "coherent_csi_2021", "--json"]).stdout)
    res = runner.invoke(app, ["predict", "coherent_csi_2021", "--json", "--set", "rn_cs=6.0"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["parameters"]["rn_cs"] == 6.0
    assert out["counts"]["cevns"] < base["counts"]["cevns"]
    assert out["counts"]["brn"] == base["counts"]["brn"]


def _replace_with_checksum(root: Path, rel: str, text: str) -> None:
    """Rewrite ``root/rel`` and update its manifest line, so that only the content is wrong."""
    (root / rel).write_text(text)
    manifest = root / "SHA256SUMS"
    lines = [ln for ln in manifest.read_text().splitlines() if not ln.endswith(" " + rel)]
    manifest.write_text("\n".join(lines + [f"{data_mod.sha256(root / rel)}  {rel}"]) + "\n")
    clear_data_caches()


def test_changed_column_count_names_the_file(data_copy):
    rel = "coherent_csi_2021/effCoefficients.txt"
    text = (data_copy / rel).read_text().splitlines()
    _replace_with_checksum(data_copy, rel, "\n".join(text + ["1 2 3 4 5 6 7"]) + "\n")
    with pytest.raises(DataIntegrityError, match="effCoefficients.txt"):
        load_experiment("coherent_csi_2021")


def test_manifest_line_without_a_name(data_copy):
    manifest = data_copy / "SHA256SUMS"
    manifest.write_text(manifest.read_text() + "0123abcd\n")
    clear_data_caches()
    with pytest.raises(DataIntegrityError, match=r"SHA256SUMS, line \d+"):
        load_experiment("coherent_csi_2021")


def test_corrupt_setup_table_names_the_file(data_copy):
    from bayes_cevns.experiments import projected_setups

    projected_setups.setup_table.cache_clear()
    _replace_with_checksum(data_copy, "projected/setups.toml", "[experiment.conus\nlabel = 1\n")
    try:
        with pytest.raises(DataIntegrityError, match="setups.toml is not valid TOML"):
            projected_setups.projection_setups()
    finally:
        projected_setups.setup_table.cache_clear()
