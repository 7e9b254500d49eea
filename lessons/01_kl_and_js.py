# %% [markdown]
# # Lesson 1 — KL and JS: two ways to say how far apart two distributions are
#
# A GAN learns a distribution P_g that should match the data's P_r, so we need a number for
# "how different are P_r and P_g". Two classic ones:
#
# * **Kullback–Leibler divergence**  KL(p‖q) = ∫ p(x) ln(p(x)/q(x)) dx.
#   It is ≥ 0, zero only when p = q (almost everywhere), and **not symmetric**: KL(p‖q) ≠ KL(q‖p) in general.
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
# Every number in the first half is computed two ways (a closed form or a second method, and
# numerical quadrature) and checked.
#
# The second half puts KL and JS into one family, the f-divergences, whose variational form is the
# f-GAN — the GAN of lesson 2 is its JS member — and shows what KL's asymmetry does when a model is
# fitted: maximum likelihood minimises the forward KL and covers every mode of the data; the
# reverse KL seeks one mode and ignores the rest.

# %%
import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from scipy import integrate, special, stats
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

lesson.check_close("KL(N(0,1)‖N(1,1)) = 0.5 nats (closed form)", kl_pq_closed, 0.5, atol=1e-15, kind="worked")
lesson.check_close("KL(N(1,1)‖N(0,1)) = 0.5 nats (closed form)", kl_qp_closed, 0.5, atol=1e-15, kind="worked")
lesson.check_close("quadrature agrees: KL(p‖q) = 0.5", kl_pq_quad, 0.5, atol=1e-8)
lesson.check_close("quadrature agrees: KL(q‖p) = 0.5", kl_qp_quad, 0.5, atol=1e-8)

# %% [markdown]
# KL is an expectation, KL(p‖q) = E[ln p(x) − ln q(x)] over x ~ p, so it can also be estimated from
# samples — the form in which GAN losses meet it. Here with minigan tensors (on whichever backend
# is active; the result comes back to the host with `.item()`): for these two Gaussians
# ln p(x) − ln q(x) = ½ − x, so the estimate's standard error is 1/√n. The check allows 4 standard
# errors; on seeds 0–9 the estimate stayed within 2.

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
lesson.worked("KL is asymmetric for this pair (the two directions differ by > 0.8 nats; follows from the two "
              "values above)", abs(kl_wide_p - kl_p_wide) > 0.8, f"difference {abs(kl_wide_p - kl_p_wide):.3f}")

# %% [markdown]
# ## JS: symmetric and bounded
#
# JS of N(0, 1) and N(1, 1) has no closed form; quadrature gives it (`distances.js_density`
# integrates ½ p ln(2p/(p + q)) + ½ q ln(2q/(p + q))). A second, independent route: JS is also
# an entropy difference, JS(p‖q) = H(m) − ½ H(p) − ½ H(q), where a unit Gaussian's entropy has the
# closed form H = ½ ln(2πe) and only H(m) = −∫ m ln m needs quadrature. The two routes share no
# code, so their agreement (to about 1e-12, the quadrature's accuracy) checks both. We check
# symmetry, the bound ln 2, and the same value in bits (divide by ln 2), where the bound is 1. The
# bound is reached exactly when p and q never overlap, p·q = 0 almost everywhere (mutually singular) —
# for histograms, no bin in common.

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
lesson.check_between("0 < JS(N(0,1)‖N(1,1)) ≤ ln 2 nats (the entropy route's value)", js_pq_entropies, 1e-3, LN2,
                     kind="identity")
lesson.check_close("in bits the same JS is the entropy route's value divided by ln 2", js_pq_bits,
                   js_pq_entropies / LN2, atol=1e-11)
lesson.check_between("in bits, 0 < JS ≤ 1 (the source's bound holds in bits)", js_pq_bits, 1e-3, 1.0,
                     kind="identity")
# JS ≤ ¼(KL(p‖q) + KL(q‖p)) for every pair: KL is convex in its second argument, so
# KL(p‖m) ≤ ½ KL(p‖p) + ½ KL(p‖q) = ½ KL(p‖q). A theorem, so an identity here (≡); how much smaller
# JS really is, is measured in the f-divergence section below.
quarter_kl_sum = (kl_pq_closed + kl_qp_closed) / 4
lesson.identity("JS ≤ ¼(KL(p‖q) + KL(q‖p)) (true of every pair, by convexity)", js_pq <= quarter_kl_sum,
                f"{js_pq:.6f} ≤ {quarter_kl_sum:.6f}")

disjoint_p = np.array([0.5, 0.5, 0.0, 0.0])
disjoint_q = np.array([0.0, 0.0, 0.25, 0.75])
# SciPy's jensenshannon returns the square root of JS (a metric): square it for the divergence.
scipy_js_disjoint = jensenshannon(disjoint_p, disjoint_q) ** 2
lesson.check_close("disjoint supports: JS = ln 2 nats exactly", distances.js(disjoint_p, disjoint_q), LN2,
                   atol=1e-15, kind="identity")
lesson.check_close("…and SciPy's jensenshannon² agrees", scipy_js_disjoint, LN2, atol=1e-12)
lesson.check_close("disjoint supports: JS = 1 bit", distances.js(disjoint_p, disjoint_q, base=2), 1.0, atol=1e-15,
                   kind="identity")
lesson.check_close("disjoint supports: KL = +∞", distances.kl(disjoint_p, disjoint_q), math.inf, kind="identity")

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
lesson.check_less("…and never exceeds ln 2 (entropy route, largest value)", js_by_shift_entropies.max(), LN2,
                  kind="identity")
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

# %% [markdown]
# ## One family: f-divergences
#
# KL and JS are two members of one family (Csiszár 1963; Ali & Silvey 1966). For a convex f on
# (0, ∞) with f(1) = 0,
#
#     D_f(P‖Q) = E_Q f(p/q) = ∫ q(x) f(p(x)/q(x)) dx,
#
# where E_Q is the mean over x ~ Q. When P has no mass where Q has none, Jensen's inequality gives
# D_f ≥ f(E_Q p/q) = f(1) = 0 (and D_f ≥ 0 holds in general, with the convention below). Three
# members:
#
#     f(t) = t ln t                                   D_f(P‖Q) = KL(P‖Q)
#     f(t) = −ln t                                    D_f(P‖Q) = KL(Q‖P), the "reverse" KL
#     f(t) = ½ [t ln t − (t + 1) ln((t + 1)/2)]       D_f(P‖Q) = JS(P‖Q)
#
# Where q = 0 < p the term q·f(p/q) is read as its limit p·f′(∞), with f′(∞) = lim f(t)/t as
# t → ∞: +∞ for KL (so KL = ∞ as soon as P has mass where Q has none), 0 for the reverse KL, and
# ½ ln 2 for JS — finite, which is why JS never blows up. The Wikipedia article "Wasserstein GAN"
# names this family as the road to the f-GAN; the next section takes it.
#
# One generic function below computes D_f for any f — on histograms (with that convention) and on
# densities (by quadrature) — and must agree with minigan's own `kl`, `js`, `kl_density` and
# `js_density`, which are written out separately.

# %%
F_DIVERGENCES = {  # name: (f, f′(∞) = lim f(t)/t)
    "KL": (lambda t: special.xlogy(t, t), math.inf),
    "reverse KL": (lambda t: -np.log(t), 0.0),
    "JS": (lambda t: 0.5 * (special.xlogy(t, t) - (t + 1) * np.log((t + 1) / 2)), 0.5 * LN2),
}


def f_divergence(p: np.ndarray, q: np.ndarray, name: str) -> float:
    """D_f(p‖q) = Σ qᵢ f(pᵢ/qᵢ) over the bins with qᵢ > 0, plus f′(∞)·(p's mass where q = 0)."""
    f, slope_at_infinity = F_DIVERGENCES[name]
    on = q > 0
    with np.errstate(divide="ignore"):
        total = float(np.sum(q[on] * f(p[on] / q[on])))
    unexplained = float(p[~on].sum())
    return total + (slope_at_infinity * unexplained if unexplained > 0 else 0.0)


def f_divergence_density(p, q, name: str) -> float:
    """D_f(p‖q) = ∫ q f(p/q) for two frozen scipy laws with full support, by quadrature."""
    f, _ = F_DIVERGENCES[name]
    value, _ = integrate.quad(lambda x: q.pdf(x) * float(f(math.exp(p.logpdf(x) - q.logpdf(x)))), -40.0, 40.0,
                              points=[p.mean(), q.mean()], limit=400, epsabs=1e-13, epsrel=1e-12)
    return value


histogram_rng = np.random.default_rng(2026)  # fixed: these histograms are examples, not an experiment
pairs = [tuple(histogram_rng.dirichlet(np.ones(6), size=2)) for _ in range(4)]
pairs.append((np.array([0.5, 0.5, 0.0, 0.0]), np.array([0.25, 0.25, 0.25, 0.25])))  # p = 0 where q > 0
pairs.append((np.array([0.5, 0.3, 0.2, 0.0]), np.array([0.25, 0.25, 0.5, 0.0])))  # a bin empty in both: 0·f = 0
pairs.append((disjoint_p, disjoint_q))  # disjoint supports
gaps = {"KL": 0.0, "reverse KL": 0.0, "JS": 0.0}
for hist_p, hist_q in pairs:
    library = {"KL": distances.kl(hist_p, hist_q), "reverse KL": distances.kl(hist_q, hist_p),
               "JS": distances.js(hist_p, hist_q)}
    for name, value in library.items():
        generic = f_divergence(hist_p, hist_q, name)
        gap = 0.0 if generic == value else abs(generic - value)  # ∞ = ∞ counts as agreement
        gaps[name] = max(gaps[name], gap)
    print("  D_f: " + ",  ".join(f"{name} {f_divergence(hist_p, hist_q, name):.6f}" for name in library))
for name, library_name in [("KL", "kl(p, q)"), ("reverse KL", "kl(q, p)"), ("JS", "js(p, q)")]:
    lesson.check_less(f"histograms: D_f with the f of {name} = distances.{library_name} on {len(pairs)} pairs, ∞ cases "
                      "and a bin empty in both included (to 1e-12)", gaps[name], 1e-12)

wide_q = stats.norm(1.0, 2.0)
density_cases = [("KL", distances.kl_density(p, wide_q, -math.inf, math.inf)),
                 ("reverse KL", distances.kl_density(wide_q, p, -math.inf, math.inf)),
                 ("JS", distances.js_density(p, wide_q, -40.0, 40.0))]
density_gap = max(abs(f_divergence_density(p, wide_q, name) - value) for name, value in density_cases)
print("  densities N(0,1), N(1,2²): " + ",  ".join(f"{n} {v:.9f}" for n, v in density_cases))
lesson.check_less("densities N(0, 1), N(1, 2²): D_f by quadrature = kl_density both ways and js_density (to 1e-8)",
                  density_gap, 1e-8)

# %% [markdown]
# How much smaller than KL is JS? Near P = Q every smooth f-divergence behaves like
# f″(1)/2 · χ²(P‖Q), so their ratio tends to the ratio of the f″(1): f″(1) = 1 for KL and
# f″(1) = ¼ for JS (f″(t) = ½[1/t − 1/(t + 1)]). So JS ≈ KL/4 for nearby laws, and less than that
# further apart, where JS saturates and KL does not.

# %%
tiny_shift = 0.01
js_tiny = distances.js_density(p, stats.norm(tiny_shift, 1.0), -40.0, 40.0, epsabs=1e-15, epsrel=1e-12)
local_ratio = js_tiny / (tiny_shift**2 / 2)
ratios = js_by_shift_entropies[1:] / (shifts[1:] ** 2 / 2)
print(f"JS/KL at μ = {tiny_shift}: {local_ratio:.6f};  at μ = {shifts[1:].tolist()}: {np.round(ratios, 4).tolist()}")
lesson.check_close("near P = Q, JS/KL → f″_JS(1)/f″_KL(1) = ¼ (μ = 0.01, to 1e-3)", local_ratio, 0.25, atol=1e-3)
lesson.check("…and further apart JS/KL keeps falling below ¼: it is < ¼ and decreasing over μ = 0.5 … 8",
             bool(np.all(ratios < 0.25) and np.all(np.diff(ratios) < 0)), str(np.round(ratios, 4).tolist()))

# %% [markdown]
# ## The variational bound behind the f-GAN
#
# A convex f is the supremum of its tangent lines: f(t) = sup over s of [s·t − f*(s)], where
# f*(s) = sup over t of [s·t − f(t)] is its Fenchel conjugate. Put t = p(x)/q(x) into D_f and let a
# function T(x) pick the slope s at each x:
#
#     D_f(P‖Q) = sup over T of  E_P T − E_Q f*(T),    attained at T = f′(p/q)
#
# (Nguyen, Wainwright & Jordan, 2010). Every T gives a lower bound, and E_P, E_Q are means, so the
# bound can be estimated from samples alone: that is the f-GAN (Nowozin, Cseke & Tomioka, 2016),
# where a network T maximises the bound and the generator minimises it. The conjugates:
#
#     KL:          f*(s) = e^(s − 1)
#     reverse KL:  f*(s) = −1 − ln(−s)           (s < 0)
#     JS:          f*(s) = −½ ln(2 − e^(2s))      (s < ½ ln 2)
#
# For JS, write T = ½ ln 2 + ½ ln D with D a probability: the bound becomes
# ln 2 + ½ [E_P ln D + E_Q ln(1 − D)] — the GAN objective L(G, D) of lesson 2 (with P = p_r,
# Q = p_g), halved and shifted. The original GAN *is* the f-GAN of JS, and lesson 2's
# max_D L = 2·JS − 2 ln 2 is this bound's supremum.
#
# We maximise the bound with minigan's autodiff and Adam, T(x) = g(v(x)) with
# v(x) = θ₀ + θ₁x + θ₂x², each member with its own output map g that keeps T in the domain of f*
# (KL: T = v; reverse KL: T = −e^(−v); JS: T = ½ ln 2 + ½ ln σ(v)), for P = N(0, 1), Q = N(1, 2²),
# the means taken as sums on a fine grid. Here ln(p/q) = ln 2 + ⅛ − x/4 − 3x²/8 is quadratic, so the
# optimal T = f′(p/q) is in the family: the learned bound must reach D_f, and the learned v must be
# 1 + ln(p/q) for KL and ln(p/q) for the other two.

# %%
bound_grid = np.linspace(-14.0, 16.0, 3001)
bound_dx = bound_grid[1] - bound_grid[0]
x_t = mg.tensor(bound_grid, dtype="float64")
p_weights = mg.tensor(p.pdf(bound_grid) * bound_dx, dtype="float64")
q_weights = mg.tensor(wide_q.pdf(bound_grid) * bound_dx, dtype="float64")
log_ratio_coefficients = np.array([LN2 + 0.125, -0.25, -0.375])  # ln(p/q) = θ₀ + θ₁x + θ₂x²
VARIATIONAL = {  # name: (output map g: v ↦ T, conjugate f*, the optimal v's coefficients)
    "KL": (lambda v: v, lambda t: mg.exp(t - 1.0), log_ratio_coefficients + [1.0, 0.0, 0.0]),
    "reverse KL": (lambda v: -mg.exp(-v), lambda t: -1.0 - mg.log(-t), log_ratio_coefficients),
    "JS": (lambda v: 0.5 * LN2 + 0.5 * mg.logsigmoid(v), lambda t: -0.5 * mg.log(2.0 - mg.exp(2.0 * t)),
           log_ratio_coefficients),
}


def variational_bound(name: str, v):
    """E_P T − E_Q f*(T) with T = g(v), the means as sums on the grid."""
    output_map, conjugate, _ = VARIATIONAL[name]
    critic = output_map(v)
    return (p_weights * critic).sum() - (q_weights * conjugate(critic)).sum()


for name, exact in density_cases:
    best_theta = VARIATIONAL[name][2]
    theta = mg.tensor(np.zeros(3), dtype="float64", requires_grad=True)
    adam = mg.optim.Adam([theta], lr=0.1)
    for _ in range(300):
        value = variational_bound(name, theta[0] + theta[1] * x_t + theta[2] * x_t * x_t)
        adam.zero_grad()
        (-value).backward()
        adam.step()
    learned = theta.numpy()
    print(f"  {name}: bound {value.item():.9f} (D_f = {exact:.9f}), θ = {np.round(learned, 5).tolist()}, "
          f"f′(p/q) has θ = {np.round(best_theta, 5).tolist()}")
    lesson.check_close(f"{name}: the bound maximised by Adam through minigan's autodiff reaches D_f (to 1e-7)",
                       value.item(), exact, atol=1e-7)
    lesson.check_less(f"{name}: …at T = f′(p/q) (the learned θ within 1e-3 of the optimal one)",
                      np.abs(learned - best_theta).max(), 1e-3)
learned_d = 1.0 / (1.0 + np.exp(-(learned[0] + learned[1] * bound_grid + learned[2] * bound_grid**2)))
gan_form = LN2 + 0.5 * distances.gan_value(p.pdf(bound_grid), wide_q.pdf(bound_grid), learned_d, bound_dx)
lesson.check_close("JS's bound at the learned T is ln 2 + ½·L(G, D) of lesson 2, with D = σ(v) (to 1e-9)",
                   value.item(), gan_form, atol=1e-9, kind="identity")

# %% [markdown]
# ## Maximum likelihood is forward KL: mode covering and mode seeking
#
# Fitting a model p_g to data by maximum likelihood maximises the mean log-likelihood E ln p_g(x)
# over x ~ p_r. Since ln p_g = ln p_r − ln(p_r/p_g),
#
#     E ln p_g(x) (x ~ p_r) = −H(p_r) − KL(p_r‖p_g),
#
# and the entropy H(p_r) does not depend on the model: **maximum likelihood minimises the forward
# KL(p_r‖p_g)**, with the data's samples standing in for the mean. Weng's "From GAN to WGAN" (§2)
# cites Huszár (2015): some believe GANs owe their success to trading this asymmetric KL for the
# symmetric JS. The asymmetry has a visible face. Forward KL = ∫ p_r ln(p_r/p_g) punishes a model
# that is small where the data is (ln(p_r/p_g) → ∞), and barely notices a model that puts mass
# where the data has none (p_r ≈ 0 there: Weng's "the q's effect is disregarded"): it **covers**
# every mode, even by filling the gaps between them. Reverse KL(p_g‖p_r) = ∫ p_g ln(p_g/p_r) is the
# mirror image: it punishes mass where the data has none and ignores missed data, so it **seeks**
# one mode and stays inside it.
#
# Fit one Gaussian p_g = N(μ, σ²) to the two-mode p_r = ½ N(−2, ½²) + ½ N(2, ½²), by each
# criterion. Forward KL has a closed-form minimiser — moment matching, μ = E x = 0 and
# σ² = Var x = ¼ + 4, σ = √4.25 ≈ 2.06 — which Adam (minigan's autodiff on the exact densities, as
# sums on a fine grid) must find; reverse KL has two minima, one per mode. Every final number is
# then recomputed by adaptive quadrature (`distances.kl_density`).

# %%
MODE, MODE_SD = 2.0, 0.5


class TwoModes:
    """p_r = ½ N(−2, ½²) + ½ N(2, ½²), with pdf and logpdf (so kl_density can use log-densities)."""

    def logpdf(self, x):
        return np.logaddexp(stats.norm.logpdf(x, -MODE, MODE_SD), stats.norm.logpdf(x, MODE, MODE_SD)) - LN2

    def pdf(self, x):
        return np.exp(self.logpdf(x))


two_modes = TwoModes()
fit_grid = np.linspace(-12.0, 12.0, 1201)
fit_dx = fit_grid[1] - fit_grid[0]
log_p_r = two_modes.logpdf(fit_grid)
fit_x = mg.tensor(fit_grid, dtype="float64")
log_p_r_t = mg.tensor(log_p_r, dtype="float64")
p_r_weights = mg.tensor(np.exp(log_p_r) * fit_dx, dtype="float64")


def gaussian_log_density(mu, log_sigma):
    return -0.5 * ((fit_x - mu) * mg.exp(-log_sigma)) ** 2 - log_sigma - 0.5 * math.log(2 * math.pi)


def forward_kl(mu, log_sigma):  # KL(p_r‖p_g) on the grid
    return (p_r_weights * (log_p_r_t - gaussian_log_density(mu, log_sigma))).sum()


def reverse_kl(mu, log_sigma):  # KL(p_g‖p_r) on the grid
    log_q = gaussian_log_density(mu, log_sigma)
    return (mg.exp(log_q) * (log_q - log_p_r_t)).sum() * fit_dx


def fit(criterion, mu0=0.5, sigma0=1.0, steps=200):
    """(μ, σ) minimising ``criterion`` by Adam on (μ, ln σ), gradients from minigan's autodiff."""
    params = mg.tensor(np.array([mu0, math.log(sigma0)]), dtype="float64", requires_grad=True)
    adam = mg.optim.Adam([params], lr=0.05)
    for step in range(steps):
        adam.lr = 0.05 if step < steps * 2 // 3 else 0.01
        value = criterion(params[0], params[1])
        adam.zero_grad()
        value.backward()
        adam.step()
    mu_fit, log_sigma_fit = params.numpy()
    return float(mu_fit), float(math.exp(log_sigma_fit))


forward_fit = fit(forward_kl)
reverse_fit = fit(reverse_kl)
reverse_fit_left = fit(reverse_kl, mu0=-0.5)
fits = {"forward-KL fit": forward_fit, "reverse-KL fit": reverse_fit}
table = {}
for label, (mu_fit, sigma_fit) in fits.items():
    model = stats.norm(mu_fit, sigma_fit)
    table[label] = (distances.kl_density(two_modes, model, -15.0, 15.0, points=[-MODE, 0.0, MODE]),
                    distances.kl_density(model, two_modes, -15.0, 15.0, points=[-MODE, 0.0, MODE]),
                    distances.js_density(two_modes, model, -15.0, 15.0, points=[-MODE, 0.0, MODE]))
    print(f"  {label}: μ = {mu_fit:+.5f}, σ = {sigma_fit:.5f};  KL(p_r‖p_g) = {table[label][0]:.4f},  "
          f"KL(p_g‖p_r) = {table[label][1]:.4f},  JS = {table[label][2]:.4f}  (quadrature)")
print(f"  reverse-KL fit started left of 0: μ = {reverse_fit_left[0]:+.5f}, σ = {reverse_fit_left[1]:.5f}")

forward_mu, forward_sigma = forward_fit
reverse_mu, reverse_sigma = reverse_fit
lesson.check_close("forward KL: Adam finds the moment-matching fit, μ = 0 (to 1e-3)", forward_mu, 0.0, atol=1e-3)
lesson.check_close("forward KL: …and σ = √(¼ + 4) ≈ 2.062, the mixture's own spread (to 1e-3)", forward_sigma,
                   math.sqrt(MODE_SD**2 + MODE**2), atol=1e-3)
lesson.check_less("the forward-KL fit covers: its density at the gap x = 0 is > 100 × the data's",
                  100 * two_modes.pdf(0.0), stats.norm(forward_mu, forward_sigma).pdf(0.0))
lesson.check("reverse KL seeks a mode: from μ₀ = ±0.5 the fit settles on the mode on its side (|μ ∓ 2| < 0.05), "
             "with about that mode's width (|σ − ½| < 0.05)",
             abs(reverse_mu - MODE) < 0.05 and abs(reverse_fit_left[0] + MODE) < 0.05
             and abs(reverse_sigma - MODE_SD) < 0.05 and abs(reverse_fit_left[1] - MODE_SD) < 0.05,
             f"μ = {reverse_mu:+.4f} and {reverse_fit_left[0]:+.4f}, σ = {reverse_sigma:.4f}")
other_mode_mass = stats.norm(reverse_mu, reverse_sigma).cdf(-MODE + 1.0)
lesson.check_less("…and ignores the other mode: the fit's mass below x = −1 is < 1e-6", other_mode_mass, 1e-6)
lesson.check_between("the reverse-KL fit pays about ln 2 = −ln ½ for the half of the data it ignores: "
                     "KL(p_g‖p_r) ∈ [ln 2 − 0.01, ln 2]", table["reverse-KL fit"][1], LN2 - 0.01, LN2)
lesson.check_less("each fit is worse by > 1 nat in the other's criterion (forward KL of the reverse fit, and "
                  "vice versa)", 1.0, min(table["reverse-KL fit"][0] - table["forward-KL fit"][0],
                                          table["forward-KL fit"][1] - table["reverse-KL fit"][1]))

# %% [markdown]
# The same thing from samples, as maximum likelihood does it: the Gaussian of highest likelihood
# for n draws of p_r has the sample mean and the sample standard deviation, so it must land on
# the forward-KL fit up to sampling error (5 standard errors allowed; on seeds 0–9 the largest
# deviation was 3.4, of σ̂ on seed 0, the rest within 1.7). And the
# identity behind it, E ln p_g (x ~ p_r) = −H(p_r) − KL(p_r‖p_g), holds by quadrature.

# %%
n_draws = 200_000 if lesson.full else 20_000
draw_rng = mg.backend.rng()
draws = np.where(draw_rng.random(n_draws) < 0.5, -MODE, MODE) + MODE_SD * draw_rng.standard_normal(n_draws)
ml_mu, ml_sigma = draws.mean(), draws.std()
mu_error = ml_sigma / math.sqrt(n_draws)
sigma_error = np.std((draws - ml_mu) ** 2) / (2 * ml_sigma * math.sqrt(n_draws))
print(f"maximum likelihood from {n_draws} draws: μ = {ml_mu:+.4f} ± {mu_error:.4f}, σ = {ml_sigma:.4f} ± "
      f"{sigma_error:.4f}")
lesson.check_close("maximum likelihood on samples: μ̂ = the forward-KL fit's μ (within 5 standard errors)", ml_mu,
                   forward_mu, atol=5 * mu_error)
lesson.check_close("…and σ̂ = the forward-KL fit's σ (within 5 standard errors)", ml_sigma, forward_sigma,
                   atol=5 * sigma_error)
forward_model = stats.norm(forward_mu, forward_sigma)
cross_entropy, _ = integrate.quad(lambda x: -two_modes.pdf(x) * forward_model.logpdf(x), -15.0, 15.0,
                                  points=[-MODE, 0.0, MODE], limit=400, epsabs=1e-12, epsrel=1e-12)
data_entropy, _ = integrate.quad(lambda x: -two_modes.pdf(x) * two_modes.logpdf(x), -15.0, 15.0,
                                 points=[-MODE, 0.0, MODE], limit=400, epsabs=1e-12, epsrel=1e-12)
lesson.check_close("E ln p_g (x ~ p_r) = −H(p_r) − KL(p_r‖p_g) (quadrature, to 1e-8)", -cross_entropy,
                   -data_entropy - table["forward-KL fit"][0], atol=1e-8, kind="identity")

# %% [markdown]
# The whole landscape: for each μ the best σ, by grid search over (μ, σ) with the exact densities.
# Forward KL has one valley, at μ = 0; reverse KL two, one per mode, with a ridge between them. JS —
# the GAN's divergence — is much flatter, and on this target its best Gaussian still covers, by a
# small margin (checked: the grid's best μ is 0, and μ = 0 beats μ = ±2): JS is not simply mode
# seeking. Lesson 4 shows a GAN losing modes for
# another reason — its training dynamics, a generator chasing its discriminator.

# %%
mu_grid = np.linspace(-3.0, 3.0, 61)
sigma_grid = np.exp(np.linspace(math.log(0.2), math.log(4.0), 40))
coarse = fit_grid[::2]
coarse_dx = coarse[1] - coarse[0]
log_p_coarse = two_modes.logpdf(coarse)
log_q_grid = stats.norm.logpdf(coarse, mu_grid[:, None, None], sigma_grid[None, :, None])
q_grid, p_coarse = np.exp(log_q_grid), np.exp(log_p_coarse)
forward_profile = (np.sum(p_coarse * (log_p_coarse - log_q_grid), axis=-1) * coarse_dx).min(axis=1)
reverse_profile = (np.sum(q_grid * (log_q_grid - log_p_coarse), axis=-1) * coarse_dx).min(axis=1)
mixture = 0.5 * (p_coarse + q_grid)
js_profile = (0.5 * np.sum(special.rel_entr(p_coarse, mixture) + special.rel_entr(q_grid, mixture), axis=-1)
              * coarse_dx).min(axis=1)
at_zero, at_mode = int(np.argmin(np.abs(mu_grid))), int(np.argmin(np.abs(mu_grid - MODE)))
print(f"profiles at μ = 0 and μ = 2: forward {forward_profile[at_zero]:.3f}, {forward_profile[at_mode]:.3f};  "
      f"reverse {reverse_profile[at_zero]:.3f}, {reverse_profile[at_mode]:.3f};  JS {js_profile[at_zero]:.4f}, "
      f"{js_profile[at_mode]:.4f}")
lesson.check("grid search agrees: forward KL's best μ is 0, reverse KL's are ±2 (±0.1, the grid's step)",
             abs(mu_grid[forward_profile.argmin()]) < 0.05
             and bool(np.all(np.abs(np.abs(mu_grid[reverse_profile < reverse_profile.min() + 1e-6]) - MODE) < 0.15)),
             f"forward at {mu_grid[forward_profile.argmin()]:+.1f}, reverse at "
             f"{mu_grid[reverse_profile < reverse_profile.min() + 1e-6].tolist()}")
lesson.check_less("reverse KL's ridge: its best value at μ = 0 is > 1 nat above its best at a mode",
                  reverse_profile[at_mode] + 1.0, reverse_profile[at_zero])
lesson.check_between("JS prefers the covering fit here, by a margin between 0.005 and 0.05 nats (flat: forward and "
                     "reverse KL differ by > 1 nat)", js_profile[at_mode] - js_profile[at_zero], 0.005, 0.05)
lesson.check("JS's grid search agrees: its best μ is 0 (the covering fit is the best on the whole grid)",
             abs(mu_grid[js_profile.argmin()]) < 0.05,
             f"best μ {mu_grid[js_profile.argmin()]:+.1f}, JS {js_profile.min():.4f}")

figure, (densities_axes, profile_axes) = plt.subplots(1, 2, figsize=(12.5, 4.4))
show = np.linspace(-6.0, 6.0, 600)
densities_axes.fill_between(show, two_modes.pdf(show), color="gray", alpha=0.3, label="data p_r (two modes)")
densities_axes.plot(show, stats.norm(*forward_fit).pdf(show), lw=2,
                    label=f"forward-KL fit = max likelihood (μ = {abs(forward_mu):.2f}, σ = {forward_sigma:.2f})")
densities_axes.plot(show, stats.norm(*reverse_fit).pdf(show), lw=2,
                    label=f"reverse-KL fit (μ = {reverse_mu:.2f}, σ = {reverse_sigma:.2f})")
densities_axes.set_title("One Gaussian fitted to two modes")
densities_axes.set_xlabel("x")
densities_axes.set_ylabel("density")
densities_axes.legend(loc="upper left", fontsize=8.5)
densities_axes.set_ylim(0, 0.9)
densities_axes.grid(alpha=0.3)
profile_axes.plot(mu_grid, forward_profile, label="KL(p_r‖p_g): forward, mode covering")
profile_axes.plot(mu_grid, reverse_profile, label="KL(p_g‖p_r): reverse, mode seeking")
profile_axes.plot(mu_grid, js_profile, label="JS(p_r‖p_g)")
profile_axes.axvline(-MODE, color="gray", ls=":", lw=1)
profile_axes.axvline(MODE, color="gray", ls=":", lw=1)
profile_axes.set_title("Each divergence at the best σ for each μ")
profile_axes.set_xlabel("mean μ of the fitted Gaussian")
profile_axes.set_ylabel("nats")
profile_axes.legend(fontsize=8.5)
profile_axes.grid(alpha=0.3)
lesson.savefig(figure, "mode_covering_and_mode_seeking")

# %%
lesson.finish()
