"""The exercise track of the course: functions for the student to write, checked with named hints.

    minigan exercises ~/wgan-course          a workspace: README.md and one file per exercise
    minigan check [N ...] --dir ~/wgan-course    ✓/✗ per test, hints for typical mistakes
    minigan lesson 10 --with-exercises ~/wgan-course    the lesson, run on the student's code

Each exercise (one module ``exNN_name.py`` here) holds the student's file — signature, docstring
with the task, the formula and its lesson, folded hints, a body raising ``NotImplementedError`` —
the worked solution (written only with ``--solutions``), the checks, and the patches that let a
lesson run on the student's functions (:func:`minigan.exercises.install.install`).

For the course site: :func:`exercises_for_lesson` lists the exercises of one lesson.
"""

from __future__ import annotations

from minigan.exercises import (
    ex01_kl_js,
    ex02_gan_game,
    ex03_xy_game,
    ex04_w1_histogram,
    ex05_w1_samples,
    ex06_weight_clipping,
    ex07_critic_loop,
    ex08_power_iteration,
    ex09_spectral_norm_layer,
    ex10_vjp_tanh_mul,
    ex11_vjp_matmul,
    ex12_topological_order,
    ex13_gradient_penalty,
    ex14_adam,
)
from minigan.exercises._framework import Exercise

__all__ = ["EXERCISES", "Exercise", "exercise", "exercises_for_lesson"]

#: Every exercise, in teaching order (the order of the lessons they belong to).
EXERCISES: tuple[Exercise, ...] = tuple(module.EXERCISE for module in (
    ex01_kl_js, ex02_gan_game, ex03_xy_game, ex04_w1_histogram, ex05_w1_samples, ex06_weight_clipping,
    ex07_critic_loop, ex08_power_iteration, ex09_spectral_norm_layer, ex10_vjp_tanh_mul, ex11_vjp_matmul,
    ex12_topological_order, ex13_gradient_penalty, ex14_adam))


def exercise(key: int | str) -> Exercise:
    """The exercise with this number (``3``, ``"03"``) or name (``"xy_game"``, ``"03_xy_game"``)."""
    text = str(key).removesuffix(".py")
    for candidate in EXERCISES:
        if text in (candidate.name, candidate.filename.removesuffix(".py")) or (
                text.isdigit() and int(text) == candidate.number):
            return candidate
    names = ", ".join(f"{e.number} ({e.name})" for e in EXERCISES)
    raise LookupError(f"no exercise {key!r}; there are {names}")


def exercises_for_lesson(number: int) -> list[tuple[str, str]]:
    """The exercises that belong to lesson ``number``: ``[(file stem, title), …]`` in order.

    The course site links each lesson page to these (the stem names the workspace file,
    e.g. ``08_power_iteration`` → ``08_power_iteration.py``; ``minigan check 8`` checks it)."""
    return [(e.filename.removesuffix(".py"), e.title) for e in EXERCISES if e.lesson == int(number)]
