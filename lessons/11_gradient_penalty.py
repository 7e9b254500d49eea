# %% [markdown]
# # Lesson 11 — The gradient penalty (WGAN-GP) and double backpropagation
#
# Clipping (lesson 9) bounds the critic's Lipschitz constant crudely and biases it towards
# simple functions. Gulrajani et al. (2017, *Improved Training of Wasserstein GANs*, Proposition 1)
# proved a sharper property of the *optimal* critic f* of the Kantorovich–Rubinstein problem, under
# three conditions: the space is compact, f* is differentiable, and the optimal transport plan π
# moves its mass, π(x = y) = 0 (no point is coupled with itself). Then, for π-almost every coupled
# pair (x, y) and every point xₜ = t·x + (1 − t)·y between them (0 ≤ t ≤ 1), ∇f*(xₜ) is the
# unit vector along the segment: f* has gradient norm 1 on the lines the plan moves mass along.
# So they ask for unit gradient norm directly, with a soft penalty:
#
#     L_D = E D(x̃) − E D(x) + λ·E_x̂ (‖∇ₓ̂ D(x̂)‖₂ − 1)²,    x̂ = ε·x + (1 − ε)·x̃,  ε ~ U[0, 1]
#
# (x real, x̃ generated). The conditions matter. Where the two laws overlap, part of the optimal
# plan may leave mass where it is (π(x = y) > 0), and at P_g = P_r *all* of it stays: then every
# 1-Lipschitz function is an optimal critic (the objective is 0 for all of them). The constant one
# pays the full two-sided penalty, so that penalty picks an optimal critic with slope ≈ 1, and the
# generator keeps being pushed when it has already succeeded. Section 4 measures this, and the
# *one-sided* penalty λ·E max(0, ‖∇D(x̂)‖ − 1)² (Petzka, Fischer and Lukovnikov, 2018), which only
# punishes slopes above 1, beside it.
#
# The lines x̂ lies on join **independently drawn** pairs — not the pairs the optimal transport
# plan couples, which nobody knows (finding them is the transport problem itself). So sampling x̂
# this way is a heuristic, and the paper says so; it works well in practice, but nothing makes it
# exact. For continuous laws the coupled pairs are a set of probability 0 under independent
# sampling, so the segment x̂ lies on is almost never one the optimal plan uses; and it demands unit
# norm on the other segments too, where f* need not have it. So the penalised critic's optimum
# differs from f* in general (Petzka et al. 2018); sections 3 and 4 show how a finitely trained
# penalised critic behaves. What the sampling does get right is *where* it looks: on and between the two laws,
# where the generator will read the critic's slope. Off that region the penalty says nothing
# (section 3 measures it).
#
# Two sets of hyper-parameters circulate, and they differ: the paper's **Algorithm 1** uses
# λ = 10, n_critic = 5 and Adam(α = 1e-4, β₁ = 0, β₂ = 0.9); the authors' **toy script** (the
# 8 Gaussians and Swiss roll below) uses λ = 0.1 and Adam(1e-4, β = (0.5, 0.9)), and so do
# minigan's defaults for the 2-D toy sets.
#
# > **The source says** (the paper notes *Improved Training of Wasserstein GANs*) that x̂ comes
# > from "P_m = εP_r + (1 − ε)P_g, ε ~ U[0, 1]" — **in fact** that formula is a *mixture*: a
# > draw from it is a real point (with probability ε) or a generated one, never a point between
# > them. What the paper samples is the law of x̂ = εx + (1 − ε)x̃, which mixes the *points*, not
# > the laws (checked in section 2). The same notes call P_m "a uniform distribution along straight
# > lines between pairs of points" — meaning uniform along each segment, which it is. Note only
# > that the law of x̂ is then a mixture over segments, not uniform on their union: near the laws, where segments crowd
# > together, it is dense; in between, thin (checked in section 2, on a fan of segments).
# >
# > **The source says** (Wikipedia, *Wasserstein GAN*) that the penalty's μ̂ "is a fixed
# > distribution" — **in fact** the law of x̂ depends on P_g, so it moves with the generator at
# > every step (checked in section 2: moving the fake points moves the x̂).
# >
# > **The source says** (the paper notes) that the penalised supremum is "the new loss function
# > for the generator" — **in fact** that supremum is neither W₁ (the penalised critic is not the
# > optimal one: section 3) nor what the generator minimises: the generator's loss is −E D(G(z))
# > for the critic of the moment; the penalty does not depend on the generator's weights except
# > through x̂, and the trainer does not differentiate it with respect to them.
#
# Training with this loss means differentiating ‖∇ₓ̂ D‖ with respect to the critic's weights — a
# derivative of a derivative. That is why minigan's engine writes every VJP with Tensor
# operations: with `create_graph=True`, the backward pass is itself recorded as a graph and can
# be differentiated again ("double backprop"). We look at that graph first.

# %%
from collections import Counter

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import minigan as mg
from minigan.gan import data
from minigan.gan.penalty import gradient_norms, interpolate
from minigan.lesson import Lesson

lesson = Lesson("11_gradient_penalty", "The gradient penalty and double backprop")
host_rng = mg.backend.rng()


def graph_primitives(tensor):
    """Count the primitives recorded in the graph that produced `tensor` (each tensor's op_name)."""
    return Counter(node.op_name for node in mg.autodiff.graph_nodes(tensor) if not node.is_leaf)


# %% [markdown]
# ## 1. Double backprop, seen in minigan's own graph
#
# A small tanh critic and a batch of points x̂ (a leaf that requires grad). The forward pass
# records one `linear` node per layer (x Wᵀ + b) and the `tanh`'s between them.
# `mg.grad(D(x̂).sum(), x̂, create_graph=True)` runs the backward pass *with recording on*: each
# VJP is itself written with differentiable operations — for tanh, g·(1 − out·out), built from
# `mul` and `sub`; for a linear layer, g·W, itself a `linear` node — so it adds nodes of its own,
# whose parents include the forward pass's tensors (W, and tanh's output).
# The gradient is therefore a tensor with a graph of its own, and the penalty built from it
# can be differentiated with respect to W like any other loss.

# %%
critic = mg.nn.MLP([2, 8, 8, 1], activation="tanh", dtype="float64")
x_hat = mg.tensor(host_rng.standard_normal((5, 2)), requires_grad=True)
scores = critic(x_hat)
forward_graph = graph_primitives(scores)
(gradient,) = mg.grad(scores.sum(), x_hat, create_graph=True)
gradient_graph = graph_primitives(gradient)
print("forward graph of D(x̂):        ", dict(forward_graph), f"— {sum(forward_graph.values())} nodes")
print("graph of ∇ₓ̂D (create_graph):   ", dict(gradient_graph), f"— {sum(gradient_graph.values())} nodes")
lesson.identity("with create_graph=True the gradient is itself a tensor in a graph (requires_grad, made by a "
             "primitive)", gradient.requires_grad and gradient.op_name is not None,
             f"made by {gradient.op_name}")
lesson.identity("that graph contains the forward pass's tanh nodes (the VJP of tanh reuses tanh's output)",
             gradient_graph["tanh"] == forward_graph["tanh"] == 2)
vjp_only = sorted(set(gradient_graph) - set(forward_graph))
lesson.identity("…and the VJPs' own operations, absent from the forward pass: tanh's mul and sub",
             {"mul", "sub"} <= set(vjp_only), ", ".join(vjp_only))
lesson.identity("…and more linear nodes than the forward pass (each layer's g·W)",
             gradient_graph["linear"] > forward_graph["linear"],
             f"{gradient_graph['linear']} vs {forward_graph['linear']}")
lesson.identity("it is larger than the forward graph it differentiates",
             sum(gradient_graph.values()) > sum(forward_graph.values()),
             f"{sum(gradient_graph.values())} vs {sum(forward_graph.values())} nodes")

(plain_gradient,) = mg.grad(critic(x_hat).sum(), x_hat)  # the default: no graph for the backward pass
lesson.identity("without create_graph the gradient is plain data: no graph, requires_grad = False",
             not plain_gradient.requires_grad and plain_gradient.op_name is None)
lesson.check_close("both ways give the same numbers", np.abs(plain_gradient.numpy() - gradient.numpy()).max(),
                   0.0, atol=1e-15, kind="identity")

# %% [markdown]
# Is the second derivative right? Two checks. For a **linear** critic D(x) = w·x + b the
# gradient is w everywhere, so the penalty is exactly (‖w‖ − 1)² and its gradient with respect to
# w is 2(‖w‖ − 1)·w/‖w‖. For the tanh critic, compare d(penalty)/dW with central finite
# differences, entry by entry, in float64.

# %%
linear = mg.nn.Linear(2, 1, dtype="float64")
real, fake = mg.tensor(host_rng.standard_normal((16, 2))), mg.tensor(host_rng.standard_normal((16, 2)))
penalty = mg.gan.gradient_penalty(linear, real, fake)
(weight_gradient,) = mg.grad(penalty, [linear.weight])
w = linear.weight.numpy()[0]
norm_w = np.linalg.norm(w)
lesson.check_close("linear critic: penalty = (‖w‖ − 1)²", penalty.item(), (norm_w - 1.0) ** 2, atol=1e-14,
                   kind="identity")
lesson.check_close("linear critic: d penalty/dw = 2(‖w‖ − 1)·w/‖w‖ (max difference)",
                   np.abs(weight_gradient.numpy()[0] - 2 * (norm_w - 1) * w / norm_w).max(), 0.0, atol=1e-14,
                   kind="identity")

epsilon = mg.tensor(host_rng.uniform(0, 1, (16, 1)))  # fixed, so the penalty is a deterministic function of W


def penalty_of_critic():
    return mg.gan.gradient_penalty(critic, real, fake, epsilon=epsilon)


first_weight = critic[0].weight
(analytic,) = mg.grad(penalty_of_critic(), [first_weight])
numeric = np.zeros(first_weight.shape)
step = 1e-6
for index in np.ndindex(*first_weight.shape):
    original = first_weight.data[index].item()
    first_weight.data[index] = original + step
    plus = penalty_of_critic().item()
    first_weight.data[index] = original - step
    minus = penalty_of_critic().item()
    first_weight.data[index] = original
    numeric[index] = (plus - minus) / (2 * step)
difference = np.abs(analytic.numpy() - numeric).max()
print(f"d penalty / d W₁ of the tanh critic: max |double backprop − finite differences| = {difference:.1e}")
lesson.check_less("tanh critic: double backprop matches finite differences (max difference < 1e-7)",
                  difference, 1e-7, kind="identity")

# %% [markdown]
# ## 2. Where the penalty looks: x̂ on the lines between real and fake points
#
# `interpolate(real, fake)` draws one ε per pair. Each x̂ lies on the segment from its fake point
# to its real point.

# %%
real_points = data.eight_gaussians(24)
fake_points = mg.tensor(0.6 * host_rng.standard_normal((24, 2)), dtype="float32")
mix = mg.tensor(host_rng.uniform(0, 1, (24, 1)), dtype="float32")
x_hat = interpolate(real_points, fake_points, epsilon=mix)
r, f, xh, e = real_points.numpy(), fake_points.numpy(), x_hat.numpy(), mix.numpy()
off_segment = np.abs((r - f)[:, 0] * (xh - f)[:, 1] - (r - f)[:, 1] * (xh - f)[:, 0]).max()
lesson.check_less("every x̂ is on the line through its real and fake point (max cross product < 1e-5)",
                  off_segment, 1e-5, kind="identity")
lesson.check_close("…at the fraction ε of the way from the fake point (max error)",
                   np.abs(xh - (e * r + (1 - e) * f)).max(), 0.0, atol=1e-6, kind="identity")
lesson.identity("the interpolates are fresh leaves that require grad (the penalty differentiates D there)",
             x_hat.requires_grad and x_hat.is_leaf)

# x̂ against the notes' "P_m = εP_r + (1 − ε)P_g": real points on the 8 Gaussians' circle (radius
# √2), fake points in a small cloud N(0, 0.05²) at the centre. A draw from the mixture is one or
# the other; x̂ lies on a radius at a uniform fraction ε, so the share of x̂ in the ring
# 0.3 ≤ ‖x̂‖ ≤ 1.1 is about (1.1 − 0.3)/√2 = 0.566 (the cloud's spread changes it by < 0.01).
n_mix = 4000
ring_real = data.eight_gaussians(n_mix)
ring_fake = mg.tensor(0.05 * host_rng.standard_normal((n_mix, 2)), dtype="float32")
weights_eps = host_rng.uniform(0, 1, (n_mix, 1))
mixture_draws = np.where(host_rng.uniform(0, 1, (n_mix, 1)) < weights_eps, ring_real.numpy(), ring_fake.numpy())
x_hat_draws = interpolate(ring_real, ring_fake, epsilon=mg.tensor(weights_eps, dtype="float32")).numpy()


def ring_share(points):
    radii = np.linalg.norm(points, axis=1)
    return float(np.mean((radii >= 0.3) & (radii <= 1.1)))


expected_share = (1.1 - 0.3) / np.sqrt(2.0)
share_tolerance = 4 * np.sqrt(expected_share * (1 - expected_share) / n_mix) + 0.01  # 4 standard errors + spread
print(f"share in the ring 0.3 ≤ ‖x‖ ≤ 1.1: mixture εP_r + (1 − ε)P_g {ring_share(mixture_draws):.3f}, "
      f"x̂ {ring_share(x_hat_draws):.3f} (expected {expected_share:.3f})")
# A worked computation, not a test: the mixture's draws are data points or cloud points by construction.
lesson.check_close("the source's slip: the mixture εP_r + (1 − ε)P_g puts no point between the laws",
                   ring_share(mixture_draws), 0.0, atol=0.0, kind="worked")
lesson.check_close("… while x̂ = εx + (1 − ε)x̃ fills the ring between them at the expected share",
                   ring_share(x_hat_draws), expected_share, atol=share_tolerance)

# "Uniform along straight lines"? Join one real point (1, 0) to fake points spread evenly on the
# segment {0} × [−1, 1]: the segments fill the triangle with corners (1, 0), (0, ±1). x̂'s first
# coordinate is ε, uniform on [0, 1], mean 1/2. Uniform on the triangle (the union of the segments)
# its mean would be 1/3: the triangle narrows towards (1, 0), where all the segments meet and x̂
# crowds. x̂ is uniform along each segment, not on their union.
slip_rng = np.random.default_rng([lesson.seed, 11])  # its own stream: the checks below keep their draws
fan_fake = np.stack([np.zeros(n_mix), slip_rng.uniform(-1.0, 1.0, n_mix)], axis=1)
fan_real = np.tile([1.0, 0.0], (n_mix, 1))
fan_x_hat = interpolate(mg.tensor(fan_real), mg.tensor(fan_fake),
                        epsilon=mg.tensor(slip_rng.uniform(0, 1, (n_mix, 1)))).numpy()
fan_mean, fan_se = fan_x_hat[:, 0].mean(), fan_x_hat[:, 0].std() / np.sqrt(n_mix)
lesson.worked("the notes' slip: x̂ is not uniform on the union of the segments — its first coordinate has mean "
              "1/2 (within 4 s.e.), over 20 s.e. from the 1/3 of the uniform law on the triangle",
              abs(fan_mean - 0.5) <= 4 * fan_se and abs(fan_mean - 1 / 3) >= 20 * fan_se,
              f"mean {fan_mean:.4f} ± {fan_se:.4f}")
# "A fixed distribution"? Shift the generated points by t = (0.5, 0): with the same ε, x̂ moves by
# (1 − ε)·t, on average t/2 — the law of x̂ is made by the generator.
moved_x_hat = interpolate(ring_real, ring_fake + mg.tensor(np.array([[0.5, 0.0]]), dtype="float32"),
                          epsilon=mg.tensor(weights_eps, dtype="float32")).numpy()
lesson.check_close("the source's slip: μ̂ is not fixed — shifting the generated points by (0.5, 0) moves the "
                   "mean of x̂ by 0.5·E(1 − ε) ≈ 0.25 (the ε drawn)",
                   (moved_x_hat - x_hat_draws)[:, 0].mean(), 0.5 * (1 - weights_eps).mean(), atol=1e-5,
                   kind="worked")

fig, ax = plt.subplots(figsize=(5.5, 5.5))
for a, b in zip(r, f):
    ax.plot([a[0], b[0]], [a[1], b[1]], color="gray", lw=0.7)
ax.scatter(*r.T, color="k", s=18, label="real x (8 Gaussians)", zorder=3)
ax.scatter(*f.T, color="tab:orange", s=18, label="generated x̃", zorder=3)
ax.scatter(*xh.T, color="tab:blue", marker="x", s=30, label="x̂ = εx + (1 − ε)x̃", zorder=4)
ax.set_aspect("equal")
ax.set_xlabel("x₁")
ax.set_ylabel("x₂")
ax.set_title("The gradient penalty is evaluated at x̂")
ax.legend(fontsize=8, loc="upper right")
lesson.savefig(fig, "interpolates")

# %% [markdown]
# ## 3. Clipping against the penalty: the critics' value surfaces (WGAN-GP, Figure 1)
#
# The paper's first experiment trains *only the critic*, against a "generator" held fixed at
# the real data plus N(0, 1) noise, once with weight clipping (c = 0.01, RMSprop) and once with the
# gradient penalty (we use Algorithm 1's λ = 10; the toy script behind the figure uses 0.1;
# Adam(β = (0.5, 0.9))), and draws the critic's values on a grid over
# [−3, 3]². Same critic for both: ReLU MLP 2→64→64→64→1, He initialisation.
#
# The paper trains these critics *to optimality* (its toy script runs 100,000 iterations at
# lr 1e-4). We use 10× the papers' rates (RMSprop 5e-4, Adam 1e-3) so that the optimum is reached
# in thousands of steps: 2,000 penalty steps on the 8 Gaussians in the quick mode, 6,000 on all three
# toy sets with `--full` (on the paper's 128×128 grid). Too short a run is misleading: a
# He-initialised ReLU critic starts with an arbitrary sign of E D(real) − E D(fake) (negative on
# seed 0 when the lesson was written), and it takes a thousand-odd steps for its biases to fold it
# around the data.
#
# Optimality is something we can check: by Kantorovich–Rubinstein duality (lesson 07) a
# 1-Lipschitz critic's estimate E D(real) − E D(fake) is at most W₁, with equality for the optimal
# one, and the exact W₁ between the two samples is an assignment problem. Then the gradient norms
# at x̂: the penalty drives them to ≈ 1; the clipped critic's are tied to c and tiny. Its
# estimate is at most K·W₁ for its own Lipschitz constant K (at most the product of its layers'
# spectral norms, checked), but it is not "K·W₁ for some unknown K": the clipped networks are a
# strict subset of the K-Lipschitz functions, so their best estimate can fall short of K·W₁ by any
# factor, and that factor drifts during training (lesson 12 measures the drift).
#
# The quick run does not reach the optimum: its penalty critic's estimate falls short of the exact
# W₁ between the two 1,000-point samples (asserted: 65–105 %, printed below; that W₁ is itself a
# little above the laws' W₁: two finite samples are never perfectly matched). `--full`'s 6,000
# steps go further.

# %%
critic_steps = {"clipping": 300 if not lesson.full else 3000, "gradient penalty": 2000 if not lesson.full else 6000}
rate_factor = 10.0
grid_size = 48 if not lesson.full else 128
datasets_shown = ("8gaussians",) if not lesson.full else ("8gaussians", "25gaussians", "swissroll")
side = np.linspace(-3.0, 3.0, grid_size)
grid_x, grid_y = np.meshgrid(side, side)
grid_points = mg.tensor(np.stack([grid_x.ravel(), grid_y.ravel()], axis=1), dtype="float32")


def train_critic_alone(name, method):
    critic = mg.nn.MLP([2, 64, 64, 64, 1], activation="relu", init="he")
    if method == "clipping":
        mg.nn.clip_weights(critic, 0.01)
        optimizer = mg.optim.RMSprop(critic.parameters(), lr=5e-5 * rate_factor)
    else:
        optimizer = mg.optim.Adam(critic.parameters(), lr=1e-4 * rate_factor, betas=(0.5, 0.9))
    for _ in range(critic_steps[method]):
        real = data.sample(name, 128)
        fake = real + mg.tensor(mg.backend.random_normal((128, 2)))  # the fixed "generator"
        loss = critic(fake).mean() - critic(real).mean()
        if method == "gradient penalty":
            loss = loss + 10.0 * mg.gan.gradient_penalty(critic, real, fake)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if method == "clipping":
            mg.nn.clip_weights(critic, 0.01)
    real = data.sample(name, 4096)
    fake = real + mg.tensor(mg.backend.random_normal((4096, 2)))
    norms = gradient_norms(critic, interpolate(real[:512], fake[:512])).numpy()
    with mg.no_grad():
        estimate = critic(real).mean().item() - critic(fake).mean().item()
        surface = critic(grid_points).numpy().reshape(grid_size, grid_size)
    far_angles = host_rng.uniform(0, 2 * np.pi, 2000)
    far_radii = host_rng.uniform(6.0, 9.0, 2000)  # beyond the x̂ (see below)
    far_points = mg.tensor(np.stack([far_radii * np.cos(far_angles), far_radii * np.sin(far_angles)], axis=1),
                           dtype="float32", requires_grad=True)
    far_norms = gradient_norms(critic, far_points).numpy()
    return {"surface": surface, "norms": norms, "real": real.numpy()[:512], "estimate": estimate,
            "far_norms": far_norms, "critic": critic}


def exact_w1_against_noisy_data(name, n):
    """Exact W₁ between n data points and n other data points plus N(0, 1) noise (an assignment),
    and the two samples."""
    real = data.sample_host(name, n, host_rng)
    fake = data.sample_host(name, n, host_rng) + host_rng.standard_normal((n, 2))
    return mg.distances.w1_assignment(real, fake), real, fake


surfaces = {(name, method): train_critic_alone(name, method)
            for name in datasets_shown for method in ("clipping", "gradient penalty")}
w1_samples = {name: exact_w1_against_noisy_data(name, 1000 if not lesson.full else 1500) for name in datasets_shown}
exact_w1 = {name: w1_samples[name][0] for name in datasets_shown}
for (name, method), result in surfaces.items():
    print(f"{name:>12}, {method:>16}: ‖∇D(x̂)‖ mean {result['norms'].mean():.4f}, "
          f"sd {result['norms'].std():.4f}; E D(real) − E D(fake) = {result['estimate']:.4g} "
          f"(exact W₁ {exact_w1[name]:.3f})")
lowest_fraction, highest_fraction = (0.65, 1.05) if not lesson.full else (0.8, 1.2)
for name in datasets_shown:
    penalty, clipping = surfaces[(name, "gradient penalty")], surfaces[(name, "clipping")]
    lesson.check_close(f"{name}, gradient penalty: the mean ‖∇D(x̂)‖ is within 0.15 of 1",
                       penalty["norms"].mean(), 1.0, atol=0.15)
    lesson.check_less(f"{name}, weight clipping: the mean ‖∇D(x̂)‖ is far from 1 (< 0.01; the clip caps it at "
                      "∏c√(ml) ≈ 0.0037)", clipping["norms"].mean(), 0.01, kind="worked")
    # Both numbers come from finite samples (a few % of sampling error each), and the penalty holds
    # ‖∇D‖ near 1 where it looks, not exactly 1 everywhere: hence some room above W₁.
    lesson.check_between(f"{name}, gradient penalty: the critic's estimate is {lowest_fraction:.0%}–"
                         f"{highest_fraction:.0%} of the exact W₁", penalty["estimate"] / exact_w1[name],
                         lowest_fraction, highest_fraction)
    # The clipped critic: what can fail is the sign (an untrained critic's is a coin toss); its size
    # is capped by Kantorovich–Rubinstein with the critic's own K ≤ ∏‖Wᵢ‖_s, on the very samples
    # whose exact W₁ we have (an identity), and that K by clipping itself (∏ c·√(m·l), worked).
    lesson.check_less(f"{name}, weight clipping: the critic learned which side is real (estimate > 0)",
                      0.0, clipping["estimate"], margin=-1e-12)
    _, w1_real, w1_fake = w1_samples[name]
    with mg.no_grad():
        clipped_critic = clipping["critic"]
        same_sample_estimate = (clipped_critic(mg.tensor(w1_real, dtype="float32")).mean().item()
                                - clipped_critic(mg.tensor(w1_fake, dtype="float32")).mean().item())
    spectral_product = mg.nn.lipschitz_upper_bound(clipped_critic)
    lesson.identity(f"{name}, weight clipping: on the W₁ samples its estimate is ≤ ∏‖Wᵢ‖_s · W₁ "
                    "(Kantorovich–Rubinstein with the critic's own Lipschitz bound)",
                    same_sample_estimate <= spectral_product * exact_w1[name],
                    f"{same_sample_estimate:.3g} ≤ {spectral_product:.3g} × {exact_w1[name]:.3f}")
    clip_cap = float(np.prod([0.01 * np.sqrt(layer.weight.shape[0] * layer.weight.shape[1])
                              for layer in clipped_critic if isinstance(layer, mg.nn.Linear)]))
    lesson.check_less(f"{name}, weight clipping: that bound is below the clipping cap ∏ c·√(m·l)",
                      spectral_product, clip_cap, kind="worked")
    print(f"{name}: clipped critic's estimate / W₁ = {clipping['estimate'] / exact_w1[name]:.3g}, its "
          f"∏‖Wᵢ‖_s = {spectral_product:.3g}, the cap ∏ c·√(m·l) = {clip_cap:.3g}")

# %% [markdown]
# > **The source says** (Wikipedia, *Wasserstein GAN*, "Gradient penalty") that the critic,
# > minimising the penalised loss, "would naturally bring ∇D(x) close to a everywhere, thus
# > making ‖D‖_L ≈ a" — **in fact** the penalty is evaluated only at the x̂, so it acts only on
# > the region their lines sweep; elsewhere the critic's slope is whatever the network happens to
# > do there. Two measurements on the 8 Gaussians' penalty critic: its gradient norm at points
# > 6 ≤ ‖x‖ ≤ 9, beyond every x̂ drawn, where this ReLU critic extrapolates linearly (printed, not
# > asserted: it is whatever the network's shape makes it, not what the penalty asks); and a critic changed only
# > off the lines, D′(x) = D(x) + 10·max(0, ‖x‖ − 6), whose slope there is 10 ± 1 while the
# > penalty, which never looks there, is the same to the last bit (checked).

# %%
penalty_critic = surfaces[("8gaussians", "gradient penalty")]
on_lines, off_lines = penalty_critic["norms"], penalty_critic["far_norms"]
print(f"8gaussians, gradient penalty: ‖∇D‖ within 0.1 of 1 at {np.mean(np.abs(on_lines - 1) <= 0.1):.1%} of the "
      f"x̂ and at {np.mean(np.abs(off_lines - 1) <= 0.1):.1%} of the points 6 ≤ ‖x‖ ≤ 9 (there: mean "
      f"{off_lines.mean():.3f}, range {off_lines.min():.3f}–{off_lines.max():.3f})")
blind_real = data.sample("8gaussians", 512)
blind_fake = blind_real + mg.tensor(mg.backend.random_normal((512, 2)))
blind_mix = mg.tensor(host_rng.uniform(0, 1, (512, 1)), dtype="float32")
blind_x_hat = interpolate(blind_real, blind_fake, epsilon=blind_mix).numpy()
bumped_critic = penalty_critic["critic"]


def critic_changed_off_the_lines(points):
    radius = mg.sqrt((points * points).sum(axis=1, keepdims=True))
    return bumped_critic(points) + 10.0 * mg.relu(radius - 6.0)


plain_penalty = mg.gan.gradient_penalty(bumped_critic, blind_real, blind_fake, epsilon=blind_mix).item()
changed_penalty = mg.gan.gradient_penalty(critic_changed_off_the_lines, blind_real, blind_fake,
                                          epsilon=blind_mix).item()
far = mg.tensor(np.array([[7.0, 0.0], [0.0, -8.0], [6.0, 6.0]]), dtype="float32", requires_grad=True)
changed_far_norms = gradient_norms(critic_changed_off_the_lines, far).numpy()
lesson.check("the source's slip: every x̂ drawn lies within ‖x‖ < 6 (a noise vector would need a norm above "
             "4.5: probability e^(−10) per vector, ≈ 0.02 over the 512 draws)…",
             float(np.linalg.norm(blind_x_hat, axis=1).max()) < 6.0,
             f"largest ‖x̂‖ {np.linalg.norm(blind_x_hat, axis=1).max():.2f}")
lesson.check_close("… so a critic changed only beyond ‖x‖ = 6 has exactly the same penalty", changed_penalty,
                   plain_penalty, atol=0.0, kind="identity")
lesson.check("… while its gradient norm out there is 10 minus at most the critic's own "
             "slope there (printed; > 8), not 1: the penalty does not act there",
             bool(np.all(changed_far_norms > 8.0)), str(np.round(changed_far_norms, 2)))

fig, axes = plt.subplots(len(datasets_shown), 2, figsize=(9.2, 4.4 * len(datasets_shown)), squeeze=False)
for row, name in enumerate(datasets_shown):
    for column, method in enumerate(("clipping", "gradient penalty")):
        ax = axes[row, column]
        result = surfaces[(name, method)]
        filled = ax.contourf(grid_x, grid_y, result["surface"], levels=20, cmap="viridis")
        fig.colorbar(filled, ax=ax, shrink=0.8, label="D(x)", format="%.2g")
        ax.contour(grid_x, grid_y, result["surface"], levels=10, colors="w", linewidths=0.4)
        ax.scatter(*result["real"][:200].T, s=2, color="tab:orange")
        ax.set_aspect("equal")
        ax.set_title(f"{name}, {method}\nmean ‖∇D(x̂)‖ = {result['norms'].mean():.3g}", fontsize=10)
        ax.set_xlabel("x₁")
        ax.set_ylabel("x₂")
fig.suptitle("Critic value surfaces against a generator fixed at data + N(0, 1)\n(orange: data; "
             "colours: low → high critic value)", fontsize=11)
fig.tight_layout()
lesson.savefig(fig, "critic_surfaces_clipping_vs_penalty")

fig, ax = plt.subplots(figsize=(6.5, 3.8))
bins = np.linspace(0.0, 1.6, 65)
ax.hist(surfaces[("8gaussians", "gradient penalty")]["norms"], bins=bins, color="tab:blue", alpha=0.7,
        label="gradient penalty, λ = 10")
ax.hist(np.minimum(surfaces[("8gaussians", "clipping")]["norms"], 1.6), bins=bins, color="tab:red", alpha=0.7,
        label="weight clipping, c = 0.01 (all in the first bin)")
ax.axvline(1.0, color="k", ls="--", lw=1, label="target norm 1")
ax.set_xlabel("‖∇ₓ̂ D(x̂)‖ at 512 interpolates (8 Gaussians)")
ax.set_ylabel("count")
ax.set_title("Gradient norms where the penalty looks")
ax.legend(fontsize=8)
lesson.savefig(fig, "gradient_norms")

# %% [markdown]
# ## 4. When the generator has won: P_g = P_r, and the one-sided penalty
#
# Proposition 1 needs π(x = y) = 0. At P_g = P_r the optimal plan leaves every point where it is,
# W₁ = 0, and every 1-Lipschitz function is an optimal critic (the objective is 0 for all of
# them), the constant ones included. The two-sided penalty λ·E(‖∇D(x̂)‖ − 1)² charges a constant
# critic its full λ (every x̂ has norm 0, so the penalty is
# exactly 1 — worked below), while any function with slope 1 along the x̂ pays nothing and, its
# positive and negative parts cancelling between two samples of one law, loses almost nothing on
# E D(real) − E D(fake). So the penalty picks an optimal critic with slope ≈ 1, and a generator
# that has already reached P_r keeps being pushed by it; the one-sided penalty below allows the
# flat one and, started flat, stays there. Petzka et al. (2018, *On the regularization of
# Wasserstein GANs*) proposed the one-sided penalty λ·E max(0, ‖∇D(x̂)‖ − 1)², which punishes
# only slopes above 1 — what the Lipschitz constraint actually forbids.
#
# The experiment: real and "generated" batches both drawn from the 8 Gaussians (P_g = P_r), a ReLU
# critic 2→32→32→1 *started at the optimum* (its last layer scaled by 0.01, so it is nearly
# constant), trained 300 Adam steps (1e-3, β = (0.5, 0.9), λ = 10, batches of 128) once with each
# penalty, on three seeds. minigan's `gradient_penalty` has only the two-sided form; the one-sided
# one is four lines on the engine's own pieces (`gradient_norms` with `create_graph=True`, `relu`).
# We then measure the critic's gradient norm at 1,024 fresh generated points — the push a generator
# at the optimum would receive — and its estimate E D(real) − E D(fake) on fresh batches (W₁ is 0).
#
# > **The source says** (Wikipedia, *Wasserstein GAN*) that D_WGAN "has gradient 1 almost
# > everywhere" — true for the source's two-Gaussian example (the CDFs cross once); it fails
# > where the laws coincide: the optimal critic has unit slope only where transport happens (in
# > 1-D: f*′ = ±1 where the two CDFs differ), and at P_g = P_r a flat critic is optimal, which the
# > two-sided penalty charges λ·1 (worked below).

# %%
def penalty_of(critic, real, fake, one_sided):
    """E(‖∇D(x̂)‖ − 1)², or the one-sided E max(0, ‖∇D(x̂)‖ − 1)² (Petzka et al. 2018)."""
    norms = gradient_norms(critic, interpolate(real, fake), create_graph=True)
    excess = mg.relu(norms - 1.0) if one_sided else norms - 1.0
    return (excess * excess).mean()


def critic_at_equilibrium(seed, one_sided, steps=300):
    """Train a nearly constant critic with P_g = P_r; return (mean ‖∇D‖ at fresh fake points, estimate)."""
    mg.manual_seed(seed)
    critic = mg.nn.MLP([2, 32, 32, 1], activation="relu", init="he")
    critic[-1].weight.data[...] *= 0.01  # start (nearly) at the optimum: a constant
    optimizer = mg.optim.Adam(critic.parameters(), lr=1e-3, betas=(0.5, 0.9))
    for _ in range(steps):
        real, fake = data.sample("8gaussians", 128), data.sample("8gaussians", 128)
        loss = critic(fake).mean() - critic(real).mean() + 10.0 * penalty_of(critic, real, fake, one_sided)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    real, fake = data.sample("8gaussians", 1024), data.sample("8gaussians", 1024)
    push = float(gradient_norms(critic, mg.tensor(fake.data, requires_grad=True)).numpy().mean())
    with mg.no_grad():
        estimate = critic(real).mean().item() - critic(fake).mean().item()
    return push, estimate


equilibrium_seeds = [lesson.seed + offset for offset in range(3)]
equilibrium = {kind: [critic_at_equilibrium(seed, kind == "one-sided") for seed in equilibrium_seeds]
               for kind in ("two-sided", "one-sided")}
for kind, results in equilibrium.items():
    print(f"P_g = P_r, {kind} penalty, seeds {equilibrium_seeds}: mean ‖∇D‖ at generated points "
          + ", ".join(f"{push:.3f}" for push, _ in results) + "; estimate "
          + ", ".join(f"{estimate:+.4f}" for _, estimate in results))
flat = mg.nn.MLP([2, 32, 32, 1], activation="relu")
for parameter in flat.parameters():
    parameter.data[...] = 0.0  # a constant critic: the optimum at P_g = P_r
equal_law = data.sample("8gaussians", 256)
lesson.check_close("P_g = P_r: a constant critic (optimal, gradient 0) pays the full two-sided penalty, 1",
                   penalty_of(flat, equal_law, data.sample("8gaussians", 256), one_sided=False).item(), 1.0,
                   atol=1e-6, kind="worked")
two_pushes = [push for push, _ in equilibrium["two-sided"]]
one_pushes = [push for push, _ in equilibrium["one-sided"]]
lesson.check("two-sided penalty: the critic moves away from the flat optimum — its mean ‖∇D‖ is within 0.1 "
             "of 1 on each seed",
             all(abs(push - 1.0) <= 0.1 for push in two_pushes), ", ".join(f"{p:.3f}" for p in two_pushes))
lesson.check("one-sided penalty: it stays far flatter — mean ‖∇D‖ below 0.5 on each seed (only batch noise "
             "moves it)", max(one_pushes) < 0.5, ", ".join(f"{p:.3f}" for p in one_pushes))
lesson.worked("at P_g = P_r every critic's estimate has mean 0 (|estimate| < 0.05 on each seed); the bias can "
              "only show in its slope — what the generator reads",
              max(abs(estimate) for results in equilibrium.values() for _, estimate in results) < 0.05,
              "; ".join(f"{kind} " + ", ".join(f"{e:+.4f}" for _, e in results)
                        for kind, results in equilibrium.items()))

# %% [markdown]
# ## 5. WGAN-GP training on the toy sets
#
# Now the full game, trained by minigan's trainer: the WGAN loss, the gradient penalty with the toy
# script's λ = 0.1, n_critic = 5, batches of 256, Adam with β = (0.5, 0.9). The quick mode differs
# from the published toy settings in three ways, so that both runs converge in under a minute on two
# CPU cores: the networks are ReLU MLPs 2→64→64→64→(2 or 1) instead of 512 wide; Adam's
# learning rate is 1e-3 instead of 1e-4 for the first half of the 2,000 generator steps, then
# falls linearly to 5e-5 — the late small steps let the samples settle into the 8 Gaussians'
# tight clusters (sd 0.014) instead of jittering around them; and it stops after 2,000 steps.
# `--full` runs the published toy settings (512-wide networks, constant lr 1e-4) for 10,000
# steps (over an hour on two CPU cores: W₁ ends near 0.09 on both sets).
#
# "Converged" is checked two ways. The exact W₁ between 1,000 generated and 1,000 real points
# must be ≤ 0.15 on the 8 Gaussians (two 1,000-point samples of the data itself are 0.04–0.1
# apart, as the modes' shares vary: the sampling floor, printed) and within 0.1 of the floor on
# the Swiss roll (whose floor is 0.07–0.1).
# And on the 8 Gaussians the modes are counted: a mode counts as covered when at least 5 % of
# 2,000 generated points lie within 3σ of its centre (σ = 0.02/1.414, the data's own spread; the
# data puts 12.5 % · 98.9 % there). This quick run trains one seed, and a trained network's exact
# mode count is not a stable number — a borderline mode's share (100 points) moves with the last
# bits of every matrix product, so it can change between CPUs, BLAS builds, thread counts, and a
# student's correct but differently rounded code for an exercise. Measured with this recipe:
# 8 on seeds 0–6 on the machine the lesson was written on; 8, 8, 7, 8, 8, 8 on seeds 0–5 on
# another; 7 on seed 0 with the worked exercise solutions installed. Never fewer than 7, so at least 7 is what
# is asserted. Lesson 12 counts over three seeds at once.

# %%
MODE_SD = 0.02 / 1.414
EIGHT_CENTRES = 2.0 / 1.414 * np.array([[np.cos(k * np.pi / 4), np.sin(k * np.pi / 4)] for k in range(8)])


def covered_modes(points, centres=EIGHT_CENTRES, radius=3 * MODE_SD, share=0.05):
    """How many centres have at least `share` of the points within `radius` of them."""
    distances_to_centres = np.linalg.norm(points[:, None, :] - centres[None, :, :], axis=2)
    return int(np.sum(np.mean(distances_to_centres <= radius, axis=0) >= share))


real_for_modes = data.sample_host("8gaussians", 2000, host_rng)
lesson.check_close("the mode count of 2,000 real points is 8", covered_modes(real_for_modes), 8, atol=0,
                   kind="worked")
one_mode_dropped = real_for_modes[np.linalg.norm(real_for_modes - EIGHT_CENTRES[3], axis=1) > 0.5]
lesson.check_close("…and 7 once one mode's points are removed", covered_modes(one_mode_dropped), 7, atol=0,
                   kind="worked")

if lesson.full:
    run_settings = dict(steps=10000, log_every=250, metric_samples=1000)
else:
    run_settings = dict(steps=2000, lr=1e-3, batch_size=256, critic_hidden=(64, 64, 64),
                        generator_hidden=(64, 64, 64), log_every=100, metric_samples=256)


def decay_in_second_half(run):
    """Quick mode: lr constant for the first half, then linearly down to 5 % of it at the last step."""
    fraction_left = min(1.0, 2.0 * (1.0 - run.step / run.config.steps))
    for optimizer in (run.generator_optimizer, run.critic_optimizer):
        optimizer.lr = run.config.lr * (0.05 + 0.95 * fraction_left)


runs = {}
final_w1 = {}
for name in ("8gaussians", "swissroll"):
    config = mg.gan.TrainConfig(data=name, loss="wgan", lipschitz="gp", seed=lesson.seed,
                                checkpoint_every=None, **run_settings)
    runs[name] = mg.gan.trainer.Run.start(config).fit(callback=None if lesson.full else decay_in_second_half)
    w1 = runs[name].history.column("w1_exact")
    final_w1[name] = mg.distances.w1_assignment(runs[name].sample(1000, host_rng),
                                                data.sample_host(name, 1000, host_rng))
    floor = mg.distances.w1_assignment(data.sample_host(name, 1000, host_rng), data.sample_host(name, 1000, host_rng))
    print(f"{name}: logged exact W₁ {w1[0]:.3f} → {w1[-1]:.3f} over {config.steps} steps "
          f"(trained in {runs[name].train_time:.1f} s); exact W₁ on 1,000 fresh points per side {final_w1[name]:.3f} "
          f"(sampling floor {floor:.3f})")
    # Sampling floors at 1,000 points, seeds 0–4: Swiss roll 0.07–0.10, 8 Gaussians 0.04–0.10.
    limit = 0.15 if name == "8gaussians" else floor + 0.1
    lesson.check_less(f"{name}: WGAN-GP reaches a low exact W₁ — between 1,000 generated and 1,000 real "
                      "points ≤ "
                      + ("0.15" if name == "8gaussians" else "its sampling floor + 0.1"), final_w1[name], limit)
modes_found = covered_modes(runs["8gaussians"].sample(2000, host_rng))
print(f"8gaussians: {modes_found} of 8 modes covered")
if not lesson.full:  # the published settings were not re-measured for the mode count
    lesson.check_less("8gaussians: WGAN-GP covers at least 7 of the 8 modes", 7, modes_found)

fig, axes = plt.subplots(1, 3, figsize=(15, 4.4))
for ax, (name, run) in zip(axes[:2], runs.items()):
    real = data.sample_host(name, 1000, host_rng)
    generated = run.sample(1000, host_rng)
    ax.scatter(*real.T, s=3, color="k", label="real")
    ax.scatter(*generated.T, s=3, color="tab:orange", alpha=0.6, label="generated")
    ax.set_aspect("equal")
    ax.set_xlim(-2.2, 2.2)
    ax.set_ylim(-2.2, 2.2)
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    ax.set_title(f"WGAN-GP on {name}, after {run.config.steps} steps\nexact W₁ {final_w1[name]:.3f}"
                 + (f", {modes_found}/8 modes" if name == "8gaussians" else ""), fontsize=10)
    ax.legend(fontsize=8, loc="upper right")
for name, run in runs.items():
    axes[2].plot(run.history.column("step"), run.history.column("w1_exact"), "o-", ms=3, label=name)
axes[2].set_xlabel("generator step")
axes[2].set_ylabel("exact W₁(real, generated)")
axes[2].set_title("Exact W₁ during training")
axes[2].legend(fontsize=8)
fig.tight_layout()
lesson.savefig(fig, "wgan_gp_training")

# %% [markdown]
# ## What this course cannot reproduce
#
# The WGAN-GP abstract claims more than toy problems: the penalty "enables stable training of a
# wide variety of GAN architectures with almost no hyperparameter tuning, including 101-layer
# ResNets and language models with continuous generators", and high-quality samples on CIFAR-10 and
# LSUN bedrooms. What this course can test is the mechanism at small scale: the penalty holds the
# slope near 1 where it looks (section 3), WGAN-GP's exact W₁ falls on the toy sets (section 5) and its
# distances fall on 8×8 digits (lesson 14), and, in lesson 14, across four methods with one set of hyper-parameters
# each. It cannot test the robustness claims themselves. A 101-layer ResNet or a character-level
# language model needs convolutions, residual blocks and hours to days of GPU training; minigan
# has only dense layers, and its lessons must run in minutes on two CPU cores. And "a wide variety
# of architectures with almost no tuning" is a claim about a *sweep* — the paper trains many
# generator–critic pairs with random architectures and counts how many succeed — which is
# hundreds of full trainings. These claims stay the paper's; nothing here confirms or refutes them.

# %%
lesson.finish()
