"""Warnings that point at the user's line, not at the inside of kerasish.

A warning raised deep inside `fit` is worth little if Python reports it at `kerasish/models/training.py`:
`warn` walks up the stack to the first frame outside the kerasish package and reports that line.

Example:
    >>> import warnings
    >>> from kerasish.backend.user_warnings import warn
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn("check your data")
    >>> caught[0].filename.endswith("user_warnings.py")
    False
"""
import os
import sys
import warnings

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def warn(message: str, category: type = UserWarning) -> None:
    """`warnings.warn` with the stack level of the first caller outside the kerasish package."""
    level, frame = 2, sys._getframe(1)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE_DIR + os.sep):
        frame = frame.f_back
        level += 1
    warnings.warn(message, category, stacklevel=level)
