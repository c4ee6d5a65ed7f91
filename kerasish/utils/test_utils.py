"""Keras 2's `keras.utils.test_utils`: `layer_test` and `get_test_data`, the helpers Keras 2 layer tests call.

Example:
    >>> import kerasish as keras
    >>> from kerasish.utils.test_utils import layer_test
    >>> layer_test(keras.layers.Dense, kwargs={"units": 3}, input_shape=(2, 4)).shape
    (2, 3)
"""
import numpy as np

from .. import backend as K
from .generic_utils import has_arg
from ..layers import Input
from ..models import Model


def get_test_data(num_train: int = 1000, num_test: int = 500, input_shape=(10,), output_shape=(2,),
                  classification: bool = True, num_classes: int = 2):
    """`((x_train, y_train), (x_test, y_test))` of random data a model can learn.

    With `classification`, `y` holds integer classes and each `x` is drawn around its class number;
    otherwise `x` and `y` (of `output_shape`) are drawn around the same random value per sample.

    Example:
        >>> (x, y), (x_test, y_test) = get_test_data(num_train=6, num_test=2, input_shape=(3,))
        >>> x.shape, y.shape, x_test.shape
        ((6, 3), (6,), (2, 3))
    """
    samples = num_train + num_test
    if classification:
        y = np.random.randint(0, num_classes, size=(samples,))
        x = np.random.normal(loc=y.reshape((samples,) + (1,) * len(input_shape)), scale=0.7,
                             size=(samples,) + tuple(input_shape)).astype(np.float32)
    else:
        loc = np.random.random((samples,))
        x = np.random.normal(loc=loc.reshape((samples,) + (1,) * len(input_shape)), scale=0.7,
                             size=(samples,) + tuple(input_shape)).astype(np.float32)
        y = np.random.normal(loc=loc.reshape((samples,) + (1,) * len(output_shape)), scale=0.7,
                             size=(samples,) + tuple(output_shape)).astype(np.float32)
    return (x[:num_train], y[:num_train]), (x[num_train:], y[num_train:])


def layer_test(layer_cls, kwargs=None, input_shape=None, input_dtype=None, input_data=None, expected_output=None,
               expected_output_dtype=None, fixed_batch_size: bool = False):
    """Check a single-input, single-output layer as Keras 2's tests do, and return its output on the input.

    Creates the layer from `kwargs`, round-trips its weights, checks the symbolic output dtype and the
    output shape against `compute_output_shape`, compares with `expected_output` (rtol 1e-3), rebuilds
    the model from its config with the same weights and compares again, runs one training step when
    the layer's `call` takes `training`, and rebuilds the layer from its config.

    Args:
        layer_cls: the layer class.
        kwargs: its constructor arguments.
        input_shape: with the batch axis; None entries become random sizes 1-3.
        input_dtype, input_data: the input (default: random floats in [0, 10) of `input_shape`).
        expected_output, expected_output_dtype: what the output must be.
        fixed_batch_size: build the model with the batch size of `input_shape`.
    """
    kwargs = kwargs or {}
    if input_data is None:
        if not input_shape:
            raise ValueError("layer_test: give `input_shape` or `input_data`")
        input_dtype = input_dtype or K.floatx()
        data_shape = [np.random.randint(1, 4) if e is None else e for e in input_shape]
        input_data = (10 * np.random.random(data_shape)).astype(input_dtype)
    else:
        input_shape = input_data.shape if input_shape is None else input_shape
        input_dtype = input_data.dtype if input_dtype is None else input_dtype
    expected_output_dtype = expected_output_dtype or input_dtype

    layer = layer_cls(**kwargs)
    layer.set_weights(layer.get_weights())
    expected_output_shape = layer.compute_output_shape(tuple(input_shape))

    if fixed_batch_size:
        x = Input(batch_shape=tuple(input_shape), dtype=input_dtype)
    else:
        x = Input(shape=tuple(input_shape[1:]), dtype=input_dtype)
    y = layer(x)
    assert K.dtype(y) == np.dtype(expected_output_dtype).name, \
        f"{layer_cls.__name__}: output dtype {K.dtype(y)}, expected {expected_output_dtype}"

    model = Model(x, y)
    actual_output = model.predict(input_data, verbose=0)
    for expected_dim, actual_dim in zip(expected_output_shape, actual_output.shape):
        if expected_dim is not None:
            assert expected_dim == actual_dim, \
                f"{layer_cls.__name__}: output shape {actual_output.shape}, expected {expected_output_shape}"
    if expected_output is not None:
        np.testing.assert_allclose(actual_output, expected_output, rtol=1e-3)

    recovered_model = model.__class__.from_config(model.get_config())
    if model.weights:
        recovered_model.set_weights(model.get_weights())
        np.testing.assert_allclose(recovered_model.predict(input_data, verbose=0), actual_output, rtol=1e-3)

    if has_arg(layer.call, "training"):
        model.compile("rmsprop", "mse")
        model.train_on_batch(input_data, actual_output)

    layer_config = layer.get_config()
    layer_config["batch_input_shape"] = tuple(input_shape)
    layer.__class__.from_config(layer_config)
    return actual_output
