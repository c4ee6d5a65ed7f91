"""`python -m kerasish` (the README's first command) trains, saves, reloads and reaches > 0.95 accuracy."""
import re
import subprocess
import sys


def test_demo_runs_and_reaches_high_accuracy():
    result = subprocess.run([sys.executable, "-m", "kerasish"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    accuracy = float(re.search(r"test accuracy: ([0-9.]+)", result.stdout).group(1))
    assert accuracy > 0.95
    assert "identical predictions: True" in result.stdout
    assert "Epoch 20/20" in result.stdout


def test_help_prints_usage_and_trains_nothing():
    result = subprocess.run([sys.executable, "-m", "kerasish", "--help"], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0
    assert result.stdout.startswith("usage: python -m kerasish")
    assert "--epochs" in result.stdout
    assert "Epoch" not in result.stdout


def test_save_option_keeps_the_model_where_asked(tmp_path):
    path = tmp_path / "kept.h5"
    result = subprocess.run([sys.executable, "-m", "kerasish", "--epochs", "1", "--save", str(path)],
                            capture_output=True, text=True, timeout=300)
    assert f"model saved to {path}" in result.stdout
    assert path.exists()
