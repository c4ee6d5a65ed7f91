"""`Discretization`: bucket numbers by boundaries, given or learned by `adapt` as tf_keras learns them.

`adapt` keeps tf_keras's approximate quantile summary (epsilon 0.01 by default): each batch is
sorted and subsampled into a weighted summary, summaries are merged and compressed in float32, and
the boundaries are read off the final summary, so the same data in the same batches gives the same
boundaries as tf_keras. A value equal to a boundary goes to the upper bucket (TensorFlow's Bucketize).

Saved state: tf_keras keeps an adapted layer's summary as a weight of unknown shape; kerasish writes
the learned boundaries into the config instead (`bin_boundaries`, with `num_bins: None`, which
tf_keras accepts), so a saved model needs no variable-shaped weight.

Example:
    >>> import numpy as np
    >>> from kerasish.layers import Discretization
    >>> Discretization(bin_boundaries=[0.0, 1.0, 2.0])(np.array([[-1.5, 1.0, 3.4, 0.5]])).numpy().tolist()
    [[0, 2, 3, 1]]
    >>> layer = Discretization(num_bins=4, epsilon=0.01)
    >>> layer.adapt(np.arange(20.0).reshape(-1, 1))
    >>> layer.bin_boundaries
    [4.0, 9.0, 14.0]
"""
import numpy as np

from ..backend.tensor import Tensor
from ..utils.serialization import register_builtin
from .base_preprocessing import PreprocessingLayer
from .category_encoding import (COUNT, INT, MULTI_HOT, ONE_HOT, as_array, check_string_arg, default_output_dtype,
                                encode_categorical, encoded_shape)
from .lookup import listify

__all__ = ["Discretization"]


def summarize(values, epsilon):
    """A (2, k) float32 summary of one batch: every `n * epsilon`-th sorted value, weighted by the step."""
    values = np.sort(np.asarray(values, dtype=np.float32).reshape(-1))
    elements = np.float32(values.size)
    increment = int(elements / np.float32(1.0 / epsilon))
    step = max(increment, 1)
    boundaries = values[increment::step]
    return np.stack([boundaries, np.full(boundaries.shape, np.float32(step), dtype=np.float32)])


def compress(summary, epsilon):
    """Resample a summary to about `1 / epsilon` points (tf_keras's `_compress_summary_numpy`)."""
    if summary.shape[1] * epsilon < 1:
        return summary
    percents = epsilon + np.arange(0.0, 1.0, epsilon)
    cum_weights = summary[1].cumsum()
    cum_weight_percents = cum_weights / cum_weights[-1]
    new_bins = np.interp(percents, cum_weight_percents, summary[0])
    cum_weights = np.interp(percents, cum_weight_percents, cum_weights)
    new_weights = cum_weights - np.concatenate((np.array([0]), cum_weights[:-1]))
    return np.stack((new_bins, new_weights)).astype(np.float32)


def merge_summaries(prev_summary, next_summary, epsilon):
    merged = np.concatenate((prev_summary, next_summary), axis=1)
    merged = merged[:, np.argsort(merged[0], kind="stable")]
    return compress(merged, epsilon)


def bucketize(values, boundaries):
    """TensorFlow's Bucketize: the number of (float32) boundaries <= each value."""
    edges = np.asarray(boundaries, dtype=np.float32).astype(np.float64)
    return np.searchsorted(edges, np.asarray(values, dtype=np.float64), side="right").astype(np.int64)


@register_builtin("layer")
class Discretization(PreprocessingLayer):
    """Buckets continuous values into integer bins (or their one-hot/multi-hot/count encoding).

    Args:
        bin_boundaries: sorted boundaries; `n` boundaries make `n + 1` bins.
        num_bins: learn `num_bins - 1` boundaries (approximate quantiles) with `adapt`.
        epsilon: the quantile approximation error used by `adapt`.
        output_mode: "int" (default), "one_hot", "multi_hot" or "count".

    Example:
        >>> import numpy as np
        >>> Discretization([0.0, 1.0], output_mode="one_hot")(np.array([0.5, 7.0])).numpy().tolist()
        [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    """

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int", sparse=False, **kwargs):
        if "bins" in kwargs:  # the old name of both arguments
            bins = kwargs.pop("bins")
            if isinstance(bins, int) and num_bins is None:
                num_bins = bins
            elif bin_boundaries is None:
                bin_boundaries = bins
        super().__init__(**default_output_dtype(kwargs, output_mode))
        check_string_arg(output_mode, (INT, ONE_HOT, MULTI_HOT, COUNT), "Discretization", "output_mode")
        if sparse:
            raise ValueError("Discretization: `sparse=True` is not supported (kerasish has no sparse tensors).")
        if num_bins is not None and num_bins < 0:
            raise ValueError(f"`num_bins` must be greater than or equal to 0. You passed `num_bins={num_bins}`")
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError(f"Both `num_bins` and `bin_boundaries` should not be set. You passed "
                             f"`num_bins={num_bins}` and `bin_boundaries={bin_boundaries}`")
        bin_boundaries = listify(bin_boundaries)
        self.input_bin_boundaries = bin_boundaries
        self.bin_boundaries = list(bin_boundaries) if bin_boundaries is not None else []
        self.num_bins = num_bins
        self.epsilon = epsilon
        self.output_mode = output_mode
        self.sparse = False
        self.reset_state()

    def update_state(self, data):
        """Merge the summary of one batch into the running summary."""
        if self.input_bin_boundaries is not None:
            raise ValueError("Cannot adapt a Discretization layer that has been initialized with `bin_boundaries`, use "
                             f"`num_bins` instead. You passed `bin_boundaries={self.input_bin_boundaries}`.")
        summary = summarize(as_array(data), self.epsilon)
        self._summary = merge_summaries(summary, self._summary, self.epsilon)

    def finalize_state(self):
        """Read `num_bins - 1` boundaries off the summary."""
        if self.input_bin_boundaries is not None:
            return
        boundaries = compress(self._summary, 1.0 / self.num_bins)[0, :-1]
        self.bin_boundaries = boundaries.tolist()

    def reset_state(self):
        """Start a new summary."""
        self._summary = np.zeros((2, 0), dtype=np.float32)

    def call(self, inputs):
        values = as_array(inputs)
        if values.dtype.kind not in "iuf":
            raise ValueError(f'Layer "{self.name}" expects numbers; received an input of dtype {values.dtype}')
        indices = bucketize(values, self.bin_boundaries)
        return Tensor(encode_categorical(indices, self.output_mode, len(self.bin_boundaries) + 1, self.dtype))

    def compute_output_shape(self, input_shape):
        return encoded_shape(input_shape, self.output_mode, len(self.bin_boundaries) + 1)

    def get_config(self):
        cfg = super().get_config()
        boundaries, num_bins = self.input_bin_boundaries, self.num_bins
        if boundaries is None and self._is_adapted:  # learned boundaries travel in the config (see module doc)
            boundaries, num_bins = list(self.bin_boundaries), None
        cfg.update({"bin_boundaries": boundaries, "num_bins": num_bins, "epsilon": self.epsilon,
                    "output_mode": self.output_mode, "sparse": self.sparse})
        return cfg
