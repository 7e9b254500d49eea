"""GAN training on toy data: losses, the gradient penalty, data sets, the trainer, metrics, checkpoints.

    import minigan as mg
    run = mg.gan.train(mg.gan.TrainConfig(data="8gaussians", loss="wgan", lipschitz="gp", steps=2000))
    run.history.column("w1_exact")       # exact W₁ between generated and real samples, per log step

Modules: ``data`` (samplers), ``losses`` (GAN / WGAN losses from logits and scores), ``penalty``
(``gradient_penalty``), ``config`` (``TrainConfig``), ``trainer`` (``train``, ``Run``),
``metrics``, ``history``, ``checkpoint``, ``snapshots`` (what a frame of ``training.gif`` shows),
``classifier`` (the digit classifier and the mode count of lesson 14).
The command line (``minigan train``, ``minigan compare``) lives in :mod:`minigan.cli`.
"""

from minigan.gan import classifier, data
from minigan.gan.checkpoint import CheckpointError, CheckpointMismatchError
from minigan.gan.config import TrainConfig
from minigan.gan.history import History
from minigan.gan.losses import (
    critic_loss,
    critic_w1_estimate,
    gan_discriminator_loss,
    gan_generator_loss,
    gan_generator_loss_nonsaturating,
    generator_loss,
    wgan_critic_loss,
    wgan_generator_loss,
)
from minigan.gan.metrics import exact_w1
from minigan.gan.penalty import gradient_norms, gradient_penalty, interpolate
from minigan.gan.trainer import Run, TrainingDiverged, train

__all__ = [
    "data", "classifier", "TrainConfig", "train", "Run", "TrainingDiverged", "History", "CheckpointError",
    "CheckpointMismatchError", "gradient_penalty", "gradient_norms", "interpolate", "exact_w1",
    "gan_discriminator_loss", "gan_generator_loss", "gan_generator_loss_nonsaturating",
    "wgan_critic_loss", "wgan_generator_loss", "critic_w1_estimate", "critic_loss", "generator_loss",
]
