"""The lab's presets: one scenario per lesson, opened with ``minigan lab --preset NAME`` or ``?preset=NAME``.

Each preset is a set of :class:`~minigan.gan.TrainConfig` fields on top of the lab's base (the
"quick" preset's small networks at a *constant* rate: a live run has no planned end for a linear
decay to aim at), a sentence saying what to watch, and the lesson it belongs to. The course site
reads :data:`PRESETS` to tell each lesson's page how to open it in the lab.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Preset", "PRESETS", "DEFAULT_PRESET", "LAB_BASE", "preset_for_lesson", "get_preset"]

# The lab's base settings: the quick preset's 64×3 networks, at a constant rate (see above), with
# Adam at 1e-3 rather than quick's 2e-3 (which the quick preset only uses while it decays).
LAB_BASE: dict[str, Any] = {
    "preset": "quick",
    "lr_schedule": "constant",
    "lr": 1e-3,
    "steps": 100_000,  # a live run stops when the student does; steps only bounds a resumed run
    "checkpoint_every": None,
}


@dataclass(frozen=True)
class Preset:
    """A lab scenario.

    Attributes:
        name: what ``--preset`` and ``?preset=`` take ("09-clipping").
        lesson: the lesson number it belongs to (None for the general ones).
        title: one line for the page's header.
        watch: what to look at, one or two sentences (shown on the page).
        settings: TrainConfig fields over :data:`LAB_BASE`.
        generator_offset: added to the generator's last bias after it is built, so the generated
            points start displaced (lesson 12 starts them at (2, 2) so W₁ has a long way to fall).
    """

    name: str
    lesson: int | None
    title: str
    watch: str
    settings: dict[str, Any] = field(default_factory=dict)
    generator_offset: tuple[float, ...] | None = None

    def config_values(self) -> dict[str, Any]:
        """The TrainConfig fields of this preset, the lab's base included."""
        return {**LAB_BASE, **self.settings}


_PRESET_LIST = [
    Preset("quick", None, "WGAN-GP on the 8 Gaussians",
           "The critic's surface rises towards the real modes; the arrows show where the generator "
           "pushes its points. Turn λ down and watch the gradient norms leave 1.",
           {"data": "8gaussians", "loss": "wgan", "lipschitz": "gp"}),
    Preset("04-mode-collapse", 4, "The minimax GAN: a confident discriminator and mode collapse",
           "σ(D) saturates where the generator has no mass and the generated points gather on a "
           "few modes; switch to the WGAN-GP method and watch them spread out.",
           {"data": "8gaussians", "loss": "gan", "lipschitz": "none", "n_critic": 1}),
    Preset("07-duality", 7, "The critic against the exact optimal critic f* in 1-D",
           "In 1-D the lab draws the exact Kantorovich potential f* of the two samples beside the "
           "critic f: with the penalty, f bends towards f*.",
           {"data": "mixture1d", "loss": "wgan", "lipschitz": "gp"}),
    Preset("09-clipping", 9, "WGAN with weight clipping (Algorithm 1, at a lab's speed)",
           "Watch the weights pile up at ±c in the histogram and the critic's surface stay flat; "
           "raise c and the estimate grows with the critic's slope.",
           {"data": "8gaussians", "loss": "wgan", "lipschitz": "clip", "optimizer": "rmsprop", "lr": 1e-3}),
    Preset("10-spectral-norm", 10, "WGAN with spectral normalisation",
           "Every layer is divided by its largest singular value: the Lipschitz bound ∏‖Wᵢ‖ₛ stays "
           "at 1 while the measured slope sits below it.",
           {"data": "8gaussians", "loss": "wgan", "lipschitz": "sn"}),
    Preset("11-gradient-penalty", 11, "WGAN-GP: the gradient penalty at the paper's toy λ = 0.1",
           "The gradient-norm histogram at x̂ gathers around 1. Set λ to 0 and it spreads out; "
           "set it to 10 and it snaps back.",
           {"data": "8gaussians", "loss": "wgan", "lipschitz": "gp", "gp_weight": 0.1}),
    Preset("12-loss-curves", 12, "Meaningful loss curves: the critic's estimate against the exact W₁",
           "The generator starts displaced by (2, 2) and learns at 0.15× the critic's rate, so the "
           "critic's estimate can follow the exact W₁ down to the sampling floor.",
           {"data": "8gaussians", "loss": "wgan", "lipschitz": "gp", "gp_weight": 10.0, "lr": 1e-3,
            "generator_lr": 1.5e-4},
           generator_offset=(2.0, 2.0)),
]

PRESETS: dict[str, Preset] = {preset.name: preset for preset in _PRESET_LIST}
DEFAULT_PRESET = "quick"


def get_preset(name: str) -> Preset:
    """The preset called ``name``; a ValueError listing the names otherwise."""
    if name not in PRESETS:
        raise ValueError(f"preset must be one of {', '.join(PRESETS)}; got {name!r}")
    return PRESETS[name]


def preset_for_lesson(number: int) -> Preset | None:
    """The preset of lesson ``number``, or None when the lesson has none."""
    return next((p for p in _PRESET_LIST if p.lesson == number), None)
