"""MINIGAN_JITTER: the rounding-perturbation hook of the robustness job (backend/jitter.py)."""

import numpy as np
import pytest

import minigan as mg
from minigan import backend


@pytest.fixture
def jitter():
    def set_to(epsilon):
        backend.set_jitter(epsilon)
    yield set_to
    backend.set_jitter(0.0)


def _draws(epsilon, jitter):
    jitter(epsilon)
    backend.manual_seed(3)
    layer = mg.nn.Linear(4, 3)
    batch = mg.gan.data.sample("8gaussians", 16).numpy()
    noise = backend.to_host(backend.random_normal((5, 2), dtype="float64"))
    one_d = mg.gan.data.gaussian_1d(7).numpy()
    host = mg.gan.data.sample_host("swissroll", 9)
    return [layer.weight.numpy(), batch, noise, one_d, host]


def test_jitter_is_a_relative_perturbation_of_the_same_draws(jitter):
    plain = _draws(0.0, jitter)
    perturbed = _draws(1e-6, jitter)
    for a, b in zip(plain, perturbed):
        relative = np.abs(b - a) / np.maximum(np.abs(a), 1e-300)
        # float32 arrays carry their own rounding (≈ 6e-8) on top of the perturbation
        assert relative.max() <= 1e-6 * (1 + 1e-6) + 2 * np.finfo(a.dtype).eps
        assert np.any(a != b), "every kind of draw is perturbed"


def test_jitter_is_reproducible_and_off_by_default(jitter):
    assert backend.get_jitter() == 0.0
    first = _draws(1e-3, jitter)
    second = _draws(1e-3, jitter)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("bad", ["abc", "-1", "nan", "inf", "1"])
def test_bad_jitter_is_refused_with_the_value(bad, jitter):
    with pytest.raises(ValueError, match="MINIGAN_JITTER") as error:
        jitter(bad)
    assert repr(bad) in str(error.value) or bad in str(error.value)
