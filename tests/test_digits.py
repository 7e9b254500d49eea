"""mg.gan.data.digits(): scikit-learn's 8×8 digits in [−1, 1], a fixed split, and the "digits" data set.

The reference is scikit-learn's own ``load_digits`` (raw ink counts 0–16), not minigan's output.
Everything that needs scikit-learn skips, saying so, where it is missing; the missing-extra message
is tested everywhere.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest

import minigan as mg
from minigan.gan import data

try:
    from sklearn.datasets import load_digits
except ImportError:  # the optional extra is not installed
    load_digits = None

needs_sklearn = pytest.mark.skipif(load_digits is None,
                                   reason="scikit-learn missing: pip install -e '.[digits]'")


@needs_sklearn
@pytest.mark.numpy_only
def test_all_1797_images_scaled_from_the_ink_counts_in_order():
    raw = load_digits()
    digits = data.digits()
    images = np.concatenate([digits.train, digits.held_out])
    labels = np.concatenate([digits.train_labels, digits.held_out_labels])
    assert images.shape == (1797, 64) and images.dtype == np.float64
    np.testing.assert_array_equal(images, raw.data / 8.0 - 1.0)  # ink p ∈ {0..16} ↦ p/8 − 1 (exact in binary)
    np.testing.assert_array_equal(labels, raw.target)
    assert images.min() == -1.0 and images.max() == 1.0
    np.testing.assert_array_equal(images.reshape(-1, 8, 8)[5], raw.images[5] / 8.0 - 1.0)  # row-major 8×8
    assert digits.image_shape == (8, 8)


@needs_sklearn
@pytest.mark.numpy_only
def test_the_split_is_fixed_and_every_digit_is_held_out():
    digits = data.digits()
    assert digits.train.shape == (1297, 64) and digits.held_out.shape == (500, 64)
    assert digits.train_labels.dtype == np.int64
    counts = np.bincount(digits.held_out_labels, minlength=10)
    assert counts.sum() == 500 and counts.min() >= 40  # scikit-learn's order interleaves the digits
    assert np.bincount(digits.train_labels, minlength=10).min() >= 100
    again = data.digits()
    assert again is digits  # loaded once; the same fixed split every time
    with pytest.raises(ValueError, match="read-only"):
        digits.train[0, 0] = 0.0


@needs_sklearn
def test_the_data_set_draws_training_images_only():
    registered = data.get("digits")
    assert registered.dim == 64 and "digits" in data.available()
    batch = data.sample_host("digits", 300, np.random.default_rng(0))
    assert batch.shape == (300, 64)
    train = {row.tobytes() for row in data.digits().train}
    assert all(row.tobytes() in train for row in batch)
    batch[0, 0] = 5.0  # a batch is the caller's own copy
    assert data.digits().train.max() == 1.0
    points = data.sample("digits", 300, np.random.default_rng(0))
    assert points.shape == (300, 64) and points.dtype == mg.get_default_dtype()
    np.testing.assert_array_equal(points.numpy(), data.sample_host("digits", 300, np.random.default_rng(0))
                                  .astype(np.float32))


@needs_sklearn
def test_a_train_config_accepts_digits():
    config = mg.gan.TrainConfig(data="digits", steps=1)
    assert config.data_dim == 64 and config.critic_sizes[0] == 64 and config.generator_sizes[-1] == 64


def test_without_scikit_learn_one_line_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)  # makes `import sklearn...` raise ImportError
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    monkeypatch.setattr(data, "_DIGITS_CACHE", [])
    with pytest.raises(ImportError) as error:
        data.digits()
    message = str(error.value)
    assert "pip install -e '.[digits]'" in message and "\n" not in message
    with pytest.raises(ImportError, match=r"\.\[digits\]"):
        data.sample_host("digits", 4)


# ------------------------------------------------------------------ the quick preset on the digits (issue 22)
@pytest.mark.numpy_only
def test_the_quick_preset_on_digits_is_lesson_14s_recipe():
    config = mg.gan.TrainConfig(preset="quick", data="digits")
    assert config.noise_dim == 16 and config.generator_hidden == (128, 128) == config.critic_hidden
    assert config.generator_final_activation == "tanh" and config.batch_size == 64
    assert (config.optimizer, config.lr, config.lr_schedule, config.gp_weight) == ("adam", 3e-4, "constant", 10.0)
    toy = mg.gan.TrainConfig(preset="quick")
    assert toy.noise_dim == 2 and toy.generator_final_activation == "identity"
    assert mg.gan.TrainConfig(preset="quick", data="digits", noise_dim=4).noise_dim == 4  # explicit wins


@pytest.mark.numpy_only
@pytest.mark.parametrize("command", ["train", "compare"])
def test_digits_without_scikit_learn_is_one_line_exit_2_and_no_folder(monkeypatch, tmp_path, capsys, command):
    from minigan.cli import main

    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    monkeypatch.setattr(data, "_DIGITS_CACHE", [])
    out = tmp_path / "run"
    assert main([command, "--data", "digits", "--out", str(out), "--steps", "1"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "pip install -e '.[digits]'" in error and "Traceback" not in error
    assert not out.exists()  # no config.json, no folder


@needs_sklearn
@pytest.mark.slow
@pytest.mark.numpy_only  # two minutes of training: once is enough, the strict run adds nothing here
def test_after_the_quick_preset_the_classifier_finds_the_digits(monkeypatch, tmp_path):
    """The whole quick preset (WGAN-GP, 2,000 steps): ≥ 8 of the 10 digits made with confidence,
    and the classifier is surer of them than of the untrained generator's (the step-0 row)."""
    from minigan.gan import metrics

    monkeypatch.setenv("MINIGAN_CACHE", str(tmp_path))
    monkeypatch.setattr(metrics, "_DIGITS_CACHE", {})
    run = mg.gan.train(mg.gan.TrainConfig(preset="quick", data="digits", log_every=2000))
    first, last = run.history.rows[0], run.history.last()
    assert first["step"] == 0 and last["step"] == 2000
    assert last["modes_covered"] >= 8, last
    assert last["mean_confidence"] > first["mean_confidence"], (first, last)
    assert last["w1_floor"] < last["w1_exact"] < first["w1_exact"]
