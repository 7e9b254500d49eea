"""Every lesson can fail: break one library function the way a student (or a library bug) might,
run the lesson, and it must exit non-zero — stopped by one of its own checks.

A lesson whose checks still pass with KL's arguments swapped, or with the x·y game stepping
alternately, is not checking what it claims. Each mutation below replaces one minigan function
*before the lesson starts*: in a fresh subprocess, the replacement is bound everywhere the
original was (the defining module and every minigan module that did ``from x import f``), then
the lesson runs with ``runpy.run_path`` exactly as ``python lessons/NN_x.py --out DIR`` would.

To keep this affordable the child process stops at the first failed check (``Lesson._record`` is
wrapped to exit with status 3 and name the claim that caught the mutation); a lesson that
crashes instead exits with status 1, which counts only for mutations marked ``may_crash`` (where
the library itself refuses the broken input with an error, which is also a catch). The
un-mutated runner must let a lesson pass (``test_the_runner_itself_leaves_a_lesson_passing``).

Run one mutation by hand:
    python tests/test_lesson_mutations.py js_density_in_bits lessons/01_kl_and_js.py /tmp/out
"""

from __future__ import annotations

import math
import os
import runpy
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LESSONS_DIR = ROOT / "lessons"
CAUGHT_BY_A_CHECK = 3  # the child's exit status when a check failed (see _fail_fast)
CHILD_TIMEOUT_S = 600  # a hang guard only

# slow: about 30 lesson runs (≈ 35 s of CPU in all). numpy_only: the mutations test what the lessons
# check, not the backends; test_lessons.py already runs every lesson on each backend.
pytestmark = [pytest.mark.slow, pytest.mark.numpy_only]


# ---------------------------------------------------------------------------------- patching


def _replace(owner: object, name: str, new: object) -> None:
    """Bind ``new`` in place of ``owner.name`` in ``owner`` and in every loaded minigan module
    that holds the same object (``from module import name`` copies the binding)."""
    original = getattr(owner, name)
    setattr(owner, name, new)
    if isinstance(owner, type):
        return  # a method: replacing it on the class reaches every instance
    for module_name, module in list(sys.modules.items()):
        if module is None or not (module_name == "minigan" or module_name.startswith("minigan.")):
            continue
        for attribute, value in list(vars(module).items()):
            if value is original:
                setattr(module, attribute, new)


def _import_minigan() -> None:
    """Load every minigan module a lesson may reach, so _replace finds all the bindings."""
    import minigan  # noqa: F401
    import minigan.distances  # noqa: F401
    import minigan.games  # noqa: F401
    import minigan.gan  # noqa: F401
    import minigan.gan.losses  # noqa: F401
    import minigan.gan.metrics  # noqa: F401
    import minigan.gan.penalty  # noqa: F401
    import minigan.gan.trainer  # noqa: F401
    import minigan.lesson  # noqa: F401
    import minigan.nn  # noqa: F401
    import minigan.optim  # noqa: F401


# --------------------------------------------------------------------------------- mutations
# Each function applies one mistake. They import lazily: this module is also the child's code.


def _kl_density_swapped() -> None:
    from minigan.distances import divergences

    original = divergences.kl_density
    _replace(divergences, "kl_density", lambda p, q, lo, hi, **options: original(q, p, lo, hi, **options))


def _js_density_in_bits() -> None:
    from minigan.distances import divergences

    original = divergences.js_density

    def in_bits(p, q, lo, hi, **options):
        options.setdefault("base", 2)  # log₂ where the GAN game's natural log is meant
        return original(p, q, lo, hi, **options)

    _replace(divergences, "js_density", in_bits)


def _js_without_halves() -> None:
    from minigan.distances import divergences

    original = divergences.js
    _replace(divergences, "js", lambda p, q, *args, **options: 2.0 * original(p, q, *args, **options))


def _gan_value_in_log10() -> None:
    from minigan.distances import critics

    for name in ("gan_value", "max_discriminator_value"):
        original = getattr(critics, name)
        _replace(critics, name, lambda *args, _f=original, **options: _f(*args, **options) / math.log(10.0))


def _optimal_discriminator_swapped() -> None:
    from minigan.distances import critics

    original = critics.optimal_discriminator
    _replace(critics, "optimal_discriminator", lambda p_r, p_g: original(p_g, p_r))  # p_g/(p_r + p_g)


def _xy_game_alternating() -> None:
    from minigan import games

    _replace(games, "simultaneous_gradient_steps", games.alternating_gradient_steps)


def _minimax_loss_is_nonsaturating() -> None:
    from minigan.gan import losses

    _replace(losses, "gan_generator_loss", losses.gan_generator_loss_nonsaturating)


def _discriminator_labels_swapped() -> None:
    from minigan.gan import losses

    original = losses.gan_discriminator_loss
    _replace(losses, "gan_discriminator_loss", lambda real_logits, fake_logits: original(fake_logits, real_logits))


def _w1_histogram_without_cumulative_sum() -> None:
    import numpy as np

    from minigan.distances import wasserstein

    original = wasserstein.w1_histogram

    def per_bin(p, q, positions=None, return_deltas=False, normalize=False):
        original(p, q, positions=positions, normalize=normalize)  # keep the input checks
        p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
        if normalize:
            p, q = p / p.sum(), q / q.sum()
        deltas = np.concatenate([[0.0], p - q])  # the difference per pile, never carried along
        work = float(np.abs(deltas).sum())
        return (work, deltas) if return_deltas else work

    _replace(wasserstein, "w1_histogram", per_bin)


def _w1_samples_unsorted() -> None:
    import numpy as np

    from minigan.distances import wasserstein

    original = wasserstein.w1_samples

    def in_arrival_order(x, y, x_weights=None, y_weights=None, **options):
        x_host, y_host = np.ravel(np.asarray(x, dtype=float)), np.ravel(np.asarray(y, dtype=float))
        if x_weights is not None or y_weights is not None or x_host.size != y_host.size:
            return original(x, y, x_weights, y_weights, **options)
        return float(np.abs(x_host - y_host).mean())  # pairs the samples as they come: no sort

    _replace(wasserstein, "w1_samples", in_arrival_order)


def _w1_cdf_without_absolute_value() -> None:
    from scipy import integrate

    from minigan.distances import wasserstein

    def signed(F, G, lo, hi, **options):
        f = F.cdf if hasattr(F, "cdf") else F
        g = G.cdf if hasattr(G, "cdf") else G
        value, error = integrate.quad(lambda t: float(f(t)) - float(g(t)), lo, hi, limit=200)  # ∫(F − G), no |·|
        return (value, error) if options.get("return_error") else value

    _replace(wasserstein, "w1_cdf", signed)


def _sliced_w1_unnormalised_directions() -> None:
    import numpy as np

    from minigan.distances import sliced

    def gaussian_directions(n_projections, dim, seed=0):
        # the student's slip: Gaussian vectors used as directions without dividing by their norm
        return np.random.default_rng(seed).standard_normal((int(n_projections), int(dim)))

    _replace(sliced, "random_directions", gaussian_directions)


def _w1_assignment_squared_distances() -> None:
    import numpy as np
    from scipy import optimize, spatial

    from minigan.distances import wasserstein

    def squared(X, Y, return_assignment=False):
        x, y = np.asarray(X, dtype=float), np.asarray(Y, dtype=float)
        x, y = (x[:, None] if x.ndim == 1 else x), (y[:, None] if y.ndim == 1 else y)
        cost = spatial.distance.cdist(x, y, metric="sqeuclidean")  # ‖x − y‖² instead of ‖x − y‖
        rows, columns = optimize.linear_sum_assignment(cost)
        value = float(cost[rows, columns].mean())
        return (value, columns) if return_assignment else value

    _replace(wasserstein, "w1_assignment", squared)


def _parallel_lines_js_in_bits() -> None:
    from minigan.distances import examples

    original = examples.parallel_lines

    def in_bits(theta):
        values = dict(original(theta))
        values["js"] /= math.log(2.0)  # 1 bit instead of ln 2 nats
        return values

    _replace(examples, "parallel_lines", in_bits)


def _parallel_lines_w1_signed() -> None:
    from minigan.distances import examples

    original = examples.parallel_lines

    def signed(theta):
        values = dict(original(theta))
        values["w1"] = float(theta)  # θ where |θ| is meant
        return values

    _replace(examples, "parallel_lines", signed)


def _gradient_penalty_without_square() -> None:
    import minigan as mg
    from minigan.gan import penalty

    def absolute(critic, real, fake, target=1.0, *, return_norms=False, epsilon=None, generator=None):
        x_hat = penalty.interpolate(real, fake, epsilon=epsilon, generator=generator)
        norms = penalty.gradient_norms(critic, x_hat, create_graph=True)
        value = mg.abs(norms - float(target)).mean()  # |‖∇D‖ − 1| instead of (‖∇D‖ − 1)²
        return (value, norms.detach()) if return_norms else value

    _replace(penalty, "gradient_penalty", absolute)


def _gradient_penalty_without_create_graph() -> None:
    from minigan.gan import penalty

    def flat(critic, real, fake, target=1.0, *, return_norms=False, epsilon=None, generator=None):
        x_hat = penalty.interpolate(real, fake, epsilon=epsilon, generator=generator)
        norms = penalty.gradient_norms(critic, x_hat, create_graph=False)  # the penalty is then a constant
        deviation = norms - float(target)
        value = (deviation * deviation).mean()
        return (value, norms.detach()) if return_norms else value

    _replace(penalty, "gradient_penalty", flat)


def _lipschitz_bound_with_frobenius_norms() -> None:
    import numpy as np

    from minigan import backend
    from minigan.nn import lipschitz

    def frobenius(weight, method):
        return float(np.linalg.norm(backend.to_host(weight)))  # ‖W‖_F where ‖W‖_s is meant

    _replace(lipschitz, "_spectral_norm_of", frobenius)


def _clipping_bound_c_m_l() -> None:
    from minigan.nn import clipping

    def c_m_l(c, shape):
        m, l = tuple(shape)
        return float(c) * m * l  # c·m·l instead of c·√(m·l)

    _replace(clipping, "clipping_bound", c_m_l)


def _clip_weights_upper_only() -> None:
    from minigan import backend
    from minigan.nn import clipping

    def upper_only(module, c):
        for parameter in module.parameters():
            xp = backend.namespace_of(parameter.data)
            parameter.data[...] = xp.minimum(parameter.data, float(c))  # forgets the lower bound −c

    _replace(clipping, "clip_weights", upper_only)


def _power_iteration_on_eigenvalues() -> None:
    import importlib

    from minigan import backend

    spectral_norm = importlib.import_module("minigan.nn.spectral_norm")  # minigan.nn.spectral_norm is also a function
    original = spectral_norm.power_iteration

    def eigen(W, u=None, tol=None, max_iter=1000, eps=1e-12):
        data = W.data if hasattr(W, "data") and not backend.is_array(W) else W
        if data.shape[0] != data.shape[1]:
            return original(W, u=u, tol=tol, max_iter=max_iter, eps=eps)
        xp = backend.namespace_of(data)
        x = backend.asarray(backend.rng().standard_normal(data.shape[0]), dtype=data.dtype,
                            backend=backend.backend_of(data)) if u is None else (u.data if hasattr(u, "data") else u)
        x = x / xp.linalg.norm(x)
        sigma, iterations = 0.0, 0
        while iterations < max_iter:  # x ↦ Wx/‖Wx‖: the top *eigen*value, not σ_max
            iterations += 1
            y = data @ x
            previous, sigma = sigma, float(xp.linalg.norm(y))
            x = y / max(sigma, eps)
            if abs(sigma - previous) <= (tol if tol is not None else 1e-10) * sigma:
                break
        return sigma, x, x, iterations

    _replace(spectral_norm, "power_iteration", eigen)


def _spectral_norm_divides_by_sigma_squared() -> None:
    import importlib

    spectral_norm = importlib.import_module("minigan.nn.spectral_norm")

    original = spectral_norm._SpectralNorm.compute

    def squared(self, module, update):
        weight_over_sigma, sigma = original(self, module, update)
        return weight_over_sigma * (1.0 / sigma), sigma  # W/σ² instead of W/σ

    _replace(spectral_norm._SpectralNorm, "compute", squared)


def _adam_without_bias_correction() -> None:
    from minigan import backend, optim

    def uncorrected(self, state, param, grad):
        xp = backend.namespace_of(param)
        beta1, beta2 = self.betas
        exp_avg = self._zeros_like(state, "exp_avg", param)
        exp_avg_sq = self._zeros_like(state, "exp_avg_sq", param)
        exp_avg += (1.0 - beta1) * (grad - exp_avg)
        exp_avg_sq *= beta2
        exp_avg_sq += (1.0 - beta2) * (grad * grad)
        param -= self.lr * (exp_avg / (xp.sqrt(exp_avg_sq) + self.eps))  # no 1/(1 − βᵗ) factors

    _replace(optim.Adam, "_update", uncorrected)


def _rmsprop_without_square_root() -> None:
    from minigan import optim

    def no_root(self, state, param, grad):
        square_avg = self._zeros_like(state, "square_avg", param)
        square_avg *= self.alpha
        square_avg += (1.0 - self.alpha) * (grad * grad)
        param -= self.lr * (grad / (square_avg + self.eps))  # divides by v, not √v

    _replace(optim.RMSprop, "_update", no_root)


def _sgd_climbs_the_gradient() -> None:
    from minigan import optim

    def ascent(self, state, param, grad):
        param += self.lr * grad  # the sign of the step flipped

    _replace(optim.SGD, "_update", ascent)


def _critic_estimate_sign_flipped() -> None:
    from minigan.gan import losses

    original = losses.critic_w1_estimate
    _replace(losses, "critic_w1_estimate", lambda real_scores, fake_scores: original(fake_scores, real_scores))


@dataclass(frozen=True)
class Mutation:
    name: str
    mistake: str
    apply: Callable[[], None]
    lessons: tuple[str, ...]  # the lessons (by number) that must fail under it
    may_crash: bool = False  # the library itself may refuse the broken state with an error


MUTATIONS = [
    Mutation("kl_density_swapped", "KL(q‖p) computed for KL(p‖q)", _kl_density_swapped, ("01",)),
    Mutation("js_density_in_bits", "JS of densities in bits where nats are meant", _js_density_in_bits,
             ("01", "02", "13")),
    Mutation("js_without_halves", "JS = KL(p‖m) + KL(q‖m), without the ½s", _js_without_halves, ("01", "06")),
    Mutation("gan_value_in_log10", "L(G, D) with log₁₀ (the source's derivation)", _gan_value_in_log10, ("02",)),
    Mutation("optimal_discriminator_swapped", "D* = p_g/(p_r + p_g)", _optimal_discriminator_swapped,
             ("02", "13")),
    Mutation("xy_game_alternating", "the x·y game stepped alternately, not simultaneously", _xy_game_alternating,
             ("03",)),
    Mutation("minimax_loss_is_nonsaturating", "the minimax generator loss replaced by −log D",
             _minimax_loss_is_nonsaturating, ("04",)),
    Mutation("discriminator_labels_swapped", "D trained with real and fake labels swapped",
             _discriminator_labels_swapped, ("04",)),
    Mutation("w1_histogram_without_cumulative_sum", "W₁ of histograms as Σ|Pᵢ − Qᵢ| (no carrying)",
             _w1_histogram_without_cumulative_sum, ("05",)),
    Mutation("w1_samples_unsorted", "W₁ of samples paired in arrival order (no sort)", _w1_samples_unsorted,
             ("05", "07")),
    Mutation("parallel_lines_js_in_bits", "parallel lines: JS = 1 (bits) instead of ln 2", _parallel_lines_js_in_bits,
             ("06",)),
    Mutation("parallel_lines_w1_signed", "parallel lines: W₁ = θ instead of |θ|", _parallel_lines_w1_signed, ("06",)),
    Mutation("w1_assignment_squared_distances", "assignment W₁ with squared distances",
             _w1_assignment_squared_distances, ("06",)),
    Mutation("sliced_w1_unnormalised_directions", "sliced W₁ along Gaussian vectors not scaled to unit length",
             _sliced_w1_unnormalised_directions, ("14",)),
    Mutation("w1_cdf_without_absolute_value", "W₁ = ∫(F − G) without |·|", _w1_cdf_without_absolute_value, ("07",)),
    Mutation("gradient_penalty_without_square", "penalty E|‖∇D‖ − 1| instead of E(‖∇D‖ − 1)²",
             _gradient_penalty_without_square, ("11",)),
    Mutation("gradient_penalty_without_create_graph", "penalty gradient taken without create_graph",
             _gradient_penalty_without_create_graph, ("11",), may_crash=True),
    Mutation("lipschitz_bound_with_frobenius_norms", "∏‖Wᵢ‖_F where ∏‖Wᵢ‖_s is meant",
             _lipschitz_bound_with_frobenius_norms, ("08",)),
    Mutation("clipping_bound_c_m_l", "the clipping bound c·m·l instead of c·√(m·l)", _clipping_bound_c_m_l, ("09",)),
    Mutation("clip_weights_upper_only", "clipping to (−∞, c] only", _clip_weights_upper_only, ("09",)),
    Mutation("power_iteration_on_eigenvalues", "power iteration x ↦ Wx/‖Wx‖ (top eigenvalue, not σ)",
             _power_iteration_on_eigenvalues, ("10",)),
    Mutation("spectral_norm_divides_by_sigma_squared", "spectral norm W/σ² instead of W/σ",
             _spectral_norm_divides_by_sigma_squared, ("10",)),
    Mutation("adam_without_bias_correction", "Adam without the 1/(1 − βᵗ) bias corrections",
             _adam_without_bias_correction, ("02",)),
    Mutation("rmsprop_without_square_root", "RMSprop dividing by v instead of √v", _rmsprop_without_square_root,
             ("09",)),
    Mutation("critic_estimate_sign_flipped", "the critic's W₁ estimate E D(fake) − E D(real)",
             _critic_estimate_sign_flipped, ("12",)),
    Mutation("sgd_climbs_the_gradient", "SGD stepping up the gradient", _sgd_climbs_the_gradient, ("13",)),
]


# ------------------------------------------------------------------ lessons 01–03 (more mutations)
# Each block below holds the mutations added for its lessons: the function that breaks the library,
# then its row. Every lesson needs ≥ 3 mutations, each caught by a different check.

def _alternating_steps_are_simultaneous() -> None:
    from minigan import games

    _replace(games, "alternating_gradient_steps", games.simultaneous_gradient_steps)


def _alternating_invariant_wrong_sign() -> None:
    from minigan import games

    _replace(games, "alternating_invariant", lambda x, y, lr: x * x + y * y + lr * x * y)  # + η·x·y


def _alternating_radius_bounds_without_half() -> None:
    from minigan import games

    def bounds(r0, lr):  # H's matrix [[1, −η], [−η, 1]] (the ½ of the cross term forgotten): 1 ± η
        ratio = math.sqrt((1.0 - lr) / (1.0 + lr))
        return r0 * ratio, r0 / ratio

    _replace(games, "alternating_radius_bounds", bounds)


def _kl_histograms_swapped() -> None:
    from minigan.distances import divergences

    original = divergences.kl
    _replace(divergences, "kl", lambda p, q, *args, **options: original(q, p, *args, **options))


def _kl_infinite_wherever_q_is_zero() -> None:
    import numpy as np

    from minigan.distances import divergences

    original = divergences.kl

    def kl(p, q, *args, **options):  # +∞ as soon as some qᵢ = 0, even where pᵢ = 0 too (review §5, ex01)
        if np.any(np.asarray(q, dtype=float) == 0):
            return math.inf
        return original(p, q, *args, **options)

    _replace(divergences, "kl", kl)


def _logsigmoid_is_sigmoid_log() -> None:
    from minigan.autodiff import functions

    _replace(functions, "logsigmoid", lambda x: functions.log(functions.sigmoid(x) + 1e-3))  # a "safe" log σ


def _gan_value_roles_swapped() -> None:
    from minigan.distances import critics

    original = critics.gan_value
    _replace(critics, "gan_value", lambda p_r, p_g, D, dx: original(p_g, p_r, D, dx))  # p_g ln D + p_r ln(1 − D)


def _discriminator_loss_summed() -> None:
    from minigan.gan import losses

    def summed(real_logits, fake_logits):  # Σ over the batch where the mean is meant
        return -losses.logsigmoid(real_logits).sum() - losses.logsigmoid(-fake_logits).sum()

    _replace(losses, "gan_discriminator_loss", summed)


MUTATIONS_LESSONS_01_03: list[Mutation] = [
    Mutation("gan_value_roles_swapped", "L(G, D) = E_g ln D + E_r ln(1 − D) (real and fake roles swapped)",
             _gan_value_roles_swapped, ("02",)),
    Mutation("discriminator_loss_summed", "the discriminator's cross-entropy summed over the batch, not averaged",
             _discriminator_loss_summed, ("02",)),
    Mutation("kl_histograms_swapped", "KL(q‖p) of histograms computed for KL(p‖q)", _kl_histograms_swapped, ("01",)),
    Mutation("kl_infinite_wherever_q_is_zero", "KL = +∞ wherever some qᵢ = 0, even where pᵢ = 0",
             _kl_infinite_wherever_q_is_zero, ("01",)),
    Mutation("logsigmoid_is_sigmoid_log", "log σ(x) computed as log(σ(x) + 10⁻³)", _logsigmoid_is_sigmoid_log, ("01",)),
    Mutation("alternating_steps_are_simultaneous", "the alternating x·y game stepped simultaneously",
             _alternating_steps_are_simultaneous, ("03",)),
    Mutation("alternating_invariant_wrong_sign", "the alternating invariant x² + y² + η·x·y",
             _alternating_invariant_wrong_sign, ("03",)),
    Mutation("alternating_radius_bounds_without_half", "the radius bounds from 1 ± η instead of 1 ± η/2",
             _alternating_radius_bounds_without_half, ("03",)),
]


# ------------------------------------------------------------------ lessons 04–07 (more mutations)


def _eight_gaussians_not_divided() -> None:
    import dataclasses

    from minigan.gan import data

    def radius_two(n, generator):
        centre = generator.integers(0, 8, size=n)
        noise = generator.standard_normal((n, 2)) * data.EIGHT_GAUSSIANS_NOISE
        return data.EIGHT_GAUSSIANS_SCALE * data._EIGHT_CENTRES[centre] + noise  # the final ÷ 1.414 forgotten

    _replace(data, "_eight_gaussians_host", radius_two)
    data.DATASETS["8gaussians"] = dataclasses.replace(data.DATASETS["8gaussians"], host_sampler=radius_two)


def _nonsaturating_loss_sign_flipped() -> None:
    from minigan.gan import losses

    original = losses.gan_generator_loss_nonsaturating
    _replace(losses, "gan_generator_loss_nonsaturating", lambda fake_logits: -original(fake_logits))  # +E log D


def _optimal_critic_1d_slopes_doubled() -> None:
    import dataclasses

    from minigan.distances import critics

    original = critics.optimal_critic_1d

    def doubled(*args, **options):
        critic = original(*args, **options)  # the right value W₁, drawn with slope ±2: f* integrated twice
        return dataclasses.replace(critic, values=2 * critic.values, knot_values=2 * critic.knot_values)

    _replace(critics, "optimal_critic_1d", doubled)


def _gradient_penalty_norm_over_batch() -> None:
    from minigan import backend
    from minigan.autodiff import grad, norm
    from minigan.gan import penalty

    def one_norm_for_the_batch(critic, points, create_graph=False):
        (gradient,) = grad(critic(points).sum(), points, create_graph=create_graph)
        return norm(gradient, eps=backend.tiny(gradient.dtype))  # ‖∇‖ over the whole batch, not per sample

    _replace(penalty, "gradient_norms", one_norm_for_the_batch)


MUTATIONS_LESSONS_04_07: list[Mutation] = [
    Mutation("eight_gaussians_not_divided", "8 Gaussians without the final ÷ 1.414 (centres on the radius-2 circle)",
             _eight_gaussians_not_divided, ("04",)),
    Mutation("nonsaturating_loss_sign_flipped", "the non-saturating generator loss +E log D instead of −E log D",
             _nonsaturating_loss_sign_flipped, ("04",)),
    Mutation("w1_assignment_squared_distances_lp", "assignment W₁ with squared distances (against lesson 5's LP)",
             _w1_assignment_squared_distances, ("05",)),
    Mutation("optimal_critic_1d_slopes_doubled", "f* drawn with slopes ±2 (its value W₁ still right)",
             _optimal_critic_1d_slopes_doubled, ("07",)),
    Mutation("gradient_penalty_norm_over_batch", "the penalty's gradient norm taken over the whole batch",
             _gradient_penalty_norm_over_batch, ("07",)),
]


# ------------------------------------------------------------------ lessons 08–10 and 13 (more mutations)


def _tanh_derivative_unsquared() -> None:
    from minigan.autodiff import primitives

    primitives.tanh.vjp = lambda g, out, a: (g * (1.0 - out),)  # 1 − tanh where 1 − tanh² is meant


def _abs_derivative_without_sign() -> None:
    from minigan.autodiff import primitives

    primitives.abs.vjp = lambda g, out, a: (g * a,)  # d|x|/dx = x: the sign forgotten


def _lipschitz_lower_bound_overshoots() -> None:
    from minigan.nn import lipschitz

    original = lipschitz.lipschitz_lower_bound
    _replace(lipschitz, "lipschitz_lower_bound", lambda *args, **options: 100.0 * original(*args, **options))


def _clip_weights_skips_biases() -> None:
    from minigan import backend
    from minigan.nn import clipping

    def weights_only(module, c):
        for name, parameter in module.named_parameters():
            if name.endswith("bias"):
                continue  # the biases are left unclipped
            xp = backend.namespace_of(parameter.data)
            parameter.data[...] = xp.clip(parameter.data, -float(c), float(c))

    _replace(clipping, "clip_weights", weights_only)


def _rmsprop_default_eps_tiny() -> None:
    from minigan import optim

    original = optim.RMSprop.__init__

    def tiny_eps(self, params, lr, alpha=0.99, eps=1e-12, **options):  # ε = 1e-12 where PyTorch's 1e-8 is meant
        original(self, params, lr, alpha=alpha, eps=eps, **options)

    _replace(optim.RMSprop, "__init__", tiny_eps)


def _power_iteration_ignores_warm_start() -> None:
    import importlib

    spectral_norm = importlib.import_module("minigan.nn.spectral_norm")
    original = spectral_norm.power_iteration
    _replace(spectral_norm, "power_iteration",
             lambda W, u=None, **options: original(W, u=None, **options))  # always a cold, random start


def _cross_entropy_labels_shifted() -> None:
    import numpy as np

    from minigan.gan import classifier

    original = classifier.cross_entropy
    _replace(classifier, "cross_entropy",
             lambda logits, labels: original(logits, (np.asarray(labels) + 1) % logits.shape[1]))  # off by one


MUTATIONS_LESSONS_08_10_13: list[Mutation] = [
    Mutation("tanh_derivative_unsquared", "tanh's VJP 1 − tanh instead of 1 − tanh²", _tanh_derivative_unsquared,
             ("08",)),
    Mutation("abs_derivative_without_sign", "d|x|/dx = x instead of sign(x)", _abs_derivative_without_sign, ("08",)),
    Mutation("lipschitz_lower_bound_overshoots", "a 'lower bound' on ‖D‖_L 100× too large",
             _lipschitz_lower_bound_overshoots, ("08",)),
    Mutation("clip_weights_skips_biases", "clipping the weights but not the biases", _clip_weights_skips_biases,
             ("09",)),
    Mutation("rmsprop_default_eps_tiny", "RMSprop's default ε 1e-12 instead of 1e-8", _rmsprop_default_eps_tiny,
             ("09",)),
    Mutation("power_iteration_ignores_warm_start", "power iteration always starting from a random vector",
             _power_iteration_ignores_warm_start, ("10",)),
    Mutation("cross_entropy_labels_shifted", "cross-entropy against the label y + 1 (mod K)",
             _cross_entropy_labels_shifted, ("13",)),
]


# ------------------------------------------------------------------ lessons 11, 12, 14 (more mutations)


def _interpolate_epsilon_on_the_fake_side() -> None:
    from minigan.autodiff import Tensor, no_grad
    from minigan.gan import penalty

    original = penalty.interpolate

    def swapped(real, fake, epsilon=None, generator=None):
        x_hat = original(real, fake, epsilon=epsilon, generator=generator)
        with no_grad():
            moved = real + fake - x_hat  # (1 − ε)·real + ε·fake: ε measured from the real point
        return Tensor(moved.data, requires_grad=True)

    _replace(penalty, "interpolate", swapped)


def _rmsprop_climbs_the_gradient() -> None:
    from minigan import optim

    original = optim.RMSprop._update

    def ascent(self, state, param, grad):
        original(self, state, param, -grad)  # the step's sign flipped: the loss is maximised

    _replace(optim.RMSprop, "_update", ascent)


def _adam_climbs_the_gradient() -> None:
    from minigan import optim

    original = optim.Adam._update

    def ascent(self, state, param, grad):
        original(self, state, param, -grad)

    _replace(optim.Adam, "_update", ascent)


def _digits_scaled_to_unit_interval() -> None:
    import dataclasses

    from minigan.gan import data

    original = data.digits

    def unit(*args, **kwargs):
        loaded = original(*args, **kwargs)  # p/16 ∈ [0, 1] instead of p/8 − 1 ∈ [−1, 1]
        return dataclasses.replace(loaded, train=(loaded.train + 1.0) / 2.0, held_out=(loaded.held_out + 1.0) / 2.0)

    _replace(data, "digits", unit)


MUTATIONS_LESSONS_11_12_14: list[Mutation] = [
    Mutation("interpolate_epsilon_on_the_fake_side", "x̂ = (1 − ε)·real + ε·fake, ε measured from the wrong end",
             _interpolate_epsilon_on_the_fake_side, ("11",)),
    Mutation("rmsprop_climbs_the_gradient", "RMSprop stepping up the gradient", _rmsprop_climbs_the_gradient,
             ("11", "12")),
    Mutation("adam_climbs_the_gradient", "Adam stepping up the gradient", _adam_climbs_the_gradient, ("12",)),
    Mutation("w1_assignment_squared_distances_in_training", "assignment W₁ with squared distances (the trainer's "
             "exact W₁, the digits' distances)", _w1_assignment_squared_distances, ("12", "14")),
    Mutation("digits_scaled_to_unit_interval", "digit pixels p/16 ∈ [0, 1] instead of p/8 − 1 ∈ [−1, 1]",
             _digits_scaled_to_unit_interval, ("14",)),
]


MUTATIONS += MUTATIONS_LESSONS_01_03 + MUTATIONS_LESSONS_04_07 + MUTATIONS_LESSONS_08_10_13 + MUTATIONS_LESSONS_11_12_14
MUTATIONS_BY_NAME = {mutation.name: mutation for mutation in MUTATIONS}


def _lesson_path(number: str) -> Path:
    (path,) = LESSONS_DIR.glob(f"{number}_*.py")
    return path


# ------------------------------------------------------------------------------ the child


def _fail_fast() -> None:
    """Stop the lesson at its first failed check, with status 3, naming the claim."""
    from minigan.lesson import Lesson

    original = Lesson._record  # every check method records its verdict here (they return None to notebooks)

    def record(self, claim, holds, detail="", kind="claim"):
        if original(self, claim, holds, detail, kind):
            return True
        print(f"MUTATION CAUGHT BY: {claim}", flush=True)
        sys.stderr.flush()
        os._exit(CAUGHT_BY_A_CHECK)

    Lesson._record = record


def child_main(mutation_name: str, lesson: str, out: str) -> None:
    """Apply one mutation (or none, for "none"), then run the lesson as its own __main__."""
    _import_minigan()
    if mutation_name != "none":
        MUTATIONS_BY_NAME[mutation_name].apply()
    _fail_fast()
    sys.argv = [lesson, "--out", out]
    runpy.run_path(lesson, run_name="__main__")


def _run(mutation_name: str, lesson: Path, out: Path) -> subprocess.CompletedProcess:
    environment = {**os.environ, "MPLBACKEND": "Agg", "PYTHONPATH": str(ROOT)}
    environment.setdefault("OPENBLAS_NUM_THREADS", "1")  # tiny matrices: BLAS threads only contend
    environment.setdefault("OMP_NUM_THREADS", "1")
    return subprocess.run([sys.executable, str(Path(__file__).resolve()), mutation_name, str(lesson), str(out)],
                          capture_output=True, text=True, timeout=CHILD_TIMEOUT_S, env=environment, cwd=out.parent)


# ------------------------------------------------------------------------------ the tests


def test_there_are_enough_mutations_and_every_lesson_is_targeted():
    assert len(MUTATIONS) >= 20
    assert len(MUTATIONS_BY_NAME) == len(MUTATIONS), "mutation names must be unique"
    numbers = sorted(path.name[:2] for path in LESSONS_DIR.glob("[0-9][0-9]_*.py"))
    targeted = {number for mutation in MUTATIONS for number in mutation.lessons}
    assert set(numbers) <= targeted, f"lessons no mutation targets: {sorted(set(numbers) - targeted)}"


def test_the_runner_itself_leaves_a_lesson_passing(tmp_path):
    completed = _run("none", _lesson_path("05"), tmp_path / "out")
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]


CASES = [(mutation, number) for mutation in MUTATIONS for number in mutation.lessons]


@pytest.mark.parametrize(("mutation", "number"), CASES, ids=[f"{m.name}-lesson{n}" for m, n in CASES])
def test_lesson_fails_under_mutation(mutation, number, tmp_path):
    completed = _run(mutation.name, _lesson_path(number), tmp_path / "out")
    output = completed.stdout[-3000:] + completed.stderr[-3000:]
    assert completed.returncode != 0, f"lesson {number} still passes with {mutation.mistake}:\n{output}"
    if not mutation.may_crash:
        assert completed.returncode == CAUGHT_BY_A_CHECK, (
            f"lesson {number} crashed instead of a check catching {mutation.mistake}:\n{output}")


if __name__ == "__main__":
    child_main(*sys.argv[1:4])
