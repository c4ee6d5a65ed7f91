"""model.summary() prints tf_keras 2.21's table, character for character (tools/make_summary_reference.py)."""
import json
import os
import sys

import pytest

import kerasish as keras

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools"))
from make_summary_reference import build_models, summary_lines  # noqa: E402

REFERENCE = json.load(open(os.path.join(os.path.dirname(__file__), "..", "data", "summary_reference.json")))


@pytest.mark.parametrize("name", ["wide_and_deep", "mlp"])
@pytest.mark.parametrize("show_trainable", [False, True])
def test_summary_text_matches_tf_keras(name, show_trainable):
    model = build_models(keras)[name]
    key = name + ("_show_trainable" if show_trainable else "")
    assert summary_lines(model, show_trainable=show_trainable) == REFERENCE[key]
