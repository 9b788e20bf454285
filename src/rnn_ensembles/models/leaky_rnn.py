"""The leaky rate network of the paper's Eq. 6, of which ``simple_rnn`` (Eq. 7) is alpha = 1.

``h(t+1) = (1 - alpha) h(t) + alpha tanh(x(t) W_in + h(t) W_rec)``, ``alpha = dt / tau``,
as :class:`~rnn_ensembles.models.layers.RateCell` in ``keras.layers.RNN`` plus a ``Dense``
readout. The default time step is the tasks' (one step stands for ``dt = 1`` ms) and the
default ``tau = 5`` ms gives ``alpha = 0.2``: a unit integrates over about five steps, well
under the 20-step pulses and delays of the flip-flop task, so that the network can still
switch within a pulse. With ``tau == dt`` the model computes exactly what ``simple_rnn``
does with the same weights.

Options ``noise_std`` (recurrent noise in training, see the cell) and the biological
constraints of ``simple_rnn`` (``dale``, ``excitatory_fraction``, ``dale_inputs``,
``connection_probability``, ``autapses``) combine freely. Training uses the hand-written
BPTT of ``simple_rnn``; with ``noise_std`` > 0 it differentiates by ``GradientTape``.
"""

from __future__ import annotations

from rnn_ensembles.models import simple_rnn
from rnn_ensembles.models.rate import RateNetwork


class LeakyRNNNetwork(RateNetwork):
    """Eq. 6 with ``alpha = options["alpha"]``."""

    architecture = "leaky_rnn"


NETWORK = LeakyRNNNetwork
OPTIONS = {
    "tau": 5.0,
    "dt": 1.0,
    "noise_std": 0.0,
    "recurrent_initializer": "orthogonal",
    "input_initializer": "glorot_uniform",
    "unroll": False,
    **simple_rnn.CONSTRAINT_OPTIONS,
}
# The options of the cell, which the numpy network records too (with alpha, which it runs on).
NETWORK_OPTIONS = ("tau", "dt", "noise_std", *simple_rnn.CONSTRAINT_OPTIONS)

loss_and_gradients = simple_rnn.loss_and_gradients
stack_form = simple_rnn.stack_form
stack_refusal = simple_rnn.stack_refusal


def option_problems(options: dict) -> list[str]:
    """One readable line for each option of ``leaky_rnn`` that :func:`build` would refuse."""
    return simple_rnn.rate_option_problems("leaky_rnn", options, OPTIONS)


def build(n_units: int, n_inputs: int, n_outputs: int, seed: int = 0, **options):
    """RNN(RateCell(n_units, tau, dt, ...)) -> Dense(n_outputs).

    Args:
        n_units: number of recurrent units N.
        n_inputs: input channels.
        n_outputs: output channels.
        seed: the network's seed: of the connection mask and the recurrent noise (the
            initializers draw from Keras's global seed).
        **options: those of :data:`OPTIONS`:

            * ``tau``: the units' time constant in ms. Default 5.
            * ``dt``: the time step in ms, at most ``tau``. Default 1.
            * ``noise_std``: the recurrent noise in training (stationary standard deviation;
              0 for none). Default 0.
            * ``recurrent_initializer``, ``input_initializer``, ``unroll``, ``dale``,
              ``excitatory_fraction``, ``dale_inputs``, ``connection_probability``,
              ``autapses``: as for :func:`rnn_ensembles.models.simple_rnn.build`.

    Raises:
        ValueError: listing every problem of ``options`` (see :func:`option_problems`).
    """
    options = simple_rnn.checked_options("leaky_rnn", options, OPTIONS, option_problems)
    cell_options = {key: options[key] for key in NETWORK_OPTIONS}
    return simple_rnn.rate_model(
        f"leaky_rnn_N{n_units}", n_units, n_inputs, n_outputs, seed, cell_options, options
    )


def to_network(model, attrs: dict | None = None) -> LeakyRNNNetwork:
    """The weights of a model built by :func:`build`, as a :class:`LeakyRNNNetwork`: the
    effective W_in and W_rec, ``mask`` and ``signs`` where they apply, and the options."""
    cell = model.get_layer("recurrent").cell
    options = {"alpha": cell.alpha, **simple_rnn.cell_options(cell, NETWORK_OPTIONS)}
    return LeakyRNNNetwork(simple_rnn.rate_arrays(model), options, dict(attrs or {}))
