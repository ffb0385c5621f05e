"""Headless Chromium: register, drag the slider, log in, see the
last-login line (issue 4).  Screenshots in build/test-output/."""
import os
import time

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from browser import chromium, screenshot
from test_account_lib import (captcha_answer, random_phone,
                              slider_key_steps, valid_id)

PW = "Browser!pass26"


def wait_slider(d):
    """captcha.js has swapped the no-JS challenge for the slider."""
    WebDriverWait(d, 10).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, ".captcha-handle"))
    WebDriverWait(d, 10).until(lambda d: d.execute_script(
        "var i = document.querySelector('.captcha-piece');"
        "return i && i.complete && i.naturalWidth > 0;"))
    return d.find_element(By.NAME, "captcha_token").get_attribute("value")


def drag(d, env, token):
    """Drag the handle to the gap like a person: in steps, with pauses."""
    x = captcha_answer(env, token)
    handle = d.find_element(By.CSS_SELECTOR, ".captcha-handle")
    time.sleep(1)                   # a person looks at the picture first
    chain = ActionChains(d).click_and_hold(handle)
    done = 0
    while done < x:
        step = min(17, x - done)
        chain.move_by_offset(step, 0).pause(0.03)
        done += step
    chain.release().perform()


def test_register_drag_login_last_login(env):
    d = chromium()
    idn = valid_id()
    try:
        d.get(env.url + "/register")
        token = wait_slider(d)
        # no JS fallback is gone, the slider is there
        assert not d.find_elements(By.CSS_SELECTOR, ".captcha-pick")
        Select(d.find_element(By.ID, "id_type")).select_by_visible_text(
            "居民身份证")
        d.find_element(By.ID, "id_number").send_keys(idn.lower())
        d.find_element(By.ID, "name").send_keys("柳老师")
        d.find_element(By.ID, "phone").send_keys(random_phone())
        d.find_element(By.ID, "password").send_keys(PW)
        d.find_element(By.ID, "confirm").send_keys(PW)
        # the show/hide toggle
        toggle = d.find_element(By.CSS_SELECTOR, "[data-pw-toggle]")
        toggle.click()
        assert d.find_element(By.ID, "password").get_attribute("type") \
            == "text"
        toggle.click()
        drag(d, env, token)
        assert "已完成拼图" in d.find_element(
            By.CSS_SELECTOR, ".captcha-text").text
        screenshot(d, "account-register-%s" % env.engine)
        d.find_element(By.CSS_SELECTOR, ".auth-form button[type=submit]"
                       ).click()
        WebDriverWait(d, 10).until(lambda d: "/login" in d.current_url)
        assert "注册成功" in d.page_source

        for round_ in (1, 2):
            token = wait_slider(d)
            d.find_element(By.ID, "login").send_keys(idn)
            d.find_element(By.ID, "password").send_keys(PW)
            drag(d, env, token)
            screenshot(d, "account-login-%s" % env.engine)
            d.find_element(By.CSS_SELECTOR,
                           ".auth-form button[type=submit]").click()
            WebDriverWait(d, 10).until(
                lambda d: d.current_url.endswith("/account"))
            line = d.find_element(By.CSS_SELECTOR, ".welcome").text
            assert "您上次登录时间：" in line
            if round_ == 1:
                assert "首次登录" in line
                d.find_element(By.CSS_SELECTOR,
                               ".userbar button.linklike").click()
                WebDriverWait(d, 10).until(lambda d: "/login" in
                                           d.current_url)
            else:
                assert time.strftime("%Y-") in line
        assert "柳老师" in d.find_element(By.CSS_SELECTOR, ".userbar").text
        assert idn[:2] + "*****" + idn[-2:] in d.page_source
        path = screenshot(d, "account-center-%s" % env.engine)
        assert os.path.getsize(path) > 10000
    finally:
        d.quit()


def test_keyboard_slider_and_no_js_guard(env):
    d = chromium()
    try:
        d.get(env.url + "/login")
        token = wait_slider(d)
        # submitting before moving the slider is stopped in the page
        d.find_element(By.ID, "login").send_keys("110101198503151235")
        d.find_element(By.ID, "password").send_keys("Jszg@2026")
        d.find_element(By.CSS_SELECTOR, ".auth-form button[type=submit]"
                       ).click()
        assert "请先拖动滑块填充拼图完成校验!" in d.find_element(
            By.CSS_SELECTOR, ".captcha-error").text
        assert d.current_url.endswith("/login")
        # arrow keys only: Shift+Right moves 10 px, Right 1 px
        x = captcha_answer(env, token)
        handle = d.find_element(By.CSS_SELECTOR, ".captcha-handle")
        handle.click()
        time.sleep(0.5)
        tens, ones = slider_key_steps(x)
        for _ in range(tens):
            ActionChains(d).key_down(Keys.SHIFT).send_keys(
                Keys.ARROW_RIGHT).key_up(Keys.SHIFT).perform()
        time.sleep(0.3)
        for _ in range(ones):
            handle.send_keys(Keys.ARROW_RIGHT)
        assert handle.get_attribute("aria-valuenow") == str(x)
        d.find_element(By.CSS_SELECTOR, ".auth-form button[type=submit]"
                       ).click()
        WebDriverWait(d, 10).until(lambda d: d.current_url.endswith(
            "/account"))
        screenshot(d, "account-keyboard-%s" % env.engine)
    finally:
        d.quit()
