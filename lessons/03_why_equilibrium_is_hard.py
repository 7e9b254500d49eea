# %% [markdown]
# # Lesson 3 — Why equilibrium is hard: gradient steps on the game V(x, y) = x·y
#
# Training a GAN is a two-player game: the discriminator maximises the value, the generator
# minimises it, and each follows its own gradient. Gradient descent finds minima of *one*
# function; nothing promises that two players following their gradients against each other
# reach an equilibrium.
#
# The smallest counter-example: player x minimises V(x, y) = x·y, player y maximises it. The
# equilibrium is x = y = 0 (there neither player gains by moving alone). With step size η and
# both players updating **simultaneously** from the same point,
#
#     x ← x − η·∂V/∂x = x − η·y,        y ← y + η·∂V/∂y = y + η·x,
#
# i.e. (x, y) ← M·(x, y) with M = [[1, −η], [η, 1]]. M is √(1 + η²) times a rotation: its
# eigenvalues 1 ± iη have modulus √(1 + η²) > 1, and x'² + y'² = (1 + η²)(x² + y²) exactly.
# So the players circle the equilibrium and drift **away** from it by a factor √(1 + η²) per
# step — the sources' Figure 3, with η = 0.1.
#
# If instead y answers the x that has already moved (**alternating** updates, as GAN trainers do
# when they update the critic, then the generator), M = [[1, −η], [η, 1 − η²]] has determinant
# 1: the players orbit forever on the ellipse x² + y² − η·x·y = const — bounded, but they still
# never arrive.
#
# The gradients below come from minigan's autodiff (`minigan.games` calls `mg.grad` on V), not
# from the formulas above; the formulas are what we check them against.

# %%
import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np

from minigan import games
from minigan.lesson import Lesson

TITLE = "Why equilibrium is hard: the x·y game"
lesson = Lesson("03_why_equilibrium_is_hard", TITLE)

# %% [markdown]
# ## First: is the engine's step really the matrix M?
#
# The matrices above were derived by hand. The trajectories below come from minigan's autodiff,
# so we first *measure* the update the engine actually performs: its Jacobian, by central finite
# differences of one step of `games.simultaneous_gradient_steps` (and of the alternating one) around
# a generic point, with h = 10⁻³. The step is linear, so the differences are exact up to rounding
# (about 10⁻¹³) and the measured Jacobian must equal the typed M entry by entry; its eigenvalues are
# then those of the engine's dynamics, not of a matrix we typed.


# %%
lr = 0.1
steps = 2000 if lesson.full else 300
start = (1.0, 1.0)


def measured_jacobian(step, point=(0.3, -0.7), h=1e-3):
    """The 2×2 Jacobian of one engine step (x, y) ↦ (x', y') at ``point``, by central differences."""

    def one_step(x0, y0):
        moved = step(x0, y0, lr=lr, steps=1)
        return np.array([moved.x[-1], moved.y[-1]], dtype=np.float64)

    x0, y0 = point
    d_by_dx = (one_step(x0 + h, y0) - one_step(x0 - h, y0)) / (2 * h)
    d_by_dy = (one_step(x0, y0 + h) - one_step(x0, y0 - h)) / (2 * h)
    return np.column_stack([d_by_dx, d_by_dy])


simultaneous_matrix = np.array([[1.0, -lr], [lr, 1.0]])
engine_simultaneous = measured_jacobian(games.simultaneous_gradient_steps)
print("measured Jacobian of one simultaneous step:\n", engine_simultaneous)
lesson.check_less("the engine's simultaneous step has Jacobian M = [[1, −η], [η, 1]] (finite differences, "
                  "every entry to 1e-9)", np.abs(engine_simultaneous - simultaneous_matrix).max(), 1e-9)
one_step = games.simultaneous_gradient_steps(0.3, -0.7, lr=lr, steps=1)
lesson.check_less("…and is linear: one step from (0.3, −0.7) lands on M·(0.3, −0.7) (to 1e-12)",
                  np.abs(np.array([one_step.x[-1], one_step.y[-1]]) - engine_simultaneous @ [0.3, -0.7]).max(), 1e-12)
engine_eigenvalues = np.linalg.eigvals(engine_simultaneous)
print(f"its eigenvalues: {engine_eigenvalues}")
by_imaginary_part = engine_eigenvalues[np.argsort(engine_eigenvalues.imag)]
lesson.identity("the measured Jacobian's eigenvalues are 1 ± iη, of modulus √(1 + η²) > 1 (to 1e-9)",
                bool(np.all(np.abs(by_imaginary_part - np.array([1 - 1j * lr, 1 + 1j * lr])) < 1e-9)),
                f"moduli {np.abs(engine_eigenvalues).round(12).tolist()}, √(1 + η²) = {math.sqrt(1 + lr**2):.12f}")

# %% [markdown]
# ## Simultaneous steps spiral outwards
#
# Start at (x, y) = (1, 1), η = 0.1 (the step size of the sources' figure) and take 300 steps
# (2000 with `--full`); the radius should be multiplied by exactly √1.01 ≈ 1.004988 each step.

# %%
simultaneous = games.simultaneous_gradient_steps(*start, lr=lr, steps=steps)
alternating = games.alternating_gradient_steps(*start, lr=lr, steps=steps)

growth = simultaneous.radius[1:] / simultaneous.radius[:-1]
factor = math.sqrt(1 + lr**2)
print(f"per-step radius ratio: min {growth.min():.12f}, max {growth.max():.12f}; √(1 + η²) = {factor:.12f}")
print(f"radius after {steps} steps: {simultaneous.radius[-1]:.6f} (started at {simultaneous.radius[0]:.6f})")
lesson.check("every simultaneous step multiplies the radius by √(1 + η²) (to 1e-12)",
             bool(np.all(np.abs(growth - factor) < 1e-12)), f"max deviation {np.abs(growth - factor).max():.2e}")
lesson.check_close(f"after {steps} steps the radius is √2·(1.01)^{steps // 2}",
                   simultaneous.radius[-1], math.sqrt(2) * 1.01 ** (steps / 2), rtol=1e-10)

# %% [markdown]
# The sign of x·y changes as the point turns (x·y > 0 in one quadrant, < 0 in the next): the
# players oscillate, each overshooting the other's last move, with growing amplitude. One full
# turn takes 2π / atan(η) ≈ 63.04 steps, so the 64th step completes the first turn (checked).
#
# > **The source says** (Weng, "From GAN to WGAN", §4.1) "Once x and y have different signs, every
# > following gradient update causes huge oscillation" — **in fact** the signs play no part: every
# > simultaneous step multiplies the radius by the same √(1 + η²), from the very first step at
# > (1, 1), where x and y have the *same* sign (checked below: the growth factor of the steps taken
# > from same-sign points equals that of the steps taken from opposite-sign points).

# %%
angle = np.unwrap(np.arctan2(simultaneous.y, simultaneous.x))
lesson.check_close("the point turns by atan(η) per step", (angle[-1] - angle[0]) / steps, math.atan(lr), rtol=1e-10)
first_turn = int(np.argmax(angle - angle[0] >= 2 * math.pi))  # the first step at which a full turn is done
lesson.worked("one full turn takes 2π/atan(η) = 63.04… steps: the 64th step completes the first turn",
              first_turn == math.ceil(2 * math.pi / math.atan(lr)) == 64, f"turn completed at step {first_turn}")
sign_changes = int(np.sum(np.diff(np.sign(simultaneous.x)) != 0))
expected_changes = round(steps * math.atan(lr) / math.pi)  # x changes sign twice per turn
lesson.check("x oscillates: its sign changes about twice per turn",
             abs(sign_changes - expected_changes) <= 1, f"{sign_changes} sign changes, expected ≈ {expected_changes}")

same_sign = simultaneous.x[:-1] * simultaneous.y[:-1] > 0  # the point each step starts from
lesson.check_close("the first step, from (1, 1) (same signs), already multiplies the radius by √(1 + η²)",
                   growth[0], factor, rtol=1e-12, kind="identity")
lesson.identity("steps from same-sign points grow the radius exactly as much as steps from opposite-sign points",
                same_sign.sum() > 0 and (~same_sign).sum() > 0
                and bool(np.all(np.abs(growth[same_sign] - factor) < 1e-12))
                and bool(np.all(np.abs(growth[~same_sign] - factor) < 1e-12)),
                f"{same_sign.sum()} same-sign and {(~same_sign).sum()} opposite-sign steps")

# %% [markdown]
# ## Alternating steps stay bounded — but do not converge either
#
# H(x, y) = x² + y² − η·x·y is conserved by each alternating step (expand it to see), and
# (1 − η/2)·r² ≤ H ≤ (1 + η/2)·r², so the radius stays in [r₀·√((1 − η/2)/(1 + η/2)),
# r₀·√((1 + η/2)/(1 − η/2))] forever. Our start (1, 1) lies on the ellipse's major axis (the
# direction x = y, where −η·x·y lowers H most), so r₀ is already the largest radius of the orbit
# and the lower bound is its minor axis, which the orbit passes (between two steps) once every half turn.

# %%
alternating_matrix = np.array([[1.0, -lr], [lr, 1.0 - lr**2]])
engine_alternating = measured_jacobian(games.alternating_gradient_steps)
print("measured Jacobian of one alternating step:\n", engine_alternating)
lesson.check_less("the engine's alternating step has Jacobian [[1, −η], [η, 1 − η²]] (finite differences, to 1e-9)",
                  np.abs(engine_alternating - alternating_matrix).max(), 1e-9)
lesson.check_close("…whose determinant is 1: the engine's alternating step preserves areas",
                   np.linalg.det(engine_alternating), 1.0, atol=1e-9, kind="identity")
lesson.check_less("…and whose eigenvalues lie on the unit circle (|λ| = 1 to 1e-9): no spiral in or out",
                  np.abs(np.abs(np.linalg.eigvals(engine_alternating)) - 1.0).max(), 1e-9, kind="identity")

invariant = games.alternating_invariant(alternating.x, alternating.y, lr)
low, high = games.alternating_radius_bounds(alternating.radius[0], lr)
print(f"alternating radius range: [{alternating.radius.min():.4f}, {alternating.radius.max():.4f}]; "
      f"bounds [{low:.4f}, {high:.4f}]")
lesson.check("alternating steps conserve H = x² + y² − η·x·y (to 1e-12)",
             bool(np.abs(invariant - invariant[0]).max() < 1e-12), f"H = {invariant[0]:.6f}")
lesson.check("the alternating radius stays inside the bounds the invariant gives",
             low * (1 - 1e-12) <= alternating.radius.min() and alternating.radius.max() <= high * (1 + 1e-12),
             f"min {alternating.radius.min():.12f}, max {alternating.radius.max():.12f}")
lesson.check_close("…and the lower bound is reached: from (1, 1), on the ellipse's major axis x = y, the orbit passes "
                   "its minor axis at r₀·√((1 − η/2)/(1 + η/2)) (to 1e-4, relative)", alternating.radius.min(), low,
                   rtol=1e-4, atol=0.0)
lesson.check_less("…and does not decay: after the last full turn it is still ≥ 0.95 × the start",
                  0.95 * alternating.radius[0], alternating.radius[-63:].max(), kind="identity")

# %% [markdown]
# ## Smaller steps do not fix it
#
# Over a fixed "time" T = steps·η the simultaneous radius grows by (1 + η²)^(T/(2η)), which tends
# to 1 as η → 0: in the continuous-time limit dx/dt = −y, dy/dt = x the players go round the
# circle forever. Gradient play on this game has no pull towards the equilibrium at all; the
# discrete steps only add a push outwards.

# %%
time_span = 10.0
for small_lr in (0.1, 0.03, 0.01):
    n = round(time_span / small_lr)
    radius = games.simultaneous_gradient_steps(*start, lr=small_lr, steps=n).radius
    predicted = (1 + small_lr**2) ** (n / 2)
    print(f"  η = {small_lr:<5} {n:5d} steps: radius × {radius[-1] / radius[0]:.5f} (predicted {predicted:.5f})")
    lesson.check_close(f"η = {small_lr}: radius grows by (1 + η²)^(T/2η) over T = 10", radius[-1] / radius[0],
                       predicted, rtol=1e-9)

# %% [markdown]
# ## Pictures

# %%
figure, (paths, radii) = plt.subplots(1, 2, figsize=(12, 5.2))
shown = 301  # a few turns: longer runs make the spiral so wide that the orbit vanishes at its centre
paths.plot(simultaneous.x[:shown], simultaneous.y[:shown], lw=1.2, label="simultaneous steps (spirals out)")
paths.plot(alternating.x[:shown], alternating.y[:shown], lw=1.2, label="alternating steps (closed orbit)")
paths.plot(*start, "ko", label="start (1, 1)")
paths.plot(0, 0, "r*", ms=14, label="equilibrium (0, 0)")
paths.set_aspect("equal")
paths.set_xlabel("x (minimises x·y)")
paths.set_ylabel("y (maximises x·y)")
paths.set_title(f"Gradient play on V = x·y, η = {lr}, first {shown - 1} steps")
paths.legend(loc="upper left", fontsize=9)
paths.grid(alpha=0.3)
step_index = np.arange(steps + 1)
radii.semilogy(step_index, simultaneous.radius, label="simultaneous")
radii.semilogy(step_index, math.sqrt(2) * factor**step_index, "k:", label="√2·(1 + η²)^(k/2)")
radii.semilogy(step_index, alternating.radius, label="alternating")
radii.axhspan(low, high, color="tab:orange", alpha=0.15, label="bound from the invariant")
for axis_formatter in (radii.yaxis.set_major_formatter, radii.yaxis.set_minor_formatter):
    axis_formatter(matplotlib.ticker.FormatStrFormatter("%g"))  # plain numbers, not 6×10⁰
radii.set_xlabel("step k")
radii.set_ylabel("distance from the equilibrium (log scale)")
radii.set_title("Radius per step")
radii.legend()
radii.grid(alpha=0.3, which="both")
lesson.savefig(figure, "xy_game_trajectories")

# %%
lesson.finish()
