# %% [markdown]
# # Lesson 1 — KL and JS: two ways to say how far apart two distributions are
#
# A GAN learns a distribution P_g that should match the data's P_r, so we need a number for
# "how different are P_r and P_g". Two classic ones:
#
# * **Kullback–Leibler divergence**  KL(p‖q) = ∫ p(x) ln(p(x)/q(x)) dx.
#   It is ≥ 0, zero only when p = q, and **not symmetric**: KL(p‖q) ≠ KL(q‖p) in general.
#   It is infinite as soon as p puts mass where q has none.
# * **Jensen–Shannon divergence**  JS(p‖q) = ½ KL(p‖m) + ½ KL(q‖m) with the mixture m = (p + q)/2.
#   It is symmetric and always finite: 0 ≤ JS ≤ ln 2 nats (natural log), which is 1 bit
#   (log base 2).
#
# > **The source says** (Weng, "From GAN to WGAN", §2) that JS is "bounded by [0, 1]" — **in fact**
# > that is the bound in bits; in nats, the natural logs the GAN game of lesson 2 uses, the
# > ceiling is ln 2 ≈ 0.693 (checked below, both ways).
#
# The classic example is p = N(0, 1) and q = N(1, 1). With equal variances KL reduces to
# (μ₁ − μ₂)²/(2σ²) = 0.5 nats *in both directions* — a coincidence of equal spreads, not a
# property of KL, as N(0, 1) versus N(1, 2²) shows.
#
# Every number below is computed two ways (a closed form or a second method, and numerical
# quadrature) and checked.

# %%
import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from scipy import integrate, stats
from scipy.spatial.distance import jensenshannon

import minigan as mg
from minigan import distances
from minigan.lesson import Lesson

TITLE = "KL and JS divergences"
lesson = Lesson("01_kl_and_js", TITLE)
LN2 = math.log(2.0)

# %% [markdown]
# ## KL between two unit Gaussians: 0.5 both ways
#
# Closed form: KL(N(μ₁, σ₁²)‖N(μ₂, σ₂²)) = ln(σ₂/σ₁) + (σ₁² + (μ₁ − μ₂)²)/(2σ₂²) − ½.
# Quadrature integrates p·ln(p/q) over the real line (scipy's `quad`, through
# `distances.kl_density`, using log-densities so the tails don't underflow).

# %%
p = stats.norm(0.0, 1.0)
q = stats.norm(1.0, 1.0)

kl_pq_closed = distances.kl_gaussian(0.0, 1.0, 1.0, 1.0)
kl_qp_closed = distances.kl_gaussian(1.0, 1.0, 0.0, 1.0)
kl_pq_quad = distances.kl_density(p, q, -math.inf, math.inf)
kl_qp_quad = distances.kl_density(q, p, -math.inf, math.inf)
print(f"KL(p‖q): closed form {kl_pq_closed:.12f}, quadrature {kl_pq_quad:.12f}")
print(f"KL(q‖p): closed form {kl_qp_closed:.12f}, quadrature {kl_qp_quad:.12f}")

lesson.check_close("KL(N(0,1)‖N(1,1)) = 0.5 nats (closed form)", kl_pq_closed, 0.5, atol=1e-15)
lesson.check_close("KL(N(1,1)‖N(0,1)) = 0.5 nats (closed form)", kl_qp_closed, 0.5, atol=1e-15)
lesson.check_close("quadrature agrees: KL(p‖q) = 0.5", kl_pq_quad, 0.5, atol=1e-8)
lesson.check_close("quadrature agrees: KL(q‖p) = 0.5", kl_qp_quad, 0.5, atol=1e-8)

# %% [markdown]
# KL is an expectation, KL(p‖q) = E_{x~p}[ln p(x) − ln q(x)], so it can also be estimated from
# samples — the form in which GAN losses meet it. Here with minigan tensors (on whichever backend
# is active; the result comes back to the host with `.item()`): for these two Gaussians
# ln p(x) − ln q(x) = ½ − x, so the estimate's standard error is 1/√n.

# %%
n_samples = 200_000 if lesson.full else 20_000
x = mg.tensor(mg.backend.random_normal((n_samples,), dtype="float64"))
log_ratio = -0.5 * x * x + 0.5 * (x - 1.0) * (x - 1.0)  # ln p(x) − ln q(x); the normalisers cancel
kl_monte_carlo = log_ratio.mean().item()
standard_error = 1.0 / math.sqrt(n_samples)
print(f"Monte Carlo KL(p‖q) from {n_samples} samples: {kl_monte_carlo:.4f} ± {standard_error:.4f}")
lesson.check_close("Monte Carlo KL(p‖q) within 4 standard errors of 0.5", kl_monte_carlo, 0.5,
                   atol=4 * standard_error)

# %% [markdown]
# ## KL is not symmetric in general
#
# Change only the spread of q: p = N(0, 1), q = N(1, 2²).
# KL(p‖q) = ln 2 + 2/8 − ½ ≈ 0.443 but KL(q‖p) = −ln 2 + 5/2 − ½ ≈ 1.307: asking "how badly does q
# explain samples of p" is a different question from "how badly does p explain samples of q".

# %%
wide_q = stats.norm(1.0, 2.0)
kl_p_wide = distances.kl_density(p, wide_q, -math.inf, math.inf)
kl_wide_p = distances.kl_density(wide_q, p, -math.inf, math.inf)
print(f"KL(N(0,1)‖N(1,4)) = {kl_p_wide:.6f},  KL(N(1,4)‖N(0,1)) = {kl_wide_p:.6f}")
lesson.check_close("KL(N(0,1)‖N(1,2²)) = ln 2 + 1/4 − 1/2 ≈ 0.443", kl_p_wide, LN2 - 0.25, atol=1e-8)
lesson.check_close("KL(N(1,2²)‖N(0,1)) = −ln 2 + 2 ≈ 1.307", kl_wide_p, 2.0 - LN2, atol=1e-8)
lesson.check("KL is asymmetric for this pair (the two directions differ by > 0.8 nats)",
             abs(kl_wide_p - kl_p_wide) > 0.8, f"difference {abs(kl_wide_p - kl_p_wide):.3f}")

# %% [markdown]
# ## JS: symmetric and bounded
#
# JS of N(0, 1) and N(1, 1) has no closed form; quadrature gives it (`distances.js_density`
# integrates ½ p ln(2p/(p + q)) + ½ q ln(2q/(p + q))). A second, independent route: JS is also
# an entropy difference, JS(p‖q) = H(m) − ½ H(p) − ½ H(q), where a unit Gaussian's entropy has the
# closed form H = ½ ln(2πe) and only H(m) = −∫ m ln m needs quadrature. The two routes share no
# code, so their agreement (to about 1e-12, the quadrature's accuracy) checks both. We check
# symmetry, the bound ln 2, and the same value in bits (divide by ln 2), where the bound is 1. The
# bound is reached exactly when the supports are disjoint — two histograms with no bin in common.

# %%
GAUSSIAN_ENTROPY = 0.5 * math.log(2 * math.pi * math.e)  # H(N(μ, 1)) in nats, for every μ


def js_by_entropies(mu: float) -> float:
    """JS(N(0,1)‖N(μ,1)) = H(m) − ½H(p) − ½H(q) = H(m) − ½ ln(2πe), with H(m) by scipy's quad."""

    def minus_m_ln_m(x: float) -> float:
        m = 0.5 * (stats.norm.pdf(x) + stats.norm.pdf(x, mu))
        return -m * math.log(m) if m > 0 else 0.0

    mixture_entropy, _ = integrate.quad(minus_m_ln_m, -40.0, 40.0 + mu, points=[0.0, mu], limit=400,
                                        epsabs=1e-13, epsrel=1e-12)
    return mixture_entropy - GAUSSIAN_ENTROPY


js_pq = distances.js_density(p, q, -30.0, 31.0)
js_qp = distances.js_density(q, p, -30.0, 31.0)
js_pq_bits = distances.js_density(p, q, -30.0, 31.0, base=2)
js_pq_entropies = js_by_entropies(1.0)
print(f"JS(p‖q) = {js_pq:.12f} nats = {js_pq_bits:.6f} bits;  JS(q‖p) = {js_qp:.12f} nats;  ln 2 = {LN2:.6f}")
print(f"JS(p‖q) as H(m) − ½ ln(2πe) = {js_pq_entropies:.12f} nats")
lesson.check_close("JS is symmetric: JS(p‖q) = JS(q‖p)", js_pq, js_qp, atol=1e-10)
lesson.check_close("quadrature of the JS integrand = entropy route H(m) − ½ ln(2πe) (to 1e-11)", js_pq,
                   js_pq_entropies, atol=1e-11)
lesson.check_between("0 < JS(N(0,1)‖N(1,1)) ≤ ln 2 nats (the entropy route's value)", js_pq_entropies, 1e-3, LN2)
lesson.check_close("in bits the same JS is the entropy route's value divided by ln 2", js_pq_bits,
                   js_pq_entropies / LN2, atol=1e-11)
lesson.check_between("in bits, 0 < JS ≤ 1 (the source's bound holds in bits)", js_pq_bits, 1e-3, 1.0)
lesson.check_less("JS is far smaller than KL for this overlapping pair", js_pq, kl_pq_closed)

disjoint_p = np.array([0.5, 0.5, 0.0, 0.0])
disjoint_q = np.array([0.0, 0.0, 0.25, 0.75])
# SciPy's jensenshannon returns the square root of JS (a metric): square it for the divergence.
scipy_js_disjoint = jensenshannon(disjoint_p, disjoint_q) ** 2
lesson.check_close("disjoint supports: JS = ln 2 nats exactly", distances.js(disjoint_p, disjoint_q), LN2,
                   atol=1e-15)
lesson.check_close("…and SciPy's jensenshannon² agrees", scipy_js_disjoint, LN2, atol=1e-12)
lesson.check_close("disjoint supports: JS = 1 bit", distances.js(disjoint_p, disjoint_q, base=2), 1.0, atol=1e-15)
lesson.check_close("disjoint supports: KL = +∞", distances.kl(disjoint_p, disjoint_q), math.inf)

# %% [markdown]
# JS saturates: move q = N(μ, 1) away from p and JS climbs towards ln 2 and stays there, while KL
# = μ²/2 keeps growing. A flat divergence gives a generator no signal about *which way* to move —
# the theme of lessons 4 and 6.

# %%
shifts = np.array([0.0, 0.5, 1.0, 2.0, 4.0, 8.0])
js_by_shift = np.array([distances.js_density(p, stats.norm(mu, 1.0), -40.0, 40.0 + mu) for mu in shifts])
js_by_shift_entropies = np.array([js_by_entropies(mu) for mu in shifts])
for mu, value, other in zip(shifts, js_by_shift, js_by_shift_entropies):
    print(f"  μ = {mu:3.1f}:  JS = {value:.6f} nats (entropy route {other:.6f})   KL = {mu * mu / 2:6.3f} nats")
route_gap = np.abs(js_by_shift - js_by_shift_entropies).max()
lesson.check_less("both routes agree at every shift (to 1e-11)", route_gap, 1e-11)
lesson.check("JS grows with the shift (entropy route)", bool(np.all(np.diff(js_by_shift_entropies) > 0)),
             str(np.round(js_by_shift_entropies, 6).tolist()))
lesson.check_less("…and never exceeds ln 2 (entropy route, largest value)", js_by_shift_entropies.max(), LN2)
lesson.check_close("at μ = 8 JS is within 1e-4 of its ceiling ln 2", js_by_shift_entropies[-1], LN2, atol=1e-4)

# %% [markdown]
# ## The picture: p, q and the mixture m
#
# JS compares each distribution with their average m = (p + q)/2, which is positive wherever
# either one is — that is why JS can never be infinite.

# %%
grid = np.linspace(-4.0, 5.0, 600)
figure, (left, right) = plt.subplots(1, 2, figsize=(12, 4.2))
left.plot(grid, p.pdf(grid), label="p = N(0, 1)", lw=2)
left.plot(grid, q.pdf(grid), label="q = N(1, 1)", lw=2)
left.plot(grid, 0.5 * (p.pdf(grid) + q.pdf(grid)), "k--", label="m = (p + q)/2", lw=2)
left.set_title(f"KL(p‖q) = KL(q‖p) = 0.5,   JS = {js_pq:.4f} nats = {js_pq_bits:.4f} bits")
left.set_xlabel("x")
left.set_ylabel("density")
left.legend()
left.grid(alpha=0.3)
right.plot(shifts, js_by_shift, "o-", label="JS(N(0,1)‖N(μ,1))")
right.plot(shifts, shifts**2 / 2, "s-", label="KL(N(0,1)‖N(μ,1)) = μ²/2")
right.axhline(LN2, color="gray", ls=":", label="ln 2 (JS ceiling, nats)")
right.set_yscale("symlog", linthresh=0.1)
right.set_ylim(0.0, 60.0)  # divergences are ≥ 0: no negative half of the symlog axis
right.set_title("JS saturates at ln 2; KL keeps growing")
right.set_xlabel("shift μ of q")
right.set_ylabel("divergence (nats, symlog scale)")
right.legend()
right.grid(alpha=0.3)
lesson.savefig(figure, "p_q_and_mixture")

# %%
lesson.finish()
