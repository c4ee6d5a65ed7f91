"""Metrics: values against independent numpy computations and tf_keras's documented numbers, state
handling (accumulate, weight, reset), custom subclasses, naming, configs, the registry and the
'accuracy' resolution rules of compile."""
import numpy as np
import pytest

from kerasish import losses, metrics
from kerasish.backend import Tensor, config
from kerasish.backend.ops import nn

RNG = np.random.RandomState(3)


def res(metric):
    return np.asarray(metric.result().numpy() if isinstance(metric.result(), Tensor) else metric.result())


@pytest.fixture(autouse=True)
def _fresh_uids():
    config.reset_uids()
    yield


# --------------------------------------------------------------------------- reductions
def test_mean_is_a_weighted_running_average():
    m = metrics.Mean()
    m.update_state([1.0, 2.0, 3.0])
    m.update_state(10.0)
    assert float(res(m)) == pytest.approx(4.0)
    m.reset_state()
    m.update_state([1.0, 3.0], sample_weight=[3.0, 1.0])
    assert float(res(m)) == pytest.approx(1.5)
    assert res(m).dtype == np.float32


def test_mean_with_per_sample_weights_on_matrix_values():
    m = metrics.Mean()
    values = np.array([[1.0, 2.0], [3.0, 4.0]])
    m.update_state(values, sample_weight=[1.0, 0.0])
    assert float(res(m)) == pytest.approx(1.5)  # weights broadcast over the second axis
    m.reset_state()
    m.update_state(np.ones((2, 3, 4)), sample_weight=np.ones((2, 3)) * 2)
    assert float(res(m)) == pytest.approx(1.0)


def test_sum_and_empty_results():
    s = metrics.Sum()
    s.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    assert float(res(s)) == 4.0
    assert float(res(metrics.Mean())) == 0.0


def test_mean_metric_wrapper_weights_per_sample_values():
    m = metrics.MeanMetricWrapper(losses.mean_absolute_error, name="mae")
    m.update_state([[0.0, 1.0], [0.0, 0.0]], [[1.0, 3.0], [0.0, 0.0]], sample_weight=[1.0, 3.0])
    assert float(res(m)) == pytest.approx(1.5 / 4)
    m.update_state([[0.0]], [[2.0]])
    assert float(res(m)) == pytest.approx((1.5 + 2.0) / 5)


# --------------------------------------------------------------------------- accuracy
@pytest.mark.parametrize("cls,kwargs,y_true,y_pred,expected", [
    ("BinaryAccuracy", {}, [[1], [0], [1], [0]], [[0.7], [0.6], [0.2], [0.1]], 0.5),
    ("BinaryAccuracy", {"threshold": 0.65}, [[1], [0], [1], [0]], [[0.7], [0.6], [0.2], [0.1]], 0.75),
    ("CategoricalAccuracy", {}, [[0, 1], [1, 0], [1, 0]], [[0.3, 0.7], [0.4, 0.6], [0.9, 0.1]], 2 / 3),
    ("SparseCategoricalAccuracy", {}, [[1], [2]], [[0.1, 0.8, 0.1], [0.6, 0.3, 0.1]], 0.5),
    ("Accuracy", {}, [1, 2, 3, 4], [1, 2, 0, 4], 0.75),
    ("TopKCategoricalAccuracy", {"k": 1}, [[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]], 0.5),
    ("SparseTopKCategoricalAccuracy", {"k": 2}, [2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]], 1.0),
    ("MeanSquaredError", {}, [[0.0, 1.0]], [[1.0, 1.0]], 0.5),
    ("MeanAbsoluteError", {}, [[0.0, 1.0]], [[1.0, 3.0]], 1.5),
    ("RootMeanSquaredError", {}, [[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [0.0, 0.0]], 0.5),
    ("MeanAbsolutePercentageError", {}, [[2.0, 4.0]], [[1.0, 5.0]], 37.5),
    ("Hinge", {}, [[0.0, 1.0]], [[0.5, 0.5]], 1.0),
    ("SquaredHinge", {}, [[0.0, 1.0]], [[0.5, 0.5]], 1.25),
    ("CategoricalHinge", {}, [[0.0, 1.0]], [[0.3, 0.6]], 0.7),
    ("BinaryCrossentropy", {}, [[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]], 0.81492424),
    ("CategoricalCrossentropy", {}, [[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]], 1.1769392),
    ("SparseCategoricalCrossentropy", {}, [1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]], 1.1769392),
    ("KLDivergence", {}, [[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]], 0.45814306),
    ("Poisson", {}, [[0, 1], [0, 0]], [[1, 1], [0, 0]], 0.49999997),
    ("LogCoshError", {}, [[0, 1], [0, 0]], [[1, 1], [0, 0]], 0.10844523),
    ("CosineSimilarity", {}, [[0, 1], [1, 1]], [[1, 0], [1, 1]], 0.49999997),
    ("MeanSquaredLogarithmicError", {}, [[0, 1], [0, 0]], [[1, 1], [0, 0]], 0.12011322),
])
def test_builtin_metric_values(cls, kwargs, y_true, y_pred, expected):
    m = getattr(metrics, cls)(**kwargs)
    m.update_state(np.array(y_true, dtype="float32"), np.array(y_pred, dtype="float32"))
    np.testing.assert_allclose(float(res(m)), expected, rtol=1e-5)


def test_accuracies_against_numpy_on_random_data():
    p = RNG.uniform(size=(50, 4)).astype("float32")
    labels = RNG.randint(0, 4, size=50)
    onehot = np.eye(4)[labels]
    sca = metrics.SparseCategoricalAccuracy()
    sca.update_state(labels, p)
    ca = metrics.CategoricalAccuracy()
    ca.update_state(onehot, p)
    expected = np.mean(p.argmax(1) == labels)
    assert float(res(sca)) == pytest.approx(expected) and float(res(ca)) == pytest.approx(expected)
    top2 = metrics.SparseTopKCategoricalAccuracy(k=2)
    top2.update_state(labels, p)
    in_top2 = np.argsort(-p, axis=1)[:, :2]
    assert float(res(top2)) == pytest.approx(np.mean([labels[i] in in_top2[i] for i in range(50)]))
    ba = metrics.BinaryAccuracy()
    ba.update_state(onehot, p)
    assert float(res(ba)) == pytest.approx(np.mean((p > 0.5) == onehot))


def test_accuracy_functions_return_per_sample_values():
    np.testing.assert_allclose(metrics.binary_accuracy([[1, 0], [1, 1]], [[0.9, 0.6], [0.2, 0.8]]).numpy(),
                               [0.5, 0.5])
    np.testing.assert_allclose(metrics.sparse_categorical_accuracy([[2], [1]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
                               .numpy(), [0.0, 1.0])
    np.testing.assert_allclose(metrics.top_k_categorical_accuracy([[0, 0, 1]], [[0.1, 0.9, 0.8]], k=2).numpy(), [1.0])


def test_top_k_counts_ties_at_the_boundary_as_inside():
    m = metrics.SparseTopKCategoricalAccuracy(k=1)
    m.update_state([0, 1], [[0.5, 0.5, 0.0], [0.5, 0.5, 0.0]])
    assert float(res(m)) == 1.0


def test_crossentropy_metric_uses_hidden_logits():
    probs = nn.sigmoid(Tensor(np.array([[40.0]], dtype="float32")))
    m = metrics.BinaryCrossentropy()
    m.update_state([[0.0]], probs)
    np.testing.assert_allclose(float(res(m)), 40.0, rtol=1e-5)


def test_sparse_crossentropy_metric_ignore_class_masks_entries():
    m = metrics.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)
    logits = np.array([[2.0, 0.0], [0.0, 5.0]], dtype="float32")
    m.update_state([0, -1], logits)
    np.testing.assert_allclose(float(res(m)), np.log1p(np.exp(-2.0)), rtol=1e-5)


# --------------------------------------------------------------------------- confusion-matrix metrics
Y_TRUE = np.array([0, 0, 1, 1])
Y_PRED = np.array([0, 0.5, 0.3, 0.9], dtype="float32")
SW = [1, 2, 3, 4]


def test_confusion_counts_with_thresholds_and_weights():
    # positive means strictly above the threshold: the prediction 0 is negative even at threshold 0
    for cls, expected in (("TruePositives", [2.0, 1.0]), ("FalsePositives", [1.0, 0.0]),
                          ("TrueNegatives", [1.0, 2.0]), ("FalseNegatives", [0.0, 1.0])):
        m = getattr(metrics, cls)(thresholds=[0.0, 0.5])
        m.update_state(Y_TRUE, Y_PRED)
        np.testing.assert_allclose(res(m), expected)
    tp = metrics.TruePositives()
    tp.update_state(Y_TRUE, Y_PRED, sample_weight=SW)
    assert float(res(tp)) == 4.0


def test_precision_and_recall():
    p, r = metrics.Precision(), metrics.Recall()
    for m in (p, r):
        m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    assert float(res(p)) == pytest.approx(2 / 3) and float(res(r)) == pytest.approx(2 / 3)
    pw = metrics.Precision(thresholds=[0.2, 0.6])
    pw.update_state(Y_TRUE, Y_PRED, sample_weight=SW)
    np.testing.assert_allclose(res(pw), [7 / 9, 1.0], rtol=1e-6)


def test_precision_top_k_and_class_id():
    y_true = np.array([[0, 0, 1, 1], [1, 0, 0, 1]])
    y_pred = np.array([[0.1, 0.9, 0.8, 0.7], [0.6, 0.2, 0.3, 0.95]], dtype="float32")
    top2 = metrics.Precision(top_k=2)
    top2.update_state(y_true, y_pred)
    assert float(res(top2)) == pytest.approx(3 / 4)  # row 0: cols 1, 2 (one hit); row 1: cols 3, 0 (two hits)
    cls2 = metrics.Recall(class_id=2)
    cls2.update_state(y_true, y_pred)
    assert float(res(cls2)) == 1.0


def test_precision_top_k_counts_hits_among_the_k_largest():
    y_true = np.array([[0, 0, 1, 1]])
    y_pred = np.array([[0.1, 0.9, 0.8, 0.7]], dtype="float32")
    m = metrics.Precision(top_k=2)
    m.update_state(y_true, y_pred)
    assert float(res(m)) == pytest.approx(0.5)


def _direct_counts(y_true, y_pred, thresholds, weights=None):
    """Confusion counts by plain comparison (an independent reference)."""
    w = np.ones_like(y_pred, dtype=np.float64) if weights is None else np.asarray(weights, dtype=np.float64)
    pos = y_pred[None, :] > np.asarray(thresholds)[:, None]
    lab = y_true.astype(bool)[None, :]
    tp = np.sum((pos & lab) * w, 1)
    fp = np.sum((pos & ~lab) * w, 1)
    fn = np.sum((~pos & lab) * w, 1)
    tn = np.sum((~pos & ~lab) * w, 1)
    return tp, fp, fn, tn


def test_auc_roc_matches_a_direct_trapezoid_reference():
    y_true = (RNG.uniform(size=300) > 0.6).astype("float32")
    y_pred = np.clip(y_true * 0.3 + RNG.uniform(size=300) * 0.7, 0, 1).astype("float32")
    m = metrics.AUC(num_thresholds=50)
    m.update_state(y_true, y_pred)
    thresholds = np.array(m.thresholds)
    tp, fp, fn, tn = _direct_counts(y_true, y_pred, thresholds)
    tpr, fpr = tp / (tp + fn), fp / (fp + tn)
    expected = np.sum((fpr[:-1] - fpr[1:]) * (tpr[:-1] + tpr[1:]) / 2)
    np.testing.assert_allclose(float(res(m)), expected, rtol=1e-5)
    np.testing.assert_allclose(m.true_positives.numpy(), tp)


def test_auc_keras_documented_values():
    assert m_result(metrics.AUC(), [0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == pytest.approx(0.75, rel=1e-6)
    assert m_result(metrics.AUC(num_thresholds=3), Y_TRUE, Y_PRED) == pytest.approx(0.75, rel=1e-6)
    for kwargs, expected in (({}, 0.7855), ({"summation_method": "majoring"}, 1.0),
                             ({"summation_method": "minoring"}, 0.571),
                             ({"curve": "PR", "summation_method": "majoring"}, 1.0),
                             ({"curve": "PR", "summation_method": "minoring"}, 0.7 * 0.429),
                             ({"curve": "PR"}, 2.416 / 7 + 4 / 7)):
        got = m_result(metrics.AUC(num_thresholds=3, **kwargs), Y_TRUE, Y_PRED, SW)
        assert got == pytest.approx(expected, abs=1e-3), kwargs


def m_result(metric, y_true, y_pred, sample_weight=None):
    metric.update_state(y_true, y_pred, sample_weight=sample_weight)
    return float(res(metric))


def test_auc_accumulates_and_resets():
    m = metrics.AUC()
    m.update_state([0, 1, 1, 1], [0, 1, 0, 0])
    assert float(res(m)) == pytest.approx(0.6666667, rel=1e-6)
    m.update_state([1, 1, 1, 1], [0, 1, 1, 0])
    assert float(res(m)) == pytest.approx(0.71428573, rel=1e-6)
    m.reset_state()
    assert float(res(m)) == 0.0


def test_auc_thresholds_and_options():
    m = metrics.AUC(num_thresholds=2, thresholds=[0.5])
    assert m.num_thresholds == 3
    np.testing.assert_allclose(m.thresholds, [-1e-7, 0.5, 1 + 1e-7])
    assert m_result(m, Y_TRUE, Y_PRED) == pytest.approx(0.75)
    default = metrics.AUC()
    np.testing.assert_allclose(default.thresholds[:3], [-1e-7, 0.0050251, 0.0100503], rtol=1e-5, atol=1e-9)
    np.testing.assert_allclose(default.thresholds[-2:], [0.9949749, 1.0000001], rtol=1e-6)
    logits = np.log(np.clip(Y_PRED, 1e-12, None) / np.clip(1 - Y_PRED, 1e-12, None))
    assert m_result(metrics.AUC(num_thresholds=3, from_logits=True), Y_TRUE, logits) == pytest.approx(0.75)
    with pytest.raises(ValueError, match="curve"):
        metrics.AUC(curve="XY")


def test_auc_multi_label_averages_per_label_curves():
    y_true = np.array([[0, 0], [1, 1], [1, 1], [1, 0]])
    y_pred = np.array([[0.0, 0.4], [0.5, 0.7], [0.3, 0.2], [0.9, 0.3]], dtype="float32")
    multi = metrics.AUC(num_thresholds=3, multi_label=True)
    singles = []
    for j in range(2):
        s = metrics.AUC(num_thresholds=3)
        singles.append(m_result(s, y_true[:, j], y_pred[:, j]))
    assert m_result(multi, y_true, y_pred) == pytest.approx(np.mean(singles))
    weighted = metrics.AUC(num_thresholds=3, multi_label=True, label_weights=[1.0, 3.0])
    assert m_result(weighted, y_true, y_pred) == pytest.approx((singles[0] + 3 * singles[1]) / 4)


def test_x_at_y_metrics():
    y_true, y_pred = [0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8]
    assert m_result(metrics.SensitivityAtSpecificity(0.5), y_true, y_pred) == pytest.approx(0.5)
    assert m_result(metrics.SpecificityAtSensitivity(0.5), y_true, y_pred) == pytest.approx(2 / 3)
    assert m_result(metrics.PrecisionAtRecall(0.5), y_true, y_pred) == pytest.approx(0.5)
    assert m_result(metrics.RecallAtPrecision(0.8), [0, 0, 1, 1], [0, 0.5, 0.3, 0.9]) == pytest.approx(0.5)
    assert m_result(metrics.RecallAtPrecision(1.0), [1, 1], [0.0, 0.0]) == 0.0


def test_f_scores_match_keras_documentation():
    y_true = np.array([[1, 1, 1], [1, 0, 0], [1, 1, 0]], np.int32)
    y_pred = np.array([[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]], np.float32)
    fb = metrics.FBetaScore(beta=2.0, threshold=0.5)
    fb.update_state(y_true, y_pred)
    np.testing.assert_allclose(res(fb), [0.3846154, 0.90909094, 0.8333334], rtol=1e-6)
    f1 = metrics.F1Score(threshold=0.5)
    f1.update_state(y_true, y_pred)
    np.testing.assert_allclose(res(f1), [0.5, 0.8, 0.6666667], rtol=1e-6)
    macro = metrics.F1Score(threshold=0.5, average="macro")
    macro.update_state(y_true, y_pred)
    assert float(res(macro)) == pytest.approx(np.mean([0.5, 0.8, 2 / 3]), rel=1e-6)
    with pytest.raises(ValueError, match="beta"):
        metrics.FBetaScore(beta=2)


def test_iou_metrics():
    miou = metrics.MeanIoU(num_classes=2)
    miou.update_state([0, 0, 1, 1], [0, 1, 0, 1])
    assert float(res(miou)) == pytest.approx(1 / 3)
    miou.reset_state()
    miou.update_state([0, 0, 1, 1], [0, 1, 0, 1], sample_weight=[0.3, 0.3, 0.3, 0.1])
    assert float(res(miou)) == pytest.approx((0.3 / 0.9 + 0.1 / 0.7) / 2, rel=1e-5)
    iou = metrics.IoU(num_classes=3, target_class_ids=[0])
    iou.update_state([0, 0, 1, 2], [0, 1, 1, 2])
    assert float(res(iou)) == pytest.approx(0.5)
    with pytest.raises(ValueError, match=r"class ids must be in \[0, 2\)"):
        metrics.MeanIoU(num_classes=2).update_state([0, 2], [0, 1])


def test_r2_score_matches_numpy():
    y = RNG.normal(size=(20, 2)).astype("float32")
    p = (y + RNG.normal(size=(20, 2)) * 0.3).astype("float32")
    m = metrics.R2Score()
    m.update_state(y[:10], p[:10])
    m.update_state(y[10:], p[10:])
    ss_res = np.sum((y - p) ** 2, 0)
    ss_tot = np.sum((y - y.mean(0)) ** 2, 0)
    assert float(res(m)) == pytest.approx(np.mean(1 - ss_res / ss_tot), rel=1e-4)


def test_mean_relative_error_and_mean_tensor():
    mre = metrics.MeanRelativeError(normalizer=[1, 3, 2, 3])
    mre.update_state([1, 3, 2, 3], [2, 4, 6, 8])
    assert float(res(mre)) == pytest.approx(1.25)
    mt = metrics.MeanTensor()
    mt.update_state([0, 1, 2, 3])
    mt.update_state([4, 5, 6, 7], sample_weight=[1, 1, 0, 1])
    np.testing.assert_allclose(res(mt), [2.0, 3.0, 2.0, 5.0])
    with pytest.raises(ValueError, match="same shape"):
        mt.update_state([1, 2])


def test_public_names_of_keras_metrics_exist():
    names = ("AUC Accuracy BinaryAccuracy BinaryCrossentropy BinaryIoU CategoricalAccuracy CategoricalCrossentropy "
             "CategoricalHinge CosineSimilarity F1Score FBetaScore FalseNegatives FalsePositives Hinge IoU KLD "
             "KLDivergence LogCoshError MAE MAPE MSE MSLE Mean MeanAbsoluteError MeanAbsolutePercentageError MeanIoU "
             "MeanMetricWrapper MeanRelativeError MeanSquaredError MeanSquaredLogarithmicError MeanTensor Metric "
             "OneHotIoU OneHotMeanIoU Poisson Precision PrecisionAtRecall R2Score Recall RecallAtPrecision "
             "RootMeanSquaredError SensitivityAtSpecificity SparseCategoricalAccuracy SparseCategoricalCrossentropy "
             "SparseTopKCategoricalAccuracy SpecificityAtSensitivity SquaredHinge Sum TopKCategoricalAccuracy "
             "TrueNegatives TruePositives binary_accuracy binary_crossentropy binary_focal_crossentropy "
             "categorical_accuracy categorical_crossentropy categorical_focal_crossentropy deserialize get hinge "
             "kl_divergence kld kullback_leibler_divergence log_cosh logcosh mae mape mean_absolute_error "
             "mean_absolute_percentage_error mean_squared_error mean_squared_logarithmic_error mse msle poisson "
             "serialize sparse_categorical_accuracy sparse_categorical_crossentropy sparse_top_k_categorical_accuracy "
             "squared_hinge top_k_categorical_accuracy").split()
    assert [n for n in names if not hasattr(metrics, n)] == []
    loss_names = ("BinaryCrossentropy BinaryFocalCrossentropy CategoricalCrossentropy CategoricalFocalCrossentropy "
                  "CategoricalHinge CosineSimilarity Hinge Huber KLD KLDivergence LogCosh Loss MAE MAPE MSE MSLE "
                  "MeanAbsoluteError MeanAbsolutePercentageError MeanSquaredError MeanSquaredLogarithmicError Poisson "
                  "Reduction SparseCategoricalCrossentropy SquaredHinge binary_crossentropy binary_focal_crossentropy "
                  "categorical_crossentropy categorical_focal_crossentropy categorical_hinge cosine_similarity "
                  "deserialize get hinge huber kl_divergence kld kullback_leibler_divergence log_cosh logcosh mae mape "
                  "mean_absolute_error mean_absolute_percentage_error mean_squared_error "
                  "mean_squared_logarithmic_error mse msle poisson serialize sparse_categorical_crossentropy "
                  "squared_hinge").split()
    assert [n for n in loss_names if not hasattr(losses, n)] == []


# --------------------------------------------------------------------------- custom metrics and naming
class BinaryTruePositives(metrics.Metric):
    def __init__(self, name="binary_true_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.true_positives = self.add_weight(name="tp", initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        values = (np.asarray(y_true) != 0) & (np.asarray(y_pred) != 0)
        values = values.astype(self.dtype)
        if sample_weight is not None:
            values = values * np.asarray(sample_weight, dtype=self.dtype)
        self.true_positives.assign_add(values.sum())

    def result(self):
        return self.true_positives

    def reset_states(self):  # legacy name: reset_state() must dispatch to it
        self.true_positives.assign(0.0)
        self.legacy_reset_called = True


def test_custom_metric_subclass_behaves_like_keras():
    m = BinaryTruePositives()
    assert m([0, 1, 1, 1], [0, 1, 0, 0]).numpy() == 1.0
    m.update_state([1, 1, 1, 1], [0, 1, 1, 0])
    assert float(np.asarray(m.result())) == 3.0
    m.reset_state()
    assert getattr(m, "legacy_reset_called", False) and float(np.asarray(m.result())) == 0.0
    assert m.dtype == "float32" and len(m.variables) == 1 and m.trainable_weights == []
    assert m.get_config() == {"name": "binary_true_positives", "dtype": "float32"}


def test_unnamed_metrics_get_unique_snake_case_names():
    assert metrics.AUC().name == "auc"
    assert metrics.AUC().name == "auc_1"
    assert metrics.TruePositives().name == "true_positives"
    assert metrics.MeanSquaredError().name == "mean_squared_error"
    assert metrics.MeanSquaredError().name == "mean_squared_error"
    assert metrics.KLDivergence().name == "kullback_leibler_divergence"
    assert metrics.LogCoshError().name == "logcosh"


def test_metric_rejects_unknown_keyword_arguments():
    with pytest.raises(TypeError, match="bogus"):
        metrics.Mean(bogus=1)


METRIC_OBJECTS = [
    metrics.Mean(name="m"), metrics.Sum(), metrics.Accuracy(), metrics.BinaryAccuracy(threshold=0.3),
    metrics.CategoricalAccuracy(), metrics.SparseCategoricalAccuracy(), metrics.TopKCategoricalAccuracy(k=3),
    metrics.SparseTopKCategoricalAccuracy(k=2), metrics.AUC(curve="PR", num_thresholds=10),
    metrics.AUC(thresholds=[0.2, 0.7], multi_label=True, num_labels=2), metrics.Precision(thresholds=[0.3, 0.6]),
    metrics.Recall(top_k=2, class_id=1), metrics.TruePositives(), metrics.FalsePositives(thresholds=0.3),
    metrics.TrueNegatives(), metrics.FalseNegatives(), metrics.PrecisionAtRecall(0.4),
    metrics.RecallAtPrecision(0.6, num_thresholds=20), metrics.SensitivityAtSpecificity(0.5),
    metrics.SpecificityAtSensitivity(0.7), metrics.F1Score(average="macro"), metrics.FBetaScore(beta=0.5),
    metrics.MeanSquaredError(), metrics.MeanAbsoluteError(), metrics.RootMeanSquaredError(),
    metrics.MeanAbsolutePercentageError(), metrics.MeanSquaredLogarithmicError(), metrics.CosineSimilarity(axis=0),
    metrics.LogCoshError(), metrics.Hinge(), metrics.SquaredHinge(), metrics.CategoricalHinge(),
    metrics.KLDivergence(), metrics.Poisson(), metrics.MeanIoU(num_classes=3),
    metrics.IoU(num_classes=3, target_class_ids=[1]), metrics.R2Score(class_aggregation=None),
    metrics.BinaryCrossentropy(from_logits=True, label_smoothing=0.1), metrics.CategoricalCrossentropy(axis=1),
    metrics.SparseCategoricalCrossentropy(from_logits=True),
    metrics.MeanMetricWrapper(metrics.binary_accuracy, name="out_accuracy", threshold=0.4),
    metrics.MeanRelativeError(normalizer=[1.0, 2.0]), metrics.MeanTensor(shape=(2,)),
    metrics.BinaryIoU(threshold=0.3), metrics.OneHotIoU(num_classes=3, target_class_ids=[0, 2]),
    metrics.OneHotMeanIoU(num_classes=2),
]


@pytest.mark.parametrize("metric", METRIC_OBJECTS, ids=lambda m: type(m).__name__)
def test_metric_config_round_trip(metric):
    config = metric.get_config()
    assert config["name"] == metric.name and config["dtype"] == "float32"
    clone = type(metric).from_config(dict(config))
    assert clone.get_config() == config
    restored = metrics.deserialize(metrics.serialize(metric))
    assert type(restored) is type(metric) and restored.get_config() == config


def test_mean_metric_wrapper_config_names_its_function():
    config = metrics.MeanMetricWrapper(metrics.binary_accuracy, name="out_bin_accuracy").get_config()
    assert config == {"name": "out_bin_accuracy", "dtype": "float32", "fn": "binary_accuracy"}
    legacy = metrics.serialize(metrics.MeanAbsoluteError(), use_legacy_format=True)
    assert legacy == {"class_name": "MeanAbsoluteError", "config": {"name": "mean_absolute_error",
                                                                    "dtype": "float32"}}


def test_get_resolves_names():
    assert metrics.get("mse") is losses.mean_squared_error
    assert metrics.get("MAE") is losses.mean_absolute_error
    assert metrics.get("binary_accuracy") is metrics.binary_accuracy
    assert isinstance(metrics.get("AUC"), metrics.AUC)
    assert isinstance(metrics.get({"class_name": "Precision", "config": {"thresholds": 0.3}}), metrics.Precision)
    with pytest.raises(ValueError, match="no_such_metric"):
        metrics.get("no_such_metric")


# --------------------------------------------------------------------------- compile resolution
@pytest.mark.parametrize("spec,yt,yp,fn", [
    ("accuracy", (8, 1), (8, 1), metrics.binary_accuracy),
    ("acc", (8,), (8, 1), metrics.binary_accuracy),
    ("accuracy", (8,), (8, 5), metrics.sparse_categorical_accuracy),
    ("accuracy", (8, 1), (8, 5), metrics.sparse_categorical_accuracy),
    ("Accuracy", (8, 5), (8, 5), metrics.categorical_accuracy),
    ("crossentropy", (8, 1), (8, 1), losses.binary_crossentropy),
    ("ce", (8,), (8, 5), losses.sparse_categorical_crossentropy),
    ("ce", (8, 5), (8, 5), losses.categorical_crossentropy),
])
def test_resolve_metric_uses_output_shapes_and_keeps_the_users_name(spec, yt, yp, fn):
    m = metrics.resolve_metric(spec, yt, yp)
    assert isinstance(m, metrics.MeanMetricWrapper) and m._fn is fn and m.name == spec


def test_resolve_metric_other_identifiers():
    assert metrics.resolve_metric("mae", (4, 1), (4, 1)).name == "mae"
    assert metrics.resolve_metric("AUC", (4, 1), (4, 1)).name == "auc"
    obj = metrics.Precision(name="p")
    assert metrics.resolve_metric(obj) is obj
    assert metrics.resolve_metric(metrics.binary_accuracy).name == "binary_accuracy"
    wrapped = metrics.resolve_metric(losses.Huber())
    assert wrapped.name == "huber_loss"
    assert metrics.resolve_metric("accuracy", None, None, loss_fn="sparse_categorical_crossentropy")._fn is \
        metrics.sparse_categorical_accuracy
    with pytest.raises(ValueError, match="nonsense"):
        metrics.resolve_metric("nonsense")


def test_resolved_metric_computes_like_keras():
    m = metrics.resolve_metric("accuracy", (3,), (3, 2))
    m.update_state(np.array([0, 1, 1]), np.array([[0.9, 0.1], [0.2, 0.8], [0.7, 0.3]]))
    assert float(res(m)) == pytest.approx(2 / 3)


def test_fbeta_score_weights_each_sample_with_the_weights_compile_passes():
    """compile hands weighted metrics (n, 1) sample weights; the F-score weights each sample's counts by them
    (tf_keras expands them to (n, 1, 1) and mixes samples: see tools/make_oracle.py weighted_fscore_bug)."""
    y = np.array([[1, 0], [1, 1], [0, 1], [0, 0]], "float32")
    p = np.array([[0.9, 0.2], [0.3, 0.8], [0.6, 0.7], [0.7, 0.1]], "float32")
    sw = np.array([2.0, 0.5, 1.0, 3.0], "float32")
    pred = (p > 0.5).astype("float32")
    tp, fp, fn = (np.sum(sw[:, None] * a) for a in (pred * y, pred * (1 - y), (1 - pred) * y))
    want = 1.25 * tp / (1.25 * tp + 0.25 * fn + fp)  # beta = 0.5, micro average
    for weights in (sw, sw[:, None]):
        m = metrics.FBetaScore(beta=0.5, average="micro", threshold=0.5)
        m.update_state(y, p, sample_weight=weights)
        assert float(res(m)) == pytest.approx(want, rel=1e-6)


def test_wrapping_a_public_accuracy_function_takes_its_numpy_kernel_and_agrees_with_the_generic_path():
    """`MeanMetricWrapper(metrics.accuracy)` (the symbolic-dispatch wrapper) runs the same numpy kernel as
    `Accuracy()`, with the function's keyword arguments, and gives what the generic path through the function
    gives."""
    from kerasish.metrics import reduction_metrics

    rng = np.random.default_rng(0)
    p = rng.random((50, 4)).astype("float32")
    labels = rng.integers(0, 4, 50)
    one_hot = np.eye(4, dtype="float32")[labels]
    weights = rng.random(50)
    cases = [(metrics.sparse_top_k_categorical_accuracy, {"k": 2}, labels, p),
             (metrics.top_k_categorical_accuracy, {"k": 3}, one_hot, p),
             (metrics.binary_accuracy, {"threshold": 0.7}, (p > 0.5).astype("float32"), p),
             (metrics.categorical_accuracy, {}, one_hot, p),
             (metrics.sparse_categorical_accuracy, {}, labels, p),
             (metrics.accuracy, {}, labels, rng.integers(0, 4, 50))]
    for fn, kwargs, y_true, y_pred in cases:
        assert fn in reduction_metrics.NUMPY_KERNELS, fn.__name__
        fast = metrics.MeanMetricWrapper(fn, **kwargs)
        fast.update_state(y_true, y_pred, sample_weight=weights)
        kernels = dict(reduction_metrics.NUMPY_KERNELS)
        reduction_metrics.NUMPY_KERNELS.clear()
        try:
            generic = metrics.MeanMetricWrapper(fn, **kwargs)
            generic.update_state(y_true, y_pred, sample_weight=weights)
        finally:
            reduction_metrics.NUMPY_KERNELS.update(kernels)
        assert float(fast.result()) == pytest.approx(float(generic.result()), rel=1e-6), fn.__name__


class _Thresh:
    """A Keras 2 custom metric object with a config, not a `Metric` subclass."""

    def __init__(self, t=0.5):
        self.t = t
        self.__name__ = "thresh"

    def __call__(self, y_true, y_pred):
        return y_pred

    def get_config(self):
        return {"t": self.t}


def test_custom_metric_object_keeps_its_config():
    # tf_keras 2.21: serialize gives {"class_name": "_Thresh", "config": {"t": 0.3}, ...} and deserialize rebuilds
    # it with t=0.3; kerasish kept only the name "thresh" and could not find it again
    import kerasish as keras

    config = keras.metrics.serialize(_Thresh(0.3))
    assert config["class_name"] == "_Thresh" and config["config"] == {"t": 0.3}
    with keras.utils.custom_object_scope({"_Thresh": _Thresh}):
        assert keras.metrics.deserialize(config).t == 0.3
