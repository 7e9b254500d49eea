"""``TrainConfig``: every setting of a GAN training run, with two presets: "paper" and "quick".

Leave a field at None and ``__post_init__`` fills it in from the chosen ``preset`` (and the loss,
Lipschitz method and data set); every field given explicitly wins over the preset. After
construction every field holds its resolved value, so ``to_dict()`` (and ``config.json``) records
exactly what ran.

``preset="paper"`` (the library's default) — the published settings:

================  =======================================================================
field             value when left at None
================  =======================================================================
lipschitz         "gp" for the WGAN loss, "none" for the GAN losses (the plain GAN)
optimizer         "rmsprop" with weight clipping (WGAN, Algorithm 1: momentum hurts there),
                  "adam" otherwise (WGAN-GP, and SN-GAN)
lr                5e-5 for RMSprop (WGAN's α), 1e-4 for Adam (WGAN-GP); SGD has no paper
                  default, so it needs an explicit lr
lr_schedule       "constant"
n_critic          5 for the WGAN loss (both papers), 1 for the GAN losses (Goodfellow's k = 1)
batch_size        64 with weight clipping (WGAN's m) and on data that is not a 2-D toy set;
                  256 otherwise (the WGAN-GP toy script)
gp_weight (λ)     0.1 for data of dimension ≤ 2 (the WGAN-GP toy script), 10 above (the paper)
hidden widths     512, 512, 512 for both networks (the WGAN-GP toy script)
steps, log_every  2,000 and 100
================  =======================================================================

``preset="quick"`` (the default of ``minigan train``) — a run you can watch in well under a
minute on a laptop CPU: networks 64×3, Adam 2e-3 (RMSprop 1e-3 with clipping) decayed linearly
over the run, to 1/steps of it at the last step ("linear" lr_schedule, as the WGAN-GP authors'
CIFAR-10 script), and otherwise the paper preset's batch 256, n_critic, λ, 2,000 steps logged
every 100. On the 8 Gaussians it covers all 8 modes with exact W₁ ≈ 0.12 for WGAN-GP and WGAN-SN
(about 20 s of one CPU core); the decay matters: at a constant rate Adam's steps keep the
generated points jittering around the modes, wider than the 3σ the mode count allows.

Why λ depends on the dimension: in 1-D a critic's slope can only change sign by passing through
0, and the penalty λ(‖D′‖ − 1)² charges λ for every interpolate x̂ where it does. The optimal
critic for two 1-D laws whose CDFs cross changes slope sign at each crossing; with λ = 10 the
penalty wins, the critic stays monotone and the generator is pushed the wrong way (exact W₁ rose
from 1.2 to 5.3 on gaussian1d). λ = 0.1 lets the critic bend. In 2-D the WGAN-GP authors use
0.1 for the same toy reason; the paper's λ = 10 is for images (d > 2).

Fixed defaults: Adam betas (0.5, 0.9) (WGAN-GP), RMSprop smoothing α = 0.99 (PyTorch's, which
the WGAN reference code used), clip value c = 0.01, penalty target 1, one power iteration per step
for spectral normalisation, ReLU MLPs with He initialisation for both networks (the WGAN-GP toy
script), noise dimension 2, exact W₁ on 1,000 points per side (500 for d > 2, where it is an
O(n³) assignment).

``TrainConfig.for_method(loss, lipschitz, **overrides)`` is the same thing spelt as a recipe.
The config is JSON-serialisable (:meth:`to_dict` / :meth:`from_dict`); checkpoints store it, and
:meth:`mismatches` says which settings a resumed run may not change. A linear schedule decays
over ``steps``: resuming with more steps continues at the rate the longer schedule has there.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

from minigan.gan.data import DATASETS, TOY_2D
from minigan.gan.methods import METHODS

__all__ = ["TrainConfig", "ConfigError", "LOSSES", "LIPSCHITZ_METHODS", "OPTIMIZERS", "RESUMABLE_CHANGES", "PRESETS",
           "LR_SCHEDULES", "PRESET_RATES", "preset_values", "learning_rate_factor"]

class ConfigError(ValueError):
    """A TrainConfig setting with a value it cannot take.

    ``field`` is the setting's name and ``problem`` what is wrong with it, as data, so that a
    caller can name the setting its own way (the command line names the flag that sets it);
    ``str(error)`` is "field problem"."""

    def __init__(self, field: str, problem: str):
        self.field, self.problem = field, problem
        super().__init__(f"{field} {problem}")


PRESETS = ("quick", "paper")
LR_SCHEDULES = ("constant", "linear")

LOSSES = ("gan", "gan-ns", "wgan")
LIPSCHITZ_METHODS = tuple(METHODS)  # the table of minigan.gan.methods
OPTIMIZERS = ("adam", "rmsprop", "sgd")
ACTIVATION_NAMES = ("relu", "tanh", "leaky_relu", "sigmoid", "identity")
INITS = ("he", "default", "he_normal", "xavier")
DTYPES = ("float32", "float64")

# Settings that may differ between a checkpoint and the run that resumes it: they change how far
# the run goes, what is logged and where things are written, never the training trajectory.
RESUMABLE_CHANGES = ("steps", "log_every", "metric_samples", "checkpoint_every", "snapshot_every", "backend",
                     "out")

# What each preset puts in a field left at None. Entries that depend on the run are functions of
# (loss, lipschitz, optimizer, data dimension, 2-D toy set?).
# The learning rate each preset gives each optimizer (SGD has none: no published rate).
PRESET_RATES = {"paper": {"rmsprop": 5e-5, "adam": 1e-4}, "quick": {"rmsprop": 1e-3, "adam": 2e-3}}
_PAPER_LR, _QUICK_LR = PRESET_RATES["paper"], PRESET_RATES["quick"]  # the earlier private names


def preset_values(preset: str, loss: str = "wgan", lipschitz: str | None = None, optimizer: str | None = None,
                  data: str = "8gaussians") -> dict[str, Any]:
    """The values ``preset`` gives the fields left at None, for this loss, method, optimizer and data.

    ``preset_values("quick")`` → {"lipschitz": "gp", "optimizer": "adam", "lr": 0.002, ...}. The
    command line's --help shows these.
    """
    _choice("preset", preset, PRESETS)
    _choice("loss", loss, LOSSES)
    _choice("data", data, tuple(DATASETS))
    if lipschitz is None:
        lipschitz = "gp" if loss == "wgan" else "none"
    _choice("lipschitz", lipschitz, LIPSCHITZ_METHODS)
    method = METHODS[lipschitz]
    if optimizer is None:
        optimizer = method.optimizer
    dim = DATASETS[data].dim
    toy = data in TOY_2D
    quick = preset == "quick"
    if quick and data == "digits":
        return {**_quick_digits(loss, lipschitz, optimizer), "noise_dim": 16, "generator_final_activation": "tanh"}
    rates = PRESET_RATES[preset]
    hidden = (64, 64, 64) if quick else (512, 512, 512)
    if quick:
        batch_size = 256
    else:  # the WGAN-GP toy script's 256 on the 2-D toy sets, unless the method's paper says otherwise
        batch_size = (method.paper_batch_size or 256) if toy else 64
    return {
        "noise_dim": 16 if data == "digits" else 2,
        "generator_final_activation": "tanh" if data == "digits" else "identity",
        "lipschitz": lipschitz,
        "optimizer": optimizer,
        "lr": rates.get(optimizer),  # None for SGD: no published rate
        "lr_schedule": "linear" if quick else "constant",
        "n_critic": 5 if loss == "wgan" else 1,
        "batch_size": batch_size,
        "gp_weight": 0.1 if dim <= 2 else 10.0,
        "generator_hidden": hidden,
        "critic_hidden": hidden,
        "steps": 2000,
        "log_every": 100,
        "metric_samples": 1000 if dim <= 2 else 500,
    }


def _quick_digits(loss: str, lipschitz: str, optimizer: str) -> dict[str, Any]:
    """The quick preset on the digits: lesson 14's recipe (16-D noise, 128 × 2 ReLU nets with a
    final tanh on the generator, batch 64, Adam 3e-4 / RMSprop 1.5e-4 at a constant rate, λ = 10),
    which draws recognisable digits in 2,000 steps (issue 22); the 2-D toys' quick settings gave
    grey blobs."""
    return {
        "lipschitz": lipschitz,
        "optimizer": optimizer,
        "lr": {"adam": 3e-4 if loss == "wgan" else 2e-4, "rmsprop": 1.5e-4}.get(optimizer),
        "lr_schedule": "constant",
        "n_critic": 5 if loss == "wgan" else 1,
        "batch_size": 64,
        "gp_weight": 10.0,
        "generator_hidden": (128, 128),
        "critic_hidden": (128, 128),
        "steps": 2000,
        "log_every": 100,
        "metric_samples": 500,
    }


def learning_rate_factor(schedule: str, step: int, steps: int) -> float:
    """The multiplier of the base rate at generator step ``step`` (1-based) of ``steps``.

    "constant": 1. "linear": 1 − (step − 1)/steps, from 1 at the first step down to 1/steps at
    the last (never 0, so every step still moves).
    """
    if schedule == "constant" or steps <= 0:
        return 1.0
    return max(1.0 - (step - 1) / steps, 1.0 / steps)


@dataclass
class TrainConfig:
    """All settings of one run of :func:`minigan.gan.train` (see the module docstring for defaults).

    Attributes:
        data: data set name, one of ``minigan.gan.data.available()``.
        loss: "gan" (minimax), "gan-ns" (non-saturating generator) or "wgan".
        lipschitz: how the critic is kept Lipschitz: "none", "clip" (weight clipping, lesson 09),
            "sn" (spectral normalisation, lesson 10) or "gp" (gradient penalty, lesson 11); left
            at None it follows the loss: "gp" for "wgan", "none" for the GAN losses.
        steps: generator steps to train for (each preceded by ``n_critic`` critic steps).
        n_critic: critic steps per generator step.
        optimizer: "adam", "rmsprop" or "sgd"; both networks use the same one.
        lr, betas, rmsprop_alpha, eps, momentum: optimizer settings (betas for Adam,
            rmsprop_alpha is RMSprop's smoothing constant, momentum for SGD).
        lr_schedule: "constant" or "linear" (decay over ``steps``, both networks: the factor
            1 − (t − 1)/steps, which stops at 1/steps at the last step, never 0).
        generator_lr: the generator's learning rate; None uses ``lr`` for both networks.
        batch_size: points per batch (real and generated).
        clip_value: c of weight clipping, parameters clipped to [−c, c] after every critic step.
        gp_weight: λ of the gradient penalty; gp_target its target norm (1).
        sn_power_iterations: power-iteration steps per critic forward pass with "sn".
        generator_hidden, critic_hidden: hidden layer widths of the two MLPs.
        generator_activation, critic_activation: activation names ("relu", "tanh", ...).
        generator_final_activation: applied to the generator's output: "tanh" for the digits
            (pixels in [−1, 1]), "identity" otherwise (left at None: the preset's).
        init: weight initialisation of every Linear ("he" as the toy script, or "default" = PyTorch's).
        noise_dim: dimension of the generator's input z ~ N(0, I) (None: 16 for the digits, 2 otherwise).
        seed: seeds initialisation and the training random stream.
        log_every: a history row every this many generator steps (and at the first and last step).
        metric_samples: points per side for the exact W₁ metric (≥ 1,000 recommended in 2-D).
        checkpoint_every: write a checkpoint every this many steps when ``out`` is set (and at
            the end); None or 0: only at the end.
        snapshot_every: record a snapshot (samples, critic values on a grid, −∇ₓD arrows) every
            this many steps into ``run.snapshots`` (and ``out/snapshots/*.npz`` as the run goes,
            when ``out`` is set), for the animations of ``minigan train --snapshot-every``; None: none.
        backend: "numpy", "strict" or "cupy" to switch before training; None keeps the active one.
        dtype: "float32" (default) or "float64".
        out: a folder for the checkpoint and history files; None writes nothing.
        preset: "paper" (default) or "quick": where the fields left at None take their values.
    """

    data: str = "8gaussians"
    loss: str = "wgan"
    lipschitz: str | None = None
    steps: int | None = None
    n_critic: int | None = None
    optimizer: str | None = None
    lr: float | None = None
    lr_schedule: str | None = None
    generator_lr: float | None = None
    betas: tuple[float, float] = (0.5, 0.9)
    rmsprop_alpha: float = 0.99
    eps: float = 1e-8
    momentum: float = 0.0
    batch_size: int | None = None
    clip_value: float = 0.01
    gp_weight: float | None = None
    gp_target: float = 1.0
    sn_power_iterations: int = 1
    generator_hidden: tuple[int, ...] | None = None
    critic_hidden: tuple[int, ...] | None = None
    generator_activation: str = "relu"
    critic_activation: str = "relu"
    generator_final_activation: str | None = None
    init: str = "he"
    noise_dim: int | None = None
    seed: int = 0
    log_every: int | None = None
    metric_samples: int | None = None
    checkpoint_every: int | None = 500
    snapshot_every: int | None = None
    backend: str | None = None
    dtype: str = "float32"
    out: str | None = field(default=None)
    preset: str = "paper"

    @classmethod
    def for_method(cls, loss: str = "wgan", lipschitz: str = "gp", **overrides: Any) -> TrainConfig:
        """The papers' recipe for ``loss`` + ``lipschitz``, with ``overrides`` on top.

        ``for_method("wgan", "clip")``: RMSprop(5e-5), c = 0.01, n_critic = 5 (WGAN).
        ``for_method("wgan", "gp")``: Adam(1e-4, β = (0.5, 0.9)), n_critic = 5, λ = 0.1 on toy data (WGAN-GP).
        """
        return cls(loss=loss, lipschitz=lipschitz, **overrides)

    # ---------------------------------------------------------------------- defaults
    def __post_init__(self) -> None:
        _choice("preset", self.preset, PRESETS)
        _choice("data", self.data, tuple(DATASETS))
        _choice("loss", self.loss, LOSSES)
        if self.lipschitz is not None:
            _choice("lipschitz", self.lipschitz, LIPSCHITZ_METHODS)
        if self.optimizer is not None:
            _choice("optimizer", self.optimizer, OPTIMIZERS)
        values = preset_values(self.preset, self.loss, self.lipschitz, self.optimizer, self.data)
        for name, value in values.items():
            if getattr(self, name) is None:
                setattr(self, name, value)
        if self.lr is None:
            raise ConfigError("lr", "must be given with optimizer 'sgd': it has no published default learning rate")
        if self.lr_schedule is not None:
            _choice("lr_schedule", self.lr_schedule, LR_SCHEDULES)
        self.betas = tuple(float(b) for b in self.betas)
        self.generator_hidden = tuple(self.generator_hidden)
        self.critic_hidden = tuple(self.critic_hidden)
        if self.checkpoint_every == 0:
            self.checkpoint_every = None
        self._validate()
        if isinstance(self.lr, int) and not isinstance(self.lr, bool):
            self.lr = float(self.lr)

    def _validate(self) -> None:
        for name in ("steps", "n_critic", "batch_size", "noise_dim", "log_every", "metric_samples"):
            _integer(name, getattr(self, name), minimum=0 if name == "steps" else 1)
        _integer("seed", self.seed, minimum=0)
        _integer("sn_power_iterations", self.sn_power_iterations, minimum=1)
        if self.checkpoint_every is not None:
            _integer("checkpoint_every", self.checkpoint_every, minimum=1)
        if self.snapshot_every is not None:
            _integer("snapshot_every", self.snapshot_every, minimum=1)
        for name in ("lr", "clip_value", "eps"):
            _number(name, getattr(self, name), positive=True)
        if self.generator_lr is not None:
            _number("generator_lr", self.generator_lr, positive=True)
        for name in ("gp_weight", "momentum", "gp_target"):
            _number(name, getattr(self, name), positive=False)
        if not 0 <= self.rmsprop_alpha <= 1:
            raise ConfigError("rmsprop_alpha", f"must lie in [0, 1], got {self.rmsprop_alpha}")
        if len(self.betas) != 2 or not all(0 <= b < 1 for b in self.betas):
            raise ConfigError("betas", f"must be two numbers in [0, 1), got {self.betas}")
        for name in ("generator_hidden", "critic_hidden"):
            for width in getattr(self, name):
                _integer(name, width, minimum=1, what="entry ")
        _choice("generator_activation", self.generator_activation, ACTIVATION_NAMES)
        _choice("critic_activation", self.critic_activation, ACTIVATION_NAMES)
        _choice("generator_final_activation", self.generator_final_activation, ACTIVATION_NAMES)
        _choice("init", self.init, INITS)
        _choice("dtype", self.dtype, DTYPES)
        if self.backend is not None:
            _choice("backend", self.backend, ("numpy", "strict", "cupy"))
        if self.out is not None:
            self.out = str(self.out)

    # -------------------------------------------------------------------- derived
    @property
    def data_dim(self) -> int:
        return DATASETS[self.data].dim

    @property
    def generator_sizes(self) -> list[int]:
        return [self.noise_dim, *self.generator_hidden, self.data_dim]

    @property
    def critic_sizes(self) -> list[int]:
        return [self.data_dim, *self.critic_hidden, 1]

    # ------------------------------------------------------------- serialisation
    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (tuples become lists)."""
        return {f.name: (list(v) if isinstance(v := getattr(self, f.name), tuple) else v)
                for f in dataclasses.fields(self)}

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TrainConfig:
        """Inverse of :meth:`to_dict`; unknown keys are refused with their names."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown TrainConfig fields: {', '.join(unknown)}")
        return cls(**values)

    def replace(self, **changes: Any) -> TrainConfig:
        """A copy with ``changes`` applied (and validated)."""
        return dataclasses.replace(self, **changes)

    def differences(self, other: TrainConfig) -> list[tuple[str, Any, Any]]:
        """(name, other's value, self's value) for each setting other than :data:`RESUMABLE_CHANGES`
        where ``other`` differs; empty when a checkpoint of ``other`` may be resumed as ``self``."""
        mine, theirs = self.to_dict(), other.to_dict()
        return [(name, theirs[name], mine[name])
                for name in mine if name not in RESUMABLE_CHANGES and mine[name] != theirs[name]]

    def mismatches(self, other: TrainConfig) -> list[str]:
        """:meth:`differences` as "name: theirs in the checkpoint vs mine now" strings."""
        return [f"{name}: {theirs!r} in the checkpoint vs {mine!r} now"
                for name, theirs, mine in self.differences(other)]


def _choice(name: str, value: Any, allowed: tuple[str, ...]) -> None:
    try:
        known = value in allowed
    except TypeError:  # an unhashable value such as a list
        known = False
    if not known:
        raise ConfigError(name, f"must be one of {', '.join(allowed)}; got {value!r}")


def _integer(name: str, value: Any, minimum: int, what: str = "") -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(name, f"{what}must be an integer ≥ {minimum}, got {value!r}")


def _number(name: str, value: Any, positive: bool) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ConfigError(name, f"must be a finite number, got {value!r}")
    if (positive and value <= 0) or value < 0:
        raise ConfigError(name, f"must be {'> 0' if positive else '≥ 0'}, got {value!r}")
