"""A rectified-linear rate network, ``h <- relu(x W_in + h W_rec)``, as an architecture.

A worked example of a new architecture (docs/extending.md): its numpy network, which
every analysis works on, and its Keras model, which training builds. Keras's
``SimpleRNN`` with a ReLU and no bias is the model; a linear ``Dense`` layer reads out.
"""

from __future__ import annotations

import numpy as np

from rnn_ensembles.models.base import RecurrentNetwork

# The options build() takes, with their defaults (a variant's config may set each).
OPTIONS = {"recurrent_initializer": "identity", "recurrent_scale": 0.5}


class ReLURNNNetwork(RecurrentNetwork):
    """The trained network in numpy: row vectors, the Keras convention."""

    architecture = "relu_rnn"
    ARRAYS = {"W_in": 2, "W_rec": 2, "W_out": 2, "b_out": 1}

    @property
    def W_in(self) -> np.ndarray:  # noqa: N802 - the paper's name
        return self.arrays["W_in"]

    @property
    def W_rec(self) -> np.ndarray:  # noqa: N802
        return self.arrays["W_rec"]

    def _check(self, n_units: int) -> None:
        self._shape("W_rec", (n_units, n_units))
        self._shape("W_in", (None, n_units))

    def step(self, states, inputs):
        return np.maximum(0.0, np.asarray(inputs, np.float64) @ self.W_in + states @ self.W_rec)

    def jacobian(self, states, inputs):
        """diag(u > 0) W_rec^T, u = x W_in + h W_rec: column convention."""
        u = np.asarray(inputs, np.float64) @ self.W_in + states @ self.W_rec
        return (u > 0)[:, :, None] * self.W_rec.T[None]

    def recurrent_matrix(self) -> np.ndarray:
        return self.W_rec

    def without_connections(self, remove: np.ndarray) -> ReLURNNNetwork:
        return self.replace(W_rec=np.where(remove, 0.0, self.W_rec))


NETWORK = ReLURNNNetwork


def build(n_units: int, n_inputs: int, n_outputs: int, seed: int = 0, **options):
    """SimpleRNN(n_units, relu, no bias) -> Dense(n_outputs), W_rec scaled at the start.

    Args:
        n_units: number of recurrent units N.
        n_inputs: input channels.
        n_outputs: output channels.
        seed: the network's seed (the initializers draw from Keras's global seed).
        **options: ``recurrent_initializer``: Keras initializer of W_rec. Default
            "identity". ``recurrent_scale``: factor on the initial W_rec, below 1 so
            that the rectified activity does not grow without bound. Default 0.5.
    """
    import keras

    options = {**OPTIONS, **options}
    model = keras.Sequential(
        [
            keras.Input(shape=(None, n_inputs)),
            keras.layers.SimpleRNN(
                n_units,
                activation="relu",
                use_bias=False,
                recurrent_initializer=options["recurrent_initializer"],
                return_sequences=True,
                name="recurrent",
            ),
            keras.layers.Dense(n_outputs, name="readout"),
        ]
    )
    w_in, w_rec = model.get_layer("recurrent").get_weights()
    model.get_layer("recurrent").set_weights([w_in, options["recurrent_scale"] * w_rec])
    return model


def to_network(model, attrs: dict | None = None) -> ReLURNNNetwork:
    """The weights of a model built by :func:`build`, as the numpy network."""
    w_in, w_rec = model.get_layer("recurrent").get_weights()
    w_out, b_out = model.get_layer("readout").get_weights()
    arrays = {"W_in": w_in, "W_rec": w_rec, "W_out": w_out, "b_out": b_out}
    return ReLURNNNetwork(arrays, {}, dict(attrs or {}))
