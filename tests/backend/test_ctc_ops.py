"""CTC: `K.ctc_batch_cost` (values and gradients), `K.ctc_decode` (greedy and beam search) and
`K.ctc_label_dense_to_sparse`, against tf_keras's numbers (tools/make_ctc_oracle.py), a hand count of
alignments, and finite differences."""
import json
import os

import numpy as np
import pytest

from kerasish import backend as K
from kerasish.backend.ops import ctc
from kerasish.backend.tape import GradientTape
from kerasish.backend.tensor import Variable
from tests.gradcheck import check_grads

ORACLE = json.load(open(os.path.join(os.path.dirname(__file__), "..", "data", "ctc_oracle.json")))


def _case(case):
    return (np.array(case["y_pred"], "float32"), np.array(case["labels"]), np.array(case["input_length"]),
            np.array(case["label_length"]))


@pytest.mark.parametrize("index", range(len(ORACLE["cases"])))
def test_loss_and_gradient_match_tf_keras(index):
    case = ORACLE["cases"][index]
    y_pred, labels, input_length, label_length = _case(case)
    y = Variable(y_pred)
    with GradientTape() as tape:
        loss = K.ctc_batch_cost(labels, y, input_length[:, None], label_length[:, None])
        total = K.sum(loss * np.array(case["weights"], "float32")[:, None])
    assert loss.shape == (len(labels), 1) and loss.dtype == np.float32
    np.testing.assert_allclose(loss.numpy(), case["loss"], rtol=1e-5, atol=1e-5)
    grad = tape.gradient(total, y).numpy()
    expected = np.array(case["grad"])
    np.testing.assert_allclose(grad, expected, rtol=2e-5, atol=2e-5 * np.abs(expected).max())


@pytest.mark.parametrize("index", range(len(ORACLE["cases"])))
def test_decoding_matches_tf_keras(index):
    case = ORACLE["cases"][index]
    y_pred, _, input_length, _ = _case(case)
    decoded, log_prob = K.ctc_decode(y_pred, input_length, greedy=True)
    assert decoded[0].numpy().tolist() == case["greedy"]["decoded"][0]
    assert decoded[0].dtype == np.int64 and decoded[0].shape == y_pred.shape[:2]
    np.testing.assert_allclose(log_prob.numpy(), case["greedy"]["log_prob"], rtol=1e-5, atol=1e-5)
    for beam in case["beam"]:
        decoded, log_prob = K.ctc_decode(y_pred, input_length, greedy=False, beam_width=beam["beam_width"],
                                         top_paths=beam["top_paths"])
        assert [d.numpy().tolist() for d in decoded] == beam["decoded"], beam
        np.testing.assert_allclose(log_prob.numpy(), beam["log_prob"], rtol=1e-5, atol=1e-5)


def test_beam_search_merges_repeats_across_blanks_as_tensorflow():
    """TensorFlow's beam decoder (merge_repeated=True in Keras 2) returns "a" for the path "a - a"."""
    case = ORACLE["repeated"]
    y_pred = np.array(case["y_pred"], "float32")
    greedy, _ = K.ctc_decode(y_pred, np.array(case["input_length"]))
    beam, log_prob = K.ctc_decode(y_pred, np.array(case["input_length"]), greedy=False, beam_width=10)
    assert greedy[0].numpy().tolist() == case["greedy"]["decoded"][0] == [[0, 0, -1]]
    assert beam[0].numpy().tolist() == case["beam"]["decoded"][0] == [[0, -1, -1]]
    np.testing.assert_allclose(log_prob.numpy(), case["beam"]["log_prob"], rtol=1e-5)


def test_loss_is_the_sum_over_alignments():
    """p("0 1") over 3 steps, blank = 2: the alignments 001, 011, 0-1, -01, 01- (counted by hand)."""
    y = np.array([[[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.1, 0.8, 0.1]]], "float32")
    p = 0.7 * 0.1 * 0.8 + 0.7 * 0.1 * 0.8 + 0.7 * 0.8 * 0.8 + 0.1 * 0.1 * 0.8 + 0.7 * 0.1 * 0.1
    loss = K.ctc_batch_cost(np.array([[0, 1]]), y, np.array([[3]]), np.array([[2]]))
    np.testing.assert_allclose(loss.numpy(), [[-np.log(p)]], rtol=1e-5)
    # a repeated label needs a blank between: "0 0" has the single alignment 0 - 0
    loss = K.ctc_batch_cost(np.array([[0, 0]]), y, np.array([[3]]), np.array([[2]]))
    np.testing.assert_allclose(loss.numpy(), [[-np.log(0.7 * 0.8 * 0.1)]], rtol=1e-4)


def test_impossible_labels_give_inf_as_tensorflow():
    case = ORACLE["impossible"]
    loss = K.ctc_batch_cost(np.array(case["labels"]), np.array(case["y_pred"], "float32"),
                            np.array([case["input_length"]]), np.array([case["label_length"]]))
    assert np.isinf(loss.numpy()[0, 0]) and np.isinf(case["loss"])


def test_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(2, 6, 4))
    labels = np.array([[1, 1, 0], [2, 0, 0]])
    check_grads(lambda z: ctc.ctc_loss_from_logits(z, labels, np.array([3, 1]), np.array([6, 4])), logits)
    y = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)  # through log(y + epsilon), as Keras feeds it
    check_grads(lambda p: K.ctc_batch_cost(labels, p, np.array([[6], [4]]), np.array([[3], [1]])), y, rtol=1e-3)


def test_label_dense_to_sparse():
    sparse = K.ctc_label_dense_to_sparse(np.array([[1, 2, 3], [4, 5, 6]]), np.array([2, 1]))
    assert sparse.indices.tolist() == [[0, 0], [0, 1], [1, 0]]
    assert sparse.values.tolist() == [1, 2, 4] and sparse.dense_shape.tolist() == [2, 3]
    assert K.is_sparse(sparse)
    assert K.to_dense(sparse).numpy().tolist() == [[1, 2, 0], [4, 0, 0]]


@pytest.mark.parametrize("call, message", [
    (lambda y: K.ctc_batch_cost(np.array([[0, 1, 0, 1]]), y, np.array([[3]]), np.array([[4]])),
     "not enough time"),
    (lambda y: K.ctc_batch_cost(np.array([[0]]), y, np.array([[3]]), np.array([[0]])), "label length is zero"),
    (lambda y: K.ctc_batch_cost(np.array([[3]]), y, np.array([[3]]), np.array([[1]])), "is the blank"),
    (lambda y: K.ctc_batch_cost(np.array([[0]]), y[0], np.array([[3]]), np.array([[1]])), "3D"),
    (lambda y: K.ctc_decode(y, np.array([3]), greedy=False, beam_width=2, top_paths=3), "top_paths"),
])
def test_bad_input_is_named(call, message):
    y = np.full((1, 3, 3), 1 / 3, "float32")
    with pytest.raises(ValueError, match=message):
        call(y)


# ------------------------------------------------------------------ blank labels as padding (Keras's image_ocr.py)
def _probabilities():
    """The softmax outputs the tf_keras 2.21 values below were computed on (default_rng(0), (1, 6, 5))."""
    y_pred = np.random.default_rng(0).random((1, 6, 5)).astype("float32")
    return y_pred / y_pred.sum(-1, keepdims=True)


def test_blank_labels_at_the_end_are_padding_as_in_tensorflow():
    """TensorFlow's CTC drops blank ("null") labels at the end of a label sequence: Keras's image_ocr.py example
    feeds `labels[i, 0] = blank_label` with label_length 1 for its blank images. Values from tf_keras 2.21's
    K.ctc_batch_cost on the same inputs (tf's loss and gradient for [2, 1, 4] equal those for [2, 1])."""
    y_pred = _probabilities()
    loss = K.ctc_batch_cost(np.array([[0, 4, -1]], "float32"), y_pred, np.array([[6]]), np.array([[2]]))
    np.testing.assert_allclose(loss.numpy().ravel(), [5.937928676605225], rtol=1e-6)  # tf_keras: the loss of [0]
    reversed_in_time = Variable(y_pred[:, ::-1].copy())
    with GradientTape() as tape:
        padded = K.ctc_batch_cost(np.array([[2, 1, 4]], "float32"), reversed_in_time, np.array([[5]]),
                                  np.array([[3]]))
    plain = K.ctc_batch_cost(np.array([[2, 1, -1]], "float32"), y_pred[:, ::-1], np.array([[5]]), np.array([[2]]))
    np.testing.assert_allclose(padded.numpy().ravel(), [4.249596118927002], rtol=1e-6)  # tf_keras
    np.testing.assert_allclose(padded.numpy(), plain.numpy(), rtol=1e-6)
    gradient = np.asarray(tape.gradient(padded, reversed_in_time))
    # tf_keras's gradient at the first step (d loss / d y_pred: -occupation / y_pred, softmax of log y terms)
    np.testing.assert_allclose(gradient[0, 0], [0.9999997019767761, 0.9999995827674866, -1.3517651557922363,
                                                0.9999995231628418, -1.138532280921936], rtol=1e-5, atol=1e-6)


def test_an_all_blank_label_is_the_empty_target_and_a_label_after_a_blank_is_refused():
    """An all-blank label sequence is the empty target (every step blank). tf_keras's number for it is not
    meaningful: its kernel gives 6.1255 here, and crashes the process ("free(): invalid pointer") on a
    one-step input."""
    y_pred = _probabilities()
    loss = K.ctc_batch_cost(np.array([[4, 4, -1]], "float32"), y_pred, np.array([[6]]), np.array([[2]]))
    log_p = np.log(y_pred[0].astype(np.float64) + 1e-7)
    log_p -= np.log(np.exp(log_p).sum(-1, keepdims=True))
    np.testing.assert_allclose(loss.numpy().ravel(), [-log_p[:, 4].sum()], rtol=1e-6)
    with pytest.raises(ValueError, match=r"a label follows the blank label 4 in batch 0 \(\[4, 0\]\)"):
        K.ctc_batch_cost(np.array([[4, 0, -1]], "float32"), y_pred, np.array([[6]]), np.array([[2]]))
    with pytest.raises(ValueError, match=r"labels must be in \[0, 3\]"):
        K.ctc_batch_cost(np.array([[5, -1, -1]], "float32"), y_pred, np.array([[6]]), np.array([[1]]))
