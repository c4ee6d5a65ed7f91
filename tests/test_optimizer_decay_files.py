"""An optimizer with the pre-2.11 `decay` is saved as tf_keras's legacy class: tf_keras's current optimizers
refuse `decay` ("decay is deprecated in the new Keras optimizer"), so a file with it must carry the legacy
class's config (tf_keras/src/optimizers/legacy/*.py get_config) and its state order (iteration, then every
variable's first slot, then every variable's second slot). Checked by hand against tf_keras 2.21: these
files load there as legacy Adam/SGD/Adamax/Adadelta and one more training step agrees within 6e-8. RMSprop and
Adagrad (Keras 2's cifar10_cnn.py example compiles RMSprop(decay=1e-6)) load as their legacy classes too, with
every state array equal; those put epsilon outside the square root (RMSprop without momentum, Adagrad), and one
more step agrees within 1.1e-6 (tools/check_decay_files_in_tf_keras.py prints all of these)."""
import h5py
import numpy as np
import pytest

import kerasish as keras

# tf_keras 2.21's legacy get_config keys (besides `name` and `decay`), and its slot names in creation order
LEGACY = {
    "Adam": (lambda: keras.optimizers.Adam(0.01, decay=0.05, amsgrad=True),
             {"learning_rate", "beta_1", "beta_2", "epsilon", "amsgrad"}, 3),
    "SGD": (lambda: keras.optimizers.SGD(0.05, momentum=0.9, decay=0.1), {"learning_rate", "momentum", "nesterov"}, 1),
    "Adamax": (lambda: keras.optimizers.Adamax(0.01, decay=0.05), {"learning_rate", "beta_1", "beta_2", "epsilon"}, 2),
    "Adadelta": (lambda: keras.optimizers.Adadelta(1.0, decay=0.05), {"learning_rate", "rho", "epsilon"}, 2),
    "RMSprop": (lambda: keras.optimizers.RMSprop(0.01, decay=1e-2), {"learning_rate", "rho", "momentum", "epsilon",
                                                                    "centered"}, 1),
    "RMSprop_momentum_centered": (lambda: keras.optimizers.RMSprop(0.01, momentum=0.9, centered=True, decay=1e-2),
                                  {"learning_rate", "rho", "momentum", "epsilon", "centered"}, 3),
    "Adagrad": (lambda: keras.optimizers.Adagrad(0.05, decay=1e-2), {"learning_rate", "initial_accumulator_value",
                                                                    "epsilon"}, 1),
}


def _trained(make_optimizer):
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((32, 5)).astype("float32"), rng.standard_normal((32, 2)).astype("float32")
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.layers.Dense(4, activation="tanh", input_shape=(5,)), keras.layers.Dense(2)])
    model.compile(make_optimizer(), "mse")
    model.fit(x, y, batch_size=16, epochs=2, verbose=0)
    return model, x, y


@pytest.mark.parametrize("name", sorted(LEGACY))
def test_decay_is_saved_as_the_legacy_class(name, tmp_path):
    import json

    make, keys, slot_kinds = LEGACY[name]
    model, x, y = _trained(make)
    path = str(tmp_path / "model.h5")
    model.save(path)
    with h5py.File(path, "r") as f:
        training = json.loads(f.attrs["training_config"])
        weight_names = [n.decode() if isinstance(n, bytes) else n
                        for n in f["optimizer_weights"].attrs["weight_names"]]
        values = [np.asarray(f["optimizer_weights"][n]) for n in weight_names]
    config = training["optimizer_config"]["config"]
    assert set(config) == keys | {"name", "decay"}  # no is_legacy_optimizer, weight_decay, use_ema, ...
    assert config["decay"] == pytest.approx(make().decay)
    # legacy order: the iteration, then each slot kind for all four model variables
    # (kerasish's own variables are named "<optimizer>/<slot kind>/<model variable>")
    current = list(model.optimizer.variables)
    assert len(values) == 1 + 4 * slot_kinds == len(current)
    assert values[0] == model.optimizer.iterations.numpy() == 4
    kinds = list(dict.fromkeys(v.name.split("/")[1] for v in current[1:]))
    assert len(kinds) == slot_kinds
    grouped = [v.numpy() for kind in kinds for v in current[1:] if v.name.split("/")[1] == kind]
    for got, want in zip(values[1:], grouped):
        np.testing.assert_array_equal(got, want)
    # and it reloads here into the current class, continuing exactly where it stopped
    loaded = keras.models.load_model(path)
    assert type(loaded.optimizer) is type(model.optimizer) and loaded.optimizer.decay == model.optimizer.decay
    model.train_on_batch(x[:16], y[:16])
    loaded.train_on_batch(x[:16], y[:16])
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_without_decay_the_current_layout_is_kept(tmp_path):
    model, _, _ = _trained(lambda: keras.optimizers.Adam(0.01))
    path = str(tmp_path / "model.h5")
    model.save(path)
    with h5py.File(path, "r") as f:
        import json

        assert json.loads(f.attrs["training_config"])["optimizer_config"]["config"]["is_legacy_optimizer"] is False
