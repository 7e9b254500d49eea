"""WGAN-GP on 8 Gaussians on a GPU with the CuPy backend, at the toy script's full size.

    pip install 'minigan[gpu]'        # CuPy for CUDA 12 ('minigan[gpu-cuda13]' for CUDA 13)
    python examples/gpu_cupy_run.py [--steps 2000] [--out runs/gpu]

Without CuPy or a visible GPU it says which is missing and exits with status 0 (nothing to do).
The same seed gives the same random numbers as on the CPU (they are drawn on the host), so the
run follows the NumPy run up to floating-point round-off.
"""

import sys

import minigan as mg
from minigan.cli import CommandParser
from minigan.cli.common import positive_int
from minigan.gan import TrainConfig, train
from minigan.plot import save_run_figures

parser = CommandParser(prog="gpu_cupy_run.py", description=__doc__.split("\n", 1)[0])
parser.add_argument("--steps", type=positive_int, default=2000)
parser.add_argument("--out", default="runs/wgan_gp_8gaussians_gpu")
options = parser.parse_args()

try:
    mg.backend.use("cupy")
except mg.backend.BackendUnavailableError as error:
    print(f"skipping the GPU run: {error}")
    sys.exit(0)

import cupy  # noqa: E402  (only once we know it is there)

device = cupy.cuda.runtime.getDeviceProperties(cupy.cuda.Device().id)["name"]
print(f"GPU: {device.decode() if isinstance(device, bytes) else device}")
config = TrainConfig.for_method("wgan", "gp", data="8gaussians", steps=options.steps, backend="cupy",
                                out=options.out, log_every=250)
run = train(config, overwrite=True, progress=True)
last = run.history.last()
per_step = 1000 * last["train_time"] / max(run.step, 1)
print(f"exact W1 {run.history[0]['w1_exact']:.3f} → {last['w1_exact']:.3f}; "
      f"{last['train_time']:.1f} s of training ({per_step:.1f} ms per generator step)")
for path in save_run_figures(run):
    print(f"figure: {path}")
