"""The paper's model (Eq. 7): Keras ``SimpleRNN`` without bias plus a ``Dense`` readout."""

from __future__ import annotations

from rnn_ensembles.models.rate import RateNetwork


class SimpleRNNNetwork(RateNetwork):
    """Eq. 7, h(t+1) = tanh(x(t) W_in + h(t) W_rec): the rate network with alpha = 1."""

    architecture = "simple_rnn"


NETWORK = SimpleRNNNetwork
OPTIONS = {
    "recurrent_initializer": "orthogonal",
    "input_initializer": "glorot_uniform",
    "unroll": False,
}


def build(
    n_units: int,
    n_inputs: int,
    n_outputs: int,
    recurrent_initializer: str = "orthogonal",
    input_initializer: str = "glorot_uniform",
    unroll: bool = False,
    seed: int = 0,
):
    """SimpleRNN(n_units, tanh, no bias) -> Dense(n_outputs), as in Jarne (2024).

    Args:
        n_units: number of recurrent units N.
        n_inputs: input channels.
        n_outputs: output channels.
        recurrent_initializer: Keras initializer of W_rec. Default "orthogonal".
        input_initializer: Keras initializer of W_in. Default "glorot_uniform".
        unroll: unroll the time loop (faster for short trials, more memory). Default False.
        seed: the network's seed (the initializers draw from Keras's global seed).
    """
    import keras

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


def to_network(model, attrs: dict | None = None) -> SimpleRNNNetwork:
    """The weights of a model built by :func:`build`, as a :class:`SimpleRNNNetwork`."""
    w_in, w_rec = model.get_layer("recurrent").get_weights()
    w_out, b_out = model.get_layer("readout").get_weights()
    arrays = {"W_in": w_in, "W_rec": w_rec, "W_out": w_out, "b_out": b_out}
    return SimpleRNNNetwork(arrays, {}, dict(attrs or {}))


def loss_and_gradients(model, inputs, targets, chunk: int = 20):
    """Mean squared error of ``model(inputs)`` and its gradients, by hand-written BPTT.

    The same numbers as ``keras.losses.MeanSquaredError`` under a ``GradientTape`` (up to
    float32 rounding; tests/test_network.py checks it), in about half the time on a CPU:
    the input drive ``x W_in`` and every weight gradient are single matmuls over all steps
    and trials, and the two time loops hold nothing but ``h W_rec + drive, tanh`` forward and
    ``(dh + g) (1 - h^2), g W_rec^T`` backward. Each loop runs over chunks of ``chunk`` steps
    written out in the graph, which keeps the per-step overhead of a loop iteration small
    without the long compile of a fully unrolled trial.

    Returns the loss and the gradients in the order of ``model.trainable_variables``
    (``W_in``, ``W_rec``, ``W_out``, ``b_out``). Call inside a ``tf.function``.
    """
    import tensorflow as tf

    cell = model.get_layer("recurrent").cell
    readout = model.get_layer("readout")
    w_in, w_rec = cell.kernel, cell.recurrent_kernel
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

    def forward(c, h, states):
        out = []
        for drive_t in tf.unstack(drive[c]):
            h = tf.tanh(drive_t + tf.matmul(h, w_rec))
            out.append(h)
        return c + 1, h, states.write(c, tf.stack(out))

    _, _, states = tf.while_loop(
        lambda c, *_: c < n_chunks,
        forward,
        (0, tf.zeros([batch, n_units]), tf.TensorArray(tf.float32, n_chunks)),
    )
    h_all = tf.reshape(states.stack(), [-1, batch, n_units])
    h_flat = tf.reshape(h_all[pad:], [-1, n_units])
    y_flat = tf.reshape(tf.transpose(targets, [1, 0, 2]), [-1, n_out])
    error = tf.matmul(h_flat, w_out) + b_out - y_flat
    loss = tf.reduce_mean(tf.square(error))
    d_out = 2.0 * error / tf.cast(tf.size(error), error.dtype)
    d_h = tf.reshape(tf.matmul(d_out, w_out, transpose_b=True), [steps, batch, n_units])
    if pad:
        d_h = tf.pad(d_h, [[pad, 0], [0, 0], [0, 0]])
    slope = 1.0 - tf.square(h_all)  # tanh' at every step
    d_h = tf.reshape(d_h, [n_chunks, chunk, batch, n_units])
    slope = tf.reshape(slope, [n_chunks, chunk, batch, n_units])
    w_rec_t = tf.transpose(w_rec)  # once, not a transposed product at every time step

    def backward(c, g, deltas):
        d_h_c, slope_c = tf.unstack(d_h[c]), tf.unstack(slope[c])
        out = [None] * chunk
        for t in reversed(range(chunk)):
            # dL/d(x W_in + h W_rec) at step t; multiplying by tanh' here, on a block that
            # is in cache, saves a pass over the whole (steps, batch, N) array.
            out[t] = (d_h_c[t] + g) * slope_c[t]
            g = tf.matmul(out[t], w_rec_t)
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
    return loss, grads
