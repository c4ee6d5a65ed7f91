"""Every application equals tf.keras's: layer names, classes, order, output shapes and weights (names, shapes,
trainable), and `weights="imagenet"` asks for the same file (name, URL, hash, cache folder) as tf.keras.

The manifests are tf.keras's own (tools/applications_reference.py). Layers that tf.keras makes from an
operator on a symbolic tensor (`x + 3.0` in MobileNetV3's hard sigmoid, the ImageNet rescaling of EfficientNet)
are "TFOpLambda" there; kerasish's op layers are compared by position and output shape until they carry the
same names.
"""
import numpy as np
import pytest

import kerasish as keras
from kerasish import applications
from kerasish.applications import _common

from apps_reference import constructor_kwargs, load_manifest, manifest_keys

# built in the default run (a few seconds in all); the others (big or many layers) under -m slow
FAST = {"mobilenet", "mobilenet_v2_035_96", "mobilenet_v3_small", "mobilenet_v3_large_075",
        "mobilenet_v3_small_minimalistic", "efficientnetb0", "efficientnetv2b0", "densenet121_notop_max",
        "nasnet_mobile", "mobilenet_v3_small_notop_avg", "efficientnetb0_notop"}


def _entry(layer):
    shape = layer.output_shape
    shape = [list(s) for s in shape] if isinstance(shape, list) else list(shape)
    weights = [[w.name, list(w.shape), bool(w.trainable)] for w in layer.weights]
    return [layer.name, type(layer).__name__, shape, weights]


def _is_op_layer(entry):
    return entry[1] in ("TFOpLambda", "TensorOpLayer")


def _params(keys):
    return [pytest.param(k, marks=() if k in FAST else pytest.mark.slow) for k in keys]


@pytest.mark.parametrize("key", _params(manifest_keys()))
def test_model_equals_tf_keras_layer_by_layer(key):
    manifest = load_manifest(key)
    keras.backend.clear_session()
    model = getattr(applications, manifest["constructor"])(weights=None, **constructor_kwargs(manifest["kwargs"]))
    assert model.name == manifest["name"]
    assert list(model.input_shape) == manifest["input_shape"]
    assert list(model.output_shape) == manifest["output_shape"]
    got = [_entry(layer) for layer in model.layers]
    expected = manifest["layers"]
    assert len(got) == len(expected)
    for i, (g, e) in enumerate(zip(got, expected)):
        if _is_op_layer(g) and _is_op_layer(e):
            assert g[2:] == e[2:], f"layer {i}: {g} != {e}"
        else:
            assert g == e, f"layer {i}"
    assert [w.name for w in model.weights] == manifest["weights"]
    assert model.count_params() == manifest["count_params"]


class _Requested(Exception):
    pass


@pytest.mark.parametrize("key", manifest_keys())
def test_imagenet_weights_come_from_the_file_tf_keras_uses(key, monkeypatch):
    manifest = load_manifest(key)
    seen = {}

    def fake_get_file(fname, origin, cache_subdir="datasets", file_hash=None, **kwargs):
        seen.update(fname=fname, origin=origin, file_hash=file_hash, cache_subdir=cache_subdir)
        raise _Requested()

    monkeypatch.setattr(_common, "get_file", fake_get_file)
    with pytest.raises(_Requested):  # asked before any layer is built
        getattr(applications, manifest["constructor"])(weights="imagenet", **constructor_kwargs(manifest["kwargs"]))
    assert seen == manifest["imagenet_file"]


def test_imagenet_weights_load_from_the_cache_without_network(tmp_path, monkeypatch):
    """A file already in $KERAS_HOME/models with the published name is used as is (no download): the hash
    check is bypassed here by giving the file tf.keras's name for the no-hash MobileNet files."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    source = applications.MobileNet(weights=None, alpha=0.25, include_top=False, input_shape=(128, 128, 3))
    (tmp_path / "models").mkdir()
    source.save_weights(str(tmp_path / "models" / "mobilenet_2_5_128_tf_no_top.h5"))

    def no_network(*args, **kwargs):
        raise AssertionError("tried to download")

    monkeypatch.setattr("kerasish.utils.file_utils._download", no_network)
    model = applications.MobileNet(weights="imagenet", alpha=0.25, include_top=False, input_shape=(128, 128, 3))
    for a, b in zip(model.get_weights(), source.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("constructor, kwargs, message", [
    ("ResNet50", {"weights": "no/such/file.h5"}, "The `weights` argument should be either"),
    ("VGG16", {"weights": "imagenet", "classes": 10}, "`classes` should be 1000"),
    ("ResNet50", {"weights": None, "input_shape": (16, 16, 3), "include_top": False},
     "Input size must be at least 32x32"),
    ("InceptionV3", {"weights": None, "input_shape": (70, 70, 3), "include_top": False},
     "Input size must be at least 75x75"),
    ("Xception", {"weights": "imagenet", "input_shape": (200, 200, 3)}, "`input_shape` should be (299, 299, 3)"),
    ("DenseNet121", {"weights": None, "input_shape": (None, None, 3)}, "you should specify a static `input_shape`"),
    ("ResNet50", {"weights": "imagenet", "include_top": False, "input_shape": (64, 64, 1)},
     "The input must have 3 channels"),
    ("MobileNet", {"weights": "imagenet", "alpha": 0.3}, "alpha can be one of"),
    ("MobileNet", {"weights": "imagenet", "depth_multiplier": 2}, "depth multiplier must be 1"),
    ("MobileNetV2", {"weights": "imagenet", "alpha": 0.6}, "alpha must be one of"),
    ("MobileNetV3Small", {"weights": "imagenet", "alpha": 0.5}, "alpha can be one of"),
    ("MobileNetV3Large", {"weights": None, "input_shape": (16, 16, 3)}, "Input size must be at least 32x32"),
    ("NASNetMobile", {"weights": "imagenet", "include_top": False, "input_shape": (None, None, 3)},
     "must be static"),
    ("ResNet50", {"weights": None, "foo": 1}, "unexpected keyword"),
    ("MobileNet", {"weights": None, "foo": 1}, "Unknown argument"),
])
def test_bad_arguments_get_keras_messages(constructor, kwargs, message, monkeypatch):
    monkeypatch.setattr(_common, "get_file", lambda *a, **k: pytest.fail("no download for a bad argument"))
    with pytest.raises((ValueError, TypeError), match=message.replace("(", r"\(").replace(")", r"\)")):
        getattr(applications, constructor)(**kwargs)


def test_pretrained_top_accepts_only_softmax_or_none(tmp_path):
    weights = tmp_path / "w.h5"
    small = applications.MobileNetV2(weights=None, alpha=0.35, input_shape=(32, 32, 3), classes=3)
    small.save_weights(str(weights))
    with pytest.raises(ValueError, match="Only `None` and `softmax` activations are allowed"):
        applications.MobileNetV2(weights=str(weights), alpha=0.35, input_shape=(32, 32, 3), classes=3,
                                 classifier_activation="sigmoid")
    logits = applications.MobileNetV2(weights=str(weights), alpha=0.35, input_shape=(32, 32, 3), classes=3,
                                      classifier_activation=None)
    assert logits.layers[-1].activation is keras.activations.linear


def test_input_tensor_from_another_graph_becomes_the_models_input():
    image = keras.Input((64, 64, 3), name="image")
    scaled = keras.layers.Rescaling(1.0 / 127.5, offset=-1.0)(image)
    model = applications.MobileNetV2(weights=None, alpha=0.35, input_tensor=scaled, include_top=False,
                                     pooling="avg")
    assert model.inputs[0] is image  # the source of the given tensor, as get_source_inputs finds it
    assert model.layers[1].name == "rescaling"
    assert model.output_shape == (None, 1280)
    with pytest.raises(ValueError, match="input_tensor"):
        applications.ResNet50(weights=None, input_tensor=np.zeros((1, 32, 32, 3), "float32"))


def test_pooling_gives_flat_features_and_the_model_trains_one_step():
    model = applications.EfficientNetB0(weights=None, include_top=False, input_shape=(32, 32, 3), pooling="max")
    assert model.output_shape == (None, 1280)
    head = keras.layers.Dense(2)(model.output)
    classifier = keras.Model(model.input, head)
    classifier.compile(optimizer="sgd", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    x = np.random.default_rng(0).uniform(0, 255, (4, 32, 32, 3)).astype("float32")
    before = [w.copy() for w in classifier.get_weights()]
    history = classifier.fit(x, np.array([0, 1, 0, 1]), epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    changed = [not np.array_equal(a, b) for a, b in zip(before, classifier.get_weights())]
    assert sum(changed) > len(changed) // 2  # convolutions and batch norms all over the network moved


def test_every_keras_constructor_and_module_is_there():
    for name in ["VGG16", "VGG19", "ResNet50", "ResNet101", "ResNet152", "ResNet50V2", "ResNet101V2", "ResNet152V2",
                 "InceptionV3", "InceptionResNetV2", "Xception", "MobileNet", "MobileNetV2", "MobileNetV3Small",
                 "MobileNetV3Large", "DenseNet121", "DenseNet169", "DenseNet201", "NASNetMobile", "NASNetLarge",
                 *[f"EfficientNetB{i}" for i in range(8)], "EfficientNetV2B0", "EfficientNetV2B1", "EfficientNetV2B2",
                 "EfficientNetV2B3", "EfficientNetV2S", "EfficientNetV2M", "EfficientNetV2L"]:
        assert callable(getattr(applications, name)), name
    for module in ["vgg16", "vgg19", "resnet", "resnet50", "resnet_v2", "inception_v3", "inception_resnet_v2",
                   "xception", "mobilenet", "mobilenet_v2", "mobilenet_v3", "densenet", "efficientnet",
                   "efficientnet_v2", "nasnet", "imagenet_utils"]:
        mod = getattr(applications, module)
        assert callable(mod.preprocess_input) and callable(mod.decode_predictions), module
    assert keras.applications is applications


@pytest.mark.parametrize("constructor, kwargs", [("MobileNetV2", {"alpha": 0.35}), ("EfficientNetB0", {})])
def test_channels_first_computes_what_channels_last_does(constructor, kwargs):
    """With image_data_format "channels_first" the same weights give the same outputs on transposed images
    (batch norm, squeeze-and-excite reshapes and paddings follow the data format, as in tf.keras)."""
    x = np.random.default_rng(0).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    last = getattr(applications, constructor)(weights=None, input_shape=(32, 32, 3), classes=4, **kwargs)
    keras.backend.set_image_data_format("channels_first")
    try:
        first = getattr(applications, constructor)(weights=None, input_shape=(3, 32, 32), classes=4, **kwargs)
    finally:
        keras.backend.set_image_data_format("channels_last")
    first.set_weights(last.get_weights())
    np.testing.assert_allclose(first.predict(x.transpose(0, 3, 1, 2), verbose=0), last.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)
