"""Toy data sets: the WGAN-GP toy script's constants, seeding, host vs device forms, bad input."""

import math

import numpy as np
import pytest

import minigan as mg
from minigan.gan import data


def test_eight_gaussians_sit_on_the_scaled_circle():
    points = data.sample_host("8gaussians", 4000, np.random.default_rng(0))
    angles = np.arange(8) * np.pi / 4
    centres = 2.0 * np.stack([np.cos(angles), np.sin(angles)], axis=1) / 1.414
    distances = np.linalg.norm(points[:, None, :] - centres[None], axis=2)
    nearest = distances.argmin(axis=1)
    # noise sd 0.02/1.414 per coordinate: every point within 6 sd of its centre
    assert distances.min(axis=1).max() < 6 * 0.02 / 1.414
    counts = np.bincount(nearest, minlength=8)
    assert counts.min() > 400 and counts.max() < 600  # 500 expected per centre
    residual = points - centres[nearest]
    assert residual.std() == pytest.approx(0.02 / 1.414, rel=0.05)


def test_twenty_five_gaussians_sit_on_the_grid():
    points = data.sample_host("25gaussians", 5000, np.random.default_rng(1))
    grid = np.array([(i, j) for i in (-4, -2, 0, 2, 4) for j in (-4, -2, 0, 2, 4)]) / 2.828
    distances = np.linalg.norm(points[:, None, :] - grid[None], axis=2)
    assert distances.min(axis=1).max() < 6 * 0.05 / 2.828
    counts = np.bincount(distances.argmin(axis=1), minlength=25)
    assert counts.min() > 120 and counts.max() < 280  # 200 expected per centre
    assert (points - grid[distances.argmin(axis=1)]).std() == pytest.approx(0.05 / 2.828, rel=0.05)


def test_swiss_roll_radius_and_angle_follow_the_parameter():
    points = data.sample_host("swissroll", 3000, np.random.default_rng(2)) * 7.5
    radius = np.linalg.norm(points, axis=1)
    # t ∈ [1.5π, 4.5π] and the point is t·(cos t, sin t) + N(0, 0.25²): radius ≈ t
    assert radius.min() > 1.5 * math.pi - 1.5 and radius.max() < 4.5 * math.pi + 1.5
    assert np.mean(radius) == pytest.approx(3 * math.pi, rel=0.05)  # t is uniform on [1.5π, 4.5π]
    # the angle of each point equals its radius (mod 2π) up to the noise
    gap = np.angle(np.exp(1j * (np.arctan2(points[:, 1], points[:, 0]) - radius)))
    assert np.median(np.abs(gap)) < 0.3  # radial noise sd 0.25 gives a median |gap| ≈ 0.17; unrelated ≈ π/2


def test_parallel_lines_and_one_dimensional_sets():
    line = data.parallel_lines(1000, theta=0.7, generator=np.random.default_rng(0)).numpy()
    assert line.shape == (1000, 2)
    np.testing.assert_array_equal(line[:, 0], np.float32(0.7))
    assert line[:, 1].min() >= 0 and line[:, 1].max() < 1
    assert line[:, 1].mean() == pytest.approx(0.5, abs=0.03)
    gauss = data.gaussian_1d(20000, mean=1.5, std=0.5, generator=np.random.default_rng(1)).numpy()
    assert gauss.shape == (20000, 1)
    assert gauss.mean() == pytest.approx(1.5, abs=0.02) and gauss.std() == pytest.approx(0.5, rel=0.02)
    mixture = data.mixture_1d(20000, means=(-2.0, 2.0), stds=(0.5, 0.5), weights=(1.0, 3.0),
                              generator=np.random.default_rng(2)).numpy()
    assert np.mean(mixture > 0) == pytest.approx(0.75, abs=0.015)
    assert mixture.mean() == pytest.approx(-2 * 0.25 + 2 * 0.75, abs=0.03)


@pytest.mark.parametrize("name", data.available())
def test_tensor_and_host_forms_agree_and_seeding_reproduces(name):
    host = data.sample_host(name, 64, np.random.default_rng(5))
    points = data.sample(name, 64, np.random.default_rng(5))
    assert points.dtype == mg.get_default_dtype()
    assert mg.backend.backend_of(points.data) == mg.backend.name()
    assert host.dtype == np.float64 and host.shape == (64, data.get(name).dim)
    np.testing.assert_array_equal(points.numpy(), host.astype(np.float32))
    # the global generator: mg.manual_seed reproduces the draws
    mg.manual_seed(9)
    first = data.sample(name, 16).numpy()
    mg.manual_seed(9)
    np.testing.assert_array_equal(data.sample(name, 16).numpy(), first)
    assert not np.array_equal(data.sample(name, 16).numpy(), first)


def test_named_samplers_match_the_registry():
    for function, name in [(data.eight_gaussians, "8gaussians"), (data.twenty_five_gaussians, "25gaussians"),
                           (data.swiss_roll, "swissroll")]:
        np.testing.assert_array_equal(function(10, np.random.default_rng(3), dtype="float64").numpy(),
                                      data.sample_host(name, 10, np.random.default_rng(3)))


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="unknown data set"):
        data.get("moons")
    with pytest.raises(ValueError, match="at least 1"):
        data.eight_gaussians(0)
    with pytest.raises(TypeError, match="must be an int"):
        data.eight_gaussians(2.5)
    with pytest.raises(ValueError, match="std must be a finite positive number"):
        data.gaussian_1d(5, std=0.0)
    with pytest.raises(ValueError, match="weights"):
        data.mixture_1d(5, weights=(1.0, -1.0))
    with pytest.raises(ValueError, match="finite"):
        data.parallel_lines(5, theta=float("inf"))
