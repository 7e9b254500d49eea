"""Inputs at the edge of float64 and inputs that are not what they claim to be: each gives the
right answer or a clear error, never a silent wrong number (issue 11). Expected values are
from the mathematics (scale invariance of normalized divergences, closed forms) or SciPy."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats
from scipy.spatial.distance import jensenshannon

from minigan.distances import js, js_density, kl, kl_density, w1_cdf, w1_histogram, w1_samples

LN2 = math.log(2.0)


# ------------------------------------------------------------------ totals that overflow
def test_kl_and_js_of_huge_counts_equal_those_of_the_scaled_histograms():
    # normalize=True divides by the totals: the result cannot depend on the unit of the counts
    p, q = np.array([1e308, 1e308]), np.array([1.5e308, 5e307])
    expected_kl = scipy.stats.entropy([1.0, 1.0], [1.5, 0.5])  # 0.1438…
    assert kl(p, q, normalize=True) == pytest.approx(expected_kl, rel=1e-12)
    assert expected_kl == pytest.approx(0.1438, abs=1e-4)
    assert js(p, q, normalize=True) == pytest.approx(jensenshannon([1.0, 1.0], [1.5, 0.5]) ** 2, rel=1e-12)


def test_w1_histogram_of_huge_counts():
    # totals 2e308 each (not representable): δ = (0, −7e307, 0), W = 7e307 shovelful·steps
    assert w1_histogram([1e308, 1e308], [1.7e308, 3e307]) == pytest.approx(7e307, rel=1e-12)
    assert w1_histogram([1e308, 1e308], [1.7e308, 3e307], normalize=True) == pytest.approx(0.35, rel=1e-12)


def test_w1_histogram_different_huge_totals_are_refused():
    with pytest.raises(ValueError, match="different total mass"):
        w1_histogram([1e308, 1e308], [1.7e308, 1e307])


def test_w1_histogram_whose_value_overflows_says_so():
    with pytest.raises(ValueError, match="overflows float64"):
        w1_histogram([1.7e308, 0.0, 0.0], [0.0, 0.0, 1.7e308])  # W = 3.4e308


def test_w1_samples_with_huge_weights_normalizes_safely():
    # weights 1e308 : 1.7e308 are the same measure as 1 : 1.7
    value = w1_samples([0.0, 1.0], [0.0, 1.0], x_weights=[1e308, 1.7e308])
    assert value == pytest.approx(w1_samples([0.0, 1.0], [0.0, 1.0], x_weights=[1.0, 1.7]), rel=1e-12)
    assert value == pytest.approx(scipy.stats.wasserstein_distance([0, 1], [0, 1], [1, 1.7]), rel=1e-12)


def test_w1_samples_with_huge_values():
    # |±1.7e308 − 0| each: W = 1.7e308, although the sum of the two distances overflows
    assert w1_samples([1.7e308, -1.7e308], [0.0, 0.0]) == pytest.approx(1.7e308, rel=1e-12)
    assert w1_samples([1.7e308, -1.7e308, 0.0], [0.0, 0.0]) == pytest.approx(
        scipy.stats.wasserstein_distance([1.7, -1.7, 0.0], [0.0, 0.0]) * 1e308, rel=1e-12)
    with pytest.raises(ValueError, match="overflows float64"):
        w1_samples([1.7e308], [-1.7e308])  # W = 3.4e308 is not a float64


# --------------------------------------------------------------- densities and CDFs checked
def test_kl_density_refuses_a_density_that_does_not_integrate_to_one():
    half = lambda x: 0.5 * scipy.stats.norm.pdf(x)  # noqa: E731
    with pytest.raises(ValueError, match=r"p integrates to 0\.5"):
        kl_density(half, scipy.stats.norm(0, 1).pdf, -20.0, 20.0)
    with pytest.raises(ValueError, match=r"q integrates to 0\.5"):
        kl_density(scipy.stats.norm(0, 1).pdf, half, -20.0, 20.0)


def test_js_density_refuses_a_density_that_does_not_integrate_to_one():
    double = lambda x: 2.0 * scipy.stats.norm.pdf(x)  # noqa: E731
    with pytest.raises(ValueError, match=r"p integrates to 2"):
        js_density(double, scipy.stats.norm(3, 1).pdf, -20.0, 23.0)


def test_densities_on_an_interval_that_misses_mass_are_refused():
    # N(0, 1) has 0.27 % of its mass outside [−3, 3]: the divergence would be of the wrong laws
    with pytest.raises(ValueError, match=r"integrates to 0\.997"):
        kl_density(scipy.stats.norm(0, 1), scipy.stats.norm(1, 1), -3.0, 3.0)


def test_js_density_is_not_clipped_it_is_computed():
    # disjoint supports: JS = ln 2 exactly; returned as computed (within round-off of ln 2)
    p, q = scipy.stats.uniform(0, 1), scipy.stats.uniform(2, 1)
    value, error = js_density(p.pdf, q.pdf, -1.0, 4.0, points=[0.0, 1.0, 2.0, 3.0], return_error=True)
    assert value == pytest.approx(LN2, abs=1e-12)
    assert value <= LN2 + 1e-12


def test_w1_cdf_refuses_a_decreasing_cdf():
    survival = lambda t: 1.0 - scipy.stats.norm.cdf(t)  # noqa: E731
    with pytest.raises(ValueError, match="non-decreasing"):
        w1_cdf(survival, scipy.stats.norm(0, 1).cdf, -20.0, 20.0)


def test_js_density_moves_only_round_off_onto_ln2_and_raises_on_a_real_violation(monkeypatch):
    import minigan.distances.divergences as divergences

    real_quad = divergences.checked_quad
    offset = {"value": 0.0}

    def shifted_quad(integrand, lo, hi, *, what, **options):
        value, error = real_quad(integrand, lo, hi, what=what, **options)
        return (value + offset["value"], error) if what == "js_density" else (value, error)

    monkeypatch.setattr(divergences, "checked_quad", shifted_quad)
    p, q = scipy.stats.uniform(0, 1), scipy.stats.uniform(2, 1)
    args = (p.pdf, q.pdf, -1.0, 4.0)
    offset["value"] = 1e-13  # round-off: onto the bound
    assert js_density(*args, points=[0.0, 1.0, 2.0, 3.0]) == LN2
    offset["value"] = 1e-3  # a quadrature that went wrong: said, not hidden
    with pytest.raises(ValueError, match="outside \\[0, ln 2\\]"):
        js_density(*args, points=[0.0, 1.0, 2.0, 3.0])


def test_optimal_critic_with_huge_weights_is_that_of_the_scaled_weights():
    from minigan.distances import optimal_critic_1d

    huge = optimal_critic_1d([0.0, 1.0, 3.0], [0.5, 2.0], x_weights=[1e308, 1.7e308, 1e308])
    small = optimal_critic_1d([0.0, 1.0, 3.0], [0.5, 2.0], x_weights=[1.0, 1.7, 1.0])
    assert huge.w1 == pytest.approx(small.w1, rel=1e-12)
    assert small.w1 == pytest.approx(scipy.stats.wasserstein_distance([0, 1, 3], [0.5, 2], [1, 1.7, 1]), rel=1e-12)
