"""Global CEvNS: COHERENT CsI/Ar with XENONnT solar 8B (SR0-SR2), SM parameters, NSI and light mediators.

Usage: ``python analyses/global_cevns.py [--draws 1000 --tune 1000 --chains 4] [--workers 2] [--out results]``

Writes ``<out>/global_cevns.{json,md}`` and ``<out>/global_corner.png``
(:mod:`bayes_cevns.studies.global_cevns`); the mediator slices are checkpointed under
``<out>/global_slices`` so an interrupted run resumes.
"""

import argparse
from pathlib import Path

from bayes_cevns.studies.global_cevns import compute_global, write_global


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--tune", type=int, default=1000)
    ap.add_argument("--chains", type=int, default=4)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--n-grid", type=int, default=201)
    ap.add_argument("--out", default="results")
    a = ap.parse_args()
    out = Path(a.out)
    result = compute_global(out / "global_slices", a.draws, a.tune, a.chains, a.seed, a.workers, n_grid=a.n_grid)
    write_global(result, out)
    print((out / "global_cevns.md").read_text())


if __name__ == "__main__":
    main()
