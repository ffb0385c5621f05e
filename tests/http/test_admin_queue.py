"""The 待注册审批 queue counts at most QUEUE_COUNT_CAP rows
(mod_jszg/jszg_admin_apps.c): past it the page says "共 1000 条以上" and
the pager goes on while rows keep coming; smaller queues (a 注册机构's,
a filtered one) keep their exact total.  The rows past the cap are
inserted in one INSERT ... WITH RECURSIVE (the same SQL on SQLite and
PostgreSQL) and deleted at the end: the database is shared by the
whole session."""
import re
import time

from test_admin_support import Staff, make_app, reg_no_of

CAP = 1000                  # QUEUE_COUNT_CAP
PAGE = 10                   # JszgPageSize (the default)
WAITING = "待注册审批"
BULK_INST, BULK_POINT = 4, 401      # 朝阳: no test staff, no other test


def bulk_insert(env, first, last):
    """Waiting applications numbered first..last of 朝阳, reg_no 'Q…'
    (20 characters, unlike any real one)."""
    now = int(time.time())
    env.sql("INSERT INTO applications (reg_no, account_id, cert_no, "
            "cert_kind_name, cert_subject, cert_source, cycle_year, "
            "institution_id, point_id, stage, subject, status, has_message, "
            "data, photo_path, submitted_at, updated_at) "
            "WITH RECURSIVE n(k) AS (SELECT %d UNION ALL SELECT k + 1 FROM n "
            "WHERE k < %d) "
            "SELECT 'Q' || CAST(1000000000000000000 + k AS TEXT), 1, "
            "'2098' || CAST(1000000000000 + k AS TEXT), '小学教师资格', "
            "'数学', 'registry', 2026, %d, %d, '小学', '数学', '%s', 0, "
            "'{}', 'photos/none.jpg', %d, %d + k FROM n"
            % (first, last, BULK_INST, BULK_POINT, WAITING, now, now))


def bulk_delete(env):
    env.sql("DELETE FROM applications WHERE reg_no LIKE 'Q%%' AND "
            "institution_id = %d" % BULK_INST)


def waiting(env, where="1 = 1"):
    return int(env.sql("SELECT COUNT(*) FROM applications WHERE status = "
                       "'%s' AND %s" % (WAITING, where)))


def shown_total(r):
    """The heading's "共 N 条[以上]", tags stripped."""
    assert r.status_code == 200, r.text[:300]
    m = re.search(r"<h1>待注册审批 <small>(.*?)</small></h1>", r.text, re.S)
    assert m, r.text[:500]
    return re.sub(r"<[^>]*>", "", m.group(1))


def next_page(r):
    m = re.search(r'<a href="/admin/queue\?page=(\d+)[^"]*">下一页</a>',
                  r.text)
    return int(m.group(1)) if m else None


def prev_page(r):
    m = re.search(r'<a href="/admin/queue\?page=(\d+)[^"]*">上一页</a>',
                  r.text)
    return int(m.group(1)) if m else None


def row_ids(r):
    return re.findall(r'<a href="/admin/apps/(\d+)">', r.text)


def api(staff, query=""):
    """/admin/api/queue, checked against the page of the same query."""
    r = staff.get("/admin/api/queue" + query)
    assert r.status_code == 200, r.text[:300]
    assert r.headers["Content-Type"].startswith("application/json")
    b = r.json()
    page = staff.get("/admin/queue" + query)
    assert [str(a["id"]) for a in b["applications"]] == row_ids(page)
    shown = "共 %d 条%s" % (b["total"], "以上" if b["total_capped"] else "")
    assert shown_total(page) == shown
    assert b["has_next"] == (next_page(page) is not None)
    return b


def test_queue_count_capped(env):
    sa = Staff(env, "sysadmin")
    dc = Staff(env, "dc-reviewer")
    # one waiting application of 东城 for the scoped queue
    app = make_app(env)
    env.sql("UPDATE applications SET status = '%s' WHERE id = %s"
            % (WAITING, app))
    before = waiting(env)
    assert 0 < before < CAP
    try:
        # under the cap, and at it: exact, no "以上"
        assert shown_total(sa.get("/admin/queue")) == "共 %d 条" % before
        bulk_insert(env, 1, CAP - before)
        assert waiting(env) == CAP
        r = sa.get("/admin/queue")
        assert shown_total(r) == "共 %d 条" % CAP
        assert "以上" not in shown_total(r)
        assert next_page(r) == 2 and prev_page(r) is None
        assert len(row_ids(r)) == PAGE
        last = CAP // PAGE
        r = sa.get("/admin/queue?page=%d" % (last - 1))
        assert next_page(r) == last
        r = sa.get("/admin/queue?page=%d" % last)
        assert len(row_ids(r)) == PAGE
        assert next_page(r) is None and prev_page(r) == last - 1

        # one more: the count stops at the cap and says so
        bulk_insert(env, CAP - before + 1, CAP - before + 1)
        assert waiting(env) == CAP + 1
        r = sa.get("/admin/queue")
        assert shown_total(r) == "共 %d 条以上" % CAP
        assert next_page(r) == 2 and len(row_ids(r)) == PAGE
        b = api(sa)
        assert b["total"] == CAP and b["total_capped"] and b["has_next"]
        assert b["page"] == 1 and len(b["applications"]) == PAGE
        # the pager goes on past the cap while rows keep coming
        r = sa.get("/admin/queue?page=%d" % last)
        assert shown_total(r) == "共 %d 条以上" % CAP
        assert len(row_ids(r)) == PAGE and next_page(r) == last + 1
        r = sa.get("/admin/queue?page=%d" % (last + 1))
        assert len(row_ids(r)) == 1
        assert next_page(r) is None and prev_page(r) == last
        b = api(sa, "?page=%d" % (last + 1))
        assert len(b["applications"]) == 1 and not b["has_next"]
        # every row is on exactly one page
        seen = set()
        for p in (1, last, last + 1):
            ids = row_ids(sa.get("/admin/queue?page=%d" % p))
            assert not seen & set(ids)
            seen |= set(ids)
        assert len(seen) == 2 * PAGE + 1

        # a filtered national queue under the cap is exact
        reg = reg_no_of(env, app)
        r = sa.get("/admin/queue?q=%s" % reg)
        assert shown_total(r) == "共 1 条" and row_ids(r) == [app]
        assert next_page(r) is None
        b = api(sa, "?q=%s" % reg)
        assert b["total"] == 1 and not b["total_capped"]
        assert b["applications"][0]["reg_no"] == reg
        r = sa.get("/admin/queue?stage=幼儿园")
        n = waiting(env, "stage = '幼儿园'")
        assert shown_total(r) == "共 %d 条" % n

        # a 注册机构's own queue is unaffected: exact
        mine = waiting(env, "institution_id = 2")
        assert mine >= 1
        r = dc.get("/admin/queue")
        assert shown_total(r) == "共 %d 条" % mine
        b = api(dc)
        assert b["total"] == mine and not b["total_capped"]
        assert {a["institution_id"] for a in b["applications"]} == {2}
        assert app in row_ids(dc.get("/admin/queue?q=%s" % reg))
    finally:
        bulk_delete(env)
    assert waiting(env) == before
    assert shown_total(sa.get("/admin/queue")) == "共 %d 条" % before


def test_queue_api_refusals(env):
    """Bad filters answer a JSON error and change nothing; the roles
    without a queue, applicants and strangers are refused."""
    sa = Staff(env, "sysadmin")
    for query in ("?page=0", "?page=x", "?stage=大学", "?q=" + "9" * 33,
                  "?q=%27%20OR%201%3D1--&page=-1"):
        r = sa.get("/admin/api/queue" + query)
        assert r.status_code == 400, (query, r.status_code)
        assert r.json()["error"]["code"] == "bad_filter"
        assert "筛选条件不正确" in r.json()["error"]["message"]
    # SQL metacharacters in a valid-length search are data, not SQL
    r = sa.get("/admin/api/queue?q=%27%20OR%20%271%27%3D%271")
    assert r.status_code == 200 and r.json()["applications"] == []
    assert r.json()["total"] == 0
    # a confirmation point has no 注册审批 queue
    r = Staff(env, "dc-point").get("/admin/api/queue")
    assert r.status_code == 403
    # logged out, or an applicant's session: 401 as JSON
    assert env.get("/admin/api/queue", env.session()).status_code == 401
    r = env.get("/admin/api/queue", env.login_as(1))
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "admin_login_required"
