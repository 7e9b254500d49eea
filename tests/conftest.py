"""Test set-up: the backend comes from MINIGAN_BACKEND (numpy by default; CI runs the
suite on "numpy" and again on "strict"; "cupy" on a GPU machine)."""

import os

import pytest
from hypothesis import HealthCheck, settings

import minigan as mg

BACKEND = os.environ.get("MINIGAN_BACKEND", "numpy")

GPU_MISSING = BACKEND == "cupy" and not mg.backend.gpu_available()


def pytest_collection_modifyitems(config, items):
    """MINIGAN_BACKEND=cupy on a machine without CuPy or a GPU: every test skips, saying why."""
    if GPU_MISSING:
        skip = pytest.mark.skip(reason="MINIGAN_BACKEND=cupy but CuPy or a GPU is missing here")
        for item in items:
            item.add_marker(skip)
    elif BACKEND != "numpy":
        # host-only checks (no tensor data involved) gain nothing from a second run
        skip = pytest.mark.skip(reason=f"numpy_only: already run on the numpy backend, not again on {BACKEND}")
        for item in items:
            if item.get_closest_marker("numpy_only"):
                item.add_marker(skip)

settings.register_profile("minigan", deadline=None, max_examples=40,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile("minigan")


@pytest.fixture(autouse=True)
def _fresh_backend_and_seed():
    """Every test starts on the suite's backend with a fixed seed and grad mode on."""
    if GPU_MISSING:
        pytest.skip("MINIGAN_BACKEND=cupy but CuPy or a GPU is missing here")
    mg.backend.use(BACKEND)
    mg.manual_seed(0)
    mg.set_default_dtype("float32")
    yield
    mg.backend.use(BACKEND)
