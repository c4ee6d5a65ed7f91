"""Keras 2's utils modules as Keras 2 scripts use them: generic_utils, conv_utils, io_utils (HDF5Matrix),
data_utils (enqueuers), layer_utils (kernel conversions), losses_utils, test_utils, multi_gpu_utils."""
import threading
import time

import h5py
import numpy as np
import pytest

import kerasish as keras
from kerasish.utils import conv_utils, data_utils, generic_utils, io_utils, layer_utils, losses_utils, test_utils


pytestmark = pytest.mark.usefixtures("fresh_layer_names")


# ------------------------------------------------------------------------------------ generic_utils
def test_generic_utils_helpers():
    assert generic_utils.to_list((1, 2)) == [(1, 2)] and generic_utils.to_list((1, 2), allow_tuple=True) == [1, 2]
    assert generic_utils.unpack_singleton([7]) == 7 and generic_utils.unpack_singleton([1, 2]) == [1, 2]
    assert generic_utils.is_all_none([None, None]) and not generic_utils.is_all_none([None, 0])
    assert generic_utils.transpose_shape([8, 5, 4, 3], "channels_first", (1, 2)) == [8, 3, 5, 4]
    with pytest.raises(ValueError, match="Unknown entries in loss dictionary"):
        generic_utils.check_for_unexpected_keys("loss", {"out": 1, "typo": 2}, ["out"])


def test_func_dump_and_load_round_trip_closures_and_defaults():
    scale = 3.0

    def fn(x, offset=1.0):
        return x * scale + offset

    code, defaults, closure = generic_utils.func_dump(fn)
    assert defaults == (1.0,) and closure == (3.0,)
    rebuilt = generic_utils.func_load([code, list(defaults), list(closure)])
    assert rebuilt(2.0) == 7.0 and rebuilt(2.0, offset=0.0) == 6.0


def test_func_load_reads_the_text_form_of_keras_before_2_1_2():
    # Keras <= 2.1.1 stored marshal.dumps(code).decode("raw_unicode_escape"); Keras 2.3.1 and tf_keras 2.21's
    # func_load fall back to that form when the text is not base64 (Keras 2.3.1's own backwards-compat test)
    import marshal

    def fn(x, k=3):
        return x * k

    old_text = marshal.dumps(fn.__code__).decode("raw_unicode_escape")
    rebuilt = generic_utils.func_load(old_text, defaults=fn.__defaults__)
    assert rebuilt.__code__ == fn.__code__ and rebuilt(2) == 6


def test_has_arg_and_slice_arrays_as_keras():
    assert generic_utils.has_arg(lambda x, mask=None: x, "mask")
    assert not generic_utils.has_arg(lambda x, **kw: x, "mask") and generic_utils.has_arg(
        lambda x, **kw: x, "mask", accept_all=True)
    a, b = np.arange(5), np.arange(5, 10)
    assert [s.tolist() for s in generic_utils.slice_arrays([a, b], 1, 3)] == [[1, 2], [6, 7]]
    assert generic_utils.slice_arrays([a, None], np.array([0, 4]))[0].tolist() == [0, 4]
    assert generic_utils.slice_arrays(a, 1, 3) == [None]  # Keras 2's (and tf.keras's) quirk, kept
    assert generic_utils.slice_arrays(None) == [None]


def test_deserialize_keras_object_with_keras_2_arguments():
    class Thing:
        def __init__(self, size):
            self.size = size

        @classmethod
        def from_config(cls, config):
            return cls(**config)

    made = generic_utils.deserialize_keras_object({"class_name": "Thing", "config": {"size": 2}},
                                                  module_objects={"Thing": Thing})
    assert made.size == 2
    assert generic_utils.deserialize_keras_object("relu", module_objects={"relu": abs}) is abs
    with generic_utils.custom_object_scope({"Thing": Thing}):
        assert generic_utils.deserialize_keras_object({"class_name": "Thing", "config": {"size": 4}}).size == 4
    with pytest.raises(ValueError, match="Unknown object: 'Nope'"):
        generic_utils.deserialize_keras_object({"class_name": "Nope", "config": {}}, module_objects={})


# ---------------------------------------------------------------------------------------- conv_utils
def test_conv_utils_arithmetic_agrees_with_the_convolution_layers():
    for length, k, stride, padding in [(28, 3, 1, "valid"), (28, 3, 2, "same"), (9, 4, 3, "valid"), (7, 2, 2, "full")]:
        out = conv_utils.conv_output_length(length, k, padding, stride)
        assert conv_utils.conv_input_length(out, k, padding, stride) <= length + (stride - 1) + (k if padding == "full"
                                                                                                 else 0)
    assert conv_utils.conv_output_length(28, 3, "valid", 2) == keras.layers.Conv1D(
        1, 3, strides=2).compute_output_shape((None, 28, 1))[1]
    assert conv_utils.deconv_length(5, 2, 3, "valid", None) == keras.layers.Conv2DTranspose(
        1, 3, strides=2).compute_output_shape((None, 5, 5, 1))[1]
    assert conv_utils.normalize_tuple(2, 3, "strides") == (2, 2, 2)
    assert conv_utils.normalize_padding("SAME") == "same"
    with pytest.raises(ValueError, match="`strides` argument must be a tuple of 2"):
        conv_utils.normalize_tuple((1, 2, 3), 2, "strides")


def test_convert_kernel_flips_spatial_axes_and_is_its_own_inverse():
    kernel = np.random.rand(3, 2, 4, 5)
    flipped = conv_utils.convert_kernel(kernel)
    np.testing.assert_array_equal(flipped, kernel[::-1, ::-1])
    np.testing.assert_array_equal(conv_utils.convert_kernel(flipped), kernel)


# ------------------------------------------------------------------------------------------ io_utils
def test_hdf5_matrix_reads_rows_and_trains_like_the_array(tmp_path):
    path = str(tmp_path / "data.h5")
    rng = np.random.default_rng(0)
    x, y = rng.random((20, 3)).astype("float32"), rng.random((20, 1)).astype("float32")
    with h5py.File(path, "w") as f:
        f.create_dataset("x", data=x)
        f.create_dataset("y", data=y)
    x_h5 = io_utils.HDF5Matrix(path, "x", start=5, end=15, normalizer=lambda a: a * 2)
    assert len(x_h5) == 10 and x_h5.shape == (10, 3) and x_h5.ndim == 2 and x_h5.size == 30
    np.testing.assert_array_equal(x_h5[0], x[5] * 2)
    np.testing.assert_array_equal(x_h5[[3, 1, 3]], x[[8, 6, 8]] * 2)  # any order, repeats: not h5py's rule
    np.testing.assert_array_equal(x_h5[-1], x[14] * 2)
    with pytest.raises(IndexError):
        x_h5[10]

    def train(inputs, targets):
        keras.utils.set_random_seed(1)
        model = keras.Sequential([keras.layers.Dense(1, input_shape=(3,))])
        model.compile("sgd", "mse")
        model.fit(inputs, targets, batch_size=4, epochs=2, shuffle="batch", verbose=0)
        return model.predict(inputs, verbose=0)

    np.testing.assert_allclose(train(io_utils.HDF5Matrix(path, "x"), io_utils.HDF5Matrix(path, "y")), train(x, y),
                               rtol=1e-6)
    io_utils.HDF5Matrix.close(path)
    with pytest.raises(ValueError, match="has no dataset 'z'"):
        io_utils.HDF5Matrix(path, "z")


def test_ask_to_proceed_with_overwrite(monkeypatch):
    answers = iter(["maybe", "y"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    assert io_utils.ask_to_proceed_with_overwrite("model.h5")
    monkeypatch.setattr("builtins.input", lambda prompt="": "n")
    assert not io_utils.ask_to_proceed_with_overwrite("model.h5")


# ---------------------------------------------------------------------------------------- data_utils
class _Batches(keras.utils.Sequence):
    def __init__(self, n=5):
        self.n, self.epochs = n, 0

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        value = i + 10 * self.epochs
        time.sleep(0.002)  # slow enough that on_epoch_end would overtake a batch still being read
        return np.full((2, 1), value)

    def on_epoch_end(self):
        self.epochs += 1


@pytest.mark.parametrize("use_multiprocessing", [False, True])
def test_ordered_enqueuer_keeps_order_across_epochs(use_multiprocessing):
    enqueuer = data_utils.OrderedEnqueuer(_Batches(), use_multiprocessing=use_multiprocessing)
    enqueuer.start(workers=2, max_queue_size=3)
    batches = enqueuer.get()
    values = [int(next(batches)[0, 0]) for _ in range(10)]
    enqueuer.stop()
    assert values == [0, 1, 2, 3, 4, 10, 11, 12, 13, 14]  # on_epoch_end ran between the epochs
    assert not enqueuer.is_running()


def test_ordered_enqueuer_shuffles_each_epoch_and_raises_worker_errors():
    enqueuer = data_utils.OrderedEnqueuer(_Batches(8), shuffle=True)
    enqueuer.start(workers=3)
    batches = enqueuer.get()
    first = [int(next(batches)[0, 0]) for _ in range(8)]
    enqueuer.stop()
    assert sorted(first) == list(range(8))

    class Broken(_Batches):
        def __getitem__(self, i):
            if i == 2:
                raise KeyError("bad batch 2")
            return i

    enqueuer = data_utils.OrderedEnqueuer(Broken())
    enqueuer.start()
    with pytest.raises(KeyError, match="bad batch 2"):
        list(enqueuer.get())
    assert not enqueuer.is_running()


def test_generator_enqueuer_reads_in_the_background_and_ends_with_the_generator():
    threads = set()

    def generator():
        for i in range(5):
            threads.add(threading.current_thread().name)
            yield i

    enqueuer = data_utils.GeneratorEnqueuer(generator())
    enqueuer.start(workers=2, max_queue_size=2)
    assert list(enqueuer.get()) == [0, 1, 2, 3, 4]
    assert threading.current_thread().name not in threads

    def failing():
        yield 1
        raise RuntimeError("generator failed")

    enqueuer = data_utils.GeneratorEnqueuer(failing())
    enqueuer.start()
    with pytest.raises(RuntimeError, match="generator failed"):
        list(enqueuer.get())


def test_fit_reads_a_generator_through_the_enqueuer_with_workers():
    def batches():
        while True:
            yield np.ones((4, 2), "float32"), np.zeros((4, 1), "float32")

    model = keras.Sequential([keras.layers.Dense(1, input_shape=(2,))])
    model.compile("sgd", "mse")
    history = model.fit(batches(), steps_per_epoch=3, epochs=2, workers=2, verbose=0)
    assert len(history.history["loss"]) == 2


def test_pack_and_unpack_x_y_sample_weight():
    assert data_utils.unpack_x_y_sample_weight(data_utils.pack_x_y_sample_weight(1, 2, 3)) == (1, 2, 3)
    assert data_utils.unpack_x_y_sample_weight(data_utils.pack_x_y_sample_weight((1, 2))) == ((1, 2), None, None)
    with pytest.raises(ValueError, match="Data is expected to be in format"):
        data_utils.unpack_x_y_sample_weight((1, 2, 3, 4))


# --------------------------------------------------------------------------------------- layer_utils
def test_convert_dense_weights_data_format_keeps_a_flattened_model_equivalent():
    """The use Keras 2 wrote it for: a conv net moved from channels_last to channels_first."""
    rng = np.random.default_rng(2)
    x = rng.random((2, 4, 5, 3)).astype("float32")
    last = keras.Sequential([keras.layers.Conv2D(2, 2, input_shape=(4, 5, 3)), keras.layers.Flatten(),
                             keras.layers.Dense(3)])
    first = keras.Sequential([keras.layers.Conv2D(2, 2, input_shape=(3, 4, 5), data_format="channels_first"),
                              keras.layers.Flatten(), keras.layers.Dense(3)])
    first.set_weights(last.get_weights())
    layer_utils.convert_dense_weights_data_format(first.layers[2], (2, 3, 4), "channels_first")
    np.testing.assert_allclose(first.predict(x.transpose(0, 3, 1, 2), verbose=0), last.predict(x, verbose=0),
                               rtol=1e-5)


def test_convert_all_kernels_in_model_flips_theano_kernels():
    model = keras.Sequential([keras.layers.Conv2D(2, 3, input_shape=(5, 5, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(1)])
    before = [w.copy() for w in model.get_weights()]
    layer_utils.convert_all_kernels_in_model(model)
    after = model.get_weights()
    np.testing.assert_array_equal(after[0], before[0][::-1, ::-1])
    np.testing.assert_array_equal(after[2], before[2])  # Dense kernels are left alone


# --------------------------------------------------------------------------- losses_utils, test_utils
def test_losses_utils():
    values = np.array([[1.0, 2.0], [3.0, 4.0]], "float32")
    weights = losses_utils.broadcast_weights(values, np.array([1.0, 0.0], "float32"))
    assert weights.numpy().tolist() == [[1.0, 1.0], [0.0, 0.0]]
    assert float(losses_utils.compute_weighted_loss(values, np.array([1.0, 0.0], "float32"))) == 0.75
    assert float(losses_utils.reduce_weighted_loss(values, losses_utils.Reduction.SUM)) == 10.0


def test_layer_test_and_get_test_data():
    (x, y), (x_test, y_test) = test_utils.get_test_data(num_train=50, num_test=10, input_shape=(4,),
                                                        classification=True, num_classes=3)
    assert x.shape == (50, 4) and set(np.unique(y)) <= {0, 1, 2} and x_test.shape == (10, 4)
    out = test_utils.layer_test(keras.layers.Dense, kwargs={"units": 3, "kernel_initializer": "ones"},
                                input_data=np.ones((2, 4), "float32"), expected_output=np.full((2, 3), 4.0))
    assert out.shape == (2, 3)
    with pytest.raises(AssertionError):
        test_utils.layer_test(keras.layers.Dense, kwargs={"units": 3, "kernel_initializer": "ones"},
                              input_data=np.ones((2, 4), "float32"), expected_output=np.zeros((2, 3)))


def test_multi_gpu_model_raises_as_keras_does_without_gpus():
    model = keras.Sequential([keras.layers.Dense(1, input_shape=(2,))])
    with pytest.raises(ValueError, match="gpus >= 2"):
        keras.utils.multi_gpu_model(model, gpus=1)
    with pytest.raises(ValueError, match="only has: \\['/cpu:0'\\]"):
        keras.utils.multi_gpu_model(model, gpus=[0, 1])


def test_to_ordinal_and_interactive_logging(caplog, capsys):
    assert keras.utils.to_ordinal([[1], [3]], num_classes=4).tolist() == [[1, 0, 0], [1, 1, 1]]
    keras.utils.disable_interactive_logging()
    try:
        with caplog.at_level("INFO", logger="kerasish"):
            model = keras.Sequential([keras.layers.Dense(1, input_shape=(2,))])
            model.compile("sgd", "mse")
            model.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=2, verbose=2)
    finally:
        keras.utils.enable_interactive_logging()
    assert "Epoch 2/2" in caplog.text and "loss:" in caplog.text and "Epoch" not in capsys.readouterr().out
