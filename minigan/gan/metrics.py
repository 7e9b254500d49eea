"""What the trainer logs besides the losses: exact W₁, the critic's estimate, gradient norms (lesson 12).

The point of these numbers is to check the critic against the truth:

* ``w1_exact``: W₁ between n generated and n real points, computed exactly on the host —
  ``w1_samples`` (sorting) in 1-D, ``w1_assignment`` (optimal matching) in 2-D. It is the W₁ of
  the two *samples*, so it has a floor even for a perfect generator (two samples of one law
  differ); :func:`sampling_floor` measures that floor.
* ``w1_critic``: E D(x) − E D(G(z)) on the same points; ≤ W₁ of the samples when ‖D‖_L ≤ 1.
* ``grad_norm_*``: ‖∇ₓ̂ D(x̂)‖ at x̂ = ε·x + (1 − ε)·G(z), what the gradient penalty pushes to 1.
* ``lipschitz_upper_bound``: ∏‖Wᵢ‖_s of the critic.
* ``modes_covered``: for a mixture of k Gaussians (8 / 25 Gaussians, the 1-D mixture), how many
  modes hold at least 5 % (0.4/k for k modes) of 2,000 generated points within 3σ of their centre — the count the
  mode-collapse literature reports (NaN for data without modes).
* ``d_real_mean``, ``d_fake_mean``: for a GAN, the discriminator's mean probability σ(D(x)) on real
  and on generated points (½ and ½ at the game's equilibrium, lesson 02); NaN for a WGAN critic,
  whose scores are not probabilities.

In dimension d > 2 the exact W₁ (an O(n³) assignment) runs on at most :data:`HIGH_DIM_W1_POINTS`
points per side, so logging stays affordable.

Metric batches are drawn from their own generator, seeded by (seed, step): looking at a run never
changes its training random stream, so the weights do not depend on how often it is logged.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np  # host side: the exact distances run on host arrays by design

from minigan import backend
from minigan.autodiff import Tensor, no_grad, sigmoid
from minigan.distances import w1_assignment, w1_samples
from minigan.gan.data import DataSet
from minigan.gan.losses import critic_w1_estimate
from minigan.gan.penalty import gradient_norms, interpolate
from minigan.nn import lipschitz_upper_bound

__all__ = ["exact_w1", "metric_generator", "sampling_floor", "evaluate", "modes_covered", "MODE_SAMPLES"]

METRIC_STREAM = 7  # distinguishes the metric generator's seed from the training stream's
MODE_SAMPLES = 2000  # generated points the mode count looks at
MODE_RADIUS = 3.0  # a point belongs to a mode within MODE_RADIUS·σ of its centre
MODE_SHARE = 0.4  # a mode is covered when it holds at least 40 % of its fair share 1/k of the points
HIGH_DIM_W1_POINTS = 500  # the exact W₁ in d > 2 uses at most this many points per side


def modes_covered(points: Any, centres: Any, std: float, radius: float = MODE_RADIUS,
                  min_fraction: float | None = None) -> int:
    """How many of the k mixture modes are covered by ``points`` (n, d).

    Mode j is covered when at least ``min_fraction``·n points lie within ``radius``·σ of
    ``centres[j]`` (Euclidean distance). The default fraction is 0.4/k, 40 % of a mode's fair
    share: 5 % for the 8 Gaussians (the usual criterion), 1.6 % for the 25. A generator that
    drops a mode, or smears its mass between modes, loses that mode.
    """
    points = _host(points).astype(np.float64)
    centres = np.asarray(centres, dtype=np.float64)
    if points.ndim == 1:
        points = points[:, None]
    if centres.ndim != 2 or points.ndim != 2 or centres.shape[1] != points.shape[1]:
        raise ValueError(f"points (n, d) and centres (k, d) must agree in d; got {points.shape} and {centres.shape}")
    if min_fraction is None:
        min_fraction = MODE_SHARE / max(centres.shape[0], 1)
    if not std > 0 or not radius > 0 or not 0 < min_fraction <= 1:
        raise ValueError(f"std and radius must be > 0 and min_fraction in (0, 1]; got {std}, {radius}, {min_fraction}")
    if points.shape[0] == 0:
        return 0
    distances = np.sqrt(((points[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2))  # (n, k)
    counts = (distances <= radius * std).sum(axis=0)
    return int((counts >= min_fraction * points.shape[0]).sum())


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
             dtype: str = "float32", lipschitz_bound: bool = True, discriminator: bool = False) -> dict[str, float]:
    """All metrics of one history row, on n fresh real and n fresh generated points from ``rng``
    (at most :data:`HIGH_DIM_W1_POINTS` of them for the exact W₁ when the data has d > 2).

    ``discriminator``: the critic is a GAN discriminator (outputs are logits), so σ(D) statistics
    are recorded. The critic runs in eval mode (a spectrally normalised critic keeps its u:
    evaluating must not advance the power iteration the training relies on) and gets its mode back.
    """
    real_host = data.host(n, rng)
    real = Tensor(backend.asarray(real_host, dtype=dtype))
    noise = Tensor(backend.random_normal((n, noise_dim), dtype=dtype, generator=rng))
    was_training = critic.training
    critic.eval()
    try:
        with no_grad():
            fake = generator(noise)
            real_scores, fake_scores = critic(real), critic(fake)
            estimate = critic_w1_estimate(real_scores, fake_scores).item()
            d_real = sigmoid(real_scores).mean().item() if discriminator else math.nan
            d_fake = sigmoid(fake_scores).mean().item() if discriminator else math.nan
        norms = gradient_norms(critic, interpolate(real, fake, generator=rng)).data
        norms_host = backend.to_host(norms).astype(np.float64)
        bound = lipschitz_upper_bound(critic) if lipschitz_bound else float("nan")
    finally:
        critic.train(was_training)
    fake_host = fake.numpy()
    w1_points = n if data.dim <= 2 else min(n, HIGH_DIM_W1_POINTS)
    return {
        "w1_critic": float(estimate),
        "w1_exact": exact_w1(fake_host[:w1_points], real_host[:w1_points]),
        "grad_norm_mean": float(norms_host.mean()),
        "grad_norm_std": float(norms_host.std()),
        "grad_norm_max": float(norms_host.max()),
        "lipschitz_upper_bound": float(bound),
        "modes_covered": _modes(generator, data, noise_dim, rng, dtype),
        "d_real_mean": float(d_real),
        "d_fake_mean": float(d_fake),
        **(_digit_metrics(generator, noise_dim, rng, dtype, w1_points) if data.name == "digits" else {}),
    }


_DIGITS_CACHE: dict[str, Any] = {}


def digit_classifier() -> Any:
    """Lesson 14's digit classifier, trained once (~20 s of CPU) and cached in ``MINIGAN_CACHE``
    (default ``~/.cache/minigan``; kept in memory only where that cannot be written)."""
    if "classifier" not in _DIGITS_CACHE:
        import os
        from pathlib import Path

        from minigan.gan.classifier import load_or_train_digit_classifier, train_digit_classifier

        folder = Path(os.environ.get("MINIGAN_CACHE") or Path.home() / ".cache" / "minigan")
        try:
            _DIGITS_CACHE["classifier"] = load_or_train_digit_classifier(folder)
        except OSError:
            _DIGITS_CACHE["classifier"] = train_digit_classifier()
    return _DIGITS_CACHE["classifier"]


def digits_w1_floor(n: int) -> float:
    """Exact W₁ between n held-out real digits and n training digits: what ``w1_exact`` would show
    for a generator that draws real digits (≈ 3.0 at n = 500; lesson 14)."""
    key = f"floor{n}"
    if key not in _DIGITS_CACHE:
        from minigan.gan.data import digits

        data = digits()
        rng = np.random.default_rng([0, METRIC_STREAM + 2])
        train = data.train[rng.choice(data.train.shape[0], n, replace=False)]
        _DIGITS_CACHE[key] = exact_w1(train, data.held_out[:n])
    return _DIGITS_CACHE[key]


def _digit_metrics(generator: Any, noise_dim: int, rng: np.random.Generator, dtype: str,
                   w1_points: int) -> dict[str, float]:
    """For the digits: the classifier's mode count (replacing the mixture's), its mean confidence
    (the top class probability, averaged over MODE_SAMPLES generated images) and the W₁ floor."""
    from minigan.gan.classifier import mode_count

    classifier = digit_classifier()
    noise = Tensor(backend.random_normal((MODE_SAMPLES, noise_dim), dtype=dtype, generator=rng))
    with no_grad():
        images = generator(noise).numpy().astype(np.float64)
    found = mode_count(classifier, images)
    confidence = float(np.asarray(classifier.probabilities(images)).max(axis=1).mean())
    return {"modes_covered": float(found.modes), "mean_confidence": confidence,
            "w1_floor": digits_w1_floor(w1_points)}


def _modes(generator: Any, data: DataSet, noise_dim: int, rng: np.random.Generator, dtype: str) -> float:
    """modes_covered on MODE_SAMPLES fresh generated points, NaN for data without modes."""
    if data.mode_centres is None or data.mode_std is None:
        return math.nan
    noise = Tensor(backend.random_normal((MODE_SAMPLES, noise_dim), dtype=dtype, generator=rng))
    with no_grad():
        points = generator(noise).numpy()
    return float(modes_covered(points, data.mode_centres, data.mode_std))
