"""Deep Learning with Python (2nd ed.)'s Keras patterns against tf_keras 2.21 (tools/dlwp2_reference.py).

Each case is the tool's own code run on kerasish: a Model subclass called with inputs and outputs
whose train_step unpacks `(inputs, targets)`, a VAE and a GAN whose train_step gets the images alone,
and a Transformer encoder built from custom layers. Same weights, same data, no shuffling: the
training logs, predictions and layer names must be tf_keras's.
"""
import json
import pathlib
import sys

import numpy as np
import pytest

import kerasish as keras
from kerasish.utils import Dataset

sys.path.insert(0, str(pathlib.Path(__file__).parents[2] / "tools"))
import dlwp2_reference as ref  # noqa: E402

EXPECTED = json.loads((pathlib.Path(__file__).parents[1] / "fixtures" / "dlwp2_tf_keras.json").read_text())


def _assert_close(got, want, path=""):
    if isinstance(want, dict):
        assert sorted(got) == sorted(want), path
        for key in want:
            _assert_close(got[key], want[key], f"{path}/{key}")
    elif isinstance(want, list) and want and isinstance(want[0], str) or isinstance(want, str):
        assert got == want, path
    else:  # float32 training on both sides: round-off only
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=1e-6, err_msg=path)


@pytest.mark.parametrize("name", sorted(ref.CASES))
def test_dlwp2_pattern_matches_tf_keras(name):
    _assert_close(ref.run_case(name, keras, keras.GradientTape, Dataset), EXPECTED[name], name)
