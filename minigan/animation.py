"""The one recorder for watching a GAN learn: a snapshot is taken once, drawn once, and fed to every
view — ``minigan train``'s frames, ``training.gif`` and ``training.html``, ``minigan compare``'s
grid (``compare.gif``, ``compare.html``), and the live lab's frames.

The path, end to end:

    the trainer takes the snapshot (minigan.gan.snapshots.take_snapshot, at every snapshot step)
      → Recorder(run, snapshot): the frame drawn once to PNG bytes, kept in memory as a Frame
        (step, exact W₁, PNG), and written to frames/frame_<step>.png as the run goes
      → Recorder.save_gif: the GIF from those same PNGs (Pillow; nothing drawn again)
      → the player (minigan.cli.pages) from those same PNGs and steps (Recorder.ordered: no file
        read back, no step parsed out of a file name)
    compare: record_grid(runs) draws one grid frame per step, once, → save_frames_gif, the page
    the lab: take(run, ...) → the same take_snapshot, then the page draws it live

A frame draws one snapshot: real points (orange) and generated points (blue) over the critic's
value surface — D(x) for a WGAN critic (grey contours, as the WGAN-GP paper's Figure 1), the
discriminator's probability σ(D(x)) for a GAN (a red–blue heat map, 0.5 white, as GAN Lab) — with
a colour bar, and arrows of ∇ₓD at some generated points: the way the generator's next steps push
them. 1-D data: histograms and the critic's curve. d > 2: a grid of generated images when the
data set has an ``image_shape``, else the first two coordinates (no surface, no arrows). The
title's W₁ is the history's number at that step when the run logged one there (the exact W₁ of
``metric_samples`` points, the number of the curves and the CSV), else the snapshot's own,
labelled with its point count. Figures are made without pyplot (headless).
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np  # host data only

from minigan.plot import FAKE_COLOUR, REAL_COLOUR, draw_high_dimensional, save_figure

__all__ = ["Frame", "Recorder", "take", "draw_snapshot", "draw_w1_so_far", "frame_figure", "frame_png",
           "save_frame", "save_gif", "save_frames_gif", "grid_figure", "record_grid", "save_grid_gif",
           "history_w1"]

FRAMES_FOLDER = "frames"
FRAME_DPI = 100
GIF_FPS = 4.0


@dataclass(frozen=True)
class Frame:
    """One drawn frame: the generator step, the W₁ its title shows, and the PNG bytes."""

    step: int
    w1_exact: float
    png: bytes


def take(run: Any, points: int | None = None, grid: int | None = None, arrows: int | None = None) -> dict[str, Any]:
    """A snapshot of ``run`` now (what the trainer records at its snapshot steps), for watchers that
    drive the run themselves — the live lab. Sizes default to the trainer's."""
    from minigan.gan import snapshots

    return snapshots.take_snapshot(run, points=points or snapshots.SNAPSHOT_POINTS,
                                   grid=grid or snapshots.SNAPSHOT_GRID, arrows=arrows or snapshots.SNAPSHOT_ARROWS)


def _columns(history: Any) -> Mapping[str, Sequence[float]]:
    if history is None:
        return {}
    return history.as_dict() if hasattr(history, "as_dict") else history


def history_w1(history: Any, step: int) -> float | None:
    """The history's exact W₁ at ``step``, or None when the run logged no row there."""
    columns = _columns(history)
    for logged, value in zip(columns.get("step", ()), columns.get("w1_exact", ())):
        if int(logged) == int(step) and value is not None and math.isfinite(value):
            return float(value)
    return None


def draw_snapshot(ax: Any, snapshot: Mapping[str, Any], plot_range: float = 3.0,
                  image_shape: tuple[int, ...] | None = None, title: str | None = None, legend: bool = True,
                  w1: float | None = None, colorbar: bool = True) -> None:
    """Draw one snapshot's samples, critic surface (with a colour bar) and arrows on ``ax`` (see the
    module docstring). ``w1``: the W₁ for the title (the history's); None shows the snapshot's own
    with its point count. ``legend=False`` leaves the legend out (the later panels of a grid)."""
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
                surface = ax.imshow(probability, extent=(axis[0], axis[-1], axis[0], axis[-1]), origin="lower",
                                    cmap="RdBu_r", vmin=0, vmax=1, alpha=0.6, interpolation="bilinear")
            else:
                surface = ax.contourf(axis, axis, values, levels=20, cmap="Greys", alpha=0.45)
                ax.contour(axis, axis, values, levels=20, colors="black", linewidths=0.3, alpha=0.3)
            if colorbar:
                ax.figure.colorbar(surface, ax=ax, shrink=0.82, pad=0.02, label=label)
        ax.scatter(real[:, 0], real[:, 1], s=40, c=REAL_COLOUR, label="real", alpha=0.3, linewidths=0)
        ax.scatter(generated[:, 0], generated[:, 1], s=5, c=FAKE_COLOUR, label="generated", alpha=0.9,
                   linewidths=0)
        if "arrow_points" in snapshot:
            points = np.asarray(snapshot["arrow_points"], dtype=np.float64)
            vectors = np.asarray(snapshot["arrow_vectors"], dtype=np.float64)
            norms = np.linalg.norm(vectors, axis=1, keepdims=True)
            unit = np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)
            ax.quiver(points[:, 0], points[:, 1], unit[:, 0], unit[:, 1], color="#2ca02c", angles="xy",
                      scale_units="xy", scale=1 / (0.12 * plot_range), width=0.006, alpha=0.9,
                      label="∇ₓD: where G pushes its points")
        ax.set_xlim(-plot_range, plot_range)
        ax.set_ylim(-plot_range, plot_range)
        ax.set_aspect("equal")
        ax.set_xlabel("x₁")
        ax.set_ylabel("x₂")
        if legend:
            ax.legend(loc="upper right", markerscale=0.6, fontsize="x-small")
    if w1 is None:
        heading = f"step {snapshot['step']} · exact W₁ {snapshot['w1_exact']:.3f} ({len(generated)} points)"
    else:
        heading = f"step {snapshot['step']} · exact W₁ {w1:.3f}"
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
    ax.axvline(step, color="#888888", lw=1.5, ls="--")
    ax.set_xlabel("generator step")
    ax.set_ylabel("exact W₁ (samples)")
    ax.grid(alpha=0.3)


def frame_figure(snapshot: Mapping[str, Any], history: Any = None, *, plot_range: float = 3.0,
                 image_shape: tuple[int, ...] | None = None, title: str | None = None,
                 last_step: int | None = None, with_curve: bool = True) -> Any:
    """One frame: the snapshot (left) and, with ``with_curve``, the W₁ curve so far (right).
    Returns the figure. The recorder's frames leave the curve out: the player draws the one curve."""
    from matplotlib.figure import Figure

    w1 = history_w1(history, int(snapshot["step"]))
    if not with_curve:
        figure = Figure(figsize=(6.4, 5.4), layout="constrained")
        draw_snapshot(figure.subplots(), snapshot, plot_range, image_shape, title, w1=w1)
        return figure
    figure = Figure(figsize=(10.0, 4.6), layout="constrained")
    left, right = figure.subplots(1, 2, width_ratios=[1.2, 1.0])
    draw_snapshot(left, snapshot, plot_range, image_shape, title, w1=w1)
    draw_w1_so_far(right, history, int(snapshot["step"]), last_step)
    return figure


def _png(figure: Any, dpi: int = FRAME_DPI) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def frame_png(snapshot: Mapping[str, Any], history: Any = None, **options: Any) -> bytes:
    """The recorder's frame of ``snapshot`` (no curve) as PNG bytes."""
    return _png(frame_figure(snapshot, history, with_curve=False, **options))


def save_frame(snapshot: Mapping[str, Any], history: Any, path: str | os.PathLike, **options: Any) -> Path:
    """:func:`frame_figure` as a PNG at ``path``."""
    return save_figure(frame_figure(snapshot, history, **options), path, dpi=80)


def save_frames_gif(frames: Sequence[Frame], path: str | os.PathLike, fps: float = GIF_FPS) -> Path:
    """A GIF of already drawn frames (their PNG bytes, Pillow's writer): nothing is drawn again."""
    if not frames:
        raise ValueError("no frames to animate")
    from PIL import Image

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    images = [Image.open(io.BytesIO(frame.png)).convert("RGB") for frame in frames]
    size = images[0].size
    images = [image if image.size == size else image.resize(size) for image in images]
    images[0].save(path, save_all=True, append_images=images[1:], duration=int(1000 / fps), loop=0,
                   optimize=False)
    return path


def save_gif(snapshots: Sequence[Mapping[str, Any]], history: Any, path: str | os.PathLike, *,
             plot_range: float = 3.0, image_shape: tuple[int, ...] | None = None, title: str | None = None,
             fps: float = GIF_FPS) -> Path:
    """A GIF with one frame per snapshot, each drawn once (see :class:`Recorder` to keep the frames)."""
    if not snapshots:
        raise ValueError("no snapshots to animate")
    frames = [Frame(int(s["step"]), float(s["w1_exact"]),
                    frame_png(s, history, plot_range=plot_range, image_shape=image_shape, title=title))
              for s in snapshots]
    return save_frames_gif(frames, path, fps)


class Recorder:
    """Records a run's snapshots as frames, each drawn once; use it as ``run.fit(on_snapshot=recorder)``.

    ``Recorder(out=None, title=None, plot_range=3.0, image_shape=None)``. With ``out``, every frame
    is also written to ``out/frames/frame_<step>.png`` at once (an interrupted run keeps them).
    :meth:`add_earlier` draws the snapshots a resumed run's earlier sessions saved; :meth:`save_gif`
    makes ``training.gif`` and :meth:`ordered` hands the same frames to the player
    (``minigan.cli.pages.write_training_page``).
    """

    def __init__(self, out: str | os.PathLike | None = None, title: str | None = None, plot_range: float = 3.0,
                 image_shape: tuple[int, ...] | None = None):
        self.out = None if out is None else Path(out)
        self.title = title
        self.plot_range = plot_range
        self.image_shape = image_shape
        self.frames: dict[int, Frame] = {}

    @classmethod
    def for_run(cls, run: Any, out: str | os.PathLike | None = None) -> Recorder:
        """A recorder titled "<method> on <data>" with the run's data set's plotting window."""
        from minigan.gan.methods import run_title

        return cls(out, f"{run_title(run.config)} on {run.config.data}", run.data.plot_range, run.data.image_shape)

    def __call__(self, run: Any, snapshot: Mapping[str, Any]) -> Frame:
        return self.record(snapshot, run.history)

    def record(self, snapshot: Mapping[str, Any], history: Any = None) -> Frame:
        """Draw ``snapshot`` once, keep the frame, write its PNG under ``out/frames`` when set."""
        step = int(snapshot["step"])
        w1 = history_w1(history, step)
        png = frame_png(snapshot, history, plot_range=self.plot_range, image_shape=self.image_shape,
                        title=self.title)
        frame = Frame(step, float(snapshot["w1_exact"]) if w1 is None else w1, png)
        self.frames[step] = frame
        if self.out is not None:
            path = self.out / FRAMES_FOLDER / f"frame_{step:06d}.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(png)
        return frame

    def add_earlier(self, snapshots: Sequence[Mapping[str, Any]], history: Any = None) -> None:
        """Draw the snapshots of earlier sessions (a resumed run) that this recorder has not drawn."""
        for snapshot in snapshots:
            if int(snapshot["step"]) not in self.frames:
                self.record(snapshot, history)

    def ordered(self) -> list[Frame]:
        return [self.frames[step] for step in sorted(self.frames)]

    def save_gif(self, path: str | os.PathLike, fps: float = GIF_FPS) -> Path:
        return save_frames_gif(self.ordered(), path, fps)


def grid_figure(columns: int, rows: int) -> tuple[Any, list]:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(4.2 * columns, 4.2 * rows), layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False)
    return figure, [ax for row in axes for ax in row]


def record_grid(runs: Mapping[str, Sequence[Mapping[str, Any]]], *, plot_range: float = 3.0,
                image_shape: tuple[int, ...] | None = None, columns: int | None = None,
                histories: Mapping[str, Any] | None = None) -> list[Frame]:
    """``compare``'s frames: one panel per run (name → its snapshots), frame k showing every run's
    k-th snapshot (the runs must share their snapshot steps), each drawn once as PNG bytes."""
    names = list(runs)
    if not names:
        raise ValueError("no runs to animate")
    count = min(len(runs[name]) for name in names)
    if count == 0:
        raise ValueError("a run has no snapshots")
    columns = columns or min(len(names), 4)
    rows = -(-len(names) // columns)
    frames = []
    for index in range(count):
        figure, axes = grid_figure(columns, rows)
        for position, (ax, name) in enumerate(zip(axes, names)):
            snapshot = runs[name][index]
            w1 = history_w1((histories or {}).get(name), int(snapshot["step"]))
            draw_snapshot(ax, snapshot, plot_range, image_shape, name, legend=position == 0, w1=w1)
        for ax in axes[len(names):]:
            ax.set_visible(False)
        first = runs[names[0]][index]
        frames.append(Frame(int(first["step"]), float(first["w1_exact"]), _png(figure, dpi=70)))
    return frames


def save_grid_gif(runs: Mapping[str, Sequence[Mapping[str, Any]]], path: str | os.PathLike, *,
                  plot_range: float = 3.0, image_shape: tuple[int, ...] | None = None, fps: float = GIF_FPS,
                  columns: int | None = None) -> Path:
    """``compare.gif`` from :func:`record_grid`'s frames."""
    frames = record_grid(runs, plot_range=plot_range, image_shape=image_shape, columns=columns)
    return save_frames_gif(frames, path, fps)
