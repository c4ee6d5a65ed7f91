"""Probabilistic metrics: the running means of the crossentropies, the KL divergence and the Poisson loss.

Example:
    >>> from kerasish.metrics import BinaryCrossentropy
    >>> m = BinaryCrossentropy()
    >>> m.update_state([[0.0, 1.0]], [[0.5, 0.5]])
    >>> round(float(m.result()), 4)
    0.6931
"""
from ..losses import (
    binary_crossentropy, categorical_crossentropy, kl_divergence, poisson, sparse_categorical_crossentropy)
from .reduction_metrics import _wrapper_class


KLDivergence = _wrapper_class("KLDivergence", kl_divergence, "kullback_leibler_divergence", """\
Running mean Kullback-Leibler divergence.

    Example:
        >>> m = KLDivergence()
        >>> m.update_state([[0.5, 0.5]], [[0.25, 0.75]])
        >>> round(float(m.result()), 6)
        0.143841
""")
Poisson = _wrapper_class("Poisson", poisson, "poisson", """\
Running mean Poisson loss.

    Example:
        >>> m = Poisson()
        >>> m.update_state([[1.0]], [[2.0]])
        >>> round(float(m.result()), 6)
        1.306853
""")
BinaryCrossentropy = _wrapper_class(
    "BinaryCrossentropy", binary_crossentropy, "binary_crossentropy", """\
Running mean binary crossentropy (sigmoid outputs use their hidden logits, as in Keras).

    Example:
        >>> m = BinaryCrossentropy()
        >>> m.update_state([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])
        >>> round(float(m.result()), 4)
        0.8149
""", extra=(("from_logits", False), ("label_smoothing", 0)))
CategoricalCrossentropy = _wrapper_class(
    "CategoricalCrossentropy", categorical_crossentropy, "categorical_crossentropy", """\
Running mean categorical crossentropy.

    Example:
        >>> m = CategoricalCrossentropy()
        >>> m.update_state([[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
        >>> round(float(m.result()), 4)
        1.1769
""", extra=(("from_logits", False), ("label_smoothing", 0), ("axis", -1)))
SparseCategoricalCrossentropy = _wrapper_class(
    "SparseCategoricalCrossentropy", sparse_categorical_crossentropy, "sparse_categorical_crossentropy", """\
Running mean sparse categorical crossentropy.

    Example:
        >>> m = SparseCategoricalCrossentropy()
        >>> m.update_state([1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
        >>> round(float(m.result()), 4)
        1.1769
""", extra=(("from_logits", False), ("ignore_class", None), ("axis", -1)))
