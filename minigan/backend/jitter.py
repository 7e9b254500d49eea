"""A test hook that perturbs rounding: ``MINIGAN_JITTER=ε``.

A claim about a trained network must survive a change of CPU, BLAS build or thread count,
each of which changes the last bits of every matrix product and so the whole trajectory of
a training run. Rather than wait for another machine, CI makes this one round differently:
with ``MINIGAN_JITTER=1e-6`` every initial weight (``minigan.nn.init``), every sampled data
batch (``minigan.gan.data``) and every noise batch (``backend.random_normal`` /
``random_uniform``) is multiplied by (1 + ε·u), u ~ U(−1, 1), drawn from a generator of its
own. The main generator's stream is untouched (the same draws, in the same order), so a
jittered run differs from the plain one only by a relative perturbation of size ε — far
below anything a lesson may rely on, and far above the last bit a lucky trajectory may hang on.

The jitter generator is reseeded by :func:`minigan.backend.manual_seed`, so a jittered run is
itself reproducible. Unset (the default) or 0: no perturbation and no cost.
"""

from __future__ import annotations

import math
import os

import numpy as np

__all__ = ["jitter_host", "get_jitter", "set_jitter", "reseed_jitter"]

_JITTER_STREAM = 0x6A17  # keeps the jitter generator's stream apart from the seed's own


def _parse(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"MINIGAN_JITTER must be a number ≥ 0 (a relative perturbation such as 1e-6), "
                         f"got {text!r}") from None
    if not math.isfinite(value) or value < 0 or value >= 1:
        raise ValueError(f"MINIGAN_JITTER must be a number in [0, 1) (a relative perturbation such as 1e-6), "
                         f"got {text!r}")
    return value


_jitter = _parse(os.environ.get("MINIGAN_JITTER", "") or "0")
_jitter_rng = np.random.default_rng([_JITTER_STREAM, 0])


def get_jitter() -> float:
    """The relative perturbation ε in use (0: none)."""
    return _jitter


def set_jitter(epsilon: float) -> None:
    """Perturb every later initial weight and sampled batch by a relative ε (0 turns it off)."""
    global _jitter
    _jitter = _parse(str(epsilon))


def reseed_jitter(seed: int) -> None:
    """Restart the jitter generator for ``seed`` (called by ``manual_seed``)."""
    global _jitter_rng
    _jitter_rng = np.random.default_rng([_JITTER_STREAM, int(seed) & 0xFFFFFFFF])


def jitter_host(values: np.ndarray) -> np.ndarray:
    """``values`` · (1 + ε·u), u ~ U(−1, 1) elementwise, for a host float array; ``values`` itself when ε = 0."""
    if _jitter == 0.0:
        return values
    values = np.asarray(values)
    if not np.issubdtype(values.dtype, np.floating):
        return values
    return values * (1.0 + _jitter * _jitter_rng.uniform(-1.0, 1.0, values.shape))
