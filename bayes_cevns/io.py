"""Result files: atomic writes that honour the umask, and the provenance every result carries.

Every writer goes through :func:`atomic_path`: the content is written to a temporary file in the
target's folder and renamed onto the target only once it is complete, so an interrupted run
never leaves a partial file nor replaces an existing result. The file then gets the mode an
ordinary ``open`` would give it (0666 less the umask), not the 0600 of a temporary file.
"""

import json
import os
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

#: packages whose versions are recorded in every result's provenance
PROVENANCE_PACKAGES = ("bayes_cevns", "pymc", "pytensor", "nutpie", "numpy", "scipy", "arviz", "iminuit")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; on success rename it onto ``path``, else delete it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_with(writer: Callable[[Path], object], path: str | Path) -> Path:
    """Call ``writer(tmp)`` to produce the file, then move it atomically to ``path``."""
    with atomic_path(path) as tmp:
        writer(tmp)
    return Path(path)


def write_text_atomic(text: str, path: str | Path) -> Path:
    """Write ``text`` to ``path`` atomically."""
    return write_with(lambda tmp: tmp.write_text(text), path)


def write_json_atomic(obj: Mapping, path: str | Path) -> Path:
    """Write ``obj`` as indented JSON to ``path`` atomically."""
    return write_text_atomic(json.dumps(obj, indent=2), path)


def save_atomic(idata, path: str | Path) -> Path:
    """Write a DataTree to netCDF (h5netcdf engine) atomically."""
    return write_with(lambda tmp: idata.to_netcdf(tmp, engine="h5netcdf"), path)


def package_versions() -> dict[str, str]:
    """Installed versions of :data:`PROVENANCE_PACKAGES` ("absent" where not installed)."""
    out = {}
    for name in PROVENANCE_PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "absent"
    return out


@lru_cache(maxsize=1)
def git_commit() -> str:
    """The commit of the source tree the package runs from, ``+dirty`` if it has local changes;
    empty when it is not a git checkout (an installed wheel) or git is unavailable."""
    root = Path(__file__).resolve().parents[1]
    if not (root / ".git").exists():
        return ""
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                              timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""
    return head + ("+dirty" if dirty else "")


def provenance(card=None, experiments=(), seed: int | None = None, **settings) -> dict:
    """netCDF-safe provenance attributes: versions, command line, data checksums, card, seed, settings.

    ``card`` is a :class:`~bayes_cevns.model.cards.ModelCard` (its text is stored whole),
    ``experiments`` the experiment objects (their file checksums are stored), ``settings`` any
    further choices (sampler, draws, overrides), stored JSON-encoded when not a plain scalar.
    """
    checksums: dict[str, str] = {}
    for e in experiments:
        checksums.update(e.checksums)
    versions = package_versions()
    out = {
        "bayes_cevns_version": versions["bayes_cevns"],
        "package_versions": json.dumps(versions, sort_keys=True),
        "git_commit": git_commit(),
        "command_line": shlex.join(sys.argv),
        "data_sha256": json.dumps(checksums, sort_keys=True),
        "model_card": card.text if card is not None else "",
        "model_card_name": card.name if card is not None else "",
        "experiments": ",".join(e.name for e in experiments),
    }
    if seed is not None:
        out["seed"] = int(seed)
    for k, v in settings.items():
        out[k] = v if isinstance(v, (str, int, float)) and not isinstance(v, bool) else json.dumps(v, sort_keys=True)
    return out
