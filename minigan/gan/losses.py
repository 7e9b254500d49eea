"""The GAN and WGAN losses, written as quantities to *minimise* (lessons 02, 09, 11, 12).

Notation: D(x) is the critic's (discriminator's) raw output — a *logit* for the GAN losses, an
unbounded score for the WGAN losses — over a batch of real points x and generated points G(z).
E is the batch mean.

GAN (Goodfellow et al. 2014), with σ the logistic function and log σ(t) = −softplus(−t):

    discriminator:          L_D = −E log σ(D(x)) − E log(1 − σ(D(G(z))))
                                = −E logσ(D(x)) − E logσ(−D(G(z)))
    generator, minimax:     L_G = E log(1 − σ(D(G(z)))) = E logσ(−D(G(z)))
    generator, non-sat.:    L_G = −E log σ(D(G(z)))     = −E logσ(D(G(z)))

Everything goes through ``logsigmoid`` on logits, never ``log(sigmoid(·))``: a logit of −200
gives log σ = −200 exactly instead of log 0 = −∞ and a NaN gradient.

WGAN (Arjovsky et al. 2017), the critic maximises E D(x) − E D(G(z)) (its estimate of W₁):

    critic:     L_D = E D(G(z)) − E D(x)
    generator:  L_G = −E D(G(z))

The gradient penalty of WGAN-GP lives in :mod:`minigan.gan.penalty`.
"""

from __future__ import annotations

from minigan.autodiff import Tensor, logsigmoid

__all__ = [
    "gan_discriminator_loss",
    "gan_generator_loss",
    "gan_generator_loss_nonsaturating",
    "wgan_critic_loss",
    "wgan_generator_loss",
    "critic_w1_estimate",
    "LOSSES",
    "critic_loss",
    "generator_loss",
]


def _scores(value: Tensor, name: str) -> Tensor:
    if not isinstance(value, Tensor):
        raise TypeError(f"{name} must be a Tensor of critic outputs, got {type(value).__name__}")
    if value.ndim == 0 or value.size == 0:
        raise ValueError(f"{name} must be a non-empty batch of critic outputs, got shape {value.shape}")
    if value.ndim == 2 and value.shape[1] != 1:
        raise ValueError(f"{name} must hold one output per point, shape (n,) or (n, 1); got {value.shape}")
    if value.ndim > 2:
        raise ValueError(f"{name} must have shape (n,) or (n, 1), got {value.shape}")
    return value


def gan_discriminator_loss(real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    """−E logσ(D(x)) − E logσ(−D(G(z))): the GAN discriminator's cross-entropy (lesson 02).

    Its minimum over D is 2 ln 2 − 2·JS(p_r ‖ p_g) (reached at D* = p_r / (p_r + p_g)).
    """
    real_logits = _scores(real_logits, "real_logits")
    fake_logits = _scores(fake_logits, "fake_logits")
    return -logsigmoid(real_logits).mean() - logsigmoid(-fake_logits).mean()


def gan_generator_loss(fake_logits: Tensor) -> Tensor:
    """E log(1 − σ(D(G(z)))) = E logσ(−D(G(z))): the minimax generator loss (lesson 02).

    Saturates: when D confidently rejects the fakes (logit → −∞) its gradient vanishes.
    """
    return logsigmoid(-_scores(fake_logits, "fake_logits")).mean()


def gan_generator_loss_nonsaturating(fake_logits: Tensor) -> Tensor:
    """−E logσ(D(G(z))): the "−log D trick" generator loss, strong gradients early on (lesson 02)."""
    return -logsigmoid(_scores(fake_logits, "fake_logits")).mean()


def wgan_critic_loss(real_scores: Tensor, fake_scores: Tensor) -> Tensor:
    """E D(G(z)) − E D(x): minimising it maximises the critic's W₁ estimate (lessons 09, 11)."""
    return _scores(fake_scores, "fake_scores").mean() - _scores(real_scores, "real_scores").mean()


def wgan_generator_loss(fake_scores: Tensor) -> Tensor:
    """−E D(G(z)): the WGAN generator loss (lessons 09, 11)."""
    return -_scores(fake_scores, "fake_scores").mean()


def critic_w1_estimate(real_scores: Tensor, fake_scores: Tensor) -> Tensor:
    """E D(x) − E D(G(z)): the critic's estimate of W₁, a lower bound when ‖D‖_L ≤ 1 (lesson 12)."""
    return _scores(real_scores, "real_scores").mean() - _scores(fake_scores, "fake_scores").mean()


# loss name -> (critic loss (real, fake), generator loss (fake))
LOSSES = {
    "gan": (gan_discriminator_loss, gan_generator_loss),
    "gan-ns": (gan_discriminator_loss, gan_generator_loss_nonsaturating),
    "wgan": (wgan_critic_loss, wgan_generator_loss),
}


def _pair(loss: str):
    try:
        return LOSSES[loss]
    except KeyError:
        raise ValueError(f"unknown loss {loss!r}; choose one of {', '.join(LOSSES)}") from None


def critic_loss(loss: str, real_scores: Tensor, fake_scores: Tensor) -> Tensor:
    """The critic (discriminator) loss called ``loss`` ("gan", "gan-ns" or "wgan")."""
    return _pair(loss)[0](real_scores, fake_scores)


def generator_loss(loss: str, fake_scores: Tensor) -> Tensor:
    """The generator loss called ``loss`` ("gan" minimax, "gan-ns" non-saturating, "wgan")."""
    return _pair(loss)[1](fake_scores)
