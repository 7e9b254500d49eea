# %% [markdown]
# # Lesson 2 — The GAN game: what the discriminator learns, and what the generator then minimises
#
# A GAN pits a discriminator D (a probability that x is real) against a generator whose samples
# have density p_g. The discriminator maximises
#
#     L(G, D) = E[ln D(x)] (x ~ p_r) + E[ln(1 − D(x))] (x ~ p_g)  =  ∫ [p_r(x) ln D(x) + p_g(x) ln(1 − D(x))] dx.
#
# **The optimal discriminator.** The integrand can be maximised separately at each x: for
# a = p_r(x), b = p_g(x), the function y ↦ a ln y + b ln(1 − y) has derivative a/y − b/(1 − y),
# zero at y = a/(a + b). So
#
#     D*(x) = p_r(x) / (p_r(x) + p_g(x)).
#
# > **The source says** (Weng, "From GAN to WGAN", §3.1) df/dx̃ = A·(1/ln 10)·(1/x̃) − B·(1/ln 10)·(1/(1 − x̃)),
# > differentiating log as log₁₀ — **in fact** the GAN objective uses natural logs (its value
# > −2 ln 2 at the optimum says so). The stray factor 1/ln 10 multiplies the whole objective by a
# > positive constant, so the maximiser D* is the same; only the value changes (checked below).
#
# **The value at the optimum.** Putting D* back, with m = (p_r + p_g)/2,
#
#     max_D L(G, D) = ∫ p_r ln(p_r/2m) + p_g ln(p_g/2m) = KL(p_r‖m) + KL(p_g‖m) − 2 ln 2 = 2·JS(p_r‖p_g) − 2 ln 2.
#
# It is −2 ln 2 exactly when p_g = p_r (then D* = ½ everywhere: the discriminator cannot tell).
# So *with an optimal discriminator the generator minimises the Jensen–Shannon divergence*.
#
# > **The source says** (the WGAN-GP abstract with questions and answers) "Optimizing a traditional
# > GAN is equivalent to minimizing KL-divergence" — **in fact** with an optimal discriminator it
# > minimises JS, as derived above; KL and JS share only their minimiser p_g = p_r (checked below:
# > the criterion equals JS, not KL, at every shift tried).
#
# > **The source says** (Wikipedia, "Wasserstein GAN", §"The GAN game") "A basic theorem of the GAN
# > game states that" — in our copy the formula after the colon is lost; the page gives it below
# > (D* = dμ_ref/d(μ_ref + μ_G), and max_D L = 2·JS − 2 ln 2). The theorem is Goodfellow et
# > al.'s (2014, Proposition 1 and Theorem 1): for a fixed generator the best discriminator is
# > D* = p_r/(p_r + p_g), and the criterion C(G) = max_D L(G, D) = 2·JS(p_r‖p_g) − 2 ln 2 has
# > its global minimum −2 ln 2 exactly at p_g = p_r (checked below: D* by brute force,
# > C = 2·JS − 2 ln 2, and C(μ) > −2 ln 2 for each shift tried, μ = 0.5 … 8, of a generator
# > N(μ, 1)).
#
# > **Typos in the sources, for the record** (none changes a result): Weng writes D*(x) =
# > p_r(x)/(p_r(x) + p_o(x)) — p_o is p_g; her JS derivation writes ln(p_r(x)/(p_r + p_g(x))) —
# > the bracket is (p_r(x) + p_g(x)); her §5 (7) says the vanilla GAN's loss measures JS "between
# > p_r and p_q" — p_g; and "a good objection function" (§4.5) is an *objective* function.
# > Wikipedia calls the discriminator at step t "μ" with the subscript "D, t" and maximises over
# > "μ_D": not a typo but its randomised-discriminator convention (a discriminator as a Markov
# > kernel, a measure for each input, of which our function D_t is the deterministic case); its
# > chain L(μ_G, D₁) ≤ L(μ_G, D₂) ≤ ⋯ ≤ max_D L (an "ideally") is what the training curve below shows:
# > every exact value under the bound, not a monotone sequence.
#
# Below: each claim checked on 1-D Gaussians, then a minigan discriminator (an MLP trained with
# Adam) learning D* from samples.

# %%
import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from scipy import special, stats

import minigan as mg
from minigan import distances
from minigan.lesson import Lesson

TITLE = "The GAN game: D* and 2·JS − 2 ln 2"
lesson = Lesson("02_the_gan_game", TITLE)
LN2 = math.log(2.0)

# %% [markdown]
# ## The pointwise maximisation, by brute force
#
# For a few pairs (a, b) we search y on a fine grid and compare with a/(a + b) — a brute-force
# check of the derivation (✓). With log₁₀ instead of ln the objective is the natural one divided
# by ln 10: same maximiser, a value 1/ln 10 ≈ 0.434 times as large. That is arithmetic
# (log₁₀ = ln / ln 10), so it is shown as an identity (≡), not a tested claim.

# %%
y_grid = np.linspace(1e-6, 1 - 1e-6, 200_001)
for a, b in [(1.0, 1.0), (0.3, 0.1), (0.05, 0.4)]:
    natural = a * np.log(y_grid) + b * np.log1p(-y_grid)
    base_ten = a * np.log10(y_grid) + b * np.log10(1 - y_grid)
    best_natural, best_ten = y_grid[natural.argmax()], y_grid[base_ten.argmax()]
    lesson.check_close(f"a = {a}, b = {b}: the maximiser is a/(a + b) = {a / (a + b):.4f}", best_natural, a / (a + b),
                       atol=1e-5, kind="identity")
    lesson.identity(f"a = {a}, b = {b}: log₁₀ has the same maximiser, and its maximum is 1/ln 10 times the natural "
                    "one (log₁₀ = ln / ln 10)",
                    best_ten == best_natural and abs(base_ten.max() - natural.max() / math.log(10)) < 1e-12)

# %% [markdown]
# ## D* and max_D L on two Gaussians
#
# Real data p_r = N(0, 1); the generator, frozen for now, p_g = N(1.5, 0.5²). Different widths
# make D* non-monotone: it is near 1 on the left, dips where p_g piles up, and climbs back to 1
# in the far right tail, where the wider p_r outweighs p_g again.

# %%
real_law, fake_law = stats.norm(0.0, 1.0), stats.norm(1.5, 0.5)
grid = np.linspace(-6.0, 7.0, 2601)
dx = grid[1] - grid[0]
p_real, p_fake = real_law.pdf(grid), fake_law.pdf(grid)
d_star = distances.optimal_discriminator(p_real, p_fake)
best_value = distances.max_discriminator_value(p_real, p_fake, dx)
js = distances.js_density(real_law, fake_law, -30.0, 30.0)
print(f"max_D L = {best_value:.6f};  2·JS − 2 ln 2 = {2 * js - 2 * LN2:.6f}  (JS = {js:.6f} nats)")
lesson.check_close("max_D L(G, D) = 2·JS(p_r‖p_g) − 2 ln 2 (grid sum vs. quadrature)", best_value, 2 * js - 2 * LN2,
                   atol=1e-8)
for other_name, other_d in [("D = ½", np.full_like(grid, 0.5)), ("D = 0.9·D* + 0.05", 0.9 * d_star + 0.05),
                            ("the logistic D = σ(2 − 2x)", 1 / (1 + np.exp(2 * grid - 2)))]:
    shortfall = best_value - distances.gan_value(p_real, p_fake, other_d, dx)
    # the same shortfall written as ∫ (p_r + p_g)·KL(Bernoulli(D*) ‖ Bernoulli(D)) dx, computed apart
    bernoulli_kl = special.rel_entr(d_star, other_d) + special.rel_entr(1 - d_star, 1 - other_d)
    expected_shortfall = float(np.sum((p_real + p_fake) * bernoulli_kl) * dx)
    print(f"  {other_name}: L(D*) − L(D) = {shortfall:.6f}")
    lesson.check_close(f"any other D scores lower: {other_name} falls short of max_D L by "
                       f"∫ (p_r + p_g)·KL(Bern(D*)‖Bern(D)) = {expected_shortfall:.4f} > 0", shortfall,
                       expected_shortfall, atol=1e-9, kind="identity")

# Why every other D loses: at each x, the pointwise objective a ln y + b ln(1 − y) falls short of
# its maximum by (a + b)·KL(Bernoulli(D*(x)) ‖ Bernoulli(y)) — a KL divergence, ≥ 0 and zero only
# at y = D*(x). Integrating gives the shortfall of any D, which the cell above computes both ways.
# These are identities (≡: they fail only if the library is wrong), not tests of the lesson.
#
# At p_g = p_r the optimal discriminator is ½ everywhere and L = −2 ln 2 — the minimum over
# generators of max_D L, since JS ≥ 0. (D* = ½ there for any formula symmetric in p_r and p_g — the
# swapped p_g/(p_r + p_g) too — so that line is an identity; the asymmetric checks above and the
# trained D below are what tell D* from its mirror image.)

# %%
same_value = distances.max_discriminator_value(p_real, p_real, dx)
lesson.identity("p_g = p_r ⇒ D* = ½ everywhere", bool(np.all(distances.optimal_discriminator(p_real, p_real) == 0.5)))
lesson.check_close("p_g = p_r ⇒ max_D L = −2 ln 2", same_value, -2 * LN2, atol=1e-8, kind="worked")

# %% [markdown]
# ## With D = D*, the generator minimises JS — not KL
#
# Slide the generator p_g = N(μ, 1) and compute C(μ) = max_D L exactly. (C(μ) + 2 ln 2)/2 is JS
# for every μ; it is not KL(p_r‖p_g) = μ²/2, nor KL(p_g‖p_r). The two agree only on where the
# minimum is (μ = 0); away from it JS saturates at ln 2 while KL grows without bound (lesson 1),
# which is what makes the original GAN hard to train when the distributions are far apart.

# %%
shifts = np.array([0.0, 0.5, 1.0, 2.0, 4.0, 8.0])
criterion = np.array([
    distances.max_discriminator_value(p_real, stats.norm(mu, 1.0).pdf(grid), dx) for mu in shifts
])
js_by_shift = np.array([distances.js_density(real_law, stats.norm(mu, 1.0), -30.0, 30.0 + mu) for mu in shifts])
kl_by_shift = shifts**2 / 2
for mu, c, j, k in zip(shifts, criterion, js_by_shift, kl_by_shift):
    print(f"  μ = {mu:3.1f}: C = {c:+.5f}   (C + 2 ln 2)/2 = {(c + 2 * LN2) / 2:.5f}   JS = {j:.5f}   KL = {k:.3f}")
lesson.check("(C(μ) + 2 ln 2)/2 = JS for every μ (to 1e-6)",
             bool(np.all(np.abs((criterion + 2 * LN2) / 2 - js_by_shift) < 1e-6)))
lesson.identity("…and is not KL: they differ by more than 0.3 nats at μ = 2",
                abs((criterion[3] + 2 * LN2) / 2 - kl_by_shift[3]) > 0.3)
lesson.check_close("C saturates at 0 (JS at ln 2) far away: C(8) ≈ 0", criterion[-1], 0.0, atol=5e-4)
lesson.identity("Goodfellow et al.'s theorem: C(μ) = −2 ln 2 at μ = 0 and C(μ) > −2 ln 2 at each shift tried "
                "(0.5 … 8)",
                abs(criterion[0] + 2 * LN2) < 1e-8 and bool(np.all(criterion[1:] > -2 * LN2 + 1e-3)),
                f"C = {np.round(criterion, 4).tolist()}")

# %% [markdown]
# ## A discriminator trained with minigan approaches D*
#
# A small tanh MLP outputs a logit t(x), D = σ(t). We minimise the cross-entropy
# −E_r ln σ(t) − E_g ln σ(−t) (= −L; E_r, E_g are means over the real and the generated samples)
# with Adam on fresh samples of p_r and p_g each step — no knowledge of the densities. The exact
# value L(G, D_trained) is then computed on the grid: it can never exceed max_D L (true of every D,
# so an identity, ≡), and training should bring it close. Each minibatch objective is a noisy,
# unbiased estimate of the exact L(G, D) of the discriminator it scores; averaged over the last
# 100 steps it must agree with the exact values of those same discriminators within 5 standard
# errors (on seeds 0–9 the difference was within 2.5). How close training gets is a claim about one
# random run, so its thresholds sit well outside what seeds 0–9 and a rounding-perturbed run
# (MINIGAN_JITTER=1e-6, two BLAS threads) gave: a final gap to the bound of 0.0037–0.0045 nats
# (asserted ≤ 0.01), and Adam's first step off lr by at most 1.0e-4 relative (asserted ≤ 1e-3).
#
# Adam divides each gradient coordinate by a running estimate of its size, and its bias
# corrections 1/(1 − β₁ᵗ), 1/(1 − β₂ᵗ) undo the zero start of those running averages. So its very
# first step is lr·g/(|g| + eps) for a weight with gradient g: lr·sign(g) up to a relative eps/|g|
# (eps = 1e-8) — every weight whose gradient is not tiny moves by lr, however large or small that
# gradient is. We check it on the weights with |g| > 1e-4.

# %%
steps = 1500 if lesson.full else 500
batch = 512
discriminator = mg.nn.MLP([1, 32, 32, 1], activation="tanh")
optimizer = mg.optim.Adam(discriminator.parameters(), lr=1e-2)
rng = mg.backend.rng()
grid_points = mg.tensor(grid[:, None]).float()


def trained_probabilities() -> np.ndarray:
    """D(x) = σ(t(x)) on the grid, as a float64 host array."""
    with mg.no_grad():
        return mg.sigmoid(discriminator(grid_points)).numpy().ravel().astype(np.float64)


minibatch_values, exact_values, exact_steps = [], [], []
for step in range(steps):
    # a step-size schedule: large steps to get the shape, small ones to settle the noise
    optimizer.lr = 1e-2 if step < steps // 2 else (3e-3 if step < 0.8 * steps else 1e-3)
    real = mg.tensor(rng.normal(0.0, 1.0, (batch, 1))).float()
    fake = mg.tensor(rng.normal(1.5, 0.5, (batch, 1))).float()
    loss = mg.gan.gan_discriminator_loss(discriminator(real), discriminator(fake))
    if step % 25 == 0 or step >= steps - 100:
        probabilities_before_step = trained_probabilities()
    optimizer.zero_grad()
    loss.backward()
    if step == 0:
        before = [parameter.numpy().astype(np.float64) for parameter in discriminator.parameters()]
        gradients = [parameter.grad.numpy().astype(np.float64) for parameter in discriminator.parameters()]
    optimizer.step()
    if step == 0:
        moves = np.concatenate([np.abs(parameter.numpy() - old).ravel()[np.abs(gradient).ravel() > 1e-4]
                                for parameter, old, gradient in zip(discriminator.parameters(), before, gradients)])
        lesson.check_close("Adam's first step moves every weight (|gradient| > 1e-4) by lr = 0.01 (max relative "
                           "deviation)", np.abs(moves / optimizer.lr - 1.0).max(), 0.0, atol=1e-3, kind="identity")
    minibatch_values.append(-loss.item())
    if step % 25 == 0 or step >= steps - 100:  # every 25th step, and each of the last 100
        # L(G, D) of the D that this step's minibatch scored (before the update), exact on the grid
        exact_values.append(distances.gan_value(p_real, p_fake, probabilities_before_step, dx))
        exact_steps.append(step)

d_trained = trained_probabilities()
final_value = distances.gan_value(p_real, p_fake, d_trained, dx)
exact_values.append(final_value)
exact_steps.append(steps)
print(f"exact L(G, D_trained) = {final_value:.5f};  bound max_D L = {best_value:.5f};  "
      f"gap {best_value - final_value:.5f}")
lesson.check_less("the trained value never exceeds the bound (at every evaluation; true of any D)", max(exact_values),
                  best_value, margin=1e-9, kind="identity")
lesson.check_less("after training it is within 0.01 of the bound", best_value - final_value, 0.01)
falls = int(np.sum(np.diff(exact_values) < 0))
lesson.worked("…but not monotonically: the exact value falls between some evaluations (minibatch noise)", falls > 0,
              f"falls at {falls} of {len(exact_values) - 1} evaluations")
# Each minibatch value is an unbiased estimate of the exact L(G, D) of the D it scored; over the
# last 100 steps their differences average out to within a few standard errors of zero.
tail = np.array(minibatch_values[-100:])
tail_exact = np.array(exact_values[-101:-1])  # the exact value at each of those 100 steps
noise = tail - tail_exact
tail_error = noise.std() / math.sqrt(len(noise))
print(f"last 100 steps: minibatch mean {tail.mean():.5f}, exact mean {tail_exact.mean():.5f}, "
      f"difference {(tail.mean() - tail_exact.mean()) / tail_error:+.2f} standard errors ({tail_error:.5f})")
lesson.check_close("the minibatch objective (last 100 steps, averaged) estimates the exact L(G, D) of the same "
                   "discriminators: within 5 standard errors", tail.mean(), tail_exact.mean(), atol=5 * tail_error)

# %% [markdown]
# Where does D match D*? On the bulk of the data — the central 95 % of the mixture m — closely:
# on seeds 0–9 the largest |D − D*| there was 0.017–0.034 (asserted ≤ 0.06), and its average
# weighted by the data 0.007–0.012 (asserted ≤ 0.02).
# In the far tails there are almost no samples, so nothing tells the network that D* turns back
# up to 1 at the right: a discriminator only learns where it sees data. (Lesson 4 takes this to
# the extreme: a generator whose samples lie on a curve, a set the data's density gives no mass —
# the two laws are mutually singular, and JS sits at its ceiling ln 2.)

# %%
mixture_cdf = np.cumsum((p_real + p_fake) / 2) * dx
bulk = (mixture_cdf > 0.025) & (mixture_cdf < 0.975)
bulk_error = np.abs(d_trained - d_star)[bulk].max()
print(f"bulk: x ∈ [{grid[bulk].min():.2f}, {grid[bulk].max():.2f}], max |D − D*| = {bulk_error:.4f}")
lesson.check_less("|D_trained − D*| ≤ 0.06 on the central 95 % of the data", bulk_error, 0.06)
weighted_error = float(np.sum(np.abs(d_trained - d_star) * (p_real + p_fake) / 2) * dx)
lesson.check_less("the average |D_trained − D*| over the data is ≤ 0.02", weighted_error, 0.02)

# %% [markdown]
# ## Pictures

# %%
figure, (densities, values) = plt.subplots(1, 2, figsize=(13, 4.8))
densities.plot(grid, p_real, label="p_r = N(0, 1) (real)", lw=2)
densities.plot(grid, p_fake, label="p_g = N(1.5, 0.5²) (generator)", lw=2)
densities.plot(grid, d_star, "k-", label="D* = p_r/(p_r + p_g)", lw=2)
densities.plot(grid, d_trained, "r--", label=f"D trained by minigan ({steps} Adam steps)", lw=2)
densities.axvspan(grid[bulk].min(), grid[bulk].max(), color="gray", alpha=0.1, label="central 95 % of the data")
densities.set_xlim(-4.5, 5.0)
densities.set_xlabel("x")
densities.set_ylabel("density / probability")
densities.set_title("The optimal discriminator and a trained one")
densities.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2, fontsize=9)  # below: clear of the curves
densities.grid(alpha=0.3)
values.plot(np.arange(steps), minibatch_values, color="tab:blue", alpha=0.3, lw=0.8, label="−(minibatch loss)")
values.plot(exact_steps, exact_values, "o-", color="tab:red", ms=3, label="L(G, D_trained), exact on the grid")
values.axhline(best_value, color="k", ls="--", label=f"max_D L = 2·JS − 2 ln 2 = {best_value:.4f}")
values.set_ylim(best_value - 0.15, best_value + 0.1)  # zoomed on the bound; the first steps start below
values.set_xlabel("discriminator step")
values.set_ylabel("L(G, D) (nats)")
values.set_title("Training approaches the bound from below")
values.legend(loc="lower right", fontsize=9)
values.grid(alpha=0.3)
lesson.savefig(figure, "optimal_discriminator")

figure, axes = plt.subplots(figsize=(6.5, 4.2))
axes.plot(shifts, (criterion + 2 * LN2) / 2, "o-", label="(max_D L + 2 ln 2)/2")
axes.plot(shifts, js_by_shift, "k+", ms=12, label="JS(N(0,1)‖N(μ,1)) by quadrature")
axes.plot(shifts, kl_by_shift, "s--", label="KL = μ²/2 (not what the generator sees)")
axes.axhline(LN2, color="gray", ls=":", label="ln 2")
axes.set_yscale("symlog", linthresh=0.1)
axes.set_ylim(0, 60)
axes.set_xlabel("generator shift μ")
axes.set_ylabel("nats (symlog scale)")
axes.set_title("With an optimal D the generator's criterion is JS")
axes.legend(fontsize=9)
axes.grid(alpha=0.3)
lesson.savefig(figure, "generator_criterion_is_js")

# %%
lesson.finish()
