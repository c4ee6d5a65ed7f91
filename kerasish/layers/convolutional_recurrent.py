"""Keras 2's module path `keras.layers.convolutional_recurrent` (ConvLSTM1D, ConvLSTM2D, ConvLSTM3D, RNN).

The names resolve, when first used, to the layers of the same name in `kerasish.layers`; a layer
that kerasish does not provide raises an AttributeError that says so (`from ... import` turns it
into an ImportError).

Example:
    >>> import kerasish.layers.convolutional_recurrent as cr
    >>> hasattr(cr, "NotALayer")
    False
"""
_NAMES = ("ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D", "RNN")  # Keras 2 imported RNN here


def __getattr__(name):
    if name in _NAMES:
        from .. import layers

        if hasattr(layers, name):
            return getattr(layers, name)
        raise AttributeError(f"kerasish does not provide the layer {name} yet "
                             f"(module 'kerasish.layers.convolutional_recurrent' has no attribute '{name}')")
    raise AttributeError(f"module 'kerasish.layers.convolutional_recurrent' has no attribute '{name}'")


def __dir__():
    from .. import layers

    return sorted(n for n in _NAMES if hasattr(layers, n))
