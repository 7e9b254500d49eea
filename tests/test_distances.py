"""minigan.distances: the sources' numbers, agreement with SciPy, and bad input.

Expected values come from the mathematics (closed forms derived in the docstrings/comments here)
or from SciPy — never from minigan's own output. Property-based checks live in
tests/test_distances_properties.py.
"""

from __future__ import annotations

import ast
import math
from pathlib import Path

import numpy as np
import pytest
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import IntegrationWarning
from scipy.spatial.distance import jensenshannon
from strategies import finite, histogram_pairs, mass

import minigan.distances as D
from minigan.distances import (
    gan_value,
    js,
    js_density,
    kl,
    kl_density,
    kl_gaussian,
    max_discriminator_value,
    optimal_critic_1d,
    optimal_discriminator,
    parallel_lines,
    parallel_lines_samples,
    w1_assignment,
    w1_cdf,
    w1_gaussian,
    w1_histogram,
    w1_samples,
)

LN2 = math.log(2.0)
PACKAGE = Path(D.__file__).resolve().parent


@st.composite
def weighted_samples(draw, max_size=25, weighted=None):
    n = draw(st.integers(1, max_size))
    x = np.array(draw(st.lists(finite, min_size=n, max_size=n)))
    use_weights = draw(st.booleans()) if weighted is None else weighted
    if not use_weights:
        return x, None
    w = np.array(draw(st.lists(mass, min_size=n, max_size=n)))
    if w.sum() == 0:
        w[draw(st.integers(0, n - 1))] = 1.0
    return x, w


# ----------------------------------------------------------------------------------------------
# the sources' numbers


def test_kl_gaussian_unit_shift_is_half_both_ways():
    # KL(N(μ1,σ²)‖N(μ2,σ²)) = (μ1 − μ2)²/(2σ²) = 1/2 for μ1 − μ2 = ±1, σ = 1
    assert kl_gaussian(0.0, 1.0, 1.0, 1.0) == pytest.approx(0.5, abs=1e-15)
    assert kl_gaussian(1.0, 1.0, 0.0, 1.0) == pytest.approx(0.5, abs=1e-15)


def test_kl_density_unit_shift_is_half_both_ways():
    p = scipy.stats.norm(0.0, 1.0)
    q = scipy.stats.norm(1.0, 1.0)
    # plain pdf callables on a window where neither density underflows
    value, err = kl_density(p.pdf, q.pdf, -20.0, 20.0, return_error=True)
    assert value == pytest.approx(0.5, abs=1e-9)
    assert err < 1e-8
    assert kl_density(q.pdf, p.pdf, -20.0, 20.0) == pytest.approx(0.5, abs=1e-9)
    # frozen distributions: logpdf is used, infinite limits are fine
    assert kl_density(p, q, -np.inf, np.inf) == pytest.approx(0.5, abs=1e-9)
    assert kl_density(q, p, -np.inf, np.inf) == pytest.approx(0.5, abs=1e-9)


@pytest.mark.parametrize(
    ("mu1", "s1", "mu2", "s2"), [(0.0, 1.0, 0.5, 2.0), (-1.0, 0.3, 2.0, 1.5), (3.0, 2.0, 3.0, 0.7)]
)
def test_kl_density_matches_gaussian_closed_form(mu1, s1, mu2, s2):
    p = scipy.stats.norm(mu1, s1)
    q = scipy.stats.norm(mu2, s2)
    # closed form from the textbook formula, written out here independently
    expected = math.log(s2 / s1) + (s1**2 + (mu1 - mu2) ** 2) / (2 * s2**2) - 0.5
    assert kl_gaussian(mu1, s1, mu2, s2) == pytest.approx(expected, rel=1e-14)
    assert kl_density(p, q, -np.inf, np.inf) == pytest.approx(expected, rel=1e-8, abs=1e-10)


def test_js_density_of_the_unit_shift_pair():
    p = scipy.stats.norm(0.0, 1.0)
    q = scipy.stats.norm(1.0, 1.0)
    value = js_density(p.pdf, q.pdf, -20.0, 20.0)
    assert 0.0 < value <= LN2
    # Lin (1991): JS ≤ ¼ (KL(p‖q) + KL(q‖p)) = ¼ (0.5 + 0.5)
    assert value <= 0.25
    # SciPy on a fine grid (rectangle rule: spectrally accurate for smooth, fast-decaying densities)
    t = np.linspace(-20.0, 21.0, 200_001)
    expected = jensenshannon(p.pdf(t), q.pdf(t)) ** 2
    assert value == pytest.approx(expected, rel=1e-8)
    assert js_density(p.pdf, q.pdf, -20.0, 20.0, base=2) == pytest.approx(value / LN2, rel=1e-12)


def test_dirt_piles():
    P = [3, 2, 1, 4]
    Q = [1, 2, 4, 3]
    w, deltas = w1_histogram(P, Q, return_deltas=True)
    np.testing.assert_array_equal(deltas, [0, 2, 2, -1, 0])
    assert w == 5
    assert w1_histogram(P, Q) == 5
    # as probability distributions: the same dirt, a tenth of the mass
    assert w1_histogram(np.array(P) / 10, np.array(Q) / 10) == pytest.approx(0.5, rel=1e-15)
    assert w1_histogram(P, [2, 4, 8, 6], normalize=True) == pytest.approx(0.5, rel=1e-15)
    # and SciPy's W1 of the same weighted point masses
    at = [0.0, 1.0, 2.0, 3.0]
    assert scipy.stats.wasserstein_distance(at, at, P, Q) == pytest.approx(0.5, rel=1e-14)
    assert w1_samples(at, at, P, Q) == pytest.approx(0.5, rel=1e-14)


def test_dirt_piles_general_positions_weight_the_gaps():
    P = [3, 2, 1, 4]
    Q = [1, 2, 4, 3]
    x = [0.0, 0.5, 2.0, 5.0]
    # δ = (0, 2, 2, −1, 0) carried across gaps 0.5, 1.5, 3: W = 2·0.5 + 2·1.5 + 1·3
    assert w1_histogram(P, Q, positions=x) == pytest.approx(2 * 0.5 + 2 * 1.5 + 1 * 3, rel=1e-15)
    assert w1_histogram(P, Q, positions=x) / 10 == pytest.approx(scipy.stats.wasserstein_distance(x, x, P, Q))


@pytest.mark.parametrize("theta", [-2.0, -0.3, 0.0, 1e-3, 0.25, 1.0, 7.5])
def test_parallel_lines_analytic(theta):
    d = parallel_lines(theta)
    assert set(d) == {"kl_pq", "kl_qp", "js", "w1"}
    if theta == 0:
        assert d == {"kl_pq": 0.0, "kl_qp": 0.0, "js": 0.0, "w1": 0.0}
    else:
        assert d["kl_pq"] == math.inf and d["kl_qp"] == math.inf
        assert d["js"] == pytest.approx(LN2, rel=1e-15)
        assert d["w1"] == pytest.approx(abs(theta), rel=1e-15)


@pytest.mark.parametrize("theta", [-1.0, 0.0, 0.1, 0.5, 2.0])
def test_parallel_lines_from_samples(theta):
    n = 300
    # common heights: every pairing costs ≥ |θ| and equal heights cost exactly |θ|
    assert parallel_lines_samples(theta, n, seed=0) == pytest.approx(abs(theta), rel=1e-12, abs=1e-12)
    # independent heights: |θ| ≤ W ≤ |θ| + W1(heights); recompute the heights the same way
    w = parallel_lines_samples(theta, n, seed=1, common_y=False)
    rng = np.random.default_rng(1)
    y_p = rng.uniform(0.0, 1.0, size=n)
    y_q = rng.uniform(0.0, 1.0, size=n)
    assert abs(theta) - 1e-12 <= w <= abs(theta) + scipy.stats.wasserstein_distance(y_p, y_q) + 1e-12


@pytest.mark.parametrize("theta", [0.0, 0.5, -1.0])
def test_parallel_lines_histograms_from_samples(theta):
    # 2-D histograms of samples: disjoint x-bins give KL = inf and JS = ln 2; θ = 0 gives 0.
    rng = np.random.default_rng(3)
    y = rng.uniform(0.0, 1.0, size=(2, 2000))
    bins = [np.linspace(-1.55, 1.55, 32), np.linspace(0.0, 1.0, 6)]
    hp, _, _ = np.histogram2d(np.zeros(2000), y[0], bins=bins)
    hq, _, _ = np.histogram2d(np.full(2000, theta), y[0 if theta == 0 else 1], bins=bins)
    expected = parallel_lines(theta)
    assert kl(hp.ravel(), hq.ravel(), normalize=True) == expected["kl_pq"]
    assert kl(hq.ravel(), hp.ravel(), normalize=True) == expected["kl_qp"]
    assert js(hp.ravel(), hq.ravel(), normalize=True) == pytest.approx(expected["js"], abs=1e-15)


def test_gan_game_at_equality():
    p = scipy.stats.norm(0, 1).pdf(np.linspace(-5, 5, 101))
    d = optimal_discriminator(p, p)
    np.testing.assert_array_equal(d, 0.5)
    assert max_discriminator_value(p / p.sum(), p / p.sum(), 1.0) == pytest.approx(-2 * LN2, rel=1e-14)
    assert optimal_discriminator(0.0, 0.0) == 0.5  # 0/0 defined as ½
    assert optimal_discriminator(3.0, 1.0) == 0.75


def test_gan_game_gaussians_by_quadrature():
    # max_D L = 2·JS − 2 ln 2 with JS by quadrature and L by a Riemann sum on a fine grid
    t, dx = np.linspace(-15.0, 16.0, 62_001, retstep=True)
    p_r = scipy.stats.norm(0, 1).pdf(t)
    p_g = scipy.stats.norm(1, 1).pdf(t)
    expected = 2 * js_density(scipy.stats.norm(0, 1).pdf, scipy.stats.norm(1, 1).pdf, -15, 16) - 2 * LN2
    assert max_discriminator_value(p_r, p_g, dx) == pytest.approx(expected, rel=1e-9)
    # any other discriminator does worse
    assert gan_value(p_r, p_g, np.full_like(t, 0.5), dx) < expected
    assert gan_value(p_r, p_g, scipy.special.expit(t), dx) < expected


# ----------------------------------------------------------------------------------------------
# against SciPy


@settings(max_examples=150, deadline=None)
@given(histogram_pairs(), st.sampled_from([None, 2.0, 10.0]))
def test_kl_matches_scipy_entropy(pq, base):
    p, q = pq
    expected = scipy.stats.entropy(p, q, base=base)
    got = kl(p, q, base=base)
    if math.isinf(expected):
        assert got == math.inf
    else:
        assert got == pytest.approx(expected, rel=1e-9, abs=1e-12)


@settings(max_examples=150, deadline=None)
@given(histogram_pairs(), st.sampled_from([None, 2.0]))
def test_js_matches_scipy_jensenshannon_squared(pq, base):
    p, q = pq
    expected = jensenshannon(p, q, base=base) ** 2
    assert js(p, q, base=base) == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_kl_conventions():
    assert kl([0.5, 0.5, 0.0], [0.25, 0.25, 0.5]) == pytest.approx(math.log(2.0), rel=1e-15)  # 0·ln 0 = 0
    assert kl([0.5, 0.5], [1.0, 0.0]) == math.inf  # q = 0 < p
    assert kl([1, 3], [2, 2], normalize=True) == pytest.approx(scipy.stats.entropy([1, 3], [2, 2]))
    assert js([1.0, 0.0], [0.0, 1.0]) == LN2
    assert js([1.0, 0.0], [0.0, 1.0], base=2) == 1.0


@settings(max_examples=200, deadline=None)
@given(weighted_samples(), weighted_samples())
def test_w1_samples_matches_scipy(a, b):
    (x, wx), (y, wy) = a, b
    expected = scipy.stats.wasserstein_distance(x, y, wx, wy)
    scale = max(np.abs(x).max(), np.abs(y).max(), 1.0)
    assert w1_samples(x, y, wx, wy) == pytest.approx(expected, rel=1e-9, abs=1e-12 * scale)


@settings(max_examples=100, deadline=None)
@given(weighted_samples(max_size=60), weighted_samples(max_size=60), st.integers(1, 7))
def test_w1_samples_is_independent_of_the_chunking(a, b, chunk):
    (x, wx), (y, wy) = a, b
    expected = scipy.stats.wasserstein_distance(x, y, wx, wy)
    scale = max(np.abs(x).max(), np.abs(y).max(), 1.0)
    assert w1_samples(x, y, wx, wy, chunk=chunk) == pytest.approx(expected, rel=1e-9, abs=1e-12 * scale)


def test_w1_samples_large_unequal_against_scipy():
    rng = np.random.default_rng(5)
    x = rng.normal(size=20_000)
    y = rng.standard_t(3, size=13_001)
    w = rng.uniform(0, 2, size=20_000)
    for args in ((x, y), (y, x), (x, y, w), (x, y, None, rng.random(13_001)), (x[:13_001], y)):
        assert w1_samples(*args) == pytest.approx(scipy.stats.wasserstein_distance(*args), rel=1e-11)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 25).flatmap(lambda n: st.tuples(*(st.lists(finite, min_size=n, max_size=n),) * 2)))
def test_w1_assignment_matches_1d_exact(xy):
    x, y = (np.array(v) for v in xy)
    scale = max(np.abs(x).max(), np.abs(y).max(), 1.0)
    assert w1_assignment(x, y) == pytest.approx(scipy.stats.wasserstein_distance(x, y), rel=1e-9, abs=1e-12 * scale)
    assert w1_assignment(x[:, None], y[:, None]) == pytest.approx(w1_samples(x, y), rel=1e-9, abs=1e-12 * scale)


def test_w1_assignment_2d_against_linear_program():
    # W1 as the transport linear program, solved by scipy.optimize.linprog (independent of the assignment)
    rng = np.random.default_rng(7)
    X = rng.normal(size=(12, 2))
    Y = rng.normal(size=(12, 2)) + [1.0, 0.5]
    n = 12
    cost = np.linalg.norm(X[:, None, :] - Y[None, :, :], axis=2).ravel() / n
    a_eq = np.zeros((2 * n, n * n))
    for i in range(n):
        a_eq[i, i * n : (i + 1) * n] = 1.0
        a_eq[n + i, i::n] = 1.0
    res = scipy.optimize.linprog(cost, A_eq=a_eq, b_eq=np.ones(2 * n), bounds=(0, None), method="highs")
    w, sigma = w1_assignment(X, Y, return_assignment=True)
    assert w == pytest.approx(res.fun, rel=1e-9)
    assert sorted(sigma) == list(range(n))


@pytest.mark.parametrize(
    ("mu1", "s1", "mu2", "s2"),
    [
        (0, 1, 0, 1),
        (0, 1, 1, 1),
        (0, 1, 0, 2),
        (0.3, 0.5, -1.0, 2.0),
        (5.0, 3.0, 4.0, 0.1),
        (-2, 1e-3, 2, 1e-3),
    ],
)
def test_w1_gaussian_matches_quadrature(mu1, s1, mu2, s2):
    F = scipy.stats.norm(mu1, s1)
    G = scipy.stats.norm(mu2, s2)
    lo = min(mu1 - 40 * s1, mu2 - 40 * s2)
    hi = max(mu1 + 40 * s1, mu2 + 40 * s2)
    # break points where F and G cross and around each law's bulk: quad cannot see a step narrower
    # than the spacing of its nodes (its error estimate would not notice either)
    crossings = [mu1, mu2] + ([(mu2 * s1 - mu1 * s2) / (s1 - s2)] if s1 != s2 else [])
    bulk = [mu + k * s for mu, s in ((mu1, s1), (mu2, s2)) for k in (-8, -4, -2, -1, 1, 2, 4, 8)]
    expected = w1_cdf(F.cdf, G.cdf, lo, hi, points=sorted(c for c in crossings + bulk if lo < c < hi))
    assert w1_gaussian(mu1, s1, mu2, s2) == pytest.approx(expected, rel=1e-8, abs=1e-12)
    # equal spreads: |Δμ|; equal means: E|(σ1 − σ2) Z| = |σ1 − σ2|·√(2/π)
    if s1 == s2:
        assert w1_gaussian(mu1, s1, mu2, s2) == pytest.approx(abs(mu1 - mu2), rel=1e-15)
    if mu1 == mu2:
        assert w1_gaussian(mu1, s1, mu2, s2) == pytest.approx(abs(s1 - s2) * math.sqrt(2 / math.pi), rel=1e-14)


def test_w1_gaussian_against_samples():
    # the quantile coupling of two Gaussians, evaluated on a fine quantile grid (midpoint rule)
    u = (np.arange(200_000) + 0.5) / 200_000
    z = scipy.stats.norm.ppf(u)
    expected = np.mean(np.abs((0.4 - 1.0) + (2.0 - 0.5) * z))
    assert w1_gaussian(0.4, 2.0, 1.0, 0.5) == pytest.approx(expected, rel=1e-4)


def test_w1_cdf_returns_error_and_warns_when_inaccurate():
    F = scipy.stats.norm(0, 1)
    G = scipy.stats.norm(1, 1)
    value, err = w1_cdf(F, G, -np.inf, np.inf, return_error=True)
    assert value == pytest.approx(1.0, rel=1e-8)
    assert 0 <= err < 1e-7
    with pytest.warns(IntegrationWarning, match="w1_cdf: quadrature error estimate") as caught:
        w1_cdf(F, G, -np.inf, np.inf, limit=1, epsabs=1e-14, epsrel=1e-14)
    assert caught[0].filename == __file__  # the warning points at the caller's line


def test_kl_density_warns_when_quadrature_is_inaccurate():
    p = scipy.stats.norm(0.0, 1.0)
    q = scipy.stats.norm(0.0, 0.5)
    with pytest.warns(IntegrationWarning, match="kl_density: quadrature error estimate"):
        kl_density(p.pdf, q.pdf, -20.0, 20.0, limit=1)
    with pytest.warns(IntegrationWarning, match="js_density: quadrature error estimate") as caught:
        js_density(p.pdf, q.pdf, -20.0, 20.0, limit=1)
    assert caught[0].filename == __file__


def test_kl_density_infinite_when_supports_differ():
    p = scipy.stats.uniform(0, 2)
    q = scipy.stats.uniform(0, 1)
    assert kl_density(p.pdf, q.pdf, -1.0, 3.0, points=[0.0, 1.0, 2.0]) == math.inf
    assert kl_density(q.pdf, p.pdf, -1.0, 3.0, points=[0.0, 1.0, 2.0]) == pytest.approx(math.log(2.0), rel=1e-9)
    assert js_density(p.pdf, q.pdf, -1.0, 3.0, points=[0.0, 1.0, 2.0]) <= LN2


@settings(max_examples=100, deadline=None)
@given(
    st.integers(1, 12).flatmap(
        lambda k: st.tuples(
            st.lists(mass, min_size=k, max_size=k),
            st.lists(mass, min_size=k, max_size=k),
            st.lists(st.floats(0.0, 5.0, allow_subnormal=False), min_size=k, max_size=k),
        )
    )
)
def test_w1_histogram_matches_weighted_samples(data):
    p, q, gaps = (np.array(v) for v in data)
    if p.sum() == 0:
        p[0] = 1.0
    if q.sum() == 0:
        q[-1] = 1.0
    positions = np.cumsum(gaps) - 3.0
    expected = scipy.stats.wasserstein_distance(positions, positions, p, q)
    got = w1_histogram(p, q, positions=positions, normalize=True)
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-12)
    assert w1_samples(positions, positions, p, q) == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_optimal_critic_small_example():
    # P = δ_0, Q = δ_3: f* climbs by the sign of F_Q − F_P = −1 on [0, 3), so f*(3) = −3, W1 = 3
    c = optimal_critic_1d([0.0], [3.0])
    assert c.w1 == 3.0
    np.testing.assert_allclose(c([0.0, 1.0, 3.0, 10.0]), [0.0, -1.0, -3.0, -3.0])
    grid, values = c
    assert grid[0] < 0.0 and grid[-1] > 3.0
    np.testing.assert_allclose(c(np.array([0.0, 3.0])), np.interp([0.0, 3.0], grid, values), atol=1e-2)


# ----------------------------------------------------------------------------------------------
# host conversion, no side effects, no minigan imports


class _FakeTensor:
    def __init__(self, data):
        self._data = np.asarray(data)

    def numpy(self):
        return self._data


class _FakeCupy:
    def __init__(self, data):
        self._data = np.asarray(data)
        self.shape = self._data.shape

    def get(self):
        return self._data.copy()

    def __array__(self, *args, **kwargs):
        raise TypeError("implicit conversion to a NumPy array is not allowed")


def test_tensor_and_device_arrays_are_moved_to_host():
    x = [0.0, 1.0, 5.0]
    y = [2.0, 2.5, 3.0, 4.0]
    expected = scipy.stats.wasserstein_distance(x, y)
    assert w1_samples(_FakeTensor(x), _FakeCupy(y)) == pytest.approx(expected)
    assert kl(_FakeCupy([0.5, 0.5]), _FakeTensor([0.25, 0.75])) == pytest.approx(scipy.stats.entropy([1, 1], [1, 3]))


def test_inputs_are_not_modified():
    rng = np.random.default_rng(0)
    for x in (rng.normal(size=101), rng.normal(size=(101, 1)), rng.normal(size=101).astype(np.float32)):
        y = rng.normal(size=37)
        x0, y0 = x.copy(), y.copy()
        w1_samples(x, y)
        w1_samples(x, y[:1].repeat(x.shape[0]))
        w1_samples(x, y, np.ones(x.shape[0]), rng.random(37))
        np.testing.assert_array_equal(x, x0)
        np.testing.assert_array_equal(y, y0)
    t = _FakeTensor(rng.normal(size=50))
    before = t._data.copy()
    w1_samples(t, rng.normal(size=50))
    np.testing.assert_array_equal(t._data, before)


def test_w1_samples_memory_stays_near_one_copy_per_input():
    # 10⁷ points per side must fit in 2 GB; checked here at 10⁶ as bytes per point with tracemalloc,
    # which sees NumPy's buffers: two sorted float64 copies are 16 B/point, with weights at most 48.
    import tracemalloc

    rng = np.random.default_rng(0)
    n = 1_000_000
    x, y = rng.normal(size=n), rng.normal(size=n)
    w, v = rng.random(n), rng.random(n)
    for args, budget in (((x, y), 17), ((x, y[: n // 2 + 1]), 17), ((x, y, w, v), 49)):
        tracemalloc.start()
        w1_samples(*args)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak <= budget * n, (len(args), peak / n)


def test_package_imports_nothing_else_from_minigan():
    for path in PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                assert not any(a.name.split(".")[0] == "minigan" for a in node.names), path
            elif isinstance(node, ast.ImportFrom):
                assert node.level <= 1, f"{path}: relative import outside minigan.distances"
                assert node.level == 1 or not (node.module or "").startswith("minigan"), path


def test_public_names_exported():
    for name in (
        "kl js kl_gaussian kl_density js_density w1_histogram w1_samples w1_cdf w1_gaussian w1_assignment "
        "optimal_critic_1d optimal_discriminator gan_value max_discriminator_value parallel_lines "
        "parallel_lines_samples OptimalCritic1D"
    ).split():
        assert name in D.__all__ and hasattr(D, name)


# ----------------------------------------------------------------------------------------------
# bad input: ValueError naming the problem


def _density(x):
    return -1.0


BAD = [
    ("negative mass", lambda: kl([0.5, -0.1, 0.6], [0.3, 0.3, 0.4]), "negative mass"),
    ("negative mass w1", lambda: w1_histogram([1, -1, 2], [1, 1, 0]), "negative mass"),
    ("NaN", lambda: js([0.5, np.nan], [0.5, 0.5]), "contains NaN"),
    ("inf", lambda: kl([0.5, 0.5], [np.inf, 0.5]), "contains inf"),
    ("NaN samples", lambda: w1_samples([0.0, np.nan], [1.0]), r"x contains NaN"),
    ("inf samples", lambda: w1_samples([0.0], [1.0, -np.inf]), r"y contains inf"),
    ("lengths", lambda: kl([0.5, 0.5], [0.2, 0.3, 0.5]), r"same length.*\(2,\).*\(3,\)"),
    ("lengths w1", lambda: w1_histogram([1, 1], [1, 0, 1]), r"same length.*\(2,\).*\(3,\)"),
    ("empty x", lambda: w1_samples([], [1.0]), r"x is empty.*\(0,\)"),
    ("empty y", lambda: w1_samples([1.0], np.array([])), r"y is empty"),
    ("empty hist", lambda: kl([], []), r"p is empty"),
    (
        "weights length",
        lambda: w1_samples([0, 1, 2], [1.0], x_weights=[1, 1]),
        r"one weight per sample.*\(3,\).*\(2,\)",
    ),
    ("weights zero", lambda: w1_samples([0, 1], [1.0], y_weights=[0.0]), "y_weights sums to zero"),
    (
        "weights negative",
        lambda: w1_samples([0, 1], [1.0], x_weights=[2.0, -1.0]),
        "x_weights has negative mass",
    ),
    ("weights nan", lambda: w1_samples([0, 1], [1.0], x_weights=[np.nan, 1.0]), "x_weights contains NaN"),
    ("not normalized", lambda: kl([1, 2], [0.5, 0.5]), r"p sums to 3.*normalize=True"),
    ("not normalized js", lambda: js([0.5, 0.5], [0.3, 0.3]), r"q sums to 0.6.*normalize=True"),
    ("zero histogram", lambda: js([0.0, 0.0], [0.5, 0.5], normalize=True), "p sums to zero"),
    (
        "unequal totals",
        lambda: w1_histogram([3, 2, 1, 4], [1, 2, 4, 4]),
        "different total mass.*normalize=True",
    ),
    (
        "positions shape",
        lambda: w1_histogram([1, 1], [1, 1], positions=[0, 1, 2]),
        r"positions.*\(2,\).*\(3,\)",
    ),
    ("positions order", lambda: w1_histogram([1, 1, 0], [0, 1, 1], positions=[0, 2, 1]), "sorted"),
    ("2-d samples", lambda: w1_samples(np.zeros((3, 2)), [1.0]), r"1-D.*\(3, 2\).*w1_assignment"),
    ("complex", lambda: w1_samples([1 + 1j], [1.0]), "must be real"),
    ("strings", lambda: kl(["a", "b"], [0.5, 0.5]), "must be numeric"),
    ("ragged", lambda: w1_assignment([[0, 1], [2]], [[0, 1], [2, 3]]), "could not be converted"),
    (
        "assignment sizes",
        lambda: w1_assignment(np.zeros((3, 2)), np.zeros((4, 2))),
        r"same number of points.*\(3, 2\).*\(4, 2\)",
    ),
    (
        "assignment dims",
        lambda: w1_assignment(np.zeros((3, 2)), np.zeros((3, 3))),
        r"same dimension.*\(3, 2\).*\(3, 3\)",
    ),
    ("assignment empty", lambda: w1_assignment(np.zeros((0, 2)), np.zeros((0, 2))), r"X is empty"),
    ("assignment nan", lambda: w1_assignment([[0, np.nan]], [[0, 0]]), r"X contains NaN"),
    ("sigma zero", lambda: kl_gaussian(0, 0.0, 1, 1), "s1 must be > 0"),
    ("sigma negative", lambda: w1_gaussian(0, 1, 1, -2), "s2 must be > 0"),
    ("mu nan", lambda: kl_gaussian(np.nan, 1, 1, 1), "mu1 must be finite"),
    ("interval", lambda: w1_cdf(scipy.stats.norm.cdf, scipy.stats.norm.cdf, 1.0, 0.0), "lo < hi"),
    (
        "interval nan",
        lambda: kl_density(scipy.stats.norm.pdf, scipy.stats.norm.pdf, np.nan, 0.0),
        "lo is NaN",
    ),
    ("bad density", lambda: kl_density(_density, scipy.stats.norm.pdf, 0.0, 1.0), "must be finite and >= 0"),
    ("not a density", lambda: js_density(3.0, scipy.stats.norm.pdf, 0.0, 1.0), "p must be a density"),
    ("bad cdf", lambda: w1_cdf(lambda t: 2.0, scipy.stats.norm.cdf, 0.0, 1.0), r"values in \[0, 1\]"),
    ("bad base", lambda: kl([1.0], [1.0], base=1.0), "base must be"),
    ("discriminator shapes", lambda: optimal_discriminator([1.0, 2.0], [1.0]), r"same shape.*\(2,\).*\(1,\)"),
    (
        "discriminator negative",
        lambda: optimal_discriminator([1.0, -2.0], [1.0, 1.0]),
        "p_r has negative mass",
    ),
    (
        "D range",
        lambda: gan_value([0.5, 0.5], [0.5, 0.5], [0.5, 1.5], 1.0),
        r"D must take values in \[0, 1\]",
    ),
    ("dx", lambda: gan_value([0.5, 0.5], [0.5, 0.5], [0.5, 0.5], 0.0), "dx must be > 0"),
    (
        "critic weights",
        lambda: optimal_critic_1d([0.0, 1.0], [2.0], x_weights=[1.0]),
        "one weight per sample",
    ),
    ("critic empty", lambda: optimal_critic_1d([], [2.0]), "x is empty"),
    ("theta", lambda: parallel_lines(np.inf), "theta must be finite"),
    ("n samples", lambda: parallel_lines_samples(1.0, 0), "n must be a positive integer"),
]


@pytest.mark.parametrize(("case", "call", "match"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_raises_value_error_naming_the_problem(case, call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_normalize_true_accepts_what_would_otherwise_be_refused():
    assert kl([1, 2], [2, 1], normalize=True) == pytest.approx(scipy.stats.entropy([1, 2], [2, 1]))
    assert w1_histogram([3, 2, 1, 4], [1, 2, 4, 4], normalize=True) == pytest.approx(
        scipy.stats.wasserstein_distance([0, 1, 2, 3], [0, 1, 2, 3], [3, 2, 1, 4], [1, 2, 4, 4])
    )
