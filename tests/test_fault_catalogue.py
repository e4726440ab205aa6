"""Every entry of the fault catalogue names a test that exists."""

import ast

import pytest
from fault_catalogue import FAULTS
from support import REPO_ROOT


def _test_names(path) -> set[str]:
    tree = ast.parse((REPO_ROOT / path).read_text())
    return {n.name for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")}


@pytest.mark.parametrize("fault, behaviour, node", FAULTS, ids=[f[0] for f in FAULTS])
def test_catalogued_test_exists(fault, behaviour, node):
    path, name = node.split("::")
    assert name in _test_names(path), f"{node} (catalogued for {fault!r}) does not exist"
