"""Access to the tf.keras reference data of tests/applications (made by tools/applications_reference.py).

The tool's recipe functions (seeded weights and inputs) are plain numpy and are loaded from the tool itself,
so both sides use the very same code.
"""
import gzip
import importlib.util
import json
from functools import lru_cache
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
TOOL = HERE.parents[1] / "tools" / "applications_reference.py"


def _load_tool():
    spec = importlib.util.spec_from_file_location("applications_reference", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tool = _load_tool()


def manifest_keys():
    return sorted(p.name[:-len(".json.gz")] for p in (HERE / "manifests").glob("*.json.gz"))


def load_manifest(key):
    with gzip.open(HERE / "manifests" / f"{key}.json.gz", "rt") as f:
        return json.load(f)


@lru_cache(maxsize=1)
def predictions():
    with np.load(HERE / "reference_predictions.npz") as data:
        return dict(data)


def constructor_kwargs(kwargs):
    """JSON turned tuples into lists: give input shapes back as tuples."""
    return {k: tuple(v) if isinstance(v, list) else v for k, v in kwargs.items()}


def set_recipe_weights(model, **options):
    model.set_weights(tool.recipe_weights(tool.weight_specs(model), **options))
