"""Public portal (issue 3): 网上办事, 办事指南, 资格资讯, 各省公告,
各省网报时间查询, 咨询服务, site search and the /api/v1 portal APIs.

Seed facts used here are in sql/seed/README.md and 030_windows.sql
("today" for the seed is 2026-11-29; the tests pin the clock there).
"""
import calendar
import html
import re
from urllib.parse import urljoin, urlparse

import pytest

# 2026-11-29 12:00 Beijing time, as epoch seconds (Beijing = UTC+8).
def beijing(y, mo, d, h=0, mi=0, s=0):
    return calendar.timegm((y, mo, d, h, mi, s)) - 8 * 3600


TODAY = beijing(2026, 11, 29, 12)

NO_PLAN = "该机构未设置网报计划，请联系所选的教育局。"
NOT_OPEN = "还未到网报时间"
CLOSED = "网报时间已截止"
NO_POINTS = "该机构目前还没有安排确认点，请与该机构联系！"

FAQ_RANGES = {
    "account": ("账号问题", 1, 5),
    "rd": ("认定申请问题", 6, 20),
    "cert": ("证书相关问题", 21, 26),
    "dqzc": ("定期注册相关问题", 27, 44),
    "exam": ("考试相关问题", 45, 47),
    "names": ("姓名生僻字问题", 48, 50),
}

# Every portal page and the heading it must show.
PAGES = [
    ("/services", "网上办事"),
    ("/services/dqzc/guide", "中小学教师资格定期注册办事指南"),
    ("/services/rd/guide", "教师资格认定办事指南"),
    ("/news", "资格资讯"),
    ("/news/1", "教育部办公厅关于做好2026年中小学教师资格定期注册工作的通知"),
    ("/notices", "各省注册公告"),
    ("/notices?biz=rd", "各省认定公告"),
    ("/notices/1", "北京市2026年中小学教师资格定期注册公告"),
    ("/windows", "各省网报时间查询"),
    ("/help", "咨询服务"),
    ("/help/faq", "常见问题"),
    ("/help/faq/23", "23. "),
    ("/help/mail", "邮件咨询"),
    ("/help/phone", "电话咨询"),
    ("/help/contacts", "各省份认定工作联系方式"),
    ("/help/manual", "操作手册"),
    ("/search?q=注册", "站内搜索"),
]


@pytest.fixture(scope="module")
def penv(env):
    """The env with JszgTestClock On, so window states do not depend on
    the day the suite runs."""
    if "JszgTestClock On" not in env.extra:
        env.restart(env.extra + "\nJszgTestClock On\n")
    return env


def get(env, path, now=TODAY, **kw):
    headers = kw.pop("headers", {})
    headers["X-Jszg-Test-Now"] = str(now)
    return env.get(path, headers=headers, **kw)


def h1(page):
    m = re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", m.group(1))) if m else None


def text(page):
    """The page's text without tags (numbers sit in their own spans)."""
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def hrefs(page):
    return [html.unescape(h) for h in re.findall(r'href="([^"]*)"', page)]


# ---- every page ------------------------------------------------------------

@pytest.mark.parametrize("path,heading", PAGES)
def test_page_answers_with_heading(penv, path, heading):
    r = get(penv, path)
    assert r.status_code == 200, r.text[:500]
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert heading in h1(r.text)
    assert "当前位置" in r.text


def test_every_page_reachable_from_home(penv):
    """Crawl the site from / following local links (GET only, query
    strings kept) and check every portal page is found."""
    want = {p for p, _ in PAGES if not p.startswith("/search")}
    seen, todo = set(), ["/"]
    while todo and len(seen) < 400:
        path = todo.pop(0)
        if path in seen:
            continue
        seen.add(path)
        r = get(penv, path)
        if r.status_code != 200 or "text/html" not in \
                r.headers.get("Content-Type", ""):
            continue
        for h in hrefs(r.text):
            u = urlparse(urljoin(penv.url + path, h))
            if u.netloc != urlparse(penv.url).netloc:
                continue
            if u.path.startswith(("/static", "/api", "/login", "/register",
                                  "/platform", "/account", "/cert")):
                continue
            todo.append(u.path + ("?" + u.query if u.query else ""))
    assert want <= seen, "not reachable: %s" % sorted(want - seen)
    # the search box is on every page (a GET form, not a link)
    assert 'action="/search"' in get(penv, "/help").text


# ---- 网上办事 ---------------------------------------------------------------

def test_services_page_has_both_businesses(penv):
    t = get(penv, "/services").text
    for s in ("教师资格认定", "中小学教师资格定期注册", "在线办理",
              "/services/dqzc/guide", "/services/rd/guide",
              "/notices?biz=rd", "/windows"):
        assert s in t
    assert 'name="_csrf"' in t


def test_dqzc_guide_follows_the_manual(penv):
    t = get(penv, "/services/dqzc/guide").text
    for s in ("注册范围", "注册条件", "注册材料",
              "公办普通中小学、中等职业学校和幼儿园在编在岗教师须进行注册",
              "360个培训学时", "《教师资格定期注册申请表》一式2份",
              "中小学或主管部门聘用合同"):
        assert s in t


def test_unknown_guide_is_404(penv):
    r = get(penv, "/services/xyz/guide")
    assert r.status_code == 404 and "没有这项业务的办事指南" in r.text


# ---- 资格资讯 ---------------------------------------------------------------

def test_news_pagination(penv):
    total = int(penv.sql("SELECT COUNT(*) FROM news"))
    pages = (total + 9) // 10
    first = get(penv, "/news").text
    newest = penv.sql("SELECT title FROM news ORDER BY published_on DESC, "
                      "id DESC LIMIT 1")
    assert newest in first
    assert "共 %d 条" % total in text(first)
    last = get(penv, "/news?page=%d" % pages)
    assert last.status_code == 200
    assert last.text.count('class="date"') == total - 10 * (pages - 1)
    assert 'rel="next"' not in last.text and 'rel="prev"' in last.text


@pytest.mark.parametrize("page,status", [
    ("0", 400), ("-1", 400), ("abc", 400), ("1.5", 400), ("%2B2", 400),
    ("1%27%20OR%201%3D1", 400), ("99", 404), ("99999999999999999999", 404),
])
def test_news_bad_pages(penv, page, status):
    r = get(penv, "/news?page=" + page)
    assert r.status_code == status
    assert ("页码不正确" if status == 400 else "该页不存在") in r.text


def test_news_detail_paragraphs(penv):
    r = get(penv, "/news/2")
    assert r.status_code == 200
    body = penv.sql("SELECT body FROM news WHERE id = 2")
    for para in body.split("\n\n"):
        assert "<p>%s</p>" % html.escape(para.strip(), quote=False) in r.text


@pytest.mark.parametrize("path", ["/news/99999", "/news/abc", "/news/0",
                                  "/news/1%27", "/news/-1"])
def test_news_unknown(penv, path):
    r = get(penv, path)
    assert r.status_code == 404
    assert "不存在" in r.text


# ---- 各省公告 ---------------------------------------------------------------

def test_notices_filter_by_province_and_business(penv):
    r = get(penv, "/notices?province=420000")
    assert r.status_code == 200
    n = int(penv.sql("SELECT COUNT(*) FROM notices WHERE province_code = "
                     "'420000' AND business = '定期注册'"))
    assert r.text.count('class="tag"') == n
    assert '<option value="420000" selected' in r.text
    rd = get(penv, "/notices?biz=rd").text
    n_rd = int(penv.sql("SELECT COUNT(*) FROM notices "
                        "WHERE business = '认定'"))
    assert rd.count('class="tag"') == n_rd
    assert "认定" in h1(rd)


def test_notices_pagination_keeps_filters(penv):
    r = get(penv, "/notices?page=2")
    assert r.status_code == 200
    assert 'href="/notices?biz=dqzc&amp;page=1"' in r.text
    assert get(penv, "/notices?page=0").status_code == 400
    assert get(penv, "/notices?page=50").status_code == 404
    r = get(penv, "/notices?province=110000&page=1")
    assert "/notices?biz=dqzc&amp;province=110000&amp;page=1" in r.text


@pytest.mark.parametrize("query,status", [
    ("province=abc", 400), ("province=11000", 400),
    ("province=110000%27--", 400), ("province=990000", 404),
    ("province=110101", 404), ("biz=xx", 400),
])
def test_notices_bad_filters(penv, query, status):
    r = get(penv, "/notices?" + query)
    assert r.status_code == status
    assert "<h1>" in r.text


def test_notice_detail_and_unknown(penv):
    r = get(penv, "/notices/4")
    assert r.status_code == 200 and "/notices?biz=rd" in r.text
    assert get(penv, "/notices/9999").status_code == 404
    assert get(penv, "/notices/x").status_code == 404


# ---- 各省网报时间查询 (no JavaScript: plain GET form) --------------------------

def windows(env, now=TODAY, **q):
    from urllib.parse import urlencode
    return get(env, "/windows?" + urlencode(q), now=now)


def test_windows_form_refines_step_by_step(penv):
    t = windows(penv).text
    assert '<option value="110000">北京市</option>' in t
    assert "请选择省份" in t
    t = windows(penv, province="420000").text
    assert '<option value="420100">武汉市</option>' in t
    assert "请选择地市" in t
    t = windows(penv, province="420000", city="420100", stage="小学").text
    for name in ("武汉市江岸区教育局", "武汉市武昌区教育局",
                 "武汉市洪山区教育局", "武汉市江夏区教育局"):
        assert name in t
    assert "武汉市教育局</option>" not in t   # 市级: 高中/中职 only
    t = windows(penv, province="420000", city="420100",
                stage="高级中学").text
    assert ">武汉市教育局</option>" in t


def test_windows_open_shows_times_and_points(penv):
    t = windows(penv, province="110000", city="110101", stage="小学",
                institution="2").text
    assert "网报开始时间" in t and "2026-11-01 09:00:00" in t
    assert "2026-12-20 17:00:00" in t
    assert "当前为网报时间" in t
    points = penv.sql("SELECT name FROM confirmation_points "
                      "WHERE institution_id = 2 AND active = 1").split("\n")
    assert points and all(p in t for p in points)


def test_windows_no_plan_message(penv):
    t = windows(penv, province="110000", city="110112", stage="小学",
                institution="7").text
    assert NO_PLAN in t
    t = windows(penv, province="420000", city="420500", stage="初级中学",
                institution="15").text
    assert NO_PLAN in t


def test_windows_not_open_and_closed(penv):
    t = windows(penv, province="110000", city="110106", stage="幼儿园",
                institution="6").text
    assert NOT_OPEN in t and "2026-12-15 09:00:00" in t
    t = windows(penv, province="420000", city="420100", stage="小学",
                institution="11").text
    assert CLOSED in t and "2026-10-31 17:00:00" in t


def test_windows_state_follows_the_clock(penv):
    q = dict(province="110000", city="110106", stage="小学", institution="6")
    assert NOT_OPEN in windows(penv, now=beijing(2026, 12, 15, 8, 59, 59),
                               **q).text
    assert "当前为网报时间" in windows(penv, now=beijing(2026, 12, 15, 9),
                                  **q).text
    assert CLOSED in windows(penv, now=beijing(2026, 12, 31, 17), **q).text


def test_windows_no_confirmation_point(penv):
    t = windows(penv, province="510000", city="510100", stage="小学",
                institution="29").text
    assert NO_POINTS in t and "当前为网报时间" in t


def test_windows_stale_selection_is_dropped(penv):
    """Without JavaScript the province is changed and the old city still
    sent: the form refines instead of failing."""
    r = windows(penv, province="420000", city="110101", stage="小学",
                institution="2")
    assert r.status_code == 200
    assert "请选择地市" in r.text and "网报开始时间</th>" not in r.text


@pytest.mark.parametrize("query,status,msg", [
    ("province=abc", 400, "省份代码不正确"),
    ("province=999999", 404, "没有找到该省份"),
    ("province=110000&city=12", 400, "地市代码不正确"),
    ("province=110000&city=999999", 404, "没有找到该地市"),
    ("province=110000&city=110101&stage=大学", 400, "任教学段不正确"),
    ("province=110000&city=110101&stage=小学&institution=x", 400,
     "注册机构编号不正确"),
    ("province=110000&city=110101&stage=小学&institution=9999", 404,
     "没有找到该注册机构"),
    ("province=%3Cscript%3E", 400, "省份代码不正确"),
])
def test_windows_bad_ids(penv, query, status, msg):
    r = get(penv, "/windows?" + query)
    assert r.status_code == status
    assert msg in r.text
    assert "<script>" not in r.text.split("</head>")[1]


# ---- 咨询服务 ---------------------------------------------------------------

def faq_ids(env, slug):
    ids, page = [], 1
    while True:
        r = get(env, "/help/faq?category=%s&page=%d" % (slug, page))
        assert r.status_code == 200
        ids += [int(n) for n in
                re.findall(r'<span class="faq-no">(\d+)</span>', r.text)]
        if 'rel="next"' not in r.text:
            return ids, r.text
        page += 1


def test_faq_numbering_by_category(penv):
    every = []
    for slug, (name, first, last) in FAQ_RANGES.items():
        ids, page = faq_ids(penv, slug)
        assert ids == list(range(first, last + 1)), slug
        assert "%s(问题%d-%d)" % (name, first, last) in page
        every += ids
    assert every == list(range(1, 51))


def test_faq_all_and_bounds(penv):
    r = get(penv, "/help/faq?page=5")
    assert r.status_code == 200 and "50" in r.text
    assert get(penv, "/help/faq?page=6").status_code == 404
    assert get(penv, "/help/faq?page=0").status_code == 400
    assert get(penv, "/help/faq?category=dqzc&page=3").status_code == 404
    assert get(penv, "/help/faq?category=nope").status_code == 400


def test_faq_item(penv):
    r = get(penv, "/help/faq/40")
    assert r.status_code == 200
    title = penv.sql("SELECT title FROM faq WHERE id = 40")
    assert "40. " + title in h1(r.text)
    assert "/help/faq/39" in r.text and "/help/faq/41" in r.text
    assert "/help/faq?category=dqzc" in r.text
    assert "/help/faq/51" not in get(penv, "/help/faq/50").text
    for bad in ("/help/faq/51", "/help/faq/0", "/help/faq/abc"):
        assert get(penv, bad).status_code == 404


def test_mail_page_format(penv):
    t = get(penv, "/help/mail").text
    assert 'href="mailto:jszgwb@163.com"' in t
    assert "真实姓名+问题关键词" in t
    assert "详细、准确地描述问题，并提供证件号码、联系电话" in t


def test_contacts_page_lists_provinces(penv):
    t = get(penv, "/help/contacts").text
    n = int(penv.sql("SELECT COUNT(*) FROM contacts"))
    assert t.count("<tr>") == n + 1
    assert "北京市教育委员会教师资格认定指导中心" in t


def test_manual_page(penv):
    t = get(penv, "/help/manual").text
    for s in ("教师资格定期注册申请人使用手册", "1.1 打开网站",
              "步骤一：网上申报协议", NO_PLAN, "网报待确认",
              "jszgwb@163.com"):
        assert s in t


# ---- site search ------------------------------------------------------------

def test_search_finds_titles(penv):
    r = get(penv, "/search?q=定期注册")
    assert r.status_code == 200
    n = int(penv.sql(
        "SELECT (SELECT COUNT(*) FROM news WHERE title LIKE '%定期注册%') + "
        "(SELECT COUNT(*) FROM notices WHERE title LIKE '%定期注册%') + "
        "(SELECT COUNT(*) FROM faq WHERE title LIKE '%定期注册%')"))
    assert "共找到 %d 条结果" % n in text(r.text)
    assert "/help/faq/" in get(penv, "/search?q=账号登录").text


@pytest.mark.parametrize("q", ["<script>alert(1)</script>", "' OR 1=1 --",
                               "%", "_", "\\", "\"><img src=x>"])
def test_search_metacharacters_are_harmless(penv, q):
    r = get(penv, "/search", params={"q": q})
    assert r.status_code == 200
    assert "共找到 0 条结果" in text(r.text)
    assert "<script>alert" not in r.text and "<img src=x>" not in r.text
    assert html.escape(q, quote=False) in r.text


def test_search_empty_and_too_long(penv):
    assert "请输入关键字" in get(penv, "/search?q=").text
    assert "请输入关键字" in get(penv, "/search").text
    r = get(penv, "/search", params={"q": "字" * 51})
    assert r.status_code == 400 and "不能超过50个字" in r.text


# ---- JSON APIs --------------------------------------------------------------

def api(env, path, now=TODAY, status=200):
    r = get(env, path, now=now)
    assert r.status_code == status, r.text
    assert r.headers["Content-Type"] == "application/json; charset=utf-8"
    return r.json()


def test_api_regions(penv):
    p = api(penv, "/api/v1/regions")["provinces"]
    assert len(p) == 31 and p[0] == {"code": "110000", "name": "北京市"}
    c = api(penv, "/api/v1/regions/420000/cities")
    assert c["province"] == {"code": "420000", "name": "湖北省"}
    assert {"code": "420100", "name": "武汉市"} in c["cities"]
    assert api(penv, "/api/v1/regions/4200/cities", status=400)[
        "error"]["code"] == "bad_province"
    assert api(penv, "/api/v1/regions/990000/cities", status=404)[
        "error"]["code"] == "unknown_province"
    assert api(penv, "/api/v1/regions/710000/cities", status=404)[
        "error"]["code"] == "unknown_province"


def test_api_institutions(penv):
    j = api(penv, "/api/v1/institutions?city=110101&stage=小学")
    assert [i["id"] for i in j["institutions"]] == [2]
    assert j["institutions"][0]["stages"] == ["幼儿园", "小学", "初级中学"]
    j = api(penv, "/api/v1/institutions?city=110101&stage=高级中学")
    assert [i["id"] for i in j["institutions"]] == [1]
    assert j["city"]["province_code"] == "110000"
    j = api(penv, "/api/v1/institutions?city=110107&stage=小学")
    assert j["institutions"] == []          # 30 is inactive
    for q, status, code in [
            ("stage=小学", 400, "missing_city"),
            ("city=1101&stage=小学", 400, "bad_city"),
            ("city=990100&stage=小学", 404, "unknown_city"),
            ("city=110000&stage=小学", 404, "unknown_city"),
            ("city=110101", 400, "missing_stage"),
            ("city=110101&stage=大学", 400, "bad_stage")]:
        e = api(penv, "/api/v1/institutions?" + q, status=status)["error"]
        assert e["code"] == code and e["message"]


def test_api_points(penv):
    j = api(penv, "/api/v1/institutions/2/points")
    assert j["institution"]["id"] == 2 and j["points"]
    assert set(j["points"][0]) >= {"id", "name", "scope", "address"}
    assert isinstance(j["points"][0]["id"], int)
    j = api(penv, "/api/v1/institutions/29/points")
    assert j["points"] == [] and j["message"] == NO_POINTS
    assert api(penv, "/api/v1/institutions/abc/points", status=400)[
        "error"]["code"] == "bad_institution"
    assert api(penv, "/api/v1/institutions/9999/points", status=404)[
        "error"]["code"] == "unknown_institution"


@pytest.mark.parametrize("inst,status,message", [
    (2, "open", None), (6, "not_open", NOT_OPEN), (11, "closed", CLOSED),
    (7, "none", NO_PLAN), (15, "none", NO_PLAN),
    (30, "none", "该机构目前未开展注册工作，请联系所选的教育局。"),
])
def test_api_window(penv, inst, status, message):
    j = api(penv, "/api/v1/institutions/%d/window" % inst)
    w = j["window"]
    assert w["status"] == status
    if message:
        # the directory's one wording: the dates follow when there are any
        assert w["message"] == message if status == "none" \
            else w["message"].startswith(message + "。该机构网报时间为")
    if status == "none":
        assert "starts" not in w
    else:
        assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$",
                        w["starts"])
        assert w["cycle_year"] == 2026


def test_api_window_old_cycle_is_no_plan(penv):
    """In 2027 the 2026 plans are history: no plan yet for this year."""
    j = api(penv, "/api/v1/institutions/2/window",
            now=beijing(2027, 3, 1, 10))
    assert j["window"]["status"] == "none"
    assert j["window"]["message"] == NO_PLAN


def test_api_faq(penv):
    j = api(penv, "/api/v1/faq?category=dqzc")
    assert j["category"] == "dqzc" and j["total"] == 18 and j["pages"] == 2
    assert [i["id"] for i in j["items"]] == list(range(27, 37))
    j2 = api(penv, "/api/v1/faq?category=dqzc&page=2")
    assert [i["id"] for i in j2["items"]] == list(range(37, 45))
    cats = {c["slug"]: (c["first"], c["last"]) for c in j["categories"]}
    assert cats == {s: (a, b) for s, (_, a, b) in FAQ_RANGES.items()}
    assert api(penv, "/api/v1/faq")["total"] == 50
    f = api(penv, "/api/v1/faq/37")["faq"]
    assert f["id"] == 37 and f["category_slug"] == "dqzc"
    assert f["paragraphs"] and f["answer"]
    for path, status, code in [
            ("/api/v1/faq?page=0", 400, "bad_page"),
            ("/api/v1/faq?page=x", 400, "bad_page"),
            ("/api/v1/faq?page=6", 404, "page_not_found"),
            ("/api/v1/faq?category=zz", 400, "bad_category"),
            ("/api/v1/faq/51", 404, "faq_not_found"),
            ("/api/v1/faq/x", 404, "faq_not_found"),
            ("/api/v1/faq/050", 404, "faq_not_found")]:
        assert api(penv, path, status=status)["error"]["code"] == code


def test_api_unknown_path_is_json_404(penv):
    j = api(penv, "/api/v1/institutions/2/nothing", status=404)
    assert j["error"]["code"] == "not_found"


# ---- the 网报时间 dropdowns in a real browser ---------------------------------

def test_windows_dropdowns_in_chromium(penv):
    """Pick province, city, 学段 and institution as a person would; the
    selects are filled by windows.js from the APIs."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait
    from browser import chromium, screenshot

    d = chromium()
    try:
        d.execute_cdp_cmd("Network.enable", {})
        d.execute_cdp_cmd("Network.setExtraHTTPHeaders",
                          {"headers": {"X-Jszg-Test-Now": str(TODAY)}})
        # windows.js replaces a select's options when the one before it
        # changes: an option read a moment earlier may be gone (stale)
        wait = WebDriverWait(d, 10, ignored_exceptions=(
            StaleElementReferenceException,))
        d.get(penv.url + "/")
        d.find_element(By.LINK_TEXT, "网上办事").click()
        d.find_element(By.LINK_TEXT, "各省网报时间查询").click()
        assert "各省网报时间查询" in d.title

        def pick(select_id, label):
            def chosen(_):
                sel = Select(d.find_element(By.ID, select_id))
                if not any(o.text == label for o in sel.options):
                    return False
                sel.select_by_visible_text(label)
                return sel.first_selected_option.text == label
            wait.until(chosen)

        # first an institution without a plan, then one that is open
        pick("w-province", "北京市")
        pick("w-city", "通州区")
        pick("w-stage", "小学")
        pick("w-institution", "北京市通州区教育委员会")
        wait.until(lambda _: NO_PLAN in d.find_element(By.ID,
                                                       "w-result").text)
        pick("w-city", "东城区")
        pick("w-institution", "北京市东城区教育委员会")
        result = wait.until(lambda _: d.find_element(By.ID, "w-result")
                            if "2026-11-01 09:00:00" in
                            d.find_element(By.ID, "w-result").text
                            else False)
        assert "当前为网报时间" in result.text
        assert len(result.find_elements(By.CSS_SELECTOR,
                                        "table.points tbody tr")) >= 1
        assert "institution=2" in d.current_url     # shareable address
        path = screenshot(d, "portal-windows-%s" % penv.engine)
        # the address works without JavaScript too
        r = get(penv, urlparse(d.current_url).path + "?" +
                urlparse(d.current_url).query)
        assert "2026-11-01 09:00:00" in r.text
        assert path.endswith(".png")
    finally:
        d.quit()
