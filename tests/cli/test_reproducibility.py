"""The same seed gives bitwise-identical posteriors whatever the state of the compile caches."""

import json
import os
import subprocess
import sys

import pytest


def _fit(compiledir, out):
    env = dict(os.environ, PYTENSOR_FLAGS=f"compiledir={compiledir}", NUMBA_CACHE_DIR=str(compiledir / "numba"))
    cmd = [sys.executable, "-m", "bayes_cevns.cli", "fit", "sm_scaled", "--data", "coherent_csi_2021",
           "--draws", "100", "--tune", "100", "--chains", "2", "--seed", "1", "--out", str(out), "--json", "--quiet"]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.slow
def test_same_seed_same_posterior_cold_and_warm_cache(tmp_path):
    """Two fits with one empty compile cache each, and a third reusing the first (warm) one."""
    import xarray as xr

    cold_a = _fit(tmp_path / "cache_a", tmp_path / "a.nc")
    cold_b = _fit(tmp_path / "cache_b", tmp_path / "b.nc")
    warm_a = _fit(tmp_path / "cache_a", tmp_path / "c.nc")
    assert cold_a["parameters"] == cold_b["parameters"] == warm_a["parameters"]
    draws = [xr.open_datatree(tmp_path / f"{n}.nc", engine="h5netcdf")["posterior"]["cevns_scale_csi"].values
             for n in "abc"]
    assert (draws[0] == draws[1]).all() and (draws[0] == draws[2]).all()
