"""History tables, exact-W₁ metrics, and the headless figures."""

import json
import math

import numpy as np
import pytest

import minigan as mg
from minigan.gan import data
from minigan.gan.history import History
from minigan.gan.metrics import evaluate, exact_w1, sampling_floor


# ------------------------------------------------------------------------------- history
def rows():
    return [{"step": 0, "loss": math.nan, "w1": 2.5}, {"step": 10, "loss": -0.25, "w1": 1.0}]


def test_history_columns_and_files_round_trip(tmp_path):
    history = History(rows())
    assert history.columns == ["step", "loss", "w1"]
    assert history.as_dict()["w1"] == [2.5, 1.0]
    np.testing.assert_array_equal(history.column("w1"), [2.5, 1.0])
    assert math.isnan(history.column("loss")[0])
    history.write_csv(tmp_path / "h.csv")
    history.write_json(tmp_path / "h.json")
    assert History.read_csv(tmp_path / "h.csv") == history
    columns = json.loads((tmp_path / "h.json").read_text())  # strict JSON: NaN written as null
    assert columns == {"step": [0, 10], "loss": [None, -0.25], "w1": [2.5, 1.0]}
    assert History.from_json(history.to_json()) == history
    assert history.truncated(5) == History(rows()[:1])


def test_history_refuses_inconsistent_rows():
    history = History(rows())
    with pytest.raises(ValueError, match="columns"):
        history.append({"step": 20, "w1": 0.5})
    with pytest.raises(KeyError, match="no column"):
        history.column("w2")
    with pytest.raises(TypeError, match="number"):
        History([{"step": "ten"}])


# ------------------------------------------------------------------------------- metrics
def test_exact_w1_in_one_and_two_dimensions():
    x = np.random.default_rng(0).normal(size=300)
    assert exact_w1(x + 0.5, x) == pytest.approx(0.5, rel=1e-12)  # a shift moves every point by 0.5
    points = np.random.default_rng(1).normal(size=(200, 2))
    shift = np.array([0.3, -0.4])
    # translation by v: W₁ ≥ ‖E X − E Y‖ = ‖v‖, and moving each point by v achieves it
    assert exact_w1(points + shift, points) == pytest.approx(0.5, rel=1e-9)
    assert exact_w1(points[::-1], points) == pytest.approx(0.0, abs=1e-12)
    assert exact_w1(mg.tensor(points), mg.tensor(points + shift)) == pytest.approx(0.5, rel=1e-5)


def test_sampling_floor_shrinks_with_more_points():
    eight = data.get("8gaussians")
    assert 0 < sampling_floor(eight, 1000) < sampling_floor(eight, 100)


def test_evaluate_with_a_unit_linear_critic():
    # D(x) = w·x with ‖w‖ = 1 is 1-Lipschitz: its estimate E D(x) − E D(G(z)) is a lower bound on
    # the W₁ of the samples (Kantorovich–Rubinstein), every gradient norm is exactly 1, and the
    # Lipschitz upper bound is 1.
    mg.manual_seed(0)
    generator = mg.nn.Linear(2, 2)
    critic = mg.nn.Linear(2, 1, bias=False)
    critic.weight.data[...] = mg.backend.asarray([[0.6, -0.8]], dtype="float32")
    metrics = evaluate(generator, critic, data.get("8gaussians"), noise_dim=2, n=300,
                       rng=np.random.default_rng(4))
    assert metrics["w1_critic"] <= metrics["w1_exact"] + 1e-6
    assert metrics["w1_exact"] > 0.5  # an untrained linear generator is far from 8 Gaussians
    assert metrics["grad_norm_mean"] == pytest.approx(1.0, rel=1e-6)
    assert metrics["grad_norm_std"] == pytest.approx(0.0, abs=1e-6)
    assert metrics["lipschitz_upper_bound"] == pytest.approx(1.0, rel=1e-6)
    # and it is a pure function of the generator it is given
    again = evaluate(generator, critic, data.get("8gaussians"), 2, 300, np.random.default_rng(4))
    assert again == metrics


# ------------------------------------------------------------------------------- figures
def test_figures_are_headless_and_saved(tmp_path):
    from matplotlib.figure import Figure

    from minigan import plot

    rng = np.random.default_rng(0)
    real, fake = rng.normal(size=(50, 2)), rng.normal(size=(50, 2)) + 1
    critic = lambda points: points[:, 0] - points[:, 1]
    figures = {
        "samples": plot.plot_samples_with_critic(real, fake, critic, grid_size=16),
        "samples_1d": plot.plot_samples_with_critic(real[:, :1], fake[:, :1], lambda p: p[:, 0] ** 2),
        "curves": plot.plot_w1_curves({"step": [0, 1], "w1_exact": [2, 1], "w1_critic": [None, 0.5]},
                                      floor=0.1),
        "norms": plot.plot_gradient_norms({"step": [0, 1], "grad_norm_mean": [1, 2], "grad_norm_std": [0, 1],
                                           "grad_norm_max": [2, 3]}),
        "weights": plot.plot_weight_histogram([np.array([-0.01, 0.01, 0.01, 0.003])], clip_value=0.01),
    }
    for name, figure in figures.items():
        assert isinstance(figure, Figure)
        path = plot.save_figure(figure, tmp_path / f"{name}.png")
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # the contour really shows the critic: its colour scale spans D's range on the grid (±6 on [−3, 3]²)
    colorbar_axes = figures["samples"].axes[1]
    low, high = colorbar_axes.get_ylim()
    assert low == pytest.approx(-6, abs=0.7) and high == pytest.approx(6, abs=0.7)
    with pytest.raises(ValueError, match="dimension"):
        plot.plot_samples_with_critic(real, fake[:, :1])


def test_history_with_new_columns_fills_nan():
    history = History(rows()).with_columns(["step", "w1", "modes"])
    assert history.columns == ["step", "w1", "modes"]
    assert history.column("w1").tolist() == [2.5, 1.0] and np.isnan(history.column("modes")).all()


def test_modes_covered_counts_modes_with_enough_points_within_three_sigma():
    from minigan.gan.metrics import modes_covered

    centres = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    rng = np.random.default_rng(0)
    std = 0.01
    # 2,000 points: 40 % at mode 0, 40 % at mode 1, 8 % at mode 2 (under 0.4/4 = 10 %), 12 % far away
    points = np.concatenate([centres[0] + std * rng.standard_normal((800, 2)),
                             centres[1] + std * rng.standard_normal((800, 2)),
                             centres[2] + std * rng.standard_normal((160, 2)),
                             rng.uniform(3, 4, (240, 2))])
    assert modes_covered(points, centres, std) == 2
    assert modes_covered(points, centres, std, min_fraction=0.05) == 3
    # the real 8 Gaussians cover all 8 of their modes; a collapsed generator covers one
    eight = data.get("8gaussians")
    assert modes_covered(eight.host(2000, rng), eight.mode_centres, eight.mode_std) == 8
    assert modes_covered(np.repeat(eight.mode_centres[:1], 2000, axis=0), eight.mode_centres, eight.mode_std) == 1
    twenty_five = data.get("25gaussians")
    assert modes_covered(twenty_five.host(2000, rng), twenty_five.mode_centres, twenty_five.mode_std) == 25
    with pytest.raises(ValueError, match="agree in d"):
        modes_covered(points, centres[:, :1], std)
