"""Build and run one differential-oracle case with any Keras-2-compatible module.

The same code runs a case on tf_keras (when `tools/make_oracle.py` records the corpus) and on
kerasish (when `tests/oracle/test_oracle.py` replays it), so the two sides cannot drift apart:
only the `keras` module passed in differs.

A case is JSON: `{"id", "family", "seed", "runs": [run, ...]}`. The runs of a case share one
session (`clear_session` once, before the first), which is how "several models per process"
cases test metric naming. A run is

    {"model": model_spec, "compile": {...object specs...}, "ops": [[op, kwargs], ...]}

and op arguments name its arrays (inputs, targets, weights), given as `{"r<run>/<name>": array}`
(the corpus packs them, see make_oracle.py). Object specs are plain JSON values, or
`{"module": "metrics", "name": "AUC", "args": {...}}` (called with its args),
`{"module": "losses", "name": "mse", "ref": true}` (the function or class itself) and
`{"custom": "mse_by_hand"}` (a user's own loss or metric, see `custom_objects`).

Example:
    >>> import kerasish as keras
    >>> build_object(keras, {"module": "metrics", "name": "AUC", "args": {"num_thresholds": 3}}).num_thresholds
    3
"""
import numpy as np


def custom_objects(keras):
    """A user's own losses and metrics, written with `keras.backend` as Keras 2 code writes them."""
    K = keras.backend

    def mse_by_hand(y_true, y_pred):
        return K.mean(K.square(y_pred - y_true), axis=-1)

    def abs_error_sum(y_true, y_pred):
        return K.sum(K.abs(y_pred - y_true), axis=-1)

    def max_abs_error(y_true, y_pred):  # one value per batch, as some users write metrics
        return K.max(K.abs(y_pred - y_true))

    def mean_prediction(y_true, y_pred):
        return K.mean(y_pred)

    def doubled_bce(y_true, y_pred):
        return 2.0 * K.mean(K.binary_crossentropy(y_true, y_pred), axis=-1)

    class HalfMSE(keras.losses.Loss):
        def call(self, y_true, y_pred):
            return 0.5 * K.mean(K.square(y_pred - y_true), axis=-1)

    class PositiveRate(keras.metrics.Metric):
        def __init__(self, name="positive_rate", **kwargs):
            super().__init__(name=name, **kwargs)
            self.positive = self.add_weight(name="positive", initializer="zeros")
            self.seen = self.add_weight(name="seen", initializer="zeros")

        def update_state(self, y_true, y_pred, sample_weight=None):
            above = K.cast(y_pred > 0.5, "float32")
            self.positive.assign_add(K.sum(above))
            self.seen.assign_add(K.sum(K.ones_like(above)))

        def result(self):
            return self.positive / self.seen

    return {f.__name__: f for f in (mse_by_hand, abs_error_sum, max_abs_error, mean_prediction, doubled_bce,
                                    HalfMSE, PositiveRate)}


def build_object(keras, spec):
    """The Python value a spec describes, made with `keras` (nested lists and dicts are resolved too)."""
    if isinstance(spec, dict) and "custom" in spec:
        obj = custom_objects(keras)[spec["custom"]]
        return obj(**spec.get("args", {})) if isinstance(obj, type) else obj
    if isinstance(spec, dict) and "module" in spec:
        owner = keras
        for part in spec["module"].split("."):
            owner = getattr(owner, part)
        obj = getattr(owner, spec["name"])
        if spec.get("ref"):
            return obj
        return obj(**{k: build_object(keras, v) for k, v in spec.get("args", {}).items()})
    if isinstance(spec, list):
        return [build_object(keras, v) for v in spec]
    if isinstance(spec, dict):
        return {k: build_object(keras, v) for k, v in spec.items()}
    return spec


def build_layer(keras, spec):
    """A layer from its spec, or a whole model used as a layer: `{"submodel": model spec, "trainable": bool}`."""
    if "submodel" in spec:
        inner = build_model(keras, spec["submodel"])
        inner.trainable = spec.get("trainable", True)
        return inner
    return build_object(keras, spec)


def build_model(keras, spec):
    """A Sequential or Functional model from its spec (see make_oracle.py for the shapes it takes; a layer or
    a Functional node may also be a nested model, see `build_layer`)."""
    if spec["type"] == "sequential":
        head = [keras.Input(shape=tuple(spec["input_shape"]), dtype=spec.get("input_dtype", "float32"))]
        return keras.Sequential(head + [build_layer(keras, layer) for layer in spec["layers"]])
    tensors = {}
    inputs = []
    for i, inp in enumerate(spec["inputs"]):
        t = keras.Input(shape=tuple(inp["shape"]), dtype=inp.get("dtype", "float32"), name=inp.get("name"))
        tensors[f"in{i}"] = t
        inputs.append(t)
    for node in spec["nodes"]:
        layer = build_layer(keras, node.get("layer", node))
        args = [tensors[r] for r in node["inputs"]]
        kwargs = node.get("kwargs", {})
        tensors[node["id"]] = layer(args, **kwargs) if node.get("as_list") else layer(*args, **kwargs)
    outputs = [tensors[r] for r in spec["outputs"]]
    return keras.Model(inputs if len(inputs) > 1 else inputs[0], outputs if len(outputs) > 1 else outputs[0])


def _arrays(ref, arrays):
    """Resolve an array reference: a name, a list or dict of names, or None."""
    if ref is None:
        return None
    if isinstance(ref, str):
        return arrays[ref]
    if isinstance(ref, list):
        return [_arrays(r, arrays) for r in ref]
    if isinstance(ref, dict):
        return {k: _arrays(r, arrays) for k, r in ref.items()}
    raise TypeError(f"bad array reference {ref!r}")


def _plain(value):
    """JSON-friendly float / list of floats from a logged value."""
    arr = np.asarray(value, dtype=np.float64)
    return float(arr) if arr.ndim == 0 else arr.tolist()


def _kwargs(kwargs, arrays):
    out = dict(kwargs)
    for key in ("x", "y", "sample_weight"):
        if key in out:
            out[key] = _arrays(out[key], arrays)
    if "validation_data" in out:
        out["validation_data"] = tuple(_arrays(r, arrays) for r in out["validation_data"])
    if "class_weight" in out:
        out["class_weight"] = {int(k): v for k, v in out["class_weight"].items()}
    return out


def run_op(model, op, kwargs, arrays):
    """Run one op; returns its JSON-able result (dicts of floats) or arrays (predict)."""
    kw = _kwargs(kwargs, arrays)
    if op == "evaluate":
        result = model.evaluate(verbose=0, return_dict=True, **kw)
        return {"keys": list(result), "values": {k: _plain(v) for k, v in result.items()}}
    if op == "fit":
        history = model.fit(verbose=0, shuffle=False, **kw).history
        return {"keys": list(history), "values": {k: [_plain(v) for v in vs] for k, vs in history.items()}}
    if op in ("train_on_batch", "test_on_batch"):
        result = getattr(model, op)(return_dict=True, **kw)
        return {"keys": list(result), "values": {k: _plain(v) for k, v in result.items()}}
    if op == "predict":
        out = model.predict(verbose=0, **kw)
        return [np.asarray(o) for o in out] if isinstance(out, (list, tuple)) else [np.asarray(out)]
    raise ValueError(f"unknown op {op!r}")


def run_case(keras, case, arrays, initial_weights=None, run_eagerly=None):
    """Run every run of `case` in one fresh session.

    Args:
        keras: tf_keras or kerasish.
        case: the case dict.
        arrays: `{"r0/x": ndarray, ...}` for this case (names without the case id).
        initial_weights: a function `(run_index, model) -> list of arrays` giving the weights to start
            from (the recorder draws and rounds them; the replay reads them from the corpus).

    Returns:
        One dict per run: `{"ops": [result per op], "weights": [final weights]}`.
    """
    keras.backend.clear_session()
    results = []
    for r, run in enumerate(case["runs"]):
        run_arrays = {k[len(f"r{r}/"):]: v for k, v in arrays.items() if k.startswith(f"r{r}/")}
        model = build_model(keras, run["model"])
        model.set_weights(initial_weights(r, model))
        compile_args = build_object(keras, run["compile"])
        if run_eagerly is not None:
            compile_args["run_eagerly"] = run_eagerly
        model.compile(**compile_args)
        ops = [run_op(model, op, kwargs, run_arrays) for op, kwargs in run["ops"]]
        results.append({"ops": ops, "weights": [np.asarray(w) for w in model.get_weights()]})
    return results
