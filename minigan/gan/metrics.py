"""What the trainer logs besides the losses: exact W₁, the critic's estimate, gradient norms (lesson 12).

The point of these numbers is to check the critic against the truth:

* ``w1_exact``: W₁ between n generated and n real points, computed exactly on the host —
  ``w1_samples`` (sorting) in 1-D, ``w1_assignment`` (optimal matching) in 2-D. It is the W₁ of
  the two *samples*, so it has a floor even for a perfect generator (two samples of one law
  differ); :func:`sampling_floor` measures that floor.
* ``w1_critic``: E D(x) − E D(G(z)) on the same points; ≤ W₁ of the samples when ‖D‖_L ≤ 1.
* ``grad_norm_*``: ‖∇ₓ̂ D(x̂)‖ at x̂ = ε·x + (1 − ε)·G(z), what the gradient penalty pushes to 1.
* ``lipschitz_upper_bound``: ∏‖Wᵢ‖_s of the critic.

Metric batches are drawn from their own generator, seeded by (seed, step): looking at a run never
changes its training random stream, so the weights do not depend on how often it is logged.
"""

from __future__ import annotations

from typing import Any

import numpy as np  # host side: the exact distances run on host arrays by design

from minigan import backend
from minigan.autodiff import Tensor, no_grad
from minigan.distances import w1_assignment, w1_samples
from minigan.gan.data import DataSet
from minigan.gan.losses import critic_w1_estimate
from minigan.gan.penalty import gradient_norms, interpolate
from minigan.nn import lipschitz_upper_bound

__all__ = ["exact_w1", "metric_generator", "sampling_floor", "evaluate"]

METRIC_STREAM = 7  # distinguishes the metric generator's seed from the training stream's


def exact_w1(generated: Any, real: Any) -> float:
    """Exact W₁ between two samples (host arrays or Tensors, shape (n,) / (n, 1) / (n, d)).

    1-D: ``w1_samples`` (any sizes). d ≥ 2: ``w1_assignment`` (equal sizes, O(n³)).
    """
    generated = _host(generated)
    real = _host(real)
    if generated.ndim == 1 or generated.shape[1] == 1:
        return w1_samples(generated.reshape(-1), real.reshape(-1))
    return w1_assignment(generated, real)


def _host(points: Any) -> np.ndarray:
    if isinstance(points, Tensor):
        return points.numpy()
    if backend.is_array(points):
        return backend.to_host(points)
    return np.asarray(points)


def metric_generator(seed: int, step: int) -> np.random.Generator:
    """The host generator the metrics at ``step`` draw from (independent of training)."""
    return np.random.default_rng([int(seed), METRIC_STREAM, int(step)])


def sampling_floor(data: DataSet, n: int, seed: int = 0) -> float:
    """Exact W₁ between two independent n-point samples of ``data``: the value ``w1_exact`` would
    show for a perfect generator (it shrinks as n grows)."""
    rng = np.random.default_rng([int(seed), METRIC_STREAM + 1])  # not any step's stream
    return exact_w1(data.host(n, rng), data.host(n, rng))


def evaluate(generator: Any, critic: Any, data: DataSet, noise_dim: int, n: int, rng: np.random.Generator,
             dtype: str = "float32", lipschitz_bound: bool = True) -> dict[str, float]:
    """All metrics of one history row, on n fresh real and n fresh generated points from ``rng``.

    The critic runs in eval mode (a spectrally normalised critic keeps its u: evaluating must not
    advance the power iteration the training relies on) and gets its mode back afterwards.
    """
    real_host = data.host(n, rng)
    real = Tensor(backend.asarray(real_host, dtype=dtype))
    noise = Tensor(backend.random_normal((n, noise_dim), dtype=dtype, generator=rng))
    was_training = critic.training
    critic.eval()
    try:
        with no_grad():
            fake = generator(noise)
            estimate = critic_w1_estimate(critic(real), critic(fake)).item()
        norms = gradient_norms(critic, interpolate(real, fake, generator=rng)).data
        norms_host = backend.to_host(norms).astype(np.float64)
        bound = lipschitz_upper_bound(critic) if lipschitz_bound else float("nan")
    finally:
        critic.train(was_training)
    return {
        "w1_critic": float(estimate),
        "w1_exact": exact_w1(fake.numpy(), real_host),
        "grad_norm_mean": float(norms_host.mean()),
        "grad_norm_std": float(norms_host.std()),
        "grad_norm_max": float(norms_host.max()),
        "lipschitz_upper_bound": float(bound),
    }
