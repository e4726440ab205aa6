"""Output paths checked before any work: a long fit or scan must not fail only when it saves.

A result file may go into a folder that does not exist yet (the atomic writers of
:mod:`bayes_cevns.io` create it), provided the nearest existing folder above it is writable;
it must not be a folder itself nor an existing file that cannot be written. A figure goes
into an existing writable folder and has an extension matplotlib can save.
"""

import os
import tempfile
from pathlib import Path


def _nearest_existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _check_writable_folder(folder: Path, flag: str, target: str) -> None:
    if not folder.is_dir():
        raise ValueError(f"{flag} {target}: {folder} is not a folder")
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as err:
        raise OSError(f"{flag} {target}: cannot write in {folder} ({err.strerror or err})") from None


def check_output_file(path: str, flag: str = "--out", create_folder: bool = True) -> Path:
    """Raise unless ``path`` can be written as a file (its folder created if ``create_folder``)."""
    p = Path(path)
    if p.is_dir():
        raise ValueError(f"{flag} {path}: is a folder; give a file name")
    if p.exists() and not os.access(p, os.W_OK):
        raise OSError(f"{flag} {path}: the existing file is not writable")
    if not create_folder and not p.parent.is_dir():
        raise ValueError(f"{flag} {path}: folder {p.parent} does not exist")
    _check_writable_folder(_nearest_existing(p.parent), flag, path)
    return p


def check_output_folder(path: str, flag: str = "--out") -> Path:
    """Raise unless ``path`` is, or can be created as, a writable folder."""
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise ValueError(f"{flag} {path}: exists and is not a folder")
    _check_writable_folder(_nearest_existing(p), flag, path)
    return p


def check_figure_file(path: str, flag: str = "--plot") -> Path:
    """Raise unless ``path`` is a writable file in an existing folder, in a format matplotlib saves."""
    from matplotlib.backend_bases import FigureCanvasBase

    formats = FigureCanvasBase.get_supported_filetypes()
    suffix = Path(path).suffix.lstrip(".").lower()
    if suffix not in formats:
        raise ValueError(f"{flag} {path}: unknown figure format {suffix or '(no extension)'!r}; "
                         f"choose one of {', '.join(sorted(formats))}")
    return check_output_file(path, flag, create_folder=False)
