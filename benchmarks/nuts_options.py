"""The command-line options every NUTS benchmark takes: draws, tune and chains (4 x (1000 + 1000))."""

import argparse


def nuts_arguments(description: str | None = None) -> argparse.ArgumentParser:
    """An argument parser with ``--draws``, ``--tune`` and ``--chains``; scripts add their own options."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--tune", type=int, default=1000)
    ap.add_argument("--chains", type=int, default=4)
    return ap
