"""Exercise 13: the WGAN-GP gradient penalty, with create_graph (lesson 11)."""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType

import numpy as np

import minigan as mg
from minigan import backend
from minigan.autodiff.tensor import Tensor
from minigan.exercises._framework import (
    Exercise,
    Fatal,
    Patch,
    Result,
    compare,
    delegate,
    number_pattern,
    raises_value_error,
)
from minigan.gan import penalty as library

CODE = '''
"""Exercise 13 — the gradient penalty of WGAN-GP (lesson 11: gradient penalty).

A differentiable critic D on ℝᵈ is 1-Lipschitz exactly when ‖∇ₓD(x)‖ ≤ 1 everywhere. WGAN-GP's
penalty asks for something else, and only softly (a cost, not a constraint): a gradient norm of
exactly 1 at points between the real and the generated batch, so that norms below 1 are
penalised as well as norms above 1:

    x̂ = ε·x_real + (1 − ε)·x_fake,    ε ~ U[0, 1], one per sample
    penalty = E_x̂ (‖∇_x̂ D(x̂)‖₂ − 1)²

and adds λ·penalty to the critic's loss. Why 1: for two laws on a compact set, when the optimal
critic D* is differentiable and an optimal transport plan moves almost every point, D* has
gradient norm 1 on the segments between the points the plan couples (the WGAN-GP paper's
Proposition 1); x̂ pairs real and fake points at random instead. The one-sided variant,
E max(0, ‖∇D‖ − 1)², asks only for ‖∇D‖ ≤ 1.

Training differentiates the penalty with respect to the critic's parameters θ: a derivative of
a derivative. mg.grad(..., create_graph=True) records the gradient's own computation as a
graph, so that backward() can go through it.

Check your work:  minigan check 13
"""
import minigan as mg


def gradient_penalty(critic, real, fake, epsilon):
    """E (‖∇_x̂ D(x̂)‖₂ − 1)² over the batch, as a scalar Tensor that depends on the critic's parameters.

    real, fake: Tensors of shape (n, d); epsilon: a Tensor of shape (n, 1) (the ε of each sample).
    Make x̂ a new leaf that requires grad: (ε·real + (1 − ε)·fake).detach().requires_grad_().
    critic(x̂) has shape (n, 1); differentiate its sum (each D(x̂ᵢ) depends on x̂ᵢ alone).
    Raise ValueError when real and fake have different shapes, with a message naming both shapes.
    """
    # BEGIN SOLUTION
    if real.shape != fake.shape:
        raise ValueError(f"real and fake batches must have the same shape, got {real.shape} and {fake.shape}")
    x_hat = (epsilon * real + (1.0 - epsilon) * fake).detach().requires_grad_()
    (gradient,) = mg.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    norms = mg.sqrt((gradient * gradient).sum(axis=1))
    return ((norms - 1.0) ** 2).mean()
    # END SOLUTION
'''

HINTS = (
    "(gradient,) = mg.grad(critic(x_hat).sum(), x_hat, create_graph=True) — one gradient row per sample.",
    "The norm of each row: mg.sqrt((gradient * gradient).sum(axis=1)); then ((norms − 1) ** 2).mean().",
    "Without create_graph=True the gradient is plain data: the penalty would not depend on θ at all.",
)

NO_SQUARE = "the penalty without the square: it is the mean of (‖∇D‖ − 1)², squared deviations from 1"
NO_GRAPH = ("create_graph=False: the gradient was plain data, so the penalty gives a zero gradient for θ; "
            "pass create_graph=True to mg.grad")
WHOLE = "the norm must be taken per sample (over axis 1), not over the whole batch"


def _setup():
    mg.backend.manual_seed(13)
    critic = mg.nn.MLP([2, 8, 8, 1], activation="tanh", dtype="float64")
    rng = np.random.default_rng(13)
    real = mg.tensor(rng.normal(1.0, 0.5, (6, 2)), dtype="float64")
    fake = mg.tensor(rng.normal(-1.0, 0.5, (6, 2)), dtype="float64")
    epsilon = mg.tensor(rng.uniform(0, 1, (6, 1)), dtype="float64")
    return critic, real, fake, epsilon


def _variants(critic, real, fake, epsilon):
    x_hat = (epsilon * real + (1.0 - epsilon) * fake).detach().requires_grad_()
    (gradient,) = mg.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    norms = mg.sqrt((gradient * gradient).sum(axis=1)).numpy()
    whole = np.sqrt((gradient.numpy() ** 2).sum())
    return {NO_SQUARE: np.mean(norms - 1.0), NO_SQUARE + " (|‖∇D‖ − 1|)": np.mean(np.abs(norms - 1.0)),
            WHOLE: (whole - 1.0) ** 2}


def checks(student: ModuleType) -> Iterator[Result]:
    mg.backend.manual_seed(13)
    linear = mg.nn.Linear(2, 1, dtype="float64")
    w = linear.weight.numpy().ravel()
    critic, real, fake, epsilon = _setup()
    value = student.gradient_penalty(linear, real, fake, epsilon)
    norm = np.linalg.norm(w)
    yield compare("a linear critic D(x) = w·x + b: the penalty is (‖w‖ − 1)²", value, (norm - 1.0) ** 2,
                  rtol=1e-10, mistakes={NO_SQUARE: norm - 1.0, NO_SQUARE + " (|‖w‖ − 1|)": abs(norm - 1.0)},
                  expect="tensor")
    expected = library.gradient_penalty(critic, real, fake, epsilon=epsilon)
    penalty = student.gradient_penalty(critic, real, fake, epsilon)
    yield compare("a tanh MLP critic: the penalty at the given ε", penalty, expected, rtol=1e-10,
                  mistakes=_variants(critic, real, fake, epsilon), expect="tensor")
    if not isinstance(penalty, Tensor):
        raise Fatal(f"gradient_penalty must return a Tensor, got {type(penalty).__name__}")
    parameters = list(critic.parameters())
    if not penalty.requires_grad:
        yield Result("the penalty can be differentiated with respect to the critic's parameters", False,
                     "the returned Tensor does not require grad", NO_GRAPH)
        return
    grads = mg.grad(penalty, parameters, allow_unused=True)
    got = np.concatenate([np.zeros(p.size) if g is None else g.numpy().ravel() for p, g in zip(parameters, grads)])
    reference = mg.grad(expected, parameters, allow_unused=True)
    want = np.concatenate([np.zeros(p.size) if g is None else g.numpy().ravel() for p, g in zip(parameters, reference)])
    yield compare("its gradient with respect to the critic's parameters θ", got, want, rtol=1e-8, atol=1e-12,
                  mistakes={NO_GRAPH: np.zeros_like(want)})

    def penalty_of_weight(weight):
        return student.gradient_penalty(lambda x: mg.tanh(x @ weight.T), real, fake, epsilon)

    yield raises_value_error("batches of shapes (6, 2) and (3, 2) raise ValueError naming both shapes",
                             lambda: student.gradient_penalty(linear, real, fake[:3], epsilon), student,
                             (number_pattern(6), number_pattern(3)))
    try:
        mg.gradcheck(penalty_of_weight, [mg.tensor(np.array([[0.7, -1.2]]), dtype="float64", requires_grad=True)])
        yield Result("∂penalty/∂θ matches finite differences (critic tanh(w·x))", True)
    except AssertionError as error:
        yield Result("∂penalty/∂θ matches finite differences (critic tanh(w·x))", False,
                     str(error).splitlines()[0], NO_GRAPH)


def _adapt(critic, real, fake, target=1.0, *, return_norms=False, epsilon=None, generator=None):
    if epsilon is None:  # drawn exactly as minigan draws it, so a seeded run stays the same
        shape = (real.shape[0],) + (1,) * (real.ndim - 1)
        epsilon = Tensor(backend.random_uniform(shape, 0.0, 1.0, dtype=real.dtype, generator=generator))
    return critic, real, fake, epsilon


def _plain(critic, real, fake, target=1.0, *, return_norms=False, epsilon=None, generator=None) -> bool:
    return target == 1.0 and not return_norms and real.ndim == 2


def patches(student: ModuleType) -> list[Patch]:
    return [Patch("minigan.gan.penalty", "gradient_penalty",
                  delegate(student.gradient_penalty, "gradient_penalty", _plain, adapt=_adapt))]


EXERCISE = Exercise(
    number=13, name="gradient_penalty", title="The gradient penalty with create_graph", lesson=11, code=CODE,
    hints=HINTS, functions={"gradient_penalty": ("critic", "real", "fake", "epsilon")}, checks=checks,
    patches=patches)
