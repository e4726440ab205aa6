"""Results of the projection study: the M_Z' table ([E6LR] Table 3 quantity), the dependence on
the systematic uncertainty and on the luminosity ([E6LR] Figs. 2-3), the E6 angle scan ([E6LR]
Fig. 5), the U(1)_R coupling bounds vs m_X ([U1R] Fig. 5) and the XENON1T comparison.

:func:`compute_projections` returns them as rows and arrays; :func:`write_projections` writes
them (atomically, through :mod:`bayes_cevns.io`, with a provenance JSON):
``projection_table.{md,csv}``, ``projection_sys.png``, ``projection_lumi.png``,
``projection_beta.png``, ``u1r_bounds.{csv,png}``, ``projection_provenance.json``.
Every number is derived from the package's own forward model; nothing is copied from the
withheld [E6LR] Table 3.
"""

import csv
import io
from pathlib import Path

import numpy as np
from scipy.optimize import brentq

from bayes_cevns.experiments.data import sha256, verified_path
from bayes_cevns.experiments.datasets import DEFAULT_DATA, PROJECTION_BETA, U1R_PROJECTIONS, XENON1T_SOLAR, title
from bayes_cevns.experiments.projected_setups import projection_setups
from bayes_cevns.inference.limits import chi2_upper
from bayes_cevns.io import provenance, write_json_atomic, write_text_atomic
from bayes_cevns.model.cards import load_card
from bayes_cevns.physics.u1r_bounds import coherent_bound, nue_bound, rho_bound
from bayes_cevns.studies.projection import (
    Counter,
    bayes_mass_lower,
    coupling_upper_bound,
    heavy_mass,
    mass_lower_bound,
    mediator_parameters,
)
from bayes_cevns.studies.projection_plots import plot_projections
from bayes_cevns.studies.scan import scanner

HEAVY_MODELS = ("e6_chi", "e6_psi", "e6_eta", "left_right")
CL = 0.90
SYS_GRID = (0.0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3)
LUMI_GRID = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0)
LUMI_SYS = 0.05
BETA_EXPERIMENTS = PROJECTION_BETA
U1R_MASSES_MEV = np.geomspace(1e-3, 300.0, 23)
U1R_DATA = DEFAULT_DATA
#: XENON1T SR1, 1-7 keV: 285 events observed over 232 +- 15 expected (PRD 102 (2020) 072004).
XENON1T_EXCESS = 285.0 - 232.0
XENON1T_WINDOW_BINS = 6


class _Counters:
    """One compiled counter per (physics, options, experiment): cards that differ only in their
    parameter defaults (``e6``, ``e6_chi``, ``e6_psi``, ``e6_eta``) share one graph, and each call
    returns the card's own defaults (except the scanned Z' mass) as fixed values."""

    def __init__(self):
        self._cache: dict[tuple, Counter] = {}

    def __call__(self, card: str, experiment: str) -> tuple[Counter, dict]:
        c = load_card(card)
        key = (c.physics, repr(sorted(c.options.items())), tuple(c.parameters), experiment)
        if key not in self._cache:
            self._cache[key] = Counter(c, experiment)
        mass = heavy_mass(c)
        fixed = {k: p.default for k, p in c.parameters.items() if k != mass}
        return self._cache[key], fixed


def _bound(counters: _Counters, card: str, exp: str, sys: float | None = None, scale: float = 1.0) -> float | None:
    counter, fixed = counters(card, exp)
    return mass_lower_bound(counter, exp, CL, sys, scale, fixed)


def heavy_table(counters: _Counters) -> list[dict]:
    """Per setup row: SM events and the M_Z' bound of every heavy card (chi^2), LR also Bayesian."""
    rows = []
    for name, s in projection_setups().items():
        lr, _ = counters("left_right", name)
        row = {"experiment": name, "label": s.label, "channel": s.channel, "sys": s.sys,
               "sm_events": float(lr.sm().sum())}
        for card in HEAVY_MODELS:
            row[f"{card}_chi2"] = _bound(counters, card, name)
        row["left_right_bayes"] = bayes_mass_lower(lr, name, CL)
        rows.append(row)
    return rows


def scan_sys(counters: _Counters) -> dict:
    """M_Z' bound vs the systematic uncertainty for LR and E6 chi ([E6LR] Fig. 2)."""
    out = {}
    for name, s in projection_setups().items():
        if s.chi2 != "eq22":
            continue
        out[name] = {card: [_bound(counters, card, name, sys=x) for x in SYS_GRID] for card in ("left_right", "e6_chi")}
    return out


def scan_lumi(counters: _Counters) -> dict:
    """LR M_Z' bound vs luminosity scale at sys = LUMI_SYS ([E6LR] Fig. 3)."""
    return {name: [_bound(counters, "left_right", name, sys=LUMI_SYS, scale=x) for x in LUMI_GRID]
            for name, s in projection_setups().items() if s.chi2 == "eq22"}


def scan_beta(counters: _Counters, n: int = 121) -> tuple[np.ndarray, dict]:
    """E6 M_Z' bound vs the mixing angle beta in (-pi/2, pi/2) ([E6LR] Fig. 5)."""
    betas = np.linspace(-np.pi / 2 + 1e-3, np.pi / 2 - 1e-3, n)
    res = {}
    for exp in BETA_EXPERIMENTS:
        counter, _ = counters("e6_chi", exp)
        res[exp] = [mass_lower_bound(counter, exp, CL, fixed={"beta": float(b)}) for b in betas]
    return betas, res


def u1r_bounds(with_data: bool = True) -> dict:
    """sqrt(lambda) bounds vs m_X: [U1R] Eqs. 34, 36, 39-40 as stated, and this package's chi^2 ones."""
    m = U1R_MASSES_MEV
    res = {"mass_mev": m.tolist(), "rho_eq34": rho_bound(m).tolist(), "texono_eq36": nue_bound(m).tolist(),
           "texono_eq36_ratio0.2": nue_bound(m, ratio=0.2).tolist(), "coherent_eq39": coherent_bound(m).tolist()}
    for exp in U1R_PROJECTIONS:
        counter = Counter("u1r", exp)
        res[f"{exp}_chi2"] = [coupling_upper_bound(counter, exp, float(x), CL) for x in m]
    if with_data:
        scan = scanner("u1r", list(U1R_DATA))
        res["data_chi2"] = [chi2_upper(scan.slice(float(x)), CL)["coupling_upper"] for x in m]
    return res


def xenon1t_comparison(masses_mev=(0.01, 0.03, 0.1), u1r_coupling: float = 8e-7) -> dict:
    """Solar nu-e events in XENON1T's 1-7 keV window: SM, U(1)_R at [U1R]'s coupling, and the
    coupling that gives the observed excess of ~53 events, per mediator mass."""
    counter = Counter("u1r", XENON1T_SOLAR)
    coupling, mass = mediator_parameters(counter.card)
    sm = float(counter.sm()[:XENON1T_WINDOW_BINS].sum())

    def window(g: float, m: float) -> float:
        return float(counter({coupling: g, mass: m})[:XENON1T_WINDOW_BINS].sum())

    rows = []
    for m in masses_mev:
        lg = brentq(lambda x: window(10.0**x, m) - sm - XENON1T_EXCESS, -10.0, -5.0, xtol=1e-6)
        rows.append({"mass_mev": m, "events_at_u1r_coupling": window(u1r_coupling, m),
                     "coupling_for_excess": 10.0**lg, "texono_eq36_bound": float(nue_bound(m))})
    return {"sm_events_1_7_kev": sm, "excess": XENON1T_EXCESS, "u1r_coupling": u1r_coupling, "rows": rows}


def compute_projections(with_data: bool = True) -> dict:
    """Every projection result (module docstring) as rows and arrays; ``with_data`` adds the
    U(1)_R limit from the COHERENT data (``U1R_DATA``)."""
    counters = _Counters()
    rows = heavy_table(counters)
    sys_scan, lumi = scan_sys(counters), scan_lumi(counters)
    betas, beta_scan = scan_beta(counters)
    return {"table": rows, "sys_grid": SYS_GRID, "sys_scan": sys_scan, "lumi_grid": LUMI_GRID,
            "lumi_sys": LUMI_SYS, "lumi_scan": lumi, "beta_rad": betas, "beta_scan": beta_scan,
            "u1r": u1r_bounds(with_data), "xenon1t": xenon1t_comparison()}


def _fmt(x) -> str:
    return "no sensitivity" if x is None else f"{x:.0f}"


def _table_md(rows: list[dict]) -> str:
    lines = ["Expected 90% C.L. lower bounds on M_Z' [GeV] (1 dof, Delta chi^2 = 2.71; [E6LR] Eq. 21 for CsI 2017 "
             "data, Eq. 22 with the table's sys for CEvNS projections, Eq. 23 for 51Cr; bayes: posterior 10% quantile "
             "of M with a flat prior on 1/M^2, nuisance marginalised). Produced by `bayes-cevns projection-table`.",
             "", "| experiment | channel | SM events | sys | E6 χ | E6 ψ | E6 η | LR | LR (bayes) |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['experiment']} | {r['channel']} | {r['sm_events']:.4g} | {r['sys']:g} | "
                     f"{_fmt(r['e6_chi_chi2'])} | {_fmt(r['e6_psi_chi2'])} | {_fmt(r['e6_eta_chi2'])} | "
                     f"{_fmt(r['left_right_chi2'])} | {'—' if r['left_right_bayes'] is None else _fmt(r['left_right_bayes'])} |")
    return "\n".join(lines) + "\n"


def _csv(header: list[str], rows: list[list]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def write_projections(results: dict, out: str | Path) -> None:
    """Write the results of :func:`compute_projections` to ``out`` (file list in the module docstring)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rows, u1r = results["table"], results["u1r"]
    write_text_atomic(_table_md(rows), out / "projection_table.md")
    keys = list(rows[0])
    write_text_atomic(_csv(keys, [[r[k] for k in keys] for r in rows]), out / "projection_table.csv")
    cols = [k for k in u1r if k != "mass_mev"]
    write_text_atomic(_csv(["mass_mev"] + cols, [[m] + [u1r[c][i] for c in cols] for i, m in enumerate(u1r["mass_mev"])]),
                      out / "u1r_bounds.csv")
    plot_projections(results, out, title(U1R_DATA))
    stored = results | {"beta_rad": np.asarray(results["beta_rad"]).tolist()}
    write_json_atomic({"provenance": provenance(load_card("u1r"), seed=None), "cl": CL,
                       "data_checksums": {"projected/setups.toml": sha256(verified_path("projected", "setups.toml"))},
                       "cards": list(HEAVY_MODELS) + ["e6", "u1r"], "seed": None, "results": stored},
                      out / "projection_provenance.json")
