"""``minigan train`` end to end: a few steps into a folder, the files it promises, resume, refusals."""

import csv
import json

import numpy as np
import pytest

from minigan import cli
from minigan.gan import checkpoint as checkpoints

SMALL = ["--hidden", "16,16", "--batch-size", "32", "--log-every", "2", "--metric-samples", "50",
         "--checkpoint-every", "3", "--no-progress"]


def minigan_train(*arguments):
    return cli.main(["train", *arguments])


def test_train_writes_history_checkpoint_and_figures(tmp_path, capsys):
    out = tmp_path / "runs" / "clip"
    status = minigan_train("--data", "8gaussians", "--loss", "wgan", "--lipschitz", "clip", "--steps", "5",
                           "--out", str(out), "--preset", "paper", *SMALL)
    assert status == 0
    assert "exact W1" in capsys.readouterr().out
    names = {path.name for path in out.iterdir()}
    assert {"checkpoint.npz", "history.csv", "history.json", "config.json", "samples.png", "w1_curves.png",
            "gradient_norms.png", "critic_weights.png"} <= names
    for figure in ("samples.png", "w1_curves.png", "critic_weights.png"):
        assert (out / figure).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with (out / "history.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert [int(r["step"]) for r in rows] == [0, 2, 4, 5]
    assert all(float(r["w1_exact"]) > 0 for r in rows)
    history = json.loads((out / "history.json").read_text())
    assert history["step"] == [0, 2, 4, 5] and history["critic_loss"][0] is None
    config = json.loads((out / "config.json").read_text())
    assert (config["lipschitz"], config["optimizer"], config["lr"], config["critic_hidden"]) == (
        "clip", "rmsprop", 5e-5, [16, 16])
    saved = checkpoints.load(out / "checkpoint.npz")
    assert saved.step == 5
    assert all(np.abs(v).max() <= 0.01 for v in saved.critic.values())  # clipped weights were saved


def test_generator_lr_option_reaches_the_config(tmp_path):
    out = tmp_path / "ttur"
    assert minigan_train("--steps", "1", "--lr", "2e-4", "--generator-lr", "5e-5", "--out", str(out), *SMALL,
                         "--no-figures") == 0
    config = json.loads((out / "config.json").read_text())
    assert (config["lr"], config["generator_lr"]) == (2e-4, 5e-5)


def test_resume_continues_with_the_saved_settings(tmp_path):
    out = str(tmp_path / "gp")
    assert minigan_train("--steps", "3", "--out", out, *SMALL, "--no-figures") == 0
    # --resume needs only the folder and the new length; the saved architecture is kept
    assert minigan_train("--steps", "5", "--out", out, "--resume", "--no-progress", "--no-figures") == 0
    assert checkpoints.load(tmp_path / "gp" / "checkpoint.npz").step == 5


def test_refusals_have_exit_status_2_and_a_message(tmp_path, capsys):
    out = str(tmp_path / "run")
    assert minigan_train("--steps", "2", "--out", out, *SMALL, "--no-figures") == 0
    capsys.readouterr()
    assert minigan_train("--steps", "2", "--out", out, *SMALL, "--no-figures") == 2
    assert "--resume" in capsys.readouterr().err
    status = minigan_train("--steps", "4", "--out", out, *SMALL, "--hidden", "8", "--resume", "--no-figures")
    assert status == 2
    assert "critic_hidden" in capsys.readouterr().err
    assert minigan_train("--steps", "2", "--out", str(tmp_path / "empty"), "--resume", "--no-figures") == 2
    assert "no such file" in capsys.readouterr().err


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the overflow is the point
def test_divergence_has_exit_status_1(tmp_path, capsys):
    out = str(tmp_path / "nan")
    status = minigan_train("--steps", "30", "--out", out, "--lr", "1e10", *SMALL, "--no-figures")
    assert status == 1
    assert "training diverged at step" in capsys.readouterr().err


def test_the_minigan_command_dispatches_train(tmp_path):
    from minigan import cli

    out = tmp_path / "via_cli"
    assert cli.main(["train", "--steps", "2", "--out", str(out), *SMALL, "--no-figures"]) == 0
    assert checkpoints.load(out / "checkpoint.npz").step == 2
