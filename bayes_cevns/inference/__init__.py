"""Inference layer: model cards -> PyTensor forward model -> PyMC model, sampling, profiles, CLI."""
