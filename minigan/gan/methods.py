"""The ways to keep a critic Lipschitz, as one table: name → what the method does.

Every place that depends on the method reads this table: ``TrainConfig`` (the names, the
default optimizer, the paper's batch size), the trainer (wrap the critic, add the penalty,
what runs after a critic step), ``minigan train`` (which options apply), ``minigan compare``
(its columns) and ``minigan.plot`` (the figures each method adds). Adding a method is one
entry here plus its tests.

    method      wraps the critic        adds to the critic loss         after each critic step
    none        —                       —                               —
    clip        —                       —                               clip every weight to [−c, c]
    sn          W ↦ W/σ(W) per Linear   —                               —
    gp          —                       λ·E(‖∇ₓ̂D(x̂)‖ − target)²         —
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np  # host side: the type of the run's random generator

from minigan import nn
from minigan.autodiff import Tensor
from minigan.gan.penalty import gradient_penalty

__all__ = ["LipschitzMethod", "METHODS", "method", "run_title"]


@dataclass(frozen=True)
class LipschitzMethod:
    """One way to keep the critic Lipschitz (an entry of :data:`METHODS`).

    Attributes:
        name: the value of ``TrainConfig.lipschitz`` and ``--lipschitz``.
        description: a few words for help texts.
        compare_label: its column in ``minigan compare`` with the WGAN loss (None: not shown there).
        lesson: the lesson that teaches it (None for "none").
        wrap: ``wrap(critic, config)``, called once on a freshly built critic, or None.
        penalty: ``penalty(critic, real, fake, config, rng) -> Tensor``, the term added to the
            critic's loss (its weight included), or None.
        after_step: ``after_step(critic, config)``, run after every critic optimizer step, or None.
        optimizer: the optimizer its paper uses (RMSprop for clipping: momentum hurts there).
        paper_batch_size: the batch its paper uses on the 2-D toy sets (None: the preset's).
        options: the TrainConfig fields only this method uses (the command refuses them with
            another method rather than record them as if used).
        figures: the extra figures a run of it gets: "critic_weights" (the pile-up at ±c),
            "gradient_target" (the target norm drawn on the gradient norms), "slope_scaled_estimate"
            (the critic's estimate divided by its measured slope), "estimate_above_exact_note".
    """

    name: str
    description: str
    compare_label: str | None = None
    lesson: int | None = None
    wrap: Callable[[Any, Any], None] | None = None
    penalty: Callable[[Any, Tensor, Tensor, Any, np.random.Generator], Tensor] | None = None
    after_step: Callable[[Any, Any], None] | None = None
    optimizer: str = "adam"
    paper_batch_size: int | None = None
    options: tuple[str, ...] = ()
    figures: tuple[str, ...] = ()


def _spectral_norm(critic: Any, config: Any) -> None:
    nn.spectral_norm_all(critic, n_power_iterations=config.sn_power_iterations)


def _weighted_gradient_penalty(critic: Any, real: Tensor, fake: Tensor, config: Any,
                               rng: np.random.Generator) -> Tensor:
    # λ·E(‖∇ₓ̂D(x̂)‖ − target)², the interpolation weights ε drawn from the run's generator
    return config.gp_weight * gradient_penalty(critic, real, fake, target=config.gp_target, generator=rng)


def _clip(critic: Any, config: Any) -> None:
    nn.clip_weights(critic, config.clip_value)


METHODS: dict[str, LipschitzMethod] = {m.name: m for m in (
    LipschitzMethod("none", "no constraint (the plain GAN's discriminator)"),
    LipschitzMethod("clip", "weight clipping", compare_label="WGAN-clip", lesson=9, after_step=_clip,
                    optimizer="rmsprop", paper_batch_size=64, options=("clip_value",),
                    figures=("critic_weights", "slope_scaled_estimate")),
    LipschitzMethod("sn", "spectral normalisation", compare_label="WGAN-SN", lesson=10, wrap=_spectral_norm,
                    options=("sn_power_iterations",)),
    LipschitzMethod("gp", "gradient penalty", compare_label="WGAN-GP", lesson=11,
                    penalty=_weighted_gradient_penalty, options=("gp_weight", "gp_target"),
                    figures=("gradient_target", "estimate_above_exact_note")),
)}


def method(name: str) -> LipschitzMethod:
    """The entry for ``name``; a ValueError naming the choices otherwise."""
    try:
        return METHODS[name]
    except (KeyError, TypeError):
        raise ValueError(f"lipschitz must be one of {', '.join(METHODS)}; got {name!r}") from None


def run_title(config: Any) -> str:
    """How figures, frames and pages name a run's method: "wgan + gp", or just the loss without one."""
    return config.loss if config.lipschitz == "none" else f"{config.loss} + {config.lipschitz}"
