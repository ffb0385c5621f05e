"""Bounded memory per upload (issue 13, point 4): a small image file that
declares a huge picture is refused from its header, before it is decoded,
under the rules of its own kind (applicant photo, certificate scan, ID
photo of the 实名 manual review), with that kind's own wording."""
import struct
import time
import zlib

import pytest

from test_account_lib import (Clock, ClockSession, clock_env,  # noqa: F401
                              new_account, page_csrf)
from test_wizard import CERT7, api, api_walk_to, photo, reset


def lie_about_size(jpeg, w, h):
    """The JPEG with its frame header (SOF0/SOF2) declaring w x h."""
    b = bytearray(jpeg)
    for i in range(2, len(b) - 8):
        if b[i] == 0xFF and b[i + 1] in (0xC0, 0xC2):
            b[i + 5:i + 9] = struct.pack(">HH", h, w)
            return bytes(b)
    raise AssertionError("no SOF marker")


def png(w, h, rows=None):
    """A PNG of w x h (grey-blue); rows: only that many rows of data, for
    a header that lies."""
    rows = h if rows is None else rows
    raw = b"".join(b"\0" + b"\xee\xee\xee" * w for _ in range(rows))

    def chunk(t, d):
        return (struct.pack(">I", len(d)) + t + d
                + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff))
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


@pytest.fixture
def s():
    return ClockSession(Clock())


def review(env, s, front, back=None):
    csrf, _ = page_csrf(env, s, "/account/review")
    files = {"front": ("front.jpg", front, "image/jpeg")}
    if back:
        files["back"] = ("back.jpg", back, "image/jpeg")
    return env.post("/api/v1/account/review", s, data={"name": "陈一"},
                    files=files, headers={"X-CSRF-Token": csrf})


def test_id_photo_declaring_6000x6000_refused_from_header(clock_env, s):
    aid, _, _ = new_account(clock_env, s, name="陈一")
    bomb = lie_about_size(photo("prog"), 6000, 6000)
    assert len(bomb) < 70 * 1024
    t = time.time()
    r = review(clock_env, s, bomb, bomb)
    assert time.time() - t < 5
    assert r.status_code == 400, r.text
    fields = r.json()["error"]["fields"]
    for side in ("front", "back"):
        msg = fields[side]["message"]
        assert "证件照片像素过多" in msg and "1200万像素" in msg, msg
    # a progressive one within the pixels whose coefficient buffer is not
    bomb = lie_about_size(photo("prog"), 2000, 2000)
    r = review(clock_env, s, bomb, bomb)
    assert r.status_code == 400
    assert "渐进式" in r.json()["error"]["fields"]["front"]["message"]
    assert clock_env.sql("SELECT verified FROM accounts WHERE id = %d"
                         % aid) == "0"


def test_id_photo_gets_its_own_rule_text(clock_env, s):
    """A narrow ID photo is told the ID photo's sides, not the applicant
    photo's 200 到 300; the same for a PNG and a JPEG."""
    new_account(clock_env, s, name="陈一")
    for narrow in (png(150, 300), lie_about_size(photo("good"), 150, 413)):
        r = review(clock_env, s, narrow, photo("good"))
        assert r.status_code == 400
        msg = r.json()["error"]["fields"]["front"]["message"]
        assert "证件照片宽度" in msg and "200到6000" in msg, msg
        assert "200到300" not in msg
    r = review(clock_env, s, png(6000, 6000, rows=1), photo("good"))
    assert r.status_code == 400
    assert "1200万像素" in r.json()["error"]["fields"]["front"]["message"]


def test_cert_scan_budget_and_wording(env):
    reset(env, 4)
    s = env.login_as(4)
    api_walk_to(env, s, 2, institution="26", point="2601",
                province="510000", city="510100")
    for (w, h), code, words in (
            ((6000, 6000), "photo_too_many_pixels", "证书扫描件像素过多"),
            ((2000, 2000), "photo_progressive_too_large", "证书扫描件为渐进式"),
            ((7000, 100), "photo_bad_width", "证书扫描件宽度")):
        bomb = lie_about_size(photo("prog"), w, h)
        r = api(env, s, "POST", "/api/v1/dqzc/wizard/2/cert", data=CERT7,
                files={"photo": ("cert.jpg", bomb, "image/jpeg")})
        assert r.status_code == 400, r.text
        f = r.json()["error"]["fields"]["photo"]
        assert f["code"] == code and words in f["message"], f
        assert "200到300" not in f["message"]
    assert env.sql("SELECT COUNT(*) FROM manual_certificates WHERE "
                   "account_id = 4") == "0"
