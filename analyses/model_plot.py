"""(M, g) figure of one model for CsI, Ar and CsI+Ar, as [LM] Figs. 4-8.

Usage: ``python analyses/model_plot.py universal --masses 0.01:10000:24 --out results``

Runs (or resumes) the three mass scans with checkpoints under ``<out>`` and draws the per-mass
limits (``<model>_limits.png``) and the joint (M, g) regions (``<model>_plane.png``).
"""

import argparse

from bayes_cevns.inference.limits import plane
from bayes_cevns.plotting import plot_limits, plot_plane
from bayes_cevns.studies.scan import DATASETS, load_slices, parse_masses, run_scan


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--masses", default="0.01:10000:24")
    ap.add_argument("--out", default="results")
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    masses = parse_masses(a.masses)
    results, planes = [], {}
    for data in DATASETS:
        results.append(run_scan(a.model, data, masses, a.out, workers=a.workers))
        planes["+".join(data)] = plane(load_slices(a.out, a.model, data, masses))
    print(plot_limits(results, f"{a.out}/{a.model}_limits.png"))
    print(plot_plane(planes, a.model, f"{a.out}/{a.model}_plane.png"))


if __name__ == "__main__":
    main()
