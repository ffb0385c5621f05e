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


def screenshot(driver, name):
    """Save a full-page PNG under build/test-output/ and return its path."""
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, name + ".png")
    height = driver.execute_script(
        "return document.documentElement.scrollHeight")
    driver.set_window_size(1280, max(900, min(int(height) + 40, 6000)))
    driver.save_screenshot(path)
    return path
