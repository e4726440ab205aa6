"""Shared fixtures: the compile mode of quick tests."""

import pytensor
import pytest


@pytest.fixture(scope="module")
def fast_compile():
    """Compile PyTensor graphs in FAST_COMPILE mode (for tests that evaluate a graph a few times)."""
    with pytensor.config.change_flags(mode="FAST_COMPILE"):
        yield
