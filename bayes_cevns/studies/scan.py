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

Loader options of the experiments (``--data-option``, e.g. ``treatment=lm2022``) go with every
task; each experiment takes those its registration declares (:func:`applicable`). The options
that concern a dataset are part of its file names and fingerprint, so a scan with options never
resumes from, or overwrites, one without.
"""

import hashlib
import json
import logging
import signal
import threading
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path

import numpy as np
from rich.progress import Progress

from bayes_cevns.experiments import load_experiment, registration, with_options
from bayes_cevns.experiments.datasets import COHERENT_COMBINATIONS
from bayes_cevns.io import package_versions, provenance, write_json_atomic
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

_SCANS: dict[tuple, MediatorScan] = {}
#: loader options of the experiments, as sorted (key, value) pairs (hashable, picklable)
Options = tuple[tuple[str, object], ...]


def applicable(experiments: Sequence[str], options: Mapping[str, object] | Options | None) -> Options:
    """The options that some experiment of ``experiments`` declares, sorted by key."""
    declared = {k for e in experiments for k in registration(e).options}
    return tuple(sorted((k, v) for k, v in dict(options or {}).items() if k in declared))


def loaded(experiments: Sequence[str], options: Options = ()) -> list:
    """The experiments, each loaded with the options it declares."""
    return [load_experiment(e) if isinstance(e, str) else e
            for e in with_options(list(experiments), dict(options), strict=False)]


def dataset_label(experiments: Sequence[str], options: Options = ()) -> str:
    """``a+b`` of the experiments' names, with ``__key=value`` of each option that concerns them."""
    label = "+".join(load_experiment(e).name for e in experiments)
    return label + "".join(f"__{k}={v}" for k, v in applicable(experiments, options))


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


def scanner(card: str, experiments: Sequence, options: Options = ()) -> MediatorScan:
    """The (cached, per process) compiled scan for a card and dataset (experiment ids, or loaded
    experiments, which are cached by identity) with the experiments' loader ``options``."""
    ids = tuple(e if isinstance(e, str) else id(e) for e in experiments)
    key = (load_card(card).text, ids, tuple(options))
    if key not in _SCANS:
        exps = loaded(experiments, options) if options else list(experiments)
        _SCANS[key] = MediatorScan(card, exps)
    return _SCANS[key]


def compute_slice(card: str, experiments: Sequence[str], mass_mev: float, options: Options = ()) -> dict:
    """One mass slice (a Dask task): profile chi^2 and Laplace marginal on the refined g grid."""
    return scanner(card, experiments, options).slice(float(mass_mev)).to_dict()


def slice_path(out: Path, card: str, experiments: Sequence[str], mass: float, options: Options = ()) -> Path:
    return out / "slices" / f"{load_card(card).name}__{dataset_label(experiments, options)}__{mass:.6e}.json"


def scan_fingerprint(card: str, experiments: Sequence[str], options: Options = ()) -> str:
    """Hash of the inputs a slice depends on: card text, package version, the slice algorithm
    (``SLICE_ALGORITHM`` and the refinement rule ``SLICE_RULE``), the options that concern the
    experiments and, per experiment, the observed counts, the nominal response matrix and the
    nominal background templates."""
    h = hashlib.sha256(load_card(card).text.encode())
    h.update(package_versions()["bayes_cevns"].encode())
    h.update(json.dumps({"algorithm": SLICE_ALGORITHM, "rule": SLICE_RULE.to_dict()}, sort_keys=True).encode())
    opts = applicable(experiments, options)
    if opts:
        h.update(json.dumps(opts).encode())
    for exp in loaded(experiments, opts):
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


def load_slices(out: str | Path, card: str, experiments: Sequence[str], masses: Sequence[float],
                options: Options = ()) -> list[Slice]:
    """The checkpointed slices of a scan, in mass order; a stale or foreign file raises."""
    fp = scan_fingerprint(card, experiments, options)
    slices = []
    for m in masses:
        path = slice_path(Path(out), card, experiments, m, options)
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
                    scheduler: str | None = None, workers: int = 2, progress: bool = True,
                    options: Mapping[str, object] | Options | None = None) -> None:
    """Compute every (card, experiments, mass) slice without a checkpoint file, in parallel.

    ``workers = 0`` runs in this process; otherwise a local Dask cluster with that many
    single-threaded worker processes, or the scheduler at ``scheduler`` if given. ``options``:
    the experiments' loader options (each dataset takes those that concern it).
    """
    opts = {(c, tuple(e)): applicable(e, options) for c, e, _ in points}
    fps = {k: scan_fingerprint(*k, o) for k, o in opts.items()}
    todo = [(c, e, m, slice_path(out, c, e, m, opts[(c, tuple(e))])) for c, e, m in points]
    todo = [t for t in todo if not _is_current(t[3], fps[(t[0], tuple(t[1]))])]
    with Progress(disable=not progress) as bar:
        task = bar.add_task("mass slices", total=len(points), completed=len(points) - len(todo))
        if todo and workers == 0 and scheduler is None:
            for c, e, m, p in todo:
                key = (c, tuple(e))
                write_json_atomic({**compute_slice(c, e, m, options=opts[key]), "fingerprint": fps[key]}, p)
                bar.advance(task)
        elif todo:
            _compute_on_dask(todo, fps, opts, scheduler, workers, lambda: bar.advance(task))


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


def _compute_on_dask(todo: list, fps: dict, opts: dict, scheduler: str | None, workers: int, advance) -> None:
    """Submit the missing slices to Dask; write each one atomically as soon as it is done."""
    from dask.distributed import Client, as_completed

    with ExitStack() as stack:
        address = scheduler or stack.enter_context(_local_cluster(workers))
        client = stack.enter_context(Client(address))
        home = _home_workers(client, todo)
        futures = {client.submit(compute_slice, c, list(e), m, options=opts[(c, tuple(e))], pure=False,
                                 workers=w, allow_other_workers=True): (p, fps[(c, tuple(e))])
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
             progress: bool = True, options: Mapping[str, object] | None = None) -> dict:
    """Scan the masses (resuming from checkpoints) and write ``<out>/<model>__<data>.json``
    (``<data>`` with the options that concern the experiments, :func:`dataset_label`)."""
    out, opts = Path(out), applicable(experiments, options)
    compute_missing([(card, tuple(experiments), float(m)) for m in masses], out, scheduler, workers, progress,
                    opts)
    rows = [summarise_slice(s, cl) for s in load_slices(out, card, experiments, masses, opts)]
    exps = loaded(experiments, opts)
    result = {"model": load_card(card).name, "data": list(experiments), "data_options": dict(opts), "cl": cl,
              "rows": rows, "provenance": provenance(load_card(card), exps, method="profile chi2 + Laplace marginal")}
    write_json_atomic(result, out / f"{result['model']}__{dataset_label(experiments, opts)}.json")
    return result


#: The eleven light-mediator models of [LM] (Table 1, the L_alpha - L_beta loops and the scalar).
LM_MODELS = ("universal", "b_minus_l", "b_minus_3le", "b_minus_3lmu", "b_minus_2le_lmu", "b_minus_le_2lmu",
             "by_lmu_ltau", "le_minus_lmu", "le_minus_ltau", "lmu_minus_ltau", "scalar")
DATASETS = COHERENT_COMBINATIONS
