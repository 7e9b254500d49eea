# %% [markdown]
# # Lesson 12 — Meaningful loss curves
#
# A practical gift of the Wasserstein GAN: its critic's objective, E D(real) − E D(fake), is an
# *estimate of the distance* between the data and the generator (Kantorovich–Rubinstein:
# for a K-Lipschitz critic it is at most K·W₁, with equality only for the best K-Lipschitz
# function, which a trained network need not be). So the number you watch during training can mean
# something: when it goes down, the samples got better — as long as the critic stays near its
# optimum and its scale K stays put, which this lesson finds is true enough of the gradient penalty
# and not of clipping (there the estimate must first be divided by the critic's measured slope).
# The GAN's discriminator loss has a reading too, but a poor one: with an *optimal* D it is
# 2 ln 2 − 2·JS(p_r‖p_g), and JS is ln 2 when the supports are disjoint and near it when they barely overlap (lesson 04
# drives the same loss to ≈ 0 that way), so it says "far" without saying how far. With the one
# discriminator step per generator step used here, D is nowhere near optimal and its loss hovers
# around 2 ln 2 ≈ 1.386 (the value when D cannot tell the two apart) whether the samples are good
# or bad.
#
# minigan can check this claim against the exact W₁ of finite samples: every run logs the exact
# W₁ between generated and real points (256 of each in quick mode, 1,000 with `--full`; optimal
# assignment), next to the critic's estimate. We train four models on the 8 Gaussians — the
# GAN, and the WGAN with weight clipping, spectral normalisation and the gradient
# penalty — and compare their curves with the truth.
#
# Two details of the set-up, both so that a short run shows the effect clearly:
#
# * the generator starts displaced by (2, 2) (its last bias), so W₁ starts near 3 and has a long
#   way to fall;
# * the generator learns 0.15× as fast as the critic (for the WGANs; a *two-time-scale* update, as
#   in Heusel et al. 2017), so the critic keeps up with a moving target. With equal rates and
#   only ~100 steps the critic lags behind and its estimate reflects its own training more than
#   the generator's quality — the WGAN papers instead train long enough, with extra critic steps
#   at the start, for the critic to stay near its optimum.
#
# The critic's estimate is at most K·W₁, K its Lipschitz constant, and reaches it only for an
# optimal critic. The gradient penalty holds the critic's slope near 1 where it looks, so its
# estimate is *comparable* to W₁ — not equal: a trained critic falls short of the optimum (this
# lesson asserts 0.6–1.25 × W₁ after warm-up, lesson 11 65–105 % for a critic trained alone,
# lesson 14 in 64-D far less), and a penalised critic is not certified 1-Lipschitz, so the
# estimate can even exceed W₁. Clipping and
# spectral normalisation only bound K, and K drifts during training; dividing the estimate by the
# critic's measured slope (its mean ‖∇D‖ at the interpolates x̂, logged by the trainer) *reduces*
# that drift — it does not remove it, and it gives no Kantorovich–Rubinstein cap: the mean slope is
# at most K, so estimate / mean slope may exceed W₁.
#
# > **The source says** (Lilian Weng, *From GAN to WGAN*, §6.3.2) "L(p_r, p_g) = W(p_r, p_g) =
# > max_{w ∈ W} E_{x∼p_r} f_w(x) − E_{z∼p_r(z)} f_w(g_θ(z))" — **in fact** three slips: the noise
# > law is p_z, not p_r(z); for a K-Lipschitz family the maximum is at most K·W, so a 1/K is missing;
# > and even with it there is equality only if the family {f_w} is the *whole* K-Lipschitz ball,
# > which a clipped network is not (worked below: the clipped critic's estimate is thousands of
# > times smaller than W₁; and, checked, its ratio to W₁ drifts).
# >
# > **The source says** (the Q&A on the WGAN-GP abstract) "it is not necessary to know what K is.
# > It is enough to know that it exists and that it is fixed throughout the training process" —
# > **in fact** clipping does fix a bound K (≤ ∏c√(ml), computed below), but the clipped critics
# > are not the whole K-Lipschitz ball, so the estimate is no fixed multiple of W₁: its ratio to
# > W₁ drifts within a run (checked below: by more than the rescaled one's).

# %%
import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from scipy import stats

import minigan as mg
from minigan.gan.trainer import Run
from minigan.lesson import Lesson

lesson = Lesson("12_meaningful_loss_curves", "Meaningful loss curves")
LN4 = 2.0 * math.log(2.0)

# %% [markdown]
# ## Four runs
#
# ReLU MLPs 2→32→32→32→(2 or 1), batches of 64, 100 generator steps, critic learning rates 1e-3
# (Adam; RMSprop 5e-4 with clipping) — 10–20× the papers', to get somewhere in 100 steps; n_critic =
# 5 for the WGANs, k = 1 for the GAN, λ = 10 for the penalty, c = 0.01 for clipping, one power
# iteration per step for spectral normalisation. The GAN is trained the usual way, one
# discriminator step per generator step at equal rates, so its generator moves faster than the
# WGANs' (0.15× rate): the W₁-against-step panel below is not a race.
#
# A band or a correlation measured on one run could be luck. `--full` repeats the experiment for five
# seeds, logging every second step with 1000 points per side for the exact W₁, and every claim
# below must then hold for every seed.

# %%
seeds = [lesson.seed] if not lesson.full else [lesson.seed + offset for offset in range(5)]
common = dict(steps=100, batch_size=64, critic_hidden=(32,) * 3, generator_hidden=(32,) * 3,
              log_every=5 if not lesson.full else 2, metric_samples=256 if not lesson.full else 1000)
rates = {"gan": 1e-3, "wgan + clipping": 5e-4, "wgan + spectral norm": 1e-3, "wgan + gradient penalty": 1e-3}
methods = {
    "gan": dict(loss="gan", lipschitz="none"),
    "wgan + clipping": dict(loss="wgan", lipschitz="clip"),
    "wgan + spectral norm": dict(loss="wgan", lipschitz="sn"),
    "wgan + gradient penalty": dict(loss="wgan", lipschitz="gp", gp_weight=10.0),
}
GENERATOR_RATE_FACTOR = 0.15
START_OFFSET = 2.0


def train_all(seed, names=tuple(methods)):
    """The runs for one seed: {method: History}."""
    histories = {}
    for name in names:
        settings = methods[name]
        generator_lr = GENERATOR_RATE_FACTOR * rates[name] if settings["loss"] == "wgan" else None
        config = mg.gan.TrainConfig(data="8gaussians", lr=rates[name], generator_lr=generator_lr, seed=seed,
                                    checkpoint_every=None, **settings, **common)
        run = Run.start(config)  # a fresh, untrained run that we adjust before training
        run.generator[-1].bias.data[...] = START_OFFSET  # displace the generator's output by (2, 2)
        run.fit()
        histories[name] = run.history
        w1 = run.history.column("w1_exact")
        print(f"seed {seed}, {name:>24}: exact W₁ {w1[0]:.3f} → {w1[-1]:.3f}  ({run.train_time:.1f} s)")
    return histories


runs_by_seed = {seed: train_all(seed) for seed in seeds}
# The GAN's loss is cheap to watch on more seeds: quick mode adds two GAN-only runs for that claim.
gan_seeds = seeds if lesson.full else [lesson.seed + offset for offset in range(3)]
gan_histories = {seed: runs_by_seed[seed]["gan"] if seed in runs_by_seed else train_all(seed, ("gan",))["gan"]
                 for seed in gan_seeds}

# %% [markdown]
# ## Does the number we watch follow the truth?
#
# Both the estimate and W₁ fall during a run, so almost any two series are rank-correlated
# here; a rank correlation of two trending series says little. Two checks that do mean
# something, both on the logs after the first tenth of the run (before that the critic is still
# learning to tell the two apart, and its first estimates can even be negative — see the figure):
#
# * **the ratio** estimate / W₁ stays inside a band at every log. For the penalty Kantorovich–
#   Rubinstein suggests a band around 1 (the slope is held near 1 where the penalty looks, and the
#   256-point W₁ has a few % of sampling error), though it caps nothing: the critic is not certified
#   1-Lipschitz. It falls below 1 as far as the critic is from optimal. For clipping and spectral
#   normalisation we divide the estimate by the measured slope (the mean ‖∇D(x̂)‖) first — a
#   rescaling, not a cap: the mean slope is at most the critic's K, so the rescaled estimate is
#   *not* bounded by W₁, and the band we assert is measured, not derived;
# * **the steps**: the step-to-step changes of the estimate correlate with the changes of W₁
#   (Pearson), so the estimate moves when — and as — the samples move.
#
# And a finding the sources do not prepare you for: **the raw estimate of the clipped critic does
# not track W₁ here.** Its effective slope (its mean ‖∇D‖ at the interpolates x̂) drifts during
# the run, and the ratio raw estimate / W₁ drifts within a run by a larger factor than the
# rescaled one (checked, and printed for each seed; `--full` checks five seeds).
# Divided by the critic's measured slope (its mean ‖∇D‖ at the interpolates x̂) the estimate tracks
# W₁ far better — the drift is reduced, not removed. The same holds, more mildly, for spectral
# normalisation.

# %%
gp = "wgan + gradient penalty"
rescaled = ("wgan + clipping", "wgan + spectral norm")


def statistics(histories):
    """The numbers the claims are about, for one seed's four runs."""
    settled = histories["gan"].column("step") >= common["steps"] // 10  # every run logs at the same steps

    def step_correlation(values, truth):
        return float(np.corrcoef(np.diff(values[settled]), np.diff(truth[settled]))[0, 1])

    def drift(ratio):
        return float(ratio[settled].max() / ratio[settled].min())

    truth = {name: h.column("w1_exact") for name, h in histories.items()}
    estimate = {name: h.column("w1_critic") for name, h in histories.items()}
    slope = {name: h.column("grad_norm_mean") for name, h in histories.items()}
    discriminator_loss = histories["gan"].column("critic_loss")[1:]  # the first log comes before any step
    return {
        "fall": {name: truth[name][-1] / truth[name][0] for name in methods},
        "ratio_gp": (float((estimate[gp] / truth[gp])[settled].min()),
                     float((estimate[gp] / truth[gp])[settled].max())),
        "steps_gp": step_correlation(estimate[gp], truth[gp]),
        "n_differences": int(settled.sum()) - 1,
        "ratio_rescaled": {name: (float((estimate[name] / slope[name] / truth[name])[settled].min()),
                                  float((estimate[name] / slope[name] / truth[name])[settled].max()))
                           for name in rescaled},
        "steps_rescaled": {name: step_correlation(estimate[name] / slope[name], truth[name]) for name in rescaled},
        "drift_raw": {name: drift(estimate[name] / truth[name]) for name in rescaled},
        "drift_rescaled": {name: drift(estimate[name] / slope[name] / truth[name]) for name in rescaled},
        "rank_raw_clipping": float(stats.spearmanr(estimate["wgan + clipping"][settled],
                                                   truth["wgan + clipping"][settled])[0]),
        "clipping_final_estimate": float(estimate["wgan + clipping"][-1]),
        "clipping_scale": truth["wgan + clipping"][-1] / estimate["wgan + clipping"][-1],
        "steps_gan": step_correlation(histories["gan"].column("critic_loss"), truth["gan"]),
        "median_gan_loss": float(np.median(discriminator_loss)),
    }


results = {seed: statistics(histories) for seed, histories in runs_by_seed.items()}
for seed, r in results.items():
    print(f"seed {seed}: GP estimate/W₁ {r['ratio_gp'][0]:.3f}–{r['ratio_gp'][1]:.3f}, step correlation "
          f"{r['steps_gp']:+.2f}; " + "; ".join(
              f"{name}: ÷ slope /W₁ {r['ratio_rescaled'][name][0]:.3f}–{r['ratio_rescaled'][name][1]:.3f}, steps "
              f"{r['steps_rescaled'][name]:+.2f}, drift raw ×{r['drift_raw'][name]:.2f} vs ÷ slope "
              f"×{r['drift_rescaled'][name]:.2f}" for name in rescaled)
          + f"; clipping raw rank correlation {r['rank_raw_clipping']:+.2f}; GAN loss median "
          f"{r['median_gan_loss']:.3f}, step correlation {r['steps_gan']:+.2f}")
every = "" if len(seeds) == 1 else f" (all {len(seeds)} seeds)"
each = list(results.values())

for name in methods:
    falls = [r["fall"][name] for r in each]
    lesson.check(f"{name}: the exact W₁ fell by at least a third over the run{every}", max(falls) < 2 / 3,
                 "final/initial = " + ", ".join(f"{f:.2f}" for f in falls))
# Bands: set with margin around what `--full`'s five seeds gave when the lesson was written.
lesson.check(f"WGAN-GP: the estimate stays within 0.6–1.25 × W₁ at every log after warm-up{every}",
             all(0.6 <= r["ratio_gp"][0] and r["ratio_gp"][1] <= 1.25 for r in each),
             "; ".join(f"{r['ratio_gp'][0]:.3f}–{r['ratio_gp'][1]:.3f}" for r in each))
lesson.check(f"WGAN-GP: its step-to-step changes are positively correlated with W₁'s (≥ 0.3 on "
             f"{each[0]['n_differences']} differences: weak evidence){every}",
             all(r["steps_gp"] >= 0.3 for r in each), ", ".join(f"{r['steps_gp']:+.2f}" for r in each))
for name in rescaled:
    lesson.check(f"{name}: divided by the measured slope, the estimate stays within 0.45–1.1 × W₁ after warm-up"
                 f"{every}", all(0.45 <= r["ratio_rescaled"][name][0] and r["ratio_rescaled"][name][1] <= 1.1
                                 for r in each),
                 "; ".join(f"{r['ratio_rescaled'][name][0]:.3f}–{r['ratio_rescaled'][name][1]:.3f}" for r in each))
    lesson.check(f"{name}: … and its step-to-step changes follow W₁'s (correlation ≥ 0.6){every}",
                 all(r["steps_rescaled"][name] >= 0.6 for r in each),
                 ", ".join(f"{r['steps_rescaled'][name]:+.2f}" for r in each))
    lesson.check(f"{name}: the raw estimate's ratio to W₁ drifts more within the run than the rescaled one's "
                 f"(max/min){every}", all(r["drift_raw"][name] > r["drift_rescaled"][name] for r in each),
                 "; ".join(f"×{r['drift_raw'][name]:.2f} vs ×{r['drift_rescaled'][name]:.2f}" for r in each))
# How small the clipped critic's estimate is follows from clipping alone: each layer's ‖W‖_s ≤ c·√(m·l),
# so K ≤ ∏ c·√(m·l), and Kantorovich–Rubinstein bounds the estimate by K·W₁ (worked). What can fail is
# its sign: a clipped critic that lost track of which side is real reads negative.
layer_sizes = [2, *common["critic_hidden"], 1]
clip_cap = float(np.prod([0.01 * math.sqrt(m * l) for m, l in zip(layer_sizes[:-1], layer_sizes[1:])]))
lesson.worked(f"clipping caps the critic's K at ∏ c·√(m·l) = {clip_cap:.2g}: a positive estimate is W₁ scaled "
              f"down by ≥ {1 / clip_cap:,.0f}×{every}",
              all(r["clipping_scale"] >= 1 / clip_cap for r in each if r["clipping_final_estimate"] > 0),
              "W₁/estimate = " + ", ".join(f"{r['clipping_scale']:.3g}" for r in each))
lesson.check(f"weight clipping's raw estimate is still positive at the end: the critic points the right way{every}",
             min(r["clipping_final_estimate"] for r in each) > 0,
             ", ".join(f"{r['clipping_final_estimate']:.3g}" for r in each))
gan_medians = [float(np.median(history.column("critic_loss")[1:])) for history in gan_histories.values()]
lesson.check(f"GAN: the discriminator's loss hovers near 2 ln 2 — its median is within 0.25 of it on each of "
             f"{len(gan_seeds)} seeds", all(abs(median - LN4) <= 0.25 for median in gan_medians),
             "medians " + ", ".join(f"{median:.3f}" for median in gan_medians) + f" vs {LN4:.3f}")
lesson.check(f"GAN: its loss's changes say far less about W₁'s than WGAN-GP's estimate does (step correlation "
             f"lower by ≥ 0.3){every}", all(r["steps_gan"] <= r["steps_gp"] - 0.3 for r in each),
             "GAN " + ", ".join(f"{r['steps_gan']:+.2f}" for r in each))

# %% [markdown]
# ## Mode coverage: WGAN-GP against the GAN on the 8 Gaussians
#
# A meaningful loss is one gift of the WGAN; the other usually claimed is less mode collapse.
# We count modes: a mode is covered when at least 5 % of 2,000 generated points lie within 3σ of
# its centre (σ = 0.02/1.414, the data's spread). Both models get the same ReLU networks
# 2→64·3→(2 or 1), batches of 256, the same 2,000 generator steps and the same learning-rate
# schedule (Adam 1e-3, falling linearly to 5e-5 over the second half, as in lesson 11). They do
# *not* get the same discriminator training: WGAN-GP (λ = 0.1) takes 5 critic steps per generator
# step, the GAN one discriminator step with the minimax loss — each its usual routine. So this
# compares two recipes, not two losses: whether the gap comes from the loss or from the extra
# critic steps, this experiment cannot say. This is lesson 11's quick WGAN-GP recipe.
#
# A trained network's exact mode count is not a stable number: a borderline mode's share (5 % is
# 100 points) moves with the last bits of every matrix product, so the count can change from one
# CPU, BLAS build or thread count to the next, and with the 2,000 points drawn. The claims below
# are therefore about three seeds at once, with margins below what was measured (listed after
# the checks).

# %%
MODE_SD = 0.02 / 1.414
EIGHT_CENTRES = 2.0 / 1.414 * np.array([[np.cos(k * np.pi / 4), np.sin(k * np.pi / 4)] for k in range(8)])
MODE_BATCH = 256


def covered_modes(points, centres=EIGHT_CENTRES, radius=3 * MODE_SD, share=0.05):
    """How many centres have at least `share` of the points within `radius` of them."""
    distances_to_centres = np.linalg.norm(points[:, None, :] - centres[None, :, :], axis=2)
    return int(np.sum(np.mean(distances_to_centres <= radius, axis=0) >= share))


def decay_in_second_half(run):
    fraction_left = min(1.0, 2.0 * (1.0 - run.step / run.config.steps))
    for optimizer in (run.generator_optimizer, run.critic_optimizer):
        optimizer.lr = run.config.lr * (0.05 + 0.95 * fraction_left)


mode_rng = np.random.default_rng(lesson.seed)
lesson.check_close("the mode count of 2,000 real points is 8",
                   covered_modes(mg.gan.data.sample_host("8gaussians", 2000, mode_rng)), 8, atol=0, kind="worked")
mode_counts = {"wgan": [], "gan": []}
mode_seeds = [lesson.seed + offset for offset in range(3)]
for seed in mode_seeds:
    for name, settings in (("wgan", dict(loss="wgan", lipschitz="gp")), ("gan", dict(loss="gan", lipschitz="none"))):
        config = mg.gan.TrainConfig(data="8gaussians", seed=seed, steps=2000, lr=1e-3, batch_size=MODE_BATCH,
                                    critic_hidden=(64,) * 3, generator_hidden=(64,) * 3, log_every=2000,
                                    metric_samples=256, checkpoint_every=None, **settings)
        run = Run.start(config).fit(callback=decay_in_second_half)
        mode_counts[name].append(covered_modes(run.sample(2000, mode_rng)))
print("modes covered (of 8) on seeds " + ", ".join(map(str, mode_seeds)) + ": WGAN-GP "
      + ", ".join(map(str, mode_counts["wgan"])) + "; GAN " + ", ".join(map(str, mode_counts["gan"])))
lesson.check("WGAN-GP covers at least 7 of the 8 modes on each of the 3 seeds", min(mode_counts["wgan"]) >= 7,
             ", ".join(map(str, mode_counts["wgan"])))
lesson.check("…and all 8 on at least one of them", max(mode_counts["wgan"]) == 8,
             ", ".join(map(str, mode_counts["wgan"])))
lesson.check("the GAN, with its own discriminator routine (1 step, minimax loss), misses modes on at least one "
             "seed", min(mode_counts["gan"]) < 8, ", ".join(map(str, mode_counts["gan"])))
lesson.check_less("over the 3 seeds WGAN-GP covers more modes in total than the GAN", sum(mode_counts["gan"]) + 1,
                  sum(mode_counts["wgan"]))

# %% [markdown]
# What was measured with this recipe before the claims were written. On the machine the lesson
# was first written on, seeds 0–6: WGAN-GP 8 modes on every seed, the GAN 7, 8, 5, 6, 3, 3, 4. On
# another machine (OpenBLAS, one thread), seeds 0–5: WGAN-GP 8, 8, 7, 8, 8, 8, the GAN 5, 7, 5, 6,
# 7, 6 — the 7 made the old claim "all 8 on every seed" fail there. WGAN-GP was never below 7;
# the GAN dropped modes on every triple of seeds. The GAN does not collapse onto a single mode here, it drops some,
# and on a lucky seed it covers all eight. The WGAN-GP recipe's advantage is real; it also costs
# five critic steps per generator step to the GAN's one.

# %%
# The figure shows the first seed.
histories = runs_by_seed[seeds[0]]
truth = {name: h.column("w1_exact") for name, h in histories.items()}
estimate = {name: h.column("w1_critic") for name, h in histories.items()}
slope = {name: h.column("grad_norm_mean") for name, h in histories.items()}
discriminator_loss = histories["gan"].column("critic_loss")[1:]

# %%
colors = {"gan": "tab:gray", "wgan + clipping": "tab:red", "wgan + spectral norm": "tab:green",
          "wgan + gradient penalty": "tab:blue"}
fig, axes = plt.subplots(1, 3, figsize=(16, 5.4))
for name, history in histories.items():
    axes[0].plot(history.column("step"), truth[name], "o-", ms=3, color=colors[name], label=name)
axes[0].set_xlabel("generator step")
axes[0].set_ylabel("exact W₁(real, generated)")
axes[0].set_title("All four methods: the truth")
axes[0].legend(fontsize=8)

for name in ("wgan + clipping", "wgan + spectral norm", gp):
    run_steps = histories[name].column("step")
    shown = estimate[name] if name == gp else estimate[name] / slope[name]
    axes[1].plot(run_steps, truth[name], "-", lw=1.5, color=colors[name])
    axes[1].plot(run_steps, shown, "o--", ms=3, color=colors[name],
                 label=f"{name}: " + ("estimate" if name == gp else "estimate / mean ‖∇D(x̂)‖"))
axes[1].plot([], [], "k-", lw=1.5, label="solid: that run's exact W₁")
axes[1].axvspan(0, common["steps"] // 10, color="gray", alpha=0.15,
                label="critic still warming up (not scored)")
axes[1].set_xlabel("generator step")
axes[1].set_ylabel("W₁ (solid) and the critic's estimate (dashed)")
axes[1].set_title("Each WGAN critic estimates its run's W₁")
axes[1].legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2)  # below: the curves vary by seed

gan_steps = histories["gan"].column("step")
axes[2].plot(gan_steps[1:], discriminator_loss, "o-", ms=3, color=colors["gan"],
             label="GAN discriminator loss")
axes[2].axhline(LN4, color="k", ls="--", lw=1, label="2 ln 2")
axes[2].set_xlabel("generator step")
axes[2].set_ylabel("discriminator loss")
twin = axes[2].twinx()
twin.plot(gan_steps, truth["gan"], "-", color="tab:orange", label="exact W₁ of the GAN (right axis)")
twin.set_ylabel("exact W₁", color="tab:orange")
axes[2].set_title("The GAN's loss does not follow W₁")
lines = axes[2].get_legend_handles_labels()
twin_lines = twin.get_legend_handles_labels()
axes[2].legend(lines[0] + twin_lines[0], lines[1] + twin_lines[1], fontsize=8, loc="upper right")
fig.tight_layout()
lesson.savefig(fig, "loss_curves")

# %%
lesson.finish()
