"""The shapes a user layer's build and compute_output_shape receive behave like tf.TensorShape."""
import numpy as np

import kerasish as keras
from kerasish.utils.tensor_shape import TensorShape


class _AsListDense(keras.layers.Layer):
    """Written against tf.keras, as handson-ml2's MyDense: shapes are read with `.as_list()`."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.seen = []

    def build(self, batch_input_shape):
        self.seen.append(("build", type(batch_input_shape).__name__, batch_input_shape.as_list()))
        self.kernel = self.add_weight(name="kernel", shape=[batch_input_shape.as_list()[-1], self.units],
                                      initializer="ones")
        super().build(batch_input_shape)

    def call(self, x):
        return x @ self.kernel

    def compute_output_shape(self, batch_input_shape):
        self.seen.append(("shape", type(batch_input_shape).__name__, batch_input_shape.as_list()))
        return TensorShape(batch_input_shape.as_list()[:-1] + [self.units])


def test_a_user_layer_reads_shapes_with_as_list_in_a_model_and_eagerly():
    layer = _AsListDense(2)
    model = keras.Sequential([keras.layers.Dense(3, input_shape=(4,), kernel_initializer="ones"), layer])
    assert model.output_shape == (None, 2)
    assert ("build", "TensorShape", [None, 3]) in layer.seen and ("shape", "TensorShape", [None, 3]) in layer.seen
    np.testing.assert_allclose(model.predict(np.ones((1, 4), "float32"), verbose=0), [[12.0, 12.0]])
    eager = _AsListDense(5)
    assert eager(np.ones((2, 3), "float32")).shape == (2, 5)
    assert eager.seen == [("build", "TensorShape", [2, 3])]


def test_tensor_shape_is_a_tuple_with_tf_tensor_shape_methods():
    shape = TensorShape((None, 28, 28))
    assert shape == (None, 28, 28) and isinstance(shape, tuple)
    assert shape[0] is None and shape[-1] == 28 and shape.rank == 3 and shape.ndims == 3
    assert shape[1:] == (28, 28) and isinstance(shape[1:], TensorShape)
    assert shape + [3] == (None, 28, 28, 3) and shape.concatenate((1,)).as_list() == [None, 28, 28, 1]
    assert shape.num_elements() is None and not shape.is_fully_defined()
    assert shape[1:].num_elements() == 784 and shape[1:].is_fully_defined()
