"""The statistics engine against an older revision, in one run: one mass slice and the three tables.

Usage: ``python benchmarks/engine_speed.py [--old REV] [--only slice,limit,limit-table,g2-table,nsi-table]``

``slice``: the compute time of one universal-model CsI+Ar mass slice at 0.1 MeV and at 10 GeV
(``MediatorScan.slice``, after the scan is compiled), both revisions in their own process. Every
other entry is a command that runs as ``bayes-cevns ...`` in a fresh Python process, first from a checkout of
``REV`` (``git worktree`` in a temporary folder, imported through ``PYTHONPATH``, the same
virtual environment) and then from this tree; tables start from empty output folders, and both
revisions use their own, already warm, compile caches (run the benchmark twice to make sure).
Prints the wall times of both and their ratio, as JSON.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MAIN = "from bayes_cevns.cli import {entry}; {entry}()"
#: compute-only measurements: programs that print the seconds they measured
PROGRAMS = {"slice": """
import time
from bayes_cevns.inference.limits import MediatorScan
scan = MediatorScan("universal", ["coherent_csi_2021", "coherent_ar_2020"])
t0 = time.perf_counter()
for mass in (0.1, 1.0e4):
    scan.slice(mass)
print(time.perf_counter() - t0)
"""}
#: end-to-end measurements: ``bayes-cevns`` command lines (``{out}``: an empty folder)
COMMANDS = {
    "limit": ["limit", "universal", "--data", "coherent_csi_2021,coherent_ar_2020", "--mass", "0.1",
              "--method", "chi2", "--json"],
    "limit-table": ["limit-table", "--out", "{out}", "--workers", "2"],
    "g2-table": ["g2-table", "--out", "{out}", "--workers", "2"],
    "nsi-table": ["nsi-table", "--out", "{out}"],
}


def program_time(tree: Path, source: str) -> float:
    """The seconds a program of :data:`PROGRAMS` prints, run with the package in ``tree``."""
    run = subprocess.run([sys.executable, "-c", source], cwd=tree, env={**os.environ, "PYTHONPATH": str(tree)},
                         check=True, capture_output=True, text=True)
    return float(run.stdout.strip().splitlines()[-1])


def command_time(tree: Path, entry: str, args: list[str]) -> float:
    """Wall time of ``bayes-cevns args`` run from the package in ``tree``."""
    with tempfile.TemporaryDirectory() as out:
        cmd = [sys.executable, "-c", MAIN.format(entry=entry), *(a.format(out=out) for a in args)]
        t0 = time.perf_counter()
        subprocess.run(cmd, cwd=tree, env={**os.environ, "PYTHONPATH": str(tree)}, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old", default="b0ee6ae",
                    help="the older revision (default: the one the engine targets were set on)")
    ap.add_argument("--only", default=",".join([*PROGRAMS, *COMMANDS]))
    a = ap.parse_args()
    names = [n.strip() for n in a.only.split(",")]
    unknown = sorted(set(names) - set(PROGRAMS) - set(COMMANDS))
    if unknown:
        raise SystemExit(f"error: unknown measurement(s) {unknown}; choose from {[*PROGRAMS, *COMMANDS]}")
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / "old"
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(old), a.old], check=True,
                       capture_output=True)
        try:
            rows = {}
            for name in names:
                if name in PROGRAMS:
                    before, after = program_time(old, PROGRAMS[name]), program_time(REPO, PROGRAMS[name])
                else:
                    before, after = command_time(old, "app", COMMANDS[name]), command_time(REPO, "main", COMMANDS[name])
                rows[name] = {"old_s": round(before, 1), "new_s": round(after, 1), "speed_up": round(before / after, 1)}
                print(name, json.dumps(rows[name]), flush=True)
        finally:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(old)], check=True)
    print(json.dumps({"old": a.old, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
