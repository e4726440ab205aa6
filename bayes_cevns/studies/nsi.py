"""NSI with CEvNS: the one-at-a-time bound table and the u/d flat direction.

* :func:`compute_bounds_table` / :func:`write_bounds_table`: one coupling at a time (all others
  zero), CsI, Ar and CsI+Ar: chi^2 allowed intervals (Wilks, 1 dof) and Bayesian HPD intervals
  (flat prior on [-1, 1], nuisances Laplace-marginalised) at 90%, and the Savage-Dickey Bayes factor
  SM (eps = 0) vs NSI. A single eps has two allowed regions: around 0 and where the NSI charge flips
  the sign of the weak charge, Q_SM + Q_NSI ~ -Q_SM ([LAR] Eq. 5); both are listed.
* :func:`flat_direction` / :func:`ud_plane`: for one target the charge (2 eps^u + eps^d) Z +
  (eps^u + 2 eps^d) N ([LAR] Eq. 5) vanishes along eps^d / eps^u = -(2Z + N)/(Z + 2N); CsI (N/Z = 1.41)
  and Ar (N/Z = 1.22) have different slopes, so their combination limits the flat direction.

The LMA-Dark test with oscillation priors is :mod:`bayes_cevns.studies.lma_dark`.
"""

import csv
import io
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from bayes_cevns.experiments import load_experiment, with_options
from bayes_cevns.experiments.datasets import COHERENT_COMBINATIONS, title
from bayes_cevns.inference.evidence import savage_dickey_grid
from bayes_cevns.inference.limits import delta_chi2_threshold
from bayes_cevns.inference.parallel_chains import default_cores, forked_map
from bayes_cevns.inference.intervals import allowed_intervals
from bayes_cevns.inference.nsi_scan import (
    CEVNS_VISIBLE,
    EPS_RANGE,
    HEAVY_MASS_MEV,
    EpsScan,
    check_grid,
    one_at_a_time,
    posterior_density,
)
from bayes_cevns.io import provenance, write_json_atomic, write_text_atomic

#: the bound table's datasets: CsI, Ar and CsI+Ar, by label
DATASETS: dict[str, tuple[str, ...]] = {title(d): d for d in COHERENT_COMBINATIONS}


def fmt_intervals(iv: Sequence[Sequence[float]]) -> str:
    """Allowed intervals as text: "[a, b] ∪ [c, d]", or "none"."""
    return " ∪ ".join(f"[{a:+.3f}, {b:+.3f}]" for a, b in iv) if iv else "none"


# --- one at a time ------------------------------------------------------------------------------
def coupling_bounds(scan: EpsScan, coupling: str, t: np.ndarray, cl: float = 0.90,
                    mass_mev: float = HEAVY_MASS_MEV) -> dict:
    """Bounds on one coupling (others zero) and the Savage-Dickey B_01 for eps = 0 (flat prior on t)."""
    g = scan.line({coupling: 1.0}, t, mass_mev)
    r = one_at_a_time(g, cl)
    fine, p = posterior_density(g)
    bf = savage_dickey_grid(fine, p, 1.0 / (fine[-1] - fine[0]), 0.0)
    names = [e if isinstance(e, str) else e.name for e in scan.experiments]
    return {"coupling": coupling, "experiments": names, **r, "bf01": bf["bf01"],
            "bf01_sd": bf["bf01_sd"], "grid": g}


_TABLE: dict = {}  # the compiled scans, grid and C.L. of a table, inherited by the forked workers


def _table_row(task: tuple[str, str]) -> dict:
    label, coupling = task
    return coupling_bounds(_TABLE["scans"][label], coupling, _TABLE["t"], _TABLE["cl"]) | {"data": label}


def compute_bounds_table(couplings: Sequence[str] = CEVNS_VISIBLE,
                         datasets: Mapping[str, Sequence[str]] = DATASETS, n_grid: int = 401, cl: float = 0.90,
                         scans: Mapping[str, EpsScan] | None = None, cores: int | None = None,
                         options: Mapping[str, object] | None = None) -> dict:
    """The one-at-a-time table (see module docstring) on ``n_grid`` points of [-1, 1]: ``rows``
    (one per coupling and dataset, from :func:`coupling_bounds`, each with its ``grid`` of chi^2 and
    log marginal arrays), ``cl`` and the ``provenance`` per dataset. ``scans``: already compiled
    scans per dataset label (built here otherwise). The rows (each its own line scan, warm-started
    along its grid only) are computed on ``cores`` forked processes (default: every core); they do
    not depend on how many. ``options``: the experiments' loader options (each dataset takes those
    its experiments declare)."""
    t = np.linspace(*EPS_RANGE, n_grid)
    compiled = {label: (scans or {}).get(label) or EpsScan(with_options(list(exps), dict(options or {}), strict=False),
                                                           couplings) for label, exps in datasets.items()}
    prov = {label: provenance(scan.card, scan.built.experiments, seed=0, method="grid")
            for label, scan in compiled.items()}
    tasks = [(label, c) for label in datasets for c in couplings]
    _TABLE.update(scans=compiled, t=t, cl=cl)
    try:
        rows = forked_map(_table_row, tasks, default_cores(len(tasks)) if cores is None else cores)
    finally:
        _TABLE.clear()
    return {"cl": cl, "rows": rows, "provenance": prov, "data_options": dict(options or {})}


def write_bounds_table(table: dict, out: str | Path) -> None:
    """``<out>/nsi_bounds.{csv,md,json}`` of a :func:`compute_bounds_table` result (written
    atomically; the JSON holds the provenance and the rows without their grids)."""
    rows, cl, out = table["rows"], table["cl"], Path(out)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["coupling", "data", "cl", "best", "delta_chi2_sm", "chi2_intervals", "bayes_hpd", "bayes_hpd_mass",
                "bf01", "bf01_sd"])
    for r in rows:
        w.writerow([r["coupling"], r["data"], cl, f"{r['best']:.4f}", f"{r['delta_chi2_sm']:.3f}",
                    ";".join(f"{a:.4f}:{b:.4f}" for a, b in r["chi2_intervals"]),
                    ";".join(f"{a:.4f}:{b:.4f}" for a, b in r["bayes_hpd"]),
                    ";".join(f"{m:.3f}" for m in r["bayes_hpd_mass"]), f"{r['bf01']:.4g}", f"{r['bf01_sd']:.2g}"])
    write_text_atomic(buf.getvalue(), out / "nsi_bounds.csv")
    pct = f"{100 * cl:g}%"
    lines = [f"One coupling at a time (others zero), contact limit, {pct}: chi^2 allowed (Delta chi^2 <= "
             f"{delta_chi2_threshold(cl, 1):.2f}, nuisances profiled) and Bayesian HPD (flat prior on "
             f"[{EPS_RANGE[0]:g}, {EPS_RANGE[1]:g}], nuisances Laplace-marginalised; mass of each HPD piece). "
             "B01 = Savage-Dickey Bayes factor SM (eps = 0) vs NSI (grid estimate, +- grid-halving error). "
             "eps_tautau: no nu_tau in the beam, unconstrained by CEvNS."
             + "".join(f" Data option: {k}={v}." for k, v in sorted(table.get("data_options", {}).items())), "",
             f"| coupling | data | chi^2 {pct} | Bayes {pct} HPD (mass) | best fit | Δχ²(0) | B01 |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        masses = ", ".join(f"{m:.2f}" for m in r["bayes_hpd_mass"])
        lines.append(f"| {r['coupling']} | {r['data']} | {fmt_intervals(r['chi2_intervals'])} | "
                     f"{fmt_intervals(r['bayes_hpd'])} ({masses}) | {r['best']:+.3f} | {r['delta_chi2_sm']:.2f} | "
                     f"{r['bf01']:.2f} ± {r['bf01_sd']:.1g} |")
    for q in ("u", "d"):
        lines.append(f"| eps_tautau_{q} | any | unconstrained | prior | — | 0 | 1 |")
    write_text_atomic("\n".join(lines) + "\n", out / "nsi_bounds.md")
    write_json_atomic({"provenance": table["provenance"], "data_options": table.get("data_options", {}),
                       "rows": [{k: v for k, v in r.items() if k != "grid"} for r in rows]}, out / "nsi_bounds.json")


# --- u/d flat direction -------------------------------------------------------------------------
def flat_direction(experiment: str) -> float:
    """Slope eps^d/eps^u along which the coherent NSI charge of the experiment's target vanishes:
    -(2Z + N)/(Z + 2N) with Z, N summed over the nuclei of one formula unit ([LAR] Eq. 5)."""
    iso = load_experiment(experiment).isotopes
    z, n = sum(i.Z for i in iso), sum(i.N for i in iso)
    return -(2.0 * z + n) / (z + 2.0 * n)


def ud_plane(scan: EpsScan, flavour: str, slope: float, s: np.ndarray, t: np.ndarray,
             mass_mev: float = HEAVY_MASS_MEV) -> dict:
    """Profile chi^2 and Laplace log marginal on eps = s * d_flat + t * d_perp in the (eps^u, eps^d)
    plane of one flavour; d_flat = (1, slope)/|.|, d_perp orthogonal (unit Jacobian, so a flat prior
    in (eps^u, eps^d) is flat in (s, t)). Returns the maps and the profile of chi^2 along s."""
    s, t = check_grid(s, "s grid"), check_grid(t, "t grid")
    u, d = f"eps_{flavour}_u", f"eps_{flavour}_d"
    nrm = math.hypot(1.0, slope)
    flat, perp = np.array([1.0, slope]) / nrm, np.array([-slope, 1.0]) / nrm
    lm = math.log10(mass_mev)
    chi2, logm = np.empty((s.size, t.size)), np.empty((s.size, t.size))
    xn = None
    for i, si in enumerate(s):
        order = range(t.size) if i % 2 == 0 else range(t.size - 1, -1, -1)
        for j in order:
            e = si * flat + t[j] * perp
            chi2[i, j], logm[i, j], xn, _ = scan._point(scan.vector({u: e[0], d: e[1]}), lm, xn)
    prof = chi2.min(axis=1)
    return {"flavour": flavour, "slope": slope, "s": s, "t": t, "chi2": chi2, "log_marginal": logm,
            "flat": flat, "perp": perp, "profile_s": prof - chi2.min(), "experiments": list(scan.experiments)}


def plot_ud_plane(planes: Mapping[str, dict], path: str | Path, cl: float = 0.90) -> None:
    """90% chi^2 regions (2 dof) of the (eps^u, eps^d) plane per dataset with each flat direction."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    thr = delta_chi2_threshold(cl, 2)
    fig, ax = plt.subplots(figsize=(5.5, 5))
    colours = {"CsI": "C0", "Ar": "C1", "CsI+Ar": "C3"}
    for label, pl in planes.items():
        S, T = np.meshgrid(pl["s"], pl["t"], indexing="ij")
        U = S * pl["flat"][0] + T * pl["perp"][0]
        D = S * pl["flat"][1] + T * pl["perp"][1]
        ax.contour(U, D, pl["chi2"] - pl["chi2"].min(), levels=[thr], colors=colours.get(label, "k"))
        ax.plot([], [], color=colours.get(label, "k"), label=f"{label} ({100 * cl:g}%, 2 dof)")
    for label, slope in (("CsI flat", planes[next(iter(planes))]["slope"]),):
        xs = np.linspace(pl["s"][0], pl["s"][-1], 2) * planes[next(iter(planes))]["flat"][0]
        ax.plot(xs, slope * xs, "k:", lw=0.8, label=f"{label}: eps_d = {slope:.3f} eps_u")
    ax.set(xlabel="eps^u", ylabel="eps^d", title=f"flavour {next(iter(planes.values()))['flavour']}")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def allowed_s_range(plane: dict, cl: float = 0.90) -> list[list[float]]:
    """Intervals of the flat coordinate s allowed at ``cl`` (profile over t, 1 dof)."""
    return allowed_intervals(plane["s"], plane["profile_s"], delta_chi2_threshold(cl, 1))
