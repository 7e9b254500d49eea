"""minigan.distances.sliced_w1: the 1-D case, the metric properties, SW₁ ≤ W₁, a closed form, bad input.

References are independent of the code under test: w1_samples / SciPy in 1-D, the exact assignment
W₁ (linear_sum_assignment), and the closed form for a translation,
SW₁(P, P + t) = ‖t‖·Γ(d/2)/(√π·Γ((d+1)/2)), derived in minigan/distances/sliced.py's docstring.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats
from hypothesis import given
from hypothesis import strategies as st
from scipy.special import gammaln

import minigan as mg
from minigan.distances import SlicedW1, sliced_w1, w1_assignment, w1_samples
from minigan.distances.sliced import random_directions

coordinate = st.floats(-100, 100, allow_nan=False, allow_infinity=False, allow_subnormal=False)


@st.composite
def clouds(draw, count=2, max_points=12, max_dim=4):
    """``count`` point clouds of one random dimension (sizes may differ)."""
    d = draw(st.integers(1, max_dim))
    out = []
    for _ in range(count):
        n = draw(st.integers(1, max_points))
        values = draw(st.lists(coordinate, min_size=n * d, max_size=n * d))
        out.append(np.array(values).reshape(n, d))
    return out


def _scale(*arrays):
    return max(1.0, *(float(np.abs(a).max()) for a in arrays))


# ------------------------------------------------------------------------------------------ 1-D
@given(clouds(count=2, max_dim=1), st.integers(0, 2**32 - 1))
def test_one_projection_in_1d_equals_w1_samples(xy, seed):
    x, y = xy
    result = sliced_w1(x, y, n_projections=1, seed=seed)
    assert isinstance(result, SlicedW1)
    expected = scipy.stats.wasserstein_distance(x[:, 0], y[:, 0])
    assert result.value == pytest.approx(w1_samples(x, y), rel=1e-12, abs=1e-12 * _scale(x, y))
    assert result.value == pytest.approx(expected, rel=1e-9, abs=1e-9 * _scale(x, y))
    assert math.isnan(result.standard_error)  # one direction: no spread to estimate an error from


def test_many_projections_in_1d_have_zero_spread():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=50), rng.normal(1.0, 2.0, size=70)
    value, standard_error = sliced_w1(x, y, n_projections=16)
    assert value == pytest.approx(w1_samples(x, y), rel=1e-12)
    assert standard_error == pytest.approx(0.0, abs=1e-12)  # every direction is ±1: the same W₁


def test_weights_are_passed_to_each_projection():
    # in 1-D, weights (x_weights, y_weights) must give the weighted 1-D W₁ (SciPy as reference)
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=9), rng.normal(size=5)
    a, b = rng.uniform(0.1, 2.0, size=9), rng.uniform(0.1, 2.0, size=5)
    expected = scipy.stats.wasserstein_distance(x, y, a, b)
    assert sliced_w1(x, y, n_projections=3, weights=(a, b)).value == pytest.approx(expected, rel=1e-9)
    only_x = scipy.stats.wasserstein_distance(x, y, a, None)
    assert sliced_w1(x, y, n_projections=2, weights=(a, None)).value == pytest.approx(only_x, rel=1e-9)


# ------------------------------------------------------------------------------- metric on clouds
@given(clouds(count=2), st.integers(0, 1000))
def test_symmetric(xy, seed):
    x, y = xy
    forward, backward = sliced_w1(x, y, n_projections=8, seed=seed), sliced_w1(y, x, n_projections=8, seed=seed)
    assert forward.value == pytest.approx(backward.value, rel=1e-12, abs=1e-12 * _scale(x, y))


@given(clouds(count=1), st.integers(0, 1000))
def test_zero_on_equal_sets(xs, seed):
    (x,) = xs
    shuffled = x[np.random.default_rng(seed).permutation(x.shape[0])]
    assert sliced_w1(x, x, n_projections=8, seed=seed).value == 0.0
    assert sliced_w1(x, shuffled, n_projections=8, seed=seed).value == pytest.approx(0.0, abs=1e-12 * _scale(x))


@given(clouds(count=3), st.integers(0, 1000))
def test_triangle_inequality(xyz, seed):
    # With one seed the directions are shared, and each projected W₁ is a pseudo-metric, so the
    # triangle inequality holds exactly (up to rounding), far inside the standard error.
    x, y, z = xyz
    k = 8
    xz = sliced_w1(x, z, k, seed)
    xy_, yz = sliced_w1(x, y, k, seed), sliced_w1(y, z, k, seed)
    assert xz.value <= xy_.value + yz.value + 1e-9 * _scale(x, y, z)


@given(clouds(count=2), st.integers(0, 1000))
def test_positive_when_sets_differ(xy, seed):
    x, y = xy
    value = sliced_w1(x, y, n_projections=4, seed=seed).value
    assert value >= 0.0
    # every projected W₁ is at least the gap between the projected means, and a random direction
    # is almost surely not orthogonal to a nonzero mean difference
    gap = float(np.linalg.norm(x.mean(axis=0) - y.mean(axis=0)))
    if gap > 1e-6 * _scale(x, y):
        assert value > 0.0


# ----------------------------------------------------------------------------- against exact W₁
@given(st.integers(1, 10), st.integers(1, 5), st.integers(0, 2**32 - 1))
def test_every_direction_is_below_exact_assignment_w1(n, d, seed):
    # W₁(θ#P, θ#Q) ≤ W₁(P, Q) for each unit θ, hence also for the mean
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=(n, d)), rng.normal(0.5, 1.5, size=(n, d))
    exact = w1_assignment(x, y)
    for direction_seed in range(5):
        single = sliced_w1(x, y, n_projections=1, seed=direction_seed).value
        assert single <= exact * (1 + 1e-12) + 1e-12
    assert sliced_w1(x, y, n_projections=32, seed=seed).value <= exact * (1 + 1e-12) + 1e-12


def test_translation_closed_form_in_64_dimensions():
    # SW₁(P, P + t) = ‖t‖·E|θ₁|, E|θ₁| = Γ(d/2)/(√π Γ((d+1)/2)); each projected W₁ is |⟨θ, t⟩|
    # exactly, so only the direction sampling is random: the estimate is within 4 standard errors.
    d = 64
    x = np.random.default_rng(3).normal(size=(200, d))
    t = np.full(d, 0.1)
    expected = float(np.linalg.norm(t)) * math.exp(gammaln(d / 2) - gammaln((d + 1) / 2)) / math.sqrt(math.pi)
    result = sliced_w1(x, x + t, n_projections=2000, seed=0)
    assert abs(result.value - expected) <= 4 * result.standard_error
    assert result.standard_error < 0.03 * expected


def test_standard_error_matches_spread_of_independent_estimates():
    # the reported standard error predicts how much estimates with different seeds disagree
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(100, 8)), rng.normal(size=(100, 8)) * 1.5
    estimates = [sliced_w1(x, y, n_projections=64, seed=s) for s in range(40)]
    spread = float(np.std([e.value for e in estimates], ddof=1))
    reported = float(np.mean([e.standard_error for e in estimates]))
    # sd of 40 draws has relative sampling error ≈ 1/√78 ≈ 11 %: accept a factor 1.5 either way
    assert reported / 1.5 <= spread <= reported * 1.5


def test_directions_are_unit_and_seeded():
    theta = random_directions(100, 5, seed=7)
    assert theta.shape == (100, 5)
    np.testing.assert_allclose(np.linalg.norm(theta, axis=1), 1.0, rtol=1e-14)
    np.testing.assert_array_equal(theta, random_directions(100, 5, seed=7))
    assert not np.array_equal(theta, random_directions(100, 5, seed=8))
    assert set(np.unique(random_directions(50, 1, seed=0))) <= {-1.0, 1.0}


def test_accepts_tensors_on_every_backend():
    # the strict backend refuses implicit host conversion: sliced_w1 must copy a Tensor explicitly
    x = mg.tensor(np.arange(12.0).reshape(6, 2))
    y = np.arange(12.0).reshape(6, 2) + 1.0
    assert sliced_w1(x, y, 16).value == pytest.approx(sliced_w1(np.arange(12.0).reshape(6, 2), y, 16).value)


def test_exported():
    assert "sliced_w1" in mg.distances.__all__ and mg.distances.sliced_w1 is sliced_w1


# ------------------------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: sliced_w1(np.zeros((3, 2)), np.zeros((4, 3))), r"same dimension.*\(3, 2\).*\(4, 3\)"),
        (lambda: sliced_w1(np.zeros((0, 2)), np.zeros((4, 2))), r"x is empty"),
        (lambda: sliced_w1(np.zeros((3, 2)), np.zeros((0, 2))), r"y is empty"),
        (lambda: sliced_w1([[0.0, np.nan]], [[0.0, 0.0]]), r"x contains NaN"),
        (lambda: sliced_w1([[0.0, 0.0]], [[np.inf, 0.0]]), r"y contains inf"),
        (lambda: sliced_w1(np.zeros((2, 2, 2)), np.zeros((2, 2))), r"x must have shape \(n, d\)"),
        (lambda: sliced_w1(np.zeros((3, 2)), np.zeros((3, 2)), n_projections=0), r"n_projections.*>= 1"),
        (lambda: sliced_w1(np.zeros((3, 2)), np.zeros((3, 2)), n_projections=2.5), r"n_projections.*>= 1"),
        (lambda: sliced_w1(np.zeros((3, 2)), np.zeros((3, 2)), weights=np.ones(3)), r"pair \(x_weights"),
        (lambda: sliced_w1(np.zeros((3, 2)), np.zeros((3, 2)), weights=(np.ones(2), None)),
         r"x_weights.*\(3,\).*\(2,\)"),
        (lambda: sliced_w1(np.zeros((3, 2)), np.zeros((3, 2)), weights=(None, -np.ones(3))), r"negative mass"),
    ],
)
def test_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()
