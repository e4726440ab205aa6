"""Which worker each mass-slice task prefers: contiguous runs of one model, equal shares."""

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


def test_equal_shares_and_each_model_on_at_most_two_workers():
    counts = {"w": 13, "u": 13, "v": 13, "x": 2, "y": 2}
    todo = _todo(counts)
    home = _home_workers(_Client(["tcp://b", "tcp://a"]), todo)
    shares = {w: sum(h == [w] for h in home) for w in ("tcp://a", "tcp://b")}
    assert shares == {"tcp://a": 22, "tcp://b": 21}
    for card in counts:
        workers = {home[i][0] for i, t in enumerate(todo) if t[0] == card}
        assert len(workers) == (2 if card == "v" else 1)  # sorted u, v, w, x, y: the cut at 22 falls in v


def test_one_model_is_still_spread_over_every_worker():
    home = _home_workers(_Client(["tcp://a", "tcp://b"]), _todo({"universal": 40}))
    assert sorted(h[0] for h in home) == ["tcp://a"] * 20 + ["tcp://b"] * 20


def test_no_preference_before_any_worker_joined():
    assert _home_workers(_Client([]), _todo({"u": 3})) == [None, None, None]
