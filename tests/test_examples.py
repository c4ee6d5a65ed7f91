"""The first-hour examples in examples/ run to the end (1 epoch each, in a fresh Python process)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

import kerasish as keras

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
KERAS_H5 = ROOT.parent / "shared" / "compat" / "data" / "mlp" / "model.h5"

# the layers each example needs beyond Dense/Dropout/Flatten (written by other parts of the project)
NEEDS = {
    "digits_cnn.py": ["Conv2D", "MaxPooling2D"],
    "text_classifier.py": ["Embedding", "LSTM"],
}
SCRIPTS = ["callbacks.py", "custom_layer.py", "custom_training_loop.py", "digits_cnn.py", "digits_mlp.py",
           "distributed_digits.py",
           "load_keras_h5.py", "multi_io_functional.py", "text_classifier.py", "transfer_learning.py"]


def run_example(name, *args, cwd):
    """Runs an example in `cwd` (a scratch folder: examples write their files where they are run)."""
    env = dict(os.environ, KERASISH_EXAMPLE_EPOCHS="1", MPLBACKEND="Agg",
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    result = subprocess.run([sys.executable, str(EXAMPLES / name), *args], cwd=str(cwd), env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"{name} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout


def test_the_examples_exist():
    assert set(SCRIPTS) <= {p.name for p in EXAMPLES.glob("*.py")}


@pytest.mark.parametrize("name", SCRIPTS)
def test_example_runs(name, tmp_path):
    missing = [layer for layer in NEEDS.get(name, []) if not hasattr(keras.layers, layer)]
    if missing:
        pytest.skip(f"{name} needs kerasish.layers.{', '.join(missing)}, not written yet")
    out = run_example(name, "--epochs", "1", cwd=tmp_path)
    assert out.strip()
    written = sorted(p.name for p in tmp_path.iterdir())
    for path in written:  # whatever an example writes, it says where
        assert path in out, f"{name} wrote {path} without saying so:\n{out[-2000:]}"


@pytest.mark.skipif(not KERAS_H5.exists(), reason=f"no Keras-saved model at {KERAS_H5}")
def test_load_keras_h5_on_a_file_saved_by_keras(tmp_path):
    out = run_example("load_keras_h5.py", str(KERAS_H5), cwd=tmp_path)
    assert "largest difference" in out and "same predictions: True" in out
