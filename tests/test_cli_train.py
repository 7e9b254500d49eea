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
    assert "--critic-hidden/--hidden: [16, 16] in the checkpoint vs [8] now" in capsys.readouterr().err
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


# ------------------------------------------------------------------ presets and the GAN's report
def run_main(*arguments):
    """cli.main's exit status, also when argparse refuses (SystemExit)."""
    try:
        return cli.main(list(arguments))
    except SystemExit as exit_:
        return exit_.code


def one_line_error(capsys, *needles):
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in err, err
    return err


def test_a_fresh_run_uses_the_quick_preset_and_records_every_value(tmp_path):
    out = tmp_path / "quick"
    assert minigan_train("--steps", "1", "--out", str(out), "--batch-size", "16", "--metric-samples", "50",
                         "--no-progress", "--no-figures") == 0
    config = json.loads((out / "config.json").read_text())
    assert config["preset"] == "quick"
    assert (config["critic_hidden"], config["lr"], config["lr_schedule"], config["batch_size"]) == (
        [64, 64, 64], 2e-3, "linear", 16)  # the preset's values, and the explicit batch size wins
    assert all(config[name] is not None for name in ("lipschitz", "optimizer", "n_critic", "gp_weight", "steps"))


def test_a_gan_run_reports_the_discriminator_not_a_critic_estimate(tmp_path, capsys):
    out = tmp_path / "gan"
    assert minigan_train("--loss", "gan", "--steps", "3", "--out", str(out), *SMALL) == 0
    printed = capsys.readouterr().out
    assert "critic estimate" not in printed and "target" not in printed
    assert "D loss" in printed and "mean D(real)" in printed
    config = json.loads((out / "config.json").read_text())
    assert config["lipschitz"] == "none"  # the plain GAN: no penalty follows --loss gan
    assert not (out / "critic_weights.png").exists()  # the weight histogram is for clipping only
    history = json.loads((out / "history.json").read_text())
    assert all(0 < value < 1 for value in history["d_real_mean"] + history["d_fake_mean"])


# ----------------------------------------------------------------------- watching
def test_snapshots_write_frames_a_gif_and_an_offline_page(tmp_path):
    out = tmp_path / "watch"
    assert minigan_train("--steps", "4", "--snapshot-every", "2", "--out", str(out), *SMALL) == 0
    frames = sorted(path.name for path in (out / "frames").iterdir())
    assert frames == ["frame_000000.png", "frame_000002.png", "frame_000004.png"]
    assert (out / "training.gif").read_bytes()[:6] == b"GIF89a"
    from PIL import Image

    with Image.open(out / "training.gif") as gif:
        assert gif.n_frames == 3
    page = (out / "training.html").read_text()
    assert page.count("data:image/png;base64,") == 3  # frames embedded: the page works offline
    assert "<script src" not in page and "https://" not in page and "<link" not in page
    for control in ('id="play"', 'id="back"', 'id="forward"', 'type="range"', 'id="marker"'):
        assert control in page


def test_interrupted_run_says_where_it_stopped_and_keeps_its_frames(tmp_path, capsys, monkeypatch):
    from minigan.gan.trainer import Run

    out = tmp_path / "stop"
    original = Run._train_step

    def interrupted_at_five(self, step):
        if step == 5:
            raise KeyboardInterrupt
        return original(self, step)

    monkeypatch.setattr(Run, "_train_step", interrupted_at_five)
    status = minigan_train("--steps", "8", "--snapshot-every", "2", "--out", str(out), *SMALL)
    assert status == 130
    one_line_error(capsys, "interrupted at step 4; last checkpoint at step 3 kept")
    assert checkpoints.load(out / "checkpoint.npz").step == 3
    assert sorted(p.name for p in (out / "frames").iterdir()) == [
        "frame_000000.png", "frame_000002.png", "frame_000004.png"]
    assert json.loads((out / "history.json").read_text())["step"] == [0, 2, 4]


def test_stale_temporary_checkpoints_are_removed(tmp_path):
    out = tmp_path / "stale"
    out.mkdir()
    for name in (".checkpoint.npz.abc123.tmp", ".checkpoint.npz.x.tmp"):
        (out / name).write_bytes(b"torn")
    (out / "keep.tmp").write_bytes(b"not ours")
    assert minigan_train("--steps", "1", "--out", str(out), *SMALL, "--no-figures") == 0
    assert not list(out.glob(".checkpoint.npz.*.tmp"))
    assert (out / "keep.tmp").exists()


# ------------------------------------------------------------------------ bad input
@pytest.mark.parametrize("arguments, needle", [
    (["--snapshot-every", "0"], "--snapshot-every"),
    (["--snapshot-every", "-3"], "--snapshot-every"),
    (["--hidden", ""], "--hidden"),
    (["--hidden", ","], "--hidden"),
    (["--activation", "swish"], "--activation"),
    (["--lr", "-1"], "--lr"),
    (["--lr", "nan"], "--lr"),
    (["--steps", "-5"], "--steps"),
    (["--backend", "tpu"], "--backend"),
])
def test_bad_options_are_one_line_naming_the_flag(tmp_path, capsys, arguments, needle):
    assert run_main("train", "--out", str(tmp_path / "x"), *arguments) == 2
    one_line_error(capsys, needle)


def test_bad_out_folders_are_one_line_and_exit_2(tmp_path, capsys):
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    for out, needle in ((str(a_file), "is a file"), (str(a_file / "sub"), "is a file, not a folder"),
                        ("", "--out must name a folder"), ("/proc/minigan_cannot_be_here", "cannot write")):
        assert run_main("train", "--out", out, *SMALL) == 2, out
        one_line_error(capsys, "--out", needle)
    assert a_file.read_text() == "x"


def test_an_unwritable_out_is_one_line(tmp_path, capsys, monkeypatch):
    import os

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(tmp_path / "locked"))

    monkeypatch.setattr(os, "fsync", refuse)  # root ignores permissions: make the write probe fail
    assert run_main("train", "--out", str(tmp_path / "locked"), *SMALL) == 2
    one_line_error(capsys, "--out", "Permission denied")


def test_a_full_disk_during_training_is_one_line_and_exit_2(tmp_path, capsys, monkeypatch):
    import errno

    from minigan.gan import trainer

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "full" / "checkpoint.npz"))

    monkeypatch.setattr(trainer.checkpoints, "save", disk_full)
    assert run_main("train", "--steps", "4", "--out", str(tmp_path / "full"), *SMALL) == 2
    one_line_error(capsys, "disk is full")


def test_resume_refusals(tmp_path, capsys):
    out = str(tmp_path / "done")
    assert minigan_train("--steps", "3", "--out", out, *SMALL, "--no-figures") == 0
    capsys.readouterr()
    assert run_main("train", "--out", out, "--resume", "--overwrite", *SMALL) == 2
    one_line_error(capsys, "--resume", "--overwrite")
    assert run_main("train", "--out", out, "--resume", "--steps", "2", "--no-progress") == 2
    one_line_error(capsys, "--steps 2", "already done 3 steps")


def test_resuming_a_finished_run_writes_what_a_kill_left_unwritten(tmp_path, capsys):
    # a SIGKILL after the final checkpoint but before the animations: --resume writes them, trains nothing
    out = tmp_path / "done"
    assert minigan_train("--steps", "4", "--snapshot-every", "2", "--out", str(out), *SMALL) == 0
    before = checkpoints.load(out / "checkpoint.npz")
    (out / "training.gif").unlink()
    (out / "training.html").unlink()
    (out / "samples.png").unlink()
    capsys.readouterr()
    assert run_main("train", "--out", str(out), "--resume", "--no-progress") == 0
    assert (out / "training.gif").exists() and (out / "training.html").exists() and (out / "samples.png").exists()
    after = checkpoints.load(out / "checkpoint.npz")
    assert after.step == before.step == 4
    for key, value in before.critic.items():
        np.testing.assert_array_equal(after.critic[key], value)


def test_options_of_another_lipschitz_method_are_refused(tmp_path, capsys):
    out = tmp_path / "gp"
    assert run_main("train", "--out", str(out), "--lipschitz", "gp", "--clip", "0.1", *SMALL) == 2
    one_line_error(capsys, "--clip", "--lipschitz gp")
    assert not out.exists()  # refused before the folder is made
    assert run_main("train", "--out", str(out), "--lipschitz", "clip", "--gp-weight", "1", *SMALL) == 2
    one_line_error(capsys, "--gp-weight", "--lipschitz clip")


def test_library_errors_name_the_flag_from_the_field_they_carry():
    from minigan.cli.train import FLAGS, error_message
    from minigan.gan.config import ConfigError, TrainConfig

    with pytest.raises(ConfigError) as caught:
        TrainConfig(critic_hidden=(8, 0))
    assert caught.value.field == "critic_hidden"
    assert error_message(caught.value) == "--critic-hidden/--hidden entry must be an integer ≥ 1, got 0"
    with pytest.raises(ConfigError) as caught:
        TrainConfig(critic_activation="swish")
    assert error_message(caught.value).startswith("--activation must be one of")
    # every field a flag sets is named by its flag
    assert FLAGS["clip_value"] == "--clip" and FLAGS["generator_hidden"] == "--generator-hidden/--hidden"


def test_backend_without_a_gpu_is_one_line_on_every_subcommand(tmp_path, capsys):
    import minigan as mg

    if mg.backend.gpu_available():
        pytest.skip("a GPU is present: --backend cupy works here")
    before = mg.backend.name()
    for command in (["train", "--out", str(tmp_path / "gpu")], ["lesson", "5"], ["tour", "--out", str(tmp_path)],
                    ["compare", "--out", str(tmp_path / "cmp")]):
        assert run_main(*command, "--backend", "cupy") == 2, command
        one_line_error(capsys, "cupy")
    assert run_main("lesson", "5", "--backend", "tpu") == 2
    one_line_error(capsys, "tpu")
    assert mg.backend.name() == before
    assert not (tmp_path / "gpu").exists()


@pytest.mark.parametrize("command", ["train", "compare"])
def test_every_option_has_help_with_its_default(command):
    parser = cli.build_parser()
    subparser = parser._subparsers._group_actions[0].choices[command]
    for action in subparser._actions:
        if action.dest == "help":
            continue
        text = action.help or ""
        assert any(word in text for word in ("default", "quick:", "required")), (action.option_strings, text)


def test_a_refused_configuration_leaves_no_folder_behind(tmp_path, capsys):
    out = tmp_path / "never"
    assert run_main("train", "--out", str(out), "--optimizer", "sgd", *SMALL) == 2  # SGD has no default rate
    one_line_error(capsys, "--lr")
    assert not out.exists()


def test_ctrl_c_while_drawing_says_the_run_is_complete(tmp_path, capsys, monkeypatch):
    import minigan.plot

    def interrupted(run):
        raise KeyboardInterrupt

    monkeypatch.setattr(minigan.plot, "save_run_figures", interrupted)
    assert minigan_train("--steps", "2", "--out", str(tmp_path / "draw"), *SMALL) == 130
    one_line_error(capsys, "interrupted while drawing", "complete at step 2")
    assert checkpoints.load(tmp_path / "draw" / "checkpoint.npz").step == 2


def test_a_run_that_leaves_modes_uncovered_says_why_and_what_would_do_better(tmp_path, capsys):
    """Issue 22: WGAN-clip in the quick preset covers 0/8 modes; the output says why (lesson 09) and
    how to do better (--steps, --preset paper) in one line."""
    from minigan import cli

    out = tmp_path / "clip"
    assert cli.main(["train", "--out", str(out), "--lipschitz", "clip", "--steps", "2", "--hidden", "8",
                     "--metric-samples", "40", "--no-progress", "--no-figures"]) == 0
    note = [line for line in capsys.readouterr().out.splitlines() if line.startswith("note:")]
    assert len(note) == 1 and "lesson 09" in note[0] and "--preset paper" in note[0] and "--steps" in note[0]
