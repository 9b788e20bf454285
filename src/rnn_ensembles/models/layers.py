"""The package's Keras objects (custom cells, constraints), registered with Keras.

Importing this module lets plain ``keras.models.load_model`` read every ``model.keras``
that the workflow writes; the architectures' ``build`` functions import it themselves.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

# Second entry of the seed of the connection mask's generator, default_rng([seed, this]):
# the mask draws from a stream of its own, apart from anything else drawn from the seed.
MASK_STREAM = 0x6D61736B


def connection_mask(
    n_units: int, connection_probability: float, autapses: bool, seed: int
) -> np.ndarray | None:
    """Which recurrent connections exist, (N, N) float 0/1, or ``None`` when all do.

    Each connection i -> j (row i, column j) exists with probability
    ``connection_probability``, drawn from ``numpy.random.default_rng([seed, MASK_STREAM])``;
    without ``autapses`` the diagonal is 0.
    """
    if connection_probability >= 1.0 and autapses:
        return None
    mask = np.ones((n_units, n_units))
    if connection_probability < 1.0:
        rng = np.random.default_rng([int(seed), MASK_STREAM])
        mask = (rng.random((n_units, n_units)) < connection_probability).astype(np.float64)
    if not autapses:
        np.fill_diagonal(mask, 0.0)
    return mask


def unit_signs(n_units: int, excitatory_fraction: float) -> np.ndarray:
    """+1 for the first ``round(excitatory_fraction * N)`` units (excitatory), -1 after."""
    n_excitatory = round(excitatory_fraction * n_units)
    return np.where(np.arange(n_units) < n_excitatory, 1.0, -1.0)


@keras.saving.register_keras_serializable(package="rnn_ensembles")
class RateCell(keras.layers.Layer):
    """Eq. 6 of Jarne (2024) as a Keras RNN cell, with the biological constraints.

    ``h <- (1 - alpha) h + alpha tanh(x W_in + h W_rec)``, ``alpha = dt / tau``, no bias,
    zero initial state. ``W_in`` and ``W_rec`` are the *effective* matrices, functions of
    the trainable ``kernel`` and ``recurrent_kernel`` (K and R):

    * ``W_rec = R * mask`` where some connections are absent (``connection_probability`` < 1
      or no ``autapses``), and with ``dale`` ``W_rec = diag(signs) |R| * mask`` (Song, Yang
      & Wang 2016): every outgoing weight of unit i (row i) has unit i's sign;
    * ``W_in = |K|`` with ``dale_inputs = "nonnegative"``, ``K`` otherwise.

    The constraints therefore hold exactly for any value of the variables, during and after
    training. ``R`` starts as ``recurrent_initializer`` draws it times the mask, so that
    absent connections are exactly 0 in the variable too; under Dale's law it starts as
    ``|R|`` with the inhibitory rows scaled by ``N_E / N_I``, which balances the expected
    excitatory and inhibitory input to every unit (without it the positive mean of ``|R|``
    gives ``W_rec`` one eigenvalue of about ``0.5 sqrt(N)`` for an orthogonal draw), and the
    whole matrix then scaled to the mean square of the initializer's draw.

    With ``noise_std`` > 0 every step during training (``training=True``) adds
    ``sqrt(2 alpha) noise_std`` times standard Gaussian noise to the state (Song, Yang &
    Wang 2016's discretisation of white noise on ``tau dh/dt``): the noise's stationary
    standard deviation in a leaky integrator is ``noise_std`` whatever ``dt`` and ``tau``.
    Outside training the cell is deterministic.

    Args:
        units: number of units N.
        tau: time constant (ms). Default 1.
        dt: time step (ms); ``alpha = dt / tau`` must be in (0, 1]. Default 1 (with tau = 1:
            Eq. 7).
        noise_std: standard deviation of the recurrent noise in training. Default 0.
        dale: Dale's law on the recurrent weights. Default False.
        excitatory_fraction: with ``dale``, the fraction of excitatory units. Default 0.8.
        dale_inputs: with ``dale``, "free" or "nonnegative" input weights. Default "free".
        connection_probability: probability of each recurrent connection. Default 1.
        autapses: whether a unit may connect to itself. Default True.
        mask: the (N, N) 0/1 connection mask; drawn by :func:`connection_mask` from the
            three arguments above and ``seed`` when ``None`` (a saved cell holds the
            drawn mask, so that loading it never draws again). Default None.
        kernel_initializer: Keras initializer of K. Default "glorot_uniform".
        recurrent_initializer: Keras initializer of R. Default "orthogonal".
        seed: the network's seed: of the mask and of the noise. Default 0.
    """

    def __init__(
        self,
        units: int,
        tau: float = 1.0,
        dt: float = 1.0,
        noise_std: float = 0.0,
        dale: bool = False,
        excitatory_fraction: float = 0.8,
        dale_inputs: str = "free",
        connection_probability: float = 1.0,
        autapses: bool = True,
        mask=None,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        seed: int = 0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.units = int(units)
        self.state_size = self.units
        self.output_size = self.units
        self.tau, self.dt = float(tau), float(dt)
        self.alpha = self.dt / self.tau
        self.noise_std = float(noise_std)
        self.dale = bool(dale)
        self.excitatory_fraction = float(excitatory_fraction)
        self.dale_inputs = str(dale_inputs)
        self.connection_probability = float(connection_probability)
        self.autapses = bool(autapses)
        self.seed = int(seed)
        if mask is None:
            mask = connection_mask(self.units, self.connection_probability, self.autapses, seed)
        self.mask = None if mask is None else np.asarray(mask, dtype=np.float64)
        self.signs = unit_signs(self.units, self.excitatory_fraction) if self.dale else None
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.recurrent_initializer = keras.initializers.get(recurrent_initializer)
        # Only a noisy cell holds a random state: the others stay free of one.
        self.noise_seeds = keras.random.SeedGenerator(self.seed) if self.noise_std > 0 else None

    @property
    def constrained(self) -> bool:
        """Whether W_in or W_rec differ from the variables (a mask, Dale's law)."""
        return self.mask is not None or self.dale

    def build(self, input_shape):
        self.kernel = self.add_weight(
            shape=(input_shape[-1], self.units),
            name="kernel",
            initializer=self.kernel_initializer,
        )
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, self.units),
            name="recurrent_kernel",
            initializer=self._initial_recurrent_kernel,
        )

    def _initial_recurrent_kernel(self, shape, dtype=None):
        weights = self.recurrent_initializer(shape, dtype=dtype)
        if self.dale:
            n_excitatory = int(np.sum(self.signs > 0))
            n_inhibitory = self.units - n_excitatory
            scale = np.ones((self.units, 1))
            if n_excitatory and n_inhibitory:
                scale[self.signs < 0] = n_excitatory / n_inhibitory
                scale /= np.sqrt(np.mean(scale**2))  # the initializer's mean square kept
            weights = ops.abs(weights) * ops.cast(scale, weights.dtype)
        if self.mask is not None:
            weights = weights * ops.cast(self.mask, weights.dtype)
        return weights

    def effective_kernels(self):
        """(W_in, W_rec): the matrices that act on inputs and state, from the variables."""
        w_in, w_rec = self.kernel, self.recurrent_kernel
        if self.dale and self.dale_inputs == "nonnegative":
            w_in = ops.abs(w_in)
        if self.dale:
            w_rec = ops.abs(w_rec) * ops.cast(self.signs[:, None], w_rec.dtype)
        if self.mask is not None:
            w_rec = w_rec * ops.cast(self.mask, w_rec.dtype)
        return w_in, w_rec

    def call(self, inputs, states, training=False):
        h = states[0] if isinstance(states, (list, tuple)) else states
        w_in, w_rec = self.effective_kernels()
        # The ops and their order of keras.layers.SimpleRNNCell: with alpha = 1 and no
        # constraint the two give the same bits.
        new = ops.tanh(ops.matmul(inputs, w_in) + ops.matmul(h, w_rec))
        if self.alpha != 1.0:
            new = (1.0 - self.alpha) * h + self.alpha * new
        if training and self.noise_seeds is not None:
            scale = np.sqrt(2.0 * self.alpha) * self.noise_std
            new = new + scale * keras.random.normal(
                ops.shape(new), dtype=new.dtype, seed=self.noise_seeds
            )
        return new, [new]

    def get_initial_state(self, batch_size=None):
        return [ops.zeros((batch_size, self.units), dtype=self.compute_dtype)]

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "tau": self.tau,
            "dt": self.dt,
            "noise_std": self.noise_std,
            "dale": self.dale,
            "excitatory_fraction": self.excitatory_fraction,
            "dale_inputs": self.dale_inputs,
            "connection_probability": self.connection_probability,
            "autapses": self.autapses,
            "mask": None if self.mask is None else self.mask.astype(int).tolist(),
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": keras.initializers.serialize(self.recurrent_initializer),
            "seed": self.seed,
        }
