"""Fixtures shared by the test modules."""
import pytest


@pytest.fixture()
def fresh_layer_names():
    """Restart automatic layer names after the test, so later doctests see the names they expect."""
    yield
    from kerasish import backend

    backend.clear_session()
