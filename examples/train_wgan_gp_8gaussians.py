"""Train WGAN-GP on the 8 Gaussians and draw what it learned (the WGAN-GP paper's toy experiment).

    python examples/train_wgan_gp_8gaussians.py                 # quick: ~1 minute on a laptop CPU
    python examples/train_wgan_gp_8gaussians.py --full          # the toy script: 512-wide nets, 2,000 steps
    python examples/train_wgan_gp_8gaussians.py --backend cupy  # on a GPU

Writes into --out (default runs/wgan_gp_8gaussians): checkpoint.npz, history.csv/json and the
figures samples.png (generated vs real points over the critic's contours), w1_curves.png (the
critic's W₁ estimate against the exact W₁) and gradient_norms.png (‖∇D(x̂)‖, pushed towards 1).
"""

import argparse
import os

import minigan as mg
from minigan.gan import TrainConfig, train
from minigan.plot import save_run_figures

parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
parser.add_argument("--full", action="store_true", help="the authors' sizes: 512-wide nets, 2,000 steps")
parser.add_argument("--steps", type=int, default=None)
parser.add_argument("--backend", default=None, help="numpy (default), cupy or strict")
parser.add_argument("--out", default="runs/wgan_gp_8gaussians")
parser.add_argument("--seed", type=int, default=0)
options = parser.parse_args()

if options.full:
    # Everything at the toy script's values: ReLU MLPs 2→512→512→512→out, batch 256, n_critic 5,
    # Adam(1e-4, β = (0.5, 0.9)), λ = 0.1 (all TrainConfig defaults for 8gaussians + gp).
    config = TrainConfig.for_method("wgan", "gp", data="8gaussians", steps=options.steps or 2000)
elif os.environ.get("MINIGAN_QUICK", "") not in ("", "0"):
    # MINIGAN_QUICK=1 (the test suite): a few seconds, to prove the script runs end to end.
    config = TrainConfig.for_method("wgan", "gp", data="8gaussians", steps=options.steps or 30,
                                    generator_hidden=(32, 32), critic_hidden=(32, 32), lr=5e-4, log_every=10,
                                    metric_samples=200)
else:
    # Smaller nets and a larger learning rate get the same picture in a minute.
    config = TrainConfig.for_method("wgan", "gp", data="8gaussians", steps=options.steps or 500,
                                    generator_hidden=(128, 128, 128), critic_hidden=(128, 128, 128),
                                    lr=5e-4, log_every=50)
config = config.replace(out=options.out, seed=options.seed, backend=options.backend)

run = train(config, overwrite=True, progress=True)
first, last = run.history[0], run.history.last()
print(f"exact W1 between {config.metric_samples} generated and real points: "
      f"{first['w1_exact']:.3f} at step 0 → {last['w1_exact']:.3f} at step {run.step}")
print(f"critic's estimate E D(real) − E D(fake) at the end: {last['w1_critic']:.3f}; "
      f"mean ‖∇D(x̂)‖ {last['grad_norm_mean']:.2f} (the penalty's target is 1)")
print(f"backend {mg.backend.name()}, {last['train_time']:.0f} s of training")
for path in save_run_figures(run):
    print(f"figure: {path}")
