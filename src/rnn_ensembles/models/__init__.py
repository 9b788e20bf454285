"""Architectures: one module per architecture, registered by its config name.

An architecture module provides

* ``NETWORK``: its :class:`~rnn_ensembles.models.base.RecurrentNetwork` subclass, the
  numpy object every analysis works on;
* ``OPTIONS``: the options its ``build`` takes, with their defaults;
* ``build(n_units, n_inputs, n_outputs, seed=0, **options)``: an uncompiled Keras model
  mapping (batch, time, inputs) to (batch, time, outputs), its recurrent layer named
  ``recurrent`` and its readout ``readout``;
* ``to_network(model, attrs)``: the trained model's weights as ``NETWORK``;
* optionally ``stack_form(models)``: the models (one per seed, same options) as one
  stacked model with a member axis (:class:`~rnn_ensembles.models.simple_rnn.RateStack`:
  ``loss_and_gradients``, ``outputs``, ``subset``), or a sentence saying why they do not
  stack; :func:`rnn_ensembles.stacking.train_stack` trains the seeds of a size with it;
  with it ``stack_refusal(options)``: why networks of these options do not stack, or
  ``None`` (read before any model is built, to plan the training jobs);
* optionally ``loss_and_gradients(model, inputs, targets)``, a faster gradient of the
  training loss than TensorFlow's automatic differentiation.

Modules are imported when first asked for, and import TensorFlow only inside ``build``
and ``to_network``: the analysis jobs, which need only ``NETWORK``, start in well under a
second.
"""

from __future__ import annotations

import importlib

from rnn_ensembles.models.base import RecurrentNetwork, load_network

ARCHITECTURES = ("simple_rnn", "leaky_rnn", "gru", "lstm")

__all__ = ["ARCHITECTURES", "RecurrentNetwork", "get_architecture", "load_network"]


def get_architecture(name: str):
    """The module of architecture ``name``."""
    if name not in ARCHITECTURES:
        allowed = ", ".join(ARCHITECTURES)
        raise ValueError(f"unknown architecture {name!r}: expected one of {allowed}")
    return importlib.import_module(f"rnn_ensembles.models.{name}")


def network_class(name: str) -> type[RecurrentNetwork]:
    """The numpy network class of architecture ``name``."""
    return get_architecture(name).NETWORK
