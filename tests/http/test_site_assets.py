"""The site icon and the 照片处理工具's 示例图 (issue 18): /favicon.ico is a
real icon served by httpd as a static file (it was a 404 page on every
page view), both layouts link it; the 示例图 is a picture of a correctly
framed photo, of a size the photo rules accept.  Both are drawn by
htdocs/mkimages.py.  The browser side (no page view logs a 404, the
示例图 shown on a phone) is in test_phone_browser.py."""
import re
import struct

import requests

ICON_SIZES = {16, 32, 48}


def test_favicon_is_an_icon(env):
    r = env.get("/favicon.ico")
    assert r.status_code == 200, r.status_code
    assert r.headers["Content-Type"] == "image/vnd.microsoft.icon"
    assert r.headers.get("X-Content-Type-Options") == "nosniff"
    assert "max-age" in r.headers.get("Cache-Control", "")
    ico = r.content
    # ICONDIR: reserved 0, type 1 (icon), count; then one entry per image
    zero, kind, count = struct.unpack("<HHH", ico[:6])
    assert (zero, kind) == (0, 1) and count >= 1
    sizes = set()
    for i in range(count):
        w, h, _, _, _, bpp, size, off = struct.unpack(
            "<BBBBHHII", ico[6 + 16 * i:22 + 16 * i])
        data = ico[off:off + size]
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) == size
        pw, ph = struct.unpack(">II", data[16:24])
        assert (pw, ph) == (w or 256, h or 256)
        sizes.add(pw)
    assert ICON_SIZES <= sizes
    # a static file: a query string changes nothing, HEAD has no body,
    # the same file is under /static
    assert env.get("/favicon.ico?v=1").content == ico
    r = requests.head(env.url + "/favicon.ico", timeout=10)
    assert r.status_code == 200 and not r.content
    assert env.get("/static/favicon.ico").content == ico
    # only that path: /favicon.icox is the portal's 404 page
    r = env.get("/favicon.icox")
    assert r.status_code == 404 and "中国教师资格网" in r.text
    assert env.get("/favicon.ico/x").status_code == 404


def test_layouts_link_the_icon(env):
    for path in ("/", "/login", "/admin/login", "/no-such-page"):
        r = env.get(path)
        assert re.search(r'<link rel="icon" href="/favicon.ico"/?>',
                         r.text), path


def test_photo_sample_on_the_photo_tool(env):
    r = env.get("/platform/pictools")
    assert r.status_code == 200
    assert "示例图" in r.text
    m = re.search(r'<figure class="wz-pic-sample" id="pic-sample">\s*'
                  r'<img src="([^"]+)"[^>]* alt="(示例图[^"]+)"', r.text)
    assert m, "no 示例图 on the page"
    assert "裁剪的照片请参照“示例图”" in r.text
    img = env.get(m.group(1))
    assert img.status_code == 200
    assert img.headers["Content-Type"] == "image/png"
    data = img.content
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    w, h = struct.unpack(">II", data[16:24])
    # what the tool makes, and within the rule for the uploaded photo
    # (width 200-300, height 408-418)
    assert (w, h) == (295, 413)
    assert 200 <= w <= 300 and 408 <= h <= 418
