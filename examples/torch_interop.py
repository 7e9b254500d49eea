"""Graduating to PyTorch: a minigan critic's weights load into torch.nn unchanged, and back.

minigan's state dicts use PyTorch's keys and shapes ("0.weight" of shape (out, in) for
the first Linear of a Sequential; "weight_orig", "weight_u", "weight_v" for a
spectrally normalised layer), and they are plain NumPy arrays, so an .npz checkpoint is
all it takes. Run:

    python examples/torch_interop.py

Needs torch (not a minigan dependency): pip install torch. Without it the script says
so and exits.
"""

import sys
import tempfile
from pathlib import Path

import numpy as np

import minigan as mg

try:
    import torch
except ImportError:
    print("torch is not installed (pip install torch); nothing to compare against, skipping.")
    sys.exit(0)

mg.manual_seed(0)
torch.manual_seed(0)

# 1. Train a small minigan critic for a few steps so the weights are not just the initial ones.
critic = mg.nn.MLP([2, 64, 64, 1], activation="relu")
optimizer = mg.optim.Adam(critic.parameters(), lr=1e-3, betas=(0.5, 0.9))
rng = np.random.default_rng(0)
for _ in range(50):
    real = mg.tensor(rng.normal(1.0, 0.1, (128, 2)).astype("float32"))
    fake = mg.tensor(rng.normal(-1.0, 0.1, (128, 2)).astype("float32"))
    loss = critic(fake).mean() - critic(real).mean()  # the WGAN critic loss
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

# 2. Save as .npz (no pickle) and load into the equivalent torch.nn.Sequential.
checkpoint = Path(tempfile.mkdtemp()) / "critic.npz"
np.savez(checkpoint, **critic.state_dict())
torch_critic = torch.nn.Sequential(
    torch.nn.Linear(2, 64), torch.nn.ReLU(), torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 1)
)
with np.load(checkpoint, allow_pickle=False) as archive:
    torch_critic.load_state_dict({name: torch.from_numpy(archive[name]) for name in archive.files})

points = rng.uniform(-2, 2, (1000, 2)).astype("float32")
ours = critic(mg.tensor(points)).numpy()
with torch.no_grad():
    theirs = torch_critic(torch.from_numpy(points)).numpy()
print(f"minigan → torch: max |D_minigan − D_torch| over 1000 points = {np.abs(ours - theirs).max():.2e}")
assert np.allclose(ours, theirs, rtol=1e-5, atol=1e-6)

# 3. And back: torch's weights into a fresh minigan MLP.
fresh = mg.nn.MLP([2, 64, 64, 1], activation="relu")
fresh.load_state_dict({name: value.numpy() for name, value in torch_critic.state_dict().items()})
print(f"torch → minigan: max difference = {np.abs(fresh(mg.tensor(points)).numpy() - theirs).max():.2e}")

# 4. Spectral normalisation: the same keys as torch.nn.utils.spectral_norm, the same σ.
sn_critic = mg.nn.MLP([2, 64, 1], activation="tanh", spectral_norm=True).eval()
torch_sn = torch.nn.Sequential(
    torch.nn.utils.spectral_norm(torch.nn.Linear(2, 64)), torch.nn.Tanh(),
    torch.nn.utils.spectral_norm(torch.nn.Linear(64, 1)),
).eval()
print("spectral-norm keys:", list(sn_critic.state_dict()))
torch_sn.load_state_dict({name: torch.from_numpy(value) for name, value in sn_critic.state_dict().items()})
with torch.no_grad():
    theirs = torch_sn(torch.from_numpy(points)).numpy()
ours = sn_critic(mg.tensor(points)).numpy()
print(f"spectrally normalised critic: max difference = {np.abs(ours - theirs).max():.2e}")
assert np.allclose(ours, theirs, rtol=1e-5, atol=1e-6)
