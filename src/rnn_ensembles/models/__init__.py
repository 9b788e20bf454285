"""Architectures: one module per architecture, registered by its config name.

An architecture module provides ``build(n_units, n_inputs, n_outputs, **options)``
returning an uncompiled Keras model that maps (batch, time, inputs) to
(batch, time, outputs), and ``to_network(model)`` returning the weights as a
:class:`rnn_ensembles.network.Network` for the analyses.
"""

from rnn_ensembles.models import simple_rnn

ARCHITECTURES = {"simple_rnn": simple_rnn}


def get_architecture(name: str):
    if name not in ARCHITECTURES:
        raise ValueError(f"unknown architecture {name!r}: expected one of {sorted(ARCHITECTURES)}")
    return ARCHITECTURES[name]
