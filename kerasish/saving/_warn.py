"""Saving's warnings point at the user's line (the helper lives in the engine, which every floor may use)."""
from ..backend.user_warnings import warn  # noqa: F401
