"""mkdocs hook: write docs/faults.md ("What happens when…") from the tests' fault parametrisations.

Sources: ``tests/fault_catalogue.py`` (signals, interrupted writes, full disk, corrupted data,
card errors, umask) and the bad-input cases of ``tests/cli/test_cli_errors.py`` (``CASES``).
"""

import ast
import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _cli_cases() -> list:
    """``CASES`` of the CLI error test, read without importing the package (a literal list)."""
    tree = ast.parse((ROOT / "tests/cli/test_cli_errors.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "CASES" for t in node.targets):
            source = ast.unparse(node.value).replace("*CSI", "'--data', 'coherent_csi_2021'")
            source = source.replace("UNWRITABLE", "'<unwritable folder>/post.nc'")
            return ast.literal_eval(source)
    raise RuntimeError("tests/cli/test_cli_errors.py has no CASES list")


def page() -> str:
    faults = _load(ROOT / "tests/fault_catalogue.py", "fault_catalogue").FAULTS
    lines = ["# What happens when…", "",
             "Generated from the test suite's fault parametrisations at every docs build; each row is a test.",
             "", "## Interruptions, failed writes, corrupted inputs", "",
             "| fault | behaviour | test |", "|---|---|---|"]
    lines += [f"| {f} | {b} | `{n.split('::')[-1]}` |" for f, b, n in faults]
    lines += ["", "## Bad command-line input", "",
              "Every case exits with code 2 and prints exactly one line `error: …` on stderr (no traceback), "
              "before any model is built; the line contains the text shown.", "",
              "| case | command | the error names |", "|---|---|---|"]
    for case, argv, needle in _cli_cases():
        command = " ".join(argv).replace("{tmp}", "DIR").replace("{file}", "FILE").replace("|", "\\|")
        lines.append(f"| {case} | `bayes-cevns {command}` | `{needle}` |")
    return "\n".join(lines) + "\n"


def on_pre_build(config, **kwargs) -> None:
    (Path(config["docs_dir"]) / "faults.md").write_text(page())
