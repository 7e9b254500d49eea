"""Checkpoints: resume equals an uninterrupted run bit for bit, divergence keeps the last good
checkpoint, damaged or foreign checkpoints are refused, and writes are atomic."""

import os

import numpy as np
import pytest

import minigan as mg
from minigan.gan import CheckpointError, CheckpointMismatchError, Run, TrainConfig, TrainingDiverged, train
from minigan.gan import checkpoint as checkpoints

TINY = dict(steps=12, generator_hidden=(8, 8), critic_hidden=(8, 8), batch_size=16, log_every=3,
            metric_samples=40, checkpoint_every=5, lr=1e-3)


def config(tmp_path, name, **changes):
    settings = {**TINY, **changes, "out": str(tmp_path / name)}
    return TrainConfig(**settings)


def assert_same_state(run_a, run_b):
    for get in (lambda r: r.generator.state_dict(), lambda r: r.critic.state_dict(),
                lambda r: r.generator_optimizer.state_dict(), lambda r: r.critic_optimizer.state_dict()):
        a, b = get(run_a), get(run_b)
        assert list(a) == list(b)
        for key in a:
            assert np.array_equal(np.asarray(a[key]), np.asarray(b[key])), key  # bitwise
    assert run_a.rng.bit_generator.state == run_b.rng.bit_generator.state
    # every row of the uninterrupted run, bitwise (a resumed run may hold one extra row: the first
    # leg's last step); only the timings differ
    rows_b = {row["step"]: row for row in run_b.history}
    for row in run_a.history:
        other = rows_b[row["step"]]
        for name in row:
            if name not in ("wall_time", "train_time"):
                np.testing.assert_array_equal(row[name], other[name], err_msg=f"{name} at step {row['step']}")


@pytest.mark.parametrize("lipschitz", ["gp", "clip", "sn"])
def test_stop_and_resume_equals_an_uninterrupted_run(tmp_path, lipschitz):
    straight = train(config(tmp_path, "straight", lipschitz=lipschitz))
    first_leg = train(config(tmp_path, "resumed", lipschitz=lipschitz, steps=7))
    assert first_leg.step == 7
    resumed = train(config(tmp_path, "resumed", lipschitz=lipschitz), resume=True)
    assert resumed.step == 12
    assert_same_state(straight, resumed)
    assert resumed.history.column("step").tolist() == [0, 3, 6, 7, 9, 12]  # 7: the first leg's last step


def test_resume_after_a_crash_from_the_last_periodic_checkpoint(tmp_path):
    straight = train(config(tmp_path, "straight", lipschitz="gp"))

    def crash(run):
        if run.step == 8:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(config(tmp_path, "crashed", lipschitz="gp"), callback=crash)
    saved = checkpoints.load(tmp_path / "crashed" / "checkpoint.npz")
    assert saved.step == 5  # checkpoint_every = 5
    resumed = train(config(tmp_path, "crashed", lipschitz="gp"), resume=True)
    assert_same_state(straight, resumed)


def test_a_decaying_rate_resumes_bit_for_bit(tmp_path):
    """The quick preset's linear schedule is a function of the step: a crashed run resumed from its
    last checkpoint ends with the uninterrupted run's weights, optimizer state and rates."""
    quick = dict(preset="quick", lipschitz="gp", snapshot_every=4)
    straight = train(config(tmp_path, "straight", **quick))

    def crash(run):
        if run.step == 8:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(config(tmp_path, "crashed", **quick), callback=crash)
    resumed = train(config(tmp_path, "crashed", **quick), resume=True)
    assert_same_state(straight, resumed)
    assert resumed.critic_optimizer.lr == straight.critic_optimizer.lr == pytest.approx(1e-3 / 12)
    # snapshots are keyed by step: the resumed folder holds the same ones as the straight run
    names = sorted(p.name for p in (tmp_path / "crashed" / "snapshots").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "straight" / "snapshots").iterdir())
    for name in names:
        a = np.load(tmp_path / "crashed" / "snapshots" / name)
        b = np.load(tmp_path / "straight" / "snapshots" / name)
        np.testing.assert_array_equal(a["generated"], b["generated"], err_msg=name)


def test_a_fresh_run_never_overwrites_a_checkpoint(tmp_path):
    train(config(tmp_path, "run", steps=2))
    path = tmp_path / "run" / "checkpoint.npz"
    before = path.read_bytes()
    with pytest.raises(FileExistsError, match="resume=True"):
        train(config(tmp_path, "run", steps=2))
    assert path.read_bytes() == before
    train(config(tmp_path, "run", steps=2, seed=1), overwrite=True)
    assert path.read_bytes() != before


def test_nan_stops_the_run_naming_the_step_and_keeps_the_last_good_checkpoint(tmp_path):
    def poison(run):
        if run.step == 7:  # a NaN in the critic's first weight: the next critic loss is NaN
            weight = run.critic[0].weight
            weight.data[0, 0] = float("nan")

    with pytest.raises(TrainingDiverged, match="step 8: the critic loss is nan") as caught:
        train(config(tmp_path, "nan"), callback=poison)
    assert caught.value.step == 8 and caught.value.quantity == "critic loss"
    assert caught.value.checkpoint == tmp_path / "nan" / "checkpoint.npz"
    assert caught.value.checkpoint_step == 5
    assert "step 5" in str(caught.value)
    saved = checkpoints.load(tmp_path / "nan" / "checkpoint.npz")
    assert saved.step == 5
    assert all(np.isfinite(v).all() for v in saved.critic.values())
    history = (tmp_path / "nan" / "history.csv").read_text().splitlines()
    assert history[-1].startswith("6,")  # the rows up to the last good log step were written
    # and the good checkpoint resumes
    assert Run.from_checkpoint(tmp_path / "nan" / "checkpoint.npz").step == 5


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the overflow is the point
def test_an_absurd_learning_rate_is_caught(tmp_path):
    with pytest.raises(TrainingDiverged, match=r"at step \d+: the (critic|generator) loss is (nan|inf|-inf)"):
        train(config(tmp_path, "absurd", lr=1e10, steps=30, checkpoint_every=None))
    assert not (tmp_path / "absurd" / "checkpoint.npz").exists()  # nothing bad was saved


def test_saving_nan_weights_is_refused(tmp_path):
    run = train(config(tmp_path, "run", steps=2))
    path = tmp_path / "run" / "checkpoint.npz"
    before = path.read_bytes()
    run.generator[0].bias.data[0] = float("inf")
    with pytest.raises(TrainingDiverged, match="generator entry '0.bias'"):
        run.save_checkpoint()
    assert path.read_bytes() == before


def test_truncated_and_corrupt_checkpoints_are_refused(tmp_path):
    train(config(tmp_path, "run", steps=2))
    path = tmp_path / "run" / "checkpoint.npz"
    good = path.read_bytes()
    for damaged in (good[: len(good) // 2], good[:100], b"not a zip file at all"):
        path.write_bytes(damaged)
        with pytest.raises(CheckpointError, match="cannot be read|not a minigan checkpoint") as caught:
            train(config(tmp_path, "run", steps=4), resume=True)
        assert str(path) in str(caught.value)
        assert path.read_bytes() == damaged  # refusing changes nothing
    # a flipped byte inside an array: the zip's CRC catches it
    flipped = bytearray(good)
    position = good.index(b"critic.0.weight") + 200
    flipped[position] ^= 0xFF
    path.write_bytes(bytes(flipped))
    with pytest.raises(CheckpointError, match=str(path)):
        Run.from_checkpoint(path)
    with pytest.raises(CheckpointError, match="no such file"):
        Run.from_checkpoint(tmp_path / "missing.npz")


def test_mismatched_checkpoints_are_refused(tmp_path):
    train(config(tmp_path, "run", steps=2))
    path = tmp_path / "run" / "checkpoint.npz"
    expected = r"critic_hidden: \[8, 8\] in the checkpoint vs \[16\] now"
    with pytest.raises(CheckpointMismatchError, match=expected):
        train(config(tmp_path, "run", steps=4, critic_hidden=(16,)), resume=True)
    with pytest.raises(CheckpointMismatchError, match="lipschitz"):
        train(config(tmp_path, "run", steps=4, lipschitz="clip"), resume=True)
    # a file whose config claims one architecture but whose arrays are another's
    saved = checkpoints.load(path)
    saved.critic["0.weight"] = np.zeros((3, 2), dtype=np.float32)
    forged = tmp_path / "forged.npz"
    checkpoints.save(forged, saved)
    with pytest.raises(CheckpointMismatchError, match="0.weight"):
        Run.from_checkpoint(forged)
    # an .npz that is not a training checkpoint
    other = tmp_path / "other.npz"
    np.savez(other, weights=np.zeros(3))
    with pytest.raises(CheckpointError, match="not a minigan training checkpoint"):
        Run.from_checkpoint(other)


def test_changing_steps_logging_and_folder_is_allowed_on_resume(tmp_path):
    train(config(tmp_path, "run", steps=3))
    resumed = Run.from_checkpoint(tmp_path / "run" / "checkpoint.npz",
                                  config(tmp_path, "run", steps=6, log_every=2, metric_samples=30))
    assert resumed.step == 3 and resumed.config.steps == 6


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path, monkeypatch):
    path = tmp_path / "state.npz"
    checkpoints.write_npz_atomic(path, {"a": np.arange(3)})
    before = path.read_bytes()

    def failing_savez(handle, **arrays):
        handle.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", failing_savez)
    with pytest.raises(OSError, match="disk full"):
        checkpoints.write_npz_atomic(path, {"a": np.arange(4)})
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["state.npz"]  # no temporary file left behind
    with pytest.raises(TypeError, match="pickling"):
        checkpoints.write_npz_atomic(path, {"a": np.array([object()])})
    assert checkpoints.read_npz(path)["a"].tolist() == [0, 1, 2]


def test_checkpoint_holds_config_rng_and_history(tmp_path):
    run = train(config(tmp_path, "run", steps=3))
    with np.load(tmp_path / "run" / "checkpoint.npz", allow_pickle=False) as archive:
        keys = set(archive.files)
        assert int(archive["meta.step"]) == 3
    assert {"meta.config", "meta.rng_state", "meta.history", "generator.0.weight", "critic.4.bias",
            "critic_optimizer.state.0.exp_avg"} <= keys
    saved = checkpoints.load(tmp_path / "run" / "checkpoint.npz")
    assert TrainConfig.from_dict(saved.config) == run.config
    assert saved.rng_state == run.rng.bit_generator.state
    # the saved networks are the run's, and load into fresh MLPs of the same sizes
    mg.manual_seed(123)
    fresh = mg.nn.MLP(run.config.generator_sizes, activation="relu")
    fresh.load_state_dict(saved.generator)
    z = mg.tensor(np.random.default_rng(0).normal(size=(5, 2)).astype(np.float32))
    np.testing.assert_array_equal(fresh(z).numpy(), run.generator(z).numpy())


@pytest.mark.parametrize("content", [b"hello, this is a text file\n", bytes(range(256)) * 4, b""],
                         ids=["text", "garbage", "empty"])
def test_a_file_that_is_no_archive_is_not_a_minigan_checkpoint(tmp_path, content):
    path = tmp_path / "checkpoint.npz"
    path.write_bytes(content)
    with pytest.raises(CheckpointError, match=r"not a minigan checkpoint \(not an \.npz archive"):
        checkpoints.load(path)
    np.save(tmp_path / "array.npy", np.zeros(3))  # a NumPy file, but not an archive either
    with pytest.raises(CheckpointError, match="not a minigan checkpoint"):
        checkpoints.load(tmp_path / "array.npy")


@pytest.mark.parametrize("step", [np.array(-5), np.array(3.7), np.array([1, 2]), np.array("3")],
                         ids=["negative", "fractional", "vector", "text"])
def test_meta_step_must_be_a_non_negative_integer(tmp_path, step):
    train(config(tmp_path, "run", steps=2))
    arrays = checkpoints.read_npz(tmp_path / "run" / "checkpoint.npz")
    arrays["meta.step"] = step
    forged = tmp_path / "forged.npz"
    checkpoints.write_npz_atomic(forged, arrays)
    with pytest.raises(CheckpointError, match="meta.step must be a non-negative integer"):
        checkpoints.load(forged)


def test_a_checkpoint_from_before_the_newer_metrics_resumes(tmp_path):
    import dataclasses
    import json

    train(config(tmp_path, "old", steps=3))
    path = tmp_path / "old" / "checkpoint.npz"
    saved = checkpoints.load(path)
    rows = json.loads(saved.history_json)
    old_rows = [{k: v for k, v in row.items() if k not in ("modes_covered", "d_real_mean", "d_fake_mean")}
                for row in rows]
    checkpoints.save(path, dataclasses.replace(saved, history_json=json.dumps(old_rows)))
    resumed = train(config(tmp_path, "old", steps=6), resume=True)
    assert resumed.history.columns[-5:-2] == ["modes_covered", "d_real_mean", "d_fake_mean"]
    assert np.isnan(resumed.history.column("modes_covered")[0]) and resumed.history.column("modes_covered")[-1] >= 0
