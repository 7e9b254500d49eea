"""The live lab without a browser: the session (commands between steps, determinism, saving) and
the loopback server (the documented protocol over urllib)."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from minigan.cli import main
from minigan.gan.checkpoint import load
from minigan.gan.trainer import Run, TrainingDiverged
from minigan.lab import PRESETS, LabCommandError, LabServer, LabSession, preset_for_lesson
from minigan.lab.server import page_html

SMALL = {"generator_hidden": [16, 16], "critic_hidden": [16, 16], "batch_size": 32}


def small_session(preset: str = "quick", **settings) -> LabSession:
    session = LabSession(preset)
    session.submit({"action": "set", "settings": {**SMALL, **settings}})
    session.apply_pending()
    return session


def without_timing(frame: dict) -> dict:
    return {key: value for key, value in frame.items() if key not in ("time", "steps_per_second", "frame_seconds")}


# ------------------------------------------------------------------------------ the session
def test_commands_apply_only_between_steps():
    session = small_session(n_critic=3)
    seen: list[float] = []
    original = session.run.critic_step

    def critic_step(*args, **kwargs):
        seen.append(session.config.gp_weight)
        if len(seen) == 1:  # a command arrives while the step runs
            session.submit({"action": "set", "settings": {"gp_weight": 5.0}})
        return original(*args, **kwargs)

    session.run.critic_step = critic_step
    session.submit({"action": "play"})
    session.tick()  # applies play, then one step of 3 critic steps: the set waits
    assert seen == [0.1, 0.1, 0.1]
    assert session.pending() == 1 and session.config.gp_weight == 0.1
    session.tick()  # applies the set before the next step
    assert seen[3:] == [5.0, 5.0, 5.0]
    assert session.step == 2 and session.critic_steps == 6


def _script(session: LabSession) -> list[dict]:
    frames = [session.frame()]
    commands = [
        {"action": "play"}, None, {"action": "set", "settings": {"gp_weight": 1.0, "n_critic": 2}}, None,
        {"action": "step", "what": "critic"}, {"action": "step", "what": "generator"},
        {"action": "set", "settings": {"lipschitz": "sn"}}, {"action": "play"}, None,
        {"action": "set", "settings": {"lipschitz": "clip", "clip_value": 0.05}}, None,
        {"action": "set", "settings": {"loss": "gan", "lipschitz": "none"}}, None,
    ]
    for command in commands:
        if command is not None:
            session.submit(command)
        session.tick()
        frames.append(without_timing(session.frame()))
    return frames


def test_the_same_seed_and_commands_give_identical_frames():
    first, second = _script(small_session()), _script(small_session())
    assert json.dumps(first) == json.dumps(second)
    assert first[-1]["settings"]["loss"] == "gan" and first[-1]["discriminator"] is True
    # the script did change the run: the steps happened and the frames moved
    assert first[-1]["step"] > 3 and first[-1]["generated"] != first[0]["generated"]


def test_switching_to_spectral_norm_rebuilds_the_critic_and_keeps_the_generator():
    session = small_session()
    session.submit({"action": "play"})
    for _ in range(3):
        session.tick()
    generator = {k: v.copy() for k, v in session.run.generator.state_dict().items()}
    session.submit({"action": "set", "settings": {"lipschitz": "sn"}})
    session.submit({"action": "pause"})
    session.apply_pending()
    assert "0.weight_orig" in session.run.critic.state_dict()
    for name, value in session.run.generator.state_dict().items():
        np.testing.assert_array_equal(value, generator[name])
    fresh = Run.start(session.config.replace())
    for name, value in fresh.critic.state_dict().items():  # the critic a fresh run with this seed gets
        np.testing.assert_array_equal(value, session.run.critic.state_dict()[name])
    assert session.step == 3


def test_a_new_data_set_restarts_and_live_settings_do_not():
    session = small_session()
    run_id = session.run_id
    session.submit({"action": "step", "what": "both"})
    session.submit({"action": "set", "settings": {"lr": 5e-4, "batch_size": 64, "n_critic": 2}})
    session.apply_pending()
    assert session.step == 1 and session.run.critic_optimizer.lr == 5e-4 and session.run_id == run_id
    session.submit({"action": "set", "settings": {"data": "mixture1d"}})
    session.apply_pending()
    assert session.step == 0 and session.run_id == run_id + 1 and session.run.data.dim == 1
    frame = session.frame()
    assert len(frame["optimal_critic"]) == len(frame["grid_x"]) and frame["dim"] == 1


@pytest.mark.parametrize("command, words", [
    ({"action": "set", "settings": {"gp_weight": -1}}, ["gp_weight", "-1"]),
    ({"action": "fly"}, ["action", "'fly'"]),
    ({"action": "set", "settings": {"colour": "red"}}, ["colour"]),
    ({"action": "set", "settings": {"data": "digits"}}, ["data", "'digits'"]),
    ({"action": "set", "settings": {"batch_size": 10 ** 6}}, ["batch_size", "1000000"]),
    ({"action": "set", "settings": {"n_critic": 0}}, ["n_critic", "0"]),
    ({"action": "step", "what": "discriminator"}, ["what", "'discriminator'"]),
    ({"action": "play", "speed": 2}, ["speed"]),
    ({"action": "preset", "name": "99-nothing"}, ["name", "'99-nothing'"]),
    (["play"], ["JSON object"]),
])
def test_bad_commands_are_refused_naming_the_field_and_value(command, words):
    session = small_session()
    with pytest.raises(LabCommandError) as error:
        session.submit(command)
    for word in words:
        assert word in str(error.value)
    assert session.pending() == 0


def test_presets_cover_the_lessons_and_open():
    for lesson in (4, 9, 10, 11, 12):
        assert preset_for_lesson(lesson) is not None, lesson
    session = LabSession("12-loss-curves")
    assert session.config.gp_weight == 10.0 and session.config.generator_lr == 1.5e-4
    generated = np.asarray(session.frame()["generated"])
    assert generated.mean(axis=0).min() > 1.0  # started displaced by (2, 2)
    session.submit({"action": "preset", "name": "09-clipping"})
    session.apply_pending()
    assert (session.config.lipschitz, session.config.optimizer) == ("clip", "rmsprop")
    assert set(PRESETS) >= {"04-mode-collapse", "09-clipping", "10-spectral-norm", "11-gradient-penalty",
                            "12-loss-curves"}


def test_a_saved_run_continues_with_minigan_train_resume(tmp_path, capsys):
    session = small_session(n_critic=2)
    session.submit({"action": "play"})
    for _ in range(3):
        session.tick()
    folder = tmp_path / "saved"
    reply = session.submit({"action": "save", "folder": str(folder)})
    assert reply["folder"] == str(folder)
    session.apply_pending()
    saved = load(folder / "checkpoint.npz")
    assert saved.step == 3 and (folder / "history.csv").exists() and (folder / "config.json").exists()
    # the lab and `minigan train --resume` go on with the same draws: the same weights after 2 more steps
    for _ in range(2):
        session.tick()
    status = main(["train", "--resume", "--out", str(folder), "--steps", "5", "--no-progress", "--no-figures"])
    assert status == 0, capsys.readouterr().err
    resumed = load(folder / "checkpoint.npz")
    assert resumed.step == 5
    for name, value in session.run.generator.state_dict().items():
        np.testing.assert_allclose(resumed.generator[name], value, rtol=0, atol=0)


def test_a_divergence_pauses_the_lab_and_says_so():
    session = small_session()
    session.submit({"action": "play"})
    session.tick()
    weights = {k: v.copy() for k, v in session.run.critic.state_dict().items()}

    def diverging_step(*args, **kwargs):
        raise TrainingDiverged(session.step + 1, "critic loss", float("nan"))

    session.run.critic_step = diverging_step
    session.tick()
    assert not session.playing and "diverged" in session.message and session.step == 1
    for name, value in session.run.critic.state_dict().items():
        np.testing.assert_array_equal(value, weights[name])
    assert json.dumps(session.frame(), allow_nan=False)  # NaN never reaches the page


# ------------------------------------------------------------------------------ the server
class Client:
    def __init__(self, server: LabServer):
        self.base = f"http://127.0.0.1:{server.port}"
        self.token = server.token

    def post(self, command, token: str | None = "default") -> tuple[int, dict]:
        token = self.token if token == "default" else token
        url = f"{self.base}/command" + ("" if token is None else f"?token={token}")
        request = urllib.request.Request(url, data=json.dumps(command).encode(), method="POST",
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def get(self, path: str, token: str | None = "default") -> tuple[int, bytes]:
        token = self.token if token == "default" else token
        url = f"{self.base}{path}" + ("" if token is None else f"?token={token}")
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def events(self):
        """The frames of /events, parsed, as they come."""
        response = urllib.request.urlopen(f"{self.base}/events?token={self.token}", timeout=60)
        assert response.headers["Content-Type"] == "text/event-stream"
        try:
            for line in response:
                if line.startswith(b"data: "):
                    yield json.loads(line[6:])
        finally:
            response.close()


@pytest.fixture
def server():
    lab = LabServer(small_session())
    lab.start()
    yield lab
    lab.stop()


def _first(frames, predicate, limit: int = 400):
    for count, frame in enumerate(frames):
        if predicate(frame):
            return frame
        assert count < limit, "no frame showed the change"
    raise AssertionError("the stream ended")


def test_the_protocol_over_http(server):
    client = Client(server)
    frames = client.events()
    first = next(frames)
    for key in ("step", "playing", "settings", "w1_exact", "real", "generated", "grid_values", "arrow_points"):
        assert key in first
    assert set(first["settings"]) >= {"loss", "lipschitz", "gp_weight", "clip_value", "n_critic", "lr",
                                      "generator_lr", "batch_size", "data"}
    assert client.post({"action": "play"})[0] == 200
    _first(frames, lambda f: f["playing"] and f["step"] >= 2)
    status, reply = client.post({"action": "set", "settings": {"gp_weight": 1.0}})
    assert status == 200 and reply["id"] >= 2
    shown = _first(frames, lambda f: f["applied"] >= reply["id"])
    assert shown["settings"]["gp_weight"] == 1.0
    status, reply = client.post({"action": "set", "settings": {"gp_weight": -1}})
    assert status == 400 and "gp_weight" in reply["error"] and "-1" in reply["error"]
    assert client.post({"action": "dance"})[0] == 400
    assert client.post({"action": "pause"})[0] == 200
    paused = _first(frames, lambda f: not f["playing"])
    assert paused["settings"]["gp_weight"] == 1.0  # the refused commands left the run untouched
    status, body = client.get("/state")
    assert status == 200 and json.loads(body)["settings"]["gp_weight"] == 1.0
    status, body = client.get("/")
    assert status == 200 and b"minigan lab" in body and b"/*LAB_JS*/" not in body


@pytest.mark.parametrize("token", [None, "wrong"])
def test_a_missing_or_wrong_token_gets_403(server, token):
    client = Client(server)
    assert client.post({"action": "play"}, token=token)[0] == 403
    for path in ("/", "/events", "/state"):
        assert client.get(path, token=token)[0] == 403
    assert not server.session.playing and server.session.pending() == 0


def test_the_server_listens_on_loopback_only_and_stops_cleanly(server):
    assert server.httpd.server_address[0] == "127.0.0.1"
    client = Client(server)
    frames = client.events()
    next(frames)
    client.post({"action": "play"})
    ended = threading.Event()

    def read_to_the_end():
        try:
            for _ in frames:
                pass
        except OSError:
            pass
        ended.set()

    reader = threading.Thread(target=read_to_the_end, daemon=True)
    reader.start()
    server.stop()
    assert ended.wait(30), "the event stream did not end at shutdown"
    for thread in server._threads:
        assert not thread.is_alive()
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{client.base}/state?token={client.token}", timeout=5)


def test_the_page_is_self_contained():
    page = page_html()
    assert "http://" not in page.replace("http://127.0.0.1", "") and "https://" not in page
    assert "<script src" not in page and "09-clipping" in page


def test_minigan_lab_prints_its_address_and_stops_on_ctrl_c(monkeypatch, capsys):
    import minigan.lab.cli as lab_cli

    def ctrl_c():
        raise KeyboardInterrupt

    monkeypatch.setattr(lab_cli, "wait_until_interrupted", ctrl_c)
    import minigan.backend

    threads: list[int] = []  # recorded, not set: the process-wide thread count stays as the suite has it
    monkeypatch.setattr(minigan.backend, "set_num_threads", threads.append)
    started: list[LabServer] = []
    original_start = LabServer.start

    def start(self):
        started.append(self)
        return original_start(self)

    monkeypatch.setattr(LabServer, "start", start)
    assert main(["lab", "--no-open", "--preset", "09-clipping", "--seed", "2"]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("minigan lab: http://127.0.0.1:") and "?token=" in line
    assert started[0].session.config.lipschitz == "clip" and started[0].session.config.seed == 2
    assert started[0].stopping
    assert threads == [1]  # small networks: BLAS pinned to one thread


def test_minigan_lab_refuses_a_bad_option(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["lab", "--port", "70000"])
    assert exit_info.value.code == 2 and "--port" in capsys.readouterr().err


@pytest.mark.numpy_only
@pytest.mark.parametrize("number, preset", [(9, "09-clipping"), (4, "04-mode-collapse"), (12, "12-loss-curves"),
                                            (5, None)])
def test_the_course_site_says_how_to_open_a_lesson_in_the_lab(tmp_path, number, preset):
    from minigan.cli.cells import LessonRun
    from minigan.cli.site import _lesson_page

    source = tmp_path / f"{number:02d}_x.py"
    source.write_text("")
    run = LessonRun(number=number, name=f"{number:02d}_x", title="x", source=source, folder=tmp_path / "f",
                    returncode=0, seconds=1.0, summary={"checks": []})
    page = _lesson_page(run, tmp_path, None, None, full=False)
    if preset is None:
        assert "minigan lab" not in page
    else:
        assert f"<code>minigan lab --preset {preset}</code>" in page


def test_ctrl_c_stops_a_real_minigan_lab_process_with_status_0(tmp_path):
    import os
    import signal
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    environment = {**os.environ, "PYTHONPATH": str(root)}
    process = subprocess.Popen([sys.executable, "-m", "minigan", "lab", "--no-open", "--preset", "11-gradient-penalty"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=environment)
    try:
        line = process.stdout.readline()  # blocks until the server is up (or the process died)
        assert line.startswith("minigan lab: http://127.0.0.1:"), line + process.stderr.read()
        url = line.split(": ", 1)[1].strip()
        with urllib.request.urlopen(url.replace("/?", "/state?"), timeout=60) as response:
            assert json.loads(response.read())["preset"] == "11-gradient-penalty"
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0 and "Traceback" not in err, err


def test_an_unexpected_error_pauses_the_lab_and_it_goes_on(server):
    client = Client(server)
    session = server.session
    original = session.step_once
    failures = []

    def failing_once(what="both"):
        if not failures:
            failures.append(what)
            raise RuntimeError("a broken step")
        return original(what)

    session.step_once = failing_once
    frames = client.events()
    client.post({"action": "play"})
    paused = _first(frames, lambda f: "a broken step" in f["message"])
    assert not paused["playing"] and paused["message"].startswith("paused: RuntimeError")
    client.post({"action": "play"})
    _first(frames, lambda f: f["playing"] and f["step"] >= 1)  # the thread survived and trains on


def test_a_frame_of_broken_weights_is_still_valid_json():
    session = small_session()
    weight = list(session.run.critic.parameters())[0]
    weight.data = weight.data * float("nan")
    with np.errstate(all="ignore"):
        frame = session.frame()
    text = json.dumps(frame, allow_nan=False)  # a browser's JSON.parse refuses NaN
    assert frame["w1_critic"] is None and '"weights"' in text


@pytest.mark.numpy_only
def test_minigan_help_lists_the_lab_and_its_presets(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "lab" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["lab", "--help"])
    text = capsys.readouterr().out
    for word in ("--preset", "--data", "--seed", "--port", "--no-open", "09-clipping", "default 0"):
        assert word in text, word


def test_minigan_lab_says_when_its_port_is_taken(capsys):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["lab", "--no-open", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert f"127.0.0.1:{port}" in err and len(err.strip().splitlines()) == 1
