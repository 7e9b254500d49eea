# %% [markdown]
# # Lesson 10 — Spectral normalisation: dividing each layer by its largest singular value
#
# Lesson 8 showed ‖D‖_L ≤ ∏ᵢ ‖Wᵢ‖_s for a critic whose activations have slopes ≤ 1.
# Spectral normalisation (Miyato et al. 2018) aims to make every factor 1: each layer uses
#
#     W̄ = W / σ(W),     σ(W) = ‖W‖_s = the largest singular value of W,
#
# and with the exact σ every ‖W̄ᵢ‖_s = 1, so the whole critic would be 1-Lipschitz, with no
# clipping (lesson 9) and no penalty (lesson 11). In practice σ is *estimated* by one round of
# power iteration per step, and the estimate σ̂ approaches σ from below (σ̂ ≤ σ), so the layer
# applies ‖W/σ̂‖_s = σ/σ̂ ≥ 1: the critic is 1-Lipschitz only approximately (section 4 measures
# how far above 1 the factors end up). What it costs is σ(W) at every training step. A full
# SVD would do, but **power iteration** needs only two matrix–vector products per step:
#
#     v ← Wᵀu / ‖Wᵀu‖,   u ← W v / ‖W v‖,   σ ≈ uᵀ W v
#
# This is power iteration on WᵀW (for v) and on WWᵀ (for u) at once; it works for any W, square
# or not. Three things in this lesson:
#
# 1. the iteration written out, converging to σ as computed by NumPy's SVD on the host, at the
#    rate the theory predicts;
# 2. the version some texts give, x ↦ Wx/‖Wx‖, which is the power method for the
#    largest-magnitude *eigenvalue*: when a single real eigenvalue dominates in modulus (or W is
#    normal) and the start has a component along it, its ‖Wx‖ tends to ρ(W) = max|λᵢ|, which is
#    σ for every normal W (WWᵀ = WᵀW, e.g. any symmetric W, definite or not) — sufficient, not
#    necessary: some non-normal W have ρ = σ too — and its Rayleigh quotient xᵀWx tends to σ
#    whenever ρ = σ and the dominant eigenvalue is positive (e.g. a symmetric PSD W); on an
#    ordinary matrix (ρ < σ) it fails;
# 3. why one iteration per training step is enough: the weights move little between steps, so
#    the vector from the previous step (a *warm start*) is already almost converged.

# %%
import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import minigan as mg
from minigan.gan import data
from minigan.lesson import Lesson

lesson = Lesson("10_spectral_normalisation", "Spectral normalisation and power iteration")
host_rng = mg.backend.rng()
xp = mg.backend.xp()  # the array module of the active backend (NumPy, CuPy or strict)


def host_spectral_norm(matrix):
    """The reference: ‖W‖_s from NumPy's SVD, on the host."""
    return float(np.linalg.norm(mg.backend.to_host(matrix), 2))


def matrix_with_singular_values(rows, columns, singular_values):
    """W = U diag(s) Vᵀ with random orthonormal U, V: a matrix whose spectrum we choose."""
    left, _ = np.linalg.qr(host_rng.standard_normal((rows, columns)))
    right, _ = np.linalg.qr(host_rng.standard_normal((columns, columns)))
    return left @ np.diag(singular_values) @ right.T, right[:, 0]


# %% [markdown]
# ## 1. Power iteration, written out
#
# Start from a random unit u. After k rounds, v is proportional to (WᵀW)ᵏ v₀: in the basis of
# right singular vectors its components grow like σᵢ²ᵏ, so the angle between v and the top
# singular vector shrinks like (σ₂/σ₁)²ᵏ. The estimate σ_k = ‖W v‖ is the square root of a
# Rayleigh quotient of WᵀW, σ_k² = vᵀWᵀWv (v a unit vector), whose error is quadratic in that
# angle; so is σ_k's: it shrinks like **(σ₂/σ₁)⁴ᵏ**, and it approaches σ₁ from below, never
# overshooting (a Rayleigh quotient of WᵀW never exceeds its top eigenvalue σ₁²).
#
# The test matrix is 64×32 with σ₁ = 3, σ₂ = 2.4 and the rest ≤ 1.2, so (σ₂/σ₁)⁴ = 0.41 per
# iteration (the smaller singular values die out much faster and do not disturb the rate). It lives
# on the active backend in float64; only the final list of estimates comes back to the host.

# %%
def power_iteration_written_out(W, u, iterations):
    """σ estimates after each round of v ← Wᵀu/‖Wᵀu‖, u ← Wv/‖Wv‖ (W, u: device arrays)."""
    module = mg.backend.namespace_of(W)
    sigmas, right_vectors = [], []
    for _ in range(iterations):
        v = W.T @ u
        v = v / module.linalg.norm(v)
        u = W @ v
        sigma = module.linalg.norm(u)  # = uᵀWv once u is normalised below
        u = u / sigma
        sigmas.append(sigma)
        right_vectors.append(v)
    return module.stack(sigmas), module.stack(right_vectors), u


singular_values = np.concatenate([[3.0, 2.4], np.linspace(1.2, 0.1, 30)])
W_host, top_right_vector = matrix_with_singular_values(64, 32, singular_values)
W = mg.backend.asarray(W_host)  # host → device, explicitly
u0 = mg.backend.asarray(host_rng.standard_normal(64))
u0 = u0 / xp.linalg.norm(u0)
sigmas_device, vectors_device, _ = power_iteration_written_out(W, u0, 40)
sigmas = mg.backend.to_host(sigmas_device)  # device → host, once
vectors = mg.backend.to_host(vectors_device)

sigma_reference = host_spectral_norm(W)
relative_error = np.abs(sigmas - sigma_reference) / sigma_reference
angle = np.sqrt(np.clip(1.0 - (vectors @ top_right_vector) ** 2, 0.0, None))
print(f"numpy.linalg.norm(W, 2) = {sigma_reference:.15f}")
for k in (1, 2, 5, 10, 20, 40):
    print(f"  iteration {k:2d}: σ_k = {sigmas[k - 1]:.15f}   relative error {relative_error[k - 1]:.2e}")

lesson.check_close("the SVD on the host gives the σ₁ we built in (3)", sigma_reference, 3.0, rtol=1e-12,
                   kind="identity")
lesson.check_less("after 40 iterations power iteration matches the SVD to 1e-12 (relative)",
                  relative_error[-1], 1e-12)
lesson.identity("σ_k rises to σ₁ from below: never above it, never decreasing",
                bool(np.all(sigmas <= sigma_reference * (1 + 1e-12)) and np.all(np.diff(sigmas) >= -1e-12)))
ratio = singular_values[1] / singular_values[0]
fit_range = slice(8, 25)  # past the start-up, before float64 round-off
sigma_slope = np.polyfit(np.arange(40)[fit_range], np.log(relative_error[fit_range]), 1)[0]
angle_slope = np.polyfit(np.arange(40)[fit_range], np.log(angle[fit_range]), 1)[0]
print(f"log-error per iteration: σ {sigma_slope:.4f} (theory 4·ln(σ₂/σ₁) = {4 * math.log(ratio):.4f}), "
      f"vector {angle_slope:.4f} (theory 2·ln(σ₂/σ₁) = {2 * math.log(ratio):.4f})")
# The fitted slopes differ from the theory by at most 0.4 % over seeds 0–9 (the smaller singular
# values have not quite died out at iteration 8): 4 % is about ten times that.
lesson.check_close("σ's error shrinks by (σ₂/σ₁)⁴ per iteration (fitted log-slope within 4 %)",
                   sigma_slope, 4 * math.log(ratio), rtol=0.04)
lesson.check_close("the vector's angle shrinks by (σ₂/σ₁)² per iteration (within 4 %)",
                   angle_slope, 2 * math.log(ratio), rtol=0.04)

library_sigma, _, _, library_iterations = mg.nn.power_iteration(W, u=u0)
print(f"mg.nn.power_iteration: σ = {library_sigma:.15f} after {library_iterations} iterations")
lesson.check_close("mg.nn.power_iteration agrees with the SVD (relative 1e-9)", library_sigma,
                   sigma_reference, rtol=1e-9)

iterations_axis = np.arange(1, 41)
fig, ax = plt.subplots(figsize=(7, 4.2))
ax.semilogy(iterations_axis, relative_error, "o-", ms=3, label="σ estimate: |σₖ − σ₁| / σ₁")
ax.semilogy(iterations_axis, angle, "s-", ms=3, label="vector: sin ∠(vₖ, top singular vector)")
ax.semilogy(iterations_axis, relative_error[5] * ratio ** (4 * (iterations_axis - 6)), "k--", lw=1,
            label="∝ (σ₂/σ₁)⁴ᵏ (theory)")
ax.semilogy(iterations_axis, angle[5] * ratio ** (2 * (iterations_axis - 6)), "k:", lw=1,
            label="∝ (σ₂/σ₁)²ᵏ (theory)")
ax.set_ylim(1e-17, 2)
ax.set_xlabel("iteration k")
ax.set_ylabel("error (log scale)")
ax.set_title("Power iteration on a 64×32 matrix, σ₁ = 3, σ₂ = 2.4, σ₃ = 1.2")
ax.legend(fontsize=8)
lesson.savefig(fig, "power_iteration_convergence")

# %% [markdown]
# ## 2. The eigenvalue iteration is not the spectral norm
#
# > **The source says** (Wikipedia, *Wasserstein GAN*, "Upper-bounding the Lipschitz norm") that
# > ‖W‖_s is "the largest singular value of the matrix, that is, the spectral radius of the matrix
# > (these concepts are the same for matrices …)", and its spectral-normalisation algorithm
# > iterates x ↦ Wx/‖Wx‖ and returns ‖Wx*‖ as ‖W‖_s — **in fact** the spectral radius
# > ρ(W) = max|λᵢ| is only a lower bound on ‖W‖_s, equal to it for normal W (WWᵀ = WᵀW) and not in
# > general: W = [[1, 10], [0, 2]] has ρ = 2 and ‖W‖_s ≈ 10.25 (checked below), and that
# > iteration computes ρ(W) (when a single real eigenvalue dominates in modulus, or W is normal,
# > and the start has a component along it).
#
# x ↦ Wx/‖Wx‖ is the power method for the largest-magnitude **eigenvalue** of W: when a single
# real eigenvalue λ₁ dominates in modulus (or W is normal) and the start has a component along
# it, ‖Wx‖ tends to |λ₁| = ρ(W), and the Rayleigh quotient xᵀWx to λ₁ itself, sign included
# (for a normal W with ±ρ both eigenvalues, ‖Wx‖ still tends to ρ). So, exactly:
#
# * for a **normal** W, ρ(W) = ‖W‖_s and ‖Wx‖ converges to σ — symmetric or not, definite or
#   not. W = [[−3, 0.5], [0.5, 1]] (symmetric, eigenvalues −1 ± √4.25) gives ‖Wx‖ → 1 + √4.25 =
#   3.0616 = σ;
# * the Rayleigh quotient needs more: there it converges to −3.0616, the eigenvalue. It tends to σ
#   whenever ρ = σ and the dominant eigenvalue is positive (e.g. a symmetric positive
#   semi-definite W).
#
# For an ordinary (non-normal) W:
#
# * W = [[1, 10], [0, 2]] has eigenvalues 1 and 2 but ‖W‖_s ≈ 10.25: the iteration converges,
#   confidently, to 2.
# * W = [[0, −1], [3, 0]] has eigenvalues ±i√3: the iterates never settle, and ‖Wx‖ alternates
#   between two values forever (their product is |λ|² = 3). Which two depends on the start: from
#   (1, 1)/√2 they are √5 and 3/√5, neither of them ‖W‖_s = 3; from e₁ they are 3 and 1 — σ shows
#   up every other step, but nothing in the iteration says which of the two it is.
# * Normal is sufficient for ρ = σ, not necessary: W = diag(2, [[0, 1], [0, 0]]) (a 3×3 block
#   matrix) is not normal, yet ρ = σ = 2, and the iteration finds it.
# * A non-square W (every hidden layer of an MLP with unequal widths) cannot even be applied
#   to its own output.

# %%
def eigen_iteration(W, x, iterations):
    """The texts' version: x ← Wx/‖Wx‖. Returns every ‖Wx‖ and the final Rayleigh quotient xᵀWx."""
    module = mg.backend.namespace_of(W)
    norms = []
    for _ in range(iterations):
        y = W @ x
        norm = module.linalg.norm(y)
        x = y / norm
        norms.append(norm)
    return mg.backend.to_host(module.stack(norms)), float(x @ (W @ x))


start = mg.backend.asarray(np.array([1.0, 1.0]) / math.sqrt(2.0))
upper_triangular = mg.backend.asarray(np.array([[1.0, 10.0], [0.0, 2.0]]))
norms, rayleigh = eigen_iteration(upper_triangular, start, 60)
true_norm = host_spectral_norm(upper_triangular)
print(f"[[1, 10], [0, 2]]: eigen-iteration gives ‖Wx‖ → {norms[-1]:.6f}, xᵀWx → {rayleigh:.6f}; "
      f"‖W‖_s = {true_norm:.6f}")
lesson.check_close("on [[1, 10], [0, 2]] the eigen-iteration converges to the eigenvalue 2 …", norms[-1], 2.0,
                   atol=1e-9, kind="worked")
lesson.worked("… which is wrong by more than 8 (‖W‖_s ≈ 10.25)", true_norm - norms[-1] > 8.0,
              f"error {true_norm - norms[-1]:.3f}")
correct_sigma, _, _, _ = mg.nn.power_iteration(upper_triangular)
lesson.check_close("power iteration on WᵀW gets it right", correct_sigma, true_norm, rtol=1e-9)

rotation = mg.backend.asarray(np.array([[0.0, -1.0], [3.0, 0.0]]))
rotation_norms, _ = eigen_iteration(rotation, start, 60)
print(f"[[0, −1], [3, 0]]: the last four ‖Wx‖ are {np.round(rotation_norms[-4:], 4)}; ‖W‖_s = "
      f"{host_spectral_norm(rotation):.1f}")
lesson.worked("on [[0, −1], [3, 0]] it never settles: after 60 iterations ‖Wx‖ still alternates between two "
              "values 0.5 apart",
              abs(rotation_norms[-1] - rotation_norms[-3]) < 1e-9
              and abs(rotation_norms[-1] - rotation_norms[-2]) > 0.5,
              f"… {rotation_norms[-3]:.4f}, {rotation_norms[-2]:.4f}, {rotation_norms[-1]:.4f}")
lesson.worked("… neither of them is ‖W‖_s = 3",
              bool(np.all(np.abs(rotation_norms[-2:] - 3.0) > 0.2)), str(np.round(rotation_norms[-2:], 4)))
lesson.check_close("(their product is |λ|² = 3, the squared modulus of the eigenvalues ±i√3)",
                   rotation_norms[-1] * rotation_norms[-2], 3.0, rtol=1e-9, kind="identity")
from_e1, _ = eigen_iteration(rotation, mg.backend.asarray(np.array([1.0, 0.0])), 60)
lesson.worked("… but which two values depends on the start: from e₁ they are 3 and 1, so σ = 3 shows up every "
              "other step", abs(from_e1[-2] - 3.0) < 1e-12 and abs(from_e1[-1] - 1.0) < 1e-12
              or abs(from_e1[-1] - 3.0) < 1e-12 and abs(from_e1[-2] - 1.0) < 1e-12, str(np.round(from_e1[-4:], 6)))

nilpotent_block = np.array([[2.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0]])
block_norms, _ = eigen_iteration(mg.backend.asarray(nilpotent_block), mg.backend.asarray(np.ones(3) / math.sqrt(3.0)),
                                 60)
commutator = np.abs(nilpotent_block @ nilpotent_block.T - nilpotent_block.T @ nilpotent_block).max()
lesson.worked("normal is sufficient, not necessary: diag(2, [[0, 1], [0, 0]]) is not normal (WWᵀ ≠ WᵀW), yet "
              "the eigen-iteration's ‖Wx‖ → 2 = ‖W‖_s",
              commutator > 0.5 and abs(block_norms[-1] - 2.0) < 1e-12
              and abs(host_spectral_norm(nilpotent_block) - 2.0) < 1e-12,
              f"‖WWᵀ − WᵀW‖_max = {commutator:g}, ‖Wx‖ → {block_norms[-1]:.6f}")

eigenvalue_moduli = np.abs(np.linalg.eigvals(mg.backend.to_host(upper_triangular)))
lesson.worked("the source's slip: ρ([[1, 10], [0, 2]]) = 2 (NumPy's eigvals) is not ‖W‖_s ≈ 10.25 (its SVD)",
              abs(eigenvalue_moduli.max() - 2.0) < 1e-12 and true_norm - eigenvalue_moduli.max() > 8.0,
              f"ρ = {eigenvalue_moduli.max():.6f}, ‖W‖_s = {true_norm:.6f}")

symmetric_indefinite = np.array([[-3.0, 0.5], [0.5, 1.0]])
normal_norms, normal_rayleigh = eigen_iteration(mg.backend.asarray(symmetric_indefinite), start, 60)
print(f"[[−3, 0.5], [0.5, 1]]: ‖Wx‖ → {normal_norms[-1]:.6f}, xᵀWx → {normal_rayleigh:.6f}; "
      f"‖W‖_s = {host_spectral_norm(symmetric_indefinite):.6f}")
lesson.check_close("on the normal (symmetric, indefinite) W = [[−3, 0.5], [0.5, 1]] ‖Wx‖ → 1 + √4.25 = σ",
                   normal_norms[-1], 1.0 + math.sqrt(4.25), rtol=1e-12, kind="worked")
lesson.check_close("… the SVD agrees that σ = 1 + √4.25", host_spectral_norm(symmetric_indefinite),
                   1.0 + math.sqrt(4.25), rtol=1e-12, kind="worked")
lesson.check_close("… but its Rayleigh quotient xᵀWx → −(1 + √4.25), the eigenvalue, not σ", normal_rayleigh,
                   -(1.0 + math.sqrt(4.25)), rtol=1e-12, kind="worked")

B = host_rng.standard_normal((6, 6))
psd = mg.backend.asarray(B.T @ B)  # symmetric positive semi-definite
psd_norms, psd_rayleigh = eigen_iteration(psd, mg.backend.asarray(np.ones(6) / math.sqrt(6.0)), 300)
lesson.check_close("for a symmetric PSD W (BᵀB) the eigen-iteration is right: ‖Wx‖ → ‖W‖_s", psd_norms[-1],
                   host_spectral_norm(psd), rtol=1e-9, kind="worked")
lesson.check_close("… and so is the Rayleigh quotient xᵀWx", psd_rayleigh, host_spectral_norm(psd), rtol=1e-9,
                   kind="worked")

rectangular = mg.tensor(host_rng.standard_normal((64, 32)))
try:
    rectangular @ (rectangular @ mg.tensor(host_rng.standard_normal(32)))
    applied = True
except mg.ShapeError as error:
    applied = False
    print(f"x ↦ Wx/‖Wx‖ on a 64×32 W: {error}")
lesson.worked("on a non-square W the eigen-iteration cannot even take a second step (ShapeError)", not applied)

# %% [markdown]
# ## 3. Warm starts: one iteration per training step
#
# Freshly initialised layers have *no* spectral gap to speak of: for a random 64×64 Gaussian
# matrix σ₂/σ₁ is close to 1, and power iteration from a random vector needs dozens to hundreds
# of rounds. But a training step changes W only a little (Adam moves each weight by about the
# learning rate), so the u of the previous step is already close to the new top singular vector.
# Spectral normalisation therefore keeps u between steps and does just **one** round per step.
#
# A simulated training run: a 64×64 layer (PyTorch's default init), and 200 steps that each move
# every weight by about 3e-4 (a fixed drift plus noise, as an optimizer's steps look). At each
# step we count the iterations `mg.nn.power_iteration` needs until successive estimates differ by
# < 1e-6 (relative), from a random u (cold) and from the last step's u (warm), and how many a warm
# start needs for < 1e-4; and we run one more tracker that does exactly one iteration per step,
# compared with the SVD at every step.
#
# > **The source says** (Wikipedia, *Wasserstein GAN*) the iteration "can be further accelerated by
# > memoization": store the vector x*(t) of step t and start step t + 1 from it, since W barely
# > moves — **in fact** a small change of W moves its top singular vector only a little when
# > there is a gap σ₁ > σ₂ (the vector's sensitivity grows like ‖ΔW‖/(σ₁ − σ₂)). Without a gap it
# > can turn completely: W = diag(1 − δ, 1 + δ) → diag(1 + δ, 1 − δ) with δ = 10⁻³ moves W by 2δ,
# > and the top singular vector by 90°; the stored vector is then almost the *wrong* one, and each
# > round multiplies its small component along the new top vector by only ((1 + δ)/(1 − δ))² ≈
# > 1 + 4δ, so it stays nearly 90° off for hundreds of rounds (checked below). What rescues σ
# > itself is that with no gap the wrong vector's estimate is nearly right: within 2δ.

# %%
DELTA = 1e-3
before_crossing = np.diag([1.0 - DELTA, 1.0 + DELTA])
after_crossing = np.diag([1.0 + DELTA, 1.0 - DELTA])
stored = np.array([1e-3, 1.0]) / math.hypot(1e-3, 1.0)  # the last step's vector, ~e₂, a little off
crossing_sigmas, crossing_vectors, _ = power_iteration_written_out(mg.backend.asarray(after_crossing),
                                                                   mg.backend.asarray(stored), 100)
crossing_vectors = mg.backend.to_host(crossing_vectors)
turned = np.degrees(np.arccos(np.clip(np.abs(crossing_vectors[:, 0]), 0.0, 1.0)))  # angle to the new top e₁
print(f"W moved by {np.linalg.norm(after_crossing - before_crossing, 2):.0e}; after 1 and 100 warm rounds the "
      f"vector is {turned[0]:.2f}° and {turned[-1]:.2f}° from the new top singular vector")
lesson.identity("the source's memoization needs a gap: with σ₁ − σ₂ = 2δ = 0.002, W moves by 0.002 but after 100 "
                "warm rounds the stored vector is still > 45° from the new top singular vector",
                turned[-1] > 45.0, f"{turned[0]:.2f}° after 1 round, {turned[-1]:.2f}° after 100")
lesson.check_less("… while σ's estimate after one round is within 2δ of σ (no gap: the wrong vector's σ is close)",
                  abs(float(mg.backend.to_host(crossing_sigmas)[0]) - (1.0 + DELTA)), 2 * DELTA * (1 + 1e-9),
                  kind="identity")

# %%
steps = 200 if not lesson.full else 2000
weight = mg.nn.Linear(64, 64, dtype="float64").weight.data
drift = mg.backend.random_normal((64, 64), dtype="float64")
_, u_warm, _, _ = mg.nn.power_iteration(weight, tol=1e-6, max_iter=5000)
u_loose, u_one = u_warm, u_warm
cold_iterations, warm_iterations, loose_iterations, true_sigmas, one_iteration_sigmas = [], [], [], [], []
one_cold_iteration_sigmas = []  # the same budget without the warm start: one round from a random u
for _ in range(steps):
    weight = weight + 3e-4 * (0.5 * drift + 0.5 * mg.backend.random_normal((64, 64), dtype="float64"))
    _, _, _, cold = mg.nn.power_iteration(weight, tol=1e-6, max_iter=5000)
    _, u_warm, _, warm = mg.nn.power_iteration(weight, u=u_warm, tol=1e-6, max_iter=5000)
    _, u_loose, _, loose = mg.nn.power_iteration(weight, u=u_loose, tol=1e-4, max_iter=5000)
    loose_iterations.append(loose)
    sigma_one, _, u_one = power_iteration_written_out(weight, u_one, 1)  # one round, warm
    cold_iterations.append(cold)
    warm_iterations.append(warm)
    one_iteration_sigmas.append(float(sigma_one[0]))
    random_u = mg.backend.random_normal((64,), dtype="float64")
    sigma_cold, _, _ = power_iteration_written_out(weight, random_u / xp.linalg.norm(random_u), 1)
    one_cold_iteration_sigmas.append(float(sigma_cold[0]))
    true_sigmas.append(host_spectral_norm(weight))

cold_iterations, warm_iterations = np.array(cold_iterations), np.array(warm_iterations)
true_sigmas, one_iteration_sigmas = np.array(true_sigmas), np.array(one_iteration_sigmas)
tracking_error = np.abs(one_iteration_sigmas - true_sigmas) / true_sigmas
cold_error = np.abs(np.array(one_cold_iteration_sigmas) - true_sigmas) / true_sigmas
print(f"iterations to tolerance 1e-6 per step: cold {cold_iterations.mean():.1f} on average "
      f"(max {cold_iterations.max()}), warm {warm_iterations.mean():.1f} (max {warm_iterations.max()})")
print(f"σ over the run: {true_sigmas[0]:.4f} → {true_sigmas[-1]:.4f}; one warm iteration per step is off by "
      f"{100 * tracking_error.mean():.4f} % on average, {100 * tracking_error.max():.4f} % at worst; one cold "
      f"iteration per step is off by {100 * cold_error.mean():.1f} % on average")
print(f"a warm start to tolerance 1e-4 takes {np.mean(loose_iterations):.2f} iterations per step on average")
# σ changed by 4.8–10.9 % over seeds 0–9; the claim needs only that it moves.
lesson.check("σ really changes during the simulated run (by more than 2 %)",
             abs(true_sigmas[-1] / true_sigmas[0] - 1.0) > 0.02,
             f"{true_sigmas[0]:.3f} → {true_sigmas[-1]:.3f}")
lesson.check_less("warm starts need at most a fifth of the cold-start iterations (mean per step, tol 1e-6)",
                  5 * warm_iterations.mean(), cold_iterations.mean())
lesson.check_less("to tolerance 1e-4 a warm start needs about one iteration per step (mean ≤ 1.5)",
                  np.mean(loose_iterations), 1.5)
# Over seeds 0–9 the warm tracker's error was ≤ 0.02 % on average and ≤ 0.33 % at its worst step
# (a step where σ₁ and σ₂ of the random layer are close); the bounds below are five to six times
# that. The cold tracker, with the same single iteration per step, is the independent yardstick.
lesson.check_less("one warm iteration per step tracks σ to < 0.1 % on average over the run",
                  tracking_error.mean(), 0.001)
lesson.check_less("… and to < 2 % at every step", tracking_error.max(), 0.02)
lesson.check_less("one *cold* iteration per step (random u) is off by > 10 % on average: the warm start is "
                  "what makes one iteration enough", 0.10, cold_error.mean())

fig, axes = plt.subplots(1, 2, figsize=(11, 4))
axes[0].plot(cold_iterations, ".", ms=3, color="tab:red", label="cold start (random u)")
axes[0].plot(warm_iterations, ".", ms=3, color="tab:blue", label="warm start (last step's u)")
axes[0].plot(np.array(loose_iterations) * 0.93, ".", ms=3, color="tab:green",
             label="warm start, tol 1e-4 (drawn 7 % lower to be visible)")
axes[0].set_yscale("log")
axes[0].set_xlabel("training step")
axes[0].set_ylabel("iterations to reach the tolerance (1e-6 unless noted)")
axes[0].set_title("Power iterations needed per step")
axes[0].legend(fontsize=8)
axes[1].plot(true_sigmas, color="k", lw=2, label="σ(W) by SVD")
axes[1].plot(one_iteration_sigmas, "--", color="tab:orange", lw=1.5, label="one warm iteration per step")
axes[1].set_xlabel("training step")
axes[1].set_ylabel("σ(W)")
axes[1].set_title("Tracking σ with one iteration per step")
axes[1].legend(fontsize=8)
fig.tight_layout()
lesson.savefig(fig, "warm_starts")

# %% [markdown]
# ## 4. Spectrally normalised layers in a critic
#
# `mg.nn.spectral_norm(linear)` does all this inside a layer, as `torch.nn.utils.spectral_norm`:
# before each forward pass in training mode it advances u and v by one round from their last
# values and uses W/σ with σ = uᵀWv. The gradient flows through σ as well (u and v are held
# constant). `mg.nn.MLP(sizes, spectral_norm=True)` normalises every Linear.
#
# A WGAN critic with spectral normalisation, trained for a few hundred Adam steps (lr 1e-3) to
# separate the 8 Gaussians from a standard Gaussian. Then we look, with the SVD, at the weights
# W/σ that the layers actually apply. Two facts to expect:
#
# * they are *not* exactly 1: one warm round on the current W is not fully converged, and a
#   random 64×64 layer has σ₂ ≈ σ₁, where a single iteration converges slowly;
# * they are never *below* 1 (up to round-off): power iteration approaches σ from below, so
#   W/σ_estimate errs on the large side.
#
# So spectral normalisation makes the critic "≈ 1-Lipschitz", up to 10 % above per layer
# over seeds 0–9 (the hidden 64×64 layer is the worst); the bound ∏‖W̄ᵢ‖_s of the weights it
# applies still holds exactly for every pair of points. (To check that, the critic is put in
# evaluation mode first: every forward pass in training mode advances u and v, so D(x) and D(y)
# computed in two passes would come from two slightly different networks.)
#
# > **The source says** (Wikipedia, *Wasserstein GAN*) "W_i ← W_i/‖W_i‖_s after each update of the
# > discriminator, we can upper bound ‖W_i‖_s ≤ 1" — **in fact** spectral normalisation is not an
# > update-then-rescale step: Miyato et al. reparametrise instead of rescaling — the stored W is
# > never rescaled; every forward pass applies W/σ̂(W), and the gradient flows through σ̂ as well.
# > The rescale would be valid with the exact σ, but with the source's ρ, or any σ̂ ≤ σ, it gives
# > ‖W/σ̂‖_s ≥ 1, not ≤ 1 (checked below: never below 1, and above it on some layer).

# %%
critic = mg.nn.MLP([2, 64, 64, 1], activation="relu", spectral_norm=True)
optimizer = mg.optim.Adam(critic.parameters(), lr=1e-3, betas=(0.5, 0.9))
for _ in range(300 if not lesson.full else 3000):
    real = data.eight_gaussians(128)
    fake = mg.backend.random_normal((128, 2))
    loss = critic(mg.tensor(fake)).mean() - critic(real).mean()  # maximise E D(real) − E D(fake)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
critic(data.eight_gaussians(8))  # the forward of the next step: u, v take their round on the final W
critic.eval()  # from here on every forward pass applies these same W/σ̂ (no more rounds of u, v)

layers = [layer for layer in critic if isinstance(layer, mg.nn.Linear)]
normalized_norms = [host_spectral_norm(layer.weight.data) for layer in layers]  # W/σ as applied
raw_norms = [host_spectral_norm(layer.weight_orig.data) for layer in layers]
print("σ of the raw weights:       ", np.round(raw_norms, 4))
print("σ of the normalised weights:", np.round(normalized_norms, 6))
lesson.identity("every layer applies a weight with ‖W/σ̂‖_s ≥ 1 (up to 1e-5: σ̂ ≤ σ, estimated from below)",
                bool(np.all(np.array(normalized_norms) >= 1.0 - 1e-5)), str(np.round(normalized_norms, 5)))
lesson.check("… and ‖W/σ̂‖_s ≤ 1.25 on every layer", bool(np.all(np.array(normalized_norms) <= 1.25)),
             str(np.round(normalized_norms, 5)))
lesson.check("… and strictly above 1 on at least one layer (beyond 1e-6): σ̂ < σ, not the source's ‖W̄‖_s ≤ 1",
             max(normalized_norms) > 1.0 + 1e-6, f"largest ‖W/σ̂‖_s = {max(normalized_norms):.6f}")
bound = mg.nn.lipschitz_upper_bound(critic)
print(f"Lipschitz bound of the spectrally normalised critic: {bound:.4f}")
lesson.check_less("the critic's Lipschitz bound ∏‖W̄ᵢ‖_s is ≤ 1.3 (the unnormalised weights give "
                  f"{np.prod(raw_norms):.2f})", bound, 1.3)

with mg.no_grad():
    x = mg.tensor(host_rng.uniform(-3, 3, (2000, 2)), dtype="float32")
    y = mg.tensor(host_rng.uniform(-3, 3, (2000, 2)), dtype="float32")
    difference = mg.backend.to_host(mg.abs(critic(x) - critic(y)).data)[:, 0]
distance = np.linalg.norm(x.numpy() - y.numpy(), axis=1)
worst_ratio = (difference / distance).max()
print(f"max |D(x) − D(y)| / ‖x − y‖ over 2000 random pairs: {worst_ratio:.4f} (bound {bound:.4f})")
lesson.check_less("no random pair breaks |D(x) − D(y)| ≤ bound·‖x − y‖", worst_ratio, bound, kind="identity")

# %%
lesson.finish()
