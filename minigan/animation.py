"""Frames and animations of training runs: watching a GAN learn (``minigan train --snapshot-every``,
``minigan compare``).

A frame draws one snapshot (:func:`minigan.gan.snapshots.take_snapshot`):

* left: real points (orange) and generated points (blue) over the critic's value surface — D(x)
  for a WGAN critic (grey contours, as the WGAN-GP paper's Figure 1), the discriminator's
  probability σ(D(x)) for a GAN (a red–blue heat map, 0.5 white, as GAN Lab) — with arrows of ∇ₓD
  at some generated points: the way the generator's next steps push them. 1-D data: histograms
  and the critic's curve. d > 2: a grid of generated images when the data set has an
  ``image_shape``, else the first two coordinates (no surface, no arrows: they need d ≤ 2).
* right: the exact W₁ curve so far (from the history), a line at the frame's step.

``save_gif`` writes a matplotlib animation with the Pillow writer; ``save_grid_gif`` puts several
runs side by side, the same step in every panel. Figures are made without pyplot (headless).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np  # host data only

from minigan.plot import FAKE_COLOUR, REAL_COLOUR, draw_high_dimensional, save_figure

__all__ = ["draw_snapshot", "draw_w1_so_far", "frame_figure", "save_frame", "save_gif", "grid_figure",
           "save_grid_gif"]


def _columns(history: Any) -> Mapping[str, Sequence[float]]:
    if history is None:
        return {}
    return history.as_dict() if hasattr(history, "as_dict") else history


def draw_snapshot(ax: Any, snapshot: Mapping[str, Any], plot_range: float = 3.0,
                  image_shape: tuple[int, ...] | None = None, title: str | None = None, legend: bool = True) -> None:
    """Draw one snapshot's samples, critic surface and arrows on ``ax`` (see the module docstring);
    ``legend=False`` leaves the legend out (the later panels of a grid)."""
    real = np.asarray(snapshot["real"], dtype=np.float64)
    generated = np.asarray(snapshot["generated"], dtype=np.float64)
    discriminator = bool(snapshot.get("discriminator", False))
    dim = real.shape[1]
    label = "σ(D(x))" if discriminator else "critic D(x)"
    if dim > 2:
        draw_high_dimensional(ax, real, generated, image_shape)
    elif dim == 1:
        bins = np.linspace(-plot_range, plot_range, 60)
        ax.hist(real[:, 0], bins=bins, density=True, alpha=0.5, color=REAL_COLOUR, label="real")
        ax.hist(generated[:, 0], bins=bins, density=True, alpha=0.5, color=FAKE_COLOUR, label="generated")
        ax.set_xlabel("x")
        ax.set_ylabel("density")
        if "grid_values" in snapshot:
            twin = ax.twinx()
            values = np.asarray(snapshot["grid_values"], dtype=np.float64)
            twin.plot(snapshot["grid_x"], 1 / (1 + np.exp(-values)) if discriminator else values, color="black",
                      lw=1.5)
            twin.set_ylabel(label)
        ax.set_xlim(-plot_range, plot_range)
        if legend:
            ax.legend(loc="upper left", fontsize="small")
    else:
        if "grid_values" in snapshot:
            axis = np.asarray(snapshot["grid_x"], dtype=np.float64)
            values = np.asarray(snapshot["grid_values"], dtype=np.float64)
            if discriminator:
                probability = 1 / (1 + np.exp(-np.clip(values, -50, 50)))
                ax.imshow(probability, extent=(axis[0], axis[-1], axis[0], axis[-1]), origin="lower",
                          cmap="RdBu_r", vmin=0, vmax=1, alpha=0.6, interpolation="bilinear")
            else:
                ax.contourf(axis, axis, values, levels=20, cmap="Greys", alpha=0.45)
                ax.contour(axis, axis, values, levels=20, colors="black", linewidths=0.3, alpha=0.3)
        ax.scatter(real[:, 0], real[:, 1], s=40, c=REAL_COLOUR, label="real", alpha=0.3, linewidths=0)
        ax.scatter(generated[:, 0], generated[:, 1], s=5, c=FAKE_COLOUR, label="generated", alpha=0.9,
                   linewidths=0)
        if "arrow_points" in snapshot:
            points = np.asarray(snapshot["arrow_points"], dtype=np.float64)
            vectors = np.asarray(snapshot["arrow_vectors"], dtype=np.float64)
            norms = np.linalg.norm(vectors, axis=1, keepdims=True)
            unit = np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)
            ax.quiver(points[:, 0], points[:, 1], unit[:, 0], unit[:, 1], color="#2ca02c", angles="xy",
                      scale_units="xy", scale=1 / (0.12 * plot_range), width=0.005, alpha=0.9,
                      label="∇ₓD: where G pushes its points")
        ax.set_xlim(-plot_range, plot_range)
        ax.set_ylim(-plot_range, plot_range)
        ax.set_aspect("equal")
        ax.set_xlabel("x₁")
        ax.set_ylabel("x₂")
        if legend:
            ax.legend(loc="upper right", markerscale=0.6, fontsize="x-small")
    heading = f"step {snapshot['step']} · exact W₁ {snapshot['w1_exact']:.3f}"
    ax.set_title(f"{title}\n{heading}" if title else heading, fontsize="medium")


def draw_w1_so_far(ax: Any, history: Any, step: int, last_step: int | None = None) -> None:
    """The exact-W₁ curve of ``history`` up to ``step`` (a point per log step), a line at ``step``."""
    columns = _columns(history)
    if "step" in columns and len(columns["step"]):
        steps = np.asarray(columns["step"], dtype=np.float64)
        w1 = np.asarray([np.nan if v is None else v for v in columns["w1_exact"]], dtype=np.float64)
        shown = steps <= step
        ax.plot(steps[shown], w1[shown], "o-", color="black", ms=3, lw=1.5, label="exact W₁")
        finite = w1[np.isfinite(w1)]
        if finite.size:
            ax.set_ylim(0, 1.05 * float(finite.max()))
        ax.set_xlim(0, max(last_step or 0, float(steps.max()), 1))
    ax.axvline(step, color="#d62728", lw=1.5)
    ax.set_xlabel("generator step")
    ax.set_ylabel("exact W₁ (samples)")
    ax.grid(alpha=0.3)


def frame_figure(snapshot: Mapping[str, Any], history: Any = None, *, plot_range: float = 3.0,
                 image_shape: tuple[int, ...] | None = None, title: str | None = None,
                 last_step: int | None = None) -> Any:
    """One frame: the snapshot on the left, the W₁ curve so far on the right. Returns the figure."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(9.0, 4.2), layout="constrained")
    left, right = figure.subplots(1, 2, width_ratios=[1.1, 1.0])
    draw_snapshot(left, snapshot, plot_range, image_shape, title)
    draw_w1_so_far(right, history, int(snapshot["step"]), last_step)
    return figure


def save_frame(snapshot: Mapping[str, Any], history: Any, path: str | os.PathLike, **options: Any) -> Path:
    """:func:`frame_figure` as a PNG at ``path``."""
    return save_figure(frame_figure(snapshot, history, **options), path, dpi=80)


def _animate(figure: Any, draw: Any, count: int, path: str | os.PathLike, fps: float) -> Path:
    from matplotlib.animation import FuncAnimation, PillowWriter

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    animation = FuncAnimation(figure, draw, frames=count, repeat=False)
    animation.save(path, writer=PillowWriter(fps=fps), dpi=70)
    return path


def save_gif(snapshots: Sequence[Mapping[str, Any]], history: Any, path: str | os.PathLike, *,
             plot_range: float = 3.0, image_shape: tuple[int, ...] | None = None, title: str | None = None,
             fps: float = 4.0) -> Path:
    """``training.gif``: one frame per snapshot (matplotlib animation, Pillow writer)."""
    if not snapshots:
        raise ValueError("no snapshots to animate")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(9.0, 4.2), layout="constrained")
    left, right = figure.subplots(1, 2, width_ratios=[1.1, 1.0])
    last = max(int(s["step"]) for s in snapshots)

    def draw(index: int) -> list:
        for ax in (left, right):
            ax.clear()
        for extra in figure.axes[2:]:  # a 1-D frame's twin axis
            extra.remove()
        draw_snapshot(left, snapshots[index], plot_range, image_shape, title)
        draw_w1_so_far(right, history, int(snapshots[index]["step"]), last)
        return []

    return _animate(figure, draw, len(snapshots), path, fps)


def grid_figure(columns: int, rows: int) -> tuple[Any, list]:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(3.4 * columns, 3.8 * rows), layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False)
    return figure, [ax for row in axes for ax in row]


def save_grid_gif(runs: Mapping[str, Sequence[Mapping[str, Any]]], path: str | os.PathLike, *,
                  plot_range: float = 3.0, image_shape: tuple[int, ...] | None = None, fps: float = 4.0,
                  columns: int | None = None) -> Path:
    """``compare.gif``: one panel per run (name → its snapshots), frame k showing every run's k-th
    snapshot, so every panel is at the same step (the runs must share their snapshot steps)."""
    names = list(runs)
    if not names:
        raise ValueError("no runs to animate")
    count = min(len(runs[name]) for name in names)
    if count == 0:
        raise ValueError("a run has no snapshots")
    columns = columns or min(len(names), 4)
    rows = -(-len(names) // columns)
    figure, axes = grid_figure(columns, rows)

    def draw(index: int) -> list:
        for extra in figure.axes[len(axes):]:
            extra.remove()
        for position, (ax, name) in enumerate(zip(axes, names)):
            ax.clear()
            draw_snapshot(ax, runs[name][index], plot_range, image_shape, name, legend=position == 0)
        return []

    for ax in axes[len(names):]:
        ax.set_visible(False)
    return _animate(figure, draw, count, path, fps)
