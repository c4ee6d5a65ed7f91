"""The applications compute what tf.keras computes: predictions and training-mode gradients of reduced-size
models with the same seeded weights (tools/applications_reference.py's recipe, set with `set_weights`), a
weight file written by tf.keras loaded by topology, and the EfficientNet ImageNet path (get_file mocked)."""
import gzip
from pathlib import Path

import numpy as np
import pytest

import kerasish as keras
from kerasish import applications
from kerasish.applications import _common
from kerasish.applications.inception_resnet_v2 import CustomScaleLayer
from kerasish.backend.tape import GradientTape
from kerasish.testing import check_grads

from apps_reference import constructor_kwargs, predictions, set_recipe_weights, tool

HERE = Path(__file__).resolve().parent
FAST = {"mobilenet_025", "efficientnetb0_notop", "mobilenet_v3_small", "mobilenet_v2_035",
        "efficientnetv2b0_notop", "mobilenet_v3_large_minimalistic", "nasnet_mobile_32"}
FAST_GRADIENTS = {"mobilenet_v3_small", "efficientnetb0_notop"}


def _close(got, expected, rtol=2e-4):
    """Equal up to float32 rounding accumulated over a deep network: relative to the output's scale."""
    scale = max(float(np.abs(expected).max()), 1e-3)
    assert got.shape == expected.shape
    err = float(np.abs(got - expected).max())
    assert err <= rtol * scale, f"max error {err:.3g} for outputs of magnitude {scale:.3g}"


def _build(constructor, kwargs, **extra):
    keras.backend.clear_session()
    return getattr(applications, constructor)(**constructor_kwargs(kwargs), **extra)


@pytest.mark.parametrize("key", [pytest.param(k, marks=() if k in FAST else pytest.mark.slow)
                                 for k in tool.PREDICTION_CONFIGS])
def test_predictions_equal_tf_keras(key):
    constructor, kwargs, size, value_range, options = tool.PREDICTION_CONFIGS[key]
    model = _build(constructor, kwargs, weights=None)
    set_recipe_weights(model, **options)
    x = tool.recipe_input(size, value_range)
    expected = predictions()[key]
    assert np.std(expected, axis=0).mean() > 1e-3 * np.abs(expected).max()  # the output depends on the image
    _close(model.predict(x, verbose=0), expected)
    _close(model(x).numpy(), expected)  # the eager call takes the same numbers


@pytest.mark.parametrize("key", [pytest.param(k, marks=() if k in FAST_GRADIENTS else pytest.mark.slow)
                                 for k in tool.GRADIENT_CONFIGS])
def test_training_gradients_equal_tf_keras(key):
    """One training-mode step's loss and gradients, computed in float64 on both sides: within 1e-6 of the
    largest gradient norm (a wrong formula anywhere in the network is off by far more; float32 is not compared
    because batch norm over a few values amplifies its rounding past any useful tolerance in deep networks).
    tf.keras keeps a few preprocessing constants in float32 under floatx float64, hence not 1e-12."""
    constructor, kwargs, size, value_range, batch, labels = tool.GRADIENT_CONFIGS[key]
    keras.backend.set_floatx("float64")
    try:
        model = _build(constructor, kwargs, weights=None)
        set_recipe_weights(model)
        x = tool.recipe_input(size, value_range, batch=batch).astype("float64")
        with GradientTape() as tape:
            y = model(x, training=True)
            if labels is None:
                direction = tool.recipe_projection(y.shape[1:], -1).astype("float64")
                loss = keras.backend.mean(y * direction)
            else:
                loss = keras.backend.mean(keras.losses.sparse_categorical_crossentropy(np.array(labels), y,
                                                                                        from_logits=True))
        grads = tape.gradient(loss, model.trainable_weights)
    finally:
        keras.backend.set_floatx("float32")
    assert all(g.numpy().dtype == np.float64 for g in grads)
    ref = predictions()
    expected_loss = float(ref[f"gradients/{key}/loss"])
    assert abs(float(loss.numpy()) - expected_loss) <= 1e-8 * (abs(expected_loss) + float(np.abs(y).mean()))
    summary = tool.gradient_summary([g.numpy() for g in grads])
    expected = ref[f"gradients/{key}/summary"]
    assert summary.shape == expected.shape
    # norms and projections (a projection can be near zero) relative to the largest gradient's norm
    np.testing.assert_allclose(summary, expected, rtol=0, atol=1e-6 * expected[:, 0].max())


def test_weights_file_written_by_tf_keras_loads_by_topology(tmp_path):
    """MobileNetV3Small (layer names with "/", nested HDF5 groups) saved by tf.keras's save_weights."""
    key = "mobilenet_v3_small_min_010_notop"
    constructor, kwargs = tool.FILE_CONFIGS[key]
    path = tmp_path / f"{key}.h5"
    with gzip.open(HERE / f"{key}.h5.gz", "rb") as f:
        path.write_bytes(f.read())
    model = _build(constructor, kwargs, weights=str(path))
    for got, expected in zip(model.get_weights(), tool.recipe_weights(tool.weight_specs(model))):
        np.testing.assert_array_equal(got, expected)
    x = tool.recipe_input(kwargs["input_shape"][0], (0, 255))
    _close(model.predict(x, verbose=0), predictions()["file/" + key])


def test_efficientnet_imagenet_path_rescales_like_tf_keras(tmp_path, monkeypatch):
    """With weights="imagenet" EfficientNet divides by sqrt(std) after its Normalization (the published files
    store the std as the variance); the file comes through get_file (mocked: our recipe weights)."""
    constructor, kwargs, size, value_range, _ = tool.IMAGENET_PATH_CONFIG
    source = _build(constructor, kwargs, weights=None)
    set_recipe_weights(source)
    path = tmp_path / "efficientnetb0_notop.h5"
    source.save_weights(str(path))
    monkeypatch.setattr(_common, "get_file", lambda *args, **kw: str(path))
    model = _build(constructor, kwargs, weights="imagenet")
    assert len(model.layers) == len(source.layers) + 1  # the extra scaling
    _close(model.predict(tool.recipe_input(size, value_range), verbose=0), predictions()["imagenet_path"])


@pytest.mark.parametrize("constructor, kwargs, size", [
    ("MobileNetV2", {"alpha": 0.35, "input_shape": (32, 32, 3), "classes": 4}, 32),
    pytest.param("InceptionResNetV2", {"include_top": False, "input_shape": (75, 75, 3), "pooling": "avg"}, 75,
                 marks=pytest.mark.slow),
    # x + 3.0 in the hard sigmoid is an operator layer (TFOpLambda), saved by op name and arguments
    ("MobileNetV3Small", {"input_shape": (32, 32, 3), "classes": 4}, 32),
])
def test_saved_application_model_reloads_without_running_code(constructor, kwargs, size, tmp_path):
    """The whole model (config + weights) round-trips through .h5 with safe loading: no Lambda layers
    (InceptionResNetV2's scaled sums are CustomScaleLayer, found by its registered name; MobileNetV3's
    operators are op layers)."""
    model = _build(constructor, kwargs, weights=None)
    path = tmp_path / "model.h5"
    model.save(str(path))
    loaded = keras.models.load_model(str(path), compile=False)
    x = np.random.default_rng(0).uniform(-1, 1, (2, size, size, 3)).astype("float32")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]
    if constructor == "InceptionResNetV2":
        assert sum(isinstance(layer, CustomScaleLayer) for layer in loaded.layers) == 40


def test_custom_scale_layer_gradients_and_config():
    layer = CustomScaleLayer(0.17)
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 3, 3, 4)), rng.standard_normal((2, 3, 3, 4))
    check_grads(lambda x, y: layer([x, y]), a, b)
    np.testing.assert_allclose(layer([a.astype("float32"), b.astype("float32")]).numpy(), a + 0.17 * b,
                               rtol=1e-6, atol=1e-6)
    assert keras.utils.get_registered_name(CustomScaleLayer) == "Custom>CustomScaleLayer"
    clone = keras.layers.deserialize({"class_name": "Custom>CustomScaleLayer", "config": layer.get_config()})
    assert isinstance(clone, CustomScaleLayer) and clone.scale == 0.17
    with pytest.raises(ValueError, match="expects a list of two tensors"):
        layer(a.astype("float32"))
