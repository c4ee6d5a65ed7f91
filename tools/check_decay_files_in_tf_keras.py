"""Load kerasish's `.h5` files of optimizers with the pre-2.11 `decay` in real tf_keras, and compare.

tf_keras's current optimizers refuse `decay`, so kerasish saves such an optimizer as tf_keras's legacy class
(tests/test_optimizer_decay_files.py). For each optimizer there, this script trains a small model with
kerasish, saves it, and has tf_keras (in its own Python) load the file and check what a user would notice:
the model loads compiled with the legacy class, its state equals kerasish's, and one more `train_on_batch`
moves the weights as kerasish's does (largest difference printed; RMSprop without momentum and Adagrad put
epsilon outside the square root in their legacy classes, so theirs differ by that much).

Run (kerasish importable in the first Python; the second has tensorflow + tf_keras):

    PYTHONPATH=. python tools/check_decay_files_in_tf_keras.py --tf-python /tmp/tfenv/bin/python
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

TF_SIDE = r"""
import json, sys
import numpy as np
import tf_keras as keras
folder, names = sys.argv[1], json.loads(sys.argv[2])
for name in names:
    data = np.load(f"{folder}/{name}.npz")
    model = keras.models.load_model(f"{folder}/{name}.h5")
    opt = model.optimizer
    state = opt.get_weights()
    saved = [data[f"state{i}"] for i in range(int(data["n_state"]))]
    state_diff = max(float(np.max(np.abs(a - b))) for a, b in zip(state, saved)) if len(state) == len(saved) else None
    model.train_on_batch(data["x"], data["y"])
    step_diff = max(float(np.max(np.abs(w - data[f"after{i}"]))) for i, w in enumerate(model.get_weights()))
    print(json.dumps({"name": name, "class": f"{type(opt).__module__}.{type(opt).__name__}",
                      "state_arrays": [len(state), len(saved)], "state_diff": state_diff, "step_diff": step_diff}))
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tf-python", required=True, help="a Python with tensorflow and tf_keras")
    args = parser.parse_args()
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
    from test_optimizer_decay_files import LEGACY, _trained

    folder = tempfile.mkdtemp(prefix="decay_files_")
    for name, (make, _, _) in LEGACY.items():
        model, x, y = _trained(make)
        model.save(f"{folder}/{name}.h5")
        state = [np.array(v.numpy(), copy=True) for v in model.optimizer.legacy_variables()]  # updates are in place
        model.train_on_batch(x[:16], y[:16])
        np.savez(f"{folder}/{name}.npz", x=x[:16], y=y[:16], n_state=len(state),
                 **{f"state{i}": s for i, s in enumerate(state)},
                 **{f"after{i}": w for i, w in enumerate(model.get_weights())})
    out = subprocess.run([args.tf_python, "-c", TF_SIDE, folder, json.dumps(list(LEGACY))],
                         capture_output=True, text=True)
    if out.returncode:
        print(out.stderr[-3000:])
        sys.exit(1)
    for line in out.stdout.splitlines():
        if line.startswith("{"):
            print(line)


if __name__ == "__main__":
    main()
