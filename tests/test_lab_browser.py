"""The live lab in a real browser: headless Chromium opens the page, presses play, moves the λ slider.

Needs Debian's ``chromium`` and ``chromium-driver`` packages (``.ci/run`` installs them when it
can) and selenium (the dev extra); where they are missing the test is skipped, naming what is
missing. Every wait polls with a generous limit: the machine may be busy.
"""

from __future__ import annotations

import time

import pytest
from headless_chromium import headless_chromium

from minigan.lab import LabServer, LabSession

pytestmark = pytest.mark.numpy_only

PATIENCE = 90.0  # seconds any one thing may take to show on a busy machine

@pytest.fixture(scope="module")
def browser():
    yield from headless_chromium("1280,1000")


def _until(condition, what: str):
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"waited {PATIENCE:.0f} s for {what}")


def test_play_and_move_the_lambda_slider(browser, tmp_path):
    from selenium.webdriver.common.keys import Keys

    session = LabSession("11-gradient-penalty")
    session.submit({"action": "set", "settings": {"generator_hidden": [32, 32], "critic_hidden": [32, 32],
                                                  "batch_size": 64}})
    session.apply_pending()
    with LabServer(session) as lab:
        browser.get(lab.url)
        text = lambda element_id: browser.find_element("id", element_id).text
        _until(lambda: text("connection") == "live", "the event stream")
        assert text("gp_weight-value") == "0.1"
        browser.find_element("id", "play").click()
        _until(lambda: int(text("step") or 0) >= 3, "the step counter to count")
        assert "pause" in text("play")
        slider = browser.find_element("id", "gp_weight")
        slider.send_keys(Keys.ARROW_RIGHT)  # 0.1 → 0.3: the keyboard moves a range input and fires change
        _until(lambda: session.config.gp_weight == 0.3, "the run to take λ = 0.3")
        _until(lambda: text("gp_weight-value") == "0.3", "the page to show λ = 0.3")
        step = int(text("step"))
        _until(lambda: int(text("step")) > step, "more steps after the change")
        png = browser.get_screenshot_as_png()
        (tmp_path / "lab.png").write_bytes(png)
        assert len(png) > 10_000
        severe = [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
        assert severe == []
        browser.find_element("id", "play").click()
        _until(lambda: not session.playing, "pause")


def test_the_preset_in_the_address_opens_that_scenario(browser):
    session = LabSession("quick")
    with LabServer(session) as lab:
        browser.get(lab.url + "&preset=09-clipping")
        _until(lambda: session.preset.name == "09-clipping", "the preset to open")
        _until(lambda: browser.find_element("id", "method").get_attribute("value") == "wgan/clip",
               "the page to show WGAN-clip")
        assert "clipping" in browser.find_element("id", "preset-title").text


def test_the_training_player_keys_and_address(browser, tmp_path):
    """training.html's player: ← → and space, and #frame=K counted from 1 like the label, honoured
    when the page opens and when the address changes afterwards."""
    import io

    from PIL import Image
    from selenium.webdriver.common.keys import Keys

    from minigan.animation import Frame
    from minigan.cli.pages import write_training_page

    frames = []
    for step, colour in ((0, "red"), (10, "green"), (20, "blue")):
        buffer = io.BytesIO()
        Image.new("RGB", (40, 30), colour).save(buffer, format="PNG")
        frames.append(Frame(step, 0.1, buffer.getvalue()))
    page = write_training_page(tmp_path / "training.html", frames,
                               {"step": [0, 10, 20], "w1_exact": [1.0, 0.5, 0.2]}, "player")
    browser.get(page.as_uri() + "#frame=2")
    label = lambda: browser.find_element("id", "label").text
    _until(lambda: label().startswith("frame 2 of 3"), "the address's frame")
    body = browser.find_element("tag name", "body")
    body.send_keys(Keys.ARROW_RIGHT)
    _until(lambda: label().startswith("frame 3 of 3"), "→ to step forward")
    assert browser.execute_script("return location.hash") == "#frame=3"
    body.send_keys(Keys.ARROW_LEFT)
    body.send_keys(Keys.ARROW_LEFT)
    _until(lambda: label().startswith("frame 1 of 3") and "step 0" in label(), "← to step back")
    browser.execute_script("location.hash = '#frame=3'")
    _until(lambda: label().startswith("frame 3 of 3"), "a new address after load")
    body.send_keys(Keys.SPACE)  # at the last frame, play starts over from the first
    _until(lambda: browser.find_element("id", "play").text == "pause" or label().startswith("frame 1"),
           "space to play")
