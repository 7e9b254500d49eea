"""Backends: choosing them, the strict backend's CuPy-like refusals, seeding."""

import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest

import minigan as mg
from minigan.backend.strict import StrictArray, StrictHostConversionError


def test_unknown_backend_is_refused():
    with pytest.raises(ValueError, match="unknown backend 'torch'"):
        mg.backend.use("torch")


@pytest.mark.skipif(mg.backend.gpu_available(), reason="CuPy and a GPU are present here")
def test_cupy_unavailable_says_which_part_is_missing():
    with pytest.raises(mg.backend.BackendUnavailableError) as error:
        mg.backend.use("cupy")
    if importlib.util.find_spec("cupy") is None:
        assert "not installed" in str(error.value)
    else:
        assert "no usable GPU" in str(error.value) or "no GPU" in str(error.value)


@pytest.mark.skipif(mg.backend.gpu_available(), reason="CuPy and a GPU are present here")
def test_environment_variable_cupy_without_gpu_fails_at_first_use_with_explanation():
    script = ("import minigan as mg\ntry:\n    mg.tensor([1.0])\n"
              "except mg.backend.BackendUnavailableError as e:\n    print('ERR', e)")
    env = dict(os.environ, MINIGAN_BACKEND="cupy")
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.startswith("ERR MINIGAN_BACKEND=cupy: backend 'cupy'")


def test_strict_arrays_refuse_implicit_host_conversion():
    mg.backend.use("strict")
    x = mg.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert isinstance(x.data, StrictArray)
    with pytest.raises(StrictHostConversionError):
        np.asarray(x.data)
    with pytest.raises(TypeError):
        np.tanh(x.data)
    with pytest.raises(StrictHostConversionError):
        x.data + np.ones(2)
    with pytest.raises(StrictHostConversionError):
        np.ones(2) * x.data
    with pytest.raises(TypeError, match="only one-element arrays convert"):
        float(x.data)
    with pytest.raises(StrictHostConversionError):
        mg.backend.xp().tanh(np.ones(2))


def test_strict_arrays_allow_explicit_transfers_and_scalars():
    mg.backend.use("strict")
    x = mg.tensor([[1.0, 2.0], [3.0, 4.0]], dtype="float64")
    host = x.numpy()
    assert type(host) is np.ndarray and np.array_equal(host, [[1.0, 2.0], [3.0, 4.0]])
    assert float(x.data.sum()) == 10.0  # one-element arrays convert, as on CuPy
    assert isinstance(x.data.sum(), StrictArray)  # reductions give 0-d arrays, not NumPy scalars
    assert x.sum().item() == 10.0


def test_numpy_and_strict_compute_the_same_numbers():
    data = np.random.default_rng(1).standard_normal((3, 4))
    results = []
    for name in ("numpy", "strict"):
        mg.backend.use(name)
        w = mg.tensor(data, requires_grad=True)
        y = (mg.softplus(w @ w.T) * mg.tanh(w).sum()).mean()
        (g,) = mg.grad(y, w)
        results.append((y.item(), g.numpy()))
    assert results[0][0] == results[1][0]
    assert np.array_equal(results[0][1], results[1][1])


def test_seeded_draws_are_identical_on_every_backend():
    draws = []
    for name in ("numpy", "strict"):
        mg.backend.use(name)
        mg.manual_seed(123)
        draws.append(mg.backend.to_host(mg.backend.random_normal((5,), dtype="float64")))
    assert np.array_equal(draws[0], draws[1])
    mg.manual_seed(123)
    assert np.array_equal(np.random.default_rng(123).standard_normal(5), mg.backend.to_host(
        mg.backend.random_normal((5,), dtype="float64")))


def test_rng_state_round_trip_restores_the_stream():
    mg.manual_seed(7)
    state = mg.backend.get_rng_state()
    first = mg.backend.to_host(mg.backend.random_uniform((4,)))
    mg.backend.set_rng_state(state)
    again = mg.backend.to_host(mg.backend.random_uniform((4,)))
    assert np.array_equal(first, again)


def test_to_host_and_asarray_move_between_backends():
    mg.backend.use("strict")
    device = mg.backend.asarray(np.arange(3.0))
    assert isinstance(device, StrictArray)
    assert mg.backend.backend_of(device) == "strict"
    back = mg.backend.asarray(device, backend="numpy")
    assert type(back) is np.ndarray and np.array_equal(back, [0.0, 1.0, 2.0])


@pytest.mark.skipif(not mg.backend.gpu_available(), reason="needs CuPy and a GPU")
def test_cupy_matches_numpy_on_a_small_graph():
    data = np.random.default_rng(1).standard_normal((3, 4))
    results = []
    for name in ("numpy", "cupy"):
        mg.backend.use(name)
        w = mg.tensor(data, requires_grad=True)
        y = (mg.softplus(w @ w.T) * mg.tanh(w).sum()).mean()
        (g,) = mg.grad(y, w)
        results.append((y.item(), g.numpy()))
    assert np.isclose(results[0][0], results[1][0], rtol=1e-12)
    assert np.allclose(results[0][1], results[1][1], rtol=1e-10)


def test_importing_minigan_leaves_malloc_alone_and_tune_malloc_is_opt_in():
    import subprocess
    import sys

    # mallopt is reached only through tune_malloc: a fresh process that imports minigan and
    # counts calls through a patched ctypes.CDLL sees none until it asks
    code = (
        "import ctypes\n"
        "calls = []\n"
        "class Lib:\n"
        "    def mallopt(self, *a): calls.append(a); return 1\n"
        "ctypes.CDLL = lambda name: Lib()\n"
        "import minigan\n"
        "print(len(calls))\n"
        "print(minigan.backend.tune_malloc(), len(calls))\n"
    )
    env = {**__import__("os").environ, "MINIGAN_MALLOPT": "1"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    expected_on = sys.platform.startswith("linux")
    assert out.split("\n")[:2] == ["0", f"{expected_on} {2 if expected_on else 0}"]
