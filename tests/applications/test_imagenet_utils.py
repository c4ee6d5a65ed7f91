"""preprocess_input (every mode, data format, rank and input type) against tf.keras's outputs; decode_predictions
through a mocked get_file; the input-shape rules."""
import json

import numpy as np
import pytest

import kerasish as keras
from kerasish import applications
from kerasish.applications import imagenet_utils
from kerasish.backend.tensor import Tensor

from apps_reference import predictions


@pytest.mark.parametrize("mode", ["caffe", "tf", "torch"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_preprocess_input_equals_tf_keras(mode, data_format):
    ref = predictions()
    image = ref["preprocess/input_last"]
    x4 = image if data_format == "channels_last" else np.ascontiguousarray(image.transpose(0, 3, 1, 2))
    got = imagenet_utils.preprocess_input(x4.copy(), data_format, mode)
    np.testing.assert_allclose(got, ref[f"preprocess/{mode}/{data_format}/4d"], rtol=1e-6, atol=1e-5)
    got3 = imagenet_utils.preprocess_input(x4[0].copy(), data_format, mode)
    np.testing.assert_allclose(got3, ref[f"preprocess/{mode}/{data_format}/3d"], rtol=1e-6, atol=1e-5)
    tensor = imagenet_utils.preprocess_input(Tensor(x4.copy()), data_format, mode)
    np.testing.assert_allclose(tensor.numpy(), ref[f"preprocess/{mode}/{data_format}/tensor"], rtol=1e-6,
                               atol=1e-5)


@pytest.mark.parametrize("mode", ["caffe", "tf", "torch"])
def test_preprocess_input_converts_integer_images(mode):
    image = predictions()["preprocess/input_last"].astype("uint8")
    got = imagenet_utils.preprocess_input(image, "channels_last", mode)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, predictions()[f"preprocess/{mode}/uint8"], rtol=1e-6, atol=1e-5)


def test_preprocess_input_writes_over_a_float_array_as_keras_does():
    x = np.full((1, 2, 2, 3), 255.0, "float32")
    out = applications.resnet_v2.preprocess_input(x)
    assert out is x and np.all(x == 1.0)


def test_each_family_picks_keras_mode():
    image = predictions()["preprocess/input_last"]
    ref = predictions()
    modes = {"vgg16": "caffe", "vgg19": "caffe", "resnet": "caffe", "resnet50": "caffe", "resnet_v2": "tf",
             "inception_v3": "tf", "inception_resnet_v2": "tf", "xception": "tf", "mobilenet": "tf",
             "mobilenet_v2": "tf", "densenet": "torch", "nasnet": "tf"}
    for module, mode in modes.items():
        got = getattr(applications, module).preprocess_input(image.copy())
        np.testing.assert_allclose(got, ref[f"preprocess/{mode}/channels_last/4d"], rtol=1e-6, atol=1e-5,
                                   err_msg=module)
    for module in ("mobilenet_v3", "efficientnet", "efficientnet_v2"):  # the model rescales its input itself
        assert getattr(applications, module).preprocess_input(image) is image


def test_preprocess_input_on_a_symbolic_input_becomes_part_of_the_model():
    inputs = keras.Input((4, 4, 3))
    model = keras.Model(inputs, applications.vgg16.preprocess_input(inputs))
    x = predictions()["preprocess/input_last"][:, :, :3, :]
    x = np.ascontiguousarray(np.pad(x, ((0, 0), (0, 1), (0, 1), (0, 0)), mode="edge"))
    np.testing.assert_allclose(model.predict(x, verbose=0), imagenet_utils.preprocess_input(x.copy()), rtol=1e-6,
                               atol=1e-4)


def test_preprocess_input_rejects_unknown_mode_and_format():
    with pytest.raises(ValueError, match="Expected mode to be one of `caffe`, `tf` or `torch`"):
        imagenet_utils.preprocess_input(np.zeros((1, 2, 2, 3)), mode="keras")
    with pytest.raises(ValueError, match="Expected data_format to be one of"):
        imagenet_utils.preprocess_input(np.zeros((1, 2, 2, 3)), data_format="nhwc")


def _class_index(tmp_path):
    index = {str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)}
    path = tmp_path / "imagenet_class_index.json"
    path.write_text(json.dumps(index))
    return path


def test_decode_predictions_reads_the_class_index_once_through_get_file(tmp_path, monkeypatch):
    calls = []

    def fake_get_file(fname, origin, cache_subdir="datasets", file_hash=None, **kwargs):
        calls.append((fname, origin, cache_subdir, file_hash))
        return str(_class_index(tmp_path))

    monkeypatch.setattr(imagenet_utils, "get_file", fake_get_file)
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX", None)
    preds = np.zeros((2, 1000), "float32")
    preds[0, [3, 7, 500]] = [0.5, 0.3, 0.2]
    preds[1, 999] = 1.0
    decoded = applications.resnet50.decode_predictions(preds, top=3)
    assert [d[:2] for d in decoded[0]] == [("n00000003", "class_3"), ("n00000007", "class_7"),
                                           ("n00000500", "class_500")]
    assert decoded[0][0][2] == pytest.approx(0.5)
    assert decoded[1][0][:2] == ("n00000999", "class_999") and len(decoded[1]) == 3
    applications.mobilenet_v3.decode_predictions(preds)
    assert calls == [("imagenet_class_index.json",
                      "https://storage.googleapis.com/download.tensorflow.org/data/imagenet_class_index.json",
                      "models", "c2c37ea517e94d9795004a39431a14cb")]


def test_decode_predictions_wants_1000_classes():
    with pytest.raises(ValueError, match="Found array with shape: \\(2, 10\\)"):
        imagenet_utils.decode_predictions(np.zeros((2, 10)))


def test_obtain_input_shape_follows_keras_rules():
    get = imagenet_utils.obtain_input_shape
    assert get(None, 224, 32, "channels_last", require_flatten=True) == (224, 224, 3)
    assert get(None, 224, 32, "channels_first", require_flatten=False) == (3, None, None)
    assert get((100, 120, 3), 224, 32, "channels_last", require_flatten=True) == (100, 120, 3)
    assert get(None, 299, 75, "channels_last", require_flatten=True, weights="imagenet") == (299, 299, 3)
    with pytest.warns(UserWarning, match="usually expects 1 or 3 input channels"):
        assert get((64, 64, 5), 224, 32, "channels_last", require_flatten=False) == (64, 64, 5)
    with pytest.raises(ValueError, match="must be a tuple of three integers"):
        get((64, 64), 224, 32, "channels_last", require_flatten=False)


def test_correct_pad_matches_tf_same_downsampling():
    assert imagenet_utils.correct_pad(keras.Input((31, 32, 3)), 3) == ((1, 1), (0, 1))
    assert imagenet_utils.correct_pad(keras.Input((None, None, 3)), (5, 5)) == ((1, 2), (1, 2))
