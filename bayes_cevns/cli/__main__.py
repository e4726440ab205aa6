"""``python -m bayes_cevns.cli``: the ``bayes-cevns`` command."""

from bayes_cevns.cli import main

main()
