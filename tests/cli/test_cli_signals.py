"""SIGINT / SIGTERM: a fit exits with 130 / 143 and leaves --out untouched; a scan keeps its
finished slices and says how to resume. Also the guard that stops samplers from handing back
partial chains."""

import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bayes_cevns.signals import Interrupted, stop_on_signals

REPO = Path(__file__).resolve().parents[2]
CONSOLE = Path(sys.executable).parent / "bayes-cevns"


def _swallowing_sampler(signum: int) -> str:
    """What nutpie and PyMC do on Ctrl-C: catch KeyboardInterrupt and return partial draws."""
    try:
        os.kill(os.getpid(), signum)
        time.sleep(5)
    except KeyboardInterrupt:
        return "partial chains"
    return "complete chains"


@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_guard_raises_even_when_the_sampler_swallows_the_interrupt(signum, code):
    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    kept = []
    with pytest.raises(Interrupted) as err:
        with stop_on_signals():
            kept.append(_swallowing_sampler(signum))
    assert kept == ["partial chains"]  # the sampler did return; the guard still raised
    assert err.value.exit_code == code
    assert {s: signal.getsignal(s) for s in before} == before


def test_guard_is_silent_without_a_signal():
    with stop_on_signals():
        result = sum(range(10))
    assert result == 45


def _spawn_on_a_terminal(args: list[str]) -> tuple[subprocess.Popen, int]:
    """Start the console script with stdout and stderr on a pseudo-terminal (so the stage
    spinner is shown); returns the process and the terminal's reading end."""
    reader, writer = pty.openpty()
    proc = subprocess.Popen([str(CONSOLE), *args], stdout=writer, stderr=writer, stdin=subprocess.DEVNULL,
                            cwd=str(REPO))
    os.close(writer)
    return proc, reader


def _read_until(reader: int, proc: subprocess.Popen, needle: bytes, timeout: float) -> bytes:
    """Terminal output until ``needle`` appears, the process ends or ``timeout`` seconds pass."""
    out, end = b"", time.monotonic() + timeout
    while needle not in out and time.monotonic() < end:
        ready, _, _ = select.select([reader], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(reader, 65536)
            except OSError:  # the process closed the terminal
                break
            out += chunk
        elif proc.poll() is not None:
            break
    return out


@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"])
def test_interrupted_fit_keeps_the_existing_out_file(tmp_path, signum, code):
    """fit with 2 x 20,000 draws: once the spinner says it samples, the signal stops it; the
    exit code is 128 + signal, the sentinel file at --out is byte-identical, no temporary file
    is left, and the last line says nothing was written."""
    out = tmp_path / "post.nc"
    out.write_bytes(b"sentinel: a good earlier result\n")
    proc, reader = _spawn_on_a_terminal(["fit", "sm_scaled", "--data", "coherent_csi_2021", "--draws", "20000",
                                         "--tune", "500", "--chains", "2", "--out", str(out)])
    try:
        seen = _read_until(reader, proc, b"sampling 2 chain(s)", timeout=240)
        assert b"sampling 2 chain(s)" in seen, seen[-2000:]
        time.sleep(1.0)
        assert proc.poll() is None, "the fit ended before it could be interrupted"
        proc.send_signal(signum)
        rest = _read_until(reader, proc, b"nothing was written", timeout=120)
        assert proc.wait(timeout=120) == code
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(reader)
    assert out.read_bytes() == b"sentinel: a good earlier result\n"
    assert os.listdir(tmp_path) == ["post.nc"]
    lines = [ln for ln in rest.decode(errors="replace").splitlines() if "interrupted" in ln]
    assert len(lines) == 1 and f"nothing was written to {out}" in lines[0], rest
    assert b"Traceback" not in seen + rest


@pytest.mark.slow
def test_interrupted_scan_keeps_slices_and_says_how_to_resume(tmp_path):
    """limits (in process, no Dask): SIGINT once the first slice is saved -> exit 130, one line on
    stderr, and the saved slice files stay."""
    slices = tmp_path / "slices"
    proc = subprocess.Popen([str(CONSOLE), "limits", "universal", "--data", "coherent_csi_2021", "--masses",
                             "0.1:1000:6", "--workers", "0", "--out", str(tmp_path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=str(REPO))
    try:
        end = time.monotonic() + 240
        while not (slices.is_dir() and any(slices.iterdir())) and time.monotonic() < end and proc.poll() is None:
            time.sleep(0.2)
        done = sorted(p.name for p in slices.iterdir())
        assert done and proc.poll() is None
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("interrupted:") and "re-running the same command resumes" in lines[0]
    kept = sorted(p.name for p in slices.iterdir())
    assert set(done) <= set(kept) and len(kept) < 6


def _children(pid: int) -> set[int]:
    """Process ids of the direct children of ``pid`` (Linux /proc)."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found |= {int(c) for c in (task / "children").read_text().split()}
        except OSError:
            continue
    return found


def _in_mask(pid: int, field: str, signum: int) -> bool:
    """Whether ``signum`` is in the process's ``field`` mask (SigIgn, SigCgt) of /proc/<pid>/status."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return bool(int(line.split()[1], 16) & (1 << (signum - 1)))
    return False


def _ignores_sigint(pid: int) -> bool:
    return _in_mask(pid, "SigIgn", signal.SIGINT)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")
def test_ctrl_c_reaches_the_whole_group_during_a_dask_scan(tmp_path):
    """limits on a 2-worker local Dask cluster, SIGINT to the whole process group (what a
    terminal's Ctrl-C does) once the workers are up: exit 130, exactly one line on stderr (no Dask warnings or
    tracebacks from the workers), and no worker process outlives the command."""
    proc = subprocess.Popen([str(CONSOLE), "limits", "universal", "--data", "coherent_csi_2021", "--masses",
                             "0.1:1000:6", "--workers", "2", "--out", str(tmp_path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=str(REPO),
                            start_new_session=True)
    try:
        end = time.monotonic() + 240
        while ((len(workers := _children(proc.pid)) < 2 or _ignores_sigint(proc.pid))
               and time.monotonic() < end and proc.poll() is None):
            time.sleep(0.2)
        assert len(workers) >= 2 and proc.poll() is None, "the Dask workers never started"
        assert all(_ignores_sigint(w) for w in workers)
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("interrupted:"), err
    end = time.monotonic() + 30
    while any(_alive(w) for w in workers) and time.monotonic() < end:
        time.sleep(0.2)
    assert not any(_alive(w) for w in workers)


@pytest.mark.skipif(not Path("/proc/self/status").is_file(), reason="needs Linux /proc")
def test_sigterm_outside_sampling_is_one_line_and_143(tmp_path):
    """SIGTERM while ``limit`` compiles (no sampling guard around it): once the command has
    started its work (SIGTERM handler installed), the signal gives exit 143 and one ``interrupted:`` line on
    stderr, not a silent death by signal."""
    proc = subprocess.Popen([str(CONSOLE), "limit", "universal", "--mass", "10"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, cwd=str(REPO))
    try:
        end = time.monotonic() + 60
        while not _in_mask(proc.pid, "SigCgt", signal.SIGTERM) and time.monotonic() < end and proc.poll() is None:
            time.sleep(0.05)
        assert proc.poll() is None, "limit ended before the signal"
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 143, err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("interrupted:"), err
