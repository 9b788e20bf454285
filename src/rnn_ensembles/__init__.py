"""Ensemble experiments on trained recurrent neural networks."""

__version__ = "0.1.0"
