"""The public API of ``bayes_cevns``: what the notebooks import, and that every name resolves.

The notebooks are the package's user-facing examples, so they import only
``from bayes_cevns import <names>`` with names of ``bayes_cevns.__all__``; internals stay free to
move. Each name of the lazy table ``bayes_cevns._API`` must resolve to an object of its module (or,
for the ``physics`` and ``priors`` namespaces, to the subpackage itself).
"""

import ast
import json
import subprocess
import sys
import types

import numpy as np
import pytest
from support import REPO_ROOT

import bayes_cevns

NOTEBOOKS = sorted((REPO_ROOT / "notebooks").glob("*.ipynb"))


def _code(path) -> str:
    """The notebook's code cells as one Python source, IPython magics and shell lines dropped."""
    cells = [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
    lines = [ln for c in cells for ln in "".join(c["source"]).splitlines()
             if not ln.lstrip().startswith(("%", "!"))]
    return "\n".join(lines)


def _package_imports(tree: ast.AST) -> list[tuple[str, list[str]]]:
    """(module, names) of every import of bayes_cevns or one of its submodules."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, []) for a in node.names if a.name.split(".")[0] == "bayes_cevns"]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "bayes_cevns":
            found.append((node.module, [a.name for a in node.names]))
    return found


def test_the_notebooks_are_found():
    assert {p.name[:2] for p in NOTEBOOKS} >= {"01", "02", "03"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_import_only_the_public_api(path):
    imports = _package_imports(ast.parse(_code(path)))
    assert imports, f"{path.name} does not use bayes_cevns"
    for module, names in imports:
        assert module == "bayes_cevns", f"{path.name}: import from {module}; use `from bayes_cevns import ...`"
        outside = [n for n in names if n not in bayes_cevns.__all__]
        assert not outside, f"{path.name}: {outside} are not in bayes_cevns.__all__"


def test_every_public_name_resolves():
    assert len(set(bayes_cevns.__all__)) == len(bayes_cevns.__all__)
    assert set(bayes_cevns.__all__) == {"__version__", *bayes_cevns._API}
    assert set(bayes_cevns.__all__) <= set(dir(bayes_cevns))
    for name, module in bayes_cevns._API.items():
        obj = getattr(bayes_cevns, name)
        if isinstance(obj, types.ModuleType):
            assert obj.__name__ == module == f"bayes_cevns.{name}"
        else:
            assert obj is getattr(sys.modules[module], name)
            assert obj.__doc__, f"{name} has no docstring"
    with pytest.raises(AttributeError):
        bayes_cevns.no_such_name  # noqa: B018
    from bayes_cevns import physics

    assert physics.form_factors.helm is sys.modules["bayes_cevns.physics.form_factors"].helm
    with pytest.raises(AttributeError):
        physics.no_such_module  # noqa: B018


def test_import_is_lazy():
    """``import bayes_cevns`` loads neither PyMC nor PyTensor; the API loads on first use."""
    code = "import sys, bayes_cevns; print(sorted(m for m in ('pymc', 'pytensor') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_api_checks_its_input_before_compiling():
    from bayes_cevns import coupling_posterior, lma_dark, mass_scan, nsi_bounds

    with pytest.raises(ValueError, match="positive"):
        mass_scan("universal", [1.0, -2.0])
    with pytest.raises(ValueError, match="positive"):
        mass_scan("universal", [])
    with pytest.raises(ValueError, match="confidence level"):
        mass_scan("universal", [1.0], cl=1.5)
    with pytest.raises(ValueError, match="unknown experiment"):
        mass_scan("universal", [1.0], experiments=["no_such_experiment"])
    with pytest.raises(ValueError, match="weight_dark"):
        lma_dark(None, [1.0], weight_dark=1.0)
    with pytest.raises(ValueError, match="confidence level"):
        nsi_bounds(None, "eps_ee_u", cl=0.0)
    with pytest.raises(ValueError, match="strictly increasing"):
        nsi_bounds(None, "eps_ee_u", t=[0.1, 0.0])
    with pytest.raises(ValueError, match="unknown prior"):
        coupling_posterior(None, "flat")


def test_coupling_posterior_of_a_two_mode_slice():
    """A synthetic slice with an SM-like region and a strip: the density has unit area in log10 g,
    the modes carry all of it, and the upper limit is the one :func:`limit` would report."""
    from bayes_cevns import coupling_posterior
    from bayes_cevns.inference.limits import Slice, bayes_upper

    lg = np.linspace(-7.0, 0.0, 141)
    chi2 = np.where(lg < -4.0, 0.0, np.where(np.abs(lg + 2.0) < 0.1, 1.0, 50.0))
    sl = Slice(10.0, lg.tolist(), chi2.tolist(), (-0.5 * chi2).tolist())
    post = coupling_posterior(sl, "log_uniform")
    assert np.trapezoid(post["density"], post["log10_g"]) == pytest.approx(1.0, rel=1e-6)
    assert len(post["modes"]) == 2
    assert sum(m["posterior"] for m in post["modes"]) == pytest.approx(1.0, abs=0.02)
    assert post["coupling_upper"] == bayes_upper(sl, post["cl"], "log_uniform")["coupling_upper"]
