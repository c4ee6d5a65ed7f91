"""Keras 2's scikit-learn wrappers: a model-building function used as a scikit-learn estimator.

`KerasClassifier(build_fn=..., epochs=..., batch_size=...)` and `KerasRegressor` work in
scikit-learn's `cross_val_score`, `GridSearchCV` and pipelines. scikit-learn itself is optional: the
wrappers need it only when scikit-learn calls them.

Arguments given to the wrapper (`sk_params`) go where their names fit: to `build_fn`, to `fit`, to
`predict` or to `evaluate`; `set_params` (what grid search calls) changes them.

Example:
    >>> import numpy as np
    >>> import kerasish as keras
    >>> def build(units=4):
    ...     model = keras.Sequential([keras.layers.Dense(units, activation="relu", input_shape=(3,)),
    ...                               keras.layers.Dense(2, activation="softmax")])
    ...     model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    ...     return model
    >>> clf = KerasClassifier(build_fn=build, units=8, epochs=2, batch_size=4, verbose=0)
    >>> x, y = np.random.rand(12, 3), np.array(["a", "b"] * 6)
    >>> _ = clf.fit(x, y)
    >>> clf.predict(x[:3]).shape, clf.predict_proba(x[:3]).shape, clf.classes_.tolist()
    ((3,), (3, 2), ['a', 'b'])
"""
import copy
import types

import numpy as np

from ..losses import is_categorical_crossentropy
from ..models import Sequential
from ..utils.generic_utils import has_arg, to_list
from ..utils.np_utils import to_categorical

_FIT, _PREDICT, _EVALUATE = Sequential.fit, Sequential.predict, Sequential.evaluate


class BaseWrapper:
    """The common part of the wrappers: parameter handling (`get_params`/`set_params`) and `fit`.

    Args:
        build_fn: a function (or callable object) returning a compiled model; None means the
            wrapper's own `__call__` (subclass and define it).
        **sk_params: arguments of `build_fn`, `fit`, `predict` or `evaluate` (`epochs`, `batch_size`, ...).
    """

    _estimator_type = None  # "classifier" / "regressor": scikit-learn before 1.6 reads this

    def __init__(self, build_fn=None, **sk_params):
        self.build_fn = build_fn
        self.sk_params = sk_params
        self.check_params(sk_params)

    def _build_signature(self):
        if self.build_fn is None:
            return self.__call__
        if not isinstance(self.build_fn, (types.FunctionType, types.MethodType)):
            return self.build_fn.__call__
        return self.build_fn

    def check_params(self, params: dict) -> None:
        """Raise a ValueError for a parameter that no function of the wrapper takes."""
        functions = (_FIT, _PREDICT, _EVALUATE, self._build_signature())
        for name in params:
            if name != "nb_epoch" and not any(has_arg(fn, name) for fn in functions):
                raise ValueError(f"{name} is not a legal parameter: it is an argument of neither the build "
                                 "function nor `fit`, `predict` or `evaluate`")

    def get_params(self, **params) -> dict:
        """`build_fn` and the `sk_params` (scikit-learn's `get_params(deep=...)`)."""
        return dict(self.sk_params, build_fn=self.build_fn)

    def set_params(self, **params):
        """Update `sk_params` (checked as in the constructor); returns self."""
        self.check_params(params)
        self.sk_params.update(params)
        return self

    def filter_sk_params(self, fn, override=None) -> dict:
        """The `sk_params` that `fn` takes, updated with `override`."""
        result = {name: value for name, value in self.sk_params.items() if has_arg(fn, name)}
        result.update(override or {})
        return result

    def fit(self, x, y, **kwargs):
        """Build a new model with `build_fn` and train it on `x`, `y`; returns the History.

        Integer labels are one-hot encoded when the model's loss is categorical crossentropy.
        """
        if self.build_fn is None:
            self.model = self.__call__(**self.filter_sk_params(self.__call__))
        else:
            self.model = self.build_fn(**self.filter_sk_params(self._build_signature()))
        y = np.asarray(y)
        if is_categorical_crossentropy(self.model.loss) and len(y.shape) != 2:
            y = to_categorical(y)
        fit_args = copy.deepcopy(self.filter_sk_params(_FIT))
        fit_args.update(kwargs)
        return self.model.fit(x, y, **fit_args)

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "model")  # pipelines check this before `score`

    def __sklearn_tags__(self):
        from sklearn.utils import ClassifierTags, RegressorTags, Tags, TargetTags

        tags = Tags(estimator_type=self._estimator_type, target_tags=TargetTags(required=True))
        if self._estimator_type == "classifier":
            tags.classifier_tags = ClassifierTags()
        elif self._estimator_type == "regressor":
            tags.regressor_tags = RegressorTags()
        return tags


class KerasClassifier(BaseWrapper):
    """A classifier for scikit-learn: labels may be any values (kept in `classes_`) or one-hot rows.

    `score` is the model's accuracy (compile it with `metrics=["accuracy"]`).
    """

    _estimator_type = "classifier"

    def fit(self, x, y, sample_weight=None, **kwargs):
        """Train on `x` and labels `y` (1-D of any values, a column of them, or one-hot rows)."""
        y = np.array(y)
        if len(y.shape) == 2 and y.shape[1] > 1:
            self.classes_ = np.arange(y.shape[1])
        elif (len(y.shape) == 2 and y.shape[1] == 1) or len(y.shape) == 1:
            self.classes_ = np.unique(y)
            y = np.searchsorted(self.classes_, y)
        else:
            raise ValueError(f"KerasClassifier: invalid shape for y: {y.shape}; expected (n,), (n, 1) or one-hot "
                             "(n, classes)")
        self.n_classes_ = len(self.classes_)
        if sample_weight is not None:
            kwargs["sample_weight"] = sample_weight
        return super().fit(x, y, **kwargs)

    def predict(self, x, **kwargs):
        """The predicted labels (values from `classes_`)."""
        probabilities = self.model.predict(x, **self.filter_sk_params(_PREDICT, kwargs))
        if probabilities.shape[-1] > 1:
            classes = probabilities.argmax(axis=-1)
        else:
            classes = (probabilities > 0.5).astype("int32")
        return self.classes_[classes]

    def predict_proba(self, x, **kwargs):
        """Class probabilities, one column per class (two columns for a one-unit sigmoid model)."""
        probabilities = self.model.predict(x, **self.filter_sk_params(_PREDICT, kwargs))
        if probabilities.shape[1] == 1:  # P(class 0) and P(class 1) of a binary model
            probabilities = np.hstack([1 - probabilities, probabilities])
        return probabilities

    def score(self, x, y, **kwargs) -> float:
        """The model's accuracy on `x`, `y` (`evaluate`'s "accuracy"/"acc" value)."""
        y = np.searchsorted(self.classes_, y)
        if is_categorical_crossentropy(self.model.loss) and len(y.shape) != 2:
            y = to_categorical(y)
        outputs = to_list(self.model.evaluate(x, y, **self.filter_sk_params(_EVALUATE, kwargs)))
        for name, output in zip(self.model.metrics_names, outputs):
            if name in ("accuracy", "acc"):
                return output
        raise ValueError("The model is not configured to compute accuracy. You should pass "
                         '`metrics=["accuracy"]` to the `model.compile()` method.')


class KerasRegressor(BaseWrapper):
    """A regressor for scikit-learn; `score` is minus the model's loss (higher is better)."""

    _estimator_type = "regressor"

    def predict(self, x, **kwargs):
        """Predictions, with a last axis of size 1 squeezed away."""
        predictions = np.array(self.model.predict(x, **self.filter_sk_params(_PREDICT, kwargs)))
        if predictions.shape[-1] == 1:
            return np.squeeze(predictions, axis=-1)
        return predictions

    def score(self, x, y, **kwargs) -> float:
        """Minus the loss on `x`, `y`."""
        loss = self.model.evaluate(x, y, **self.filter_sk_params(_EVALUATE, kwargs))
        return -loss[0] if isinstance(loss, list) else -loss
