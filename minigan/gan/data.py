"""Seeded toy data sets for GAN training: 1-D Gaussians, 2-D mixtures, the Swiss roll, parallel lines.

Every sampler draws on the **host** from a NumPy generator — ``minigan.backend.rng()`` unless a
``generator`` is passed — so a seed gives the same points on every backend. Two forms:

* ``eight_gaussians(n)`` (and friends) return a :class:`~minigan.Tensor` of shape (n, d) in the
  default dtype (float32) on the active backend: what a training step wants.
* ``sample_host(name, n)`` returns a float64 host ``numpy.ndarray``: what the exact-W₁ metrics and
  the plots want (``minigan.distances`` works on the host).

Both consume the generator identically, so ``to_host(eight_gaussians(n).data)`` equals
``sample_host("8gaussians", n)`` rounded to float32 for the same generator state.

The 2-D sets follow the WGAN-GP authors' toy script (``gan_toy.py``) constant for constant:

* 8 Gaussians: centres (±1, 0), (0, ±1), (±1/√2, ±1/√2), scaled by 2, noise sd 0.02, all / 1.414.
* 25 Gaussians: centres on the grid {−4, −2, 0, 2, 4}², noise sd 0.05, all / 2.828. (The script
  shuffles a fixed set of 100,000 points and cycles through it; here every batch is a fresh i.i.d.
  draw from the same mixture.)
* Swiss roll: t = 1.5π(1 + 2u), u ~ U(0, 1), point (t·cos t, t·sin t) + N(0, 0.25²) noise, / 7.5
  (scikit-learn's ``make_swiss_roll(noise=0.25)`` keeps its x and z coordinates).

Lessons 09 (weight clipping), 11 (gradient penalty) and 12 (loss curves) train on these.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np  # host sampling only: the draws move to the device through backend.asarray

from minigan import backend
from minigan.autodiff import Tensor, get_default_dtype

__all__ = [
    "DataSet",
    "DATASETS",
    "available",
    "get",
    "require",
    "sample",
    "sample_host",
    "gaussian_1d",
    "mixture_1d",
    "eight_gaussians",
    "twenty_five_gaussians",
    "swiss_roll",
    "parallel_lines",
]

EIGHT_GAUSSIANS_SCALE = 2.0
EIGHT_GAUSSIANS_NOISE = 0.02
EIGHT_GAUSSIANS_DIVISOR = 1.414
TWENTY_FIVE_GAUSSIANS_NOISE = 0.05
TWENTY_FIVE_GAUSSIANS_DIVISOR = 2.828
SWISS_ROLL_NOISE = 0.25
SWISS_ROLL_DIVISOR = 7.5


def _generator(generator: np.random.Generator | None) -> np.random.Generator:
    if generator is None:
        return backend.rng()
    if not isinstance(generator, np.random.Generator):
        raise TypeError(f"generator must be a numpy.random.Generator (np.random.default_rng(seed)) or None, "
                        f"got {type(generator).__name__} {generator!r}")
    return generator


def _check_n(n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, int | np.integer):
        raise TypeError(f"n (the number of points) must be an int, got {type(n).__name__}")
    if n < 1:
        raise ValueError(f"n (the number of points) must be at least 1, got {n}")
    return int(n)


# ------------------------------------------------------------------------------ host samplers
def _gaussian_1d_host(n: int, generator: np.random.Generator, mean: float = 0.0,
                      std: float = 1.0) -> np.ndarray:
    if not (isinstance(mean, int | float | np.number) and math.isfinite(mean)):
        raise ValueError(f"mean must be a finite number, got {mean!r}")
    if not (isinstance(std, int | float | np.number) and math.isfinite(std) and std > 0):
        raise ValueError(f"std must be a finite positive number, got {std!r}")
    return mean + std * generator.standard_normal((n, 1))


def _mixture_1d_host(
    n: int,
    generator: np.random.Generator,
    means: tuple[float, ...] = (-2.0, 2.0),
    stds: tuple[float, ...] = (0.5, 0.5),
    weights: tuple[float, ...] | None = None,
) -> np.ndarray:
    means_a = np.asarray(means, dtype=np.float64)
    stds_a = np.asarray(stds, dtype=np.float64)
    if means_a.ndim != 1 or means_a.shape != stds_a.shape or means_a.size == 0:
        raise ValueError(f"means and stds must be equal-length non-empty sequences, "
                         f"got {means!r} and {stds!r}")
    if not np.all(stds_a > 0):
        raise ValueError(f"every std must be positive, got {stds!r}")
    if weights is None:
        weights_a = np.full(means_a.shape, 1.0 / means_a.size)
    else:
        weights_a = np.asarray(weights, dtype=np.float64)
        if weights_a.shape != means_a.shape or np.any(weights_a < 0) or not weights_a.sum() > 0:
            raise ValueError(f"weights must be non-negative, one per component, with a positive sum; "
                             f"got {weights!r}")
        weights_a = weights_a / weights_a.sum()
    component = generator.choice(means_a.size, size=n, p=weights_a)
    noise = generator.standard_normal(n)
    return (means_a[component] + stds_a[component] * noise)[:, None]


_EIGHT_CENTRES = np.array(
    [(1.0, 0.0), (-1.0, 0.0), (0.0, 1.0), (0.0, -1.0),
     (1 / math.sqrt(2), 1 / math.sqrt(2)), (1 / math.sqrt(2), -1 / math.sqrt(2)),
     (-1 / math.sqrt(2), 1 / math.sqrt(2)), (-1 / math.sqrt(2), -1 / math.sqrt(2))]
)
_GRID_CENTRES = np.array([(2.0 * i, 2.0 * j) for i in range(-2, 3) for j in range(-2, 3)])


def _eight_gaussians_host(n: int, generator: np.random.Generator) -> np.ndarray:
    centre = generator.integers(0, 8, size=n)
    noise = generator.standard_normal((n, 2)) * EIGHT_GAUSSIANS_NOISE
    return (EIGHT_GAUSSIANS_SCALE * _EIGHT_CENTRES[centre] + noise) / EIGHT_GAUSSIANS_DIVISOR


def _twenty_five_gaussians_host(n: int, generator: np.random.Generator) -> np.ndarray:
    centre = generator.integers(0, 25, size=n)
    noise = generator.standard_normal((n, 2)) * TWENTY_FIVE_GAUSSIANS_NOISE
    return (_GRID_CENTRES[centre] + noise) / TWENTY_FIVE_GAUSSIANS_DIVISOR


def _swiss_roll_host(n: int, generator: np.random.Generator) -> np.ndarray:
    t = 1.5 * math.pi * (1.0 + 2.0 * generator.uniform(0.0, 1.0, size=n))
    roll = np.stack([t * np.cos(t), t * np.sin(t)], axis=1)
    noise = generator.standard_normal((n, 2)) * SWISS_ROLL_NOISE
    return (roll + noise) / SWISS_ROLL_DIVISOR


def _parallel_lines_host(n: int, generator: np.random.Generator, theta: float = 0.0) -> np.ndarray:
    if not math.isfinite(theta):
        raise ValueError(f"theta must be finite, got {theta}")
    y = generator.uniform(0.0, 1.0, size=n)
    return np.stack([np.full(n, float(theta)), y], axis=1)


# ---------------------------------------------------------------------------------- registry
@dataclass(frozen=True, eq=False)  # eq=False: a data set is itself (arrays have no ==)
class DataSet:
    """A named toy distribution: its dimension, a host sampler, and a plotting window.

    ``plot_range`` is the half-width r of the square [−r, r]² (or interval) the figures draw; 3 for
    the 2-D toy sets, as the WGAN-GP paper's Figure 1 (a 128×128 grid over [−3, 3]²).

    Optional: ``mode_centres`` (k, dim) and ``mode_std`` σ for a mixture of k equal Gaussians,
    which :func:`minigan.gan.metrics.modes_covered` counts; ``image_shape`` (e.g. (8, 8)) for data
    whose points are flattened images, so figures draw a grid of images instead of a scatter.
    """

    name: str
    dim: int
    host_sampler: Callable[[int, np.random.Generator], np.ndarray]
    plot_range: float
    description: str
    mode_centres: np.ndarray | None = None
    mode_std: float | None = None
    image_shape: tuple[int, ...] | None = None

    def host(self, n: int, generator: np.random.Generator | None = None) -> np.ndarray:
        """n points as a float64 host array of shape (n, dim).

        Under ``MINIGAN_JITTER=ε`` (a test hook, see ``minigan.backend.jitter``) each point is
        perturbed by a relative ε."""
        return backend.jitter_host(self.host_sampler(_check_n(n), _generator(generator)))

    def tensor(self, n: int, generator: np.random.Generator | None = None, dtype: Any = None) -> Tensor:
        """n points as a Tensor of shape (n, dim) on the active backend (default dtype unless given)."""
        return _to_tensor(self.host(n, generator), dtype, jittered=True)


DATASETS: dict[str, DataSet] = {
    "gaussian1d": DataSet("gaussian1d", 1, _gaussian_1d_host, 4.0, "N(0, 1) on the line"),
    "mixture1d": DataSet("mixture1d", 1, _mixture_1d_host, 4.0, "½N(−2, 0.5²) + ½N(2, 0.5²) on the line",
                         mode_centres=np.array([[-2.0], [2.0]]), mode_std=0.5),
    "8gaussians": DataSet("8gaussians", 2, _eight_gaussians_host, 3.0,
                          "8 Gaussians on a circle (WGAN-GP toy)",
                          mode_centres=EIGHT_GAUSSIANS_SCALE * _EIGHT_CENTRES / EIGHT_GAUSSIANS_DIVISOR,
                          mode_std=EIGHT_GAUSSIANS_NOISE / EIGHT_GAUSSIANS_DIVISOR),
    "25gaussians": DataSet("25gaussians", 2, _twenty_five_gaussians_host, 3.0,
                           "5×5 grid of Gaussians (WGAN-GP toy)",
                           mode_centres=_GRID_CENTRES / TWENTY_FIVE_GAUSSIANS_DIVISOR,
                           mode_std=TWENTY_FIVE_GAUSSIANS_NOISE / TWENTY_FIVE_GAUSSIANS_DIVISOR),
    "swissroll": DataSet("swissroll", 2, _swiss_roll_host, 3.0, "the Swiss roll (WGAN-GP toy)"),
    "parallel_lines": DataSet("parallel_lines", 2, _parallel_lines_host, 1.5,
                              "the segment x = 0, y ~ U(0, 1) (the WGAN paper's P₀)"),
}

TOY_2D = ("8gaussians", "25gaussians", "swissroll")


def available() -> tuple[str, ...]:
    """Names accepted by :func:`get`, :func:`sample` and ``TrainConfig(data=...)``."""
    return tuple(DATASETS)


def require(name: str) -> DataSet:
    """The data set called ``name``, with whatever it loads loaded now: an ``ImportError`` naming
    the extra to install (digits: scikit-learn) comes here, before a run writes anything."""
    data_set = get(name)
    if name == "digits":
        digits()
    return data_set


def get(name: str) -> DataSet:
    """The data set called ``name`` (see :func:`available`)."""
    try:
        return DATASETS[name]
    except KeyError:
        raise ValueError(f"unknown data set {name!r}; choose one of {', '.join(DATASETS)}") from None


def sample_host(name: str, n: int, generator: np.random.Generator | None = None) -> np.ndarray:
    """n points of data set ``name`` as a float64 host array (for metrics and plots)."""
    return get(name).host(n, generator)


def sample(name: str, n: int, generator: np.random.Generator | None = None, dtype: Any = None) -> Tensor:
    """n points of data set ``name`` as a Tensor on the active backend (default dtype unless given)."""
    return get(name).tensor(n, generator, dtype)


def _to_tensor(points: np.ndarray, dtype: Any, jittered: bool = False) -> Tensor:
    if not jittered:
        points = backend.jitter_host(points)  # the MINIGAN_JITTER test hook (backend/jitter.py)
    dtype = get_default_dtype() if dtype is None else dtype
    if np.dtype(dtype).kind != "f":  # an integer dtype would truncate every point (pixels to {−1, 0, 1})
        raise TypeError(f"dtype must be a floating dtype (float32 or float64), got {np.dtype(dtype)}")
    return Tensor(backend.asarray(points, dtype=dtype))


# ------------------------------------------------------------------------- public samplers
def gaussian_1d(n: int, mean: float = 0.0, std: float = 1.0, generator: np.random.Generator | None = None,
                dtype: Any = None) -> Tensor:
    """n draws of N(mean, std²), shape (n, 1), on the active backend."""
    return _to_tensor(_gaussian_1d_host(_check_n(n), _generator(generator), mean, std), dtype)


def mixture_1d(n: int, means: tuple[float, ...] = (-2.0, 2.0), stds: tuple[float, ...] = (0.5, 0.5),
               weights: tuple[float, ...] | None = None, generator: np.random.Generator | None = None,
               dtype: Any = None) -> Tensor:
    """n draws of the mixture Σₖ wₖ N(meansₖ, stdsₖ²) (equal weights by default), shape (n, 1)."""
    return _to_tensor(_mixture_1d_host(_check_n(n), _generator(generator), means, stds, weights), dtype)


def eight_gaussians(n: int, generator: np.random.Generator | None = None, dtype: Any = None) -> Tensor:
    """n points of the WGAN-GP toy 8 Gaussians, shape (n, 2): centre ∈ 2·{unit circle at 45° steps},
    plus N(0, 0.02²) noise, all divided by 1.414."""
    return _to_tensor(_eight_gaussians_host(_check_n(n), _generator(generator)), dtype)


def twenty_five_gaussians(n: int, generator: np.random.Generator | None = None, dtype: Any = None) -> Tensor:
    """n points of the WGAN-GP toy 25 Gaussians, shape (n, 2): centre ∈ {−4, −2, 0, 2, 4}², plus
    N(0, 0.05²) noise, all divided by 2.828."""
    return _to_tensor(_twenty_five_gaussians_host(_check_n(n), _generator(generator)), dtype)


def swiss_roll(n: int, generator: np.random.Generator | None = None, dtype: Any = None) -> Tensor:
    """n points of the WGAN-GP toy Swiss roll, shape (n, 2): (t cos t, t sin t) + N(0, 0.25²) noise,
    t = 1.5π(1 + 2u), all divided by 7.5."""
    return _to_tensor(_swiss_roll_host(_check_n(n), _generator(generator)), dtype)


def parallel_lines(n: int, theta: float = 0.0, generator: np.random.Generator | None = None,
                   dtype: Any = None) -> Tensor:
    """n points of the WGAN paper's line P_θ: x = θ, y ~ U(0, 1), shape (n, 2) (lesson 06).

    W₁(P₀, P_θ) = |θ| while KL = ∞ and JS = ln 2 for every θ ≠ 0.
    """
    return _to_tensor(_parallel_lines_host(_check_n(n), _generator(generator), float(theta)), dtype)


# ------------------------------------------------------------------------- handwritten digits
# Real data, not a toy (lesson 14 "from toys to digits"): the 1,797 8×8 digits that scikit-learn
# ships inside its package (the UCI optdigits test set; no download), an optional extra.
DIGITS_HELD_OUT = 500  # the last 500 images: held out for the exact distances and the classifier
DIGITS_IMAGE_SHAPE = (8, 8)
DIGITS_MISSING = "the digits data set needs scikit-learn: pip install -e '.[digits]'"


@dataclass(frozen=True)
class Digits:
    """The 8×8 handwritten digits, scaled to [−1, 1], split into training and held-out images.

    ``train`` (1,297 × 64) and ``held_out`` (500 × 64): float64 host arrays, read-only, one
    flattened image per row (row-major, reshape to ``image_shape`` to draw); ``train_labels`` and
    ``held_out_labels``: the digit 0–9 of each row (int64). A pixel p ∈ {0, …, 16} (ink count of a
    4×4 block) becomes p/8 − 1, so blank is −1 and full ink is +1, the range of a tanh generator.

    The split is fixed, with no random draw: the last 500 images of scikit-learn's order are held
    out (46–51 per digit), the first 1,297 train.
    """

    train: np.ndarray
    train_labels: np.ndarray
    held_out: np.ndarray
    held_out_labels: np.ndarray
    image_shape: tuple[int, int] = DIGITS_IMAGE_SHAPE


_DIGITS_CACHE: list[Digits] = []


def digits() -> Digits:
    """The handwritten digits (:class:`Digits`), loaded once from scikit-learn and cached (lesson 14).

    Raises ``ImportError`` naming ``pip install -e '.[digits]'`` when scikit-learn is missing.
    As a training set (``TrainConfig(data="digits")``, ``sample("digits", n)``), a batch is n
    training images drawn uniformly with replacement.
    """
    if not _DIGITS_CACHE:
        try:
            from sklearn.datasets import load_digits
        except ImportError as error:
            raise ImportError(DIGITS_MISSING) from error
        bunch = load_digits()
        images = np.asarray(bunch.data, dtype=np.float64) / 8.0 - 1.0
        labels = np.asarray(bunch.target, dtype=np.int64)
        cut = images.shape[0] - DIGITS_HELD_OUT
        parts = [np.ascontiguousarray(a) for a in (images[:cut], labels[:cut], images[cut:], labels[cut:])]
        for part in parts:
            part.flags.writeable = False  # shared by every caller: nobody may change the data set
        _DIGITS_CACHE.append(Digits(*parts))
    return _DIGITS_CACHE[0]


def _digits_host(n: int, generator: np.random.Generator) -> np.ndarray:
    train = digits().train
    return train[generator.integers(0, train.shape[0], size=n)]  # fancy indexing: a fresh, writable copy


DATASETS["digits"] = DataSet("digits", 64, _digits_host, 1.0,
                             "8×8 handwritten digits in [−1, 1] (scikit-learn; extra: digits)",
                             image_shape=DIGITS_IMAGE_SHAPE)
__all__ += ["Digits", "digits"]
