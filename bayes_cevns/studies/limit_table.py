"""The limit table of [LM]: the low-mass coupling bound and the high-mass g/M bound of every model
on CsI, Ar and CsI+Ar, profile chi^2 and marginal posterior (``bayes-cevns limit-table``), from
the mass slices of :mod:`bayes_cevns.studies.scan`."""

import csv
import io
from collections.abc import Mapping, Sequence
from pathlib import Path

from bayes_cevns.experiments.datasets import title
from bayes_cevns.inference.limits import CL_2SIGMA
from bayes_cevns.io import write_text_atomic
from bayes_cevns.studies.scan import DATASETS, LM_MODELS, applicable, compute_missing, load_slices, summarise_slice

#: Masses (MeV) for the low-mass coupling plateau and the high-mass g/M bound.
LOW_MASS_MEV, HIGH_MASS_MEV = 0.01, 1.0e4


def run_table(out: str | Path, models: Sequence[str] = LM_MODELS, scheduler: str | None = None,
              workers: int = 2, cl: float = CL_2SIGMA, options: Mapping[str, object] | None = None) -> list[dict]:
    """Compute the limit table (checkpointed under ``out``) and write ``<out>/limits_table.{csv,md}``;
    ``options``: the experiments' loader options (e.g. ``{"treatment": "lm2022"}``)."""
    rows = compute_table(out, models, scheduler, workers, cl, options)
    write_table(rows, Path(out), options)
    return rows


def compute_table(out: str | Path, models: Sequence[str] = LM_MODELS, scheduler: str | None = None,
                  workers: int = 2, cl: float = CL_2SIGMA, options: Mapping[str, object] | None = None) -> list[dict]:
    """Low-mass g bound and high-mass g/M bound (GeV^-1) per model and dataset, both methods."""
    out = Path(out)
    points = [(m, d, mass) for m in models for d in DATASETS for mass in (LOW_MASS_MEV, HIGH_MASS_MEV)]
    compute_missing(points, out, scheduler, workers, options=options)
    rows = []
    for m in models:
        for d in DATASETS:
            lo, hi = (summarise_slice(s, cl) for s in load_slices(out, m, d, (LOW_MASS_MEV, HIGH_MASS_MEV),
                                                                  applicable(d, options)))
            row = {"model": m, "data": title(d)}
            for key in ("chi2", "bayes_log_uniform", "bayes_uniform_g2"):
                row[f"low_g_{key}"] = lo[key]
                row[f"high_g_over_m_gev_{key}"] = None if hi[key] is None else hi[key] / (HIGH_MASS_MEV / 1e3)
            for key in ("bayes_log_uniform", "bayes_uniform_g2"):
                row[f"low_ratio_{key}"] = _ratio(lo[key], lo["chi2"])
                row[f"high_ratio_{key}"] = _ratio(hi[key], hi["chi2"])
            row["high_mass_chi2_strips"] = len(hi["chi2_allowed_log10_g"]) - 1
            rows.append(row)
    return rows


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a / b


def write_table(rows: list[dict], out: Path, options: Mapping[str, object] | None = None) -> None:
    """``<out>/limits_table.csv`` and ``.md`` (written atomically); the Markdown names the data options."""
    keys = list(rows[0])
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=keys)
    w.writeheader()
    w.writerows(rows)
    write_text_atomic(buf.getvalue(), out / "limits_table.csv")

    def f(x):
        return "—" if x is None else f"{x:.3g}"

    lines = [f"Coupling limits at 95.45% ({LOW_MASS_MEV} MeV for g; {HIGH_MASS_MEV / 1e3:g} GeV for g/M in GeV^-1). "
             "chi2: profile likelihood, Delta chi2 = 4; bayes: marginal posterior quantile with a log-uniform "
             "prior on g in [1e-7, 1] or a uniform prior on g^2; ratio = bayes / chi2."
             + "".join(f" Data option: {k}={v}." for k, v in sorted((options or {}).items())), "",
             "| model | data | g: chi2 | g: bayes log-u (ratio) | g: bayes g² (ratio) | g/M: chi2 | "
             "g/M: bayes log-u (ratio) | g/M: bayes g² (ratio) | strips at high M |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(
            f"| {r['model']} | {r['data']} | {f(r['low_g_chi2'])} | {f(r['low_g_bayes_log_uniform'])} "
            f"({f(r['low_ratio_bayes_log_uniform'])}) | {f(r['low_g_bayes_uniform_g2'])} "
            f"({f(r['low_ratio_bayes_uniform_g2'])}) | {f(r['high_g_over_m_gev_chi2'])} | "
            f"{f(r['high_g_over_m_gev_bayes_log_uniform'])} ({f(r['high_ratio_bayes_log_uniform'])}) | "
            f"{f(r['high_g_over_m_gev_bayes_uniform_g2'])} ({f(r['high_ratio_bayes_uniform_g2'])}) | "
            f"{r['high_mass_chi2_strips']} |")
    write_text_atomic("\n".join(lines) + "\n", out / "limits_table.md")
