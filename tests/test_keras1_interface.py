"""Keras 1 argument names, accepted and converted as standalone Keras 2.0-2.3 accepted them.

Facts from Keras 2.3.1's `keras/legacy/interfaces.py` (which layer takes which old name, the warning text) and
Keras 1.2.2's `get_config`s (the hand-written Keras 1 model configs in
tests/fixtures/h5_legacy/keras1_model_configs.json). Each old call must give the layer its Keras 2 call gives
(same config), and warn with the Keras 2 call to write, at the user's line.
"""
import json
import os
import warnings

import h5py
import numpy as np
import pytest

import kerasish as keras
from kerasish.legacy import interfaces
from tests.test_saving_files import _write_keras1_file

L = keras.layers
FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "h5_legacy")


def _quiet(make):
    """`make()` and the UserWarnings it raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        obj = make()
    return obj, [w for w in caught if issubclass(w.category, UserWarning)]


def _config(layer):
    return json.dumps(layer.get_config(), sort_keys=True)


def test_dense_keras1_call_gives_the_keras2_layer_and_warns_at_the_users_line():
    old, caught = _quiet(lambda: L.Dense(output_dim=2, init="uniform", bias=False, W_regularizer="l2", name="d"))
    new = L.Dense(units=2, kernel_initializer="uniform", use_bias=False, kernel_regularizer="l2", name="d")
    assert _config(old) == _config(new)
    assert [str(w.message) for w in caught] == [
        'Update your `Dense` call to the Keras 2 API: `Dense(name="d", units=2, kernel_initializer="uniform", '
        'kernel_regularizer="l2", use_bias=False)`']  # Keras 2.3.1's table order
    assert caught[0].filename == __file__


# (Keras 1 call, the Keras 2 call Keras 2.3.1 turned it into)
EQUIVALENT_CALLS = {
    "Convolution2D(5, 3, 3)": (lambda: L.Convolution2D(5, 3, 3), lambda: L.Conv2D(5, (3, 3))),
    "Convolution2D(5, 3, nb_col=3)": (lambda: L.Convolution2D(5, 3, nb_col=3), lambda: L.Conv2D(5, (3, 3))),
    "Convolution2D(5, nb_row=3, nb_col=2)": (lambda: L.Convolution2D(5, nb_row=3, nb_col=2),
                                             lambda: L.Conv2D(5, (3, 2))),
    "Convolution2D(nb_filter=5, nb_row=3, nb_col=2)": (lambda: L.Convolution2D(nb_filter=5, nb_row=3, nb_col=2),
                                                       lambda: L.Conv2D(5, (3, 2))),
    "Convolution2D, every renamed argument": (
        lambda: L.Convolution2D(32, 3, 3, border_mode="same", subsample=(2, 2), dim_ordering="th", init="he_normal",
                                W_regularizer="l1", b_regularizer="l2", W_constraint="maxnorm",
                                b_constraint="unitnorm", bias=True),
        lambda: L.Conv2D(32, (3, 3), padding="same", strides=(2, 2), data_format="channels_first",
                         kernel_initializer="he_normal", kernel_regularizer="l1", bias_regularizer="l2",
                         kernel_constraint="max_norm", bias_constraint="unit_norm", use_bias=True)),
    "Convolution1D(input_dim=, input_length=)": (
        lambda: L.Convolution1D(5, filter_length=3, subsample_length=2, input_dim=3, input_length=4),
        lambda: L.Conv1D(5, 3, strides=2, input_shape=(4, 3))),
    "Convolution3D(5, 3, 3, 4)": (lambda: L.Convolution3D(5, 3, 3, 4, subsample=(2, 2, 2)),
                                  lambda: L.Conv3D(5, (3, 3, 4), strides=(2, 2, 2))),
    "Convolution3D(5, kernel_dim1=...)": (lambda: L.Convolution3D(5, kernel_dim1=3, kernel_dim2=3, kernel_dim3=4),
                                          lambda: L.Conv3D(5, (3, 3, 4))),
    "Deconvolution2D(5, 3, 3, output_shape)": (lambda: L.Deconvolution2D(5, 3, 3, (None, 6, 7, 5)),
                                               lambda: L.Conv2DTranspose(5, (3, 3))),
    "SeparableConvolution2D(init=)": (
        lambda: L.SeparableConvolution2D(5, 3, 3, init="he_normal", depth_multiplier=2),
        lambda: L.SeparableConv2D(5, (3, 3), depthwise_initializer="he_normal", pointwise_initializer="he_normal",
                                  depth_multiplier=2)),
    "AtrousConvolution1D": (lambda: L.AtrousConvolution1D(5, 3, atrous_rate=2, border_mode="same"),
                            lambda: L.Conv1D(5, 3, dilation_rate=2, padding="same")),
    "AtrousConvolution2D": (lambda: L.AtrousConvolution2D(5, 3, 3, atrous_rate=(2, 2)),
                            lambda: L.Conv2D(5, (3, 3), dilation_rate=(2, 2))),
    "LocallyConnected2D(5, 3, 3)": (lambda: L.LocallyConnected2D(5, 3, 3, subsample=(2, 2)),
                                    lambda: L.LocallyConnected2D(5, (3, 3), strides=(2, 2))),
    "ConvLSTM2D": (
        lambda: L.ConvLSTM2D(5, 3, 3, inner_init="uniform", forget_bias_init="one", inner_activation="relu",
                             dropout_W=0.2, dropout_U=0.1, border_mode="same"),
        lambda: L.ConvLSTM2D(5, (3, 3), recurrent_initializer="uniform", unit_forget_bias=True,
                             recurrent_activation="relu", dropout=0.2, recurrent_dropout=0.1, padding="same")),
    "LSTM": (
        lambda: L.LSTM(output_dim=4, input_dim=5, input_length=3, init="he_normal", inner_init="uniform",
                       forget_bias_init="one", inner_activation="hard_sigmoid", U_regularizer="l2",
                       dropout_W=0.1, dropout_U=0.2, consume_less="mem"),
        lambda: L.LSTM(4, input_shape=(3, 5), kernel_initializer="he_normal", recurrent_initializer="uniform",
                       unit_forget_bias=True, recurrent_activation="hard_sigmoid", recurrent_regularizer="l2",
                       dropout=0.1, recurrent_dropout=0.2, implementation=1)),
    "GRU": (lambda: L.GRU(output_dim=4, consume_less="gpu"), lambda: L.GRU(4, implementation=2)),
    "SimpleRNN": (lambda: L.SimpleRNN(output_dim=4, init="zero"), lambda: L.SimpleRNN(4, kernel_initializer="zeros")),
    "BatchNormalization(mode=0)": (lambda: L.BatchNormalization(mode=0, beta_init="one", gamma_init="uniform"),
                                   lambda: L.BatchNormalization(beta_initializer="ones", gamma_initializer="uniform")),
    "Embedding(init=, dropout=)": (lambda: L.Embedding(10, 3, init="normal", W_regularizer="l1", dropout=0.2),
                                   lambda: L.Embedding(10, 3, embeddings_initializer="normal",
                                                       embeddings_regularizer="l1")),
    "PReLU(init=)": (lambda: L.PReLU(init="zero"), lambda: L.PReLU(alpha_initializer="zeros")),
    "GaussianNoise(sigma=)": (lambda: L.GaussianNoise(sigma=0.3), lambda: L.GaussianNoise(0.3)),
    "GaussianDropout(p=)": (lambda: L.GaussianDropout(p=0.3), lambda: L.GaussianDropout(0.3)),
    "Dropout(p=)": (lambda: L.Dropout(p=0.5), lambda: L.Dropout(0.5)),
    "SpatialDropout1D(p=)": (lambda: L.SpatialDropout1D(p=0.5), lambda: L.SpatialDropout1D(0.5)),
    "SpatialDropout2D(p=, dim_ordering=)": (lambda: L.SpatialDropout2D(p=0.5, dim_ordering="th"),
                                            lambda: L.SpatialDropout2D(0.5, data_format="channels_first")),
    "SpatialDropout3D(p=, dim_ordering=)": (lambda: L.SpatialDropout3D(p=0.5, dim_ordering="tf"),
                                            lambda: L.SpatialDropout3D(0.5, data_format="channels_last")),
    "MaxPooling1D(pool_length=, stride=)": (
        lambda: L.MaxPooling1D(pool_length=3, stride=2, border_mode="same"),
        lambda: L.MaxPooling1D(pool_size=3, strides=2, padding="same")),
    "AveragePooling1D(pool_length=)": (lambda: L.AveragePooling1D(pool_length=3),
                                       lambda: L.AveragePooling1D(pool_size=3)),
    "MaxPooling2D(border_mode=, dim_ordering=)": (
        lambda: L.MaxPooling2D((2, 2), border_mode="same", dim_ordering="th"),
        lambda: L.MaxPooling2D((2, 2), padding="same", data_format="channels_first")),
    "AveragePooling2D(dim_ordering='default')": (lambda: L.AveragePooling2D(dim_ordering="default"),
                                                 lambda: L.AveragePooling2D()),
    "MaxPooling3D": (lambda: L.MaxPooling3D(border_mode="same"), lambda: L.MaxPooling3D(padding="same")),
    "AveragePooling3D": (lambda: L.AveragePooling3D(dim_ordering="th"),
                         lambda: L.AveragePooling3D(data_format="channels_first")),
    "GlobalMaxPooling2D": (lambda: L.GlobalMaxPooling2D(dim_ordering="th"),
                           lambda: L.GlobalMaxPooling2D(data_format="channels_first")),
    "GlobalAveragePooling2D": (lambda: L.GlobalAveragePooling2D(dim_ordering="tf"),
                               lambda: L.GlobalAveragePooling2D(data_format="channels_last")),
    "GlobalMaxPooling3D": (lambda: L.GlobalMaxPooling3D(dim_ordering="th"),
                           lambda: L.GlobalMaxPooling3D(data_format="channels_first")),
    "GlobalAveragePooling3D": (lambda: L.GlobalAveragePooling3D(dim_ordering="th"),
                               lambda: L.GlobalAveragePooling3D(data_format="channels_first")),
    "UpSampling1D(length=)": (lambda: L.UpSampling1D(length=3), lambda: L.UpSampling1D(3)),
    "UpSampling2D": (lambda: L.UpSampling2D((2, 3), dim_ordering="th"),
                     lambda: L.UpSampling2D((2, 3), data_format="channels_first")),
    "UpSampling3D": (lambda: L.UpSampling3D(dim_ordering="th"), lambda: L.UpSampling3D(data_format="channels_first")),
    "ZeroPadding2D(padding=dict)": (
        lambda: L.ZeroPadding2D(padding={"top_pad": 1, "bottom_pad": 2, "left_pad": 3, "right_pad": 4}),
        lambda: L.ZeroPadding2D(((1, 2), (3, 4)))),
    "ZeroPadding2D(dict positional, dim_ordering)": (
        lambda: L.ZeroPadding2D({"top_pad": 1, "right_pad": 4}, dim_ordering="th"),
        lambda: L.ZeroPadding2D(((1, 0), (0, 4)), data_format="channels_first")),
    "ZeroPadding3D": (lambda: L.ZeroPadding3D((2, 2, 2), dim_ordering="th"),
                      lambda: L.ZeroPadding3D((2, 2, 2), data_format="channels_first")),
    "Cropping2D": (lambda: L.Cropping2D(((1, 1), (2, 2)), dim_ordering="th"),
                   lambda: L.Cropping2D(((1, 1), (2, 2)), data_format="channels_first")),
    "Cropping3D": (lambda: L.Cropping3D(dim_ordering="th"), lambda: L.Cropping3D(data_format="channels_first")),
    "InputLayer(input_dtype=)": (lambda: L.InputLayer(input_shape=(3,), input_dtype="float64"),
                                 lambda: L.InputLayer(input_shape=(3,), dtype="float64")),
}


@pytest.mark.parametrize("case", sorted(EQUIVALENT_CALLS))
def test_keras1_call_gives_the_layer_of_its_keras2_call_and_warns(case):
    make_old, make_new = EQUIVALENT_CALLS[case]
    old, caught = _quiet(make_old)
    new, _ = _quiet(make_new)
    assert type(old) is type(new)
    config_old, config_new = old.get_config(), new.get_config()
    config_old.pop("name"), config_new.pop("name")
    assert config_old == config_new
    assert caught, f"{case}: no warning"
    assert all(w.filename == __file__ for w in caught), [w.filename for w in caught]


@pytest.mark.parametrize("make", [
    lambda: L.Dense(2), lambda: L.Dense(2, "relu"), lambda: L.Conv2D(5, 3), lambda: L.Conv2D(5, (3, 3), (1, 1), "same"),
    lambda: L.LSTM(3, dropout=0.1), lambda: L.MaxPooling2D((2, 2), 2, "same"),
    lambda: L.ZeroPadding2D(((1, 2), (3, 4))),
    lambda: L.BatchNormalization(momentum=0.9), lambda: L.Conv2DTranspose(4, 3, padding="same")])
def test_keras2_calls_are_untouched_and_silent(make):
    layer, caught = _quiet(make)
    assert caught == []
    if isinstance(layer, L.Conv2D):
        assert layer.kernel_size == (3, 3) and layer.strides == (1, 1)


def test_conversion_errors_say_what_is_wrong():
    with pytest.raises(TypeError, match=r"For the `units` argument, the layer received both the legacy keyword "
                                        r"argument `output_dim` and the Keras 2 keyword argument `units`"):
        L.Dense(output_dim=2, units=3)
    with pytest.raises(TypeError, match=r"`mode=1` and `mode=2` are no longer supported"):
        L.BatchNormalization(mode=2)
    with pytest.raises(ValueError, match="Pass `strides` as a keyword argument"):
        L.Convolution2D(5, 3, 3, strides=2)
    # an argument no table knows keeps the constructor's own error
    with pytest.raises(TypeError, match=r"Keyword argument not understood: 'dropout_Q' \(passed to LSTM\)"):
        _quiet(lambda: L.LSTM(output_dim=3, dropout_Q=0.1))


def test_forget_bias_init_other_than_one_is_dropped_with_a_warning():
    layer, caught = _quiet(lambda: L.LSTM(3, forget_bias_init="zero"))
    assert layer.unit_forget_bias is True  # Keras 2's default, as Keras 2.3.1 left it
    assert any("`forget_bias_init` argument has been ignored" in str(w.message) for w in caught)


def _dense_model(seed=3):
    keras.utils.set_random_seed(seed)
    return keras.Sequential([L.Dense(4, activation="tanh", input_shape=(3,)), L.Dense(1)])


def _data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(16, 3)).astype("float32"), rng.normal(size=(16, 1)).astype("float32")


def test_model_input_output_and_fit_nb_epoch_train_as_the_keras2_calls():
    x, y = _data()
    inputs = keras.Input(shape=(3,))
    outputs = L.Dense(1, kernel_initializer="ones")(inputs)
    model, caught = _quiet(lambda: keras.Model(input=inputs, output=outputs))
    assert model.predict(x, verbose=0) == pytest.approx(x.sum(axis=1, keepdims=True))
    assert str(caught[0].message).startswith("Update your `Model` call to the Keras 2 API: `Model(inputs=")
    histories = []
    for epochs in ({"nb_epoch": 3}, {"epochs": 3}):
        model = _dense_model()
        model.compile("sgd", "mse")
        history, caught = _quiet(lambda: model.fit(x, y, batch_size=4, verbose=0, shuffle=False, **epochs))
        histories.append((history.history["loss"], model.get_weights(), [str(w.message) for w in caught]))
    assert len(histories[0][0]) == 3 and histories[0][0] == histories[1][0]
    for a, b in zip(histories[0][1], histories[1][1]):
        np.testing.assert_array_equal(a, b)
    assert "The `nb_epoch` argument in `fit` has been renamed `epochs`." in histories[0][2]


class _Batches:
    """A Keras 1 style generator with a `batch_size` (Keras 2.3.1 divides `samples_per_epoch` by it)."""

    batch_size = 4

    def __init__(self, x, y=None):
        self.x, self.y, self.i = x, y, 0

    def __iter__(self):
        return self

    def __next__(self):
        start = (self.i % 4) * 4
        self.i += 1
        xb = self.x[start:start + 4]
        return xb if self.y is None else (xb, self.y[start:start + 4])


def test_generator_methods_take_keras1_arguments():
    x, y = _data()
    runs = []
    for kwargs in ({"samples_per_epoch": 8, "nb_epoch": 2, "nb_val_samples": 1},
                   {"steps_per_epoch": 2, "epochs": 2, "validation_steps": 1}):
        model = _dense_model()
        model.compile("sgd", "mse")
        history, caught = _quiet(lambda: model.fit_generator(
            _Batches(x, y), validation_data=_Batches(x, y), verbose=0, **kwargs))
        runs.append((history.history, model.get_weights(), model))
    assert runs[0][0] == runs[1][0] and len(runs[0][0]["loss"]) == 2
    for a, b in zip(runs[0][1], runs[1][1]):
        np.testing.assert_array_equal(a, b)
    model = runs[0][2]
    old, caught = _quiet(lambda: model.evaluate_generator(_Batches(x, y), val_samples=2))
    assert old == _quiet(lambda: model.evaluate_generator(_Batches(x, y), steps=2))[0]
    assert any(str(w.message) == "Update your `evaluate_generator` call to the Keras 2 API: "
               "`evaluate_generator(<test_kera..., steps=2)`" for w in caught), [str(w.message) for w in caught]
    old, _ = _quiet(lambda: model.predict_generator(_Batches(x), val_samples=3, nb_worker=1))
    np.testing.assert_array_equal(old, model.predict(x[:12], verbose=0))


def test_samples_per_epoch_without_batch_size_counts_batches_with_a_warning():
    x, y = _data()

    def batches():
        while True:
            yield x[:4], y[:4]

    model = _dense_model()
    model.compile("sgd", "mse")
    _, caught = _quiet(lambda: model.fit_generator(batches(), samples_per_epoch=3, nb_epoch=1, verbose=0))
    assert any("`steps_per_epoch` is the number of batches" in str(w.message) for w in caught)
    assert model.optimizer.iterations.numpy() == 3


def test_users_own_layers_can_use_the_decorators():
    class MyDense(L.Dense):
        @interfaces.legacy_dense_support
        def __init__(self, units, **kwargs):
            super().__init__(units, **kwargs)

    layer, caught = _quiet(lambda: MyDense(output_dim=3, init="zeros"))
    assert layer.units == 3 and type(layer.kernel_initializer).__name__ == "Zeros"
    assert str(caught[0].message).startswith("Update your `MyDense` call to the Keras 2 API: `MyDense(units=3")
    assert keras.legacy.interfaces is interfaces


def test_add_weight_takes_the_shape_first_keras_2_0_order():
    layer = L.Layer()
    weight = layer.add_weight((3, 2), "w", initializer="ones")
    assert weight.shape == (3, 2) and weight.name == "layer/w:0"


# ----------------------------------------------------------------------------- Keras 1 whole-model files
KERAS1_MODELS = ["conv2d_channels_first", "conv1d", "conv2d_transpose", "lstm", "gru", "dense_batchnorm"]
KERAS2_CLASSES = {"conv2d_channels_first": ["Conv2D", "Flatten", "Dense"], "conv1d": ["Conv1D"],
                  "conv2d_transpose": ["Conv2DTranspose"], "lstm": ["LSTM"], "gru": ["GRU"],
                  "dense_batchnorm": ["InputLayer", "Dense", "BatchNormalization"]}


def _write_keras1_model(path, config, data, case):
    """A whole-model file as Keras 1.2.2's `save_model` wrote it: `keras_version` on the root only, the model
    config in Keras 1's dialect, the weights in Keras 1's layouts with no `keras_version` of their own."""
    _write_keras1_file(path, data, case)
    with h5py.File(path, "r+") as f:
        group = f.create_group("model_weights")
        for name in [str(name) for name in data[f"{case}/layers"]]:
            f.move(name, f"model_weights/{name}")
        group.attrs["layer_names"] = f.attrs.pop("layer_names")
        f.attrs["keras_version"] = b"1.2.2"
        f.attrs["model_config"] = json.dumps(config).encode()


@pytest.mark.parametrize("case", KERAS1_MODELS)
def test_keras1_model_file_loads_and_predicts_as_tf_keras_with_the_same_weights(tmp_path, case):
    """The expected predictions are tf_keras's, for the Keras 2 model with these Keras 1 weights
    (tools/make_h5_legacy_fixtures.py)."""
    with open(os.path.join(FIXTURES, "keras1_model_configs.json")) as f:
        config = json.load(f)[case]
    with np.load(os.path.join(FIXTURES, "keras1_weights.npz")) as data:
        path = str(tmp_path / "keras1_model.h5")
        _write_keras1_model(path, config, data, case)
        model, caught = _quiet(lambda: keras.models.load_model(path))
        np.testing.assert_allclose(model.predict(data[f"{case}/x"], verbose=0), data[f"{case}/y"], rtol=1e-5,
                                   atol=1e-5)
    assert [type(layer).__name__ for layer in model.layers] == KERAS2_CLASSES[case]
    assert any("to the Keras 2 API" in str(w.message) for w in caught)
    if case == "gru":
        assert model.layers[0].reset_after is False  # Keras 1's GRU formula


def test_image_dim_ordering_is_keras1s_name_for_the_image_data_format():
    K = keras.backend
    assert K.image_dim_ordering() == "tf"
    try:
        K.set_image_dim_ordering("th")  # Keras 1 scripts: `if K.image_dim_ordering() == 'th': ...`
        assert K.image_data_format() == "channels_first" and K.image_dim_ordering() == "th"
        assert _quiet(lambda: L.Convolution2D(2, 3, 3))[0].data_format == "channels_first"
        with pytest.raises(ValueError, match="Unknown dim_ordering: 'channels_first'"):
            K.set_image_dim_ordering("channels_first")
    finally:
        K.set_image_data_format("channels_last")


def test_three_integers_are_keras_1_kernel_sides_only_under_keras_1_names():
    """`Convolution2D(32, 3, 3)` is Keras 1's 3x3 kernel; under the Keras 2 names tf.keras's reading stands:
    `Conv2D(64, 3, 2)` and `Conv2DTranspose(128, 4, 2, padding="same")` (common in tf.keras GAN code) stride by 2."""
    assert (L.Conv2D(64, 3, 2).kernel_size, L.Conv2D(64, 3, 2).strides) == ((3, 3), (2, 2))
    assert L.Conv2D(64, 3, 2, padding="same").strides == (2, 2)
    assert (L.Conv2DTranspose(128, 4, 2, padding="same").kernel_size,
            L.Conv2DTranspose(128, 4, 2).strides) == ((4, 4), (2, 2))
    assert L.SeparableConv2D(8, 3, 2).strides == (2, 2)
    assert L.Conv3D(4, 3, 2).strides == (2, 2, 2)
    old = _quiet(lambda: L.Convolution2D(32, 3, 2))[0]
    assert type(old) is L.Conv2D and (old.kernel_size, old.strides) == ((3, 2), (1, 1))
    assert isinstance(old, L.Convolution2D) and isinstance(L.Conv2D(2, 3), L.Convolution2D)
    assert _quiet(lambda: L.Convolution3D(4, 3, 2, 1))[0].kernel_size == (3, 2, 1)
    assert _quiet(lambda: L.Deconvolution2D(4, 3, 2))[0].kernel_size == (3, 2)

    class MyConv(L.Convolution2D):  # a user's subclass of the old name is an ordinary Conv2D subclass
        pass

    mine = MyConv(4, 3, 2)
    assert type(mine) is MyConv and mine.strides == (2, 2) and issubclass(MyConv, L.Conv2D)
