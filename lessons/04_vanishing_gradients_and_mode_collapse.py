# %% [markdown]
# # Lesson 4 — Low-dimensional supports, vanishing gradients and mode collapse
#
# **Thin supports make a perfect discriminator.** Real data and generated samples usually
# live on thin, low-dimensional sets: a generator with a k-dimensional noise input can only
# produce a k-dimensional surface, and natural data sits near a low-dimensional manifold too.
# Two such sets in general position (not made to coincide) meet, if at all, in a set that carries
# no probability (two curves in the plane cross in isolated points), so almost all of each
# distribution's mass lies where the other has none. When the supports are disjoint, as in the
# experiment below, some discriminator separates them perfectly: D = 1 on every real point, D = 0
# on every generated one. JS is then ln 2 (lesson 1), flat.
#
# > **The source says** (Weng, "From GAN to WGAN", §4.2) that p_r and p_g "are almost certainly
# > gonna be disjoint" — **in fact** low-dimensional supports need not be disjoint: two planes in
# > ℝ³ (her Figure 4, right) almost surely *do* intersect, in a line. What holds is that the
# > intersection has measure zero — zero area in each plane, so zero probability under each law
# > (checked below; two lines in ℝ³, her left panel, are almost surely disjoint).
# >
# > **The source says** (Wikipedia, "Wasserstein GAN") that disjoint supports make
# > "D_JS(μ_G‖μ_ref) = +∞" — **in fact** JS never exceeds ln 2; disjoint supports give exactly
# > ln 2 (+∞ is KL's value). Checked below on histograms and on this lesson's own discriminator.
# >
# > **The source says** the space of 256-by-256 photos is "ℝ^(256²)" — **in fact** colour photos
# > have 3 channels: ℝ^(3·256²) = ℝ^196608 (checked below).
#
# **The minimax generator's gradient vanishes.** With logit t and D = σ(t), the original
# generator minimises E log(1 − D(G(z))), whose derivative with respect to the logit is
# ∂/∂t log(1 − σ(t)) = −σ(t) = −D. As the discriminator gets better, D(G(z)) → 0 and so does the
# gradient reaching the generator — *the better the critic, the less the generator learns*. The
# sources' Figure 5 shows this: train a discriminator from scratch against a fixed generator
# and watch the generator's gradient norm fall by orders of magnitude. The usual patch, the
# **non-saturating** loss −E log D(G(z)), has derivative −(1 − σ(t)) → −1: it does not vanish
# (below it even grows as D becomes surer).
#
# **Mode collapse.** Against a *fixed* discriminator the generator's best response is to put all
# of its samples wherever D is highest — one point. If the generator gets many steps between
# discriminator updates it does exactly that, and the samples collapse, covering at most a mode
# or two of a multi-modal data set. Below, both effects in miniature on the 8-Gaussians data.

# %%
import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from scipy import integrate, stats
from scipy.spatial.distance import jensenshannon

import minigan as mg
from minigan.gan import data
from minigan.lesson import Lesson

TITLE = "Vanishing gradients and mode collapse"
lesson = Lesson("04_vanishing_gradients_and_mode_collapse", TITLE)
rng = mg.backend.rng()

# The 8 Gaussians' centres (the WGAN-GP toy data): 2·(cos kπ/4, sin kπ/4) / 1.414, noise sd 0.02/1.414.
angles = np.arange(8) * math.pi / 4
CENTRES = 2.0 * np.column_stack([np.cos(angles), np.sin(angles)]) / 1.414


def noise(n: int, dim: int) -> mg.Tensor:
    return mg.tensor(rng.standard_normal((n, dim))).float()


def gradient_norm(loss: mg.Tensor, parameters: list) -> float:
    """‖∂loss/∂θ‖ over all of a network's parameters (θ stacked into one vector)."""
    gradients = mg.grad(loss, parameters)
    return math.sqrt(sum(float((g * g).sum().item()) for g in gradients))


# %% [markdown]
# ## Low-dimensional supports: disjoint, or meeting in measure zero
#
# Random planes and random lines in ℝ³, each through a random point with a random direction: a
# pair of planes meets in a line unless their normals are parallel (probability 0); a pair of
# lines is disjoint unless the shortest distance between them is exactly 0 (probability 0).

# %%
geometry = np.random.default_rng(lesson.seed)
pairs = 1000
normals_a, normals_b = geometry.standard_normal((pairs, 3)), geometry.standard_normal((pairs, 3))
normal_cross = np.linalg.norm(np.cross(normals_a, normals_b), axis=1)  # 0 ⇔ parallel planes
points_a, points_b = geometry.standard_normal((pairs, 3)), geometry.standard_normal((pairs, 3))
directions_a, directions_b = geometry.standard_normal((pairs, 3)), geometry.standard_normal((pairs, 3))
common_normal = np.cross(directions_a, directions_b)
line_gap = np.abs(((points_b - points_a) * common_normal).sum(axis=1)) / np.linalg.norm(common_normal, axis=1)
print(f"{pairs} random plane pairs: smallest |n₁ × n₂| = {normal_cross.min():.3g};  "
      f"{pairs} random line pairs: smallest distance between the lines = {line_gap.min():.3g}")
lesson.check("every pair of random planes in ℝ³ intersects (in a line): the supports are NOT disjoint",
             bool(np.all(normal_cross > 0)), f"smallest |n₁ × n₂| = {normal_cross.min():.3g}")
lesson.check("every pair of random lines in ℝ³ is disjoint (Weng's left panel)", bool(np.all(line_gap > 0)),
             f"smallest gap {line_gap.min():.3g}")
# Mass on the intersection: uniform points on a unit square patch of the plane z = 0, and the plane
# z = x·tan(0.3) through the origin: they meet in the line x = 0 (z = 0). The fraction of points
# within ε of that line is ε/½ → 0 as ε → 0: the line carries no probability.
patch = geometry.uniform(-0.5, 0.5, (200_000, 2))
for epsilon in (1e-2, 1e-4):
    fraction = float(np.mean(np.abs(patch[:, 0]) < epsilon))
    bound = 2 * epsilon + 4 * math.sqrt(2 * epsilon / len(patch))  # mean 2ε plus 4 standard errors
    lesson.check_less(f"fraction of the patch within ε = {epsilon:g} of the intersection line ≤ 2ε (+ 4 s.e.)",
                      fraction, bound)

# %% [markdown]
# Wikipedia's two other numbers: JS of disjoint supports, and the dimension of a colour photo.

# %%
disjoint_real, disjoint_fake = np.array([0.5, 0.5, 0.0, 0.0]), np.array([0.0, 0.0, 0.7, 0.3])
lesson.check_close("disjoint supports: JS = ln 2 (minigan), not +∞", mg.distances.js(disjoint_real, disjoint_fake),
                   math.log(2.0), atol=1e-15)
lesson.check_close("…and SciPy's jensenshannon² agrees", jensenshannon(disjoint_real, disjoint_fake) ** 2,
                   math.log(2.0), atol=1e-12)
lesson.check_close("it is KL that is +∞ there", mg.distances.kl(disjoint_real, disjoint_fake), math.inf)
photo = np.zeros((256, 256, 3), dtype=np.uint8)  # a 256-by-256 colour photo
lesson.check("a 256×256 colour photo has 3·256² = 196608 numbers, not 256² = 65536", photo.size == 3 * 256**2
             and photo.size != 256**2, f"{photo.size} numbers")

# %% [markdown]
# ## A generator on a curve, a discriminator trained from scratch
#
# The generator is a fixed, randomly initialised tanh MLP from a **1-dimensional** noise z to the
# plane: its samples lie on a curve. The data are the 8 Gaussians (eight tiny blobs). We train a
# fresh discriminator with Adam and, every few steps, measure on a fixed batch of z the norm of
# the gradient of each generator loss with respect to the generator's parameters.

# %%
generator = mg.nn.MLP([1, 32, 32, 2], activation="tanh")
generator_parameters = list(generator.parameters())
discriminator = mg.nn.MLP([2, 32, 32, 1], activation="relu")
optimizer = mg.optim.Adam(discriminator.parameters(), lr=1e-2, betas=(0.5, 0.9))
fixed_z = noise(256, 1)
with mg.no_grad():
    curve = generator(fixed_z).numpy()
gap = np.linalg.norm(curve[:, None, :] - CENTRES[None], axis=2).min()
print(f"closest approach of the generator's curve to a data centre: {gap:.3f} (blob sd 0.014)")
lesson.require("the generated curve misses every data blob by more than 5 blob widths (disjoint supports)",
               gap > 5 * 0.02 / 1.414, f"distance {gap:.3f}")

discriminator_steps = 900 if lesson.full else 200
record_every = 10
history = {"step": [], "minimax": [], "non_saturating": [], "d_real": [], "d_fake": []}
for step in range(discriminator_steps + 1):
    if step % record_every == 0:
        logits = discriminator(generator(fixed_z))
        history["minimax"].append(gradient_norm(mg.gan.gan_generator_loss(logits), generator_parameters))
        logits = discriminator(generator(fixed_z))
        history["non_saturating"].append(
            gradient_norm(mg.gan.gan_generator_loss_nonsaturating(logits), generator_parameters))
        with mg.no_grad():
            history["d_real"].append(mg.sigmoid(discriminator(data.eight_gaussians(512))).numpy().mean())
            history["d_fake"].append(mg.sigmoid(discriminator(generator(fixed_z))).numpy().mean())
        history["step"].append(step)
    if step == discriminator_steps:
        break
    real = data.eight_gaussians(128)
    with mg.no_grad():
        fake = generator(noise(128, 1))
    loss = mg.gan.gan_discriminator_loss(discriminator(real), discriminator(fake))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
history = {key: np.array(values, dtype=np.float64) for key, values in history.items()}

minimax, non_saturating = history["minimax"], history["non_saturating"]
print(f"mean D on real data {history['d_real'][-1]:.6f}, on generated samples {history['d_fake'][-1]:.2e}")
print(f"minimax gradient norm: peak {minimax.max():.3g}, final {minimax[-1]:.3g};  "
      f"non-saturating: first {non_saturating[0]:.3g}, final {non_saturating[-1]:.3g}")
lesson.check("the discriminator becomes perfect: mean D(real) > 0.999", history["d_real"][-1] > 0.999,
             f"{history['d_real'][-1]:.6f}")
lesson.check("…and mean D(generated) < 0.001", history["d_fake"][-1] < 1e-3, f"{history['d_fake'][-1]:.2e}")
lesson.check_less("the minimax generator gradient falls by ≥ 3 orders of magnitude from its peak",
                  minimax[-1], 1e-3 * minimax.max())
lesson.check("the non-saturating gradient does not vanish: it ends larger than it started",
             non_saturating[-1] > non_saturating[0], f"{non_saturating[0]:.3g} → {non_saturating[-1]:.3g}")
lesson.check("at the end the non-saturating gradient is ≥ 10⁴ × the minimax one",
             non_saturating[-1] >= 1e4 * minimax[-1], f"ratio {non_saturating[-1] / minimax[-1]:.3g}")

# The discriminator's value L(D) = E ln D(real) + E ln(1 − D(fake)) ≤ max_D L = 2·JS − 2 ln 2, so
# JS ≥ ln 2 + L(D)/2: a near-perfect D pins JS just below ln 2 — finite, whatever Wikipedia says.
with mg.no_grad():
    value_real = mg.logsigmoid(discriminator(data.eight_gaussians(4096))).numpy().astype(np.float64).mean()
    value_fake = mg.logsigmoid(-discriminator(generator(noise(4096, 1)))).numpy().astype(np.float64).mean()
js_lower_bound = math.log(2.0) + (value_real + value_fake) / 2
print(f"L(D_trained) = {value_real + value_fake:.2e} on 4096 + 4096 samples ⇒ JS ≥ {js_lower_bound:.6f} "
      f"(ln 2 = {math.log(2.0):.6f})")
lesson.check_between("the trained D proves ln 2 − 0.001 ≤ JS(p_r‖p_g) ≤ ln 2: finite, at its ceiling",
                     js_lower_bound, math.log(2.0) - 1e-3, math.log(2.0))

# %% [markdown]
# Why exactly: the minimax loss's gradient is the non-saturating one with each sample weighted by
# D(G(z)) / (1 − D(G(z))) — the chain rule through −σ(t) versus −(1 − σ(t)) — so once D(G(z)) is
# 10⁻⁶ the minimax signal is a millionth of the other. We check the per-sample identity with
# minigan's gradients with respect to the logits.

# %%
logits = discriminator(generator(fixed_z)).detach().requires_grad_()
(minimax_per_logit,) = mg.grad(mg.gan.gan_generator_loss(logits), logits)
logits_again = logits.detach().requires_grad_()
(non_saturating_per_logit,) = mg.grad(mg.gan.gan_generator_loss_nonsaturating(logits_again), logits_again)
d_fake = mg.sigmoid(logits.detach()).numpy().astype(np.float64)
ratio = minimax_per_logit.numpy().astype(np.float64) / non_saturating_per_logit.numpy().astype(np.float64)
lesson.check("per sample, minimax / non-saturating gradient = D/(1 − D) (to 1e-4 relative)",
             bool(np.allclose(ratio, d_fake / (1 - d_fake), rtol=1e-4, atol=0)),
             f"largest D(G(z)) = {d_fake.max():.2e}")

# %% [markdown]
# ## Two gradient estimators, and the name of each
#
# A generator's gradient is an expectation: ∇_θ E_{x~p_θ} f(x), with f = ln(1 − D) (GAN) or the
# critic f = D (WGAN). Two unbiased estimators exist:
#
# * the **score-function** (log-derivative, REINFORCE) estimator f(x)·∇_θ ln p_θ(x), which needs the
#   density p_θ but not f's gradient;
# * the **pathwise** estimator, writing x = G_θ(z) and differentiating through it:
#   ∇_θ f(G_θ(z)) — what GAN training and minigan's autodiff do. *This* is the reparameterization
#   trick.
#
# > **The source says** (Wikipedia, "Wasserstein GAN") ∇_θ E_{x~μ_G}[f(x)] = E_{x~μ_G}[f(x)·∇_θ ln ρ_{μ_G}(x)]
# > "where we used the reparameterization trick" — **in fact** that formula is the score-function
# > estimator; the reparameterization trick gives the pathwise one. Both are unbiased, with
# > different variances (checked below on x = θ + z, z ~ N(0, 1), θ = 1.5, for f = ln(1 − D) with
# > the logistic D(x) = σ(2 − 2x), and for the 1-Lipschitz critic f(x) = −x).

# %%
theta, estimator_samples = 1.5, 20_000
z = np.random.default_rng(lesson.seed).standard_normal(estimator_samples)
theta_tensor = mg.tensor(np.full(estimator_samples, theta), requires_grad=True, dtype="float64")
objectives = {"GAN f = ln(1 − D)": lambda x: mg.logsigmoid(-(2.0 - 2.0 * x)),
              "WGAN f = critic −x": lambda x: -x}
exact_gradient = {  # d/dθ E f(θ + z) = E f'(θ + z), by quadrature
    "GAN f = ln(1 − D)": integrate.quad(lambda u: 2.0 / (1.0 + math.exp(-(2.0 - 2.0 * (theta + u))))
                                        * stats.norm.pdf(u), -12, 12)[0],
    "WGAN f = critic −x": -1.0,
}
for name, objective in objectives.items():
    values = objective(theta_tensor + mg.tensor(z, dtype="float64"))  # x = G_θ(z) = θ + z
    (pathwise,) = mg.grad(values.sum(), theta_tensor)  # ∂f(θ + zᵢ)/∂θ, one per sample
    pathwise = pathwise.numpy()
    score = values.detach().numpy() * z  # f(x)·∂/∂θ ln N(x; θ, 1) = f(x)·(x − θ)
    for label, estimates in (("pathwise", pathwise), ("score-function", score)):
        standard_error = estimates.std() / math.sqrt(estimator_samples)
        lesson.check_close(f"{name}: the {label} estimator is unbiased (mean within 4 s.e. + 1e-12 of the "
                           f"quadrature value {exact_gradient[name]:.4f})", estimates.mean(), exact_gradient[name],
                           atol=4 * standard_error + 1e-12)
    print(f"{name}: variance per sample — pathwise {pathwise.var():.4g}, score-function {score.var():.4g}")
    lesson.check_less(f"{name}: the pathwise (reparameterised) estimator has the smaller variance",
                      pathwise.var(), score.var())

# %% [markdown]
# ## Mode collapse on 8 Gaussians
#
# Now both networks train (ReLU MLPs with 2-D noise, non-saturating loss, Adam). The setting
# that makes collapse appear reliably in a few hundred steps: the generator gets **25 steps for
# every 5 discriminator steps** (lr = 0.01), so it nearly reaches its best response to each
# discriminator — all samples to wherever D is highest.
#
# For contrast, a **balanced** run: one generator step per discriminator step, networks 64 units
# wide, batch 256, lr = 0.001 then 0.0001 for the last 40 % of 3000 rounds, and the
# discriminator regularised by a zero-centred gradient penalty on real data,
# (γ/2)·E‖∇ₓ logit(x)‖² with γ = 1 (the "R1" penalty of Mescheder et al., 2018, computed with
# minigan's double backprop — lesson 11 explains the mechanism). Mescheder et al. show that the
# unregularised game can circle its equilibrium like lesson 3's x·y game, and that this penalty
# makes gradient play converge near it.
#
# A mode counts as *covered* when at least 5 % of the samples lie within 3σ of its centre
# (σ = 0.02/1.414 ≈ 0.014 is a blob's standard deviation, so 3σ ≈ 0.042; neighbouring centres are
# 1.08 apart). The *spread* is the root-mean-square distance of the samples from their own mean:
# √2 ≈ 1.41 for the data.


# %%
BLOB_SD = 0.02 / 1.414
MODE_RADIUS = 3 * BLOB_SD


def modes_covered(points: np.ndarray) -> tuple[int, np.ndarray]:
    """(number of modes holding ≥ 5 % of the samples within 3σ of their centre, each mode's share)."""
    distance = np.linalg.norm(points[:, None, :] - CENTRES[None], axis=2)
    near = distance.min(axis=1) <= MODE_RADIUS
    shares = np.bincount(distance.argmin(axis=1)[near], minlength=8) / len(points)
    return int((shares >= 0.05).sum()), shares


def spread(points: np.ndarray) -> float:
    return float(np.sqrt(((points - points.mean(axis=0)) ** 2).sum(axis=1).mean()))


def train_gan(generator_steps_per_round: int, discriminator_steps_per_round: int, rounds: int, lr: float,
              width: int = 32, batch: int = 64, r1_weight: float = 0.0, decay_at: float = 1.0):
    """A minimal GAN loop (non-saturating loss) returning the trained generator and discriminator.

    r1_weight = γ adds (γ/2)·E‖∇ₓ logit(x_real)‖² to D's loss; after the fraction `decay_at` of the
    rounds both learning rates drop tenfold."""
    gen = mg.nn.MLP([2, width, width, 2], activation="relu")
    disc = mg.nn.MLP([2, width, width, 1], activation="relu")
    gen_optimizer = mg.optim.Adam(gen.parameters(), lr=lr, betas=(0.5, 0.9))
    disc_optimizer = mg.optim.Adam(disc.parameters(), lr=lr, betas=(0.5, 0.9))
    for round_index in range(rounds):
        if round_index == int(decay_at * rounds):
            gen_optimizer.lr = disc_optimizer.lr = lr / 10
        for _ in range(discriminator_steps_per_round):
            with mg.no_grad():
                fake = gen(noise(batch, 2))
            real = data.eight_gaussians(batch).requires_grad_(r1_weight > 0)
            real_logits = disc(real)
            loss = mg.gan.gan_discriminator_loss(real_logits, disc(fake))
            if r1_weight > 0:
                (slope,) = mg.grad(real_logits.sum(), real, create_graph=True)  # ∇ₓ logit, kept differentiable
                loss = loss + 0.5 * r1_weight * (slope * slope).sum(axis=1).mean()
            disc_optimizer.zero_grad()
            loss.backward()
            disc_optimizer.step()
        for _ in range(generator_steps_per_round):
            loss = mg.gan.gan_generator_loss_nonsaturating(disc(gen(noise(batch, 2))))
            gen_optimizer.zero_grad()
            loss.backward()
            gen_optimizer.step()
    return gen, disc


data_points = data.sample_host("8gaussians", 2000)
collapsed_generator, _ = train_gan(25, 5, rounds=16, lr=1e-2)
with mg.no_grad():
    collapsed = collapsed_generator(noise(2000, 2)).numpy().astype(np.float64)
balanced_rounds = 6000 if lesson.full else 3000
balanced_generator, _ = train_gan(1, 1, rounds=balanced_rounds, lr=1e-3, width=64, batch=256, r1_weight=1.0,
                                  decay_at=0.6)
with mg.no_grad():
    balanced = balanced_generator(noise(2000, 2)).numpy().astype(np.float64)

collapsed_modes, collapsed_shares = modes_covered(collapsed)
balanced_modes, balanced_shares = modes_covered(balanced)
collapsed_centre = collapsed.mean(axis=0)
nearest_centre_distance = float(np.linalg.norm(CENTRES - collapsed_centre, axis=1).min())
print(f"data:      spread {spread(data_points):.3f}, modes covered {modes_covered(data_points)[0]}")
print(f"collapsed: spread {spread(collapsed):.3f}, modes covered {collapsed_modes}, "
      f"shares {np.round(collapsed_shares, 3).tolist()}")
print(f"           its samples' mean is at ({collapsed_centre[0]:+.2f}, {collapsed_centre[1]:+.2f}), "
      f"{nearest_centre_distance:.2f} from the nearest data centre (a blob's 3σ radius is {MODE_RADIUS:.3f})")
print(f"balanced ({balanced_rounds} rounds of 1 + 1 steps, R1 γ = 1): spread {spread(balanced):.3f}, "
      f"modes covered {balanced_modes}, shares {np.round(balanced_shares, 3).tolist()}")
lesson.check("the data themselves cover all 8 modes by this measure", modes_covered(data_points)[0] == 8)
lesson.check("the collapsed generator covers fewer than 8 modes (at most 2)", collapsed_modes <= 2,
             f"{collapsed_modes} covered")
lesson.check_less("its samples have collapsed: spread < 0.35 × the data's", spread(collapsed),
                  0.35 * spread(data_points))
lesson.check("the balanced run covers at least 7 of the 8 modes", balanced_modes >= 7, f"{balanced_modes} covered")
lesson.check_between("…and its spread is within 10 % of the data's", spread(balanced) / spread(data_points), 0.9, 1.1)

# %% [markdown]
# The collapsed generator maps almost every z to one small region: its answer to the last
# discriminator. Where that region lands depends on the seed — on a mode, between modes or off
# the data altogether; how far its mean sits from the nearest data centre is printed above — but
# it does not spread over the eight. Were training to go on, the discriminator's next update would push D down there and
# the generator would jump elsewhere: such training hops between modes instead of covering them.
# A balanced schedule with a
# regularised discriminator covers the modes here, but the minimax game itself gives no guarantee
# against collapse; the WGAN critic (lessons 7 and 9–11) gives the generator a gradient that
# points towards *all* of the data.

# %% [markdown]
# ## Pictures

# %%
figure, (norms, scene) = plt.subplots(1, 2, figsize=(13, 4.8))
norms.semilogy(history["step"], minimax, "o-", ms=3, label="minimax: E log(1 − D(G(z)))")
norms.semilogy(history["step"], non_saturating, "s-", ms=3, label="non-saturating: −E log D(G(z))")
norms.semilogy(history["step"], history["d_fake"], ":", color="gray", label="mean D(G(z))")
norms.set_xlabel("discriminator training step (generator fixed)")
norms.set_ylabel("‖∂(generator loss)/∂θ‖ (log scale)")
norms.set_title("The better the discriminator, the less the minimax generator learns")
norms.legend(loc="lower left")
norms.grid(alpha=0.3, which="both")

extent = np.linspace(-2.5, 2.5, 101)
mesh_x, mesh_y = np.meshgrid(extent, extent)
with mg.no_grad():
    mesh_d = mg.sigmoid(discriminator(mg.tensor(np.column_stack([mesh_x.ravel(), mesh_y.ravel()])).float()))
contour = scene.contourf(mesh_x, mesh_y, mesh_d.numpy().reshape(mesh_x.shape), levels=np.linspace(0, 1, 11),
                         cmap="RdBu_r", alpha=0.6)
figure.colorbar(contour, ax=scene, label="D(x) after training")
scene.plot(data_points[:500, 0], data_points[:500, 1], "k.", ms=3, label="real: 8 Gaussians")
scene.plot(curve[:, 0], curve[:, 1], "-", color="tab:orange", lw=2.5, label="fixed generator: a curve")
scene.set_aspect("equal")
scene.set_xlabel("x₁")
scene.set_ylabel("x₂")
scene.set_title("Disjoint supports: D separates them perfectly")
scene.legend(loc="lower left", fontsize=9)
lesson.savefig(figure, "vanishing_gradients")

figure, panels = plt.subplots(1, 2, figsize=(12, 5.6))
for axes, points, name, modes in [
    (panels[0], collapsed, "25 generator steps per 5 discriminator steps (lr 0.01)", collapsed_modes),
    (panels[1], balanced, f"1 + 1 steps, R1 penalty γ = 1, {balanced_rounds} rounds (lr 0.001 → 0.0001)",
     balanced_modes),
]:
    axes.plot(data_points[:800, 0], data_points[:800, 1], ".", color="0.6", ms=3, label="real data")
    axes.plot(points[:800, 0], points[:800, 1], ".", color="tab:red", ms=3, alpha=0.5, label="generated")
    for centre in CENTRES:
        axes.add_patch(plt.Circle(centre, MODE_RADIUS, fill=False, color="k", lw=1.0))  # 3σ: where modes count
    axes.set_xlim(-2.6, 2.6)
    axes.set_ylim(-2.6, 2.6)
    axes.set_aspect("equal")
    axes.set_xlabel("x₁")
    axes.set_ylabel("x₂")
    axes.set_title(f"{name}\nmodes covered (≥ 5 % within 3σ): {modes}/8, spread {spread(points):.2f} "
                   f"(data {spread(data_points):.2f})",
                   fontsize=10)
    axes.legend(loc="lower left", fontsize=9)
lesson.savefig(figure, "mode_collapse")

# %%
lesson.finish()
