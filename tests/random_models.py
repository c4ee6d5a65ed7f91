"""Random Keras models for the saving property tests: one seed, one model, built the same way every time.

`random_case(keras, seed)` builds, with the given Keras module (kerasish, or real tf.keras for a
cross-check), a model of one of several families: an MLP; 1D and 2D convolutions; recurrent layers
(LSTM, GRU, SimpleRNN, Bidirectional, Embedding inputs); a functional model with two inputs, a merge
layer and one or two outputs; a shared (siamese) layer; a nested Sequential/Functional model used as a
layer, sometimes twice. Layers may carry BatchNormalization and Dropout. Names are Keras's defaults,
one or two characters, or 100-250 characters long. The model is compiled with one of every optimizer
(random hyper-parameters) or left uncompiled, and trained for a few batches or left fresh.

Used by tests/test_saving_property.py and tools/check_saved_in_tf_keras.py.
"""
import string

import numpy as np

FAMILIES = ("mlp", "conv1d", "conv2d", "recurrent", "merge", "shared", "nested")
OPTIMIZERS = ("SGD", "RMSprop", "Adam", "AdamW", "Adamax", "Nadam", "Adagrad", "Adadelta", "Ftrl", "Lion",
              "Adafactor")


class Case:
    """A random model and what it was made with: `model`, `x` (inputs), `y` (targets or None when the model is
    not compiled), `description` (one line for failure messages)."""

    def __init__(self, model, x, y, description):
        self.model, self.x, self.y, self.description = model, x, y, description


class _Namer:
    """Layer names: Keras's defaults (None), one or two characters, or 100-250 characters; unique per model."""

    def __init__(self, rng, style):
        self.rng, self.style, self.used = rng, style, set()

    def __call__(self):
        if self.style == "default":
            return None
        letters = string.ascii_lowercase + string.digits + "_"
        while True:
            size = int(self.rng.integers(1, 3)) if self.style == "short" else int(self.rng.integers(100, 251))
            name = self.rng.choice(list(string.ascii_lowercase)) + "".join(self.rng.choice(list(letters), size - 1))
            if name not in self.used:
                self.used.add(name)
                return name


def _dense_block(keras, rng, name, x, units):
    L = keras.layers
    x = L.Dense(units, activation=str(rng.choice(["relu", "tanh", "linear", "sigmoid"])), name=name())(x)
    if rng.random() < 0.4:
        x = L.BatchNormalization(name=name(), momentum=float(rng.choice([0.5, 0.99])))(x)
    if rng.random() < 0.4:
        x = L.Dropout(float(rng.choice([0.1, 0.5])), name=name())(x)
    return x


def _head(keras, rng, name, x, kind):
    L = keras.layers
    if kind == "softmax":
        return L.Dense(int(rng.integers(2, 5)), activation="softmax", name=name())(x)
    if kind == "sigmoid":
        return L.Dense(1, activation="sigmoid", name=name())(x)
    return L.Dense(int(rng.integers(1, 4)), name=name())(x)


def _mlp(keras, rng, name, kind):
    inp = keras.Input((int(rng.integers(2, 7)),), name=name())
    x = inp
    for _ in range(int(rng.integers(1, 4))):
        x = _dense_block(keras, rng, name, x, int(rng.integers(2, 9)))
    out = _head(keras, rng, name, x, kind)
    if rng.random() < 0.5:  # as a Sequential model
        return keras.Sequential([keras.Input(inp.shape[1:])] + _graph_layers(keras, inp, out), name=name()), [inp]
    return keras.Model(inp, out, name=name()), [inp]


def _graph_layers(keras, inp, out):
    model = keras.Model(inp, out)
    return [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]


def _conv1d(keras, rng, name, kind):
    L = keras.layers
    inp = keras.Input((int(rng.integers(6, 10)), int(rng.integers(1, 4))), name=name())
    x = L.Conv1D(int(rng.integers(2, 5)), int(rng.integers(1, 4)), padding=str(rng.choice(["valid", "same"])),
                 activation="relu", name=name())(inp)
    if rng.random() < 0.5:
        x = L.BatchNormalization(name=name())(x)
    x = L.MaxPooling1D(2, name=name())(x)
    x = (L.GlobalAveragePooling1D if rng.random() < 0.5 else L.Flatten)(name=name())(x)
    return keras.Model(inp, _head(keras, rng, name, x, kind), name=name()), [inp]


def _conv2d(keras, rng, name, kind):
    L = keras.layers
    inp = keras.Input((int(rng.integers(5, 9)), int(rng.integers(5, 9)), int(rng.integers(1, 4))), name=name())
    x = L.Conv2D(int(rng.integers(2, 5)), int(rng.integers(1, 4)), padding=str(rng.choice(["valid", "same"])),
                 activation="relu", name=name())(inp)
    if rng.random() < 0.5:
        x = L.BatchNormalization(name=name())(x)
    x = (L.MaxPooling2D if rng.random() < 0.5 else L.AveragePooling2D)(2, name=name())(x)
    if rng.random() < 0.5:
        x = L.SeparableConv2D(int(rng.integers(2, 4)), 1, name=name())(x)
    if rng.random() < 0.3:
        x = L.Dropout(0.25, name=name())(x)
    x = (L.GlobalAveragePooling2D if rng.random() < 0.5 else L.Flatten)(name=name())(x)
    return keras.Model(inp, _head(keras, rng, name, x, kind), name=name()), [inp]


def _recurrent(keras, rng, name, kind):
    L = keras.layers
    steps = int(rng.integers(3, 7))
    if rng.random() < 0.4:
        inp = keras.Input((steps,), name=name())
        x = L.Embedding(int(rng.integers(5, 20)), int(rng.integers(2, 5)), name=name())(inp)
    else:
        inp = keras.Input((steps, int(rng.integers(1, 4))), name=name())
        x = inp
    cell = [L.LSTM, L.GRU, L.SimpleRNN][int(rng.integers(0, 3))]
    extra = {"reset_after": bool(rng.random() < 0.5)} if cell is L.GRU else {}
    sequences = bool(rng.random() < 0.5)
    rnn = cell(int(rng.integers(2, 5)), return_sequences=sequences, name=name(), **extra)
    x = L.Bidirectional(rnn, name=name())(x) if rng.random() < 0.4 else rnn(x)
    if sequences:
        x = (L.GlobalMaxPooling1D(name=name()) if rng.random() < 0.5 else L.Flatten(name=name()))(x)
    return keras.Model(inp, _head(keras, rng, name, x, kind), name=name()), [inp]


_MERGES = ("Concatenate", "Add", "Multiply", "Average", "Subtract", "Maximum", "Minimum")


def _merge(keras, rng, name, kind):
    L = keras.layers
    width = int(rng.integers(2, 6))
    a, b = keras.Input((int(rng.integers(2, 6)),), name=name()), keras.Input((int(rng.integers(2, 6)),), name=name())
    ha, hb = _dense_block(keras, rng, name, a, width), _dense_block(keras, rng, name, b, width)
    merged = getattr(L, str(rng.choice(_MERGES)))(name=name())([ha, hb])
    outputs = [_head(keras, rng, name, merged, kind)]
    if rng.random() < 0.5:
        outputs.append(_head(keras, rng, name, merged, "linear"))
    return keras.Model([a, b], outputs, name=name()), [a, b]


def _shared(keras, rng, name, kind):
    L = keras.layers
    if rng.random() < 0.5:
        size = int(rng.integers(2, 6))
        a, b = keras.Input((size,), name=name()), keras.Input((size,), name=name())
        shared = L.Dense(int(rng.integers(2, 6)), activation="tanh", name=name())
    else:
        shape = (int(rng.integers(2, 5)), int(rng.integers(1, 4)))
        a, b = keras.Input(shape, name=name()), keras.Input(shape, name=name())
        shared = L.LSTM(int(rng.integers(2, 5)), name=name())
    merged = L.Concatenate(name=name())([shared(a), shared(b)])
    return keras.Model([a, b], _head(keras, rng, name, merged, kind), name=name()), [a, b]


def _nested(keras, rng, name, kind):
    L = keras.layers
    size = int(rng.integers(2, 6))
    inner_in = keras.Input((size,), name=name())
    inner_out = _dense_block(keras, rng, name, inner_in, int(rng.integers(2, 6)))
    if rng.random() < 0.5:
        inner = keras.Sequential([keras.Input((size,))] + _graph_layers(keras, inner_in, inner_out), name=name())
    else:
        inner = keras.Model(inner_in, inner_out, name=name())
    inp = keras.Input((size,), name=name())
    x = inner(inp)
    if rng.random() < 0.4:  # the nested model called twice (its weights shared)
        x = L.Add(name=name())([x, inner(L.Dense(size, name=name())(inp))])
    return keras.Model(inp, _head(keras, rng, name, x, kind), name=name()), [inp]


def _optimizer(keras, rng, which):
    lr = float(rng.choice([0.001, 0.01, 0.05]))
    O = keras.optimizers
    if which == "SGD":
        momentum = float(rng.choice([0.0, 0.9]))
        return O.SGD(lr, momentum=momentum, nesterov=bool(momentum and rng.random() < 0.5))
    if which == "RMSprop":
        return O.RMSprop(lr, momentum=float(rng.choice([0.0, 0.5])), centered=bool(rng.random() < 0.5))
    if which == "Adam":
        return O.Adam(lr, amsgrad=bool(rng.random() < 0.3))
    if which == "AdamW":
        return O.AdamW(lr, weight_decay=float(rng.choice([0.004, 0.01])))
    if which == "Adafactor":
        return O.Adafactor(lr)
    return getattr(O, which)(lr)


def _data(keras, rng, inputs, model, n):
    xs = []
    for tensor in inputs:
        shape = (n,) + tuple(int(d) for d in tensor.shape[1:])
        embedding = [layer for layer in model.layers if type(layer).__name__ == "Embedding"]
        if embedding and len(shape) == 2 and len(inputs) == 1:
            xs.append(rng.integers(0, embedding[0].input_dim, size=shape).astype("int32"))
        else:
            xs.append(rng.normal(size=shape).astype("float32"))
    return xs if len(xs) > 1 else xs[0]


def _targets(rng, model, kind, n):
    ys = []
    for i, out in enumerate(model.outputs):
        units = int(out.shape[-1])
        if kind == "softmax" and i == 0:
            ys.append(np.eye(units, dtype="float32")[rng.integers(0, units, size=n)])
        elif kind == "sigmoid" and i == 0:
            ys.append(rng.integers(0, 2, size=(n, units)).astype("float32"))
        else:
            ys.append(rng.normal(size=(n, units)).astype("float32"))
    return ys if len(ys) > 1 else ys[0]


_LOSSES = {"softmax": "categorical_crossentropy", "sigmoid": "binary_crossentropy", "linear": "mse"}


def random_case(keras, seed):
    """Build the random model of `seed` with `keras` (kerasish or tf_keras); see the module docstring."""
    rng = np.random.default_rng(seed)
    keras.utils.set_random_seed(seed)
    family = FAMILIES[seed % len(FAMILIES)]
    style = str(rng.choice(["default", "short", "long"], p=[0.4, 0.3, 0.3]))
    kind = str(rng.choice(["softmax", "sigmoid", "linear"]))
    name = _Namer(rng, style)
    builder = {"mlp": _mlp, "conv1d": _conv1d, "conv2d": _conv2d, "recurrent": _recurrent, "merge": _merge,
               "shared": _shared, "nested": _nested}[family]
    model, inputs = builder(keras, rng, name, kind)
    x = _data(keras, rng, inputs, model, 8)
    which = OPTIMIZERS[seed % len(OPTIMIZERS)]  # 7 families x 11 optimizers: every pair within 77 seeds
    state = str(rng.choice(["uncompiled", "fresh", "trained"], p=[0.1, 0.3, 0.6]))
    description = f"seed {seed}: {family}, {style} names, {kind} head, {state}"
    if state == "uncompiled":
        return Case(model, x, None, description)
    losses = [_LOSSES[kind]] + ["mse"] * (len(model.outputs) - 1)
    model.compile(optimizer=_optimizer(keras, rng, which), loss=losses if len(losses) > 1 else losses[0],
                  metrics=["accuracy"] if kind != "linear" and len(losses) == 1 else None)
    y = _targets(rng, model, kind, 8)
    if state == "trained":
        model.fit(x, y, batch_size=4, epochs=int(rng.integers(1, 3)), verbose=0)
    return Case(model, x, y, f"{description} with {which}")
