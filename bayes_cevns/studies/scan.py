"""Mass scans of coupling limits, distributed with Dask and checkpointed per mass point.

Each (model, dataset, mass) slice is one task. Workers keep one compiled
:class:`~bayes_cevns.inference.limits.MediatorScan` per (card, dataset), so a worker compiles
once and then only evaluates. Every finished slice is written atomically to
``<out>/slices/<model>__<data>__<mass>.json``; a rerun reads those files and recomputes only
the missing points, so an interrupted scan resumes. Each file carries a fingerprint of what it was
computed from (card text, package version, slice algorithm and refinement rule, observed counts,
response and background templates);
a file with another fingerprint is recomputed, so a changed model never resumes from stale
slices. Progress is shown with a rich progress bar.
"""

import csv
import hashlib
import io
import json
import logging
import signal
import threading
import warnings
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path

import numpy as np
from rich.progress import Progress

from bayes_cevns.experiments import load_experiment
from bayes_cevns.experiments.datasets import COHERENT_COMBINATIONS, title
from bayes_cevns.io import package_versions, provenance, write_json_atomic, write_text_atomic
from bayes_cevns.inference.limits import (
    CL_2SIGMA,
    PRIORS,
    SLICE_ALGORITHM,
    SLICE_RULE,
    MediatorScan,
    Slice,
    bayes_upper,
    chi2_upper,
    mode_masses,
)
from bayes_cevns.model.cards import load_card

_SCANS: dict[tuple[str, tuple[str, ...]], MediatorScan] = {}


def parse_masses(text: str) -> np.ndarray:
    """``LO:HI:N`` -> N masses log-spaced from LO to HI MeV; several segments joined by commas
    (``0.01:10:7,10:10000:121``: sparse on the low-mass plateau, dense where the strips bend)
    give the sorted union of their masses."""
    masses = []
    for segment in text.split(","):
        parts = segment.split(":")
        if len(parts) != 3:
            raise ValueError(f"--masses expects LO:HI:N (MeV, log-spaced), or such segments joined by commas; "
                             f"got {text!r}")
        lo, hi, n = float(parts[0]), float(parts[1]), int(parts[2])
        if not (0 < lo < hi and n >= 1):
            raise ValueError(f"--masses needs 0 < LO < HI and N >= 1 in every segment, got {segment!r}")
        masses.extend(np.geomspace(lo, hi, n))
    return np.unique(masses)  # geomspace returns its end points exactly, so shared ends coincide


def scanner(card: str, experiments: Sequence) -> MediatorScan:
    """The (cached, per process) compiled scan for a card and dataset (experiment ids, or loaded
    experiments, which are cached by identity)."""
    key = (load_card(card).text, tuple(e if isinstance(e, str) else id(e) for e in experiments))
    if key not in _SCANS:
        _SCANS[key] = MediatorScan(card, list(experiments))
    return _SCANS[key]


def compute_slice(card: str, experiments: Sequence[str], mass_mev: float) -> dict:
    """One mass slice (a Dask task): profile chi^2 and Laplace marginal on the refined g grid."""
    return scanner(card, experiments).slice(float(mass_mev)).to_dict()


def slice_path(out: Path, card: str, experiments: Sequence[str], mass: float) -> Path:
    data = "+".join(load_experiment(e).name for e in experiments)
    return out / "slices" / f"{load_card(card).name}__{data}__{mass:.6e}.json"


def scan_fingerprint(card: str, experiments: Sequence[str]) -> str:
    """Hash of the inputs a slice depends on: card text, package version, the slice algorithm
    (``SLICE_ALGORITHM`` and the refinement rule ``SLICE_RULE``) and, per experiment, the observed
    counts, the nominal response matrix and the nominal background templates."""
    h = hashlib.sha256(load_card(card).text.encode())
    h.update(package_versions()["bayes_cevns"].encode())
    h.update(json.dumps({"algorithm": SLICE_ALGORITHM, "rule": SLICE_RULE.to_dict()}, sort_keys=True).encode())
    for name in experiments:
        exp = load_experiment(name)
        arrays = [exp.observed, exp.energy_response.nominal,
                  *(b.template.nominal for _, b in sorted(exp.backgrounds.items()))]
        for a in arrays:
            h.update(np.ascontiguousarray(a, dtype=np.float64).tobytes())
    return h.hexdigest()[:16]


def _is_current(path: Path, fingerprint: str) -> bool:
    if not path.is_file():
        return False
    try:
        return json.loads(path.read_text()).get("fingerprint") == fingerprint
    except (json.JSONDecodeError, AttributeError):
        return False


def load_slices(out: str | Path, card: str, experiments: Sequence[str], masses: Sequence[float]) -> list[Slice]:
    """The checkpointed slices of a scan, in mass order; a stale or foreign file raises."""
    fp = scan_fingerprint(card, experiments)
    slices = []
    for m in masses:
        path = slice_path(Path(out), card, experiments, m)
        d = json.loads(path.read_text())
        if d.pop("fingerprint", None) != fp:
            raise ValueError(f"{path} was computed from other inputs (fingerprint mismatch); rerun the scan")
        slices.append(Slice(**d))
    return slices


def summarise_slice(s: Slice, cl: float = CL_2SIGMA) -> dict:
    """chi^2 and Bayesian (every prior) upper limits of one slice."""
    chi = chi2_upper(s, cl)
    return {"mass_mev": s.mass_mev, "chi2": chi["coupling_upper"],
            **{f"bayes_{p}": bayes_upper(s, cl, p)["coupling_upper"] for p in PRIORS},
            "chi2_allowed_log10_g": chi["allowed_log10_g"], "modes": mode_masses(s, cl=cl)}


def compute_missing(points: Sequence[tuple[str, tuple[str, ...], float]], out: Path,
                    scheduler: str | None = None, workers: int = 2, progress: bool = True) -> None:
    """Compute every (card, experiments, mass) slice without a checkpoint file, in parallel.

    ``workers = 0`` runs in this process; otherwise a local Dask cluster with that many
    single-threaded worker processes, or the scheduler at ``scheduler`` if given.
    """
    fps = {(c, tuple(e)): scan_fingerprint(c, e) for c, e, _ in points}
    todo = [(c, e, m, slice_path(out, c, e, m)) for c, e, m in points]
    todo = [t for t in todo if not _is_current(t[3], fps[(t[0], tuple(t[1]))])]
    with Progress(disable=not progress) as bar:
        task = bar.add_task("mass slices", total=len(points), completed=len(points) - len(todo))
        if todo and workers == 0 and scheduler is None:
            for c, e, m, p in todo:
                write_json_atomic({**compute_slice(c, e, m), "fingerprint": fps[(c, tuple(e))]}, p)
                bar.advance(task)
        elif todo:
            _compute_on_dask(todo, fps, scheduler, workers, lambda: bar.advance(task))


@contextmanager
def _local_cluster(workers: int) -> Iterator[object]:
    """A local Dask cluster of single-threaded worker processes, closed however the block ends.

    A terminal's Ctrl-C reaches every process of the foreground group. SIGINT is ignored in this
    process while the cluster starts, so the worker processes inherit the ignored disposition
    (it survives ``exec``) and never print tracebacks of their own; this process alone handles
    Ctrl-C once the workers are up (a Ctrl-C pressed during those seconds is dropped; SIGTERM is
    not affected). Dask's own log lines are silenced: a task's error reaches this process as
    the exception of its future, and a worker losing the scheduler on shutdown is not news.
    """
    from dask.distributed import LocalCluster

    main = threading.current_thread() is threading.main_thread()
    before = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
    try:
        with warnings.catch_warnings():  # another cluster's HTTP port: Dask picks a free one
            warnings.filterwarnings("ignore", message="Port .* is already in use")
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None, silence_logs=logging.CRITICAL)
    finally:
        if main:
            signal.signal(signal.SIGINT, before if before is not None else signal.SIG_DFL)
    try:
        yield cluster
    finally:
        cluster.close(timeout=10)


def _compute_on_dask(todo: list, fps: dict, scheduler: str | None, workers: int, advance) -> None:
    """Submit the missing slices to Dask; write each one atomically as soon as it is done."""
    from dask.distributed import Client, as_completed

    with ExitStack() as stack:
        address = scheduler or stack.enter_context(_local_cluster(workers))
        client = stack.enter_context(Client(address))
        home = _home_workers(client, todo)
        futures = {client.submit(compute_slice, c, list(e), m, pure=False, workers=w,
                                 allow_other_workers=True): (p, fps[(c, tuple(e))])
                   for (c, e, m, p), w in zip(todo, home)}
        try:
            for fut in as_completed(futures):
                path, fp = futures[fut]
                write_json_atomic({**fut.result(), "fingerprint": fp}, path)
                advance()
        except BaseException:
            client.cancel(list(futures))
            raise

def _home_workers(client, todo: list) -> list[list[str] | None]:
    """A preferred worker per task: the tasks in (card, experiments) order, cut into one contiguous
    run of equal length per worker, so each worker loads only the compiled models of its own run
    (a model is loaded twice at most where a cut falls inside its slices) and all workers get the
    same number of slices. The preference is loose (a new worker, or the survivors of a lost one,
    may still take a task); ``None`` everywhere when no worker has joined yet."""
    workers = sorted(client.scheduler_info().get("workers", {}))
    if not workers:
        return [None] * len(todo)
    order = sorted(range(len(todo)), key=lambda i: (todo[i][0], tuple(todo[i][1]), todo[i][2]))
    home: list[list[str] | None] = [None] * len(todo)
    for rank, i in enumerate(order):
        home[i] = [workers[rank * len(workers) // len(todo)]]
    return home


def run_scan(card: str, experiments: Sequence[str], masses: Sequence[float], out: str | Path,
             scheduler: str | None = None, workers: int = 2, cl: float = CL_2SIGMA,
             progress: bool = True) -> dict:
    """Scan the masses (resuming from checkpoints) and write ``<out>/<model>__<data>.json``."""
    out = Path(out)
    compute_missing([(card, tuple(experiments), float(m)) for m in masses], out, scheduler, workers, progress)
    rows = [summarise_slice(s, cl) for s in load_slices(out, card, experiments, masses)]
    exps = [load_experiment(e) for e in experiments]
    result = {"model": load_card(card).name, "data": list(experiments), "cl": cl, "rows": rows,
              "provenance": provenance(load_card(card), exps, method="profile chi2 + Laplace marginal")}
    write_json_atomic(result, out / f"{result['model']}__{'+'.join(experiments)}.json")
    return result


#: The eleven light-mediator models of [LM] (Table 1, the L_alpha - L_beta loops and the scalar).
LM_MODELS = ("universal", "b_minus_l", "b_minus_3le", "b_minus_3lmu", "b_minus_2le_lmu", "b_minus_le_2lmu",
             "by_lmu_ltau", "le_minus_lmu", "le_minus_ltau", "lmu_minus_ltau", "scalar")
DATASETS = COHERENT_COMBINATIONS
#: Masses (MeV) for the low-mass coupling plateau and the high-mass g/M bound.
LOW_MASS_MEV, HIGH_MASS_MEV = 0.01, 1.0e4


def run_table(out: str | Path, models: Sequence[str] = LM_MODELS, scheduler: str | None = None,
              workers: int = 2, cl: float = CL_2SIGMA) -> list[dict]:
    """Compute the limit table (checkpointed under ``out``) and write ``<out>/limits_table.{csv,md}``."""
    rows = compute_table(out, models, scheduler, workers, cl)
    write_table(rows, Path(out))
    return rows


def compute_table(out: str | Path, models: Sequence[str] = LM_MODELS, scheduler: str | None = None,
                  workers: int = 2, cl: float = CL_2SIGMA) -> list[dict]:
    """Low-mass g bound and high-mass g/M bound (GeV^-1) per model and dataset, both methods."""
    out = Path(out)
    points = [(m, d, mass) for m in models for d in DATASETS for mass in (LOW_MASS_MEV, HIGH_MASS_MEV)]
    compute_missing(points, out, scheduler, workers)
    rows = []
    for m in models:
        for d in DATASETS:
            lo, hi = (summarise_slice(s, cl) for s in load_slices(out, m, d, (LOW_MASS_MEV, HIGH_MASS_MEV)))
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


def write_table(rows: list[dict], out: Path) -> None:
    """``<out>/limits_table.csv`` and ``.md`` (written atomically)."""
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
             "prior on g in [1e-7, 1] or a uniform prior on g^2; ratio = bayes / chi2.", "",
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
