"""Load a training checkpoint, draw samples, measure them, and hand the generator to PyTorch.

    python examples/train_wgan_gp_8gaussians.py --out runs/demo       # make a checkpoint first
    python examples/load_checkpoint_and_sample.py runs/demo/checkpoint.npz

A checkpoint is a plain .npz (no pickle): the generator's weights sit under "generator.<name>"
with PyTorch's names and shapes, so they load into ``torch.nn.Sequential`` unchanged.
"""

import sys
from pathlib import Path

import numpy as np

from minigan.cli import CommandParser
from minigan.cli.common import positive_int
from minigan.distances import w1_assignment, w1_samples
from minigan.gan import CheckpointError, Run
from minigan.gan import checkpoint as checkpoints
from minigan.plot import plot_samples_with_critic, save_figure

parser = CommandParser(prog="load_checkpoint_and_sample.py", description=__doc__.split("\n", 1)[0])
parser.add_argument("checkpoint", nargs="?", default=None,
                    help="a checkpoint.npz written by minigan train / mg.gan.train (default: train a tiny one)")
parser.add_argument("-n", type=positive_int, default=1000, help="points to draw (default 1000)")
options = parser.parse_args()

if options.checkpoint is None:
    # No checkpoint given: make a tiny one first, so the script runs on its own.
    from minigan.gan import TrainConfig, train
    from minigan.gan.trainer import CHECKPOINT_NAME

    out = Path("runs/tiny_for_sampling")
    print(f"no checkpoint given: training a tiny WGAN-GP for 20 steps into {out}/")
    train(TrainConfig.for_method("wgan", "gp", data="8gaussians", steps=20, generator_hidden=(16, 16),
                                 critic_hidden=(16, 16), log_every=10, metric_samples=200, out=str(out)),
          overwrite=True, progress=False)
    options.checkpoint = str(out / CHECKPOINT_NAME)

# 1. The whole run back (networks, optimizers, history): Run.from_checkpoint refuses damaged files.
try:
    run = Run.from_checkpoint(options.checkpoint)
except CheckpointError as error:  # missing, truncated, not a minigan checkpoint: one line, not a traceback
    print(f"{parser.prog}: {error}", file=sys.stderr)
    sys.exit(2)
print(f"{run}: trained {run.step} steps; last logged exact W1 {run.history.last()['w1_exact']:.4f}")

rng = np.random.default_rng(2024)
generated = run.sample(options.n, rng)
real = run.data.host(options.n, rng)
w1 = w1_samples(generated[:, 0], real[:, 0]) if run.config.data_dim == 1 else w1_assignment(generated, real)
print(f"exact W1 between {options.n} fresh samples and {options.n} real points: {w1:.4f}")
print("first samples:\n", np.round(generated[:5], 3))

figure = plot_samples_with_critic(real, generated, run, plot_range=run.data.plot_range,
                                  title=f"checkpoint at step {run.step}")
print("figure:", save_figure(figure, Path(options.checkpoint).with_name("checkpoint_samples.png")))

# 2. Just the generator's weights, e.g. for PyTorch (optional).
saved = checkpoints.load(options.checkpoint)
try:
    import torch
except ImportError:
    print("PyTorch not installed: skipping the hand-over")
else:
    sizes = run.config.generator_sizes
    layers = []
    for position, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(torch.nn.Linear(fan_in, fan_out))
        if position < len(sizes) - 2:
            layers.append(torch.nn.ReLU() if run.config.generator_activation == "relu" else torch.nn.Tanh())
    torch_generator = torch.nn.Sequential(*layers)
    torch_generator.load_state_dict({k: torch.from_numpy(v) for k, v in saved.generator.items()})
    z = rng.standard_normal((4, run.config.noise_dim)).astype(np.float32)
    with torch.no_grad():
        theirs = torch_generator(torch.from_numpy(z)).numpy()
    import minigan as mg

    with mg.no_grad():
        ours = run.generator(mg.tensor(z)).numpy()
    print(f"PyTorch reproduces minigan's generator: max |difference| {np.abs(theirs - ours).max():.2e}")
