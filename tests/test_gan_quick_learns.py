"""With the quick preset's settings (the default of ``minigan train``), the exact W₁ falls on every
built-in data set for every method: GAN, WGAN with clipping, spectral normalisation and the
gradient penalty, three seeds each.

The runs are the quick preset made tiny (32×3 networks, batches of 64, 400 steps, the preset's
rates and linear decay) so the whole grid fits in about a minute of CPU. λ = 0.1 in 1-D is what
makes the 1-D sets pass: with the paper's λ = 10 the critic cannot change the sign of its slope
(see ``minigan.gan.config``), and the exact W₁ on gaussian1d rose instead.
"""

import importlib.util

import pytest

from minigan.gan import TrainConfig, train
from minigan.gan.data import available

# digits needs scikit-learn (the `digits` extra): without it those cases skip, not fail
_NEEDS_SKLEARN = pytest.mark.skipif(importlib.util.find_spec("sklearn") is None,
                                    reason="scikit-learn missing: pip install -e '.[digits]'")
DATA = [pytest.param(name, marks=_NEEDS_SKLEARN) if name == "digits" else name for name in available()]

METHODS = {"gan": ("gan", "none"), "wgan-clip": ("wgan", "clip"), "wgan-sn": ("wgan", "sn"),
           "wgan-gp": ("wgan", "gp")}
TINY_QUICK = dict(preset="quick", generator_hidden=(32, 32, 32), critic_hidden=(32, 32, 32), batch_size=64, steps=400,
                  log_every=400, metric_samples=200, checkpoint_every=None)


@pytest.mark.slow
@pytest.mark.parametrize("data", DATA)
@pytest.mark.parametrize("method", sorted(METHODS))
def test_exact_w1_falls_with_the_quick_preset(data, method):
    loss, lipschitz = METHODS[method]
    for seed in (0, 1, 2):
        run = train(TrainConfig(data=data, loss=loss, lipschitz=lipschitz, seed=seed, **TINY_QUICK))
        w1 = run.history.column("w1_exact")
        assert w1[-1] < w1[0], f"{data}, {method}, seed {seed}: exact W1 {w1[0]:.3f} → {w1[-1]:.3f}"


def test_one_dimensional_data_gets_a_small_penalty_weight():
    # the reason the 1-D runs above can learn (with λ = 10 the exact W₁ rose on gaussian1d)
    for data in available():
        config = TrainConfig(data=data, preset="quick")
        assert config.gp_weight == (0.1 if config.data_dim <= 2 else 10.0)
