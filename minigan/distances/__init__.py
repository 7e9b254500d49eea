"""Exact distances between distributions — the yardstick every claim in minigan is checked against.

Host-side NumPy/SciPy in float64 by design; this package imports nothing else from minigan.
minigan Tensors (``.numpy()``) and CuPy arrays (``.get()``) are copied to the host on the way in.

Divergences (lesson 01):            kl, js, kl_gaussian, kl_density, js_density
Wasserstein-1 (lessons 05–07):      w1_histogram, w1_samples, w1_cdf, w1_gaussian, w1_assignment
Sliced W₁ (lesson 14):              sliced_w1
Critics and the GAN game (02, 07):  optimal_critic_1d, OptimalCritic1D, optimal_discriminator,
                                    gan_value, max_discriminator_value
The parallel-lines example (06):    parallel_lines, parallel_lines_samples

Bad input (negative mass, NaN/inf, mismatched lengths, empty samples, weights that do not match
their samples or sum to zero, histograms that do not sum to 1 without ``normalize=True``) raises
``ValueError`` naming the problem.
"""

from .critics import (
    OptimalCritic1D,
    gan_value,
    max_discriminator_value,
    optimal_critic_1d,
    optimal_discriminator,
)
from .divergences import js, js_density, kl, kl_density, kl_gaussian
from .examples import parallel_lines, parallel_lines_samples
from .sliced import SlicedW1, sliced_w1
from .wasserstein import w1_assignment, w1_cdf, w1_gaussian, w1_histogram, w1_samples

__all__ = [
    "kl",
    "js",
    "kl_gaussian",
    "kl_density",
    "js_density",
    "w1_histogram",
    "w1_samples",
    "w1_cdf",
    "w1_gaussian",
    "w1_assignment",
    "sliced_w1", "SlicedW1",  # sliced.py (lesson 14)
    "OptimalCritic1D",
    "optimal_critic_1d",
    "optimal_discriminator",
    "gan_value",
    "max_discriminator_value",
    "parallel_lines",
    "parallel_lines_samples",
]
