"""Reference numbers for kerasish's CTC ops, computed by tf_keras (Keras 2 on TensorFlow 2).

Writes tests/data/ctc_oracle.json: random softmax outputs, labels and lengths, and what
`K.ctc_batch_cost` (loss and its gradient with respect to y_pred), `K.ctc_decode` (greedy, and beam
search with several widths and top paths) return for them. tests/backend/test_ctc_ops.py replays it.

Usage (in an environment with tensorflow and tf_keras):
    python tools/make_ctc_oracle.py
"""
import json
import os

import numpy as np
import tensorflow as tf
import tf_keras as keras

K = keras.backend
OUTPUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "ctc_oracle.json")


def random_case(rng, batch, steps, classes, sharp=1.0):
    logits = rng.normal(scale=sharp, size=(batch, steps, classes)).astype("float32")
    y_pred = tf.nn.softmax(logits).numpy()
    max_label = max(1, min(steps // 2, 5))
    label_length = rng.integers(1, max_label + 1, size=batch)
    labels = np.zeros((batch, max_label), "int32")
    for b in range(batch):
        labels[b, :label_length[b]] = rng.integers(0, classes - 1, size=label_length[b])
        if rng.random() < 0.4 and label_length[b] > 1:
            labels[b, 1] = labels[b, 0]  # a repeated label needs a blank between the two
    input_length = np.array([rng.integers(min(steps, 2 * label_length[b] + 1), steps + 1) for b in range(batch)])
    return y_pred, labels, label_length, input_length


def loss_and_grad(y_pred, labels, label_length, input_length, weights):
    y = tf.constant(y_pred)
    with tf.GradientTape() as tape:
        tape.watch(y)
        loss = K.ctc_batch_cost(labels, y, input_length[:, None], label_length[:, None])
        weighted = tf.reduce_sum(loss * weights[:, None])
    return loss.numpy(), tape.gradient(weighted, y).numpy()


def decode(y_pred, input_length, greedy, beam_width=100, top_paths=1):
    try:
        decoded, log_prob = K.ctc_decode(y_pred, input_length, greedy=greedy, beam_width=beam_width,
                                         top_paths=top_paths)
    except tf.errors.InvalidArgumentError as e:
        return {"error": str(e).split("[Op:")[0].strip()}
    return {"decoded": [d.numpy().tolist() for d in decoded], "log_prob": log_prob.numpy().tolist()}


def main():
    rng = np.random.default_rng(20251207)
    cases = []
    shapes = [(1, 3, 3), (2, 5, 4), (3, 8, 5), (4, 12, 6), (2, 10, 3), (3, 6, 7), (2, 15, 4), (4, 9, 5)]
    for i, (batch, steps, classes) in enumerate(shapes):
        y_pred, labels, label_length, input_length = random_case(rng, batch, steps, classes, sharp=1.0 + i % 3)
        weights = rng.uniform(0.5, 1.5, size=batch).astype("float32")
        loss, grad = loss_and_grad(y_pred, labels, label_length, input_length, weights)
        case = {"y_pred": y_pred.tolist(), "labels": labels.tolist(), "label_length": label_length.tolist(),
                "input_length": input_length.tolist(), "weights": weights.tolist(), "loss": loss.tolist(),
                "grad": grad.tolist(), "greedy": decode(y_pred, input_length, True), "beam": []}
        for beam_width, top_paths in ((1, 1), (3, 2), (10, 3), (100, 1)):
            result = decode(y_pred, input_length, False, beam_width, top_paths)
            result.update(beam_width=beam_width, top_paths=top_paths)
            case["beam"].append(result)
        cases.append(case)

    # The path "a blank a" wins; tf's beam search (merge_repeated=True) returns "a" for it, greedy "a a".
    y_pred = np.array([[[0.8, 0.1, 0.1], [0.1, 0.1, 0.8], [0.8, 0.1, 0.1]]], "float32")
    repeated = {"y_pred": y_pred.tolist(), "input_length": [3], "greedy": decode(y_pred, np.array([3]), True),
                "beam": decode(y_pred, np.array([3]), False, 10, 1)}
    # A label that no alignment of the input can produce: "0 0 0" needs 5 steps, 3 are given.
    impossible = {"y_pred": cases[0]["y_pred"], "labels": [[0, 0, 0]], "label_length": [3], "input_length": [3],
                  "loss": float(K.ctc_batch_cost(np.array([[0, 0, 0]]), np.array(cases[0]["y_pred"], "float32"),
                                                 np.array([[3]]), np.array([[3]])).numpy()[0, 0])}
    with open(OUTPUT, "w") as f:
        json.dump({"tf_keras": keras.__version__, "cases": cases, "repeated": repeated, "impossible": impossible},
                  f, allow_nan=True)
    print(f"wrote {len(cases)} cases to {OUTPUT}")


if __name__ == "__main__":
    main()
