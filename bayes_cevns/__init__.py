"""bayes_cevns: Bayesian inference for CEvNS with the public COHERENT data.

Three one-directional layers:

* :mod:`bayes_cevns.physics` -- pure PyTensor functions (form factors, weak charges,
  cross sections) plus NumPy flux moments; no PyMC, no I/O.
* :mod:`bayes_cevns.experiments` -- one module per data release: loading with checksums,
  binning, detector response precomputed in NumPy, backgrounds, nuisances.
* :mod:`bayes_cevns.inference` -- PyMC model building, sampling, profile likelihood, CLI.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("bayes_cevns")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.1.0"

__all__ = ["__version__"]
