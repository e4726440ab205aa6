"""Coverage of the Wilks limits on the universal Z' and their Neyman correction, per dataset and mass.

For each (dataset, M): the Wilks limit g_W of the data (Delta chi^2 = 4, [LM]'s 2 sigma), toys
generated at (M, g_W) with every nuisance drawn from its constraint
(:func:`~bayes_cevns.inference.neyman.toy_delta_chi2`), the Neyman critical value c = the 95.45%
quantile of their Delta chi^2, the coverage P(t <= 4) of the Wilks limit, and the limit the data
give with threshold c instead of 4 (c held at its value at g_W: a first-order Neyman limit, exact
where c varies slowly in g).

Each point is one task written to its own file (``<out>/neyman/<card>__<data>__<mass>.json``), so
processes can share the work and an interrupted run resumes; :func:`write_coverage` merges them.
"""

import json
import time
from collections.abc import Sequence
from pathlib import Path

from bayes_cevns.experiments.datasets import COHERENT_COMBINATIONS, title
from bayes_cevns.inference.limits import MediatorScan
from bayes_cevns.inference.neyman import neyman_limit
from bayes_cevns.inference.slices import CL_2SIGMA, delta_chi2_threshold
from bayes_cevns.io import write_json_atomic, write_text_atomic

CARD = "universal"
#: the three masses of the table (MeV): the contact-like low-mass end, the propagator regime, heavy
MASSES_MEV = (0.01, 10.0, 1.0e4)
DATASETS = COHERENT_COMBINATIONS


def point_path(out: str | Path, card: str, experiments: Sequence[str], mass_mev: float) -> Path:
    return Path(out) / "neyman" / f"{card}__{'+'.join(experiments)}__{mass_mev:.6e}.json"


def compute_point(card: str, experiments: Sequence[str], mass_mev: float, n_toys: int, seed: int,
                  scan: MediatorScan | None = None) -> dict:
    """Wilks limit, toy Delta chi^2 at it, Neyman critical value, coverage and corrected limit."""
    t0 = time.perf_counter()
    scan = scan or MediatorScan(card, list(experiments))
    res = neyman_limit(scan, scan.slice(mass_mev), n_toys, seed, CL_2SIGMA)
    return {"card": card, "data": list(experiments), "mass_mev": mass_mev, **res,
            "wall_s": time.perf_counter() - t0}


def run_points(out: str | Path, datasets: Sequence[Sequence[str]] = DATASETS, masses: Sequence[float] = MASSES_MEV,
               n_toys: int = 2000, seed: int = 11, card: str = CARD) -> None:
    """Compute every (dataset, mass) point without a result file of the same toy count and seed."""
    for exps in datasets:
        scan = None
        for m in masses:
            path = point_path(out, card, exps, m)
            if path.is_file():
                done = json.loads(path.read_text())
                if done["n_toys"] == n_toys and done["seed"] == seed:
                    continue
            scan = scan or MediatorScan(card, list(exps))
            write_json_atomic(compute_point(card, exps, m, n_toys, seed, scan), path)


def write_coverage(out: str | Path, prov: dict | None = None, card: str = CARD) -> list[dict]:
    """Merge the point files of ``out`` into ``neyman_coverage.{md,json}`` (dataset, mass order)."""
    out = Path(out)
    rows = []
    for exps in DATASETS:
        for m in MASSES_MEV:
            path = point_path(out, card, exps, m)
            if path.is_file():
                rows.append(json.loads(path.read_text()))
    thr = delta_chi2_threshold(CL_2SIGMA, 1)
    lines = [f"Universal Z', 95.45% C.L. (Wilks Delta chi^2 = {thr:.2f}): toys at the Wilks limit g_W with every "
             "nuisance drawn from its constraint; c = 95.45% quantile of their Delta chi^2; coverage = P(Delta chi^2 "
             "<= 4) with its 68% Clopper-Pearson interval; g_N = the data's limit with threshold c.", "",
             "| data | M [MeV] | toys | g_W | c | coverage of g_W | g_N | g_N / g_W |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lo, hi = r["coverage_68_interval"]
        gn = r["coupling_neyman"]
        neyman = f"{gn:.4g} | {gn / r['coupling_wilks']:.3f}" if gn else "– | –"
        lines.append(f"| {title(r['data'])} | {r['mass_mev']:g} | {r['n_toys']} | {r['coupling_wilks']:.4g} | "
                     f"{r['critical_value']:.2f} | {r['coverage_wilks']:.4f} [{lo:.4f}, {hi:.4f}] | {neyman} |")
    write_text_atomic("\n".join(lines) + "\n", out / "neyman_coverage.md")
    summary = [{k: v for k, v in r.items() if k != "delta_chi2_toys"} for r in rows]
    write_json_atomic({"rows": summary, "provenance": prov or {}}, out / "neyman_coverage.json")
    return summary
