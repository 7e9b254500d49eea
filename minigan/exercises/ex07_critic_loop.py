"""Exercise 7: the WGAN critic loop, Algorithm 1's inner loop (lesson 9)."""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType

import numpy as np

import minigan as mg
from minigan.exercises._framework import Exercise, Result, compare

CODE = '''
"""Exercise 7 — the critic's inner loop of WGAN, Algorithm 1 (lesson 9: weight clipping).

    for t = 1 … n_critic:
        sample a real batch {x} and a noise batch {z}
        g_w ← ∇_w [ (1/m) Σ D_w(x) − (1/m) Σ D_w(G(z)) ]
        w ← w + α·RMSProp(w, g_w)                        (gradient *ascent* on the gap)
        w ← clip(w, −c, c)

An optimizer minimises, so ascend on the gap by minimising its negative. The generator is
fixed here: compute G(z) without recording a graph (mg.no_grad()), so no gradient reaches it.

Check your work:  minigan check 7
"""
import minigan as mg


def train_critic(critic, generator, sample_real, sample_noise, optimizer, n_critic, c):
    """Run n_critic steps of Algorithm 1's inner loop; return the list of the n_critic gaps
    E D(real) − E D(fake) (Python floats, each measured before its update).

    sample_real() and sample_noise() return the next batch (Tensors); optimizer holds the
    critic's parameters (optimizer.zero_grad(), loss.backward(), optimizer.step()).
    Clip with mg.nn.clip_weights(critic, c) (or your exercise 6).
    """
    # BEGIN SOLUTION
    gaps = []
    for _ in range(n_critic):
        real = sample_real()
        with mg.no_grad():
            fake = generator(sample_noise())
        gap = critic(real).mean() - critic(fake).mean()
        optimizer.zero_grad()
        (-gap).backward()
        optimizer.step()
        mg.nn.clip_weights(critic, c)
        gaps.append(gap.item())
    return gaps
    # END SOLUTION
'''

HINTS = (
    "The loss to minimise is −gap = E D(fake) − E D(real).",
    "Call optimizer.zero_grad() before every backward(): gradients add up otherwise.",
    "Clip after optimizer.step(), every step, not once at the end.",
)

DESCENT = "the critic must *ascend* on E D(real) − E D(fake): minimise its negative, −gap"
NO_ZERO = "gradients accumulated across steps: call optimizer.zero_grad() before each backward()"
NO_CLIP = "the weights were not clipped: call mg.nn.clip_weights(critic, c) after every optimizer.step()"


def _reference(critic, generator, sample_real, sample_noise, optimizer, n_critic, c, sign=1.0, zero=True,
               clip=True):
    gaps = []
    for _ in range(n_critic):
        real = sample_real()
        with mg.no_grad():
            fake = generator(sample_noise())
        gap = critic(real).mean() - critic(fake).mean()
        if zero:
            optimizer.zero_grad()
        (-sign * gap).backward()
        optimizer.step()
        if clip:
            mg.nn.clip_weights(critic, c)
        gaps.append(gap.item())
    return gaps


def _run(function, **variant):
    """The same small problem from the same state: a critic, a generator, fixed batches."""
    mg.backend.manual_seed(7)
    critic = mg.nn.MLP([2, 16, 16, 1], activation="relu", dtype="float64")
    generator = mg.nn.MLP([2, 16, 2], activation="relu", dtype="float64")
    rng = np.random.default_rng(7)
    real_batches = [mg.tensor(rng.normal(2.0, 0.5, (32, 2)), dtype="float64") for _ in range(5)]
    noise_batches = [mg.tensor(rng.normal(0.0, 1.0, (32, 2)), dtype="float64") for _ in range(5)]
    real_iter, noise_iter = iter(real_batches), iter(noise_batches)
    optimizer = mg.optim.RMSprop(critic.parameters(), lr=0.05)
    gaps = function(critic, generator, lambda: next(real_iter), lambda: next(noise_iter), optimizer, 5, 0.08,
                    **variant)
    weights = np.concatenate([parameter.numpy().ravel() for parameter in critic.parameters()])
    generator_grads = [parameter.grad for parameter in generator.parameters()]
    return gaps, weights, generator_grads


def checks(student: ModuleType) -> Iterator[Result]:
    expected_gaps, expected_weights, _ = _run(_reference)
    gaps, weights, generator_grads = _run(student.train_critic)
    descent = _run(_reference, sign=-1.0)
    no_zero = _run(_reference, zero=False)
    no_clip = _run(_reference, clip=False)
    yield compare("the five gaps E D(real) − E D(fake), one per step", gaps, expected_gaps, rtol=1e-9,
                  mistakes={DESCENT: descent[0], NO_ZERO: no_zero[0], NO_CLIP: no_clip[0]})
    yield compare("the critic's weights after five steps", weights, expected_weights, rtol=1e-9, atol=1e-12,
                  mistakes={DESCENT: descent[1], NO_ZERO: no_zero[1], NO_CLIP: no_clip[1]})
    yield Result("every weight lies in [−c, c] afterwards", bool(np.all(np.abs(weights) <= 0.08 + 1e-12)),
                 f"largest |w| = {np.abs(weights).max():.4g}, c = 0.08", "" if np.all(np.abs(weights) <= 0.08 + 1e-12)
                 else NO_CLIP)
    untouched = all(grad is None or not np.any(mg.backend.to_host(grad.data)) for grad in generator_grads)
    yield Result("no gradient reached the generator", untouched, "",
                 "" if untouched else "compute the fake batch under mg.no_grad(): the critic step must not "
                                      "differentiate through G")


EXERCISE = Exercise(
    number=7, name="critic_loop", title="The WGAN critic loop (Algorithm 1)", lesson=9, code=CODE, hints=HINTS,
    functions={"train_critic": ("critic", "generator", "sample_real", "sample_noise", "optimizer", "n_critic", "c")},
    checks=checks)
