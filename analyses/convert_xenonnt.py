"""Vendor the XENONnT solar-8B CEvNS release as one array file, and the solar neutrino spectra.

    python analyses/convert_xenonnt.py [--source /work/shared/data] [--dest data]

The release (``XENONnT/cevns_data_release@60d230dd``, CC-BY-4.0) is 6925 small files, 6915 of them
HDF5 templates of 10960 bytes each. Every source file is first checked against the release
folder's ``SHA256SUMS``; then, per science run sr0..sr2:

* the observed counts are histogrammed from ``data/sr*.csv`` with the edges of ``binning/sr*.yaml``
  (``numpy.histogramdd``, the last bin closed on the right) and flattened in C order over the axes
  (cs2, S2 shadow quantile, S1 BDT, S2 BDT) -- the axis order of the HDF5 templates;
* each template's four ``bins/<i>`` datasets must equal the yaml edges (to 1e-9: the yaml rounds
  them to 12 decimals, the HDF5 files keep float64) and carry the expected axis names, and
  ``templates/template`` must be a finite non-negative (3, 3, 3, 3) array;
* ``ac`` and ``er`` (/t/y) are stored as (81,), ``rg`` (/t/y) on the 7 x 7 (tly, tqy) grid as
  (7, 7, 81) and ``mono`` (dimensionless efficiency, 46 NR energies 0.5-5.0 keV) as (46, 7, 7, 81);
* the exposures (t y) are read from the release notebook's ``livetimes`` cell.

The arrays go to ``<dest>/xenonnt_8b_2026/xenonnt_8b_templates.npz`` (zip entries written with a
fixed time stamp, so a re-run gives the same bytes); README.md, LICENSE, the binning yaml and the
event csv files are copied unchanged. ``solar_spectra/`` is copied unchanged after the same
check. Each destination folder gets a ``SHA256SUMS`` (``<sha256>  <name>``, names relative to the
folder) of every file in it, including its hand-written PROVENANCE.md.
"""

import argparse
import io
import json
import re
import shutil
import zipfile
from pathlib import Path

import h5py
import numpy as np
import yaml

from bayes_cevns.experiments.data import DataIntegrityError, sha256

RELEASE = "xenonnt_8b_2026"
SOLAR = "solar_spectra"
ARCHIVE = "xenonnt_8b_templates.npz"
RUNS = ("sr0", "sr1", "sr2")
#: observables in the order of the templates' axes (yaml / csv names)
OBSERVABLES = ("cs2", "s2_shadow_s2_time_shadow_quantile", "s1_bdt_score", "s2_bdt_score")
#: the same axes as named in the HDF5 ``bins/<i>`` attributes
HDF5_AXES = ("cs2", "s2_shadow_s2_time_shadow", "s1_bdt_score", "s2_bdt_score")
GRID = np.arange(-3.0, 3.5, 1.0)
MONO_KEV = np.round(np.linspace(0.5, 5.0, 46), 3)
COPIED = ("README.md", "LICENSE", *(f"binning/{sr}.yaml" for sr in RUNS), *(f"data/{sr}.csv" for sr in RUNS))
SOLAR_FILES = ("8B_shape_Winter_et_al.csv", "hep_shape.csv", "fluxes_b16.dat")


def read_manifest(folder: Path) -> dict[str, str]:
    """``{name: sha256}`` of a folder's SHA256SUMS (``<digest>  <name>`` lines)."""
    path = folder / "SHA256SUMS"
    if not path.is_file():
        raise DataIntegrityError(f"missing checksum manifest {path}")
    out = {}
    for line in path.read_text().splitlines():
        if line.strip():
            digest, name = line.split(maxsplit=1)
            out[name.strip()] = digest
    return out


def verify_folder(folder: Path) -> dict[str, str]:
    """Check every file listed in ``folder/SHA256SUMS``; the manifest on success."""
    manifest = read_manifest(folder)
    for name, digest in manifest.items():
        path = folder / name
        if not path.is_file():
            raise DataIntegrityError(f"missing source file {path}")
        if sha256(path) != digest:
            raise DataIntegrityError(f"source file {path} fails its checksum: restore it from the release")
    return manifest


def binning(folder: Path, sr: str) -> np.ndarray:
    """(4, 4) bin edges of one science run, rows in ``OBSERVABLES`` order."""
    raw = yaml.safe_load((folder / "binning" / f"{sr}.yaml").read_text())
    if set(raw) != set(OBSERVABLES):
        raise DataIntegrityError(f"binning/{sr}.yaml names {sorted(raw)}, expected {sorted(OBSERVABLES)}")
    edges = np.array([raw[k] for k in OBSERVABLES], dtype=float)
    if edges.shape != (4, 4) or np.any(np.diff(edges, axis=1) <= 0):
        raise DataIntegrityError(f"binning/{sr}.yaml: expected 4 ascending edges per observable")
    return edges


def observed_counts(folder: Path, sr: str, edges: np.ndarray) -> np.ndarray:
    """Events of ``data/<sr>.csv`` histogrammed in the 81 bins (C order)."""
    path = folder / "data" / f"{sr}.csv"
    header = path.read_text().splitlines()[0].split(",")
    if tuple(header[1:]) != OBSERVABLES:
        raise DataIntegrityError(f"{path}: columns {header[1:]}, expected {list(OBSERVABLES)}")
    events = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)[:, 1:]
    counts, _ = np.histogramdd(events, bins=list(edges))
    if counts.sum() != events.shape[0]:
        raise DataIntegrityError(f"{path}: {events.shape[0] - counts.sum():.0f} events outside the binning")
    return counts.reshape(-1).astype(np.int64)


def read_template(path: Path, edges: np.ndarray) -> np.ndarray:
    """The (81,) template of one HDF5 file, after checking its axes against ``edges``."""
    with h5py.File(path, "r") as h5:
        for i, axis in enumerate(HDF5_AXES):
            ds = h5[f"bins/{i}"]
            name = ds.attrs["name"]
            name = name.decode() if isinstance(name, bytes) else str(name)
            if name != axis or not np.allclose(ds[()], edges[i], rtol=0.0, atol=1e-9):
                raise DataIntegrityError(f"{path}: axis {i} is {name!r} with other edges than the yaml")
        values = np.asarray(h5["templates/template"][()], dtype=float)
    if values.shape != (3, 3, 3, 3) or not np.all(np.isfinite(values)) or np.any(values < 0):
        raise DataIntegrityError(f"{path}: template must be a finite non-negative (3, 3, 3, 3) array")
    return values.reshape(-1)


def exposures(folder: Path) -> dict[str, float]:
    """The ``livetimes`` dict of the release notebook (t y: it multiplies the /t/y templates)."""
    cells = json.loads((folder / "plot.ipynb").read_text())["cells"]
    source = next("".join(c["source"]) for c in cells if "livetimes" in "".join(c["source"]))
    found = dict(re.findall(r'"(sr\d)":\s*([0-9.]+)', source))
    if set(found) != set(RUNS):
        raise DataIntegrityError(f"{folder / 'plot.ipynb'}: livetimes cell names {sorted(found)}")
    return {sr: float(v) for sr, v in found.items()}


def run_arrays(folder: Path, sr: str) -> dict[str, np.ndarray]:
    """Every array of one science run, keyed ``<sr>_<what>``."""
    edges = binning(folder, sr)
    tdir = folder / "templates" / sr
    rg = np.empty((GRID.size, GRID.size, 81))
    mono = np.empty((MONO_KEV.size, GRID.size, GRID.size, 81))
    for i, a in enumerate(GRID):
        for j, b in enumerate(GRID):
            tail = f"cevns_tly_{a:.1f}_tqy_{b:.1f}.h5"
            rg[i, j] = read_template(tdir / "rg" / f"template_XENONnT_{sr}_rg_{tail}", edges)
            for k, e in enumerate(MONO_KEV):
                mono[k, i, j] = read_template(tdir / "mono" / f"template_XENONnT_{sr}_mono_{e:.3f}_{tail}", edges)
    return {
        f"{sr}_edges": edges,
        f"{sr}_observed": observed_counts(folder, sr, edges),
        f"{sr}_ac": read_template(tdir / "ac" / f"template_XENONnT_{sr}_ac_cevns.h5", edges),
        f"{sr}_er": read_template(tdir / "er" / f"template_XENONnT_{sr}_er_cevns.h5", edges),
        f"{sr}_rg": rg,
        f"{sr}_mono": mono,
    }


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """A compressed ``.npz`` readable by ``numpy.load`` whose bytes depend on the arrays only."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(arrays):
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.asarray(arrays[name]), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, buf.getvalue())


def write_manifest(folder: Path) -> None:
    """``folder/SHA256SUMS`` over every file below ``folder`` except itself, sorted by name."""
    names = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    lines = [f"{sha256(folder / n)}  {n}" for n in names if n != "SHA256SUMS"]
    (folder / "SHA256SUMS").write_text("\n".join(lines) + "\n")


def convert_release(source: Path, dest: Path) -> Path:
    """Verify ``source`` (the release folder), write the archive and the copies into ``dest``."""
    verify_folder(source)
    dest.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, np.ndarray] = {
        "observables": np.array(OBSERVABLES), "tly": GRID, "tqy": GRID, "mono_energy_kev": MONO_KEV}
    for sr, exposure in exposures(source).items():
        arrays |= run_arrays(source, sr)
        arrays[f"{sr}_exposure_t_y"] = np.float64(exposure)
    write_npz(dest / ARCHIVE, arrays)
    for name in COPIED:
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / name, dest / name)
    write_manifest(dest)
    return dest / ARCHIVE


def vendor_solar(source: Path, dest: Path) -> None:
    """Copy the three solar tables unchanged after checking them against their manifest."""
    manifest = verify_folder(source)
    missing = set(SOLAR_FILES) - set(manifest)
    if missing:
        raise DataIntegrityError(f"{source / 'SHA256SUMS'} does not list {sorted(missing)}")
    dest.mkdir(parents=True, exist_ok=True)
    for name in SOLAR_FILES:
        shutil.copyfile(source / name, dest / name)
    write_manifest(dest)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=Path("/work/shared/data"), help="shared data folder")
    parser.add_argument("--dest", type=Path, default=Path(__file__).resolve().parents[1] / "data",
                        help="the project's data folder")
    args = parser.parse_args()
    archive = convert_release(args.source / RELEASE, args.dest / RELEASE)
    vendor_solar(args.source / SOLAR, args.dest / SOLAR)
    print(json.dumps({"archive": str(archive), "archive_sha256": sha256(archive),
                      "source_manifest_sha256": sha256(args.source / RELEASE / "SHA256SUMS"),
                      "solar_manifest_sha256": sha256(args.source / SOLAR / "SHA256SUMS")}, indent=1))


if __name__ == "__main__":
    main()
