"""Inference layer: algorithms only -- objective, minimisers, profiles, sampling, evidence, toys."""
