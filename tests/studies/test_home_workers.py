"""Which worker each (card, dataset) group of mass slices prefers (one model compiled per worker)."""

from pathlib import Path

from bayes_cevns.studies.scan import _home_workers


class _Client:
    def __init__(self, workers):
        self._workers = workers

    def scheduler_info(self):
        return {"workers": {w: {} for w in self._workers}}


def _todo(counts: dict[str, int]) -> list:
    return [(card, ("coherent_csi_2021",), float(i), Path(f"{card}-{i}")) for card, n in counts.items()
            for i in range(n)]


def test_groups_are_dealt_largest_first_to_the_least_loaded_worker():
    home = _home_workers(_Client(["tcp://b", "tcp://a"]), _todo({"u": 13, "v": 13, "w": 13, "x": 2, "y": 2}))
    per_worker: dict[str, int] = {}
    for key, (w,) in home.items():
        per_worker[w] = per_worker.get(w, 0) + {"u": 13, "v": 13, "w": 13, "x": 2, "y": 2}[key[0]]
    assert set(home) == {(c, ("coherent_csi_2021",)) for c in "uvwxy"}
    # u -> a (13), v -> b (13), w -> a (tie: first address; 26), x -> b (15), y -> b (17)
    assert per_worker == {"tcp://a": 26, "tcp://b": 17}


def test_no_preference_before_any_worker_joined():
    assert _home_workers(_Client([]), _todo({"u": 3})) == {}
