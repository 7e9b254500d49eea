"""Snapshots of a run for watching it learn: what a frame of ``training.gif`` shows, as host arrays.

A snapshot at generator step t holds

    step, w1_exact          the step and the exact W₁ between the snapshot's generated and real points
    real, generated         n real points and n generated points G(z) — the *same* z in every
                            snapshot of a run, so a frame-to-frame change is the generator moving
    grid_x, grid_values     (d ≤ 2) the critic D on a grid over the data's plotting window: a
                            G×G grid in 2-D (WGAN-GP paper, Figure 1), G points in 1-D
    arrow_points,
    arrow_vectors           (d ≤ 2) ∇ₓD at a subset of the generated points: the direction in which
                            the generator step moves them. Every loss here makes the generator
                            increase D at its points (L_G = −D for a WGAN, log(1 − σ(D)) or
                            −log σ(D) for a GAN), so −∇ₓL_G is a positive multiple of +∇ₓD.
    discriminator           True for a GAN (D is a logit; figures show σ(D)), False for a critic

The critic runs in eval mode (spectral normalisation keeps its u), and every draw comes from a
generator of its own (seeded by the run's seed), so taking snapshots never changes training. This
module records; :mod:`minigan.animation` draws (``gan`` never draws).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np  # host side: snapshots are host arrays for the figures

from minigan import backend
from minigan.autodiff import Tensor, grad, no_grad
from minigan.gan.checkpoint import read_npz, write_npz_atomic
from minigan.gan.metrics import HIGH_DIM_W1_POINTS, exact_w1

__all__ = ["take_snapshot", "save_snapshot", "load_snapshots", "SNAPSHOT_FOLDER", "SNAPSHOT_POINTS",
           "SNAPSHOT_GRID", "SNAPSHOT_ARROWS"]

SNAPSHOT_FOLDER = "snapshots"  # out/snapshots/snapshot_000100.npz, one file per snapshot

SNAPSHOT_STREAM = 11  # the snapshot generator is default_rng([seed, SNAPSHOT_STREAM])
SNAPSHOT_POINTS = 500
SNAPSHOT_GRID = 64
SNAPSHOT_ARROWS = 32


def take_snapshot(run: Any, points: int = SNAPSHOT_POINTS, grid: int = SNAPSHOT_GRID,
                  arrows: int = SNAPSHOT_ARROWS) -> dict[str, Any]:
    """The snapshot of ``run`` (a :class:`~minigan.gan.trainer.Run`) at its current step."""
    config, data = run.config, run.data
    rng = np.random.default_rng([config.seed, SNAPSHOT_STREAM])  # the same draws at every step
    real = data.host(points, rng)
    noise = Tensor(backend.asarray(rng.standard_normal((points, config.noise_dim)), dtype=config.dtype))
    with no_grad():
        generated = run.generator(noise).numpy().astype(np.float64)
    n_w1 = points if data.dim <= 2 else min(points, HIGH_DIM_W1_POINTS)
    snapshot: dict[str, Any] = {
        "step": int(run.step),
        "w1_exact": float(exact_w1(generated[:n_w1], real[:n_w1])),
        "real": real,
        "generated": generated,
        "discriminator": config.loss != "wgan",
    }
    if data.dim > 2:
        return snapshot
    radius = data.plot_range
    axis = np.linspace(-radius, radius, grid)
    if data.dim == 1:
        grid_points = axis[:, None]
    else:
        grid_x, grid_y = np.meshgrid(axis, axis)
        grid_points = np.stack([grid_x.ravel(), grid_y.ravel()], axis=1)
    snapshot["grid_x"] = axis
    snapshot["grid_values"] = run.critic_values(grid_points).reshape((grid,) * data.dim)
    chosen = generated[:arrows]
    snapshot["arrow_points"] = chosen
    snapshot["arrow_vectors"] = _critic_gradient(run, chosen)
    return snapshot


def _critic_gradient(run: Any, points: np.ndarray) -> np.ndarray:
    """∇ₓD at host points (m, d), as a host array (m, d); the critic in eval mode."""
    critic = run.critic
    was_training = critic.training
    critic.eval()
    try:
        x = Tensor(backend.asarray(points, dtype=run.config.dtype), requires_grad=True)
        (gradient,) = grad(critic(x).sum(), [x])
    finally:
        critic.train(was_training)
    return gradient.numpy().astype(np.float64)


def save_snapshot(snapshot: dict[str, Any], folder: str | os.PathLike) -> Path:
    """Write ``snapshot`` to ``folder/snapshot_<step>.npz`` atomically (plain arrays, no pickle)."""
    path = Path(folder) / f"snapshot_{snapshot['step']:06d}.npz"
    return write_npz_atomic(path, {key: np.asarray(value) for key, value in snapshot.items()})


def load_snapshots(folder: str | os.PathLike) -> list[dict[str, Any]]:
    """Every snapshot saved in ``folder``, in step order (an empty list when there is none)."""
    snapshots = []
    for path in sorted(Path(folder).glob("snapshot_*.npz")):
        arrays = read_npz(path)
        snapshot: dict[str, Any] = dict(arrays)
        snapshot["step"] = int(arrays["step"])
        snapshot["w1_exact"] = float(arrays["w1_exact"])
        snapshot["discriminator"] = bool(arrays["discriminator"])
        snapshots.append(snapshot)
    return sorted(snapshots, key=lambda s: s["step"])
