"""``show``: the provenance a result file carries (versions, command line, data checksums, card,
seed, sampler settings and the user's overrides)."""

import json
from pathlib import Path
from typing import Annotated

import typer

from bayes_cevns.cli.errors import reported
from bayes_cevns.cli.options import AsJson

#: the first bytes of an HDF5 file, hence of a netCDF-4 result (``fit --out``)
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


def _plain(value: object) -> object:
    """netCDF attributes come back as NumPy scalars or arrays; make them JSON values."""
    return value.tolist() if hasattr(value, "tolist") else value


def read_provenance(path: str) -> dict[str, object]:
    """The provenance attributes of a netCDF posterior or the ``provenance`` entry of a JSON result."""
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    with p.open("rb") as fh:
        netcdf = fh.read(len(HDF5_SIGNATURE)) == HDF5_SIGNATURE
    if netcdf:
        import xarray as xr

        tree = xr.open_datatree(p, engine="h5netcdf")
        try:
            return {k: _plain(v) for k, v in tree.attrs.items()}
        finally:
            tree.close()
    try:
        content = json.loads(p.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ValueError(f"{path}: neither a netCDF posterior nor a JSON result file") from None
    if not isinstance(content, dict) or not isinstance(content.get("provenance"), dict):
        raise ValueError(f"{path}: this JSON file has no 'provenance' entry")
    return content["provenance"]


def _shown(value: object) -> str:
    """A value for the terminal: JSON-encoded attributes decoded and indented, text as it is."""
    if isinstance(value, str):
        try:
            decoded = json.loads(value)
        except json.JSONDecodeError:
            return value
        if not isinstance(decoded, (dict, list)):
            return value
        value = decoded
    return value if isinstance(value, str) else json.dumps(value, indent=2, sort_keys=True)


def show(
    path: Annotated[str, typer.Argument(help="result file: a netCDF posterior (fit --out) or a JSON result with a 'provenance' entry")],
    as_json: AsJson = False,
) -> None:
    """Print the provenance of a result file: versions, command line, data checksums, card and settings."""
    with reported():
        attrs = read_provenance(path)
    if as_json:
        typer.echo(json.dumps(attrs))
        return
    for key, value in attrs.items():
        text = _shown(value)
        if "\n" in text:
            typer.echo(f"{key}:")
            typer.echo("\n".join(f"    {line}" for line in text.splitlines()))
        else:
            typer.echo(f"{key}: {text}")
