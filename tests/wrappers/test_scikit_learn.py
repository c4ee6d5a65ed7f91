"""keras.wrappers.scikit_learn as Keras 2 scripts use it: KerasClassifier/KerasRegressor in scikit-learn's
cross-validation, grid search and pipelines (scikit-learn is an optional test dependency)."""
import numpy as np
import pytest

import kerasish as keras
from kerasish.wrappers.scikit_learn import KerasClassifier, KerasRegressor

sklearn = pytest.importorskip("sklearn")
from sklearn.base import clone  # noqa: E402
from sklearn.metrics import accuracy_score  # noqa: E402
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold, cross_val_score  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

RNG = np.random.default_rng(0)
X = RNG.random((30, 4)).astype("float32")
LABELS = np.array(["cat", "dog", "emu"])[RNG.integers(0, 3, 30)]


pytestmark = pytest.mark.usefixtures("fresh_layer_names")


def build_classifier(hidden=4, optimizer="adam"):
    model = keras.Sequential([keras.layers.Dense(hidden, activation="relu", input_shape=(4,)),
                              keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer, "categorical_crossentropy", metrics=["accuracy"])
    return model


def build_regressor():
    model = keras.Sequential([keras.layers.Dense(1, input_shape=(4,))])
    model.compile("sgd", "mse")
    return model


def test_classifier_labels_probabilities_and_score():
    clf = KerasClassifier(build_fn=build_classifier, hidden=6, epochs=3, batch_size=8, verbose=0)
    clf.fit(X, LABELS)
    assert list(clf.classes_) == ["cat", "dog", "emu"] and clf.n_classes_ == 3
    predicted = clf.predict(X)
    assert set(predicted) <= set(clf.classes_)
    np.testing.assert_allclose(clf.predict_proba(X).sum(axis=1), 1.0, rtol=1e-5)
    assert clf.score(X, LABELS) == pytest.approx(accuracy_score(LABELS, predicted), abs=1e-6)
    assert clf.model.layers[0].units == 6  # build_fn got `hidden` from the wrapper's parameters


def test_cross_val_score_is_the_per_fold_accuracy():
    clf = KerasClassifier(build_fn=build_classifier, epochs=2, batch_size=8, verbose=0)
    assert sklearn.base.is_classifier(clf)  # so scikit-learn picks stratified folds
    keras.utils.set_random_seed(5)
    scores = cross_val_score(clf, X, LABELS, cv=StratifiedKFold(3))
    keras.utils.set_random_seed(5)
    manual = []
    for train, test in StratifiedKFold(3).split(X, LABELS):
        estimator = clone(clf)
        estimator.fit(X[train], LABELS[train])
        manual.append(accuracy_score(LABELS[test], estimator.predict(X[test])))
    np.testing.assert_allclose(scores, manual, atol=1e-6)


def test_grid_search_sets_build_and_fit_parameters():
    clf = KerasClassifier(build_fn=build_classifier, epochs=1, batch_size=8, verbose=0)
    search = GridSearchCV(clf, {"hidden": [2, 5], "epochs": [1, 2]}, cv=2).fit(X, LABELS)
    assert set(search.best_params_) == {"hidden", "epochs"}
    assert search.best_estimator_.model.layers[0].units == search.best_params_["hidden"]
    assert len(search.cv_results_["mean_test_score"]) == 4
    with pytest.raises(ValueError, match="not a legal parameter"):
        clf.set_params(no_such_argument=1)


def test_regressor_in_a_pipeline():
    y = X.sum(axis=1)
    pipe = Pipeline([("scale", StandardScaler()), ("net", KerasRegressor(build_fn=build_regressor, epochs=2,
                                                                        verbose=0))])
    scores = cross_val_score(pipe, X, y, cv=KFold(3))
    assert scores.shape == (3,) and np.all(scores <= 0)  # minus the mse


def test_regressor_predict_squeezes_and_score_is_minus_the_loss():
    reg = KerasRegressor(build_fn=build_regressor, epochs=1, verbose=0)
    y = X.sum(axis=1)
    reg.fit(X, y)
    assert reg.predict(X).shape == (30,)
    assert reg.score(X, y) == pytest.approx(-reg.model.evaluate(X, y, verbose=0), rel=1e-6)
