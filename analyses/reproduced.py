"""Published numbers of [LAR], [LM] and [E6LR] recomputed in the paper's treatment and the package's own.

Usage: ``python analyses/reproduced.py [--out results] [--only lar|lm|e6lr]``

Writes ``reproduced.{md,json}`` (:mod:`bayes_cevns.studies.reproduced`); about 5 min on 2 cores.
"""

import argparse

from bayes_cevns.experiments import load_experiment
from bayes_cevns.io import provenance
from bayes_cevns.studies.reproduced import (
    AR,
    CSI,
    CSI17,
    compute_e6lr_bounds,
    compute_lar_bounds,
    compute_lm_universal,
    write_reproduced,
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="results")
    ap.add_argument("--only", choices=("lar", "lm", "e6lr"))
    a = ap.parse_args()
    lar = compute_lar_bounds() if a.only in (None, "lar") else None
    lm = compute_lm_universal() if a.only in (None, "lm") else None
    e6 = compute_e6lr_bounds() if a.only in (None, "e6lr") else None
    prov = provenance(experiments=[load_experiment(n) for n in (CSI, AR, CSI17)],
                      treatments="lar2021, lm2022, e6lr, full")
    write_reproduced(lar, lm, e6, a.out, prov)


if __name__ == "__main__":
    main()
