"""The earth mover's distance between two rows of dirt piles, as a table of carried dirt (lesson 5).

    python examples/dirt_pile_table.py                              # P = (3, 2, 1, 4), Q = (1, 2, 4, 3): W = 5
    python examples/dirt_pile_table.py --p 1 0 0 1 --q 0 1 1 0       # your own piles (equal totals)

Walk along the piles from left to right; δᵢ is the dirt carried across the gap into pile i:
δ₀ = 0, δᵢ₊₁ = δᵢ + Pᵢ − Qᵢ, and W = Σ|δᵢ| (piles one step apart). The script prints the table,
checks W against the linear program over all transport plans (scipy.optimize.linprog), and draws
the piles with the flows into --out (default figures/dirt_pile_table). MINIGAN_QUICK=1 changes
nothing here: the example is instant.
"""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from scipy.optimize import linprog

from minigan import distances
from minigan.cli import CommandParser

parser = CommandParser(prog="dirt_pile_table.py", description=__doc__.split("\n", 1)[0])
parser.add_argument("--p", type=float, nargs="+", default=[3, 2, 1, 4], help="the piles to move (default 3 2 1 4)")
parser.add_argument("--q", type=float, nargs="+", default=[1, 2, 4, 3], help="the piles to make (default 1 2 4 3)")
parser.add_argument("--out", default="figures/dirt_pile_table", help="folder for the figure")
options = parser.parse_args()

P, Q = np.array(options.p), np.array(options.q)
if P.shape != Q.shape or abs(P.sum() - Q.sum()) > 1e-9 * max(P.sum(), Q.sum()):
    sys.exit(f"P and Q need the same number of piles and the same total; got {P.tolist()} and {Q.tolist()}")

work, deltas = distances.w1_histogram(P, Q, return_deltas=True)
print(" pile | P_i | Q_i | carried in δ_i | carried out δ_i+1 = δ_i + P_i − Q_i")
for i in range(len(P)):
    print(f" {i:4d} | {P[i]:3g} | {Q[i]:3g} | {deltas[i]:14g} | {deltas[i + 1]:+g}")
print(f"W = Σ|δ| = {' + '.join(f'{abs(d):g}' for d in deltas)} = {work:g}")

# The same number as the optimum over all transport plans γ(i, j) ≥ 0 with marginals P and Q.
n = len(P)
cost = np.abs(np.arange(n)[:, None] - np.arange(n)[None, :]).ravel().astype(float)
constraints = np.vstack([np.kron(np.eye(n), np.ones((1, n))), np.kron(np.ones((1, n)), np.eye(n))])
plan = linprog(cost, A_eq=constraints, b_eq=np.concatenate([P, Q]), bounds=(0, None), method="highs")
print(f"linear program over transport plans: minimum cost {plan.fun:g}")
if abs(plan.fun - work) > 1e-7 * max(1.0, work):
    sys.exit(f"the linear program disagrees: {plan.fun} vs {work}")

out = Path(options.out)
out.mkdir(parents=True, exist_ok=True)
figure, axes = plt.subplots(figsize=(7, 4.2))
positions = np.arange(n)
axes.bar(positions - 0.2, P, 0.4, label="P (start)")
axes.bar(positions + 0.2, Q, 0.4, label="Q (target)")
top = max(P.max(), Q.max()) * 1.15
for gap in range(1, n):
    if deltas[gap] != 0:
        start, end = (gap - 1, gap) if deltas[gap] > 0 else (gap, gap - 1)
        axes.annotate("", xy=(end, top), xytext=(start, top),
                      arrowprops={"arrowstyle": "-|>", "lw": 1.5, "color": "tab:green"})
        axes.text(gap - 0.5, top * 1.03, f"{deltas[gap]:+g}", ha="center")
axes.set_ylim(0, top * 1.2)
axes.set_xticks(positions, [f"pile {i}" for i in positions])
axes.set_ylabel("dirt")
axes.set_title(f"Earth mover's distance W = Σ|δ| = {work:g}")
axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=2)  # below: the arrows fill the top
path = out / "dirt_piles.png"
figure.savefig(path, dpi=110, bbox_inches="tight")
print(f"figure: {path.resolve()}")
