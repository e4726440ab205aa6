"""Result files: atomic, umask-respecting writes and the provenance block."""

import errno
import json
import os
import stat
import sys
from pathlib import Path

import pytest

from bayes_cevns import io
from bayes_cevns.experiments import load_experiment
from bayes_cevns.model.cards import load_card


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_files_honour_the_umask(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        path = io.write_text_atomic("x", tmp_path / "a.txt")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == mode


def test_full_disk_keeps_the_previous_result(tmp_path, monkeypatch):
    """An OSError(ENOSPC) while writing leaves the old file byte-identical and no temporary file."""
    target = tmp_path / "table.json"
    target.write_text('{"old": true}')

    def full(self, *a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(type(target), "write_text", full)
    with pytest.raises(OSError, match="No space left"):
        io.write_text_atomic("new", target)
    monkeypatch.undo()
    assert target.read_text() == '{"old": true}'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["table.json"]


def test_provenance_records_what_the_user_chose(monkeypatch):
    monkeypatch.setattr(sys, "argv", ["bayes-cevns", "fit", "sm", "--set", "rn_cs=5.5"])
    card = load_card("sm")
    prov = io.provenance(card, [load_experiment("coherent_csi_2021")], seed=7, sampler="nutpie",
                         overrides={"rn_cs": 5.5}, draws=10)
    assert prov["command_line"] == "bayes-cevns fit sm --set rn_cs=5.5"
    assert prov["model_card"] == card.text
    assert prov["seed"] == 7 and prov["draws"] == 10 and prov["sampler"] == "nutpie"
    assert json.loads(prov["overrides"]) == {"rn_cs": 5.5}
    versions = json.loads(prov["package_versions"])
    assert {"pymc", "pytensor", "nutpie", "numpy"} <= set(versions)
    sums = json.loads(prov["data_sha256"])
    assert len(sums) == 8 and all(k.startswith("coherent_csi_2021/") for k in sums)


def test_provenance_names_the_git_commit_of_a_checkout():
    """In a git checkout the commit is recorded (and marked +dirty with local changes), checked
    against git itself; outside one it is empty."""
    import subprocess

    io.git_commit.cache_clear()
    root = Path(io.__file__).resolve().parents[1]
    commit = io.provenance()["git_commit"]
    if not (root / ".git").exists():
        assert commit == ""
        return
    head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    assert commit == head + ("+dirty" if dirty else "")
    assert len(head) == 40
