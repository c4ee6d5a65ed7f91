"""CTC (connectionist temporal classification): the loss with its gradient, greedy and beam-search
decoding, and dense labels as a sparse triple, with the conventions Keras 2 takes from TensorFlow.

- The blank is the last class. `ctc_batch_cost` feeds `log(y_pred + epsilon)` to TensorFlow's CTC loss,
  which treats its input as logits (it applies a log-softmax), so that is what is computed here.
- The loss is `-log p(label | input)` summed over the alignments of the first `input_length` steps
  (repeated labels need a blank between them); a label no alignment can produce gives `inf`.
- Greedy decoding takes the best class per step, merges repeats and drops blanks; its log probability
  is minus the sum of the per-step maxima of `log(y_pred + epsilon)`, as TensorFlow reports it.
- Beam search is TensorFlow's prefix beam search (`ctc_beam_search_decoder`, merge_repeated=True):
  a path "a blank a" comes back as "a", TensorFlow's quirk kept so results match Keras 2.

Example:
    >>> import numpy as np
    >>> from kerasish.backend.ops import ctc
    >>> y_pred = np.array([[[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.1, 0.8, 0.1]]], "float32")
    >>> # p("0 1") sums 5 alignments: 0 0 1, 0 1 1, 0 - 1, - 0 1, 0 1 - (0.056+0.056+0.448+0.008+0.007)
    >>> round(float(ctc.ctc_batch_cost(np.array([[0, 1]]), y_pred, np.array([[3]]), np.array([[2]]))[0, 0]), 4)
    0.5534
    >>> decoded, log_prob = ctc.ctc_decode(y_pred, np.array([3]))
    >>> decoded[0].numpy().tolist()
    [[0, 1, -1]]
"""
import heapq
from collections import namedtuple

import numpy as np

from .. import config
from ..tensor import Tensor
from .core import RECORDING, record, register, tensor_and_array
from . import math as m
from . import shape as shape_ops

_NEG_INF = -np.inf

SparseTensor = namedtuple("SparseTensor", ["indices", "values", "dense_shape"])
SparseTensor.__doc__ = """A sparse tensor as TensorFlow describes one: `indices` (n, rank) int64 positions, their
`values`, and the `dense_shape`. `K.to_dense` turns it into a Tensor."""


def sparse_to_dense(sparse: SparseTensor, default_value=0) -> np.ndarray:
    """The dense array of a `SparseTensor`, `default_value` where it has no entry."""
    values = np.asarray(sparse.values)
    dense = np.full(tuple(int(d) for d in sparse.dense_shape), default_value, dtype=values.dtype)
    if len(values):
        dense[tuple(np.asarray(sparse.indices).T)] = values
    return dense


def _int_vector(x, name, batch=None):
    array = np.asarray(tensor_and_array(x)[1])
    if array.ndim == 2 and array.shape[-1] == 1:
        array = array[:, 0]
    if array.ndim != 1 or (batch is not None and array.shape[0] != batch):
        expected = f"({batch},) or ({batch}, 1)" if batch is not None else "(batch,) or (batch, 1)"
        raise ValueError(f"CTC: `{name}` must have shape {expected}; received shape {array.shape}")
    return array.astype(np.int64)


def ctc_label_dense_to_sparse(labels, label_lengths) -> SparseTensor:
    """The first `label_lengths[b]` labels of each row `b` of `labels`, as a `SparseTensor`.

    Example:
        >>> sparse = ctc_label_dense_to_sparse(np.array([[1, 2, 3], [4, 5, 6]]), np.array([2, 1]))
        >>> sparse.indices.tolist(), sparse.values.tolist(), sparse.dense_shape.tolist()
        ([[0, 0], [0, 1], [1, 0]], [1, 2, 4], [2, 3])
    """
    labels = np.asarray(tensor_and_array(labels)[1])
    if labels.ndim != 2:
        raise ValueError(f"ctc_label_dense_to_sparse: `labels` must be 2D (batch, max_label_length); received "
                         f"shape {labels.shape}")
    lengths = _int_vector(label_lengths, "label_lengths", labels.shape[0])
    mask = np.arange(labels.shape[1])[None, :] < lengths[:, None]
    indices = np.argwhere(mask).astype(np.int64)
    return SparseTensor(indices, labels[mask], np.array(labels.shape, np.int64))


# --------------------------------------------------------------------------- loss
def _log_softmax(logits):
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _extended_labels(labels, label_length, blank):
    """Labels with a blank before, between and after them: (batch, 2 * max_len + 1), and their lengths."""
    batch, max_len = labels.shape
    extended = np.full((batch, 2 * max_len + 1), blank, dtype=np.int64)
    extended[:, 1::2] = labels
    positions = np.arange(2 * max_len + 1)[None, :]
    extended[positions >= (2 * label_length + 1)[:, None]] = blank
    return extended, 2 * label_length + 1


def _check_lengths(labels, label_length, input_length, steps, classes):
    for b, (length, available) in enumerate(zip(label_length, input_length)):
        if length <= 0:
            raise ValueError(f"ctc_batch_cost: the label length is zero in batch {b}; CTC needs at least one label")
        if length > labels.shape[1]:
            raise ValueError(f"ctc_batch_cost: label_length[{b}]={length} is longer than the labels "
                             f"({labels.shape[1]} columns)")
        if not 0 < available <= steps:
            raise ValueError(f"ctc_batch_cost: input_length[{b}]={available} must be in [1, {steps}] (the time steps "
                             "of y_pred)")
        if length > available:
            raise ValueError(f"ctc_batch_cost: not enough time for the target sequence in batch {b} (required: "
                             f"{length}, available: {available})")
    used = labels[np.arange(labels.shape[1])[None, :] < label_length[:, None]]
    if used.size and (used.min() < 0 or used.max() >= classes):
        raise ValueError(f"ctc_batch_cost: labels must be in [0, {classes - 2}] (class {classes - 1} is the blank, "
                         f"allowed only as padding at the end); received labels from {used.min()} to {used.max()}")


def _drop_trailing_blanks(labels, label_length, blank):
    """The label lengths without blank labels at their end: TensorFlow's CTC takes blanks as padding there (an
    all-blank sequence is the empty target) and refuses a label after one. Keras's image_ocr.py example trains
    on such sequences (`labels[i, 0] = blank_label` with label_length 1 for its blank images)."""
    lengths = label_length.copy()
    for b, length in enumerate(label_length):
        sequence = labels[b, :length]
        blanks = np.flatnonzero(sequence == blank)
        if blanks.size:
            if (sequence[blanks[0]:] != blank).any():
                raise ValueError(f"ctc_batch_cost: a label follows the blank label {blank} in batch {b} "
                                 f"({sequence.tolist()}); blank labels may only pad the end of a sequence")
            lengths[b] = blanks[0]
    return lengths


def _forward_backward(log_probs, extended, extended_length, input_length, blank):
    """log alpha and log beta of the CTC lattice, (batch, time, states), both including the emission."""
    batch, steps, _ = log_probs.shape
    states = extended.shape[1]
    emit = np.take_along_axis(log_probs, np.broadcast_to(extended[:, None, :], (batch, steps, states)), axis=2)
    skip = np.zeros((batch, states), bool)  # may jump from s-2: a label differing from the label before the blank
    skip[:, 2:] = (extended[:, 2:] != blank) & (extended[:, 2:] != extended[:, :-2])
    valid = np.arange(states)[None, :] < extended_length[:, None]
    skip &= valid
    rows = np.arange(batch)

    alpha = np.full((batch, steps, states), _NEG_INF)
    alpha[:, 0, 0] = emit[:, 0, 0]
    if states > 1:  # (a batch of empty targets has the blank state only)
        alpha[:, 0, 1] = np.where(extended_length > 1, emit[:, 0, 1], _NEG_INF)
    for t in range(1, steps):
        prev = alpha[:, t - 1]
        total = np.logaddexp(prev, np.pad(prev[:, :-1], ((0, 0), (1, 0)), constant_values=_NEG_INF))
        total = np.logaddexp(total, np.where(skip, np.pad(prev[:, :-2], ((0, 0), (2, 0)), constant_values=_NEG_INF),
                                             _NEG_INF))
        alpha[:, t] = np.where(valid & (t < input_length)[:, None], total + emit[:, t], _NEG_INF)

    beta = np.full((batch, steps, states), _NEG_INF)
    skip_back = np.zeros((batch, states), bool)
    skip_back[:, :-2] = skip[:, 2:]  # s may jump to s+2 where s+2 may be reached from s
    last = input_length - 1
    for t in range(steps - 1, -1, -1):
        start = t == last
        beta[start, t, extended_length[start] - 1] = emit[rows[start], t, extended_length[start] - 1]
        two = start & (extended_length > 1)  # an empty target ends in its one blank state only
        beta[two, t, extended_length[two] - 2] = emit[rows[two], t, extended_length[two] - 2]
        inner = t < last
        if t + 1 < steps and inner.any():
            nxt = beta[:, t + 1]
            total = np.logaddexp(nxt, np.pad(nxt[:, 1:], ((0, 0), (0, 1)), constant_values=_NEG_INF))
            total = np.logaddexp(total, np.where(skip_back, np.pad(nxt[:, 2:], ((0, 0), (0, 2)),
                                                                  constant_values=_NEG_INF), _NEG_INF))
            beta[inner, t] = np.where(valid[inner], total[inner] + emit[inner, t], _NEG_INF)
    return alpha, beta, emit


@register()
def ctc_loss_from_logits(logits, labels, label_length, input_length) -> Tensor:
    """Per-sample CTC loss `-log p(labels | logits)` (batch,), with logits (batch, time, classes), blank last.

    The gradient with respect to `logits` is `softmax(logits) - occupation` over the first
    `input_length` steps (computed in raw numpy: a second derivative through it is not available).
    """
    lt, la = tensor_and_array(logits)
    if la.ndim != 3:
        raise ValueError(f"CTC: the predictions must be 3D (batch, time, classes); received shape {la.shape}")
    batch, steps, classes = la.shape
    labels = np.asarray(tensor_and_array(labels)[1])
    if labels.ndim != 2 or labels.shape[0] != batch:
        raise ValueError(f"CTC: the labels must be 2D (batch={batch}, max_label_length); received shape "
                         f"{labels.shape}")
    labels = labels.astype(np.int64)
    label_length = _int_vector(label_length, "label_length", batch)
    input_length = _int_vector(input_length, "input_length", batch)
    _check_lengths(labels, label_length, input_length, steps, classes)
    label_length = _drop_trailing_blanks(labels, label_length, classes - 1)

    log_probs = _log_softmax(la.astype(np.float64))
    extended, extended_length = _extended_labels(labels, label_length, classes - 1)
    alpha, beta, emit = _forward_backward(log_probs, extended, extended_length, input_length, classes - 1)
    rows = np.arange(batch)
    ends = alpha[rows, input_length - 1]
    log_likelihood = np.logaddexp(ends[rows, extended_length - 1],
                                  np.where(extended_length > 1, ends[rows, extended_length - 2], _NEG_INF))
    out = Tensor((-log_likelihood).astype(la.dtype))
    if RECORDING and lt is not None:
        def vjp(g):
            g = np.asarray(g.array if isinstance(g, Tensor) else g, np.float64).reshape(batch, 1, 1)
            occupation = np.exp(alpha + beta - emit - log_likelihood[:, None, None])  # (batch, time, states)
            occupation[~np.isfinite(log_likelihood)] = 0.0  # no valid path: softmax alone, as TensorFlow
            one_hot = np.eye(classes)[extended]  # (batch, states, classes)
            grad = np.exp(log_probs) - occupation @ one_hot
            grad[np.arange(steps)[None, :] >= input_length[:, None]] = 0.0
            return (np.nan_to_num(g * grad).astype(la.dtype), None, None, None)

        record((lt, None, None, None), out, vjp)
    return out


def ctc_batch_cost(y_true, y_pred, input_length, label_length) -> Tensor:
    """CTC loss of each sample, (batch, 1), from softmax outputs `y_pred` (batch, time, classes).

    Args:
        y_true: (batch, max_label_length) labels in [0, classes - 2] (class `classes - 1` is the blank; as
            padding after the labels it is dropped, as TensorFlow does).
        y_pred: (batch, time, classes) probabilities (a softmax output).
        input_length: (batch, 1) the number of time steps of `y_pred` to use per sample.
        label_length: (batch, 1) the number of labels per sample.
    """
    logits = m.log(m.add(y_pred, config.epsilon()))
    return shape_ops.expand_dims(ctc_loss_from_logits(logits, y_true, label_length, input_length), 1)


# --------------------------------------------------------------------------- decoding
def _greedy_paths(log_probs, input_length, blank):
    paths, scores = [], []
    for b, length in enumerate(input_length):
        best = log_probs[b, :length].argmax(axis=-1)
        scores.append(-float(log_probs[b, np.arange(length), best].sum()))
        keep = (best != blank) & np.concatenate([[True], best[1:] != best[:-1]])
        paths.append(best[keep].tolist())
    return [paths], np.array(scores, np.float32)[:, None]


class _BeamEntry:
    """A prefix of the beam search: its last label, parent and probabilities (log) ending in blank/label."""

    __slots__ = ("parent", "label", "children", "old_total", "old_blank", "total", "blank", "label_p")

    def __init__(self, parent, label):
        self.parent, self.label, self.children = parent, label, None
        self.old_total = self.old_blank = self.total = self.blank = self.label_p = _NEG_INF

    def active(self):
        return self.total != _NEG_INF

    def reset(self):
        self.total = self.blank = self.label_p = _NEG_INF

    def labels(self, merge_repeated):
        out, previous, entry = [], -1, self
        while entry.parent is not None:
            if not merge_repeated or entry.label != previous:
                out.append(entry.label)
            previous, entry = entry.label, entry.parent
        return out[::-1]


class _Leaves:
    """TensorFlow's TopN of beam entries by total probability: at most `width`, the worst at hand."""

    def __init__(self, width):
        self.width, self.heap, self.count = width, [], 0

    def __len__(self):
        return len(self.heap)

    def bottom(self):
        return self.heap[0][2]

    def push(self, entry):
        self.count += 1
        item = (entry.total, self.count, entry)
        if len(self.heap) < self.width:
            heapq.heappush(self.heap, item)
        elif entry.total > self.heap[0][0]:
            heapq.heapreplace(self.heap, item)

    def extract(self):
        """The entries, best first; the set is emptied."""
        entries = [item[2] for item in sorted(self.heap, key=lambda item: (-item[0], item[1]))]
        self.heap = []
        return entries


def _beam_search(log_inputs, width, blank):
    """Best prefixes of one sample's (time, classes) inputs: TensorFlow's CTCBeamSearchDecoder.Step loop."""
    root = _BeamEntry(None, -1)
    root.total = root.blank = 0.0
    leaves = _Leaves(width)
    leaves.push(root)
    classes = log_inputs.shape[1]

    def is_candidate(total):
        return total > _NEG_INF and (len(leaves) < width or total > leaves.bottom().total)

    for row in log_inputs:
        row = row - row.max()
        row = row - np.log(np.exp(row).sum())  # log-softmax: TensorFlow treats the inputs as logits
        branches = leaves.extract()
        for b in branches:
            b.old_total, b.old_blank = b.total, b.blank
        for b in branches:
            if b.parent is not None:
                if b.parent.active():
                    previous = b.parent.old_blank if b.label == b.parent.label else b.parent.old_total
                    b.label_p = np.logaddexp(b.label_p, previous)
                b.label_p += row[b.label]
            b.blank = b.old_total + row[blank]
            b.total = np.logaddexp(b.blank, b.label_p)
            leaves.push(b)
        for b in branches:
            if not is_candidate(b.old_total):
                continue
            if b.children is None:
                b.children = [_BeamEntry(b, label) for label in range(classes) if label != blank]
            for c in b.children:
                if c.active():
                    continue
                c.blank = _NEG_INF
                c.label_p = row[c.label] + (b.old_blank if c.label == b.label else b.old_total)
                c.total = c.label_p
                if is_candidate(c.total):
                    if len(leaves) == width:
                        leaves.bottom().reset()
                    leaves.push(c)
                else:
                    c.reset()
                    c.old_total = c.old_blank = _NEG_INF
    return leaves.extract()


def _beam_paths(log_inputs, input_length, width, top_paths, blank):
    paths = [[] for _ in range(top_paths)]
    scores = np.zeros((len(input_length), top_paths), np.float32)
    for b, length in enumerate(input_length):
        best = _beam_search(log_inputs[b, :length].astype(np.float64), width, blank)
        if top_paths > len(best):
            raise ValueError(f"ctc_decode: fewer paths in the beam search ({len(best)}) than requested "
                             f"(top_paths={top_paths}) in batch {b}")
        for i in range(top_paths):
            paths[i].append(best[i].labels(merge_repeated=True))
            scores[b, i] = best[i].total
    return paths, scores


def ctc_decode(y_pred, input_length, greedy: bool = True, beam_width: int = 100, top_paths: int = 1):
    """Decode softmax outputs: `([decoded (batch, time) int64, padded with -1] * paths, log_prob)`.

    Args:
        y_pred: (batch, time, classes) probabilities; the last class is the blank.
        input_length: (batch,) time steps to decode per sample.
        greedy: best class per step (one path, log_prob (batch, 1) = minus the summed per-step maxima);
            otherwise beam search.
        beam_width: the beam of the search.
        top_paths: how many of the best paths the beam search returns (log_prob (batch, top_paths)).
    """
    _, probabilities = tensor_and_array(y_pred)
    if probabilities.ndim != 3:
        raise ValueError(f"ctc_decode: y_pred must be 3D (batch, time, classes); received shape {probabilities.shape}")
    batch, steps, classes = probabilities.shape
    input_length = _int_vector(input_length, "input_length", batch)
    if np.any(input_length < 0) or np.any(input_length > steps):
        raise ValueError(f"ctc_decode: input_length must be in [0, {steps}]; received {input_length.tolist()}")
    if not greedy and (int(beam_width) < 1 or int(top_paths) < 1 or int(top_paths) > int(beam_width)):
        raise ValueError(f"ctc_decode: need 1 <= top_paths <= beam_width; received top_paths={top_paths}, "
                         f"beam_width={beam_width}")
    log_inputs = np.log(probabilities + np.asarray(config.epsilon(), probabilities.dtype))
    if greedy:
        paths, scores = _greedy_paths(log_inputs, input_length, classes - 1)
    else:
        paths, scores = _beam_paths(log_inputs, input_length, int(beam_width), int(top_paths), classes - 1)
    decoded = []
    for path in paths:
        dense = np.full((batch, steps), -1, np.int64)
        for b, labels in enumerate(path):
            dense[b, :len(labels)] = labels
        decoded.append(Tensor(dense))
    return decoded, Tensor(scores)
