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
from dataclasses import dataclass

import numpy as np

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


def loss_and_gradients(model, inputs, targets, mask=None):
    """Mean squared error of ``model(inputs)`` and its gradients, by hand-written BPTT.

    With ``mask`` (the shape of ``targets``) the loss is the masked MSE
    ``mean(mask * (output - target)^2)`` (:func:`masked_mse`); without it, the plain mean
    over every step and channel.

    For ``SimpleRNN`` and for :class:`~rnn_ensembles.models.layers.RateCell` (any alpha,
    mask and Dale's law): the model as a stack of one, through :func:`training_gradients`
    (:meth:`RateStack.loss_and_gradients`, which runs plain matmuls for a single member;
    on a CPU compiled by XLA). The same numbers as ``keras.losses.MeanSquaredError`` under
    a ``GradientTape`` (up to float32 rounding; tests/test_network.py checks it), in less
    than half the time on a CPU. A cell with recurrent noise (``noise_std`` > 0) is
    differentiated by ``GradientTape`` over ``model(inputs, training=True)`` instead, which
    draws the noise as the cell does.

    Returns the loss and the gradients in the order of ``model.trainable_variables``
    (``W_in``, ``W_rec``, ``W_out``, ``b_out``). Call inside a ``tf.function``.
    """
    stack = stack_form([model])
    if isinstance(stack, str):
        return _tape_loss_and_gradients(model, inputs, targets, mask)
    variables = [v[None] for v in model.trainable_variables]
    loss, grads = training_gradients(stack)(
        variables, inputs[None], targets[None], None if mask is None else mask[None]
    )
    return loss[0], [g[0] for g in grads]


# Steps per chunk of the time loops (RateStack.loss_and_gradients): TensorFlow's ops pay a
# dispatch per op, which a chunk written out in the graph spreads; XLA compiles the ops of
# a loop as one and runs 10 as fast as 20 (faster at N = 32) in half the compile time.
OPS_CHUNK, XLA_CHUNK = 20, 10


def training_gradients(stack: RateStack):
    """The BPTT that training runs, ``(variables, inputs, targets, mask) -> (losses,
    gradients)`` of :meth:`RateStack.loss_and_gradients`: compiled by XLA where no GPU is
    visible, else TensorFlow's ops as they are.

    On a CPU, XLA fuses each chunk's element-wise work and removes the dispatch of every op
    of the time loops, which bounds small networks: measured on one thread, epochs of 340
    steps in batches of 64, one network at N = 8 in 0.55 of the time, at N = 16 and 32 in
    0.75-0.8, at N = 64 and 128 in about the same; a stack of 5 or 20 at N = 8 in 0.75 of
    it; compiling takes about a second. A stack and a network alone run the same program,
    so a member has the bits of its seed alone (tests/test_stacking.py); compiled and
    uncompiled numbers differ in the last bits.
    """
    import functools

    import tensorflow as tf

    if tf.config.list_physical_devices("GPU"):
        return functools.partial(stack.loss_and_gradients, chunk=OPS_CHUNK)
    return tf.function(
        functools.partial(stack.loss_and_gradients, chunk=XLA_CHUNK), jit_compile=True
    )


def stack_refusal(options: dict) -> str | None:
    """Why networks of these options cannot train as one stack, or ``None`` when they can:
    recurrent noise cannot (its draws are each network's cell's)."""
    noise_std = options.get("noise_std", 0.0)
    if noise_std > 0:
        return f"noise_std = {noise_std}: the noise is drawn by each network's cell"
    return None


def stack_form(models):
    """The :class:`RateStack` of ``models`` (one architecture and options, any seeds), or a
    sentence saying why they cannot be stacked (:func:`stack_refusal`)."""
    import keras

    from rnn_ensembles.models.layers import RateCell

    cells = [model.get_layer("recurrent").cell for model in models]
    if all(isinstance(cell, keras.layers.SimpleRNNCell) for cell in cells):
        return RateStack(1.0, None, None, False)
    if not all(isinstance(cell, RateCell) for cell in cells):
        return "not all of them are rate networks"
    first = cells[0]
    refusal = stack_refusal({"noise_std": first.noise_std})
    if refusal:
        return refusal
    masks = None if first.mask is None else np.stack([cell.mask for cell in cells])
    nonnegative = first.dale and first.dale_inputs == "nonnegative"
    return RateStack(first.alpha, first.signs, masks, nonnegative)


class RateStack:
    """K rate networks of one architecture and options, trained as one: every weight with a
    leading member axis, every product a batched matmul over it (Eq. 6/7, no bias).

    The members differ only in their weights and connection masks. On a CPU each slice of a
    batched matmul is the same numbers as the product of that member alone, whatever K (the
    weight gradients, contractions over a chunk's steps and trials, are batched products
    for a single member too: a plain one may sum in another order), so a member's numbers
    do not depend on the stack it is in (tests/test_stacking.py checks it to the bit).

    Args:
        alpha: dt / tau, 1 for Eq. 7.
        signs: (N,) +1/-1 of each unit under Dale's law, or ``None``.
        masks: (K, N, N) 0/1 connection masks, or ``None``.
        nonnegative_inputs: W_in = |K| (Dale's law with ``dale_inputs = "nonnegative"``).
    """

    def __init__(self, alpha: float, signs, masks, nonnegative_inputs: bool):
        self.alpha, self.signs, self.masks = float(alpha), signs, masks
        self.nonnegative_inputs = bool(nonnegative_inputs)

    @property
    def constrained(self) -> bool:
        return self.masks is not None or self.signs is not None or self.nonnegative_inputs

    def subset(self, members) -> RateStack:
        """The stack of the members at indices ``members`` only."""
        masks = None if self.masks is None else self.masks[list(members)]
        return RateStack(self.alpha, self.signs, masks, self.nonnegative_inputs)

    def effective_kernels(self, kernel, recurrent):
        """(W_in, W_rec) of every member from the variables, as RateCell.effective_kernels."""
        import tensorflow as tf

        if self.nonnegative_inputs:
            kernel = tf.abs(kernel)
        if self.signs is not None:
            recurrent = tf.abs(recurrent) * tf.cast(self.signs[:, None], recurrent.dtype)
        if self.masks is not None:
            recurrent = recurrent * tf.cast(self.masks, recurrent.dtype)
        return kernel, recurrent

    def outputs(self, variables, inputs, chunk: int = OPS_CHUNK):
        """(K, B, T, outputs) of the members on ``inputs`` (K, B, T, inputs), the same numbers
        as each member's Keras model gives (the readout as Keras's ``Dense`` takes it: one
        product over every step and trial; taken a chunk at a time inside the loop, some
        outputs round otherwise)."""
        import tensorflow as tf

        w_in, w_rec = self.effective_kernels(*variables[:2])
        w_out, b_out = variables[2:]
        forward = self._forward(w_in, w_rec, w_out, b_out, inputs, chunk, readout=False)
        n_members, n_units = w_in.shape[0], w_in.shape[-1]
        steps, batch = inputs.shape[2], tf.shape(inputs)[1]
        # (chunks, K, chunk, B, N) -> each member's (T * B, N), time-major
        states = tf.transpose(forward.states.stack()[1:], [1, 0, 2, 3, 4])
        states = tf.reshape(states, [n_members, -1, n_units])[:, forward.pad * batch :]
        out = tf.stack([tf.matmul(states[j], w_out[j]) for j in range(n_members)])
        out = tf.reshape(out + b_out[:, None, :], [n_members, steps, batch, -1])
        return tf.transpose(out, [0, 2, 1, 3])

    def _forward(self, w_in, w_rec, w_out, b_out, inputs, chunk, readout=True):
        """The forward pass, a chunk of ``chunk`` steps at a time (:class:`_Forward`); with
        ``readout``, each chunk's outputs are taken in the loop."""
        import tensorflow as tf

        alpha, leaky = self.alpha, self.alpha != 1.0
        n_members, n_in, n_units = w_in.shape
        steps = inputs.shape[2]
        pad = -steps % chunk
        n_chunks = (steps + pad) // chunk
        batch = tf.shape(inputs)[1]
        # Time-major, padded at the front with zero inputs: with h(0) = 0 and no bias the
        # state stays exactly 0 through the padding, which therefore adds nothing to the
        # loss or to any gradient (h(t-1) = 0 and x(t) = 0 there).
        x = tf.transpose(inputs, [0, 2, 1, 3])
        if pad:  # known when the graph is traced; a pad of 0 would still copy the array
            x = tf.pad(x, [[0, 0], [pad, 0], [0, 0], [0, 0]])
        x = tf.reshape(x, [n_members, n_chunks, -1, n_in])  # (K, chunks, chunk * B, I)
        # One member alone runs plain matmuls in the loop: a batched one of a single matrix
        # costs two to three times as much on a CPU, for the same bits.
        single = n_members == 1
        w_step = w_rec[0] if single else w_rec
        chunk_shape = [n_members, chunk, batch, n_units]

        def forward(c, h, states, *arrays):
            outs, rates = arrays[:readout], arrays[readout:]
            # The chunk's input drive x W_in: a product over the few input channels, the
            # same numbers per element as one product over all steps.
            drive = tf.reshape(tf.matmul(x[:, c], w_in), chunk_shape)
            out, rates_c = [], []
            for drive_t in tf.unstack(drive[0]) if single else tf.unstack(drive, axis=1):
                rate = tf.tanh(drive_t + tf.matmul(h, w_step))
                if leaky:  # h <- (1 - alpha) h + alpha tanh(.), and tanh(.) kept for tanh'
                    rates_c.append(rate)
                    h = (1.0 - alpha) * h + alpha * rate
                else:
                    h = rate
                out.append(h)
            h_c = _stack_steps(out, single)
            arrays = [states.write(c + 1, h_c)]
            if readout:
                y_c = tf.matmul(tf.reshape(h_c, [n_members, -1, n_units]), w_out)
                arrays.append(outs[0].write(c, y_c))
            if leaky:
                arrays.append(rates[-1].write(c, _stack_steps(rates_c, single)))
            return c + 1, h, *arrays

        # states[c + 1] holds chunk c, states[0] the zero state before the first step; the
        # backward loop reads each twice (as a chunk, and for the last state before the next).
        states = tf.TensorArray(tf.float32, n_chunks + 1, clear_after_read=False)
        states = states.write(0, tf.zeros(chunk_shape))
        arrays = [tf.TensorArray(tf.float32, n_chunks) for _ in range(readout + leaky)]
        h0 = tf.zeros([batch, n_units] if single else [n_members, batch, n_units])
        _, _, states, *arrays = tf.while_loop(
            lambda c, *_: c < n_chunks, forward, (0, h0, states, *arrays)
        )
        outs = None
        if readout:  # (chunks, K, chunk * B, O) -> (K, T, B, O), the padding dropped
            outs = tf.transpose(arrays[0].stack(), [1, 0, 2, 3])
            outs = tf.reshape(outs, [n_members, -1, batch, w_out.shape[-1]])[:, pad:]
            outs += b_out[:, None, None, :]
        return _Forward(states, arrays[-1] if leaky else None, outs, x, pad, n_chunks)

    def loss_and_gradients(self, variables, inputs, targets, mask=None, chunk: int = OPS_CHUNK):
        """Each member's training loss (K,) and its gradients, by hand-written BPTT.

        ``variables``: kernel (K, I, N), recurrent kernel (K, N, N), readout kernel
        (K, N, O) and bias (K, O); ``inputs``, ``targets`` and ``mask`` (K, B, T, .), each
        member its own batch. Both time loops run over chunks of ``chunk`` steps written
        out in the graph (a small per-step overhead without the long compile of a fully
        unrolled trial) and hold nothing per step but ``h W_rec + drive, tanh`` forward and
        ``(dh + g) tanh', g W_rec^T`` backward (with alpha < 1 also the blend with the
        previous state). Everything else is done once per chunk on the chunk's arrays: the
        input drive and the readout forward; the readout's error carried back, tanh' and
        the chunk's share of every weight gradient backward. No array of every step is
        formed but the stored states, so a stack of many small networks works in the
        cache. The constraints enter only through the effective matrices: their gradients
        are taken by hand, and carried to the variables by a ``GradientTape`` over the
        constraint map alone. Call inside a ``tf.function``.
        """
        import tensorflow as tf

        kernel, recurrent, w_out, b_out = variables
        # Records the few element-wise ops from the variables to W_in, W_rec; the time loops
        # below are differentiated by hand.
        with tf.GradientTape() as constraint_tape:
            constraint_tape.watch([kernel, recurrent])
            w_in, w_rec = self.effective_kernels(kernel, recurrent)
        alpha, leaky = self.alpha, self.alpha != 1.0
        n_members, _, n_units = w_in.shape
        n_out = w_out.shape[-1]
        forward = self._forward(w_in, w_rec, w_out, b_out, inputs, chunk)
        batch = tf.shape(inputs)[1]
        y_flat = tf.reshape(tf.transpose(targets, [0, 2, 1, 3]), [n_members, -1, n_out])
        error = tf.reshape(forward.outputs, [n_members, -1, n_out]) - y_flat
        size = tf.cast(tf.size(error[0]), error.dtype)
        if mask is None:
            loss = tf.reduce_mean(tf.square(error), [1, 2])
            d_out = 2.0 * error / size
        else:
            weight = tf.reshape(tf.transpose(mask, [0, 2, 1, 3]), [n_members, -1, n_out])
            loss = tf.reduce_mean(weight * tf.square(error), [1, 2])
            d_out = 2.0 * weight * error / size
        # Summed member by member: a reduction's order may follow the shape it sees.
        d_b_out = tf.stack([tf.reduce_sum(d_out[j], 0) for j in range(n_members)])
        d_out_chunks = tf.reshape(d_out, [n_members, -1, batch, n_out])
        if forward.pad:  # no error at the padding
            d_out_chunks = tf.pad(d_out_chunks, [[0, 0], [forward.pad, 0], [0, 0], [0, 0]])
        d_out_chunks = tf.reshape(d_out_chunks, [n_members, forward.n_chunks, -1, n_out])
        w_out_t = tf.transpose(w_out, [0, 2, 1])
        w_rec_t = tf.transpose(w_rec, [0, 2, 1])  # once, not a transposed product per step
        single = n_members == 1  # plain matmuls in the loop for one member, as forward
        w_step_t = w_rec_t[0] if single else w_rec_t
        chunk_shape = [n_members, chunk, batch, n_units]

        def flat(a):  # (K, chunk, B, .) -> (K, chunk * B, .)
            return tf.reshape(a, [n_members, -1, a.shape[-1]])

        def backward(c, g, d_in, d_rec, d_readout):
            h_c = forward.states.read(c + 1)
            d_out_c = d_out_chunks[:, c]
            d_h = tf.reshape(tf.matmul(d_out_c, w_out_t), chunk_shape)
            if leaky:  # d h(t) / d(x W_in + h W_rec) at every step of the chunk
                slope = alpha * (1.0 - tf.square(forward.rates.read(c)))
            else:
                slope = 1.0 - tf.square(h_c)  # tanh'
            d_h_steps = tf.unstack(d_h[0]) if single else tf.unstack(d_h, axis=1)
            slopes = tf.unstack(slope[0]) if single else tf.unstack(slope, axis=1)
            out = [None] * chunk
            for t in reversed(range(chunk)):
                # dL/dh(t) in full, then dL/d(x W_in + h W_rec) at step t.
                total = d_h_steps[t] + g
                out[t] = total * slopes[t]
                g = tf.matmul(out[t], w_step_t)
                if leaky:
                    g += (1.0 - alpha) * total
            delta = flat(_stack_steps(out, single))
            # h(t - 1) of the chunk's steps: the last state of the chunk before, then its own.
            h_prev = tf.concat([forward.states.read(c)[:, -1:], h_c[:, :-1]], axis=1)
            # The chunk's share of each weight gradient: a batched product for one member
            # too, the same numbers per slice whatever the number of members (a plain
            # product over as many trials and steps may sum in another order).
            return (
                c - 1,
                g,
                d_in + tf.matmul(forward.inputs[:, c], delta, transpose_a=True),
                d_rec + tf.matmul(flat(h_prev), delta, transpose_a=True),
                d_readout + tf.matmul(flat(h_c), d_out_c, transpose_a=True),
            )

        g0 = tf.zeros([batch, n_units] if single else [n_members, batch, n_units])
        zeros = [tf.zeros_like(w) for w in (w_in, w_rec, w_out)]
        _, _, *grads = tf.while_loop(
            lambda c, *_: c >= 0, backward, (forward.n_chunks - 1, g0, *zeros)
        )
        grads.append(d_b_out)
        if self.constrained:
            grads[:2] = constraint_tape.gradient(
                [w_in, w_rec], [kernel, recurrent], output_gradients=grads[:2]
            )
        return loss, grads


@dataclass
class _Forward:
    """What the forward pass leaves for the backward one: the states of every chunk
    (``states[c + 1]``, (K, chunk, B, N); ``states[0]`` zeros), with alpha < 1 the tanh(.)
    of every chunk (``rates[c]``), the outputs (K, T, B, O) if taken, the inputs by chunk
    (K, chunks, chunk * B, I), and the zero steps padded at the front."""

    states: object
    rates: object
    outputs: object
    inputs: object
    pad: int
    n_chunks: int


def _stack_steps(steps, single: bool):
    """The per-step (K, B, N) arrays (or (B, N) of a single member) as (K, chunk, B, N)."""
    import tensorflow as tf

    return tf.stack(steps)[None] if single else tf.stack(steps, axis=1)


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
