"""证书查询 (public, captcha, rate limit) and 教师资格证书信息 of the
个人信息中心 (manual §2.2)."""
import re
import time


def later():
    """The answer comes two seconds after the challenge (a human's
    pace: the captcha refuses an answer in under 0.8 s)."""
    return {"X-Jszg-Test-Now": str(int(time.time()) + 2)}


def solve(env, page, delta=0):
    """The slider captcha's no-JS fields of a rendered page (issue 13:
    the same captcha as the account forms, not "a + b = ?")."""
    from test_account_lib import captcha_answer, field
    token = field(page, "captcha_token")
    return {"captcha_token": token,
            "captcha_answer": str(captcha_answer(env, token) + delta)}


def csrf_of(html):
    return re.search(r'name="_csrf" value="([^"]+)"', html).group(1)


def clear_rate(env):
    env.sql("DELETE FROM rate_events WHERE kind = 'cert_query'")


def query_page(env, s, **fields):
    page = env.get("/cert", s).text
    data = {"_csrf": csrf_of(page)}
    data.update(solve(env, page))
    data.update(fields)
    return env.post("/cert", s, data=data, headers=later())


def test_my_certs_page(env):
    s = env.login_as(1)
    r = env.get("/account/certs", s)
    assert r.status_code == 200
    html = r.text
    for text in ("教师资格证书信息", "20101110121003456", "20141110131001287",
                 "北京市东城区教育委员会", "小学教师资格", "2010-07-20",
                 "本功能仅展示 2008 年及以后"):
        assert text in html
    # 广西: only 2012 and later; the 2010 certificate is not shown
    s3 = env.login_as(3)
    j = env.get("/api/v1/account/certs", s3).json()
    assert [c["cert_no"] for c in j["certificates"]] == ["20134510312000456"]
    # 王建国: the 2003 certificate is before 2008
    s4 = env.login_as(4)
    j = env.get("/api/v1/account/certs", s4).json()
    assert [c["cert_no"] for c in j["certificates"]] == ["20095100141001935"]


def test_my_certs_none_explains_why(env):
    s = env.login_as(7)
    r = env.get("/account/certs", s)
    assert r.status_code == 200
    assert "未能关联到您的教师资格证书" in r.text
    assert "常见问题23" in r.text and 'href="/help/faq/23"' in r.text
    assert "您尚未通过实名核验" in r.text
    j = env.get("/api/v1/account/certs", s).json()
    assert j["certificates"] == [] and "常见问题23" in j["hint"]
    assert env.get("/account/certs").status_code in (303, 401)


def test_cert_query_page(env):
    clear_rate(env)
    s = env.session()
    r = env.get("/cert", s)
    assert r.status_code == 200
    assert "证书查询" in r.text and "安全验证" in r.text
    assert 'class="active"><a href="/cert"' in r.text.replace("\n", "") \
        or "nav_cert" not in r.text
    r = query_page(env, s, name="刘洋", id_number="110105198302141132",
                   cert_no="20111110521001012")
    assert r.status_code == 200
    html = r.text
    for text in ("小学教师资格", "体育", "北京市朝阳区教育委员会", "2011-06-30",
                 "首次注册", "2016-11-30", "注册合格"):
        assert text in html
    assert 'value="刘洋"' in html                        # values kept


def test_cert_query_needs_all_three(env):
    clear_rate(env)
    s = env.session()
    r = query_page(env, s, name="刘洋", id_number="110105198302141132",
                   cert_no="20124210122001013")          # someone else's
    assert r.status_code == 404
    assert "未查询到相关证书信息" in r.text
    assert "体育" not in r.text and "王静" not in r.text
    r = query_page(env, s, name="刘", id_number="110105198302141132",
                   cert_no="20111110521001012")
    assert r.status_code == 404
    r = query_page(env, s, name="刘洋", id_number="110105198302141132",
                   cert_no="2011111052100101")
    assert r.status_code == 400 and "证书号码应为15位或17位数字" in r.text


def test_cert_query_captcha(env):
    clear_rate(env)
    s = env.session()
    page = env.get("/cert", s).text
    # the slider (no-JS: pick the numbered position), not "a + b = ?"
    assert "= ?" not in page and 'name="captcha_token"' in page
    assert page.count('name="captcha_answer"') == 6
    assert "/static/js/captcha.js" in page
    data = {"_csrf": csrf_of(page), "name": "刘洋",
            "id_number": "110105198302141132",
            "cert_no": "20111110521001012"}
    data.update(solve(env, page, delta=1))
    r = env.post("/cert", s, data=data, headers=later())
    assert r.status_code == 400
    assert "拼图" in r.text and "北京市朝阳区教育委员会" not in r.text
    # one answer per challenge: replaying a right answer fails
    page = env.get("/cert", s).text
    data.update(solve(env, page))
    assert env.post("/cert", s, data=data, headers=later()) \
        .status_code == 200
    r = env.post("/cert", s, data=data, headers=later())
    assert r.status_code == 400 and "已使用过" in r.text


def test_anonymous_cert_page_writes_nothing(env):
    """Issue 13.4: reading 证书查询 anonymously creates no session and no
    captcha row, however often."""
    count = ("SELECT (SELECT COUNT(*) FROM sessions) || '/' || "
             "(SELECT COUNT(*) FROM captchas)")
    before = env.sql(count)
    for path in ("/cert", "/login", "/register", "/forgot"):
        for _ in range(3):
            r = env.get(path, env.session())
            assert r.status_code == 200
            assert "jszg_sid" not in r.headers.get("Set-Cookie", "")
    s = env.session()
    for _ in range(3):
        assert env.get("/api/v1/cert/captcha", s).status_code == 200
        env.post("/api/v1/captcha", s, headers={"X-CSRF-Token":
                                                env.csrf(s)})
    assert env.sql(count) == before


def test_cert_query_restricted_and_x(env):
    clear_rate(env)
    s = env.session()
    r = query_page(env, s, name="林晓燕", id_number="110102198704169948",
                   cert_no="20131110232001020")
    assert r.status_code == 200 and "您的教师资格无效" in r.text
    r = query_page(env, s, name="赵磊", id_number="44030519870822615x",
                   cert_no="20114430541002288")
    assert r.status_code == 200 and "该教师资格已被依法撤销" in r.text


def test_cert_query_api(env):
    clear_rate(env)
    s = env.session()
    token = env.csrf(s)
    c = env.get("/api/v1/cert/captcha", s).json()
    assert c["mode"] == "slide" and "question" not in c
    from test_account_lib import captcha_answer, drag_track
    r = env.post("/api/v1/cert/query", s, headers=dict(
                 later(), **{"X-CSRF-Token": token}),
                 data={"name": "胡军", "id_number": "510104198007077711",
                       "cert_no": "20085110430001018",
                       "captcha_token": c["token"],
                       "captcha_answer": captcha_answer(env, c["token"]),
                       "captcha_ms": "900",
                       "captcha_track": drag_track(
                           captcha_answer(env, c["token"]), 900)})
    assert r.status_code == 200, r.text
    j = r.json()
    assert j["kind_name"] == "初级中学教师资格" and j["subject"] == "历史"
    assert j["history"][0]["conclusion"] == "注册合格"
    # a date, as the document's Date says (issue 17)
    assert re.match(r"^\d{4}-\d\d-\d\d$", j["history"][0]["valid_until"])
    r = env.post("/api/v1/cert/query", s, headers={"X-CSRF-Token": token},
                 data={"name": "胡军", "id_number": "510104198007077711",
                       "cert_no": "20085110430001018", "captcha": "1"})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "bad_captcha"


def test_cert_query_rate_limited_per_ip(env):
    clear_rate(env)
    s = env.session()
    env.sql("INSERT INTO rate_events (kind, key, at) SELECT 'cert_query', "
            "'127.0.0.1', %d FROM regions LIMIT 20"
            % int(__import__("time").time()))
    r = query_page(env, s, name="刘洋", id_number="110105198302141132",
                   cert_no="20111110521001012")
    assert r.status_code == 429
    assert "查询过于频繁" in r.text and "体育" not in r.text
    clear_rate(env)
    r = query_page(env, s, name="刘洋", id_number="110105198302141132",
                   cert_no="20111110521001012")
    assert r.status_code == 200
