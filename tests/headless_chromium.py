"""Headless Chromium for the browser tests (the course site, the live lab), or the reason it is missing.

Uses Debian's ``chromium`` and ``chromium-driver`` packages (``.ci/run`` installs them when it can)
and selenium (the dev extra). selenium is pointed at the system's chromedriver, so it never tries
to download one. Where something is missing the tests skip, naming what to install.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest


def chromium_paths() -> tuple[str | None, str | None]:
    """(chromium, chromedriver) as found on PATH, None where missing."""
    return shutil.which("chromium") or shutil.which("chromium-browser"), shutil.which("chromedriver")


def missing_reason(chromium: str | None, chromedriver: str | None) -> str | None:
    """Why the browser tests cannot run here (the packages to install), or None."""
    missing = [package for package, found in (("chromium", chromium), ("chromium-driver", chromedriver)) if not found]
    if missing:
        return f"needs the Debian package(s) {' and '.join(missing)}: apt-get install -y chromium chromium-driver"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "needs selenium: pip install -e '.[dev]'"
    return None


def headless_chromium(window_size: str, *arguments: str) -> Iterator[Any]:
    """A selenium driver of headless Chromium with the browser console logged; skips the test if missing."""
    chromium, chromedriver = chromium_paths()
    reason = missing_reason(chromium, chromedriver)
    if reason:
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     f"--window-size={window_size}", *arguments):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(chromedriver), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()
