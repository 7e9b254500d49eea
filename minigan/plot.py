"""Figures for GAN runs and lessons (matplotlib, headless).

matplotlib is imported only inside the functions (here, in :mod:`minigan.animation` and in
:mod:`minigan.lesson`), so ``import minigan`` never loads it. Figures are made with
``matplotlib.figure.Figure`` directly (not pyplot): no window ever opens, nothing global
changes, and nothing needs closing. Every function returns the figure; :func:`save_figure` writes one as PNG.

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
    "draw_high_dimensional",
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


def draw_high_dimensional(ax: Any, real: np.ndarray, generated: np.ndarray,
                          image_shape: tuple[int, ...] | None = None) -> None:
    """Data of dimension d > 2 on ``ax``: a 4×4 grid of generated images when ``image_shape`` is 2-D
    and matches d (e.g. 8×8 digits), else a scatter of the first two coordinates."""
    if image_shape is not None and len(image_shape) == 2 and int(np.prod(image_shape)) == generated.shape[1]:
        side = 4
        height, width = image_shape
        canvas = np.full((side * (height + 1) - 1, side * (width + 1) - 1), np.nan)
        for k in range(min(side * side, generated.shape[0])):
            row, column = divmod(k, side)
            canvas[row * (height + 1):row * (height + 1) + height,
                   column * (width + 1):column * (width + 1) + width] = generated[k].reshape(image_shape)
        ax.imshow(canvas, cmap="gray_r", interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel(f"{min(side * side, generated.shape[0])} generated images")
        return
    ax.scatter(real[:, 0], real[:, 1], s=4, c=REAL_COLOUR, label="real", alpha=0.6, linewidths=0)
    ax.scatter(generated[:, 0], generated[:, 1], s=4, c=FAKE_COLOUR, label="generated", alpha=0.8, linewidths=0)
    ax.set_xlabel("x₁ (first coordinate of the data)")
    ax.set_ylabel("x₂ (second coordinate)")
    ax.legend(loc="upper right", markerscale=3, fontsize="small")


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
    image_shape: tuple[int, ...] | None = None,
    discriminator: bool = False,
) -> Any:
    """Real and generated points over the critic's value surface (WGAN-GP paper, Figure 1).

    2-D data: filled contours of D on a ``grid_size``² grid over [−r, r]² (``plot_range`` = r, or
    (xmin, xmax, ymin, ymax)), real points in orange, generated in blue. 1-D data: histograms of
    both samples with D drawn over [−r, r] on a second axis. d > 2: no surface (it needs d ≤ 2):
    a grid of generated images when ``image_shape`` fits, else the first two coordinates.
    ``discriminator``: the critic is a GAN discriminator whose outputs are logits; its
    probability σ(D(x)) is drawn instead. Returns the figure.
    """
    real = _host(real, "real")
    generated = _host(generated, "generated")
    if real.shape[1] != generated.shape[1]:
        raise ValueError(f"real and generated points differ in dimension: {real.shape} vs {generated.shape}")
    if not isinstance(grid_size, int) or grid_size < 2:
        raise ValueError(f"grid_size must be an integer ≥ 2, got {grid_size!r}")
    if isinstance(plot_range, int | float):
        x_low, x_high, y_low, y_high = -plot_range, plot_range, -plot_range, plot_range
    else:
        x_low, x_high, y_low, y_high = plot_range
    figure, ax = _figure_and_axes(ax)
    function = None if critic is None else _critic_function(critic)
    label = "critic D(x)"
    if function is not None and discriminator:
        logits = function
        label = "discriminator σ(D(x))"

        def function(points: np.ndarray) -> np.ndarray:
            return 1.0 / (1.0 + np.exp(-np.clip(logits(points), -50, 50)))
    if real.shape[1] > 2:
        draw_high_dimensional(ax, real, generated, image_shape)
    elif real.shape[1] == 1:
        bins = np.linspace(x_low, x_high, 80)
        ax.hist(real[:, 0], bins=bins, density=True, alpha=0.5, color=REAL_COLOUR, label="real")
        ax.hist(generated[:, 0], bins=bins, density=True, alpha=0.5, color=FAKE_COLOUR, label="generated")
        ax.set_xlabel("x")
        ax.set_ylabel("density")
        if function is not None:
            grid = np.linspace(x_low, x_high, grid_size)
            twin = ax.twinx()
            twin.plot(grid, function(grid[:, None]), color="black", lw=1.5, label=label)
            twin.set_ylabel(label)
        ax.legend(loc="upper left")
    else:
        if function is not None:
            xs = np.linspace(x_low, x_high, grid_size)
            ys = np.linspace(y_low, y_high, grid_size)
            grid_x, grid_y = np.meshgrid(xs, ys)
            values = function(np.stack([grid_x.ravel(), grid_y.ravel()], axis=1)).reshape(grid_x.shape)
            filled = ax.contourf(grid_x, grid_y, values, levels=levels, cmap="Greys", alpha=0.7)
            ax.contour(grid_x, grid_y, values, levels=levels, colors="black", linewidths=0.3, alpha=0.4)
            figure.colorbar(filled, ax=ax, label=label)
        ax.scatter(real[:, 0], real[:, 1], s=4, c=REAL_COLOUR, label="real", alpha=0.7, linewidths=0)
        ax.scatter(generated[:, 0], generated[:, 1], s=4, c=FAKE_COLOUR, label="generated", alpha=0.7,
                   linewidths=0)
        ax.set_xlim(x_low, x_high)
        ax.set_ylim(y_low, y_high)
        ax.set_aspect("equal")
        ax.set_xlabel("x₁")
        ax.set_ylabel("x₂")
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
                   ax: Any = None, loss: str = "wgan", lipschitz: str | None = None) -> Any:
    """The exact W₁ against the generator step (a point per log step), with what the critic says.

    * a WGAN critic: its estimate E D(x) − E D(G(z)). With weight clipping (``lipschitz="clip"``)
      the critic is only K-Lipschitz for some unknown K ≪ 1, so the estimate is also drawn divided
      by the critic's measured slope, the mean ‖∇D(x̂)‖ (lesson 12). With the gradient penalty the
      estimate may exceed the exact W₁: the penalty pulls ‖∇D‖ towards 1 but does not bound it, and
      a critic steeper than 1 overestimates; the figure says so when it happens.
    * a GAN (``loss`` "gan" or "gan-ns"): no W₁ estimate — the discriminator's logit difference is
      not one — but its mean probabilities σ(D) on real and generated points (½ at equilibrium).

    ``floor`` (optional) draws the exact W₁ between two samples of the real data, the level a
    perfect generator would show. Returns the figure.
    """
    from minigan.gan.methods import METHODS

    figures = METHODS[lipschitz].figures if lipschitz in METHODS else ()
    columns = _columns(history)
    steps = _column(columns, "step")
    exact = _column(columns, "w1_exact")
    figure, ax = _figure_and_axes(ax, 7.0, 4.0)
    ax.plot(steps, exact, "o-", ms=3, color="black", lw=2, label="exact W₁ (samples)")
    if loss == "wgan":
        estimate = _column(columns, "w1_critic")
        ax.plot(steps, estimate, "o-", ms=2.5, color=FAKE_COLOUR, lw=1.5, label="critic estimate E D(x) − E D(G(z))")
        if "slope_scaled_estimate" in figures and "grad_norm_mean" in columns:
            slope = _column(columns, "grad_norm_mean")
            scaled = np.divide(estimate, slope, out=np.full_like(estimate, np.nan), where=slope > 0)
            ax.plot(steps, scaled, "s--", ms=2.5, color=REAL_COLOUR, lw=1.2,
                    label="estimate ÷ mean ‖∇D(x̂)‖ (its measured slope)")
        if "estimate_above_exact_note" in figures and "grad_norm_mean" in columns:
            above = np.isfinite(estimate) & (estimate > exact)
            if above.any():
                slope = _column(columns, "grad_norm_mean")[above]
                ax.text(0.98, 0.55, f"the estimate exceeds the exact W₁ at {int(above.sum())} of {len(steps)} log "
                        f"steps:\nthere the critic's mean gradient norm is {np.nanmin(slope):.2f}–"
                        f"{np.nanmax(slope):.2f}, not ≤ 1\n(the penalty pulls ‖∇D‖ towards 1, it does not bound it)",
                        transform=ax.transAxes, ha="right", va="center", fontsize="small",
                        bbox=dict(facecolor="white", edgecolor="#bbbbbb", alpha=0.9))
    elif "d_real_mean" in columns:
        twin = ax.twinx()
        twin.plot(steps, _column(columns, "d_real_mean"), "^-", ms=3, color=REAL_COLOUR, lw=1.2,
                  label="mean σ(D(x)), real")
        twin.plot(steps, _column(columns, "d_fake_mean"), "v-", ms=3, color=FAKE_COLOUR, lw=1.2,
                  label="mean σ(D(G(z))), generated")
        twin.axhline(0.5, color="gray", ls=":", lw=1)
        twin.set_ylim(0, 1)
        twin.set_ylabel("discriminator's probability σ(D)")
        twin.legend(loc="upper center", fontsize="small")
    if floor is not None:
        ax.axhline(floor, color="gray", ls=":", label="sampling floor")
    ax.set_xlabel("generator step")
    ax.set_ylabel("W₁")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper right", fontsize="small")
    if title:
        ax.set_title(title)
    return figure


def plot_gradient_norms(history: Any, *, title: str | None = None, ax: Any = None, target: float | None = 1.0) -> Any:
    """Mean ± std and max of ‖∇ₓ̂ D(x̂)‖ against the generator step, on a log scale with plain
    tick labels; ``target`` (the gradient penalty's 1) drawn when given — only the penalty has one."""
    from matplotlib.ticker import LogLocator, NullFormatter, ScalarFormatter

    columns = _columns(history)
    steps = _column(columns, "step")
    mean, std = _column(columns, "grad_norm_mean"), _column(columns, "grad_norm_std")
    figure, ax = _figure_and_axes(ax, 7.0, 4.0)
    ax.plot(steps, mean, "o-", ms=3, color=FAKE_COLOUR, label="mean ‖∇D(x̂)‖")
    low = np.maximum(mean - std, np.nanmin(mean[mean > 0]) / 10 if np.any(mean > 0) else 1e-6)
    ax.fill_between(steps, low, mean + std, color=FAKE_COLOUR, alpha=0.2, label="± std")
    ax.plot(steps, _column(columns, "grad_norm_max"), color=FAKE_COLOUR, ls="--", lw=1, label="max")
    if target is not None:
        ax.axhline(target, color="gray", ls=":", label=f"{target:g}, the penalty's target")
    ax.set_xlabel("generator step")
    ax.set_ylabel("‖∇ₓ̂ D(x̂)‖ at x̂ = εx + (1 − ε)G(z)")
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    formatter = ScalarFormatter()
    formatter.set_scientific(False)
    ax.yaxis.set_major_formatter(formatter)
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
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
    ``gradient_norms.png`` (the target 1 only with the gradient penalty) and, with weight
    clipping only, ``critic_weights.png`` (the pile-up at ±c)."""
    from minigan.gan.methods import METHODS, run_title

    folder = Path(folder if folder is not None else run.out)
    config = run.config
    rng = np.random.default_rng([config.seed, 99])  # figures must not disturb any training stream
    real = run.data.host(n, rng)
    generated = run.sample(n, rng)
    method = METHODS[config.lipschitz]
    label = f"{run_title(config)}, {config.data}, step {run.step}"
    paths = [
        save_figure(plot_samples_with_critic(real, generated, run, plot_range=run.data.plot_range, title=label,
                                             image_shape=run.data.image_shape, discriminator=config.loss != "wgan"),
                    folder / "samples.png"),
        save_figure(plot_w1_curves(run.history, title=label, loss=config.loss, lipschitz=config.lipschitz),
                    folder / "w1_curves.png"),
        save_figure(plot_gradient_norms(run.history, title=label,
                                        target=config.gp_target if "gradient_target" in method.figures else None),
                    folder / "gradient_norms.png"),
    ]
    if "critic_weights" in method.figures:
        paths.append(save_figure(plot_weight_histogram(run.critic, clip_value=config.clip_value, title=label),
                                 folder / "critic_weights.png"))
    return paths
