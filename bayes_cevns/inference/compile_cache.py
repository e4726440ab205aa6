"""Compiled PyTensor functions kept on disk, keyed by the graph they were compiled from.

Deriving a model's log density, rewriting it and generating Numba code takes several seconds and
gives the same functions every time for the same model. :func:`model_key` hashes the model's graph
-- every node's Op with its parameters, in topological order, the bytes of every constant and
shared value (the observed data included), the input types, the value transforms -- together with
the versions of PyTensor, Numba, NumPy and this package and a tag naming what is compiled;
:func:`cached` stores the compiled object (pickled) under that key, and a later build of an
identical model loads it instead. Any change of the model, the data, the priors or the software
gives another key, so a stale function is never used. A file that cannot be read is ignored and
replaced.

The folder is ``$BAYES_CEVNS_CACHE``, else ``$XDG_CACHE_HOME/bayes_cevns``, else
``~/.cache/bayes_cevns``; ``BAYES_CEVNS_CACHE=off`` disables the cache. Only this user's own
cache folder is read (pickles are code: do not point it at files from elsewhere).

:func:`compile_all` compiles what is not yet cached in forked processes, all at once (the log
density and the chi^2 of a fit compile side by side on two cores), and the caller then loads each
one. Everything used is therefore loaded from the cache, also on a first run, so a first run and
every later one run the same machine code: Numba code compiled in the running process and the same
code loaded from Numba's cache can differ in the last bits (1e-14 in log p), enough for a chain to
take another path.

Variables' creation tracebacks (``tag.trace``, only for PyTensor's error messages) are left out of
the stored copy: graph rewrites merge them into shared constants, which made them nearly all of
a file (77 of 80 MB for a chi^2 with its Hessian) and of its loading time.

The loaded function owns its shared variables (the model's ``pm.Data`` containers are copied into
it): :func:`shared_inputs` returns them by name, for callers that change data after compiling.
"""

import hashlib
import io
import os
import pickle
import re
import signal
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import TypeVar

import numpy as np
import pytensor
from pytensor.compile.sharedvalue import SharedVariable
from pytensor.graph.basic import Constant, Variable
from pytensor.graph.traversal import io_toposort
from pytensor.graph.utils import Scratchpad

from bayes_cevns.io import write_with

CACHE_ENV = "BAYES_CEVNS_CACHE"
T = TypeVar("T")
#: package versions that are part of every key
_VERSIONED = ("pytensor", "numba", "numpy", "bayes_cevns")


def cache_dir() -> Path | None:
    """The cache folder, or None when the cache is disabled."""
    env = os.environ.get(CACHE_ENV)
    if env == "off":
        return None
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "bayes_cevns"


def _versions() -> str:
    out = []
    for pkg in _VERSIONED:
        try:
            out.append(f"{pkg}={version(pkg)}")
        except Exception:  # noqa: BLE001 - a source tree without metadata
            out.append(f"{pkg}=?")
    return ";".join(out) + f";linker={pytensor.config.linker};mode={pytensor.config.mode}"


def _value_bytes(value) -> bytes:
    """The content of a constant or shared value; non-numeric ones (None, slices, sentinel objects) by
    their type and representation with memory addresses removed."""
    arr = np.asarray(value) if not isinstance(value, (slice, type(None))) else np.asarray(None, dtype=object)
    if arr.dtype == object:
        return type(value).__name__.encode() + re.sub(r" at 0x[0-9a-fA-F]+", "", repr(value)).encode()
    return str(arr.dtype).encode() + str(arr.shape).encode() + np.ascontiguousarray(arr).tobytes()


def graph_key(inputs: Sequence[Variable], outputs: Sequence[Variable], tag: str = "") -> str:
    """SHA-256 of the graph from ``inputs`` to ``outputs`` (module docstring), the versions and ``tag``."""
    h = hashlib.sha256(_versions().encode() + b"|" + tag.encode())
    index: dict[Variable, int] = {}
    for v in inputs:
        index[v] = len(index)
        h.update(f"in:{v.type}|".encode())
    for node in io_toposort(list(inputs), list(outputs)):
        for i in node.inputs:
            if i not in index:
                index[i] = len(index)
                if isinstance(i, Constant):
                    h.update(b"const:" + str(i.type).encode() + _value_bytes(i.data))
                elif isinstance(i, SharedVariable):
                    h.update(b"shared:" + str(i.name).encode() + _value_bytes(i.get_value(borrow=True)))
                else:
                    h.update(b"root:" + str(i.type).encode())
            h.update(f"{index[i]},".encode())
        props = node.op._props_dict() if hasattr(node.op, "_props_dict") else {}
        h.update(f"op:{type(node.op).__module__}.{type(node.op).__qualname__}:{node.op}:{props!r}|".encode())
        for o in node.outputs:
            index[o] = len(index)
    h.update(("out:" + ",".join(str(index.get(o, -1)) for o in outputs)).encode())
    return h.hexdigest()[:32]


def source_digest(path: Path) -> str:
    """Short hash of a source file, for the tag of what that module compiles."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def model_key(model, tag: str) -> str:
    """Key of everything compiled from a PyMC model: the graph of its random variables, potentials and
    deterministics with their observed data, the value transforms, and ``tag`` (what is compiled)."""
    outputs = [*model.basic_RVs, *model.potentials, *model.deterministics,
               *(model.rvs_to_values[rv] for rv in model.observed_RVs)]
    transforms = [(rv.name, repr(model.rvs_to_transforms.get(rv))) for rv in model.free_RVs]
    return graph_key([], outputs, f"{tag}:{re.sub(r' at 0x[0-9a-fA-F]+', '', repr(transforms))}")


def _scratchpad(cls: type, state: dict) -> Scratchpad:
    """A variable's or node's tag rebuilt from its stored attributes."""
    pad = cls.__new__(cls)
    pad.__dict__.update(state)
    return pad


class _TracelessPickler(pickle.Pickler):
    """Pickles PyTensor tags without their ``trace`` (module docstring)."""

    def reducer_override(self, obj):
        if isinstance(obj, Scratchpad) and "trace" in obj.__dict__:
            return _scratchpad, (type(obj), {k: v for k, v in obj.__dict__.items() if k != "trace"})
        return NotImplemented


def dumps(obj) -> bytes:
    """``obj`` pickled for the cache: every tag without its creation traceback."""
    buffer = io.BytesIO()
    _TracelessPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(obj)
    return buffer.getvalue()


def cached(key: str, name: str, build: Callable[[], T]) -> T:
    """``build()`` (a picklable object holding compiled functions), or the object stored under ``key``."""
    folder = cache_dir()
    if folder is None:
        return build()
    path = folder / f"{name}-{key}.pkl"
    if path.is_file():
        try:
            with path.open("rb") as fh:
                return pickle.load(fh)
        except Exception:  # noqa: BLE001 - unreadable or from another environment: rebuild
            pass
    obj = build()
    try:
        write_with(lambda tmp: tmp.write_bytes(dumps(obj)), path)
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        pass  # an unwritable cache only costs the next compilation
    return obj


@dataclass(frozen=True)
class CacheJob:
    """One cached object: its key, its name, the function that builds it (see :func:`cached`) and
    ``first_call``, which calls its compiled functions once (Numba compiles, and fills its own
    cache, on the first call)."""

    key: str
    name: str
    build: Callable[[], object]
    first_call: Callable[[object], object]

    def load(self):
        """The object, from the cache (built first if it is not there)."""
        return cached(self.key, self.name, self.build)


def _forked(job: CacheJob) -> int:
    """Fork a process that builds, first-calls and stores ``job``; returns its pid.

    ``os.fork`` rather than :mod:`multiprocessing`, whose processes may not start children of
    their own from a daemonic process (a Dask worker). The child dies at once on SIGINT or SIGTERM
    (default dispositions, not the caller's handlers) and leaves through ``os._exit``, so none of
    the caller's exit handlers run twice; it exits 1 on any failure."""
    pid = os.fork()
    if pid == 0:  # the child
        code = 1
        try:
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, signal.SIG_DFL)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                job.first_call(job.load())
            code = 0
        except BaseException:  # noqa: BLE001 - the caller builds the job itself
            pass
        finally:
            os._exit(code)
    return pid


def compile_all(jobs: Sequence[CacheJob]) -> None:
    """Build and store every job not yet in the cache, each in its own forked process, concurrently.

    Does nothing when the cache is off or the platform cannot fork; a job whose process fails is
    left to the caller's own :meth:`CacheJob.load`. SIGINT or SIGTERM in the caller terminates
    the processes (an interrupted one leaves no file: writes are atomic)."""
    folder = cache_dir()
    if folder is None or not hasattr(os, "fork"):
        return
    pending = [j for j in jobs if not (folder / f"{j.name}-{j.key}.pkl").is_file()]
    pids: list[int] = []
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*use of fork\\(\\) may lead to deadlocks.*")
            pids.extend(_forked(job) for job in pending)
        while pids:
            os.waitpid(pids[0], 0)
            pids.pop(0)
    finally:
        for pid in pids:
            try:
                os.kill(pid, signal.SIGTERM)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass


def shared_inputs(fn) -> dict[str, SharedVariable]:
    """The shared variables (e.g. ``pm.Data`` containers) a compiled function reads, by name."""
    return {i.variable.name: i.variable for i in fn.maker.inputs if i.shared and i.variable.name}
