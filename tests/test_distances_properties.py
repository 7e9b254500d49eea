"""minigan.distances: properties that must hold for every input (hypothesis).

W₁ is a metric and moves with translations; KL ≥ 0; 0 ≤ JS ≤ ln 2 and JS is symmetric; the
optimal critic attains W₁ (Kantorovich–Rubinstein duality); the optimal discriminator attains
2·JS − 2 ln 2.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import finite, histogram_pairs, mass

from minigan.distances import (
    gan_value,
    js,
    kl,
    max_discriminator_value,
    optimal_critic_1d,
    optimal_discriminator,
    w1_samples,
)

LN2 = math.log(2.0)

samples = st.lists(finite, min_size=1, max_size=30).map(np.array)


@st.composite
def weighted(draw):
    x = draw(samples)
    if not draw(st.booleans()):
        return x, None
    w = np.array(draw(st.lists(mass, min_size=x.size, max_size=x.size)))
    if w.sum() == 0:
        w[0] = 1.0
    return x, w


def _tol(*arrays, t=0.0):
    scale = max(max(float(np.abs(a).max()) for a in arrays), abs(t), 1.0)
    return 1e-12 * scale * 30


# ----------------------------------------------------------------------------------------------
# W1 is a metric


@settings(max_examples=150, deadline=None)
@given(weighted(), weighted())
def test_w1_symmetric(a, b):
    (x, wx), (y, wy) = a, b
    assert w1_samples(x, y, wx, wy) == pytest.approx(w1_samples(y, x, wy, wx), rel=1e-12, abs=_tol(x, y))


@settings(max_examples=150, deadline=None)
@given(weighted(), weighted(), weighted())
def test_w1_triangle_inequality(a, b, c):
    (x, wx), (y, wy), (z, wz) = a, b, c
    xz = w1_samples(x, z, wx, wz)
    assert xz <= w1_samples(x, y, wx, wy) + w1_samples(y, z, wy, wz) + _tol(x, y, z)


@settings(max_examples=150, deadline=None)
@given(samples, st.randoms(use_true_random=False), st.integers(1, 4))
def test_w1_zero_for_equal_distributions(x, rnd, copies):
    perm = np.array(x)
    rnd.shuffle(perm)
    assert w1_samples(x, perm) == 0.0
    # the same law written with repeated atoms, or with weights on the distinct values
    assert w1_samples(x, np.tile(perm, copies)) == 0.0
    values, counts = np.unique(x, return_counts=True)
    assert w1_samples(x, values, y_weights=counts) <= _tol(x)


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 20).flatmap(lambda n: st.tuples(*(st.lists(finite, min_size=n, max_size=n),) * 2)))
def test_w1_positive_for_different_distributions(xy):
    x, y = (np.array(v) for v in xy)
    w = w1_samples(x, y)
    if np.array_equal(np.sort(x), np.sort(y)):
        assert w == 0.0
    else:
        assert w > 0.0


@settings(max_examples=150, deadline=None)
@given(weighted(), finite)
def test_w1_translation(a, t):
    x, wx = a
    # W1(P, P shifted by t) = |t|
    assert w1_samples(x, x + t, wx, wx) == pytest.approx(abs(t), rel=1e-9, abs=_tol(x, t=t))


@settings(max_examples=100, deadline=None)
@given(weighted(), weighted(), finite)
def test_w1_translation_invariance(a, b, t):
    (x, wx), (y, wy) = a, b
    assert w1_samples(x + t, y + t, wx, wy) == pytest.approx(w1_samples(x, y, wx, wy), rel=1e-9, abs=_tol(x, y, t=t))


# ----------------------------------------------------------------------------------------------
# KL and JS


@settings(max_examples=200, deadline=None)
@given(histogram_pairs())
def test_kl_nonnegative_and_zero_on_itself(pq):
    p, q = pq
    assert kl(p, q) >= 0.0
    assert kl(p, p) == 0.0


@settings(max_examples=200, deadline=None)
@given(histogram_pairs())
def test_js_bounds_and_symmetry(pq):
    p, q = pq
    v = js(p, q)
    assert 0.0 <= v <= LN2
    assert v == pytest.approx(js(q, p), rel=1e-12, abs=1e-15)
    assert js(p, q, base=2) <= 1.0
    # JS ≤ ¼(KL(p‖q) + KL(q‖p)) whenever the right side is finite
    assert v <= 0.25 * (kl(p, q) + kl(q, p)) + 1e-12


@settings(max_examples=150, deadline=None)
@given(histogram_pairs())
def test_js_saturates_exactly_on_disjoint_supports(pq):
    p, q = pq
    # JS ≤ ln 2 · TV(p, q), TV = ½Σ|p − q| (pointwise: ln 2 − H(a) lies below its chord (2a − 1)·ln 2),
    # with equality TV = 1, JS = ln 2, KL = +inf when the supports are disjoint
    assert js(p, q) <= LN2 * 0.5 * np.abs(p - q).sum() + 1e-12
    if not np.any((p > 0) & (q > 0)):
        assert js(p, q) == pytest.approx(LN2, rel=1e-14)
        assert kl(p, q) == math.inf and kl(q, p) == math.inf


# ----------------------------------------------------------------------------------------------
# duality: the optimal critic attains W1


@settings(max_examples=150, deadline=None)
@given(weighted(), weighted())
def test_optimal_critic_attains_w1(a, b):
    (x, wx), (y, wy) = a, b
    c = optimal_critic_1d(x, y, x_weights=wx, y_weights=wy)
    expected = scipy.stats.wasserstein_distance(x, y, wx, wy)
    tol = _tol(x, y) * 10
    assert c.w1 == pytest.approx(expected, rel=1e-9, abs=tol)
    # recompute E_P f* − E_Q f* from the critic itself
    fx, fy = c(x), c(y)
    ep = np.average(fx, weights=wx)
    eq = np.average(fy, weights=wy)
    assert ep - eq == pytest.approx(expected, rel=1e-9, abs=tol)
    # f* is 1-Lipschitz, with slopes −1, 0 or +1 between knots
    rise, run = np.abs(np.diff(c.knot_values)), np.diff(c.knots)
    assert np.all((np.abs(rise - run) <= tol) | (rise <= tol))
    assert np.all(np.abs(np.diff(c.values)) <= np.diff(c.grid) * (1 + 1e-9) + tol)


# ----------------------------------------------------------------------------------------------
# the GAN game: max_D L = 2·JS − 2 ln 2


@settings(max_examples=150, deadline=None)
@given(histogram_pairs(), st.lists(st.floats(0.0, 1.0), min_size=16, max_size=16))
def test_max_discriminator_value_is_2js_minus_2ln2(pq, d_values):
    p, q = pq
    best = max_discriminator_value(p, q, 1.0)
    assert best == pytest.approx(2 * js(p, q) - 2 * LN2, rel=1e-9, abs=1e-12)
    assert -2 * LN2 - 1e-12 <= best <= 1e-12
    d_star = optimal_discriminator(p, q)
    assert np.all((d_star >= 0) & (d_star <= 1))
    d = np.array(d_values[: p.size])
    assert gan_value(p, q, d, 1.0) <= best + 1e-12


@settings(max_examples=60, deadline=None)
@given(histogram_pairs(), st.floats(0.01, 3.0))
def test_max_discriminator_value_with_a_grid_spacing(pq, dx):
    p, q = pq
    # densities on a grid with cell size dx, each integrating to 1
    assert max_discriminator_value(p / dx, q / dx, dx) == pytest.approx(2 * js(p, q) - 2 * LN2, rel=1e-9, abs=1e-12)
