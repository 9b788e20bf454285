"""Would the GRU gain from stacking? A measurement before building it.

The GRU and LSTM train through ``GradientTape`` over Keras's own layers, one network at a
time (their seeds run one after another in a stack's job). This probe times one training
step (forward, tape gradient, no update) of

* the Keras GRU model of ``rnn_ensembles.models.gru`` alone, as the workflow trains it;
* a stacked GRU written with a member axis (batched matmuls, the Keras GRU's equations with
  ``reset_after``), for K = 1 and K members, under the same tape;

on one thread, at the flip-flop's 340 steps and batch 64, and prints the ratio of K
separate Keras steps to one stacked step (the gain a stacked GRU would bring).

    python benchmarks/gated_stacking_probe.py --sizes 16 64 --members 5
"""

from __future__ import annotations

import argparse
import statistics
import time


def time_calls(fn, repeats: int) -> float:
    fn()  # traces
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds)


def stacked_gru_step(k: int, n: int, x, y):
    import tensorflow as tf

    rng = tf.random.Generator.from_seed(1)
    n_in, n_out = x.shape[-1], y.shape[-1]
    w = tf.Variable(rng.normal([k, n_in, 3 * n]) * 0.3)
    u = tf.Variable(rng.normal([k, n, 3 * n]) / n**0.5)
    b = tf.Variable(tf.zeros([k, 2, 3 * n]))
    w_out = tf.Variable(rng.normal([k, n, n_out]) * 0.3)
    variables = [w, u, b, w_out]
    xs = tf.broadcast_to(x[None], [k, *x.shape])
    ys = tf.broadcast_to(y[None], [k, *y.shape])

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            drive = tf.einsum("kbti,kij->tkbj", xs, w) + b[:, 0][None, :, None, :]
            # Read step by step from a TensorArray: slicing the tensor in the loop would
            # make its gradient a full-size array at every step.
            drive = tf.TensorArray(tf.float32, x.shape[1]).unstack(drive)

            def body(t, h, out):
                inner = tf.matmul(h, u) + b[:, 1][:, None, :]
                dz, dr, dh = tf.split(drive.read(t), 3, axis=-1)
                iz, ir, ih = tf.split(inner, 3, axis=-1)
                z, r = tf.sigmoid(dz + iz), tf.sigmoid(dr + ir)
                h = z * h + (1 - z) * tf.tanh(dh + r * ih)
                return t + 1, h, out.write(t, h)

            steps = x.shape[1]
            _, _, out = tf.while_loop(
                lambda t, *_: t < steps,
                body,
                (0, tf.zeros([k, x.shape[0], n]), tf.TensorArray(tf.float32, steps)),
            )
            states = tf.transpose(out.stack(), [1, 2, 0, 3])  # (K, B, T, N)
            outputs = tf.einsum("kbtn,kno->kbto", states, w_out)
            loss = tf.reduce_sum(tf.reduce_mean(tf.square(outputs - ys), [1, 2, 3]))
        return tape.gradient(loss, variables)

    return step


def keras_gru_step(n: int, x, y):
    import keras
    import tensorflow as tf

    from rnn_ensembles.models import get_architecture

    keras.utils.set_random_seed(1)
    model = get_architecture("gru").build(n, x.shape[-1], y.shape[-1], seed=1)

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x, training=True) - y))
        return tape.gradient(loss, model.trainable_variables)

    return step


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[16, 64])
    parser.add_argument("--members", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--steps", type=int, default=340)
    args = parser.parse_args(argv)
    from rnn_ensembles.training import configure_tensorflow

    configure_tensorflow(1, deterministic=True)
    import numpy as np
    import tensorflow as tf

    rng = np.random.default_rng(0)
    x = tf.constant(rng.standard_normal((64, args.steps, 3)), tf.float32)
    y = tf.constant(np.sign(rng.standard_normal((64, args.steps, 3))), tf.float32)
    for n in args.sizes:
        keras_s = time_calls(keras_gru_step(n, x, y), args.repeats)
        one_s = time_calls(stacked_gru_step(1, n, x, y), args.repeats)
        stack_s = time_calls(stacked_gru_step(args.members, n, x, y), args.repeats)
        k = args.members
        print(
            f"N = {n}: Keras GRU step {1e3 * keras_s:.0f} ms; stacked GRU K = 1 "
            f"{1e3 * one_s:.0f} ms, K = {k} {1e3 * stack_s:.0f} ms; {k} Keras steps / one "
            f"stacked step = {k * keras_s / stack_s:.2f}x",
            flush=True,
        )


if __name__ == "__main__":
    main()
