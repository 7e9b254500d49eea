"""The WGAN paper's parallel-lines figure: KL, JS and W₁ between P₀ and P_θ as functions of θ (lesson 6).

    python examples/parallel_lines_figure.py            # 41 values of θ, 300 samples per side
    MINIGAN_QUICK=1 python examples/parallel_lines_figure.py   # 11 values, 100 samples (seconds)

P₀ is uniform on the segment {0} × [0, 1] and P_θ on {θ} × [0, 1]. For θ ≠ 0: KL = +∞,
JS = ln 2 and W₁ = |θ|; all are 0 at θ = 0. The analytic values come from
``minigan.distances.parallel_lines``; W₁ is also computed from samples by exact optimal assignment
(``minigan.distances.w1_assignment``), with sample points drawn by ``minigan.gan.data.parallel_lines``.
The figure goes to --out (default figures/parallel_lines).
"""

import math
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import minigan as mg
from minigan import distances
from minigan.cli import CommandParser
from minigan.cli.common import positive_int
from minigan.gan import data

quick = os.environ.get("MINIGAN_QUICK", "") not in ("", "0")
parser = CommandParser(prog="parallel_lines_figure.py", description=__doc__.split("\n", 1)[0])
parser.add_argument("--points", type=positive_int, default=11 if quick else 41, help="values of θ in [−1, 1]")
parser.add_argument("-n", type=positive_int, default=100 if quick else 300, help="samples per side for the sample W₁")
parser.add_argument("--out", default="figures/parallel_lines", help="folder for the figure")
parser.add_argument("--seed", type=int, default=0)
options = parser.parse_args()
mg.manual_seed(options.seed)

thetas = np.linspace(-1.0, 1.0, options.points)
analytic = [distances.parallel_lines(theta) for theta in thetas]
sample_w1 = []
for theta in thetas:
    # .numpy(): the samplers return tensors on the active backend; distances work on the host
    p_points = data.parallel_lines(options.n, theta=0.0).numpy()
    q_points = data.parallel_lines(options.n, theta=float(theta)).numpy()
    sample_w1.append(distances.w1_assignment(p_points, q_points))

print("     θ      KL(P‖Q)   JS      W₁ (exact)  W₁ (samples)")
for theta, values, w1 in zip(thetas, analytic, sample_w1):
    print(f"  {theta:+.2f}   {values['kl_pq']:7.3g}   {values['js']:.4f}  {values['w1']:.4f}      {w1:.4f}")

out = Path(options.out)
out.mkdir(parents=True, exist_ok=True)
figure, (divergences, wasserstein) = plt.subplots(1, 2, figsize=(11, 4.2))
nonzero = thetas != 0
kl_top = 1.2  # where +∞ is drawn
divergences.plot(thetas[nonzero], np.full(nonzero.sum(), kl_top), "C3o", ms=4, label="KL(P₀‖P_θ) = +∞ (drawn at top)")
divergences.plot(thetas[nonzero], [values["js"] for values in np.array(analytic)[nonzero]], "C1s", ms=4,
                 label="JS(P₀‖P_θ) = ln 2")
divergences.plot([0.0], [0.0], "ko", label="both 0 at θ = 0")
divergences.set_yticks([0, 0.5, math.log(2), 1.0, kl_top], ["0", "0.5", "ln 2", "1", "∞"])
divergences.set_ylim(-0.05, 1.3)
divergences.set_xlabel("θ")
divergences.set_ylabel("nats")
divergences.set_title("KL and JS jump at θ = 0")
divergences.legend(loc="center", bbox_to_anchor=(0.5, 0.3), fontsize=9)  # the empty band below ln 2
divergences.grid(alpha=0.3)
dense = np.linspace(-1, 1, 401)
wasserstein.plot(dense, np.abs(dense), "C2-", label="W₁ = |θ|")
wasserstein.plot(thetas, sample_w1, "C2o", ms=4, label=f"W₁ from {options.n} samples per side")
wasserstein.set_xlabel("θ")
wasserstein.set_ylabel("W₁")
wasserstein.set_title("W₁ is continuous: it tells the generator where to go")
wasserstein.legend(loc="upper center")
wasserstein.grid(alpha=0.3)
for axes in (divergences, wasserstein):
    axes.set_xticks([-1.0, -0.5, 0.0, 0.5, 1.0])  # five labels: the default nine run into each other
path = out / "parallel_lines.png"
figure.savefig(path, dpi=110, bbox_inches="tight")
print(f"figure: {path.resolve()}")
