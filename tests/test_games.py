"""minigan.games: the x·y game under simultaneous and alternating gradient steps (lesson 03)."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigan as mg
from minigan import games

step_sizes = st.floats(min_value=0.01, max_value=1.5)
starts = st.floats(min_value=-3.0, max_value=3.0).filter(lambda v: abs(v) > 1e-3)


def test_trajectory_is_host_arrays_of_all_iterates():
    trajectory = games.simultaneous_gradient_steps(1.0, 0.0, lr=0.1, steps=7)
    xs, ys = trajectory
    assert type(xs) is np.ndarray and type(ys) is np.ndarray
    assert xs.shape == ys.shape == (8,)
    assert xs.dtype == np.float64
    assert (xs[0], ys[0]) == (1.0, 0.0)


def test_first_simultaneous_step_matches_the_update_matrix():
    # (x, y) ← [[1, −η], [η, 1]] (x, y): ∂(xy)/∂x = y, ∂(xy)/∂y = x
    xs, ys = games.simultaneous_gradient_steps(0.7, -0.4, lr=0.25, steps=1)
    assert xs[1] == pytest.approx(0.7 - 0.25 * -0.4, abs=1e-15)
    assert ys[1] == pytest.approx(-0.4 + 0.25 * 0.7, abs=1e-15)


def test_first_alternating_step_uses_the_moved_x():
    xs, ys = games.alternating_gradient_steps(0.7, -0.4, lr=0.25, steps=1)
    new_x = 0.7 - 0.25 * -0.4
    assert xs[1] == pytest.approx(new_x, abs=1e-15)
    assert ys[1] == pytest.approx(-0.4 + 0.25 * new_x, abs=1e-15)


@given(lr=step_sizes, x0=starts, y0=starts)
def test_simultaneous_radius_grows_by_exactly_sqrt_one_plus_lr_squared(lr, x0, y0):
    steps = 20
    radius = games.simultaneous_gradient_steps(x0, y0, lr=lr, steps=steps).radius
    factor = math.sqrt(1 + lr * lr)
    assert games.simultaneous_growth_factor(lr) == pytest.approx(factor, rel=1e-15)
    np.testing.assert_allclose(radius[1:] / radius[:-1], factor, rtol=1e-12)
    np.testing.assert_allclose(radius[-1], radius[0] * factor**steps, rtol=1e-10)


def test_simultaneous_factor_is_the_eigenvalue_modulus_of_the_update_matrix():
    lr = 0.1
    update = np.array([[1.0, -lr], [lr, 1.0]])
    moduli = np.abs(np.linalg.eigvals(update))
    np.testing.assert_allclose(moduli, games.simultaneous_growth_factor(lr), rtol=1e-14)


def test_simultaneous_steps_spiral_outwards_from_the_equilibrium():
    # η = 0.1, 200 steps: radius × 1.01^100 ≈ 2.70; the point also turns around the origin
    trajectory = games.simultaneous_gradient_steps(1.0, 0.0, lr=0.1, steps=200)
    assert trajectory.radius[-1] == pytest.approx(1.01**100, rel=1e-10)
    angles = np.unwrap(np.arctan2(trajectory.y, trajectory.x))
    assert angles[-1] == pytest.approx(200 * math.atan(0.1), rel=1e-10)


@given(lr=step_sizes, x0=starts, y0=starts)
def test_alternating_steps_conserve_the_invariant_and_stay_in_the_bounds(lr, x0, y0):
    trajectory = games.alternating_gradient_steps(x0, y0, lr=lr, steps=150)
    invariant = games.alternating_invariant(trajectory.x, trajectory.y, lr)
    np.testing.assert_allclose(invariant, invariant[0], rtol=1e-9, atol=1e-12)
    low, high = games.alternating_radius_bounds(trajectory.radius[0], lr)
    assert trajectory.radius.max() <= high * (1 + 1e-9)
    assert trajectory.radius.min() >= low * (1 - 1e-9)


def test_alternating_update_matrix_has_determinant_one_and_unit_eigenvalues():
    lr = 0.1
    update = np.array([[1.0, -lr], [lr, 1.0 - lr * lr]])
    assert np.linalg.det(update) == pytest.approx(1.0, abs=1e-14)
    np.testing.assert_allclose(np.abs(np.linalg.eigvals(update)), 1.0, rtol=1e-14)


def test_alternating_neither_explodes_nor_decays_over_many_turns():
    # 2000 steps at η = 0.1 is ~32 turns around the origin
    trajectory = games.alternating_gradient_steps(1.0, 0.0, lr=0.1, steps=2000)
    low, high = games.alternating_radius_bounds(1.0, 0.1)
    late = trajectory.radius[-200:]
    assert late.max() <= high and late.min() >= low
    assert late.max() > 0.99  # still circling at the starting size, not converging to 0
    simultaneous = games.simultaneous_gradient_steps(1.0, 0.0, lr=0.1, steps=2000)
    assert simultaneous.radius[-1] > 1e4


def test_vector_players_and_a_custom_value_function():
    # V = Σ x·y on vectors decouples into independent 2-D games: the joint radius grows by the same factor
    trajectory = games.simultaneous_gradient_steps([1.0, -2.0], [0.5, 0.0], lr=0.2, steps=5)
    assert trajectory.x.shape == (6, 2)
    np.testing.assert_allclose(trajectory.radius[1:] / trajectory.radius[:-1], math.sqrt(1.04), rtol=1e-12)

    # V = x·y + x²/2 − y²/2 is strongly convex–concave: simultaneous steps now converge to (0, 0)
    def damped(x, y):
        return (x * y + 0.5 * x * x - 0.5 * y * y).sum()

    converging = games.simultaneous_gradient_steps(1.0, 1.0, lr=0.1, steps=300, value=damped)
    assert converging.radius[-1] < 1e-6


def test_gradients_come_from_the_active_backend():
    # the game runs on whatever backend the suite uses (numpy or strict) and still returns host arrays
    assert mg.backend.name() in ("numpy", "strict", "cupy")
    xs, _ = games.alternating_gradient_steps(1.0, 1.0, steps=3)
    assert type(xs) is np.ndarray


@pytest.mark.parametrize("bad", [{"lr": 0.0}, {"lr": -0.1}, {"steps": -1}, {"steps": 2.5}])
def test_bad_arguments_raise(bad):
    with pytest.raises(ValueError):
        games.simultaneous_gradient_steps(1.0, 0.0, **bad)
    with pytest.raises(ValueError):
        games.alternating_gradient_steps(1.0, 0.0, **bad)
    with pytest.raises(ValueError):
        games.alternating_radius_bounds(1.0, 2.5)
