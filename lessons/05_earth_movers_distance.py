# %% [markdown]
# # Lesson 5 — The earth mover's distance, one shovelful at a time
#
# Think of each distribution as piles of dirt. The **earth mover's distance** (Wasserstein-1)
# is the least work — mass × distance carried — needed to reshape one set of piles into the other.
#
# On a line, with piles at 0, 1, 2, 3, there is a simple greedy answer. Walk from left to right;
# δᵢ is the dirt that must cross the gap into pile i:
#
#     δ₀ = 0,   δᵢ₊₁ = δᵢ + Pᵢ − Qᵢ,   W = Σᵢ |δᵢ|
#
# Whatever pile i has too much (Pᵢ + δᵢ > Qᵢ) must go right; whatever it lacks must come from the
# right (δ < 0 means dirt flows leftwards). Each unit crossing a gap costs 1.
#
# The sources' example: P = (3, 2, 1, 4), Q = (1, 2, 4, 3) gives δ = (0, 2, 2, −1, 0) and W = 5.
#
# > **The source says** (Weng, "From GAN to WGAN", §6.1), numbering the piles P₁ … P₄, "label the
# > cost to pay to make Pᵢ and Qᵢ match as δᵢ, we would have δᵢ₊₁ = δᵢ + Pᵢ − Qᵢ" and then lists
# > δ₁ = 0 + 3 − 1 = δ₀ + P₁ − Q₁ — **in fact** with piles numbered from 1 its numbers follow
# > δᵢ = δᵢ₋₁ + Pᵢ − Qᵢ (δᵢ is the signed dirt carried from pile i to pile i + 1, not a cost; its
# > size is the cost of that gap). This lesson numbers the piles from 0, where
# > δᵢ₊₁ = δᵢ + Pᵢ − Qᵢ is right (checked below).
# >
# > **The source says** "Finally move 1 shovelfuls from Q₃ to Q₄" — **in fact** the step is valid,
# > but made on Q: she switches from moving P's dirt to moving Q's (3 → 4), equivalent by symmetry
# > to moving P's from 4 → 3 (δ₃ = −1: P's dirt flows left). After her first two moves P is
# > (1, 2, 3, 4), and her move turns Q = (1, 2, 4, 3) into the same (1, 2, 3, 4), at the same total
# > cost 2 + 2 + 1 = 5 (checked below by carrying out both moves).
#
# Why should the greedy walk be *optimal*? We check it against the definition: W is the minimum
# over all **transport plans** γ(i, j) ≥ 0 (dirt sent from pile i to pile j) whose row sums are P
# and column sums are Q, of the cost Σ γ(i, j)·|i − j| — a linear program, which SciPy solves.

# %%
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from scipy.optimize import linprog

from minigan import distances
from minigan.lesson import Lesson

TITLE = "The earth mover's distance"
lesson = Lesson("05_earth_movers_distance", TITLE)

# %% [markdown]
# ## The δ table

# %%
P = np.array([3.0, 2.0, 1.0, 4.0])
Q = np.array([1.0, 2.0, 4.0, 3.0])

carried = [0.0]  # δ₀ = 0: nothing arrives from the left of pile 0
for p_i, q_i in zip(P, Q):
    carried.append(carried[-1] + p_i - q_i)
deltas_by_hand = np.array(carried)
work_by_hand = float(np.abs(deltas_by_hand).sum())

print(" i | P_i | Q_i | δ_i (carried in) | δ_{i+1} = δ_i + P_i − Q_i (carried out)")
for i in range(len(P)):
    print(f" {i} | {P[i]:3.0f} | {Q[i]:3.0f} | {deltas_by_hand[i]:16.0f} | {deltas_by_hand[i + 1]:+.0f}")
print(f"W = Σ|δ| = {' + '.join(f'{abs(d):.0f}' for d in deltas_by_hand)} = {work_by_hand:.0f}")

work, deltas = distances.w1_histogram(P, Q, return_deltas=True)
lesson.worked("δ = (0, 2, 2, −1, 0)", deltas_by_hand.tolist() == [0, 2, 2, -1, 0], str(deltas_by_hand.tolist()))
lesson.check_close("W = Σ|δᵢ| = 5", work_by_hand, 5.0, atol=0, kind="worked")
lesson.check("distances.w1_histogram gives the same δ", np.array_equal(deltas, deltas_by_hand), str(deltas.tolist()))
lesson.check_close("distances.w1_histogram gives W = 5", work, 5.0, atol=1e-12)
# The plain call is exercise 4's: `minigan lesson 5 --with-exercises DIR` checks the student's function here.
lesson.check_close("distances.w1_histogram(P, Q), with no options, gives the W of the walk by hand",
                   distances.w1_histogram(P, Q), work_by_hand, atol=1e-12)

# The source's own numbering, piles 1 … 4 (index 0 unused).
P_from_one, Q_from_one = np.concatenate([[np.nan], P]), np.concatenate([[np.nan], Q])
its_numbers = [0.0]  # δ₀ = 0, then δᵢ = δᵢ₋₁ + Pᵢ − Qᵢ
for i in range(1, 5):
    its_numbers.append(its_numbers[-1] + P_from_one[i] - Q_from_one[i])
lesson.worked("the source's listed δ₀ … δ₄ = (0, 2, 2, −1, 0) follow δᵢ = δᵢ₋₁ + Pᵢ − Qᵢ on piles 1 … 4",
              its_numbers == [0, 2, 2, -1, 0], str(its_numbers))


def move(piles: np.ndarray, source: int, target: int, amount: float) -> np.ndarray:
    """Carry `amount` shovelfuls from pile `source` to pile `target` (piles numbered from 1)."""
    piles = piles.copy()
    piles[source - 1] -= amount
    piles[target - 1] += amount
    return piles


after_two_moves = move(move(P, 1, 2, 2.0), 2, 3, 2.0)  # the source's first two moves: 2 from 1 to 2, 2 from 2 to 3
her_move_on_q = move(Q, 3, 4, 1.0)  # "move 1 shovelful from Q₃ to Q₄": a move made on Q
reversed_move = move(after_two_moves, 4, 3, 1.0)  # the same move made on P, from pile 4 to pile 3 (δ₃ = −1)
print(f"P after the first two moves {after_two_moves.tolist()}; Q after her move (pile 3 → 4 of Q) "
      f"{her_move_on_q.tolist()}; P after pile 4 → 3 {reversed_move.tolist()}; Q = {Q.tolist()}")
lesson.worked("her move, made on Q (pile 3 → 4), turns Q into P after the first two moves: both (1, 2, 3, 4), "
              "total cost 2 + 2 + 1 = 5 = W", np.array_equal(her_move_on_q, after_two_moves)
              and 2 + 2 + 1 == work_by_hand, str(her_move_on_q.tolist()))
lesson.worked("…equivalently, moving P's shovelful from pile 4 to pile 3 gives Q: the moves cost 2 + 2 + 1 = 5 = W",
              np.array_equal(reversed_move, Q) and 2 + 2 + 1 == work_by_hand, str(reversed_move.tolist()))

# %% [markdown]
# ## The same number is the optimum of a linear program
#
# Unknowns: the 16 entries of γ. Constraints: Σⱼ γ(i, j) = Pᵢ (everything in pile i is sent
# somewhere), Σᵢ γ(i, j) = Qⱼ (pile j ends up right), γ ≥ 0. Objective: Σ γ(i, j)·|i − j|.
#
# > **The source says** (the WGAN-GP Q&A) that computing over all the couplings Π(P_r, P_g) "is
# > extremely intractable" (Weng, §6.3: "intractable to exhaust all the possible joint
# > distributions") — **in fact** for laws on finitely many points the infimum over couplings is a
# > linear program, solved exactly by standard solvers, here and below for 30 random points in the
# > plane (900 unknowns), where it agrees with the assignment solver `distances.w1_assignment`
# > (checked below). For continuous, high-dimensional laws known only through samples, the
# > plug-in estimate (W₁ of the samples) converges as n^(−1/d): that is the real obstacle.
# >
# > Two small slips of the same page (Weng, §6.1), grouped: the infimum is written over
# > "γ ∼ Π(p_r, p_g)" — a plan is an *element* of the set, γ ∈ Π; and "the marginal distribution
# > over x adds up to p_g, Σ_x γ(x, y) = p_g(y)" — summing over x leaves the marginal of **y**
# > (the destination), which must be p_g; the marginal of x is p_r. The column sums of the plan
# > below are Q (the destination), its row sums P.

# %%
n = len(P)
positions = np.arange(n)
cost = np.abs(positions[:, None] - positions[None, :]).astype(float)
row_sums = np.kron(np.eye(n), np.ones((1, n)))  # picks γ(i, ·) from the flattened plan
column_sums = np.kron(np.ones((1, n)), np.eye(n))  # picks γ(·, j)
solution = linprog(cost.ravel(), A_eq=np.vstack([row_sums, column_sums]), b_eq=np.concatenate([P, Q]),
                   bounds=(0, None), method="highs")
plan = solution.x.reshape(n, n)
print("optimal transport plan γ (rows: from pile i of P, columns: to pile j of Q):")
print(np.round(plan, 6))
lesson.require("the linear program is solved", solution.status == 0, solution.message)
lesson.check_close("min over transport plans of Σ γ·|i − j| = 5 (the greedy walk is optimal)", solution.fun, 5.0,
                   atol=1e-9)
lesson.identity("the plan's row sums (summing over destinations j) are P and its column sums (over sources i) Q",
                np.allclose(plan.sum(axis=1), P) and np.allclose(plan.sum(axis=0), Q))

# The same linear program on 30 random points of the plane per side (uniform weights 1/30, cost the
# Euclidean distance): 900 unknowns, solved exactly, against minigan's assignment solver.
cloud = np.random.default_rng(lesson.seed)
cloud_p, cloud_q = cloud.normal(0.0, 1.0, (30, 2)), cloud.normal((1.0, 0.5), 1.0, (30, 2))
cloud_cost = np.linalg.norm(cloud_p[:, None, :] - cloud_q[None, :, :], axis=2)
cloud_solution = linprog(cloud_cost.ravel(), A_eq=np.vstack([np.kron(np.eye(30), np.ones((1, 30))),
                                                              np.kron(np.ones((1, 30)), np.eye(30))]),
                         b_eq=np.full(60, 1 / 30), bounds=(0, None), method="highs")
print(f"30 + 30 points in the plane: LP over all couplings {cloud_solution.fun:.6f}, "
      f"distances.w1_assignment {distances.w1_assignment(cloud_p, cloud_q):.6f}")
lesson.check_close("for finitely many points the couplings form a linear program: the LP over all 900-entry "
                   "couplings of 30 + 30 points in the plane gives the same W₁ as distances.w1_assignment (to 1e-9)",
                   cloud_solution.fun, distances.w1_assignment(cloud_p, cloud_q), atol=1e-9)

# %% [markdown]
# The net flow across each gap of the optimal plan — dirt moving right minus dirt moving left
# between pile i − 1 and pile i — is exactly δᵢ: however the LP routes the dirt, what crosses each
# gap is forced by the piles on either side of it.

# %%
net_flow = np.array([plan[:gap, gap:].sum() - plan[gap:, :gap].sum() for gap in range(1, n)])
lesson.identity("the plan's net flow across gap i equals δᵢ (mass conservation: true of every plan with these "
                "marginals)", np.allclose(net_flow, deltas[1:-1], atol=1e-9), str(np.round(net_flow, 9).tolist()))

# %% [markdown]
# ## Distributions, not piles
#
# Divide by the total, 10 shovelfuls, and P and Q become probability distributions on
# {0, 1, 2, 3}; W₁ scales with the mass, to 5/10 = 0.5. The same value comes from samples: ten
# points placed by the pile counts, compared with `distances.w1_samples` (sort both samples and
# average the gaps), another face of the same formula in 1-D. Sorting matters: pairing the
# samples in the order they arrive is a transport plan, but not the cheapest one.

# %%
lesson.check_close("normalised piles: W₁ = 0.5", distances.w1_histogram(P, Q, normalize=True), 0.5, atol=1e-12)
samples_p = np.repeat(positions, P.astype(int))
samples_q = np.repeat(positions, Q.astype(int))
lesson.check_close("W₁ of the ten-point samples = 0.5", distances.w1_samples(samples_p, samples_q), 0.5, atol=1e-12)
# The samples' order carries no information: W₁ of two samples depends only on their values.
shuffle = np.random.default_rng(lesson.seed)
shuffled_p, shuffled_q = shuffle.permutation(samples_p), shuffle.permutation(samples_q)
lesson.check_close("…and of the same samples in shuffled order (w1_samples sorts them itself)",
                   distances.w1_samples(shuffled_p, shuffled_q), 0.5, atol=1e-12, kind="identity")

# %% [markdown]
# ## The picture of the moves

# %%
figure, (piles, plan_axes) = plt.subplots(1, 2, figsize=(12, 4.6), gridspec_kw={"width_ratios": [1.4, 1]})
width = 0.38
piles.bar(positions - width / 2, P, width, label="P (start)", color="tab:blue")
piles.bar(positions + width / 2, Q, width, label="Q (target)", color="tab:orange")
arrow_height = 4.6
for gap in range(1, n):
    flow = deltas[gap]
    if flow == 0:
        continue
    start_x, end_x = (gap - 1, gap) if flow > 0 else (gap, gap - 1)
    piles.annotate("", xy=(end_x, arrow_height), xytext=(start_x, arrow_height),
                   arrowprops={"arrowstyle": "-|>", "lw": 1.5 + abs(flow), "color": "tab:green"})
    subscript = "₀₁₂₃₄₅₆₇₈₉"[gap]
    piles.text(gap - 0.5, arrow_height + 0.2, f"δ{subscript} = {flow:+.0f}".replace("-", "−"), ha="center",
               fontsize=11)
piles.set_xticks(positions, [f"pile {i}" for i in positions])
piles.set_ylim(0, 5.6)
piles.set_ylabel("shovelfuls of dirt")
piles.set_title(f"Moving P into Q: {abs(deltas[1]):.0f} + {abs(deltas[2]):.0f} + {abs(deltas[3]):.0f} = W = {work:.0f}")
piles.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=2)  # below: the arrows fill the top
image = plan_axes.imshow(plan, cmap="Greens")
for i in range(n):
    for j in range(n):
        shovelfuls = abs(plan[i, j])  # abs: the solver may return −0
        plan_axes.text(j, i, f"{shovelfuls:.0f}", ha="center", va="center", fontsize=12,
                       color="white" if shovelfuls > 1.5 else "black")
plan_axes.set_xticks(positions)
plan_axes.set_yticks(positions)
plan_axes.set_xlabel("to pile j of Q")
plan_axes.set_ylabel("from pile i of P")
plan_axes.set_title(f"Optimal plan γ from the LP (cost {solution.fun:.0f})")
figure.colorbar(image, ax=plan_axes, label="shovelfuls moved")
lesson.savefig(figure, "dirt_piles")

# %%
lesson.finish()
