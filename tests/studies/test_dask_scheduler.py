"""A mass scan on a real Dask scheduler process on localhost: the client and a worker are killed
mid-scan, and the same command resumes from the slices written before the kill."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

DASK = str(Path(sys.executable).parent / "dask")
#: enough slices that the kill after the first lands mid-scan (a CsI slice takes ~0.1 s)
N_MASSES = 25
SCAN = [sys.executable, "-m", "bayes_cevns.cli", "limits", "universal", "--data", "coherent_csi_2021",
        "--masses", f"1:1000:{N_MASSES}"]


def _wait_for(predicate, timeout: float, what: str) -> None:
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.02)


def _worker(address: str) -> subprocess.Popen:
    return subprocess.Popen([DASK, "worker", address, "--nthreads", "1", "--nworkers", "1", "--no-dashboard",
                             "--memory-limit", "0"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


@pytest.fixture
def scheduler(tmp_path):
    """A scheduler process (random port) and a handle to start workers; everything killed afterwards."""
    info = tmp_path / "scheduler.json"
    procs = [subprocess.Popen([DASK, "scheduler", "--scheduler-file", str(info), "--port", "0", "--no-dashboard"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)]
    _wait_for(lambda: info.is_file() and info.stat().st_size > 0, 60, "the scheduler file")
    address = json.loads(info.read_text())["address"]

    def start_worker() -> subprocess.Popen:
        procs.append(_worker(address))
        return procs[-1]

    yield address, start_worker
    for p in procs:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
        p.wait()


def _slices(out: Path) -> dict[str, tuple[int, bytes]]:
    folder = out / "slices"
    return {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in folder.glob("*.json")} if folder.is_dir() else {}


@pytest.mark.slow
def test_scan_on_a_scheduler_survives_kills_and_resumes(tmp_path, scheduler):
    address, start_worker = scheduler
    out = tmp_path / "scan"
    cmd = [*SCAN, "--out", str(out), "--scheduler", address]
    worker = start_worker()
    client = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    _wait_for(lambda: len(_slices(out)) >= 1 or client.poll() is not None, 600, "the first slice")
    client.kill()  # the client dies mid-scan (SIGKILL: no clean-up of its own)
    os.killpg(worker.pid, signal.SIGKILL)  # and so does the worker (nanny and process) on the next slice
    client.wait()
    before = _slices(out)
    assert 1 <= len(before) < N_MASSES, "the kill came too late to test resuming"
    assert not list(out.rglob("*.tmp"))

    start_worker()
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    after = _slices(out)
    assert len(after) == N_MASSES
    for name, state in before.items():  # what was written before the kill is kept, not recomputed
        assert after[name] == state
    summary = out / "universal__coherent_csi_2021.json"
    rows = json.loads(summary.read_text())["rows"]
    assert [r["mass_mev"] for r in rows] == pytest.approx(np.geomspace(1.0, 1000.0, N_MASSES))
    assert all(r["chi2"] > 0 for r in rows)

    again = subprocess.run(cmd, capture_output=True, text=True, timeout=300)  # nothing left to compute
    assert again.returncode == 0, again.stderr
    assert _slices(out) == after
    assert json.loads(summary.read_text())["rows"] == rows  # the merge is deterministic
