"""The paper's model (Eq. 7): Keras ``SimpleRNN`` without bias plus a ``Dense`` readout."""

from __future__ import annotations

import keras

from rnn_ensembles.network import Network


def build(
    n_units: int,
    n_inputs: int,
    n_outputs: int,
    recurrent_initializer: str = "orthogonal",
    input_initializer: str = "glorot_uniform",
    unroll: bool = False,
) -> keras.Model:
    """SimpleRNN(n_units, tanh, no bias) -> Dense(n_outputs), as in Jarne (2024).

    Args:
        n_units: number of recurrent units N.
        n_inputs: input channels.
        n_outputs: output channels.
        recurrent_initializer: Keras initializer of W_rec. Default "orthogonal".
        input_initializer: Keras initializer of W_in. Default "glorot_uniform".
        unroll: unroll the time loop (faster for short trials, more memory). Default False.
    """
    return keras.Sequential(
        [
            keras.Input(shape=(None, n_inputs)),
            keras.layers.SimpleRNN(
                n_units,
                activation="tanh",
                use_bias=False,
                return_sequences=True,
                kernel_initializer=input_initializer,
                recurrent_initializer=recurrent_initializer,
                unroll=unroll,
                name="recurrent",
            ),
            keras.layers.Dense(n_outputs, name="readout"),
        ],
        name=f"simple_rnn_N{n_units}",
    )


def to_network(model: keras.Model, attrs: dict | None = None) -> Network:
    """The weights of a model built by :func:`build`, as a :class:`Network`."""
    recurrent = model.get_layer("recurrent")
    readout = model.get_layer("readout")
    w_in, w_rec = (w.numpy() if hasattr(w, "numpy") else w for w in recurrent.get_weights())
    w_out, b_out = readout.get_weights()
    return Network(w_in, w_rec, w_out, b_out, dict(attrs or {}))
