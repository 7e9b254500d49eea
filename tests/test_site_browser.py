"""The course site in a real browser: headless Chromium opens the pages from file://, offline.

Needs Debian's ``chromium`` and ``chromium-driver`` packages (``.ci/run`` installs them when it
can) and selenium (the dev extra). Where they are missing the test is skipped, naming what is
missing. selenium is pointed at the system's chromedriver, so it never tries to download one.
"""

import io
from pathlib import Path

import pytest
from headless_chromium import headless_chromium, missing_reason

from minigan.cli import main

pytestmark = pytest.mark.numpy_only


@pytest.fixture(scope="module")
def browser():
    yield from headless_chromium("1100,1400", "--allow-file-access-from-files")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site") / "tour"
    assert main(["tour", "--only", "5", "--out", str(out)]) == 0
    return out


def _severe_console_messages(driver) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] in ("SEVERE", "ERROR")]


def _not_blank(png: bytes) -> bool:
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    small = image.resize((image.width // 4, image.height // 4))
    colours = small.getcolors(maxcolors=1 << 20) or []
    non_white = sum(count for count, colour in colours if sum(colour) < 3 * 235)
    return len(colours) > 20 and non_white > 0.02 * small.width * small.height


def _all_images_loaded(driver) -> tuple[int, list[str]]:
    images = driver.execute_script(
        "return Array.from(document.images).map(i => [i.getAttribute('src'), i.complete, i.naturalWidth]);")
    return len(images), [source for source, complete, width in images if not complete or width <= 0]


def test_the_course_map_and_a_lesson_page_work_from_file_urls(browser, site):
    from selenium.webdriver.common.by import By

    browser.get((site / "index.html").as_uri())
    assert "minigan" in browser.title
    assert _severe_console_messages(browser) == []
    assert _not_blank(browser.get_screenshot_as_png())
    link = browser.find_element(By.CSS_SELECTOR, "a.lesson-link")
    assert link.text == "The earth mover's distance"
    link.click()  # the map's link leads to the lesson page

    assert browser.current_url.endswith("/05_earth_movers_distance.html")
    assert _severe_console_messages(browser) == []
    count, broken = _all_images_loaded(browser)
    assert count >= 1 and broken == []
    stylesheet_applied = browser.execute_script(
        "return getComputedStyle(document.querySelector('ul.checks')).listStyleType;")
    assert stylesheet_applied == "none"  # site.css was found and loaded
    folded = browser.find_elements(By.CSS_SELECTOR, "details.code")
    assert folded and not any(details.get_property("open") for details in folded)
    code = folded[1].find_element(By.TAG_NAME, "pre")
    assert not code.is_displayed()
    folded[1].find_element(By.TAG_NAME, "summary").click()
    assert folded[1].get_property("open") and code.is_displayed()
    assert "P = np.array" in code.text
    assert _not_blank(browser.get_screenshot_as_png())
    assert _severe_console_messages(browser) == []


def test_the_skip_reason_names_the_missing_debian_package():
    assert "chromium-driver" in missing_reason("/usr/bin/chromium", None)
    assert "apt-get install" in missing_reason("/usr/bin/chromium", None)
    assert "chromium and chromium-driver" in missing_reason(None, None)
