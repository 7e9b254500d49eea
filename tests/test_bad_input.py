"""Inputs a careless or unlucky user gives: each gets the right answer or a clear error naming
the bad value (issue 23's list for the library and the commands)."""

import builtins
import math

import numpy as np
import pytest

import minigan as mg
from minigan import cli
from minigan.distances.sliced import random_directions


def run_main(*arguments):
    try:
        return cli.main(list(arguments))
    except SystemExit as exit_:
        return exit_.code


def one_line(capsys, *needles):
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    for needle in needles:
        assert needle in err, err
    return err


# ------------------------------------------------------------------------------ distances
def test_random_directions_in_zero_dimensions_is_refused_not_an_endless_loop():
    with pytest.raises(ValueError, match="dim must be an int >= 1.*got 0"):
        random_directions(4, 0)


def test_sliced_w1_refuses_a_huge_request_before_allocating_it():
    with pytest.raises(ValueError, match=r"n_projections = 6,000,000,000 float64 values .*GiB"):
        mg.distances.sliced_w1(np.zeros((3, 2)), np.ones((3, 2)), n_projections=10**9)


@pytest.mark.parametrize("seed", [-1, "a", 1.5, True])
def test_sliced_w1_names_a_bad_seed(seed):
    with pytest.raises(ValueError, match=f"seed must be a non-negative integer .*got {seed!r}"):
        mg.distances.sliced_w1(np.zeros((3, 2)), np.ones((3, 2)), seed=seed)


def test_w1_assignment_on_huge_coordinates_is_exact_or_says_it_overflows():
    x, y = np.array([[1e307, 0.0], [0.0, 1e307]]), np.array([[-1e307, 0.0], [0.0, 0.0]])
    # best matching: (1e307,0)↔(0,0) at 1e307 and (0,1e307)↔(−1e307,0) at √2·1e307
    assert mg.distances.w1_assignment(x, y) == pytest.approx((1 + math.sqrt(2)) / 2 * 1e307, rel=1e-12)
    with pytest.raises(ValueError, match="overflows float64"):
        mg.distances.w1_assignment(np.array([[1.7e308, 0.0]]), np.array([[-1.7e308, 0.0]]))


@pytest.mark.parametrize("divergence", [mg.distances.kl, mg.distances.js], ids=["kl", "js"])
def test_float32_histograms_that_sum_to_one_in_float32_are_accepted(divergence):
    rng = np.random.default_rng(0)
    p, q = (rng.random(1000).astype(np.float32) for _ in range(2))
    p, q = p / p.sum(), q / q.sum()
    assert abs(float(p.sum(dtype=np.float64)) - 1.0) > 1e-9  # off by float32 rounding
    expected = divergence(p.astype(np.float64), q.astype(np.float64), normalize=True)
    assert divergence(p, q) == pytest.approx(expected, rel=1e-6)
    with pytest.raises(ValueError, match="sums to"):  # a float32 histogram that is really off still fails
        divergence(p * np.float32(1.01), q)


@pytest.mark.parametrize("divergence", [mg.distances.kl, mg.distances.js], ids=["kl", "js"])
def test_a_torch_tensor_that_requires_grad_is_read_as_its_values(divergence):
    torch = pytest.importorskip("torch")
    p = torch.tensor([0.25, 0.75], dtype=torch.float64, requires_grad=True)
    q = np.array([0.5, 0.5])
    assert divergence(p, q) == divergence(np.array([0.25, 0.75]), q)


# ------------------------------------------------------------------------------ data and nn
def test_an_integer_dtype_for_data_is_refused_rather_than_truncating():
    with pytest.raises(TypeError, match="dtype must be a floating dtype.*int32"):
        mg.gan.data.sample("8gaussians", 2, dtype="int32")


def test_a_seed_given_as_generator_is_named():
    with pytest.raises(TypeError, match="generator must be a numpy.random.Generator.*int 5"):
        mg.gan.data.sample("8gaussians", 2, generator=5)


@pytest.mark.parametrize("mean", [math.inf, -math.inf, math.nan])
def test_gaussian_1d_with_an_infinite_mean_is_refused(mean):
    with pytest.raises(ValueError, match="mean must be a finite number"):
        mg.gan.data.gaussian_1d(2, mean=mean)


def test_spectral_norm_of_an_all_zero_weight_says_so_and_leaves_the_layer_as_it_was():
    layer = mg.nn.Linear(3, 2)
    layer.weight.data[...] = 0
    with pytest.raises(ValueError, match=r"Linear.weight is all zeros \(shape \(2, 3\)\)"):
        mg.nn.spectral_norm(layer)
    assert [name for name, _ in layer.named_parameters()] == ["weight", "bias"]


# ------------------------------------------------------------------------------ commands
def test_an_empty_out_is_named_once(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run_main("train", "--out", "", "--steps", "1") == 2
    err = one_line(capsys, "--out must name a folder")
    assert "----out" not in err


def test_compare_does_not_overwrite_an_earlier_compare(tmp_path, capsys):
    out = tmp_path / "cmp"
    (out / "wgan-gp").mkdir(parents=True)
    (out / "wgan-gp" / "checkpoint.npz").write_bytes(b"earlier")
    assert run_main("compare", "--out", str(out), "--steps", "1") == 2
    one_line(capsys, "earlier compare", "WGAN-GP", "--overwrite")
    assert (out / "wgan-gp" / "checkpoint.npz").read_bytes() == b"earlier"


@pytest.mark.parametrize("command", ["train", "compare"])
def test_digits_without_scikit_learn_is_one_line_exit_2_and_leaves_no_files(tmp_path, capsys, monkeypatch, command):
    from minigan.gan import data

    monkeypatch.setattr(data, "_DIGITS_CACHE", [])
    real_import = builtins.__import__

    def without_sklearn(name, *args, **kwargs):
        if name.startswith("sklearn"):
            raise ImportError("No module named 'sklearn'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", without_sklearn)
    out = tmp_path / "digits"
    assert run_main(command, "--data", "digits", "--out", str(out), "--steps", "1") == 2
    one_line(capsys, "scikit-learn", "pip install")
    assert not out.exists()


@pytest.mark.parametrize("command", [["tour"], ["lesson", "1"], ["notebooks", "1"]])
def test_lesson_commands_with_an_unusable_out_say_so_in_one_line(tmp_path, capsys, command):
    from minigan.cli import notebooks

    if command[0] == "notebooks" and notebooks.missing_packages():
        pytest.skip("the notebooks extra is not installed (the command says so first)")
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    assert run_main(*command, "--out", str(blocker / "below")) == 2
    one_line(capsys, "--out", "a part of this path is a file")


@pytest.mark.parametrize("command, target", [(["tour", "--only", "1"], "minigan.cli.tour.run_tour"),
                                             (["lesson", "1"], "minigan.cli.tour.subprocess.run"),
                                             (["notebooks", "1"], "minigan.cli.notebooks.execute_lesson_notebook")])
def test_ctrl_c_in_a_lesson_command_is_one_line_and_exit_130(tmp_path, capsys, monkeypatch, command, target):
    from minigan.cli import notebooks

    if command[0] == "notebooks" and notebooks.missing_packages():
        pytest.skip("the notebooks extra is not installed")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(target, interrupted)
    assert run_main(*command, "--out", str(tmp_path / "out")) == 130
    one_line(capsys, "interrupted")
