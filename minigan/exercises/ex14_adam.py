"""Exercise 14: Adam's update with bias correction (lesson 11)."""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType

import numpy as np

import minigan as mg
from minigan.exercises._framework import Exercise, Fatal, Patch, Result, compare, count_call

CODE = '''
"""Exercise 14 — Adam's update, with bias correction (lesson 11: the WGAN-GP authors' toy script trains with
Adam(1e-4, β = (0.5, 0.9)); the paper's Algorithm 1 uses β₁ = 0, β₂ = 0.9).

At step t = 1, 2, …, with gradient g, moments m, v (both 0 before the first step):

    m ← β₁·m + (1 − β₁)·g              (exponential moving average of g)
    v ← β₂·v + (1 − β₂)·g²             (exponential moving average of g²)
    m̂ = m / (1 − β₁ᵗ),   v̂ = v / (1 − β₂ᵗ)      (bias correction: m and v start at 0)
    θ ← θ − lr · m̂ / (√v̂ + ε)

m and v start at 0, so early on they are biased towards 0: after step 1, m = (1 − β₁)·g and
v = (1 − β₂)·g². The correction makes the first step lr·g/(|g| + ε) ≈ lr·sign(g). Without it
the first step is lr·(1 − β₁)·g/(√(1 − β₂)·|g| + ε) ≈ lr·(1 − β₁)/√(1 − β₂)·sign(g): too large,
3.16·lr for β = (0.9, 0.999) and 1.58·lr for (0.5, 0.9) (Kingma & Ba 2015, section 3).

Check your work:  minigan check 14
"""


def adam_step(param, grad, m, v, t, lr, betas, eps):
    """One Adam step on arrays (NumPy or CuPy) of the same shape; t counts from 1.

    Return the new (param, m, v) as arrays; do not modify the inputs.
    """
    # BEGIN SOLUTION
    beta1, beta2 = betas
    m = beta1 * m + (1.0 - beta1) * grad
    v = beta2 * v + (1.0 - beta2) * grad * grad
    m_hat = m / (1.0 - beta1**t)
    v_hat = v / (1.0 - beta2**t)
    return param - lr * m_hat / (v_hat**0.5 + eps), m, v
    # END SOLUTION
'''

HINTS = (
    "Unpack beta1, beta2 = betas; everything else is elementwise arithmetic on arrays.",
    "The correction divides by 1 − βᵗ with the step number t (1 on the first step).",
    "ε goes outside the square root: √v̂ + ε.",
)

NO_CORRECTION = "Adam without bias correction: divide m by (1 − β₁ᵗ) and v by (1 − β₂ᵗ) before the update"
EPS_INSIDE = "ε belongs outside the square root: θ − lr·m̂/(√v̂ + ε)"


def _reference(param, grad, m, v, t, lr, betas, eps, correct=True, eps_inside=False):
    beta1, beta2 = betas
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat, v_hat = (m / (1 - beta1**t), v / (1 - beta2**t)) if correct else (m, v)
    denominator = np.sqrt(v_hat + eps) if eps_inside else np.sqrt(v_hat) + eps
    return param - lr * m_hat / denominator, m, v


def _unpack(result):
    if not isinstance(result, tuple | list) or len(result) != 3:
        raise Fatal(f"adam_step must return (param, m, v), got {type(result).__name__}")
    return result


def checks(student: ModuleType) -> Iterator[Result]:
    rng = np.random.default_rng(14)
    param, m, v = rng.standard_normal(5), np.zeros(5), np.zeros(5)
    grad = rng.standard_normal(5)
    arguments = dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
    inputs = [param.copy(), grad.copy(), m.copy(), v.copy()]
    new_param, new_m, new_v = _unpack(student.adam_step(*inputs, 1, **arguments))
    expected = _reference(param, grad, m, v, 1, **arguments)
    yield compare("step 1 moves every coordinate by ≈ lr against the gradient's sign", new_param, expected[0],
                  rtol=1e-10, mistakes={NO_CORRECTION: _reference(param, grad, m, v, 1, correct=False, **arguments)[0],
                                        EPS_INSIDE: _reference(param, grad, m, v, 1, eps_inside=True, **arguments)[0]},
                  expect="array")
    yield compare("the moments after step 1: m = (1 − β₁)g, v = (1 − β₂)g²", np.concatenate([new_m, new_v]),
                  np.concatenate([expected[1], expected[2]]), rtol=1e-12)
    yield compare("the input arrays are left unchanged", np.concatenate(inputs), np.concatenate([param, grad, m, v]),
                  rtol=0, atol=0)
    # ten steps on f(θ) = ½‖θ‖², the gradient being θ; compared with minigan's torch-equivalent Adam
    arguments = dict(lr=0.05, betas=(0.5, 0.9), eps=1e-8)
    theta = rng.standard_normal(4)
    ours, m, v = theta.copy(), np.zeros(4), np.zeros(4)
    wrong, wm, wv = theta.copy(), np.zeros(4), np.zeros(4)
    for t in range(1, 11):
        ours, m, v = _unpack(student.adam_step(ours, ours.copy(), m, v, t, **arguments))
        wrong, wm, wv = _reference(wrong, wrong.copy(), wm, wv, t, correct=False, **arguments)
    parameter = mg.nn.Parameter(mg.backend.asarray(theta.copy()))
    optimizer = mg.optim.Adam([parameter], lr=0.05, betas=(0.5, 0.9), eps=1e-8)
    for _ in range(10):
        parameter.grad = mg.tensor(parameter.data.copy())
        optimizer.step()
    yield compare("ten steps with β = (0.5, 0.9) on ½‖θ‖² match minigan's Adam (torch.optim.Adam's rule)",
                  ours, parameter.numpy(), rtol=1e-9, mistakes={NO_CORRECTION: wrong})


def _update(student, original):
    def update(self, state, param, grad):
        if self.weight_decay or self.amsgrad:
            return original(self, state, param, grad)
        count_call("adam_step")
        exp_avg = self._zeros_like(state, "exp_avg", param)
        exp_avg_sq = self._zeros_like(state, "exp_avg_sq", param)
        new_param, new_m, new_v = student.adam_step(param.copy(), grad, exp_avg.copy(), exp_avg_sq.copy(),
                                                    state["step"], self.lr, tuple(self.betas), self.eps)
        param[...] = new_param
        exp_avg[...] = new_m
        exp_avg_sq[...] = new_v
    return update


def patches(student: ModuleType) -> list[Patch]:
    return [Patch(mg.optim.Adam, "_update", lambda original: _update(student, original))]


EXERCISE = Exercise(
    number=14, name="adam", title="Adam's update with bias correction", lesson=11, code=CODE, hints=HINTS,
    functions={"adam_step": ("param", "grad", "m", "v", "t", "lr", "betas", "eps")}, checks=checks,
    patches=patches)
