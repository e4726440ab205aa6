"""Shared fixtures: the compile mode of quick tests, a private copy of the data folder."""

import shutil

import pytensor
import pytest
from support import DATA, clear_data_caches


@pytest.fixture(scope="module")
def fast_compile():
    """Compile PyTensor graphs in FAST_COMPILE mode (for tests that evaluate a graph a few times)."""
    with pytensor.config.change_flags(mode="FAST_COMPILE"):
        yield


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    """A private copy of data/ selected with $BAYES_CEVNS_DATA (caches cleared before and after)."""
    dst = tmp_path / "data"
    shutil.copytree(DATA, dst)
    monkeypatch.setenv("BAYES_CEVNS_DATA", str(dst))
    clear_data_caches()
    yield dst
    clear_data_caches()
