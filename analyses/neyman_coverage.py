"""Coverage of the Wilks limits on the universal Z' and their Neyman correction (CsI, Ar, CsI+Ar).

Usage: ``python analyses/neyman_coverage.py [--toys 2000] [--data csi|ar|csi+ar ...] [--out results]``

Each (dataset, mass) point is written to ``<out>/neyman/`` as it finishes, so several processes may
share the points (one ``--data`` each) and a rerun resumes; every run then merges what exists into
``<out>/neyman_coverage.{md,json}`` (:mod:`bayes_cevns.studies.neyman_coverage`).
"""

import argparse

from bayes_cevns.experiments import load_experiment
from bayes_cevns.experiments.datasets import COHERENT_COMBINATIONS
from bayes_cevns.io import provenance
from bayes_cevns.model.cards import load_card
from bayes_cevns.studies.neyman_coverage import CARD, MASSES_MEV, run_points, write_coverage

LABELS = {"csi": COHERENT_COMBINATIONS[0], "ar": COHERENT_COMBINATIONS[1], "csi+ar": COHERENT_COMBINATIONS[2]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--toys", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--data", nargs="+", choices=sorted(LABELS), default=sorted(LABELS))
    ap.add_argument("--masses", type=float, nargs="+", default=list(MASSES_MEV))
    ap.add_argument("--out", default="results")
    a = ap.parse_args()
    run_points(a.out, [LABELS[d] for d in a.data], a.masses, a.toys, a.seed)
    exps = [load_experiment(e) for e in COHERENT_COMBINATIONS[2]]
    write_coverage(a.out, provenance(load_card(CARD), exps, seed=a.seed, n_toys=a.toys))


if __name__ == "__main__":
    main()
