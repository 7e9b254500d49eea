# %% [markdown]
# # Lesson 4 — Low-dimensional supports, vanishing gradients and mode collapse
#
# **Disjoint supports make a perfect discriminator.** Real data and generated samples usually
# live on thin, low-dimensional sets: a generator with a k-dimensional noise input can only
# produce a k-dimensional surface, and natural data sits near a low-dimensional manifold too.
# Two such sets almost never overlap, and then some discriminator separates them perfectly:
# D = 1 on every real point, D = 0 on every generated one. JS is then ln 2 (lesson 1), flat.
#
# **The minimax generator's gradient vanishes.** With logit t and D = σ(t), the original
# generator minimises E log(1 − D(G(z))), whose derivative with respect to the logit is
# ∂/∂t log(1 − σ(t)) = −σ(t) = −D. As the discriminator gets better, D(G(z)) → 0 and so does the
# gradient reaching the generator — *the better the critic, the less the generator learns*. The
# sources' Figure 5 shows this: train a discriminator from scratch against a fixed generator
# and watch the generator's gradient norm fall by orders of magnitude. The usual patch, the
# **non-saturating** loss −E log D(G(z)), has derivative −(1 − σ(t)) → −1: it does not vanish
# (it grows instead, and becomes unstable — the WGAN papers' other complaint).
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
# ## Mode collapse on 8 Gaussians
#
# Now both networks train (ReLU MLPs with 2-D noise, non-saturating loss, Adam with lr = 0.01).
# The setting that makes collapse appear reliably in a few hundred steps: the generator gets
# **25 steps for every 5 discriminator steps**, so it nearly reaches its best response to each
# discriminator — all samples to wherever D is highest. For contrast, the same networks trained
# with one generator step per discriminator step (lr = 0.001): in quick mode (200 rounds) that run
# is far from a good fit yet either, but its samples have not collapsed; `--full` runs it for
# 3000 rounds.
#
# A mode counts as *covered* when at least 1/32 of the samples (a quarter of its fair share,
# 1/8) lie within 0.25 of its centre (neighbouring centres are 1.08 apart). The *spread* is the
# root-mean-square distance of the samples from their own mean: √2 ≈ 1.41 for the data.


# %%
def modes_covered(points: np.ndarray) -> tuple[int, np.ndarray]:
    distance = np.linalg.norm(points[:, None, :] - CENTRES[None], axis=2)
    near = distance.min(axis=1) < 0.25
    shares = np.bincount(distance.argmin(axis=1)[near], minlength=8) / len(points)
    return int((shares >= 1 / 32).sum()), shares


def spread(points: np.ndarray) -> float:
    return float(np.sqrt(((points - points.mean(axis=0)) ** 2).sum(axis=1).mean()))


def train_gan(generator_steps_per_round: int, discriminator_steps_per_round: int, rounds: int, lr: float):
    """A minimal GAN loop (non-saturating loss) returning the trained generator and discriminator."""
    gen = mg.nn.MLP([2, 32, 32, 2], activation="relu")
    disc = mg.nn.MLP([2, 32, 32, 1], activation="relu")
    gen_optimizer = mg.optim.Adam(gen.parameters(), lr=lr, betas=(0.5, 0.9))
    disc_optimizer = mg.optim.Adam(disc.parameters(), lr=lr, betas=(0.5, 0.9))
    for _ in range(rounds):
        for _ in range(discriminator_steps_per_round):
            with mg.no_grad():
                fake = gen(noise(64, 2))
            loss = mg.gan.gan_discriminator_loss(disc(data.eight_gaussians(64)), disc(fake))
            disc_optimizer.zero_grad()
            loss.backward()
            disc_optimizer.step()
        for _ in range(generator_steps_per_round):
            loss = mg.gan.gan_generator_loss_nonsaturating(disc(gen(noise(64, 2))))
            gen_optimizer.zero_grad()
            loss.backward()
            gen_optimizer.step()
    return gen, disc


data_points = data.sample_host("8gaussians", 2000)
collapsed_generator, _ = train_gan(25, 5, rounds=16, lr=1e-2)
with mg.no_grad():
    collapsed = collapsed_generator(noise(2000, 2)).numpy().astype(np.float64)
# GAN training is a gamble: one balanced run can collapse too. Three runs, and a claim about most.
balanced_rounds, balanced_runs = (3000 if lesson.full else 200), 3
balanced_samples = []
for _ in range(balanced_runs):
    balanced_generator, _ = train_gan(1, 1, rounds=balanced_rounds, lr=1e-3)
    with mg.no_grad():
        balanced_samples.append(balanced_generator(noise(2000, 2)).numpy().astype(np.float64))
balanced_spreads = [spread(points) for points in balanced_samples]
balanced = balanced_samples[int(np.argmax(balanced_spreads))]  # the figure shows the widest run

collapsed_modes, collapsed_shares = modes_covered(collapsed)
balanced_modes, _ = modes_covered(balanced)
print(f"data:      spread {spread(data_points):.3f}, modes covered {modes_covered(data_points)[0]}")
print(f"collapsed: spread {spread(collapsed):.3f}, modes covered {collapsed_modes}, "
      f"shares {np.round(collapsed_shares, 3).tolist()}")
print(f"balanced ({balanced_rounds} rounds of 1 + 1 steps, {balanced_runs} runs): spreads "
      f"{', '.join(f'{value:.3f}' for value in balanced_spreads)}; the widest covers {balanced_modes} modes")
lesson.check("the data themselves cover all 8 modes by this measure", modes_covered(data_points)[0] == 8)
lesson.check("the collapsed generator covers fewer than 8 modes (at most 2)", collapsed_modes <= 2,
             f"{collapsed_modes} covered")
lesson.check_less("its samples have collapsed: spread < 0.35 × the data's", spread(collapsed),
                  0.35 * spread(data_points))
wider_runs = sum(value > 2 * spread(collapsed) for value in balanced_spreads)
lesson.check(f"in most of {balanced_runs} runs the balanced schedule keeps over twice the collapsed one's spread",
             wider_runs >= 2, f"{wider_runs} of {balanced_runs} runs wider than 2 × {spread(collapsed):.3f}")

# %% [markdown]
# The collapsed generator maps almost every z to one small region: its answer to the last
# discriminator. Where that region lands depends on the seed — between modes here; on one mode
# or two in other runs — but it never spreads over the eight. The discriminator's next update
# pushes D down there and the generator jumps elsewhere, so such training hops between modes
# instead of covering them. A balanced schedule delays the collapse but the
# minimax game gives no guarantee against it; the WGAN critic (lessons 7 and 9–11) gives the
# generator a gradient that points towards *all* of the data.

# %% [markdown]
# ## Pictures

# %%
figure, (norms, scene) = plt.subplots(1, 2, figsize=(13, 4.8))
norms.semilogy(history["step"], minimax, "o-", ms=3, label="minimax: E log(1 − D(G(z)))")
norms.semilogy(history["step"], non_saturating, "s-", ms=3, label="non-saturating: −E log D(G(z))")
norms.semilogy(history["step"], history["d_fake"], ":", color="gray", label="mean D(G(z))")
norms.set_xlabel("discriminator training step (generator fixed)")
norms.set_ylabel("‖∇_θ generator loss‖ (log scale)")
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
    (panels[1], balanced, f"1 + 1 steps (lr 0.001), {balanced_rounds} rounds: the widest of {balanced_runs} runs",
     balanced_modes),
]:
    axes.plot(data_points[:800, 0], data_points[:800, 1], ".", color="0.6", ms=3, label="real data")
    axes.plot(points[:800, 0], points[:800, 1], ".", color="tab:red", ms=3, alpha=0.5, label="generated")
    for centre in CENTRES:
        axes.add_patch(plt.Circle(centre, 0.25, fill=False, ls="--", color="k", lw=0.8))
    axes.set_xlim(-2.6, 2.6)
    axes.set_ylim(-2.6, 2.6)
    axes.set_aspect("equal")
    axes.set_xlabel("x₁")
    axes.set_ylabel("x₂")
    axes.set_title(f"{name}\nmodes covered: {modes}/8, spread {spread(points):.2f} (data {spread(data_points):.2f})",
                   fontsize=10)
    axes.legend(loc="lower left", fontsize=9)
lesson.savefig(figure, "mode_collapse")

# %%
lesson.finish()
