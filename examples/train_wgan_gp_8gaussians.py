"""Train WGAN-GP on the 8 Gaussians and watch it learn (the WGAN-GP paper's toy experiment).

    python examples/train_wgan_gp_8gaussians.py                 # quick preset: ~35 s of one CPU core
    python examples/train_wgan_gp_8gaussians.py --full          # the toy script: 512-wide nets (an hour)
    python examples/train_wgan_gp_8gaussians.py --backend cupy  # on a GPU

The default is the quick preset (``minigan train``'s default): 64×3 ReLU networks, Adam 2e-3 decayed
linearly to 0, batch 256, n_critic 5, λ = 0.1, 2,000 generator steps; on the 8 Gaussians it covers
all 8 modes with exact W₁ ≈ 0.1: training 21–26 s of CPU for seeds 0–2, about 35 s with the frames
and figures (one core; measured on a shared 2-core machine, where the wall time was longer).

Writes into --out (default runs/wgan_gp_8gaussians): checkpoint.npz, history.csv/json, the frames
of the run (frames/, training.gif, training.html, one frame every 100 steps) and the figures
samples.png, w1_curves.png and gradient_norms.png.
"""

import os
import sys

import minigan as mg
from minigan.cli import CommandParser
from minigan.cli.common import UsageError, non_negative_int, positive_int, prepare_out_folder
from minigan.cli.train import FrameWriter
from minigan.gan import TrainConfig
from minigan.gan.trainer import prepare
from minigan.plot import save_run_figures

parser = CommandParser(prog="train_wgan_gp_8gaussians.py", description=__doc__.split("\n", 1)[0])
parser.add_argument("--full", action="store_true", help="the toy script's sizes: 512-wide nets (default: quick)")
parser.add_argument("--steps", type=positive_int, default=None, help="generator steps (default 2000)")
parser.add_argument("--backend", choices=("numpy", "strict", "cupy"), default=None,
                    help="array backend (default: MINIGAN_BACKEND or numpy)")
parser.add_argument("--out", default="runs/wgan_gp_8gaussians", help="run folder (default runs/wgan_gp_8gaussians)")
parser.add_argument("--seed", type=non_negative_int, default=0, help="random seed (default 0)")
options = parser.parse_args()

if options.full:
    # Everything at the toy script's values: ReLU MLPs 2→512→512→512→out, batch 256, n_critic 5,
    # Adam(1e-4, β = (0.5, 0.9)), λ = 0.1.
    config = TrainConfig(preset="paper", loss="wgan", lipschitz="gp", steps=options.steps)
elif os.environ.get("MINIGAN_QUICK", "") not in ("", "0"):
    # MINIGAN_QUICK=1 (the test suite): a few seconds, to prove the script runs end to end.
    config = TrainConfig(preset="quick", loss="wgan", lipschitz="gp", steps=options.steps or 30,
                         generator_hidden=(32, 32), critic_hidden=(32, 32), log_every=10, metric_samples=200)
else:
    config = TrainConfig(preset="quick", loss="wgan", lipschitz="gp", steps=options.steps)
try:
    out = prepare_out_folder(options.out)
    config = config.replace(out=str(out), seed=options.seed, backend=options.backend,
                            snapshot_every=max(config.steps // 20, 1))
    run = prepare(config, overwrite=True)
except (UsageError, ValueError, mg.backend.BackendUnavailableError) as error:
    print(f"{parser.prog}: {error}", file=sys.stderr)
    sys.exit(2)
watcher = FrameWriter(out, run)
run.fit(progress=True, on_snapshot=watcher)
first, last = run.history[0], run.history.last()
print(f"exact W1 between {config.metric_samples} generated and real points: "
      f"{first['w1_exact']:.3f} at step 0 → {last['w1_exact']:.3f} at step {run.step}; "
      f"modes covered {int(last['modes_covered'])}/8")
print(f"critic's estimate E D(real) − E D(fake) at the end: {last['w1_critic']:.3f}; "
      f"mean ‖∇D(x̂)‖ {last['grad_norm_mean']:.2f} (the penalty's target is 1)")
print(f"backend {mg.backend.name()}, {last['train_time']:.0f} s of training")
for path in [*watcher.finish(), *save_run_figures(run)]:
    print(f"wrote {path}")
