"""Releases vendored with their own checksum manifest, ``data/<release>/SHA256SUMS``.

The COHERENT releases are listed in the top-level ``data/SHA256SUMS``
(:func:`bayes_cevns.experiments.data.verified_path`). A release converted or copied with its own
manifest (``xenonnt_8b_2026``, ``solar_spectra``; same ``<sha256>  <name>`` format, names relative
to the release folder) is verified against that one; when the top-level manifest also lists
``<release>/SHA256SUMS``, the release manifest is itself verified first. A missing, truncated or
altered file raises :class:`~bayes_cevns.experiments.data.DataIntegrityError` naming the file.
"""

from pathlib import Path

from bayes_cevns.experiments.data import checked_file, data_dir, parse_manifest, release_checksums, verified_path

MANIFEST = "SHA256SUMS"


def release_manifest(release: str) -> dict[str, str]:
    """``{name: sha256}`` of ``data/<release>/SHA256SUMS`` (itself verified when the top level lists it)."""
    if f"{release}/{MANIFEST}" in release_checksums(release):
        return parse_manifest(verified_path(release, MANIFEST))
    return parse_manifest(data_dir() / release / MANIFEST)


def release_file(release: str, name: str) -> Path:
    """Path of ``data/<release>/<name>`` after checking it against the release manifest."""
    return checked_file(data_dir() / release / name, release_manifest(release).get(name),
                        data_dir() / release / MANIFEST)


def release_file_checksums(release: str) -> dict[str, str]:
    """``{"<release>/<name>": sha256}`` of every file of the release (for result provenance)."""
    return {f"{release}/{k}": v for k, v in release_manifest(release).items()}
