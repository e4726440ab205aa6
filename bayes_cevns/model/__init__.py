"""Model layer: model cards, the forward graph and the only code that writes PyMC models."""
