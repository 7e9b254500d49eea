"""GAN / WGAN losses and the WGAN-GP gradient penalty: hand-computed values, closed forms, and
finite differences (first order, and through the penalty's double backprop)."""

import math

import numpy as np
import pytest

import minigan as mg
from minigan.gan import losses
from minigan.gan.penalty import gradient_norms, gradient_penalty, interpolate


def f64(values):
    return mg.tensor(np.asarray(values, dtype=np.float64), dtype="float64")


def log_sigmoid(t):
    """log σ(t) in plain Python, computed in the stable form for either sign."""
    return -math.log1p(math.exp(-t)) if t >= 0 else t - math.log1p(math.exp(t))


REAL = [[0.0], [2.0], [-0.5]]
FAKE = [[-1.0], [3.0], [0.25]]


# ------------------------------------------------------------------------- hand values
def test_gan_discriminator_loss_by_hand():
    expected = -np.mean([log_sigmoid(r[0]) for r in REAL]) - np.mean([log_sigmoid(-f[0]) for f in FAKE])
    value = losses.gan_discriminator_loss(f64(REAL), f64(FAKE)).item()
    assert value == pytest.approx(expected, rel=1e-12)


def test_gan_generator_losses_by_hand():
    minimax = np.mean([math.log(1.0 - 1.0 / (1.0 + math.exp(-f[0]))) for f in FAKE])
    nonsaturating = -np.mean([math.log(1.0 / (1.0 + math.exp(-f[0]))) for f in FAKE])
    assert losses.gan_generator_loss(f64(FAKE)).item() == pytest.approx(minimax, rel=1e-12)
    value = losses.gan_generator_loss_nonsaturating(f64(FAKE)).item()
    assert value == pytest.approx(nonsaturating, rel=1e-12)


def test_wgan_losses_by_hand():
    real_mean = (0.0 + 2.0 - 0.5) / 3
    fake_mean = (-1.0 + 3.0 + 0.25) / 3
    critic = losses.wgan_critic_loss(f64(REAL), f64(FAKE)).item()
    assert critic == pytest.approx(fake_mean - real_mean, rel=1e-12)
    assert losses.wgan_generator_loss(f64(FAKE)).item() == pytest.approx(-fake_mean, rel=1e-12)
    estimate = losses.critic_w1_estimate(f64(REAL), f64(FAKE)).item()
    assert estimate == pytest.approx(real_mean - fake_mean, rel=1e-12)


def test_gan_value_at_the_equilibrium_is_2_ln_2():
    # D* = 1/2 everywhere (logit 0) when p_g = p_r: the discriminator loss is −2·log ½ = 2 ln 2.
    zeros = mg.tensor(np.zeros((4, 1)))
    assert losses.gan_discriminator_loss(zeros, zeros).item() == pytest.approx(2 * math.log(2), rel=1e-6)


@pytest.mark.parametrize("logit", [-300.0, -40.0, 40.0, 300.0])
def test_gan_losses_are_stable_for_extreme_logits(logit):
    # log σ(t) ≈ t for t → −∞ and ≈ 0 for t → +∞: finite values and finite, exact gradients.
    x = mg.tensor([[logit]], requires_grad=True)
    loss = losses.gan_discriminator_loss(x, mg.tensor([[0.0]]))
    expected = -log_sigmoid(logit) + math.log(2)
    assert loss.item() == pytest.approx(expected, rel=1e-6)
    (gradient,) = mg.grad(loss, x)
    sigma = 1.0 / (1.0 + math.exp(-logit))
    assert gradient.item() == pytest.approx(-(1.0 - sigma), abs=1e-7)  # d/dt −log σ(t) = −(1 − σ(t))
    y = mg.tensor([[logit]], requires_grad=True)
    for generator_loss in (losses.gan_generator_loss, losses.gan_generator_loss_nonsaturating):
        value = generator_loss(y)
        (g,) = mg.grad(value, y)
        assert math.isfinite(value.item()) and math.isfinite(g.item())


def test_nonsaturating_loss_keeps_its_gradient_where_minimax_saturates():
    # A confidently rejected fake (logit −10): the minimax gradient σ(t) ≈ 4.5e−5 vanishes,
    # the non-saturating one −(1 − σ(t)) ≈ −1 does not (Goodfellow et al. 2014, §3).
    fake = f64([[-10.0]]).requires_grad_()
    (minimax,) = mg.grad(losses.gan_generator_loss(fake), fake)
    (nonsaturating,) = mg.grad(losses.gan_generator_loss_nonsaturating(fake), fake)
    sigma = 1.0 / (1.0 + math.exp(10.0))
    assert minimax.item() == pytest.approx(-sigma, rel=1e-9)
    assert nonsaturating.item() == pytest.approx(-(1.0 - sigma), rel=1e-9)


@pytest.mark.parametrize("name", ["gan", "gan-ns", "wgan"])
def test_loss_gradients_match_finite_differences(name):
    rng = np.random.default_rng(3)
    real, fake = f64(rng.normal(size=(5, 1)) * 3), f64(rng.normal(size=(5, 1)) * 3)
    assert mg.gradcheck(lambda r, f: losses.critic_loss(name, r, f), [real, fake])
    assert mg.gradcheck(lambda f: losses.generator_loss(name, f), [fake])


def test_losses_refuse_bad_shapes_and_names():
    with pytest.raises(ValueError, match="one output per point"):
        losses.wgan_critic_loss(f64(np.zeros((3, 2))), f64(np.zeros((3, 1))))
    with pytest.raises(ValueError, match="unknown loss"):
        losses.critic_loss("hinge", f64(REAL), f64(FAKE))
    with pytest.raises(TypeError):
        losses.wgan_generator_loss(np.zeros((3, 1)))


# --------------------------------------------------------------------------- the penalty
def linear_critic(w, b=0.3):
    return lambda x: x @ w + b


def batch(seed, n=6, d=2):
    rng = np.random.default_rng(seed)
    return f64(rng.normal(size=(n, d))), f64(rng.normal(size=(n, d)) + 2.0)


def test_penalty_is_zero_for_a_unit_norm_linear_critic():
    real, fake = batch(0)
    w = f64([[0.6], [0.8]]).requires_grad_()
    penalty, norms = gradient_penalty(linear_critic(w), real, fake, return_norms=True)
    assert penalty.item() == pytest.approx(0.0, abs=1e-15)
    np.testing.assert_allclose(norms.numpy(), np.ones(6), rtol=1e-14)


@pytest.mark.parametrize("w_values", [[[3.0], [4.0]], [[0.1], [-0.2]], [[-1.5], [0.0]]])
@pytest.mark.parametrize("target", [1.0, 0.5])
def test_penalty_of_a_linear_critic_is_squared_norm_gap(w_values, target):
    real, fake = batch(1)
    w = f64(w_values).requires_grad_()
    w_norm = float(np.linalg.norm(w_values))
    penalty = gradient_penalty(linear_critic(w), real, fake, target=target)
    assert penalty.item() == pytest.approx((w_norm - target) ** 2, rel=1e-12)
    # d/dw (‖w‖ − t)² = 2(‖w‖ − t)·w/‖w‖, through the double backprop
    (gradient,) = mg.grad(penalty, w)
    expected = 2 * (w_norm - target) * np.asarray(w_values) / w_norm
    np.testing.assert_allclose(gradient.numpy(), expected, rtol=1e-12)


def test_penalty_of_a_quadratic_critic_against_plain_numpy():
    # D(x) = ½‖x‖² has ∇D(x̂) = x̂, so the penalty is mean((‖x̂ᵢ‖ − 1)²) with x̂ = εx + (1 − ε)y.
    real, fake = batch(2, n=7, d=3)
    epsilon = np.random.default_rng(5).uniform(size=(7, 1))
    penalty = gradient_penalty(lambda x: 0.5 * (x * x).sum(axis=1), real, fake, epsilon=f64(epsilon))
    x_hat = epsilon * real.numpy() + (1 - epsilon) * fake.numpy()
    expected = np.mean((np.linalg.norm(x_hat, axis=1) - 1.0) ** 2)
    assert penalty.item() == pytest.approx(expected, rel=1e-12)


def test_interpolation_draws_one_epsilon_per_sample_on_the_segment():
    mg.manual_seed(11)
    real, fake = batch(3, n=50, d=4)
    x_hat = interpolate(real, fake).numpy()
    r, f = real.numpy(), fake.numpy()
    ratios = (x_hat - f) / (r - f)  # = ε, the same in every coordinate of a sample
    np.testing.assert_allclose(ratios, np.repeat(ratios[:, :1], 4, axis=1), rtol=1e-9, atol=1e-12)
    assert np.all((ratios >= 0) & (ratios <= 1))
    assert np.unique(ratios[:, 0].round(12)).size == 50  # a fresh ε per sample
    # the draws come from mg.backend.rng(): the same seed gives the same ε
    mg.manual_seed(11)
    np.testing.assert_array_equal(interpolate(real, fake).numpy(), x_hat)


def test_penalty_gradient_of_a_tanh_mlp_matches_finite_differences():
    rng = np.random.default_rng(7)
    real, fake = batch(4, n=5, d=2)
    epsilon = f64(rng.uniform(size=(5, 1)))
    params = [f64(rng.normal(size=(2, 4))), f64(rng.normal(size=(4,))), f64(rng.normal(size=(4, 1))),
              f64(rng.normal(size=(1,)))]

    def penalty_of(w1, b1, w2, b2):
        critic = lambda x: mg.tanh(x @ w1 + b1) @ w2 + b2
        return gradient_penalty(critic, real, fake, epsilon=epsilon)

    assert penalty_of(*params).item() > 1e-3  # a non-trivial penalty, so the check means something
    assert mg.gradcheck(penalty_of, params)


def test_penalty_gradient_of_an_nn_mlp_matches_finite_differences():
    mg.manual_seed(3)
    critic = mg.nn.MLP([2, 5, 5, 1], activation="tanh").to("float64")
    real, fake = batch(5, n=4)
    epsilon = f64(np.random.default_rng(9).uniform(size=(4, 1)))
    names = [name for name, _ in critic.named_parameters()]
    start = [f64(p.numpy()) for p in critic.parameters()]

    def penalty_of(*values):
        # Put gradcheck's leaves in place of the parameters (straight into each layer's registry,
        # since they are plain Tensors), so the penalty is a function of exactly these inputs.
        for name, value in zip(names, values):
            layer, attribute = name.split(".")
            critic[int(layer)].__dict__["_parameters"][attribute] = value
        return gradient_penalty(critic, real, fake, epsilon=epsilon)

    assert mg.gradcheck(penalty_of, start)


def test_dead_relu_critic_gives_penalty_target_squared_and_a_finite_gradient():
    # ∇D = 0 at every x̂: ‖∇D‖ = 0, penalty = target²; the norm's derivative at 0 is taken as 0.
    real, fake = batch(6)
    w = f64([[1.0], [1.0]]).requires_grad_()
    critic = lambda x: mg.relu(x @ w - 100.0)
    penalty = gradient_penalty(critic, real, fake)
    assert penalty.item() == pytest.approx(1.0)
    (gradient,) = mg.grad(penalty, w)
    np.testing.assert_array_equal(gradient.numpy(), np.zeros((2, 1)))


def test_gradient_norms_of_a_linear_critic():
    w = f64([[2.0], [-1.0], [2.0]])
    points = f64(np.random.default_rng(0).normal(size=(4, 3))).requires_grad_()
    np.testing.assert_allclose(gradient_norms(linear_critic(w), points).numpy(), np.full(4, 3.0), rtol=1e-14)


def test_penalty_refuses_bad_input():
    real, fake = batch(0)
    w = f64([[1.0], [0.0]]).requires_grad_()
    with pytest.raises(ValueError, match="same shape"):
        gradient_penalty(linear_critic(w), real, fake[:3])
    with pytest.raises(ValueError, match="one score per point"):
        gradient_penalty(lambda x: x, real, fake)
    with pytest.raises(ValueError, match="epsilon"):
        gradient_penalty(linear_critic(w), real, fake, epsilon=f64(np.zeros((6, 2))))
    with pytest.raises(ValueError, match="target"):
        gradient_penalty(linear_critic(w), real, fake, target=float("nan"))
    with pytest.raises(RuntimeError, match="does not depend"):
        gradient_penalty(lambda x: mg.tensor(np.zeros(6)), real, fake)


def test_nan_critic_weights_give_nan_norms_and_penalty_not_a_clean_looking_number():
    # the old where(‖g‖² > 0, …, 0) read NaN as "not > 0" and gave norms 0 and penalty 1.0
    real, fake = batch(4)
    w = f64([[np.nan], [1.0]]).requires_grad_()
    penalty, norms = gradient_penalty(lambda x: mg.tanh(x @ w), real, fake, return_norms=True)
    assert np.isnan(norms.numpy()).all()
    assert math.isnan(penalty.item())
    mlp = mg.nn.MLP([2, 4, 1], activation="relu", dtype="float64")
    mlp[0].weight.data[0, 0] = np.nan if mg.backend.name() == "numpy" else mlp[0].weight.data[0, 0] * np.nan
    points = f64(np.ones((3, 2))).requires_grad_()
    assert np.isnan(gradient_norms(mlp, points).numpy()).all()
