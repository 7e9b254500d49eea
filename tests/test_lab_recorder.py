"""The one recorder (``minigan.animation.Recorder``): a snapshot is drawn once and feeds the frames,
the GIF and the player; the player's page (``minigan.cli.pages``) without a browser."""

from __future__ import annotations

import re

import pytest

from minigan import animation
from minigan.cli import main
from minigan.cli.pages import COLOURS, MARKER_COLOUR, write_training_page
from minigan.gan import TrainConfig, train

TINY = dict(preset="quick", generator_hidden=(8,), critic_hidden=(8,), batch_size=16, metric_samples=40)


def test_minigan_train_draws_each_snapshot_once_for_frames_gif_and_page(tmp_path, monkeypatch):
    drawn: list[int] = []
    original = animation.frame_png

    def counting(snapshot, *args, **kwargs):
        drawn.append(int(snapshot["step"]))
        return original(snapshot, *args, **kwargs)

    monkeypatch.setattr(animation, "frame_png", counting)
    out = tmp_path / "watch"
    assert main(["train", "--steps", "4", "--snapshot-every", "2", "--out", str(out), "--hidden", "8",
                 "--batch-size", "16", "--metric-samples", "40", "--log-every", "2", "--no-progress",
                 "--no-figures"]) == 0
    assert drawn == [0, 2, 4]  # once each, for the PNG files, the GIF and the page alike
    assert sorted(p.name for p in (out / "frames").iterdir()) == [
        "frame_000000.png", "frame_000002.png", "frame_000004.png"]
    from PIL import Image

    with Image.open(out / "training.gif") as gif:
        assert gif.n_frames == 3
    page = (out / "training.html").read_text()
    assert page.count("data:image/png;base64,") == 3
    assert (out / "frames" / "frame_000002.png").read_bytes()[:4] == b"\x89PNG"


def test_the_frame_title_shows_the_historys_w1_and_the_surface_has_a_colour_bar():
    run = train(TrainConfig(steps=2, log_every=2, snapshot_every=1, **TINY))
    recorder = animation.Recorder.for_run(run)
    logged = recorder.record(run.snapshots[-1], run.history)  # step 2: the history has a row there
    assert logged.step == 2 and logged.w1_exact == run.history.last()["w1_exact"]
    unlogged = recorder.record(run.snapshots[1], run.history)  # step 1: no row, the snapshot's own
    assert unlogged.w1_exact == run.snapshots[1]["w1_exact"]
    figure = animation.frame_figure(run.snapshots[-1], run.history, with_curve=False)
    assert len(figure.axes) == 2  # the panel and its colour bar
    assert f"exact W₁ {run.history.last()['w1_exact']:.3f}" in figure.axes[0].get_title()
    assert [frame.step for frame in recorder.ordered()] == [1, 2]


def test_the_player_counts_frames_from_one_in_the_label_and_the_address(tmp_path):
    frames = [animation.Frame(step, 0.5, b"\x89PNG fake") for step in (0, 10, 20)]
    page = write_training_page(tmp_path / "p.html", frames, {"step": [0, 10, 20], "w1_exact": [1.0, 0.5, 0.2]},
                               "t").read_text()
    assert "'frame ' + (index + 1)" in page and "'#frame=' + (index + 1)" in page
    assert "k - 1" in page and "hashchange" in page and "ArrowLeft" in page and "ArrowRight" in page
    assert page.count("<polyline") == 1  # one W₁ curve; the frames carry none
    marker = re.search(r'<line id="marker"[^>]*stroke="([^"]+)"', page).group(1)
    assert marker == MARKER_COLOUR and marker not in COLOURS


def test_a_page_needs_frames(tmp_path):
    with pytest.raises(ValueError, match="no frames"):
        write_training_page(tmp_path / "p.html", [], {"step": [], "w1_exact": []}, "t")
