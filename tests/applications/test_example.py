"""examples/finetune_pretrained.py runs to the end offline (`--weights none`, a synthetic image folder)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_finetune_example_runs_offline(tmp_path):
    env = dict(os.environ, KERASISH_EXAMPLE_EPOCHS="1", PYTHONPATH=str(ROOT), KERAS_HOME=str(tmp_path))
    result = subprocess.run([sys.executable, str(ROOT / "examples" / "finetune_pretrained.py"), "--weights", "none",
                             "--size", "64"], cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "validation accuracy:" in result.stdout and "saved to" in result.stdout
    assert not (tmp_path / "models").exists()  # nothing was downloaded
