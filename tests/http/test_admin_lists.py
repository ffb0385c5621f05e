"""Worklists and search of the back office (issue 14, mod_jszg/
jszg_admin_lists.c): the 确认点 worklist with its day list (print, CSV),
the decided applications with their 公示 and CSV, the search by part of a
name, part of a 报名号, ID number and phone, each page and its JSON twin
under /admin/api/, in the staff member's scope, paged by JszgPageSize.

The applications are made through the wizard's API (test_records.submit)
and moved through the staff forms (现场确认, 注册结论), as people would."""
import calendar
import csv
import io
import re
import time

import pytest

from test_admin_support import Staff, error_code
from test_records import submit

# Applicants (sql/seed/080_demo_accounts.sql) and where they apply:
# 张伟 at 东城 交道口 (201), 周敏 at 东城 天坛 (202), 李娜 at 武汉 武昌 (1001).
ZHANG = dict(account=1)
ZHOU = dict(account=8, cert="20121110812002675", stage="幼儿园",
            subject="幼儿园", point="202")
LI = dict(account=2, institution="10", point="1001",
          cert="20134210232005821", stage="初级中学", subject="语文",
          province="420000", city="420100")
ZHANG_ID, ZHANG_PHONE = "110101198503151235", "13911010001"


def apply(env, who):
    who = dict(who)
    account = who.pop("account")
    return submit(env, env.login_as(account), account=account, **who)


def app_id(env, reg):
    return env.sql("SELECT id FROM applications WHERE reg_no = '%s'" % reg)


def regs(r):
    """The 报名号 links of a list page."""
    assert r.status_code == 200, (r.status_code, r.text[:400])
    return re.findall(r'<a href="/admin/apps/\d+">(\d{20})</a>', r.text)


def api_regs(r):
    assert r.status_code == 200, (r.status_code, r.text[:400])
    assert r.headers["Content-Type"].startswith("application/json")
    return [a["reg_no"] for a in r.json()["applications"]]


def text(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def beijing_today():
    return time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600))


def pending_at(env, where):
    return int(env.sql("SELECT COUNT(*) FROM applications a JOIN "
                       "institutions i ON i.id = a.institution_id WHERE "
                       "a.status = '网报待确认' AND %s" % where))


def read_csv(r):
    assert r.status_code == 200, r.text[:300]
    assert r.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert r.headers["Content-Disposition"].startswith("attachment;")
    assert r.content.startswith(b"\xef\xbb\xbf"), r.content[:10]
    return list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"),
                                       newline="")))


@pytest.fixture(scope="module")
def pending(env):
    """Three applications waiting for 现场确认, made through the wizard."""
    return {"zhang": apply(env, ZHANG), "zhou": apply(env, ZHOU),
            "li": apply(env, LI)}


# ---- 确认点 worklist ------------------------------------------------------

def test_worklist_of_a_point_and_its_scope(env, pending):
    zhang, zhou, li = pending["zhang"], pending["zhou"], pending["li"]
    point = Staff(env, "dc-point")
    r = point.get("/admin/worklist")
    mine = regs(r)
    assert zhang in mine and zhou not in mine and li not in mine
    assert "待现场确认名单" in r.text
    n = pending_at(env, "a.point_id = 201")
    assert "共 %d 人" % n in text(r.text)
    b = point.get("/admin/api/worklist").json()
    assert b["total"] == n and b["page"] == 1
    assert zhang in [a["reg_no"] for a in b["applications"]]
    assert {a["point_id"] for a in b["applications"]} == {201}
    assert sum(b["stage_counts"].values()) == n
    assert b["stage_counts"]["小学"] == pending_at(
        env, "a.point_id = 201 AND a.stage = '小学'")
    # sorted by submission, oldest first
    subs = [a["submitted_at"] for a in b["applications"]]
    # ISO 8601 with one offset: text order is time order
    assert all(s.endswith("+08:00") for s in subs)
    assert subs == sorted(subs)

    # another point of the same institution, the institution, provinces
    assert zhou in regs(Staff(env, "dc-point2").get("/admin/worklist"))
    assert zhang not in regs(Staff(env, "dc-point2").get("/admin/worklist"))
    inst = api_regs(Staff(env, "dc-reviewer").get(
        "/admin/api/worklist?name=%E5%BC%A0%E4%BC%9F"))
    assert zhang in inst and li not in inst
    bj = Staff(env, "bj-province")
    assert zhou in api_regs(bj.get("/admin/api/worklist?stage=幼儿园"))
    assert li not in api_regs(bj.get("/admin/api/worklist?name=李娜"))
    hb = Staff(env, "hb-province")
    got = api_regs(hb.get("/admin/api/worklist?name=李娜"))
    assert li in got and zhang not in got
    assert zhang not in api_regs(hb.get("/admin/api/worklist?name=张伟"))
    assert api_regs(Staff(env, "xc-point").get(
        "/admin/api/worklist?name=张伟")) == [] or \
        zhang not in api_regs(Staff(env, "xc-point").get(
            "/admin/api/worklist?name=张伟"))


def test_worklist_filters_and_counts(env, pending):
    zhang, zhou = pending["zhang"], pending["zhou"]
    sa = Staff(env, "sysadmin")
    today = beijing_today()
    b = sa.get("/admin/api/worklist?date=%s&name=伟" % today).json()
    assert zhang in [a["reg_no"] for a in b["applications"]]
    assert zhou not in [a["reg_no"] for a in b["applications"]]
    assert all("伟" in a["applicant_name"] for a in b["applications"])
    # another day: none of today's
    assert zhang not in api_regs(sa.get("/admin/api/worklist?date=2020-01-"
                                        "01"))
    r = sa.get("/admin/api/worklist?date=2020-01-01")
    assert r.json()["total"] == 0 and r.json()["pages"] == 1
    # 学段: 周敏 is 幼儿园, not 小学
    assert zhou in api_regs(sa.get("/admin/api/worklist?stage=幼儿园&name=周"))
    assert zhou not in api_regs(sa.get("/admin/api/worklist?stage=小学&"
                                       "name=周"))
    # the page shows the counts per 学段 as links that keep the filters
    r = sa.get("/admin/worklist?date=%s&name=周敏" % today)
    assert re.search(r'href="/admin/worklist\?date=%s&amp;stage=%%e5%%b9'
                     r'%%bc%%e5%%84%%bf%%e5%%9b%%ad&amp;name=%%e5%%91%%a8'
                     r'%%e6%%95%%8f"><span>幼儿园</span> <strong>1</strong>'
                     % today, r.text), r.text
    assert zhou in regs(r)
    # an empty result is a sentence, not an empty table
    r = sa.get("/admin/worklist?date=2020-01-01")
    assert "没有符合条件的待现场确认报名" in r.text
    assert "<table" not in r.text
    # bad filters: 400 with a stable code, page and API
    for q in ("date=2026-13-01", "date=yesterday", "stage=大学",
              "name=%25", "name=a_b", "name=" + "张" * 21):
        r = sa.get("/admin/api/worklist?" + q)
        assert r.status_code == 400, q
        assert r.json()["error"]["code"] == "bad_filter", q
        r = sa.get("/admin/worklist?" + q)
        assert r.status_code == 400 and error_code(r) == "bad_filter"
        assert "adm-nav" in r.text       # in the admin layout


def test_day_list_print_and_csv(env, pending):
    zhang, zhou = pending["zhang"], pending["zhou"]
    point = Staff(env, "dc-point")
    today = beijing_today()
    r = point.get("/admin/worklist")
    m = re.search(r'href="(/admin/worklist/print\?[^"]+)"', r.text)
    assert m and "date=%s" % today in m.group(1)
    r = point.get(m.group(1).replace("&amp;", "&"))
    assert r.status_code == 200
    assert "现场确认名单" in r.text and "@media print" not in r.text
    assert 'href="/static/css/admin.css"' in r.text
    assert zhang in r.text and zhou not in r.text
    assert "报名日期：%s" % today in text(r.text).replace(" ", "")
    assert "确认点：东城区教师资格定期注册确认点（交道口）" in \
        text(r.text).replace(" ", "")
    midnight = calendar.timegm(time.strptime(today, "%Y-%m-%d")) - 28800
    n = pending_at(env, "a.point_id = 201 AND a.submitted_at >= %d"
                   % midnight)
    assert "共 %d 人" % n in text(r.text)

    rows = read_csv(point.get("/admin/worklist.csv?date=%s" % today))
    assert rows[0][:5] == ["序号", "报名号", "姓名", "证件类型", "证件号码"]
    mine = [row for row in rows[1:] if row[1] == zhang]
    assert len(mine) == 1
    assert mine[0][2] == "张伟" and mine[0][4] == ZHANG_ID
    assert mine[0][5] == ZHANG_PHONE and mine[0][6] == "小学"
    assert mine[0][10].startswith("东城区教师资格定期注册确认点（交道口）")
    assert [row[0] for row in rows[1:]] == [str(i) for i in
                                            range(1, len(rows))]
    assert zhou not in [row[1] for row in rows[1:]]
    # the export is audited
    assert env.sql("SELECT COUNT(*) FROM audit_log WHERE actor = "
                   "'staff:dc-point' AND action = 'worklist.export'") != "0"


# ---- paging ------------------------------------------------------------------

@pytest.fixture
def page_size_1(env):
    before = env.extra
    env.restart("JszgPageSize 1\n" + before)
    yield
    env.restart(before)


def test_lists_honour_page_size(env, pending, page_size_1):
    sa = Staff(env, "sysadmin")
    n = pending_at(env, "1 = 1")
    assert n >= 3
    b = sa.get("/admin/api/worklist").json()
    assert (b["total"], b["pages"], b["per_page"]) == (n, n, 1)
    assert len(b["applications"]) == 1
    seen = []
    for p in (1, 2, n):
        r = sa.get("/admin/worklist?page=%d" % p)
        assert len(regs(r)) == 1
        seen += regs(r)
        assert re.search(r"共\s*%d\s*条\s*，第\s*%d\s*/\s*%d\s*页"
                         % (n, p, n), text(r.text)), text(r.text)[-400:]
    assert len(set(seen)) == 3
    # the last page has no next link, the first no previous one
    r = sa.get("/admin/worklist?page=%d" % n)
    assert 'rel="next"' not in r.text and 'rel="prev"' in r.text
    assert re.search(r'href="/admin/worklist\?date=&amp;stage=&amp;name='
                     r'&amp;page=1">首页</a>', r.text)
    # past the end: says so, in Chinese, page and API
    r = sa.get("/admin/worklist?page=%d" % (n + 1))
    assert r.status_code == 404 and error_code(r) == "page_not_found"
    assert "第 %d 页不存在：共 %d 条记录，%d 页。" % (n + 1, n, n) in r.text
    assert "<table" not in r.text and "adm-nav" in r.text
    r = sa.get("/admin/api/worklist?page=%d" % (n + 1))
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "page_not_found"
    r = sa.get("/admin/api/worklist?date=2020-01-01&page=2")
    assert r.status_code == 404
    assert "没有符合条件的记录" in r.json()["error"]["message"]
    for bad in ("0", "-1", "x", "1.5", "99999999999999999999999"):
        r = sa.get("/admin/api/worklist?page=" + bad)
        assert r.status_code in (400, 404), bad
        assert r.json()["error"]["code"] in ("bad_page", "page_not_found")
    assert sa.get("/admin/api/worklist?page=0").json()["error"]["code"] \
        == "bad_page"
    # the 待注册审批 queue too: its page count, and no page past the end
    w = int(env.sql("SELECT COUNT(*) FROM applications WHERE status = "
                    "'待注册审批'"))
    assert w < 1000
    b = sa.get("/admin/api/queue").json()
    assert (b["total"], b["pages"], b["per_page"]) == (w, max(w, 1), 1)
    assert len(b["applications"]) == min(w, 1)
    r = sa.get("/admin/queue")
    assert re.search(r"第\s*1\s*/\s*%d\s*页" % max(w, 1), text(r.text))
    r = sa.get("/admin/queue?page=%d" % (max(w, 1) + 1))
    assert r.status_code == 404 and error_code(r) == "page_not_found"
    assert "页不存在" in r.text and "adm-nav" in r.text
    r = sa.get("/admin/api/queue?page=%d" % (max(w, 1) + 1))
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "page_not_found"
    # search pages the same way
    dc = Staff(env, "dc-reviewer")
    total = int(env.sql("SELECT COUNT(*) FROM applications WHERE "
                        "institution_id = 2 AND reg_no LIKE '%110101301%'"))
    assert total >= 2
    b = dc.get("/admin/api/search?q=110101301").json()
    assert b["by"] == "regno" and b["total"] == total
    assert b["pages"] == total and len(b["applications"]) == 1
    r = dc.get("/admin/search?q=110101301&page=2")
    assert len(regs(r)) == 1
    r = dc.get("/admin/api/search?q=110101301&page=%d" % (total + 1))
    assert r.status_code == 404


def test_audit_log_honours_page_size(env, page_size_1):
    """/admin/audit pages by JszgPageSize with the lists' pager, and its
    JSON twin /admin/api/audit answers the same page: each entry with its
    stable action code and Chinese name (system administrators only)."""
    sa = Staff(env, "sysadmin")
    Staff(env, "dc-reviewer")           # a login: one more audit row
    n = int(env.sql("SELECT COUNT(*) FROM audit_log WHERE actor = "
                    "'staff:dc-reviewer'"))
    assert n >= 2
    b = sa.get("/admin/api/audit?actor=dc-reviewer").json()
    assert (b["total"], b["pages"], b["per_page"], b["page"]) == (n, n, 1, 1)
    assert len(b["entries"]) == 1
    e = b["entries"][0]
    assert e["actor"] == "staff:dc-reviewer" and e["actor_text"] == \
        "dc-reviewer"
    assert e["action"] == "login" and e["action_name"] == "登录后台"
    assert isinstance(e["id"], int) and e["at"].endswith("+08:00")
    # the same page as HTML, with the pager of the other lists
    r = sa.get("/admin/audit?actor=dc-reviewer&page=2")
    assert r.status_code == 200
    assert re.search(r"共\s*%d\s*条\s*，第\s*2\s*/\s*%d\s*页" % (n, n),
                     text(r.text)), text(r.text)[-400:]
    assert 'rel="prev"' in r.text
    assert re.search(r'href="/admin/audit\?actor=dc-reviewer&amp;action='
                     r'&amp;target=&amp;from=&amp;to=&amp;page=%d">尾页</a>'
                     % n, r.text), r.text[-1500:]
    rows = r.text.split('id="audit-table"')[1].split("</table>")[0]
    assert rows.count("<tr>") == 2     # the head and one entry
    # filters: action code prefix and the day
    day = beijing_today()
    b = sa.get("/admin/api/audit?actor=dc-reviewer&action=log&from=%s&to=%s"
               % (day, day)).json()
    assert b["total"] >= 1
    assert all(x["action"].startswith("log") for x in b["entries"])
    # past the end: says so, page and API
    r = sa.get("/admin/audit?actor=dc-reviewer&page=%d" % (n + 1))
    assert r.status_code == 404 and error_code(r) == "page_not_found"
    assert "第 %d 页不存在：共 %d 条记录，%d 页。" % (n + 1, n, n) in r.text
    assert 'id="audit-table"' not in r.text
    r = sa.get("/admin/api/audit?actor=dc-reviewer&page=%d" % (n + 1))
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "page_not_found"
    r = sa.get("/admin/api/audit?actor=nobody-at-all&page=2")
    assert r.status_code == 404
    assert "没有符合条件的记录" in r.json()["error"]["message"]
    assert "没有符合条件的记录" in sa.get("/admin/audit?actor=nobody-at-all")\
        .text
    assert sa.get("/admin/api/audit?page=0").json()["error"]["code"] == \
        "bad_page"
    r = sa.get("/admin/api/audit?from=2026-02-30")
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "bad_filter"
    for user in ("dc-point", "dc-reviewer", "bj-province"):
        r = Staff(env, user).get("/admin/api/audit")
        assert r.status_code == 403, user


# ---- search ------------------------------------------------------------------

@pytest.mark.parametrize("q,by", [
    ("张伟", "name"), ("张", "name"), ("伟", "name"),
    (ZHANG_ID, "idno"), (ZHANG_ID.lower(), "idno"), (ZHANG_PHONE, "phone"),
    ("REG6", "regno"), ("REG20", "regno")])
def test_search_by_each_key(env, pending, q, by):
    zhang = pending["zhang"]
    if q == "REG6":
        q = zhang[8:14]
    elif q == "REG20":
        q = zhang
    point = Staff(env, "dc-point")
    r = point.get("/admin/api/search", params={"q": q})
    assert zhang in api_regs(r), (q, r.json())
    assert r.json()["by"] == by
    # the explicit key finds the same
    assert zhang in api_regs(point.get("/admin/api/search",
                                       params={"q": q, "by": by}))
    r = point.get("/admin/search", params={"q": q})
    assert zhang in regs(r)
    assert ZHANG_PHONE in r.text
    # out of scope: another point, institution, province
    for user in ("dc-point2", "xc-reviewer", "hb-province"):
        st = Staff(env, user)
        assert zhang not in api_regs(st.get("/admin/api/search",
                                            params={"q": q}))
        r = st.get("/admin/search", params={"q": q})
        assert zhang not in regs(r)


@pytest.mark.parametrize("q,found", [
    ("张", {"zhang"}), ("伟", {"zhang"}), ("周", {"zhou"}), ("敏", {"zhou"}),
    ("娜", {"li"}), ("张伟", {"zhang"}), ("周敏", {"zhou"}),
    ("李娜", {"li"}), ("明", set()), ("伟张", set()), ("敏周", set())])
def test_search_short_names(env, pending, q, found):
    """One or two characters find the names and the given names that
    start with them, and nobody else, with the count of the same rows
    (on PostgreSQL through the indexes tests/scale/explain.py checks)."""
    sa = Staff(env, "sysadmin")
    b = sa.get("/admin/api/search", params={"q": q, "by": "name"}).json()
    ours = {k for k, reg in pending.items()
            if reg in [a["reg_no"] for a in b["applications"]]}
    assert ours == found, (q, b)
    for a in b["applications"]:
        name = a["applicant_name"]
        assert name.startswith(q) or name[1:].startswith(q), (q, name)
    assert b["total"] == len(b["applications"]) or b["pages"] > 1, b
    r = sa.get("/admin/search", params={"q": q})
    assert {k for k, reg in pending.items() if reg in regs(r)} == found
    assert ("未找到您管辖范围内的报名信息" in r.text) == (not b["total"])


def test_search_scope_across_provinces(env, pending):
    li = pending["li"]
    assert li in api_regs(Staff(env, "hb-province").get(
        "/admin/api/search?q=李"))
    assert li in api_regs(Staff(env, "sysadmin").get(
        "/admin/api/search?q=李娜"))
    for user in ("bj-province", "dc-reviewer", "dc-point", "wh-reviewer"):
        assert li not in api_regs(Staff(env, user).get(
            "/admin/api/search?q=李娜")), user
    r = Staff(env, "bj-province").get("/admin/search?q=李娜")
    assert li not in r.text


def test_search_refusals(env, pending):
    sa = Staff(env, "sysadmin")
    for q, by in (("", ""), ("%", "name"), ("张_", ""), ("x" * 33, ""),
                  ("12", "regno"), ("abc", "regno"), ("1391101000", "phone"),
                  ("张伟", "email")):
        r = sa.get("/admin/api/search", params={"q": q, "by": by})
        assert r.status_code == 400, (q, by)
        assert r.json()["error"]["code"] == "query_invalid"
        if q:
            r = sa.get("/admin/search", params={"q": q, "by": by})
            assert r.status_code == 400 and 'class="adm-error"' in r.text
    # SQL and LIKE metacharacters are data
    r = sa.get("/admin/api/search", params={"q": "' OR '1'='1"})
    assert r.status_code == 200 and r.json()["applications"] == []
    r = sa.get("/admin/search")
    assert r.status_code == 200 and "adm-error" not in r.text


# ---- decided applications and 公示 ----------------------------------------

def confirm(st, reg, env):
    r = st.post("/admin/apps/%s/confirm" % app_id(env, reg),
                {"result": "complete"})
    assert r.status_code == 303, r.text[:300]


def decide(st, reg, env, conclusion, reason=""):
    r = st.post("/admin/apps/%s/decide" % app_id(env, reg),
                {"conclusion": conclusion, "reason": reason})
    assert r.status_code == 303, r.text[:300]


@pytest.fixture(scope="module")
def decided(env, pending):
    """张伟 注册合格 and 周敏 暂缓注册 at 东城, through the staff forms."""
    zhang, zhou = pending["zhang"], pending["zhou"]
    confirm(Staff(env, "dc-point"), zhang, env)
    confirm(Staff(env, "dc-point2"), zhou, env)
    rv = Staff(env, "dc-reviewer")
    decide(rv, zhang, env, "注册合格")
    decide(rv, zhou, env, "暂缓注册", "培训学时不足360学时")
    return {"pass": zhang, "defer": zhou}


def test_decided_lists_per_institution_and_cycle(env, decided):
    ok, defer = decided["pass"], decided["defer"]
    year = env.sql("SELECT cycle_year FROM applications WHERE reg_no = '%s'"
                   % ok)
    dc = Staff(env, "dc-reviewer")
    r = dc.get("/admin/decided?year=%s" % year)
    got = regs(r)
    assert ok in got and defer in got
    assert "注册结论与公示" in r.text
    b = dc.get("/admin/api/decided?year=%s" % year).json()
    counts = {s: int(env.sql(
        "SELECT COUNT(*) FROM applications WHERE institution_id = 2 AND "
        "cycle_year = %s AND status = '%s'" % (year, s)))
        for s in ("注册合格", "暂缓注册", "注册不合格")}
    assert b["result_counts"] == counts
    assert b["total"] == sum(counts.values())
    assert {a["institution_id"] for a in b["applications"]} == {2}
    b = dc.get("/admin/api/decided?year=%s&result=暂缓注册" % year).json()
    assert defer in [a["reg_no"] for a in b["applications"]]
    assert ok not in [a["reg_no"] for a in b["applications"]]
    assert {a["status"] for a in b["applications"]} == {"暂缓注册"}
    # another cycle
    assert ok not in api_regs(dc.get("/admin/api/decided?year=2025"))
    # a 注册机构 sees its own whatever it asks for
    assert ok in api_regs(dc.get("/admin/api/decided?year=%s&inst=3"
                                 % year))
    # scope
    assert ok not in api_regs(Staff(env, "xc-reviewer").get(
        "/admin/api/decided?year=%s" % year))
    bj = Staff(env, "bj-province")
    assert ok in api_regs(bj.get("/admin/api/decided?year=%s&inst=2"
                                 % year))
    assert ok not in api_regs(bj.get("/admin/api/decided?year=%s&inst=3"
                                     % year))
    r = bj.get("/admin/decided?year=%s" % year)
    assert re.search(r'<option value="2">北京市东城区教育委员会</option>',
                     r.text)
    assert "武汉市教育局" not in r.text
    hb = Staff(env, "hb-province")
    assert ok not in api_regs(hb.get("/admin/api/decided?year=%s&inst=2"
                                     % year))
    # a 确认点 has no decided list
    for path in ("/admin/decided", "/admin/api/decided", "/admin/decided.csv",
                 "/admin/decided/publicity"):
        r = Staff(env, "dc-point").get(path)
        assert r.status_code == 403, path
    for q in ("year=1999", "year=x", "result=合格", "inst=abc"):
        r = (bj if q.startswith("inst") else dc).get("/admin/api/decided?"
                                                     + q)
        assert r.status_code == 400, q
        assert r.json()["error"]["code"] == "bad_filter"


def test_publicity_and_csv(env, decided):
    ok, defer = decided["pass"], decided["defer"]
    year = env.sql("SELECT cycle_year FROM applications WHERE reg_no = '%s'"
                   % ok)
    dc = Staff(env, "dc-reviewer")
    r = dc.get("/admin/decided?year=%s" % year)
    m = re.search(r'href="(/admin/decided/publicity\?[^"]+)"', r.text)
    r = dc.get(m.group(1).replace("&amp;", "&"))
    assert r.status_code == 200
    t = text(r.text)
    assert "%s年度中小学教师资格定期注册结果公示" % year in t.replace(" ", "")
    assert "110101********1235" in r.text
    assert ZHANG_ID not in r.text and ZHANG_PHONE not in r.text
    assert "20101110121003456" in r.text
    row = re.search(r"<tr>\s*<td[^>]*>\d+</td>\s*<td>张伟</td>\s*"
                    r"<td>110101\*{8}1235</td>\s*<td>20101110121003456</td>"
                    r"\s*<td>注册合格</td>", r.text)
    assert row, r.text
    assert re.search(r"<td>周敏</td>\s*<td>110108\*{8}4022</td>\s*"
                     r"<td>20121110812002675</td>\s*<td>暂缓注册</td>",
                     r.text)
    assert "北京市东城区教育委员会" in r.text

    rows = read_csv(dc.get("/admin/decided.csv?year=%s" % year))
    head = rows[0]
    assert head[:4] == ["序号", "注册机构", "报名号", "姓名"]
    byreg = {row[2]: dict(zip(head, row)) for row in rows[1:]}
    assert byreg[ok]["姓名"] == "张伟"
    assert byreg[ok]["证件号码（公示）"] == "110101********1235"
    assert byreg[ok]["证书号码"] == "20101110121003456"
    assert byreg[ok]["注册结论"] == "注册合格"
    assert byreg[defer]["注册结论"] == "暂缓注册"
    assert re.match(r"\d{4}-\d{2}-\d{2}$", byreg[ok]["结论日期"])
    rows = read_csv(dc.get("/admin/decided.csv?year=%s&result=注册合格"
                           % year))
    assert ok in [row[2] for row in rows[1:]]
    assert defer not in [row[2] for row in rows[1:]]
    # out of scope: not in another institution's export
    rows = read_csv(Staff(env, "xc-reviewer").get("/admin/decided.csv?year=%s"
                                                  % year))
    assert ok not in [row[2] for row in rows[1:]]


# ---- in a real browser -------------------------------------------------------

def test_pages_in_chromium(env, decided, pending):
    """Each new page at 1366x768, logged in through the form, no
    JavaScript needed for any of them."""
    from selenium.webdriver.common.by import By
    from browser import chromium, viewport_shot
    from test_admin_support import STAFF_PASSWORD

    from selenium.webdriver.support.ui import WebDriverWait

    def wait(d, cond):
        WebDriverWait(d, 10).until(cond)

    def login(d, user):
        d.get(env.url + "/admin/login")
        d.find_element(By.ID, "adm-username").send_keys(user)
        d.find_element(By.ID, "adm-password").send_keys(STAFF_PASSWORD)
        d.find_element(By.CSS_SELECTOR, ".adm-login button").click()
        wait(d, lambda d: d.current_url.endswith("/admin/"))

    def shot(d, name):
        return viewport_shot(d, "lists-%s-%s" % (name, env.engine))

    year = env.sql("SELECT cycle_year FROM applications WHERE reg_no = '%s'"
                   % decided["pass"])
    d = chromium(1366, 768)
    try:
        login(d, "hb-province")
        d.get(env.url + "/admin/worklist")
        assert d.find_element(By.TAG_NAME, "h1").text.startswith("待现场确认名单")
        assert pending["li"] in d.page_source
        d.find_element(By.ID, "w-name").send_keys("李")
        d.find_element(By.CSS_SELECTOR, ".adm-worklist button").click()
        wait(d, lambda d: "name=%E6%9D%8E" in d.current_url)
        shot(d, "worklist")
        d.find_element(By.LINK_TEXT, "打印当日名单").click()
        wait(d, lambda d: "/admin/worklist/print" in d.current_url)
        shot(d, "worklist-print")
        d.get(env.url + "/admin/search")
        d.find_element(By.ID, "adm-q").send_keys("李娜")
        d.find_element(By.CSS_SELECTOR, ".adm-search button").click()
        wait(d, lambda d: "q=" in d.current_url)
        wait(d, lambda d: pending["li"] in d.page_source)
        shot(d, "search")
        d.quit()
        d = chromium(1366, 768)
        login(d, "dc-reviewer")
        d.get(env.url + "/admin/decided?year=%s" % year)
        assert decided["pass"] in d.page_source
        shot(d, "decided")
        d.find_element(By.LINK_TEXT, "打印公示名单").click()
        wait(d, lambda d: "110101********1235" in d.page_source)
        shot(d, "publicity")
    finally:
        d.quit()
