"""NSI with CEvNS and oscillation priors: bound tables, the u/d flat direction, LMA-Dark, Bayes factors.

* :func:`bounds_table`: one coupling at a time (all others zero), CsI, Ar and CsI+Ar: chi^2 allowed
  intervals (Wilks, 1 dof) and Bayesian HPD intervals (flat prior on [-1, 1], nuisances
  Laplace-marginalised) at 90%, and the Savage-Dickey Bayes factor SM (eps = 0) vs NSI. A single
  eps has two allowed regions: around 0 and where the NSI charge flips the sign of the weak charge,
  Q_SM + Q_NSI ~ -Q_SM ([LAR] Eq. 5); both are listed.
* :func:`flat_direction` / :func:`ud_plane`: for one target the charge (2 eps^u + eps^d) Z +
  (eps^u + 2 eps^d) N ([LAR] Eq. 5) vanishes along eps^d / eps^u = -(2Z + N)/(Z + 2N); CsI (N/Z = 1.41)
  and Ar (N/Z = 1.22) have different slopes, so their combination limits the flat direction.
* :func:`lma_dark_test`: the U(1)_B model of [NSI-UV] Sec. 3 (kappa_mu = kappa_tau = 0, so only
  eps_ee; eps^u = eps^d by Eq. 11) with the two-solution oscillation prior (LMA or LMA-Dark,
  :func:`bayes_cevns.priors.lma_two_solution_prior`): the posterior probability of the LMA-Dark side
  with and without CEvNS as a function of the Z' mass. Oscillations see the contact eps (zero
  momentum transfer); CEvNS sees eps M^2/(q^2 + M^2).
"""

import csv
import io
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from bayes_cevns.experiments import load_experiment
from bayes_cevns.experiments.datasets import COHERENT_COMBINATIONS, title
from bayes_cevns.inference.evidence import savage_dickey_grid
from bayes_cevns.inference.limits import delta_chi2_threshold
from bayes_cevns.inference.intervals import allowed_intervals
from bayes_cevns.inference.nsi_scan import (
    CEVNS_VISIBLE,
    EPS_RANGE,
    HEAVY_MASS_MEV,
    EpsGrid,
    EpsScan,
    check_grid,
    one_at_a_time,
    posterior_density,
)
from bayes_cevns.io import provenance, write_json_atomic, write_text_atomic
from bayes_cevns.physics.nsi_zprime import coupling_for_eps
from bayes_cevns.priors.linear import PriorTerm
from bayes_cevns.priors.presets import LMA_DARK_THRESHOLD, lma_two_solution_prior

DATASETS: dict[str, tuple[str, ...]] = {title(d): d for d in COHERENT_COMBINATIONS}
#: the U(1)_B direction of [NSI-UV] Sec. 3: eps^u_ee = eps^d_ee = t
U1B_EE = {"eps_ee_u": 1.0, "eps_ee_d": 1.0}


def _fmt_intervals(iv: Sequence[Sequence[float]]) -> str:
    return " ∪ ".join(f"[{a:+.3f}, {b:+.3f}]" for a, b in iv) if iv else "none"


# --- one at a time ------------------------------------------------------------------------------
def coupling_bounds(scan: EpsScan, coupling: str, t: np.ndarray, cl: float = 0.90,
                    mass_mev: float = HEAVY_MASS_MEV) -> dict:
    """Bounds on one coupling (others zero) and the Savage-Dickey B_01 for eps = 0 (flat prior on t)."""
    g = scan.line({coupling: 1.0}, t, mass_mev)
    r = one_at_a_time(g, cl)
    fine, p = posterior_density(g)
    bf = savage_dickey_grid(fine, p, 1.0 / (fine[-1] - fine[0]), 0.0)
    return {"coupling": coupling, "experiments": list(scan.experiments), **r, "bf01": bf["bf01"],
            "bf01_sd": bf["bf01_sd"], "grid": g}


def bounds_table(out: str | Path | None = None, couplings: Sequence[str] = CEVNS_VISIBLE,
                 datasets: Mapping[str, Sequence[str]] = DATASETS, n_grid: int = 401, cl: float = 0.90,
                 scans: Mapping[str, EpsScan] | None = None) -> list[dict]:
    """The one-at-a-time table (see module docstring); with ``out``: ``nsi_bounds.{md,csv,json}``.
    ``scans``: already compiled scans per dataset label (built here otherwise)."""
    t = np.linspace(*EPS_RANGE, n_grid)
    rows, prov = [], {}
    for label, exps in datasets.items():
        scan = (scans or {}).get(label) or EpsScan(list(exps), couplings)
        prov[label] = provenance(scan.card, scan.built.experiments, seed=0, method="grid")
        for c in couplings:
            r = coupling_bounds(scan, c, t, cl)
            r["data"] = label
            rows.append(r)
    if out is not None:
        _write_bounds(rows, Path(out), prov, cl)
    return rows


def _write_bounds(rows: list[dict], out: Path, prov: dict, cl: float) -> None:
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
             "eps_tautau: no nu_tau in the beam, unconstrained by CEvNS.", "",
             f"| coupling | data | chi^2 {pct} | Bayes {pct} HPD (mass) | best fit | Δχ²(0) | B01 |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        masses = ", ".join(f"{m:.2f}" for m in r["bayes_hpd_mass"])
        lines.append(f"| {r['coupling']} | {r['data']} | {_fmt_intervals(r['chi2_intervals'])} | "
                     f"{_fmt_intervals(r['bayes_hpd'])} ({masses}) | {r['best']:+.3f} | {r['delta_chi2_sm']:.2f} | "
                     f"{r['bf01']:.2f} ± {r['bf01_sd']:.1g} |")
    for q in ("u", "d"):
        lines.append(f"| eps_tautau_{q} | any | unconstrained | prior | — | 0 | 1 |")
    write_text_atomic("\n".join(lines) + "\n", out / "nsi_bounds.md")
    write_json_atomic({"provenance": prov, "rows": [{k: v for k, v in r.items() if k != "grid"} for r in rows]},
                      out / "nsi_bounds.json")


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
    xn = h = None
    for i, si in enumerate(s):
        order = range(t.size) if i % 2 == 0 else range(t.size - 1, -1, -1)
        for j in order:
            e = si * flat + t[j] * perp
            chi2[i, j], logm[i, j], xn, h = scan._point(scan.vector({u: e[0], d: e[1]}), lm, xn, h)
    prof = chi2.min(axis=1)
    return {"flavour": flavour, "slope": slope, "s": s, "t": t, "chi2": chi2, "log_marginal": logm,
            "flat": flat, "perp": perp, "profile_s": prof - chi2.min(), "experiments": list(scan.experiments)}


# --- LMA-Dark -----------------------------------------------------------------------------------
def lma_dark_test(scan: EpsScan, masses: Sequence[float], t: np.ndarray | None = None,
                  direction: Mapping[str, float] = U1B_EE, prior: PriorTerm | None = None,
                  threshold: float = LMA_DARK_THRESHOLD, dark_side: str = "below") -> dict:
    """P(LMA-Dark) with and without CEvNS for eps = t * ``direction`` at each mediator mass.

    ``prior``: a prior term on one linear combination x (default: LMA or LMA-Dark with equal odds
    on eps_ee - eps_mumu (u + d)); the LMA-Dark region is x < ``threshold`` (``dark_side="above"``
    flips it). Oscillations see the contact eps, CEvNS eps M^2/(q^2 + M^2) (the scan's mass).
    Returns per mass the posterior probability, the Bayes factor of CEvNS for LMA-Dark vs LMA
    (posterior odds / prior odds) and the coupling g' g_psi kappa_e^2 of [NSI-UV] Eq. 11 (U(1)_B)
    that gives the LMA-Dark centre at that mass.
    """
    t = np.linspace(*EPS_RANGE, 401) if t is None else check_grid(t, "t grid")
    prior = lma_two_solution_prior() if prior is None else prior
    if dark_side not in ("below", "above"):
        raise ValueError(f"dark_side must be 'below' or 'above', got {dark_side!r}")
    x = np.asarray(prior.combination.value({k: t * v for k, v in direction.items()}), dtype=float)
    if np.ptp(x) == 0:
        raise ValueError(f"the direction {dict(direction)} does not move the prior's combination "
                         f"{prior.combination.label}")
    log_prior = prior.logp_x(x)
    fine_t = np.linspace(t[0], t[-1], 8001)
    fine_x = np.interp(fine_t, t, x)
    region = fine_x < threshold if dark_side == "below" else fine_x > threshold

    def prob(p):
        return float(np.trapezoid(np.where(region, p, 0.0), fine_t) / np.trapezoid(p, fine_t))

    lp = np.interp(fine_t, t, log_prior)
    p0 = prob(np.exp(lp - lp.max()))
    x_dark = fine_x[region][np.argmax(lp[region])] if region.any() else float("nan")
    t_dark = float(fine_t[region][np.argmax(lp[region])]) if region.any() else float("nan")
    rows = []
    for m in masses:
        g = scan.line(direction, t, m)
        fine, p = posterior_density(g, log_prior)
        p1 = prob(p)
        odds = (p1 / (1 - p1)) / (p0 / (1 - p0)) if 0 < p1 < 1 else (math.inf if p1 == 1 else 0.0)
        dchi2 = float(np.interp(t_dark, g.t, g.chi2) - np.min(g.chi2))
        rows.append({"mass_mev": float(m), "p_dark_with_cevns": p1, "bayes_factor_dark_vs_lma": odds,
                     "delta_chi2_cevns_at_dark_centre": dchi2, "grid": g,
                     "coupling_gB_gpsi_kappa2_at_dark_centre": coupling_for_eps(t_dark, m, "B")})
    return {"direction": dict(direction), "combination": prior.combination.label, "threshold": threshold,
            "dark_side": dark_side, "p_dark_without_cevns": p0, "t_dark_centre": t_dark,
            "x_dark_centre": float(x_dark), "masses": rows, "experiments": list(scan.experiments)}


def write_lma_dark(res: dict, out: str | Path, prov: dict | None = None) -> None:
    """``nsi_lma_dark.{md,json}`` and the figure ``nsi_lma_dark.png``."""
    out = Path(out)
    lines = [f"LMA-Dark test, {'+'.join(res['experiments'])}: eps = t * {res['direction']} (U(1)_B of [NSI-UV] "
             f"Sec. 3), oscillation prior = LMA or LMA-Dark on {res['combination']}, LMA-Dark "
             f"region x {'<' if res['dark_side'] == 'below' else '>'} {res['threshold']:.3f}. Without CEvNS: "
             f"P(LMA-Dark) = {res['p_dark_without_cevns']:.3f}; LMA-Dark centre t = {res['t_dark_centre']:+.3f}.", "",
             "| M_Z' [MeV] | P(LMA-Dark \\| osc + CEvNS) | B(Dark:LMA) from CEvNS | Δχ²_CEvNS at Dark centre | "
             "g_B g_psi kappa_e^2 at Dark centre |", "|---|---|---|---|---|"]
    for r in res["masses"]:
        p, b = (f"{v:.3g}" if v > 1e-30 else "< 1e-30" for v in (r["p_dark_with_cevns"], r["bayes_factor_dark_vs_lma"]))
        lines.append(f"| {r['mass_mev']:.4g} | {p} | {b} | "
                     f"{r['delta_chi2_cevns_at_dark_centre']:.1f} | {r['coupling_gB_gpsi_kappa2_at_dark_centre']:.3g} |")
    write_text_atomic("\n".join(lines) + "\n", out / "nsi_lma_dark.md")
    js = {k: v for k, v in res.items() if k != "masses"}
    js["masses"] = [{k: v for k, v in r.items() if k != "grid"} for r in res["masses"]]
    js["provenance"] = prov or {}
    write_json_atomic(js, out / "nsi_lma_dark.json")
    plot_lma_dark(res, out / "nsi_lma_dark.png")


def plot_lma_dark(res: dict, path: str | Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    m = np.array([r["mass_mev"] for r in res["masses"]])
    p = np.array([r["p_dark_with_cevns"] for r in res["masses"]])
    fig, ax = plt.subplots(1, 2, figsize=(10, 4))
    ax[0].semilogx(m, p, "o-", label="oscillation prior + CEvNS")
    ax[0].axhline(res["p_dark_without_cevns"], color="k", ls="--", label="oscillation prior only")
    ax[0].set(xlabel="Z' mass M [MeV]", ylabel="P(LMA-Dark)", ylim=(-0.02, 1.02),
              title="LMA-Dark with U(1)_B NSI (eps^u_ee = eps^d_ee)")
    ax[0].legend()
    for r in res["masses"][:: max(1, len(res["masses"]) // 5)]:
        g: EpsGrid = r["grid"]
        ax[1].plot(g.t, np.minimum(g.chi2 - g.chi2.min(), 60), label=f"M = {r['mass_mev']:.3g} MeV")
    ax[1].axvline(res["t_dark_centre"], color="k", ls=":", label="LMA-Dark centre")
    ax[1].set(xlabel="eps_ee (u = d, contact value)", ylabel="CEvNS Δχ² (clipped at 60)")
    ax[1].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


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
