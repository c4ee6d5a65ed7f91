"""`K.experimental`: tf_keras's switch between TensorFlow's two random number generators.

tf_keras draws initial weights and dropout masks either from legacy stateful ops or, once
`enable_tf_random_generator()` is called, from a `tf.random.Generator`. kerasish has one generator
(numpy's, seeded by `K.set_random_seed` / `utils.set_random_seed`), so the switch only records the
choice and reports it back: scripts that call it for reproducibility run unchanged.

Example:
    >>> from kerasish import backend as K
    >>> K.experimental.is_tf_random_generator_enabled()
    False
"""
_USE_GENERATOR_FOR_RNG = False  # tf_keras 2.21's default


def enable_tf_random_generator() -> None:
    """Record that tf_keras's `tf.random.Generator` RNG was asked for (kerasish keeps its one generator).

    Example:
        >>> enable_tf_random_generator(); is_tf_random_generator_enabled()
        True
        >>> disable_tf_random_generator()
    """
    global _USE_GENERATOR_FOR_RNG
    _USE_GENERATOR_FOR_RNG = True


def disable_tf_random_generator() -> None:
    """Record that tf_keras's legacy stateful RNG was asked for (the default).

    Example:
        >>> disable_tf_random_generator(); is_tf_random_generator_enabled()
        False
    """
    global _USE_GENERATOR_FOR_RNG
    _USE_GENERATOR_FOR_RNG = False


def is_tf_random_generator_enabled() -> bool:
    """Whether `enable_tf_random_generator()` was called last (False by default, as tf_keras 2.21).

    Example:
        >>> is_tf_random_generator_enabled()
        False
    """
    return _USE_GENERATOR_FOR_RNG
