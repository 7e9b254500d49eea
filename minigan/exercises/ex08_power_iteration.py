"""Exercise 8: power iteration with a warm start (lesson 10)."""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType

import numpy as np

import minigan as mg
from minigan.exercises._framework import Exercise, Fatal, Patch, Result, compare, delegate

CODE = '''
"""Exercise 8 — the spectral norm by power iteration, with a warm start (lesson 10: spectral normalisation).

‖W‖_s = σ₁(W), the largest singular value. For any W of shape (m, n), square or not, from a
unit vector u ∈ ℝᵐ repeat

    v ← Wᵀu / ‖Wᵀu‖,     u ← W v / ‖W v‖,     σ = ‖W v‖ (= uᵀ W v)

This is power iteration on WᵀW (for v) and on WWᵀ (for u); σ rises to σ₁ from below. Stop after
the first iteration k where |σ_k − σ_(k−1)| ≤ tol·σ_k, with σ₀ = ‖Wᵀu₀‖ for the starting u₀.
Started again from the u it returned for the same W, it stops after one iteration. In training W
moves a little between steps: the u of the previous step (a warm start) is already close, and
few iterations reach tol (lesson 10 counts them; spectral normalisation runs one per step).

Beware the version some texts give, x ↦ Wx/‖Wx‖: it is the power method for the eigenvalue of
largest modulus, so ‖Wx‖ tends to ρ(W) = max |λᵢ| (from a generic start, when one eigenvalue has
the largest modulus). ρ(W) ≤ σ₁(W), with equality for every normal W (WᵀW = WWᵀ: any symmetric
W, definite or not) but not in general: W = [[1, 10], [0, 2]] has ρ = 2 and σ₁ ≈ 10.2. And it
cannot run on a non-square W.

Check your work:  minigan check 8
"""
import minigan as mg


def power_iteration(W, u=None, tol=1e-10, max_iter=1000):
    """σ₁(W) by power iteration; return (sigma, u, v, iterations).

    W: an (m, n) array of the active backend (NumPy or CuPy); xp = mg.backend.namespace_of(W)
    is its array module (xp.linalg.norm). u: the starting vector, shape (m,) (normalise it
    first), or None for a random one:
        u = mg.backend.asarray(mg.backend.rng().standard_normal(m), dtype=W.dtype,
                               backend=mg.backend.backend_of(W))
    Returns sigma as a Python float, the unit vectors u (m,) and v (n,), and how many iterations
    ran (at most max_iter).
    """
    # BEGIN SOLUTION
    xp = mg.backend.namespace_of(W)
    if u is None:
        u = mg.backend.asarray(mg.backend.rng().standard_normal(W.shape[0]), dtype=W.dtype,
                               backend=mg.backend.backend_of(W))
    u = u / xp.linalg.norm(u)
    previous = float(xp.linalg.norm(W.T @ u))
    for iteration in range(1, max_iter + 1):
        v = W.T @ u
        v = v / xp.linalg.norm(v)
        Wv = W @ v
        sigma = float(xp.linalg.norm(Wv))
        u = Wv / sigma
        if abs(sigma - previous) <= tol * sigma:
            break
        previous = sigma
    return sigma, u, v, iteration
    # END SOLUTION
'''

HINTS = (
    "One iteration is two matrix–vector products: W.T @ u (length n), then W @ v (length m).",
    "Keep the previous σ in a variable before the loop (σ₀ = ‖Wᵀu₀‖) and compare after each new σ.",
    "Return float(sigma): a 0-d array would keep the whole loop on the device but the caller wants a number.",
)

EIGEN = ("eigenvalue power iteration: x ↦ Wx/‖Wx‖ tends to the largest |eigenvalue| ρ(W), which equals ‖W‖_s "
         "for a normal W but not for this non-symmetric one (ρ = 2, ‖W‖_s ≈ 10.2), and it cannot run on a "
         "non-square W; alternate v ← Wᵀu/‖Wᵀu‖, u ← Wv/‖Wv‖")
SQUARED = ("σ² returned: ‖Wv‖² = vᵀWᵀWv is σ², the top eigenvalue of WᵀW; σ is its square root, "
           "σ = ‖Wv‖ = xp.linalg.norm(W @ v)")


def _array(values) -> object:
    return mg.backend.asarray(np.asarray(values, dtype=float))


def _unpack(result, what: str):
    if not isinstance(result, tuple) or len(result) != 4:
        raise Fatal(f"{what}: power_iteration must return a tuple (sigma, u, v, iterations), got "
                    f"{type(result).__name__}")
    return result


def checks(student: ModuleType) -> Iterator[Result]:
    triangular = _array([[1.0, 10.0], [0.0, 2.0]])
    sigma = _unpack(student.power_iteration(triangular, u=_array([1.0, 1.0])), "[[1, 10], [0, 2]]")[0]
    exact = np.linalg.norm([[1.0, 10.0], [0.0, 2.0]], 2)
    yield compare("σ of the non-symmetric [[1, 10], [0, 2]] is ‖W‖_s ≈ 10.2, not its eigenvalue 2",
                  sigma, exact, rtol=1e-8, mistakes={EIGEN: 2.0, SQUARED: exact**2}, expect="float")
    rng = np.random.default_rng(8)
    W_host = rng.standard_normal((7, 4))
    W = _array(W_host)
    u0 = _array(rng.standard_normal(7))
    try:
        sigma, u, v, iterations = _unpack(student.power_iteration(W, u=u0), "a 7×4 matrix")
    except ValueError as error:  # ShapeError is a ValueError: W @ (W @ x) on a non-square W
        yield Result("runs on a non-square 7×4 matrix", False, f"raised {type(error).__name__}: {error}", EIGEN)
        return
    yield compare("σ of a random 7×4 matrix matches the SVD", sigma, np.linalg.norm(W_host, 2), rtol=1e-8,
                  mistakes={SQUARED: np.linalg.norm(W_host, 2) ** 2}, expect="float")
    u_host, v_host = mg.backend.to_host(u), mg.backend.to_host(v)
    yield compare("u and v are unit vectors", [np.linalg.norm(u_host), np.linalg.norm(v_host)], [1.0, 1.0], rtol=1e-9)
    yield compare("they are singular vectors: W v = σ u", W_host @ v_host, sigma * u_host, atol=1e-6)
    _, _, _, reference_iterations = mg.nn.power_iteration(W, u=u0, tol=1e-10)
    yield Result("from a cold start it stops when σ changes by ≤ tol·σ (as many iterations as minigan's, ±1)",
                 abs(int(iterations) - reference_iterations) <= 1, f"expected {reference_iterations}, got {iterations}")
    _, _, _, warm = _unpack(student.power_iteration(W, u=u), "warm start")
    yield Result("warm-started from its own u it stops after one iteration", int(warm) == 1, f"got {warm} iterations")
    _, _, _, capped = _unpack(student.power_iteration(W, u=u0, tol=0.0, max_iter=7), "max_iter")
    yield Result("max_iter=7 with tol=0 runs exactly 7 iterations", int(capped) == 7, f"got {capped}")
    mg.backend.manual_seed(8)
    sigma = _unpack(student.power_iteration(W), "u=None")[0]
    yield compare("u=None starts from a random vector and still converges", sigma, np.linalg.norm(W_host, 2), rtol=1e-8,
                  mistakes={SQUARED: np.linalg.norm(W_host, 2) ** 2})


def _adapt(W, u=None, tol=None, max_iter=1000, eps=1e-12):
    from minigan.autodiff import Tensor

    W = W.data if isinstance(W, Tensor) else W
    u = u.data if isinstance(u, Tensor) else u
    if u is not None:
        u = u.astype(W.dtype)
    if tol is None:  # minigan's default: 1e-10, or 8 ulps where the dtype cannot reach that
        tol = max(1e-10, 8.0 * float(mg.backend.namespace_of(W).finfo(W.dtype).eps))
    return W, u, tol, max_iter


def patches(student: ModuleType) -> list[Patch]:
    return [Patch("minigan.nn.spectral_norm", "power_iteration",
                  delegate(student.power_iteration, "power_iteration", lambda *a, **k: True, adapt=_adapt))]


EXERCISE = Exercise(
    number=8, name="power_iteration", title="Power iteration with a warm start", lesson=10, code=CODE, hints=HINTS,
    functions={"power_iteration": ("W", "u", "tol", "max_iter")}, checks=checks, patches=patches)
