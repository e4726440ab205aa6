"""(M, g) figures of the [LM] models for CsI, Ar and CsI+Ar, as [LM] Figs. 4-8.

Usage: ``python analyses/model_plot.py [MODEL ...] --out results --checkpoints scans``

Without models, all eleven of [LM] (:data:`bayes_cevns.studies.scan.LM_MODELS`). Every mass slice
of a model's three datasets is one task of a Dask map (checkpointed under ``--checkpoints``, so an
interrupted run resumes); then each model gets its per-mass limits (``<model>_limits.png``) and its
joint (M, g) regions (``<model>_plane.png``: chi^2 allowed region, 2 dof, and the 95.45% posterior
region) in ``--out``. The default mass grid is sparse on the low-mass plateau and has 40 masses
per decade above 10 MeV, where the interference strips run diagonally (g proportional to M): the
strip moves by 0.025 in log10 g from one mass column to the next, less than its width, so the
contours follow it as one band.
"""

import argparse
from pathlib import Path

from bayes_cevns.inference.limits import plane
from bayes_cevns.plotting import plot_limits, plot_plane
from bayes_cevns.studies.scan import DATASETS, LM_MODELS, compute_missing, load_slices, parse_masses, run_scan

PLANE_MASSES = "0.01:10:7,10:10000:121"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("models", nargs="*", default=list(LM_MODELS))
    ap.add_argument("--masses", default=PLANE_MASSES, help="LO:HI:N segments in MeV, joined by commas")
    ap.add_argument("--out", default="results", help="folder of the figures")
    ap.add_argument("--checkpoints", default=None, help="folder of the slice checkpoints (default: --out)")
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    masses = parse_masses(a.masses)
    ckpt = Path(a.checkpoints or a.out)
    for model in a.models:  # one cluster per model: its workers hold three compiled scans, not 33
        compute_missing([(model, tuple(d), float(x)) for d in DATASETS for x in masses], ckpt, workers=a.workers)
        results = [run_scan(model, d, masses, ckpt, workers=0, progress=False) for d in DATASETS]
        planes = {"+".join(d): plane(load_slices(ckpt, model, d, masses)) for d in DATASETS}
        print(plot_limits(results, f"{a.out}/{model}_limits.png"))
        print(plot_plane(planes, model, f"{a.out}/{model}_plane.png"))


if __name__ == "__main__":
    main()
