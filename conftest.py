"""Doctests of modules that serve an optional extra run only where the extra is installed (the quick test run
installs no extras; CI's complete run installs them all)."""
import importlib.util

_EXTRA_MODULES = {"tensorboard": ["kerasish/callbacks/tensorboard.py"]}

collect_ignore = [path for package, paths in _EXTRA_MODULES.items() if importlib.util.find_spec(package) is None
                  for path in paths]
