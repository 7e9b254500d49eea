"""The trainer, the metrics, snapshots and figures work for data of any dimension (here d = 5 and
a 2×2 "image" data set), with the exact W₁ kept affordable (≤ 500 points per side for d > 2)."""

import numpy as np
import pytest

from minigan import animation
from minigan.gan import TrainConfig, train
from minigan.gan import data as datasets
from minigan.gan.metrics import HIGH_DIM_W1_POINTS, exact_w1
from minigan.plot import save_run_figures


def five_dimensional(n, generator):
    return 0.5 + 0.1 * generator.standard_normal((n, 5))


def tiny_images(n, generator):
    return generator.uniform(0, 1, size=(n, 4))


@pytest.fixture
def registered(monkeypatch):
    monkeypatch.setitem(datasets.DATASETS, "gauss5d", datasets.DataSet("gauss5d", 5, five_dimensional, 1.0,
                                                                        "N(0.5, 0.1²) in 5-D"))
    monkeypatch.setitem(datasets.DATASETS, "tiles", datasets.DataSet("tiles", 4, tiny_images, 1.0, "2×2 images",
                                                                      image_shape=(2, 2)))


def test_training_on_five_dimensional_data(registered, tmp_path):
    config = TrainConfig(data="gauss5d", preset="quick", steps=100, log_every=50, generator_hidden=(16,),
                         critic_hidden=(16,), batch_size=32, snapshot_every=50, out=str(tmp_path / "run"))
    assert (config.metric_samples, config.gp_weight) == (HIGH_DIM_W1_POINTS, 10.0)  # d > 2: affordable W₁, paper λ
    run = train(config)
    assert run.config.generator_sizes == [2, 16, 5]
    w1 = run.history.column("w1_exact")
    assert np.isfinite(w1).all() and w1[-1] < w1[0]
    assert np.isnan(run.history.column("modes_covered")).all()  # no modes in this data set
    snapshot = run.snapshots[-1]
    assert snapshot["generated"].shape == (500, 5) and "grid_values" not in snapshot and "arrow_points" not in snapshot
    paths = save_run_figures(run)
    assert all(path.stat().st_size > 1000 for path in paths)
    gif = animation.save_gif(run.snapshots, run.history, tmp_path / "run" / "training.gif", plot_range=1.0)
    assert gif.read_bytes()[:6] == b"GIF89a"


def test_image_data_is_drawn_as_a_grid_of_images(registered, tmp_path):
    run = train(TrainConfig(data="tiles", preset="quick", steps=2, log_every=2, generator_hidden=(8,),
                            critic_hidden=(8,), batch_size=16, metric_samples=40, snapshot_every=2))
    figure = animation.frame_figure(run.snapshots[-1], run.history, image_shape=(2, 2))
    images = figure.axes[0].get_images()
    assert len(images) == 1 and images[0].get_array().shape == (4 * 3 - 1, 4 * 3 - 1)  # 4×4 tiles of 2×2 + gaps


def test_exact_w1_in_five_dimensions_matches_an_independent_assignment():
    from scipy.optimize import linear_sum_assignment

    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((60, 5)), rng.standard_normal((60, 5)) + 0.3
    cost = np.sqrt(((x[:, None] - y[None]) ** 2).sum(-1))
    rows, cols = linear_sum_assignment(cost)
    assert exact_w1(x, y) == pytest.approx(cost[rows, cols].mean(), rel=1e-12)
