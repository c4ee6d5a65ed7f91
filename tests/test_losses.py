"""Losses: Keras 2's numbers (verified values), every loss against an independent numpy formula,
reductions and sample weights, masks, configs and the registry, and float64 gradient checks."""
import numpy as np
import pytest

import kerasish as keras
from kerasish import losses
from kerasish.backend import GradientTape, Tensor, Variable
from kerasish.backend.ops import nn
from tests.gradcheck import check_grads

RNG = np.random.RandomState(7)
Y = RNG.normal(size=(5, 3))
P = RNG.normal(size=(5, 3))
POS_Y = RNG.uniform(0.1, 2.0, size=(5, 3))
POS_P = RNG.uniform(0.1, 2.0, size=(5, 3))
BIN = (RNG.uniform(size=(5, 3)) > 0.5).astype("float64")
PROB = RNG.uniform(0.05, 0.95, size=(5, 3))
ONE_HOT = np.eye(3)[[0, 2, 1, 1, 0]]
SOFTMAX = np.exp(P) / np.exp(P).sum(1, keepdims=True)
EPS = 1e-7


def val(x):
    return np.asarray(x.numpy() if isinstance(x, Tensor) else x)


def _hinge_labels(y):
    return 2 * y - 1 if np.all((y == 0) | (y == 1)) else y


def _l2n(x):
    return x / np.sqrt(np.maximum(np.sum(x * x, axis=-1, keepdims=True), 1e-12))


def _softplus(x):
    return np.logaddexp(0.0, x)


# name -> (function, y_true, y_pred, numpy reference per sample)
REFERENCES = {
    "mean_squared_error": (losses.mean_squared_error, Y, P, lambda y, p: np.mean((p - y) ** 2, -1)),
    "mean_absolute_error": (losses.mean_absolute_error, Y, P, lambda y, p: np.mean(np.abs(p - y), -1)),
    "mean_absolute_percentage_error": (
        losses.mean_absolute_percentage_error, Y, P,
        lambda y, p: 100 * np.mean(np.abs((y - p) / np.maximum(np.abs(y), EPS)), -1)),
    "mean_squared_logarithmic_error": (
        losses.mean_squared_logarithmic_error, POS_Y, POS_P,
        lambda y, p: np.mean((np.log(np.maximum(p, EPS) + 1) - np.log(np.maximum(y, EPS) + 1)) ** 2, -1)),
    "hinge": (losses.hinge, BIN, P, lambda y, p: np.mean(np.maximum(1 - _hinge_labels(y) * p, 0), -1)),
    "squared_hinge": (losses.squared_hinge, BIN, P,
                      lambda y, p: np.mean(np.maximum(1 - _hinge_labels(y) * p, 0) ** 2, -1)),
    "categorical_hinge": (losses.categorical_hinge, ONE_HOT, P,
                          lambda y, p: np.maximum(np.max((1 - y) * p, -1) - np.sum(y * p, -1) + 1, 0)),
    "huber": (losses.huber, Y, P, lambda y, p: np.mean(np.where(np.abs(p - y) <= 1, 0.5 * (p - y) ** 2,
                                                                 np.abs(p - y) - 0.5), -1)),
    "log_cosh": (losses.log_cosh, Y, P, lambda y, p: np.mean(np.log(np.cosh(p - y)), -1)),
    "kl_divergence": (losses.kl_divergence, SOFTMAX[::-1].copy(), SOFTMAX,
                      lambda y, p: np.sum(np.clip(y, EPS, 1) * np.log(np.clip(y, EPS, 1) / np.clip(p, EPS, 1)), -1)),
    "poisson": (losses.poisson, POS_Y, POS_P, lambda y, p: np.mean(p - y * np.log(p + EPS), -1)),
    "cosine_similarity": (losses.cosine_similarity, Y, P, lambda y, p: -np.sum(_l2n(y) * _l2n(p), -1)),
    "binary_crossentropy": (losses.binary_crossentropy, BIN, PROB,
                            lambda y, p: np.mean(-(y * np.log(p + EPS) + (1 - y) * np.log(1 - p + EPS)), -1)),
    "categorical_crossentropy": (losses.categorical_crossentropy, ONE_HOT, SOFTMAX,
                                 lambda y, p: -np.sum(y * np.log(p), -1)),
    "sparse_categorical_crossentropy": (losses.sparse_categorical_crossentropy, ONE_HOT.argmax(1), SOFTMAX,
                                        lambda y, p: -np.log(p[np.arange(len(y)), y])),
    "binary_focal_crossentropy": (
        losses.binary_focal_crossentropy, BIN, PROB,
        lambda y, p: np.mean((1 - (y * p + (1 - y) * (1 - p))) ** 2
                             * -(y * np.log(p + EPS) + (1 - y) * np.log(1 - p + EPS)), -1)),
    "categorical_focal_crossentropy": (
        losses.categorical_focal_crossentropy, ONE_HOT, SOFTMAX,
        lambda y, p: np.sum(0.25 * (1 - p) ** 2 * -y * np.log(p), -1)),
}


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_loss_function_matches_numpy(name):
    fn, y, p, ref = REFERENCES[name]
    out = fn(y, p)
    assert isinstance(out, Tensor) and out.dtype == np.float32
    assert out.shape == (5,)
    np.testing.assert_allclose(val(out), ref(y, p), rtol=2e-5, atol=1e-6)


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_loss_function_gradients_match_finite_differences(name):
    fn, y, p, _ = REFERENCES[name]
    if name == "sparse_categorical_crossentropy":
        check_grads(lambda q: fn(y, q), p, rtol=1e-5, atol=1e-7)
    elif name in ("hinge", "squared_hinge"):  # 0/1 labels are remapped: not differentiable in y_true
        check_grads(fn, y, p, rtol=1e-5, atol=1e-7, wrt=[1])
    else:
        check_grads(fn, y, p, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("loss,expected", [
    (losses.BinaryCrossentropy(), 15.379094),
    (losses.BinaryCrossentropy(from_logits=True), None),
])
def test_verified_binary_crossentropy_values(loss, expected):
    if expected is not None:
        np.testing.assert_allclose(float(loss([0.0, 0, 1, 1], [1.0, 1, 0, 0])), expected, rtol=1e-6)
    else:
        np.testing.assert_allclose(float(loss([[0.0], [1.0]], [[-1.0], [2.0]])), 0.22009484, rtol=1e-6)


def test_verified_crossentropy_values():
    np.testing.assert_allclose(float(losses.CategoricalCrossentropy()([[0, 1, 0]], [[0.4, 0.6, 1.0]])), 1.2039728,
                               rtol=1e-6)
    np.testing.assert_allclose(float(losses.BinaryCrossentropy(label_smoothing=0.1)([[1.0]], [[0.9]])), 0.2152216,
                               rtol=1e-6)
    np.testing.assert_allclose(float(losses.SparseCategoricalCrossentropy()([0], [[0.0, 1.0]])), 16.118095,
                               rtol=1e-6)


def test_categorical_label_smoothing():
    y, p = np.array([[0.0, 1.0, 0.0]]), np.array([[0.2, 0.5, 0.3]])
    smoothed = y * 0.8 + 0.2 / 3
    got = float(losses.CategoricalCrossentropy(label_smoothing=0.2)(y, p))
    np.testing.assert_allclose(got, -np.sum(smoothed * np.log(p)), rtol=1e-6)


def test_reductions_and_sample_weight_follow_keras():
    y, p = np.array([[1.0], [2.0], [3.0], [4.0]]), np.zeros((4, 1))
    assert float(losses.MeanSquaredError()(y, p, sample_weight=[1.0, 0.0, 0.0, 0.0])) == pytest.approx(0.25)
    assert float(losses.MeanSquaredError(reduction="sum")(y, p)) == pytest.approx(30.0)
    np.testing.assert_allclose(val(losses.MeanSquaredError(reduction="none")(y, p)), [1, 4, 9, 16])
    np.testing.assert_allclose(val(losses.MeanSquaredError(reduction="none")(y, p, sample_weight=[1, 0, 2, 1])),
                               [1, 0, 18, 16])
    assert float(losses.MeanSquaredError(reduction="sum_over_batch_size")(y, p)) == pytest.approx(7.5)
    assert float(losses.MeanSquaredError()(y, p, sample_weight=2.0)) == pytest.approx(15.0)


@pytest.mark.parametrize("sw", [np.array([1.0, 3.0]), np.array([[1.0], [3.0]])])
def test_sample_weight_shapes_broadcast_per_sample(sw):
    y = np.zeros((2, 3, 1))
    p = np.arange(6.0).reshape(2, 3, 1)
    per_sample = val(losses.MeanSquaredError(reduction="none")(y, p))
    assert per_sample.shape == (2, 3)
    got = float(losses.MeanSquaredError()(y, p, sample_weight=sw))
    np.testing.assert_allclose(got, np.sum(p[..., 0] ** 2 * np.array([[1.0], [3.0]])) / 6, rtol=1e-6)


def test_bad_sample_weight_shape_is_reported():
    with pytest.raises(ValueError, match="sample_weight"):
        losses.MeanSquaredError()(np.zeros((4, 2)), np.ones((4, 2)), sample_weight=np.ones(3))


def test_rank_alignment_squeezes_a_trailing_axis():
    y = np.array([1.0, 0.0, 1.0])
    p = np.array([[0.9], [0.2], [0.6]])
    got = float(losses.MeanSquaredError()(y, p))
    np.testing.assert_allclose(got, np.mean((y - p[:, 0]) ** 2), rtol=1e-6)


def test_loss_objects_differentiate_through_the_reduction():
    w = Variable(np.array([[0.5], [-1.0]], dtype="float32"))
    with GradientTape() as tape:
        loss = losses.MeanSquaredError()(np.array([[1.0], [1.0]]), w, sample_weight=[1.0, 2.0])
    grad = tape.gradient(loss, w).numpy()
    np.testing.assert_allclose(grad, [[2 * (0.5 - 1) * 1 / 2], [2 * (-2.0) * 2 / 2]], rtol=1e-6)


def test_hidden_logits_through_the_loss_class():
    probs = nn.sigmoid(Tensor(np.array([[40.0]], dtype="float32")))
    np.testing.assert_allclose(float(losses.BinaryCrossentropy()([[0.0]], probs)), 40.0, rtol=1e-5)
    soft = nn.softmax(Tensor(np.array([[20.0, 0.0]], dtype="float32")))
    np.testing.assert_allclose(float(losses.SparseCategoricalCrossentropy()([1], soft)), 20.0, rtol=1e-5)


def test_mask_on_predictions_weights_the_mean_over_valid_entries():
    p = Tensor(np.array([[1.0], [2.0], [3.0], [4.0]], dtype="float32"))
    p._keras_mask = Tensor(np.array([True, True, False, False]))
    got = float(losses.MeanSquaredError()(np.zeros((4, 1)), p))
    np.testing.assert_allclose(got, (1 + 4) / 2, rtol=1e-6)


def test_custom_loss_subclass():
    class Cubic(losses.Loss):
        def call(self, y_true, y_pred):
            return losses.mean_absolute_error(y_true, y_pred) ** 3

    got = Cubic(reduction="sum")(np.zeros((2, 1)), np.array([[1.0], [2.0]]))
    assert float(got) == pytest.approx(9.0)


def test_invalid_reduction_is_rejected():
    with pytest.raises(ValueError, match="Invalid Reduction Key"):
        losses.MeanSquaredError(reduction="mean")


LOSS_CLASSES = [
    losses.MeanSquaredError(), losses.MeanAbsoluteError(), losses.MeanAbsolutePercentageError(),
    losses.MeanSquaredLogarithmicError(), losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1),
    losses.BinaryFocalCrossentropy(apply_class_balancing=True, gamma=3.0), losses.CategoricalCrossentropy(axis=1),
    losses.CategoricalFocalCrossentropy(alpha=0.5), losses.SparseCategoricalCrossentropy(from_logits=True),
    losses.CosineSimilarity(axis=0), losses.Hinge(), losses.SquaredHinge(), losses.CategoricalHinge(),
    losses.Poisson(), losses.LogCosh(), losses.KLDivergence(), losses.Huber(delta=2.0, reduction="sum"),
]


@pytest.mark.parametrize("loss", LOSS_CLASSES, ids=lambda l: type(l).__name__)
def test_loss_config_round_trip(loss):
    config = loss.get_config()
    assert config["reduction"] == loss.reduction and config["name"] == loss.name
    clone = type(loss).from_config(config)
    assert clone.get_config() == config
    restored = losses.deserialize(losses.serialize(loss))
    assert type(restored) is type(loss) and restored.get_config() == config


def test_binary_crossentropy_config_matches_tf_keras():
    config = losses.BinaryCrossentropy(label_smoothing=0.1).get_config()
    assert config == {"reduction": "auto", "name": "binary_crossentropy", "from_logits": False,
                      "label_smoothing": 0.1, "axis": -1, "fn": "binary_crossentropy"}
    legacy = losses.serialize(losses.BinaryCrossentropy(), use_legacy_format=True)
    assert legacy["class_name"] == "BinaryCrossentropy"
    assert losses.Huber().name == "huber_loss" and losses.LogCosh().name == "log_cosh"


def test_get_resolves_names_aliases_and_classes():
    assert losses.get("mse") is losses.mean_squared_error
    assert losses.get("MAE") is losses.mean_absolute_error
    assert losses.get("kld") is losses.kl_divergence
    assert losses.get("kullback_leibler_divergence") is losses.kl_divergence
    assert losses.get("logcosh") is losses.log_cosh
    assert isinstance(losses.get("BinaryCrossentropy"), losses.BinaryCrossentropy)
    assert losses.get(None) is None
    fn = lambda y, p: y  # noqa: E731
    assert losses.get(fn) is fn
    wrapper = losses.LossFunctionWrapper.from_config({"reduction": "sum", "name": "x", "fn": "hinge"})
    assert wrapper.fn is losses.hinge


def test_unknown_loss_name_is_reported():
    with pytest.raises(ValueError, match="not_a_loss"):
        losses.get("not_a_loss")
    with pytest.raises(ValueError, match="Could not interpret"):
        losses.get(42)


def test_resolve_loss_wraps_functions_with_the_users_name():
    wrapped = losses.resolve_loss("mse")
    assert isinstance(wrapped, losses.LossFunctionWrapper) and wrapped.name == "mse"
    obj = losses.Huber()
    assert losses.resolve_loss(obj) is obj
    per_sample = losses.resolve_loss("binary_crossentropy").call(np.array([[1.0]]), np.array([[0.5]]))
    np.testing.assert_allclose(val(per_sample), [-np.log(0.5 + 1e-7)], rtol=1e-6)


def test_categorical_crossentropy_on_a_single_class_warns():
    with pytest.warns(SyntaxWarning, match="binary_crossentropy"):
        losses.categorical_crossentropy(np.ones((2, 1)), np.ones((2, 1)))


def test_reduced_losses_are_zero_dimensional_float32_arrays():
    """np.asarray / float() of a reduced loss work as in Keras (the reduction must not return a numpy scalar)."""
    from kerasish import losses

    for loss in (losses.BinaryCrossentropy(), losses.MeanSquaredError(), losses.SparseCategoricalCrossentropy()):
        y_true = [0.0, 1.0] if not isinstance(loss, losses.SparseCategoricalCrossentropy) else [0, 1]
        y_pred = [0.2, 0.7] if not isinstance(loss, losses.SparseCategoricalCrossentropy) else [[0.6, 0.4], [0.3, 0.7]]
        value = np.asarray(loss(y_true, y_pred))
        assert value.shape == () and value.dtype == np.float32
        assert np.isfinite(float(value))


class _MixedLoss:
    """A Keras 2 custom loss object with state and a config, not a `Loss` subclass (Keras 2.3.1's losses_test)."""

    def __init__(self, mse_fraction):
        self.mse_fraction = mse_fraction

    def __call__(self, y_true, y_pred, sample_weight=None):
        return (self.mse_fraction * keras.losses.mse(y_true, y_pred)
                + (1 - self.mse_fraction) * keras.losses.mae(y_true, y_pred))

    def get_config(self):
        return {"mse_fraction": self.mse_fraction}


def test_custom_loss_object_keeps_its_config(tmp_path):
    # tf_keras 2.21 serializes such an object with its config and writes the training config
    # {"class_name": "_MixedLoss", "config": {"mse_fraction": 0.3}} to .h5; kerasish used to keep only the name
    # and then failed to rebuild it (missing mse_fraction). Without from_config, Keras 2.3.1 rebuilt it as
    # cls(**config) (tf_keras raises TypeError there)
    import json

    import h5py

    with keras.utils.custom_object_scope({"_MixedLoss": _MixedLoss}):
        config = keras.losses.serialize(_MixedLoss(0.3))
        assert config["class_name"] == "_MixedLoss" and config["config"] == {"mse_fraction": 0.3}
        assert keras.losses.deserialize(config).mse_fraction == 0.3
    model = keras.Sequential([keras.layers.Dense(1, input_shape=(2,))])
    model.compile("sgd", _MixedLoss(0.3))
    path = str(tmp_path / "m.h5")
    model.save(path)
    with h5py.File(path, "r") as f:
        saved = json.loads(f.attrs["training_config"])["loss"]
    assert saved == {"class_name": "_MixedLoss", "config": {"mse_fraction": 0.3}}
    loaded = keras.models.load_model(path, custom_objects={"_MixedLoss": _MixedLoss})
    x, y = np.ones((4, 2), "float32"), np.zeros((4, 1), "float32")
    np.testing.assert_allclose(loaded.evaluate(x, y, verbose=0), model.evaluate(x, y, verbose=0), rtol=1e-6)
