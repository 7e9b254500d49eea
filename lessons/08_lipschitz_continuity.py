# %% [markdown]
# # Lesson 8 — Lipschitz continuity, and how to bound it for a neural network
#
# The Kantorovich–Rubinstein duality (lesson 7) writes W₁ as a maximum over **1-Lipschitz**
# critics. A function f is K-Lipschitz when
#
#     |f(x) − f(y)| ≤ K·‖x − y‖   for all x, y ∈ ℝⁿ,
#
# and its Lipschitz constant ‖f‖_L is the smallest such K. Picture it at one point x₀: the graph
# of f must stay inside the **double cone** |y − f(x₀)| ≤ K·|x − x₀| (a bow tie centred at
# (x₀, f(x₀)) with slopes ±K), and it must do so wherever along the graph the cone is placed.
# For a differentiable f, ‖f‖_L = sup_x ‖∇f(x)‖: the steepest slope anywhere.
#
# A WGAN needs its critic D to be K-Lipschitz for some fixed K.
#
# > **The source says** (the WGAN-GP Q&A) "It's not mandatory for a discriminator to obey a
# > Lipschitz constraint" — **in fact** for a WGAN *critic* it is: without a bound on the slope
# > the supremum of E_P D − E_Q D is +∞ whenever P ≠ Q (multiply any critic with a positive gap by
# > t: the gap is multiplied by t), so the critic's objective has no maximum to estimate (shown below
# > on a critic with its weights scaled up). A WGAN critic needs a constraint that makes the
# > supremum finite; the Lipschitz ball is the one that gives W₁.
#
# > **The sources say** (Weng, §6.3.1, and the WGAN-GP Q&A) f is K-Lipschitz if
# > |f(x₁) − f(x₂)| ≤ K|x₁ − x₂| "for all x₁, x₂ ∈ ℝ" — **in fact** a critic's input is a point of
# > ℝⁿ, and the definition is the one above with the Euclidean norm ‖x − y‖. Slopes along the
# > coordinate axes do not give the constant: f(x) = x₁ + x₂ changes by at most 1 per unit step along
# > either axis, yet ‖f‖_L = ‖∇f‖ = √2, reached along (1, 1)/√2 (checked below).
#
# For a multilayer perceptron
#
#     D(x) = W_L h(W_{L−1} ⋯ h(W_1 x + b_1) ⋯ + b_{L−1}) + b_L
#
# the chain rule gives the gradient as a product, ∇ₓD = W_1ᵀ H_1 W_2ᵀ H_2 ⋯ H_{L−1} W_Lᵀ, with
# H_i = diag(h′(aᵢ)) the slopes of the activation at the layer's pre-activations aᵢ. A norm of a
# product is at most the product of the norms, and ‖H_i‖_s = max|h′| ≤ 1 for tanh (h′ = 1 − tanh²
# ∈ (0, 1]) and for ReLU (wherever it is differentiable), so
#
#     ‖∇ₓD‖ ≤ ∏ᵢ ‖Wᵢ‖_s · ∏ᵢ ‖Hᵢ‖_s ≤ ∏ᵢ ‖Wᵢ‖_s     ⇒     ‖D‖_L ≤ ∏ᵢ ‖Wᵢ‖_s,
#
# where ‖W‖_s is the spectral norm (largest singular value) and the last step uses the mean value
# theorem: |D(x) − D(y)| ≤ sup‖∇D‖·‖x − y‖ (for ReLU, D is continuous and piecewise affine, so
# split the segment at the finitely many kinks and apply it on each piece). Biases do not
# appear. This bound is what weight clipping (lesson 9) and spectral normalisation (lesson 10)
# control. Below: the cone, the chain rule, the bound on random tanh networks, how loose it is,
# and seven loose statements of the sources about Lipschitz functions, each checked.

# %%
import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import minigan as mg
from minigan.lesson import Lesson

lesson = Lesson("08_lipschitz_continuity", "Lipschitz continuity and the product bound")
host_rng = mg.backend.rng()

# %% [markdown]
# ## 1. A Lipschitz function and its double cone
#
# f(x) = tanh(3x) + x/2 has f′(x) = 3(1 − tanh²(3x)) + 1/2, so ‖f‖_L = max|f′| = 3.5, reached at
# x = 0. We compute f′ with `mg.grad` on a fine grid, check the cone inequality on every pair of
# grid points, and check that K = 3.5 cannot be lowered: at K = 0.95·3.5 some pair breaks it.
#
# Not every continuous function is Lipschitz: g(x) = √|x| is continuous, but at x₀ = 0 its slope
# is unbounded, so no cone fits. For any K the point x = 1/(4K²) has g(x) = 1/(2K) > K·x = 1/(4K).
#
# > **The source says** (Lilian Weng, *From GAN to WGAN*, §6.3.1) "Functions that are everywhere
# > continuously differentiable is Lipschitz continuous" — **in fact** a C¹ function is Lipschitz
# > on every bounded closed interval (there |f′| has a maximum), and on all of ℝ exactly when f′ is
# > bounded, with ‖f‖_L = sup|f′|. The lesson's tanh(3x) + x/2 is C¹ with |f′| ≤ 3.5, so it is
# > 3.5-Lipschitz on all of ℝ; x² is C¹ too, but its slope 2x is unbounded: on [−R, R] it is
# > 2R-Lipschitz and no better, and on ℝ it is not Lipschitz at all — for every K the pair (2K, 0)
# > breaks |x² − y²| ≤ K·|x − y| (checked below).
#
# > **The source says** (the WGAN-GP Q&A, *What is Lipschitz constraint …*) "Lipschitz continuity
# > ensures that the derivative of f is less than or equal to K everywhere" — **in fact** only
# > where the derivative exists: |x| is 1-Lipschitz and has no derivative at 0 (its one-sided
# > slopes there are +1 and −1). A Lipschitz function is differentiable almost everywhere
# > (Rademacher's theorem), with |f′| ≤ K wherever it is (checked below).

# %%
def f(x):
    return mg.tanh(3.0 * x) + 0.5 * x


K_EXACT = 3.5
grid = np.linspace(-3.0, 3.0, 601)  # contains x = 0, where the slope peaks
x = mg.tensor(grid, requires_grad=True, dtype="float64")
values = f(x)
(slopes,) = mg.grad(values.sum(), x)  # each f(xᵢ) depends on xᵢ alone, so this is f′ at every point
slopes = slopes.numpy()
values = values.detach().numpy()
lesson.check_close("mg.grad gives f′(x) = 3(1 − tanh²(3x)) + 1/2 on the grid (max error)",
                   np.abs(slopes - (3.0 * (1.0 - np.tanh(3.0 * grid) ** 2) + 0.5)).max(), 0.0, atol=1e-12)
K = np.abs(slopes).max()
lesson.check_close("‖f‖_L = max|f′| = 3.5", K, K_EXACT, atol=1e-12, kind="worked")

pair_rises = np.abs(values[:, None] - values[None, :])
pair_runs = np.abs(grid[:, None] - grid[None, :])
lesson.identity("every pair of the 601 grid points satisfies |f(x) − f(y)| ≤ 3.5·|x − y|",
                bool(np.all(pair_rises <= K_EXACT * pair_runs + 1e-12)))
violations = int(np.sum(pair_rises > 0.95 * K_EXACT * pair_runs + 1e-12))
lesson.check("K cannot be lowered: with K = 0.95·3.5 some pairs break the inequality", violations > 0,
             f"{violations} ordered pairs break it")

escapes = [(K_try, 1.0 / (4.0 * K_try**2)) for K_try in (1.0, 10.0, 100.0)]
lesson.worked("√|x| is not Lipschitz: for K = 1, 10, 100 the point x = 1/(4K²) leaves the cone of slope K at 0",
              all(math.sqrt(x_escape) > K_try * x_escape for K_try, x_escape in escapes),
              "; ".join(f"K = {K_try:g}: √x = {math.sqrt(x_escape):.4g} > K·x = {K_try * x_escape:.4g}"
                        for K_try, x_escape in escapes))

lesson.worked("the source's slip: x² is C¹ but not K-Lipschitz on ℝ — for K = 1, 10, 100 the pair (2K, 0) "
              "breaks it", all((2.0 * K_try) ** 2 > K_try * 2.0 * K_try for K_try in (1.0, 10.0, 100.0)),
              "|x² − 0| = 4K² > K·|x − 0| = 2K²")
# On a bounded interval [−R, R] x² is Lipschitz, with constant exactly 2R: measured on all pairs
# of a grid (the largest slope, between neighbours at ±R, approaches 2R), for R = 1, 3, 10.
for R in (1.0, 3.0, 10.0):
    square_grid = mg.tensor(np.linspace(-R, R, 1201), dtype="float64")
    squares = (square_grid * square_grid).numpy()
    points = square_grid.numpy()
    rise = np.abs(squares[:, None] - squares[None, :])
    run = np.abs(points[:, None] - points[None, :])
    pair_slope = (rise[run > 0] / run[run > 0]).max()
    lesson.check_between(f"… yet on [−{R:g}, {R:g}] x² is Lipschitz with constant 2R = {2 * R:g}: the steepest "
                         "pair of 1201 grid points has slope within 0.2 % below 2R", pair_slope, 0.998 * 2 * R,
                         2 * R * (1 + 1e-12), kind="identity")

h = 1e-8
right_slope, left_slope = (abs(h) - abs(0.0)) / h, (abs(0.0) - abs(-h)) / h
lesson.worked("the source's slip: |x| is 1-Lipschitz, yet at 0 its one-sided slopes are +1 and −1: no "
              "derivative there to bound", right_slope == 1.0 and left_slope == -1.0,
              f"right {right_slope:g}, left {left_slope:g}")
absolute_grid = mg.tensor(np.linspace(-2.0, 2.0, 401)[np.abs(np.linspace(-2.0, 2.0, 401)) > 1e-12],
                          requires_grad=True, dtype="float64")
(absolute_slopes,) = mg.grad(mg.abs(absolute_grid).sum(), absolute_grid)
lesson.identity("… and |d|x|/dx| = 1 ≤ K = 1 wherever the derivative exists (mg.grad on 400 points x ≠ 0)",
                bool(np.all(np.abs(absolute_slopes.numpy()) == 1.0)))

# In ℝ², the norm is what counts: f(x) = x₁ + x₂ has slope 1 along each axis, but its Lipschitz
# constant is ‖∇f‖ = √2 (mg.grad), and a pair along (1, 1) attains it, so √2 cannot be lowered.
plane_point = mg.tensor(host_rng.standard_normal((1, 2)), requires_grad=True, dtype="float64")
(plane_gradient,) = mg.grad(plane_point.sum(), plane_point)
plane_pairs = host_rng.standard_normal((4000, 2)), host_rng.standard_normal((4000, 2))
plane_ratios = np.abs(plane_pairs[0].sum(axis=1) - plane_pairs[1].sum(axis=1)) / np.linalg.norm(
    plane_pairs[0] - plane_pairs[1], axis=1)
axis_slope = abs((1.0 + 0.0) - (0.0 + 0.0))  # f(e₁) − f(0), a unit step along x₁
lesson.identity("the sources' 1-D definition: f(x) = x₁ + x₂ moves by 1 per unit step along an axis, yet "
                "‖f‖_L = ‖∇f‖ = √2 (mg.grad), and 4000 random pairs come within 1 % of √2 without passing it",
                axis_slope == 1.0 and abs(np.linalg.norm(plane_gradient.numpy()) - math.sqrt(2.0)) < 1e-12
                and math.sqrt(2.0) * 0.99 <= plane_ratios.max() <= math.sqrt(2.0) * (1 + 1e-12),
                f"‖∇f‖ = {np.linalg.norm(plane_gradient.numpy()):.6f}, largest pair ratio {plane_ratios.max():.6f}")

# The figure shades the *forbidden* part of each double cone, |y − f(x₀)| > K·|x − x₀| (the
# vertical bow tie): a K-Lipschitz graph never enters it, wherever x₀ sits on the graph.
fig, axes = plt.subplots(1, 2, figsize=(12, 4.8))
ax = axes[0]
y_top, y_bottom = 3.5, -3.5
for x0 in (-1.8, 0.0, 1.5):
    y0 = math.tanh(3.0 * x0) + 0.5 * x0
    half_width = np.abs(np.linspace(y_bottom, y_top, 200) - y0) / K_EXACT  # |x − x₀| < |y − y₀|/K
    heights = np.linspace(y_bottom, y_top, 200)
    ax.fill_betweenx(heights, x0 - half_width, x0 + half_width, color="tab:red", alpha=0.25,
                     label="forbidden: |y − f(x₀)| > 3.5·|x − x₀|" if x0 == 0.0 else None)
    ax.plot([x0], [y0], "o", color="tab:red")
ax.plot(grid, values, "k", lw=2, label=r"f(x) = tanh(3x) + x/2,  $\Vert f\Vert_L$ = 3.5")
ax.set_ylim(y_bottom, y_top)
ax.set_xlabel("x")
ax.set_ylabel("f(x)")
ax.set_title("f never enters the forbidden cones (x₀ = −1.8, 0, 1.5)")
ax.legend(fontsize=8, loc="upper left")

ax = axes[1]
K_show = 2.0
zoom = np.linspace(-0.6, 0.6, 1201)
heights = np.linspace(-0.1, 0.9, 200)
ax.fill_betweenx(heights, -np.abs(heights) / K_show, np.abs(heights) / K_show, color="tab:red", alpha=0.25,
                 label="forbidden at x₀ = 0 for K = 2: |y| > 2|x|")
g_values = np.sqrt(np.abs(zoom))
inside = g_values <= K_show * np.abs(zoom)
ax.plot(np.where(inside, zoom, np.nan), np.where(inside, g_values, np.nan), "k", lw=2, label="g(x) = √|x|")
ax.plot(np.where(~inside, zoom, np.nan), np.where(~inside, g_values, np.nan), color="tab:red", lw=3,
        label="…inside the forbidden cone for |x| < 1/K² = 0.25")
ax.plot([0.0], [0.0], "o", color="tab:red")
ax.set_ylim(-0.1, 0.9)
ax.set_xlabel("x")
ax.set_ylabel("g(x)")
ax.set_title("√|x| enters the cone at 0 for every K (shown: K = 2)")
ax.legend(fontsize=8, loc="upper center")
fig.tight_layout()
lesson.savefig(fig, "double_cone")

# %% [markdown]
# ## 2. The chain rule, checked
#
# For a tanh MLP the gradient is the product W_1ᵀ H_1 W_2ᵀ ⋯ H_{L−1} W_Lᵀ with
# H_i = diag(1 − tanh²(aᵢ)). We rebuild that product by hand on the host from the network's
# weights and compare it with the engine's `mg.grad`, then check the two inequalities of the
# derivation at that point: ‖∇D‖ ≤ ∏‖Wᵢ‖_s·∏‖Hᵢ‖_s ≤ ∏‖Wᵢ‖_s.

# %%
network = mg.nn.MLP([2, 64, 64, 64, 1], activation="tanh", dtype="float64")
weights = [mg.backend.to_host(layer.weight.data) for layer in network if isinstance(layer, mg.nn.Linear)]
biases = [mg.backend.to_host(layer.bias.data) for layer in network if isinstance(layer, mg.nn.Linear)]

point = host_rng.standard_normal(2)
activation = point
slope_matrices = []
for W, b in zip(weights[:-1], biases[:-1]):
    pre_activation = W @ activation + b
    activation = np.tanh(pre_activation)
    slope_matrices.append(np.diag(1.0 - activation**2))  # H_i
jacobian = weights[-1]  # (1, 64): the chain rule, from the output back to the input
for W, H in zip(reversed(weights[:-1]), reversed(slope_matrices)):
    jacobian = jacobian @ H @ W
hand_gradient = jacobian[0]

x_point = mg.tensor(point[None, :], requires_grad=True, dtype="float64")
(engine_gradient,) = mg.grad(network(x_point).sum(), x_point)
engine_gradient = engine_gradient.numpy()[0]
print(f"∇D at x = {np.round(point, 3)}: by hand {hand_gradient}, by mg.grad {engine_gradient}")
lesson.check_close("the hand-built product W_L H_{L−1} ⋯ H_1 W_1 (= ∇Dᵀ) equals mg.grad's ∇D (max difference)",
                   np.abs(hand_gradient - engine_gradient).max(), 0.0, atol=1e-12)
spectral_norms = [np.linalg.norm(W, 2) for W in weights]
slope_norms = [np.abs(np.diag(H)).max() for H in slope_matrices]
gradient_norm = np.linalg.norm(hand_gradient)
with_slopes = np.prod(spectral_norms) * np.prod(slope_norms)
product_bound = np.prod(spectral_norms)
print(f"‖∇D‖ = {gradient_norm:.4f} ≤ ∏‖Wᵢ‖_s·∏‖Hᵢ‖_s = {with_slopes:.4f} ≤ ∏‖Wᵢ‖_s = {product_bound:.4f}")
lesson.identity("‖∇D(x)‖ ≤ ∏‖Wᵢ‖_s·∏ max|h′| ≤ ∏‖Wᵢ‖_s at this point (submultiplicativity, and |tanh′| ≤ 1)",
                gradient_norm <= with_slopes * (1 + 1e-12) and with_slopes <= product_bound * (1 + 1e-12),
                f"{gradient_norm:.4g} ≤ {with_slopes:.4g} ≤ {product_bound:.4g}")
lesson.check_close("mg.nn.lipschitz_upper_bound is that product (SVD of each weight)",
                   mg.nn.lipschitz_upper_bound(network), np.prod(spectral_norms), rtol=1e-10)

# Why a WGAN critic needs the bound (the Q&A's "not mandatory", answered): scale the last layer
# of this critic by t. Its gap E_P D − E_Q D between two samples is multiplied by t, and so is its
# Lipschitz bound: without a cap on the slope, the critic's objective has no maximum.
sample_p = mg.tensor(host_rng.standard_normal((512, 2)), dtype="float64")
sample_q = mg.tensor(1.0 + host_rng.standard_normal((512, 2)), dtype="float64")
last_layer = [layer for layer in network if isinstance(layer, mg.nn.Linear)][-1]
saved_last = (last_layer.weight.data.copy(), last_layer.bias.data.copy())
gaps, scaled_bounds = [], []
for t in (1.0, 10.0, 100.0):
    last_layer.weight.data[...] = t * saved_last[0]
    last_layer.bias.data[...] = t * saved_last[1]
    with mg.no_grad():
        gaps.append(abs((network(sample_p).mean() - network(sample_q).mean()).item()))
    scaled_bounds.append(mg.nn.lipschitz_upper_bound(network))
last_layer.weight.data[...], last_layer.bias.data[...] = saved_last
lesson.worked("the Q&A's slip: a WGAN critic must be Lipschitz — its last layer ×t (t = 1, 10, 100) multiplies "
              "its gap |E_P D − E_Q D| by t, without limit (and its Lipschitz bound with it)",
              abs(gaps[1] / gaps[0] - 10.0) < 1e-6 and abs(gaps[2] / gaps[0] - 100.0) < 1e-6,
              "gaps " + ", ".join(f"{g:.4g}" for g in gaps) + "; bounds " +
              ", ".join(f"{b:.4g}" for b in scaled_bounds))

# %% [markdown]
# > **The source says** (Wikipedia, *Wasserstein GAN*, "Upper-bounding the Lipschitz norm")
# > ‖D‖_L ≤ sup_x ‖diag(h′(Wₙxₙ₋₁))·Wₙ ⋯ diag(h′(W₁x))·W₁‖_F, with the Frobenius norm, and then
# > explains the symbol as ‖·‖_s, the operator norm — **in fact** the derivation needs ‖·‖_s
# > throughout: its next step, ‖diag(h′)‖ = max_j |h′_j| ≤ 1, is true of the spectral norm only.
# > The Frobenius norm of diag(h′) is √(Σ_j h′_j²), up to √(width) (checked below at the point
# > above). The product of Frobenius norms is still an upper bound (‖W‖_s ≤ ‖W‖_F), just a looser one.
#
# > **The source says** (both Wikipedia texts) ‖diag(h′(Wᵢxᵢ₋₁))‖_s = max_j |h′(Wᵢx_{i−1,j})| —
# > **in fact** the index belongs outside the product: max_j |h′((Wᵢxᵢ₋₁)_j)|, the j-th entry of
# > the pre-activation vector aᵢ = Wᵢxᵢ₋₁ (Wᵢ times the scalar x_{i−1,j} is a vector, not an entry).
# > The spectral norm of a diagonal matrix is its largest entry in absolute value (checked below).

# %%
frobenius_of_slopes = [np.linalg.norm(H, "fro") for H in slope_matrices]
lesson.identity("the source's index slip: ‖diag(h′(aᵢ))‖_s = max_j |h′((aᵢ)_j)| with aᵢ = Wᵢxᵢ₋₁, at every layer "
                "(SVD of Hᵢ vs its largest entry)",
                all(abs(np.linalg.norm(H, 2) - np.abs(np.diag(H)).max()) < 1e-12 for H in slope_matrices))
print("‖Hᵢ‖_s = " + ", ".join(f"{v:.3f}" for v in slope_norms) + ";  ‖Hᵢ‖_F = "
      + ", ".join(f"{v:.3f}" for v in frobenius_of_slopes))
lesson.identity("‖diag(h′)‖_s = max|tanh′| ≤ 1 at every layer", max(slope_norms) <= 1.0,
                f"max ‖Hᵢ‖_s {max(slope_norms):.3f}")
lesson.check("the source's slip: ‖diag(h′)‖ ≤ 1 fails for ‖·‖_F at every layer of this 64-wide network",
             min(frobenius_of_slopes) > 1.0, f"min ‖Hᵢ‖_F {min(frobenius_of_slopes):.3f}")
frobenius_product = np.prod([np.linalg.norm(W, "fro") for W in weights])
lesson.check_less("… and ∏‖Wᵢ‖_F is a valid but looser bound than ∏‖Wᵢ‖_s", product_bound, frobenius_product,
                  kind="identity")

# %% [markdown]
# ## 3. The bound on random tanh networks, and how loose it is
#
# For several random tanh MLPs — PyTorch's default initialisation, and the same networks with
# every weight and bias ×4 — we compare three numbers:
#
# * the **upper bound** ∏‖Wᵢ‖_s (`mg.nn.lipschitz_upper_bound`);
# * a **lower bound**: the largest ‖∇ₓD‖ that gradient ascent on ‖∇ₓD‖ finds from 256 starting
#   points (`mg.nn.lipschitz_lower_bound`) — the true ‖D‖_L is at least this;
# * the largest ratio |D(x) − D(y)| / ‖x − y‖ over 4000 random pairs: another lower bound on
#   ‖D‖_L, so it can never exceed the upper bound (random pairs seldom line up with the steepest
#   direction, so it usually falls below the gradient-ascent bound too).
#
# The true constant lies in [lower, upper]; the product bound is loose by at most upper/lower
# (the ascent's lower bound may itself be low). The gap is the price
# of the two relaxations in the derivation: the top singular directions of consecutive layers
# need not line up, and the activations' slopes are not all 1 at the same point.

# %%
configurations = [([2, 16, 1], 1.0), ([2, 64, 64, 1], 1.0), ([2, 64, 64, 64, 1], 1.0),
                  ([8, 128, 128, 128, 128, 1], 1.0), ([2, 16, 1], 4.0), ([2, 64, 64, 1], 4.0),
                  ([2, 64, 64, 64, 1], 4.0), ([8, 128, 128, 128, 128, 1], 4.0)]
if lesson.full:
    configurations += [([2, 512, 512, 512, 1], 1.0), ([2, 512, 512, 512, 1], 4.0)]
pair_count = 4000 if not lesson.full else 40000
results = []
initial_networks = {}  # one draw per architecture: the ×4 rows rescale the ×1 row's network
for sizes, scale in configurations:
    if tuple(sizes) not in initial_networks:
        drawn = mg.nn.MLP(sizes, activation="tanh", dtype="float64")
        initial_networks[tuple(sizes)] = (drawn, [parameter.data.copy() for parameter in drawn.parameters()])
    mlp, initial = initial_networks[tuple(sizes)]
    for parameter, value in zip(mlp.parameters(), initial):
        parameter.data[...] = value * scale
    upper = mg.nn.lipschitz_upper_bound(mlp)
    starts = mg.tensor(2.0 * host_rng.standard_normal((256, sizes[0])))
    lower = mg.nn.lipschitz_lower_bound(mlp, starts)
    a = 2.0 * host_rng.standard_normal((pair_count, sizes[0]))
    b = 2.0 * host_rng.standard_normal((pair_count, sizes[0]))
    with mg.no_grad():
        rises = np.abs(mlp(mg.tensor(a)).numpy() - mlp(mg.tensor(b)).numpy())[:, 0]
    pair_max = (rises / np.linalg.norm(a - b, axis=1)).max()
    results.append((sizes, scale, upper, lower, pair_max))

print(f"{'network':>28} {'scale':>5} {'upper ∏‖W‖_s':>13} {'lower max‖∇D‖':>14} {'pairs max':>10} "
      f"{'upper/lower':>11}")
for sizes, scale, upper, lower, pair_max in results:
    print(f"{str(sizes):>28} {scale:5.0f} {upper:13.4g} {lower:14.4g} {pair_max:10.4g} {upper / lower:11.1f}")

lesson.identity("on every network, no random pair breaks |D(x) − D(y)| ≤ ∏‖Wᵢ‖_s·‖x − y‖",
                all(pair_max <= upper for _, _, upper, _, pair_max in results))
lesson.identity("on every network, the lower bound found by gradient ascent is below the product bound",
                all(lower <= upper for _, _, upper, lower, _ in results))
deep = [upper / lower for sizes, _, upper, lower, _ in results if len(sizes) >= 6]
lesson.check("for the 4-hidden-layer networks the product bound is ≥ 10× the largest gradient found",
             min(deep) >= 10.0, "upper/lower = " + ", ".join(f"{r:.0f}" for r in deep))
by_scale = {scale: [upper / lower for s, sc, upper, lower, _ in results if sc == scale and len(s) >= 5]
            for scale in (1.0, 4.0)}
# Over seeds 0–9 scaling a network ×4 raised upper/lower 1.65–3.9× for the 3-hidden-layer network and
# 3.3–6.6× for the 4-hidden-layer one (one draw of each network per seed); the thresholds sit below.
looser = [big / small for small, big in zip(by_scale[1.0], by_scale[4.0])]
lesson.check("with ×4 weights (saturating tanh) upper/lower is larger than at initialisation: ≥ 1.2× for the "
             "3-hidden-layer network, ≥ 2× for the 4-hidden-layer one",
             looser[0] >= 1.2 and looser[1] >= 2.0,
             "×1: " + ", ".join(f"{r:.0f}" for r in by_scale[1.0]) + "; ×4: " +
             ", ".join(f"{r:.0f}" for r in by_scale[4.0]) + "; ratios " + ", ".join(f"{r:.2f}" for r in looser))

fig, ax = plt.subplots(figsize=(10, 4.5))
labels = [f"{sizes[0]}→{sizes[1]}·{len(sizes) - 2}→1\nweights ×{scale:g}" for sizes, scale, *_ in results]
positions = np.arange(len(results))
ax.bar(positions - 0.27, [r[2] for r in results], width=0.27, color="tab:red",
       label=r"upper bound ∏ᵢ $\Vert W_i\Vert_s$")
ax.bar(positions, [r[3] for r in results], width=0.27, color="tab:blue", label="lower bound: max ‖∇D‖ found")
ax.bar(positions + 0.27, [r[4] for r in results], width=0.27, color="tab:gray",
       label="max |D(x) − D(y)|/‖x − y‖ over random pairs")
for position, (_, _, upper, lower, _) in zip(positions, results):
    ax.text(position, upper * 1.3, f"{upper / lower:.0f}×", ha="center", fontsize=8)
ax.set_yscale("log")
ax.set_xticks(positions)
ax.set_xticklabels(labels, fontsize=8)
ax.set_xlabel("tanh MLP: inputs → width·(number of hidden layers) → 1, and the weights' scale")
ax.set_ylabel("Lipschitz constant (log scale)")
ax.set_title("The product bound holds; it is loose by at most upper / lower (the numbers)")
ax.set_ylim(top=max(r[2] for r in results) * 8)
ax.legend(fontsize=8, loc="upper left")
lesson.savefig(fig, "bounds_on_random_networks")

# %% [markdown]
# ## 4. The generator's gradient: bounded above, not below
#
# > **The source says** (the WGAN-GP Q&A, *What is Lipschitz constraint …*) "since
# > back-propagation works backwards, enforcing a maximum gradient (Lipschitz continuity) on the
# > discriminator in the forward direction causes it to have a minimum gradient in the backward
# > direction", and a comment explains "dx/dy is inverse of dy/dx" — **in fact** backpropagation
# > multiplies by the same Jacobian, transposed, never by its inverse. For a generator x = G_θ(z),
# > ∇_θ D(G_θ(z)) = J_G(θ)ᵀ·∇ₓD(x), so ‖∇ₓD‖ ≤ K caps the generator's gradient from *above*
# > (by K·‖J_G‖_s) and sets no minimum: the critic D/(100·∏‖Wᵢ‖_s) is 1-Lipschitz, and its gradient
# > is tiny (checked below). What gives a WGAN generator a useful gradient is that the *optimal*
# > 1-Lipschitz critic has slope 1 where mass has to move (lesson 7), not the constraint itself.
#
# The check: a linear generator x = Aθ + z, θ ∈ ℝ², A = [[2, 1], [0, 0.5]], with the tanh critic
# of section 2.

# %%
A = np.array([[2.0, 1.0], [0.0, 0.5]])  # far from orthogonal, so Aᵀ and A⁻¹ differ plainly
theta = mg.tensor(host_rng.standard_normal(2), requires_grad=True, dtype="float64")
z = mg.tensor(host_rng.standard_normal(2), dtype="float64")
generated = (mg.tensor(A) @ theta + z).reshape(1, 2)
(generator_gradient,) = mg.grad(network(generated).sum(), theta)
at_generated = mg.tensor(generated.detach().numpy(), requires_grad=True, dtype="float64")
(critic_gradient,) = mg.grad(network(at_generated).sum(), at_generated)
forward = critic_gradient.numpy()[0]
lesson.check_close("the source's slip: backprop gives ∇_θ D = Aᵀ·∇ₓD — the forward gradient times the same "
                   "Jacobian (max difference)", np.abs(generator_gradient.numpy() - A.T @ forward).max(), 0.0,
                   atol=1e-12)
inverse_gap = np.linalg.norm(generator_gradient.numpy() - np.linalg.inv(A) @ forward)
# For every nonzero g, ‖(Aᵀ − A⁻¹)g‖ ≥ σ_min(Aᵀ − A⁻¹)·‖g‖ = 1.803‖g‖ (both singular values are
# √3.25) and ‖Aᵀg‖ ≤ ‖A‖_s·‖g‖ = 2.25‖g‖, so "more than half" holds whatever ∇ₓD is.
lesson.identity("… not its inverse: A⁻¹·∇ₓD is off by more than half the gradient's size (for any nonzero "
                "∇ₓD: σ_min(Aᵀ − A⁻¹) = √3.25 ≈ 1.80 > ½‖A‖_s ≈ 1.12)",
                inverse_gap > 0.5 * np.linalg.norm(generator_gradient.numpy()),
                f"Aᵀ∇D = {np.round(A.T @ forward, 4)}, A⁻¹∇D = {np.round(np.linalg.inv(A) @ forward, 4)}")
scale = 1.0 / (100.0 * mg.nn.lipschitz_upper_bound(network))
generated = (mg.tensor(A) @ theta + z).reshape(1, 2)  # the first grad freed the graph: a fresh forward pass
(small_gradient,) = mg.grad((scale * network(generated)).sum(), theta)
small_norm = float(np.linalg.norm(small_gradient.numpy()))
lesson.check_less("a 1-Lipschitz critic (D scaled by 1/(100·∏‖Wᵢ‖_s)) gives the generator a gradient ≤ "
                  "‖A‖_s/100: the constraint sets a maximum, no minimum", small_norm,
                  np.linalg.norm(A, 2) / 100.0 * (1 + 1e-12), kind="identity")

# %%
lesson.finish()
