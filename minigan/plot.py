"""Figures for GAN runs and lessons (matplotlib, headless).

The only minigan module that imports matplotlib, and only inside the functions, so ``import
minigan`` never loads it. Figures are made with ``matplotlib.figure.Figure`` directly (not
pyplot): no window ever opens, nothing global changes, and nothing needs closing. Every function
returns the figure; :func:`save_figure` writes one as PNG.

Inputs are host data: NumPy arrays, minigan Tensors (copied with ``.numpy()``), a
:class:`~minigan.gan.history.History` or its ``as_dict()``. A critic is a minigan Module or any
callable mapping an (m, d) host array to m values.

    plot_samples_with_critic   real vs generated points over the critic's contours (WGAN-GP Fig. 1)
    plot_w1_curves             the critic's W₁ estimate against the exact W₁ (lesson 12)
    plot_weight_histogram      the critic's weights; with clipping, the pile-up at ±c (lesson 09)
    plot_gradient_norms        ‖∇ₓ̂D‖ statistics over training (lesson 11)
    save_run_figures           all of the above for a finished run, as PNG files
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np  # host data only, by design

__all__ = [
    "plot_samples_with_critic",
    "plot_w1_curves",
    "plot_weight_histogram",
    "plot_gradient_norms",
    "save_figure",
    "save_run_figures",
    "new_figure",
]

REAL_COLOUR = "#f58518"
FAKE_COLOUR = "#4c78a8"


def new_figure(width: float = 6.0, height: float = 5.0) -> tuple[Any, Any]:
    """A fresh (figure, axes) pair, made without pyplot (headless, nothing to close)."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), layout="constrained")
    return figure, figure.add_subplot()


def _figure_and_axes(ax: Any, width: float = 6.0, height: float = 5.0) -> tuple[Any, Any]:
    if ax is None:
        return new_figure(width, height)
    return ax.figure, ax


def _host(points: Any, name: str) -> np.ndarray:
    if hasattr(points, "numpy") and callable(points.numpy) and not isinstance(points, np.ndarray):
        points = points.numpy()
    elif hasattr(points, "get") and callable(points.get) and hasattr(points, "shape"):
        points = points.get()
    array = np.asarray(points, dtype=np.float64)
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2 or array.shape[0] == 0:
        raise ValueError(f"{name} must be a non-empty array of points, shape (n, d); got {array.shape}")
    return array


def _critic_function(critic: Any) -> Callable[[np.ndarray], np.ndarray]:
    """A host function points (m, d) -> values (m,) for a Run, a minigan Module or a callable."""
    critic_values = getattr(critic, "critic_values", None)
    if callable(critic_values):  # a training Run
        return critic_values
    from minigan.nn import Module

    if isinstance(critic, Module):
        parameter = next(iter(critic.parameters()), None)

        def evaluate(points: np.ndarray) -> np.ndarray:
            import minigan as mg

            dtype = None if parameter is None else parameter.dtype
            was_training = critic.training
            critic.eval()
            try:
                with mg.no_grad():
                    values = critic(mg.tensor(mg.backend.asarray(points, dtype=dtype)))
            finally:
                critic.train(was_training)
            return values.numpy().reshape(-1).astype(np.float64)

        return evaluate
    if callable(critic):
        return lambda points: np.asarray(critic(points), dtype=np.float64).reshape(-1)
    raise TypeError(f"critic must be a minigan Module, a Run or a callable, got {type(critic).__name__}")


def plot_samples_with_critic(
    real: Any,
    generated: Any,
    critic: Any = None,
    *,
    plot_range: float | tuple[float, float, float, float] = 3.0,
    grid_size: int = 128,
    levels: int = 20,
    title: str | None = None,
    ax: Any = None,
) -> Any:
    """Real and generated points over the critic's value surface (WGAN-GP paper, Figure 1).

    2-D data: filled contours of D on a ``grid_size``² grid over [−r, r]² (``plot_range`` = r, or
    (xmin, xmax, ymin, ymax)), real points in orange, generated in blue. 1-D data: histograms of
    both samples with D drawn over [−r, r] on a second axis. Returns the figure.
    """
    real = _host(real, "real")
    generated = _host(generated, "generated")
    if real.shape[1] != generated.shape[1]:
        raise ValueError(f"real and generated points differ in dimension: {real.shape} vs {generated.shape}")
    if real.shape[1] not in (1, 2):
        raise ValueError(f"can only draw 1-D or 2-D data, got dimension {real.shape[1]}")
    if not isinstance(grid_size, int) or grid_size < 2:
        raise ValueError(f"grid_size must be an integer ≥ 2, got {grid_size!r}")
    if isinstance(plot_range, int | float):
        x_low, x_high, y_low, y_high = -plot_range, plot_range, -plot_range, plot_range
    else:
        x_low, x_high, y_low, y_high = plot_range
    figure, ax = _figure_and_axes(ax)
    function = None if critic is None else _critic_function(critic)
    if real.shape[1] == 1:
        bins = np.linspace(x_low, x_high, 80)
        ax.hist(real[:, 0], bins=bins, density=True, alpha=0.5, color=REAL_COLOUR, label="real")
        ax.hist(generated[:, 0], bins=bins, density=True, alpha=0.5, color=FAKE_COLOUR, label="generated")
        ax.set_xlabel("x")
        ax.set_ylabel("density")
        if function is not None:
            grid = np.linspace(x_low, x_high, grid_size)
            twin = ax.twinx()
            twin.plot(grid, function(grid[:, None]), color="black", lw=1.5, label="critic D(x)")
            twin.set_ylabel("critic D(x)")
        ax.legend(loc="upper left")
    else:
        if function is not None:
            xs = np.linspace(x_low, x_high, grid_size)
            ys = np.linspace(y_low, y_high, grid_size)
            grid_x, grid_y = np.meshgrid(xs, ys)
            values = function(np.stack([grid_x.ravel(), grid_y.ravel()], axis=1)).reshape(grid_x.shape)
            filled = ax.contourf(grid_x, grid_y, values, levels=levels, cmap="Greys", alpha=0.7)
            ax.contour(grid_x, grid_y, values, levels=levels, colors="black", linewidths=0.3, alpha=0.4)
            figure.colorbar(filled, ax=ax, label="critic D(x)")
        ax.scatter(real[:, 0], real[:, 1], s=4, c=REAL_COLOUR, label="real", alpha=0.7, linewidths=0)
        ax.scatter(generated[:, 0], generated[:, 1], s=4, c=FAKE_COLOUR, label="generated", alpha=0.7,
                   linewidths=0)
        ax.set_xlim(x_low, x_high)
        ax.set_ylim(y_low, y_high)
        ax.set_aspect("equal")
        ax.legend(loc="upper right", markerscale=3, fontsize="small")
    if title:
        ax.set_title(title)
    return figure


def _columns(history: Any) -> Mapping[str, Sequence[float]]:
    if hasattr(history, "as_dict"):
        return history.as_dict()
    if isinstance(history, Mapping):
        return history
    raise TypeError(f"history must be a History or a dict of columns, got {type(history).__name__}")


def _column(columns: Mapping[str, Sequence[float]], name: str) -> np.ndarray:
    if name not in columns:
        raise KeyError(f"the history has no column {name!r}; it has {sorted(columns)}")
    values = [np.nan if v is None else v for v in columns[name]]
    return np.asarray(values, dtype=np.float64)


def plot_w1_curves(history: Any, *, title: str | None = None, floor: float | None = None,
                   ax: Any = None) -> Any:
    """The critic's W₁ estimate E D(x) − E D(G(z)) and the exact W₁, against the generator step.

    ``floor`` (optional) draws the exact W₁ between two samples of the real data, the level a
    perfect generator would show. Returns the figure.
    """
    columns = _columns(history)
    steps = _column(columns, "step")
    figure, ax = _figure_and_axes(ax, 7.0, 4.0)
    ax.plot(steps, _column(columns, "w1_exact"), color="black", lw=2, label="exact W₁ (samples)")
    ax.plot(steps, _column(columns, "w1_critic"), color=FAKE_COLOUR, lw=1.5,
            label="critic estimate E D(x) − E D(G(z))")
    if floor is not None:
        ax.axhline(floor, color="gray", ls=":", label="sampling floor")
    ax.set_xlabel("generator step")
    ax.set_ylabel("W₁")
    ax.grid(alpha=0.3)
    ax.legend()
    if title:
        ax.set_title(title)
    return figure


def plot_gradient_norms(history: Any, *, title: str | None = None, ax: Any = None) -> Any:
    """Mean ± std and max of ‖∇ₓ̂ D(x̂)‖ against the generator step (1 is the gradient penalty's target)."""
    columns = _columns(history)
    steps = _column(columns, "step")
    mean, std = _column(columns, "grad_norm_mean"), _column(columns, "grad_norm_std")
    figure, ax = _figure_and_axes(ax, 7.0, 4.0)
    ax.plot(steps, mean, color=FAKE_COLOUR, label="mean ‖∇D(x̂)‖")
    ax.fill_between(steps, mean - std, mean + std, color=FAKE_COLOUR, alpha=0.2, label="± std")
    ax.plot(steps, _column(columns, "grad_norm_max"), color=FAKE_COLOUR, ls="--", lw=1, label="max")
    ax.axhline(1.0, color="gray", ls=":", label="1")
    ax.set_xlabel("generator step")
    ax.set_ylabel("‖∇ₓ̂ D(x̂)‖")
    ax.set_yscale("log")
    ax.grid(alpha=0.3)
    ax.legend()
    if title:
        ax.set_title(title)
    return figure


def plot_weight_histogram(critic: Any, *, clip_value: float | None = None, bins: int = 100,
                          include_biases: bool = False, title: str | None = None, ax: Any = None) -> Any:
    """Histogram of the critic's weights (a Module, or an iterable of arrays/Tensors).

    After training with weight clipping most weights sit at ±c (WGAN-GP paper, Figure 1b);
    ``clip_value`` marks ±c. Biases are left out unless ``include_biases``. Returns the figure.
    """
    arrays = []
    if hasattr(critic, "named_parameters"):
        for name, parameter in critic.named_parameters():
            if include_biases or not name.endswith("bias"):
                arrays.append(parameter.numpy().ravel())
    else:
        arrays = [_host(a, "weights").ravel() for a in critic]
    if not arrays:
        raise ValueError("no weights to draw")
    values = np.concatenate(arrays).astype(np.float64)
    figure, ax = _figure_and_axes(ax, 6.0, 4.0)
    ax.hist(values, bins=bins, color=FAKE_COLOUR)
    if clip_value is not None:
        for edge in (-clip_value, clip_value):
            ax.axvline(edge, color="black", ls="--", lw=1)
        at_bound = float(np.mean(np.abs(values) >= clip_value * (1 - 1e-6)))
        ax.text(0.5, 0.97, f"{100 * at_bound:.1f}% of weights at ±c = ±{clip_value:g}",
                transform=ax.transAxes, va="top", ha="center",
                bbox=dict(facecolor="white", edgecolor="none", alpha=0.8))
    ax.set_xlabel("weight value")
    ax.set_ylabel("count")
    ax.set_yscale("log")
    if title:
        ax.set_title(title)
    return figure


def save_figure(figure: Any, path: str | os.PathLike, dpi: int = 110) -> Path:
    """Save ``figure`` as PNG at ``path`` (folders created) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=dpi)
    return path


def save_run_figures(run: Any, folder: str | os.PathLike | None = None, n: int = 1000) -> list[Path]:
    """Write a finished run's figures into ``folder`` (default the run's out folder):
    ``samples.png`` (n generated and n real points over the critic), ``w1_curves.png``,
    ``gradient_norms.png`` and ``critic_weights.png`` (±c marked when clipping)."""
    folder = Path(folder if folder is not None else run.out)
    config = run.config
    rng = np.random.default_rng([config.seed, 99])  # figures must not disturb any training stream
    real = run.data.host(n, rng)
    generated = run.sample(n, rng)
    label = f"{config.loss} + {config.lipschitz}, {config.data}, step {run.step}"
    clip_value = config.clip_value if config.lipschitz == "clip" else None
    paths = [
        save_figure(plot_samples_with_critic(real, generated, run, plot_range=run.data.plot_range,
                                             title=label), folder / "samples.png"),
        save_figure(plot_w1_curves(run.history, title=label), folder / "w1_curves.png"),
        save_figure(plot_gradient_norms(run.history, title=label), folder / "gradient_norms.png"),
        save_figure(plot_weight_histogram(run.critic, clip_value=clip_value, title=label),
                    folder / "critic_weights.png"),
    ]
    return paths
