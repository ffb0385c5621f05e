"""The waiting room in a real browser (headless Debian chromium): a
visitor who arrives while the site is full sees the waiting page with
当前排队位置, and queue.js takes them to the page they asked for once
their turn comes, without a click.  Screenshots go to build/test-output/.
"""
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from browser import chromium, screenshot
from test_admission import OPEN, config, hold_full, release, status


@pytest.fixture(scope="module", autouse=True)
def _restore(env):
    yield
    env.restart("")


@pytest.fixture
def browser():
    d = chromium()
    yield d
    d.quit()
    while OPEN:
        OPEN.pop().close()


def test_admission_waiting_page_in_browser(env, browser):
    env.restart(config("JszgMaxInFlight 1", "JszgClientRate off"))
    env.mark_log()
    holds = hold_full(env)
    browser.get(env.url + "/news?page=1")
    assert "当前排队位置" in browser.page_source
    assert browser.find_element(By.ID, "jszg-queue-position").text == "1"
    screenshot(browser, "admission-waiting-room")
    # queue.js polls /api/v1/queue: the page stays put while it waits
    WebDriverWait(browser, 15).until(
        lambda d: status(env)["totals"]["queued"] >= 2)
    assert "当前排队位置" in browser.page_source
    release(env, holds)
    # its turn: called at the next poll, then the page it asked for
    WebDriverWait(browser, 20).until(
        lambda d: "当前排队位置" not in d.page_source
        and d.find_elements(By.CSS_SELECTOR, "main"))
    assert browser.current_url == env.url + "/news?page=1"
    assert "资格资讯" in browser.page_source
    assert browser.get_cookie("jszg_adm")
    screenshot(browser, "admission-admitted")
