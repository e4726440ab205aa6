"""Two processes scanning into one folder at once: every slice file is whole, none is left half-written."""

import json
import subprocess
import sys

import pytest


@pytest.mark.slow
def test_two_scans_into_one_folder(tmp_path):
    cmd = [sys.executable, "-m", "bayes_cevns.cli", "limits", "universal", "--data", "coherent_csi_2021",
           "--masses", "1:100:2", "--workers", "0", "--out", str(tmp_path)]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=900) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err
    slices = sorted((tmp_path / "slices").iterdir())
    assert len(slices) == 2
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]
    for s in slices:
        content = json.loads(s.read_text())
        assert len(content["log10_g"]) == len(content["chi2"]) > 10
    summary = json.loads((tmp_path / "universal__coherent_csi_2021.json").read_text())
    assert [r["mass_mev"] for r in summary["rows"]] == pytest.approx([1.0, 100.0])
