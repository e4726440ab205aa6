"""Checksummed access to the vendored COHERENT data releases in ``data/``.

Every file listed in ``data/SHA256SUMS`` is verified before it is parsed; a missing, truncated
or altered file raises :class:`DataIntegrityError` naming the file.
"""

import hashlib
import os
from functools import lru_cache
from pathlib import Path

import numpy as np


class DataIntegrityError(RuntimeError):
    """A data file is missing or does not match its recorded SHA-256 checksum."""


def data_dir() -> Path:
    """The data directory: ``$BAYES_CEVNS_DATA`` or ``data/`` at the repository root."""
    env = os.environ.get("BAYES_CEVNS_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "data"


def parse_manifest(path: Path) -> dict[str, str]:
    """``{name: sha256}`` of a ``<sha256>  <name>`` manifest file."""
    if not path.is_file():
        raise DataIntegrityError(f"missing checksum manifest {path}")
    out = {}
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if line.strip():
            parts = line.split(maxsplit=1)
            if len(parts) != 2 or len(parts[0]) != 64:
                raise DataIntegrityError(f"checksum manifest {path}, line {n}: expected '<sha256> <file>', "
                                         f"got {line.strip()!r}")
            out[parts[1].strip()] = parts[0]
    return out


@lru_cache(maxsize=4)
def _manifest(root: Path) -> dict[str, str]:
    return parse_manifest(root / "SHA256SUMS")


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def verified_path(release: str, name: str) -> Path:
    """Path of ``release/name`` after checking it against the manifest."""
    root = data_dir()
    rel = f"{release}/{name}"
    expected = _manifest(root).get(rel)
    return checked_file(root / rel, expected, root / "SHA256SUMS")


def checked_file(path: Path, expected: str | None, manifest: Path) -> Path:
    """``path`` after checking it exists and matches ``expected`` (its checksum in ``manifest``)."""
    if expected is None:
        raise DataIntegrityError(f"data file {path} is not listed in {manifest}")
    if not path.is_file():
        raise DataIntegrityError(f"missing data file {path}")
    got = sha256(path)
    if got != expected:
        raise DataIntegrityError(
            f"data file {path} fails its checksum (expected {expected[:12]}..., got {got[:12]}...): "
            "it was altered or truncated; restore it from the release"
        )
    return path


def load_yaml(path: Path) -> dict:
    """A release's YAML parameter file (``path`` already checksum-verified), as a dict."""
    import yaml  # a parameter file is read once per experiment build; keep the import off start-up

    with open(path) as fh:
        return yaml.safe_load(fh)


def release_checksums(release: str) -> dict[str, str]:
    """All recorded checksums of one release (for provenance in result files)."""
    prefix = release + "/"
    return {k: v for k, v in _manifest(data_dir()).items() if k.startswith(prefix)}


def load_table(release: str, name: str, ncols: int) -> np.ndarray:
    """Load a whitespace table with ``#`` comments (header lines tolerated), checking its shape."""
    path = verified_path(release, name)
    try:
        try:
            arr = np.loadtxt(path, comments="#", ndmin=2)
        except ValueError:
            arr = np.loadtxt(path, comments="#", ndmin=2, skiprows=1)
    except ValueError as err:
        raise DataIntegrityError(f"data file {path} is not a numeric table: {err}") from None
    if arr.shape[1] != ncols or not np.all(np.isfinite(arr)):
        raise DataIntegrityError(f"data file {path} is malformed: expected {ncols} finite columns")
    return arr
