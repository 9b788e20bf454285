"""The paper's model (Eq. 7): Keras ``SimpleRNN`` without bias plus a ``Dense`` readout.

Options ``dale``, ``connection_probability`` and ``autapses`` (and ``excitatory_fraction``,
``dale_inputs`` with ``dale``) add the biological constraints of
:class:`~rnn_ensembles.models.layers.RateCell`, which then replaces ``SimpleRNN`` (it cannot
express them); without them the model is ``SimpleRNN`` exactly. The constraint options, their
checks, the constrained model and the hand-written BPTT are shared with ``leaky_rnn``.
"""

from __future__ import annotations

import math
import numbers

from rnn_ensembles.models.rate import RateNetwork


class SimpleRNNNetwork(RateNetwork):
    """Eq. 7, h(t+1) = tanh(x(t) W_in + h(t) W_rec): the rate network with alpha = 1."""

    architecture = "simple_rnn"


NETWORK = SimpleRNNNetwork
# The biological constraints, the same for every rate architecture; the defaults impose none.
CONSTRAINT_OPTIONS = {
    "dale": False,
    "excitatory_fraction": 0.8,
    "dale_inputs": "free",
    "connection_probability": 1.0,
    "autapses": True,
}
OPTIONS = {
    "recurrent_initializer": "orthogonal",
    "input_initializer": "glorot_uniform",
    "unroll": False,
    **CONSTRAINT_OPTIONS,
}
DALE_INPUTS = ("free", "nonnegative")


def option_problems(options: dict) -> list[str]:
    """One readable line for each option of ``simple_rnn`` that :func:`build` would refuse."""
    return rate_option_problems("simple_rnn", options, OPTIONS)


def rate_option_problems(architecture: str, options: dict, allowed: dict) -> list[str]:
    """The problems of ``options`` for a rate architecture that takes the options ``allowed``.

    One line for each bad option, naming it and what it may be; an option outside
    ``allowed`` is refused with the list of those that are.
    """
    problems = {  # option -> its line; the first problem found of an option is the one told
        key: f"unknown option {key!r} for {architecture}; allowed: {', '.join(sorted(allowed))}"
        for key in options
        if key not in allowed
    }
    given = {key: value for key, value in options.items() if key in allowed}

    def refuse(key, what):
        problems.setdefault(key, f"{key} = {given[key]!r}: {what}")

    def number(key, what, inside):
        if key in given and not (_is_number(given[key]) and inside(given[key])):
            refuse(key, what)

    for key in ("unroll", "dale", "autapses"):
        if key in given and not isinstance(given[key], bool):
            refuse(key, "must be true or false")
    for key in ("recurrent_initializer", "input_initializer"):
        if key in given and not (isinstance(given[key], (str, dict)) and given[key]):
            refuse(key, "must name a Keras initializer")
    number("excitatory_fraction", "must be in (0, 1)", lambda v: 0 < v < 1)
    number("connection_probability", "must be in (0, 1]", lambda v: 0 < v <= 1)
    number("tau", "must be a finite number > 0 (ms)", lambda v: 0 < v < math.inf)
    number("dt", "must be a finite number > 0 (ms)", lambda v: 0 < v < math.inf)
    number("noise_std", "must be a finite number >= 0", lambda v: 0 <= v < math.inf)
    if "dale_inputs" in given and given["dale_inputs"] not in DALE_INPUTS:
        refuse("dale_inputs", f"must be one of {', '.join(DALE_INPUTS)}")
    dale = given.get("dale") is True
    for key in ("excitatory_fraction", "dale_inputs"):
        if not dale and key in given and given[key] != CONSTRAINT_OPTIONS[key]:
            refuse(key, "takes effect only with dale: true")
    initializer = given.get("recurrent_initializer", allowed["recurrent_initializer"])
    if dale and isinstance(initializer, str) and initializer.lower() == "identity":
        # |W| has no gradient at W = 0: from the identity no off-diagonal weight would grow.
        problems.setdefault(
            "recurrent_initializer",
            f"recurrent_initializer = {initializer!r}: cannot train with dale: true (its "
            "off-diagonal weights would stay 0); choose another, e.g. 'orthogonal'",
        )
    tau, dt = given.get("tau", allowed.get("tau")), given.get("dt", allowed.get("dt"))
    if "dt" not in problems and "tau" not in problems and _is_number(dt) and dt > tau:
        problems["dt"] = f"dt = {dt!r} > tau = {tau!r}: alpha = dt / tau must be at most 1"
    return list(problems.values())


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def checked_options(architecture: str, options: dict, allowed: dict, problems) -> dict:
    """``options`` over the defaults ``allowed``; ValueError listing every problem if any."""
    found = problems(options)
    if found:
        raise ValueError(f"{architecture} options: " + "; ".join(found))
    return {**allowed, **options}


def constrained(options: dict) -> bool:
    """Whether the options impose any constraint (Dale's law, a connection mask)."""
    return options["dale"] or options["connection_probability"] < 1 or not options["autapses"]


def build(n_units: int, n_inputs: int, n_outputs: int, seed: int = 0, **options):
    """SimpleRNN(n_units, tanh, no bias) -> Dense(n_outputs), as in Jarne (2024).

    Args:
        n_units: number of recurrent units N.
        n_inputs: input channels.
        n_outputs: output channels.
        seed: the network's seed: of the connection mask (the initializers draw from Keras's
            global seed).
        **options: those of :data:`OPTIONS`:

            * ``recurrent_initializer``: Keras initializer of W_rec. Default "orthogonal".
            * ``input_initializer``: Keras initializer of W_in. Default "glorot_uniform".
            * ``unroll``: unroll the time loop (faster for short trials, more memory).
              Default False.
            * ``dale``: Dale's law, every outgoing recurrent weight of a unit with the unit's
              sign. Default False.
            * ``excitatory_fraction``: with ``dale``, the first round(fraction N) units are
              excitatory, the others inhibitory. Default 0.8.
            * ``dale_inputs``: with ``dale``, "free" or "nonnegative" input weights.
              Default "free".
            * ``connection_probability``: each recurrent connection exists with this
              probability (a fixed mask drawn from ``seed``). Default 1.
            * ``autapses``: whether a unit may connect to itself. Default True.

    Raises:
        ValueError: listing every problem of ``options`` (see :func:`option_problems`).
    """
    # Checked before Keras is imported: a bad option fails in well under a second.
    options = checked_options("simple_rnn", options, OPTIONS, option_problems)
    import keras

    if constrained(options):
        return rate_model(
            f"simple_rnn_N{n_units}",
            n_units,
            n_inputs,
            n_outputs,
            seed,
            {key: options[key] for key in CONSTRAINT_OPTIONS},
            options,
        )
    return keras.Sequential(
        [
            keras.Input(shape=(None, n_inputs)),
            keras.layers.SimpleRNN(
                n_units,
                activation="tanh",
                use_bias=False,
                return_sequences=True,
                kernel_initializer=options["input_initializer"],
                recurrent_initializer=options["recurrent_initializer"],
                unroll=options["unroll"],
                name="recurrent",
            ),
            keras.layers.Dense(n_outputs, name="readout"),
        ],
        name=f"simple_rnn_N{n_units}",
    )


def rate_model(name, n_units, n_inputs, n_outputs, seed, cell_options: dict, options: dict):
    """RNN(RateCell) -> Dense(n_outputs): the model of every constrained or leaky network.

    Args:
        name: the model's name.
        n_units: number of recurrent units N.
        n_inputs: input channels.
        n_outputs: output channels.
        seed: the network's seed (of the mask and the noise).
        cell_options: the cell's options (tau, dt, noise_std and the constraints).
        options: the architecture's checked options, of which the initializers and unroll
            are read here.
    """
    import keras

    from rnn_ensembles.models.layers import RateCell

    cell = RateCell(
        n_units,
        kernel_initializer=options["input_initializer"],
        recurrent_initializer=options["recurrent_initializer"],
        seed=seed,
        **cell_options,
    )
    return keras.Sequential(
        [
            keras.Input(shape=(None, n_inputs)),
            keras.layers.RNN(
                cell, return_sequences=True, unroll=options["unroll"], name="recurrent"
            ),
            keras.layers.Dense(n_outputs, name="readout"),
        ],
        name=name,
    )


def rate_arrays(model) -> dict:
    """W_in, W_rec (effective), W_out, b_out, and mask and signs where the cell has them,
    of a model whose recurrent layer holds a :class:`~rnn_ensembles.models.layers.RateCell`."""
    cell = model.get_layer("recurrent").cell
    w_in, w_rec = (w.numpy() for w in cell.effective_kernels())  # a variable or a tensor
    w_out, b_out = model.get_layer("readout").get_weights()
    arrays = {"W_in": w_in, "W_rec": w_rec, "W_out": w_out, "b_out": b_out}
    if cell.mask is not None:
        arrays["mask"] = cell.mask
    if cell.signs is not None:
        arrays["signs"] = cell.signs
    return arrays


def cell_options(cell, keys) -> dict:
    """The options ``keys`` as a :class:`~rnn_ensembles.models.layers.RateCell` holds them."""
    return {key: getattr(cell, key) for key in keys}


def to_network(model, attrs: dict | None = None) -> SimpleRNNNetwork:
    """The weights of a model built by :func:`build`, as a :class:`SimpleRNNNetwork`.

    Without constraints the options are ``{}``; with them, the constraint options, and the
    arrays include ``mask`` and ``signs`` where they apply.
    """
    import keras

    recurrent = model.get_layer("recurrent")
    if isinstance(recurrent, keras.layers.SimpleRNN):
        w_in, w_rec = recurrent.get_weights()
        w_out, b_out = model.get_layer("readout").get_weights()
        arrays = {"W_in": w_in, "W_rec": w_rec, "W_out": w_out, "b_out": b_out}
        return SimpleRNNNetwork(arrays, {}, dict(attrs or {}))
    options = cell_options(recurrent.cell, CONSTRAINT_OPTIONS)
    return SimpleRNNNetwork(rate_arrays(model), options, dict(attrs or {}))


def loss_and_gradients(model, inputs, targets, mask=None, chunk: int = 20):
    """Mean squared error of ``model(inputs)`` and its gradients, by hand-written BPTT.

    With ``mask`` (the shape of ``targets``) the loss is the masked MSE
    ``mean(mask * (output - target)^2)`` (:func:`masked_mse`); without it, the plain mean
    over every step and channel, by the same ops as before masks existed.

    For ``SimpleRNN`` and for :class:`~rnn_ensembles.models.layers.RateCell` (any alpha,
    mask and Dale's law). The same numbers as ``keras.losses.MeanSquaredError`` under a
    ``GradientTape`` (up to float32 rounding; tests/test_network.py checks it), in about half
    the time on a CPU (two thirds with alpha < 1 or constraints): the input drive
    ``x W_in`` and every weight gradient are single matmuls over all steps and trials, and
    the two time loops hold nothing but ``h W_rec + drive, tanh`` forward and
    ``(dh + g) (1 - h^2), g W_rec^T`` backward (with alpha < 1 also the blend with the
    previous state). Each loop runs over chunks of ``chunk`` steps written out in the graph,
    which keeps the per-step overhead of a loop iteration small without the long compile of
    a fully unrolled trial. The constraints
    enter only through the effective matrices: their gradients are taken by hand, and
    carried to the variables by a ``GradientTape`` over the constraint map alone.

    A cell with recurrent noise (``noise_std`` > 0) is differentiated by ``GradientTape``
    over ``model(inputs, training=True)`` instead, which draws the noise as the cell does.

    Returns the loss and the gradients in the order of ``model.trainable_variables``
    (``W_in``, ``W_rec``, ``W_out``, ``b_out``). Call inside a ``tf.function``.
    """
    import tensorflow as tf

    from rnn_ensembles.models.layers import RateCell

    cell = model.get_layer("recurrent").cell
    rate_cell = isinstance(cell, RateCell)
    if rate_cell and cell.noise_std > 0:
        return _tape_loss_and_gradients(model, inputs, targets, mask)
    readout = model.get_layer("readout")
    variables = [cell.kernel, cell.recurrent_kernel]
    if rate_cell and cell.constrained:
        # Records the few element-wise ops from the variables to W_in, W_rec; the time loops
        # below are differentiated by hand.
        with tf.GradientTape() as constraint_tape:
            w_in, w_rec = cell.effective_kernels()
    else:
        w_in, w_rec = variables
    alpha = cell.alpha if rate_cell else 1.0
    leaky = alpha != 1.0
    w_out, b_out = readout.kernel, readout.bias
    n_units, n_in, n_out = w_rec.shape[0], w_in.shape[0], w_out.shape[1]
    steps = inputs.shape[1]
    pad = -steps % chunk
    n_chunks = (steps + pad) // chunk
    batch = tf.shape(inputs)[0]
    # Time-major, padded at the front with zero inputs: with h(0) = 0 and no bias the state
    # stays exactly 0 through the padding, which therefore adds nothing to the loss or to
    # any gradient (h(t-1) = 0 and x(t) = 0 there).
    x = tf.transpose(inputs, [1, 0, 2])
    if pad:  # known when the graph is traced; a pad of 0 would still copy the whole array
        x = tf.pad(x, [[pad, 0], [0, 0], [0, 0]])
    x_flat = tf.reshape(x, [-1, n_in])
    drive = tf.reshape(tf.matmul(x_flat, w_in), [n_chunks, chunk, batch, n_units])

    def forward(c, h, states, *rates):
        out, rates_c = [], []
        for drive_t in tf.unstack(drive[c]):
            rate = tf.tanh(drive_t + tf.matmul(h, w_rec))
            if leaky:  # h <- (1 - alpha) h + alpha tanh(.), and tanh(.) kept for tanh'
                rates_c.append(rate)
                h = (1.0 - alpha) * h + alpha * rate
            else:
                h = rate
            out.append(h)
        arrays = [states.write(c, tf.stack(out))]
        if leaky:
            arrays.append(rates[0].write(c, tf.stack(rates_c)))
        return c + 1, h, *arrays

    arrays = [tf.TensorArray(tf.float32, n_chunks) for _ in range(2 if leaky else 1)]
    _, _, *arrays = tf.while_loop(
        lambda c, *_: c < n_chunks, forward, (0, tf.zeros([batch, n_units]), *arrays)
    )
    h_all = tf.reshape(arrays[0].stack(), [-1, batch, n_units])
    h_flat = tf.reshape(h_all[pad:], [-1, n_units])
    y_flat = tf.reshape(tf.transpose(targets, [1, 0, 2]), [-1, n_out])
    error = tf.matmul(h_flat, w_out) + b_out - y_flat
    if mask is None:
        loss = tf.reduce_mean(tf.square(error))
        d_out = 2.0 * error / tf.cast(tf.size(error), error.dtype)
    else:
        weight = tf.reshape(tf.transpose(mask, [1, 0, 2]), [-1, n_out])
        loss = tf.reduce_mean(weight * tf.square(error))
        d_out = 2.0 * weight * error / tf.cast(tf.size(error), error.dtype)
    d_h = tf.reshape(tf.matmul(d_out, w_out, transpose_b=True), [steps, batch, n_units])
    if pad:
        d_h = tf.pad(d_h, [[pad, 0], [0, 0], [0, 0]])
    if leaky:  # d h(t) / d(x W_in + h W_rec) at every step
        rates_all = tf.reshape(arrays[1].stack(), [-1, batch, n_units])
        slope = alpha * (1.0 - tf.square(rates_all))
    else:
        slope = 1.0 - tf.square(h_all)  # tanh' at every step
    d_h = tf.reshape(d_h, [n_chunks, chunk, batch, n_units])
    slope = tf.reshape(slope, [n_chunks, chunk, batch, n_units])
    w_rec_t = tf.transpose(w_rec)  # once, not a transposed product at every time step

    def backward(c, g, deltas):
        d_h_c, slope_c = tf.unstack(d_h[c]), tf.unstack(slope[c])
        out = [None] * chunk
        for t in reversed(range(chunk)):
            # dL/dh(t) in full, then dL/d(x W_in + h W_rec) at step t; multiplying by tanh'
            # here, on a block that is in cache, saves a pass over the whole array.
            total = d_h_c[t] + g
            out[t] = total * slope_c[t]
            g = tf.matmul(out[t], w_rec_t)
            if leaky:
                g += (1.0 - alpha) * total
        return c - 1, g, deltas.write(c, tf.stack(out))

    _, _, deltas = tf.while_loop(
        lambda c, *_: c >= 0,
        backward,
        (n_chunks - 1, tf.zeros([batch, n_units]), tf.TensorArray(tf.float32, n_chunks)),
    )
    deltas = tf.reshape(deltas.stack(), [-1, batch, n_units])
    delta = tf.reshape(deltas, [-1, n_units])
    # h(t-1) = 0 at the first step: W_rec's gradient pairs h(t) with delta(t+1), no zeros.
    h_prev = tf.reshape(h_all[:-1], [-1, n_units])
    grads = [
        tf.matmul(x_flat, delta, transpose_a=True),
        tf.matmul(h_prev, tf.reshape(deltas[1:], [-1, n_units]), transpose_a=True),
        tf.matmul(h_flat, d_out, transpose_a=True),
        tf.reduce_sum(d_out, 0),
    ]
    if rate_cell and cell.constrained:
        grads[:2] = constraint_tape.gradient([w_in, w_rec], variables, output_gradients=grads[:2])
    return loss, grads


def _tape_loss_and_gradients(model, inputs, targets, mask=None):
    """The training loss and its gradients by ``GradientTape`` over ``model(training=True)``."""
    import tensorflow as tf

    with tf.GradientTape() as tape:
        loss = masked_mse(targets, model(inputs, training=True), mask)
    return loss, tape.gradient(loss, model.trainable_variables)


def masked_mse(targets, outputs, mask=None):
    """The training loss: ``mean(mask * (outputs - targets)^2)`` over trials, steps and
    channels, a step's weight multiplying its squared error (so that a task's mask of 0
    frees the output there); without a mask, Keras's ``MeanSquaredError``."""
    import keras
    import tensorflow as tf

    if mask is None:
        return keras.losses.MeanSquaredError()(targets, outputs)
    return tf.reduce_mean(mask * tf.square(outputs - targets))
