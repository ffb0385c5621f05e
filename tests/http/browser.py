"""Headless Debian chromium through selenium, for the browser tests."""
import atexit
import os
import shutil
import tempfile

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from jszg_env import OUT


def chromium(width=1280, height=900):
    # a profile per browser, removed when the test run ends (each one is
    # a few MB: they used to pile up in /tmp)
    profile = tempfile.mkdtemp(prefix="jszg-chrome-")
    atexit.register(shutil.rmtree, profile, True)
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for a in ("--headless", "--no-sandbox", "--disable-gpu",
              "--disable-background-networking", "--disable-quic",
              "--no-first-run", "--disable-component-update",
              "--disable-sync", "--disable-dev-shm-usage",
              "--window-size=%d,%d" % (width, height),
              "--user-data-dir=" + profile,
              "--lang=zh-CN"):
        opts.add_argument(a)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"),
                            options=opts)


def emulate(driver, width, height=844):
    """Lay pages out on a screen `width` CSS px wide: below 800 px as a
    phone does (mobile viewport, <meta name=viewport> honoured), else as
    a desktop window.  Undo with driver.execute_cdp_cmd(
    "Emulation.clearDeviceMetricsOverride", {})."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 1,
        "mobile": width < 800})


def screenshot(driver, name, width=None):
    """Save a full-page PNG under build/test-output/ and return its path.
    width: the page as emulate(driver, width) lays it out (the window is
    left as it is); else the window is made 1280 px wide and as tall as
    the page."""
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, name + ".png")
    if width:
        import base64
        height = driver.execute_script(
            "return document.documentElement.scrollHeight")
        shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": width,
                     "height": min(int(height), 8000), "scale": 1}})
        with open(path, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        return path
    height = driver.execute_script(
        "return document.documentElement.scrollHeight")
    driver.set_window_size(1280, max(900, min(int(height) + 40, 6000)))
    driver.save_screenshot(path)
    return path


def viewport_shot(driver, name):
    """Save what the window shows (as a person at that size sees it, e.g.
    the back office at 1366x768) as build/test-output/<name>.png; a
    blank page fails.  Returns the path."""
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, name + ".png")
    driver.save_screenshot(path)
    assert os.path.getsize(path) > 10000, path
    return path


def gone(old):
    """A wait condition: the element `old` (say the <html> of the page a
    click or a key left) is no longer in the document.  As
    EC.staleness_of, but chromedriver, asked about a node while the
    navigation is replacing its document, may answer a plain
    WebDriverException ("Node with given id does not belong to the
    document") instead of StaleElementReferenceException: that is the
    same answer, the node is gone."""
    from selenium.common.exceptions import (StaleElementReferenceException,
                                            WebDriverException)

    def _gone(_driver):
        try:
            old.is_enabled()
            return False
        except StaleElementReferenceException:
            return True
        except WebDriverException as e:
            if "does not belong to the document" in str(e):
                return True
            raise
    return _gone
