"""make_app (test_admin_support) writes what the wizard writes: the
back-office tests see applications in the shape users make them (issue
14: a flat hand-written applications.data hid internal keys shown as
labels on the staff page)."""
from test_admin_support import (WIZARD_CERT, app_row, make_app,
                                new_app_row, wizard_app)
from test_records import submit

# what only the moment and the numbering decide
VARYING = ("reg_no", "photo_path", "submitted_at", "updated_at")


def key_tree(d):
    """The keys of a nested dict, with their nesting."""
    return {k: key_tree(v) if isinstance(v, dict) else None
            for k, v in d.items()}


def assert_same(wizard, derived):
    (wrow, wevents), (mrow, mevents) = wizard, derived
    assert key_tree(mrow["data"]) == key_tree(wrow["data"])
    assert mrow["data"] == wrow["data"]
    for col in wrow:
        if col not in VARYING:
            assert mrow[col] == wrow[col], col
    drop = ("at",)
    assert ([{k: v for k, v in e.items() if k not in drop} for e in mevents]
            == [{k: v for k, v in e.items() if k not in drop}
                for e in wevents])


def test_make_app_is_what_the_wizard_writes(env):
    """张伟 through the wizard (a fresh walk, not the one make_app keeps)
    and make_app for the same input: every column, the data groups and
    their keys, the event (actor applicant:1, 网上报名提交)."""
    wizard_app(env)
    reg = submit(env, env.login_as(1))
    wizard = app_row(env, "reg_no = '%s'" % reg)
    assert set(wizard[0]["data"]) == {"identity", "cert", "person", "choice"}
    assert wizard[1][0]["actor"] == "applicant:1"
    assert_same(wizard, new_app_row(env, cert_no=WIZARD_CERT))


def test_make_app_of_another_holder_and_institution(env):
    """周敏 (account 8) through the wizard at 东城 point 202, 幼儿园, and
    李娜 (account 2) at 武汉 武昌 (10, point 1001), 初级中学 语文, and
    make_app for them: their identity, their choice, the personal data
    (the certificate group is the kept application's, under another
    number)."""
    for account, walk, mk in (
            (8, dict(cert="20121110812002675", stage="幼儿园",
                     subject="幼儿园", point="202"),
             dict(point=202, stage="幼儿园", subject="幼儿园")),
            (2, dict(institution="10", point="1001",
                     cert="20134210232005821", stage="初级中学",
                     subject="语文", province="420000", city="420100"),
             dict(institution=10, point=1001, stage="初级中学",
                  subject="语文"))):
        check_holder(env, account, walk, mk)


def check_holder(env, account, walk, mk):
    reg = submit(env, env.login_as(account), account=account, **walk)
    wizard = app_row(env, "reg_no = '%s'" % reg)
    row, events = new_app_row(env, account=account,
                              cert_no=walk["cert"], **mk)
    assert row["data"]["identity"] == wizard[0]["data"]["identity"]
    assert row["data"]["choice"] == wizard[0]["data"]["choice"]
    assert row["data"]["person"] == wizard[0]["data"]["person"]
    assert events == [dict(wizard[1][0], at=events[0]["at"])]
    for col in ("account_id", "cert_no", "institution_id", "point_id",
                "stage", "subject", "status", "cycle_year"):
        assert row[col] == wizard[0][col], col


def test_make_app_rows_read_back(env):
    """What make_app inserts reads back as new_app_row made it, moved on
    by the confirmation point's staff."""
    app = make_app(env, institution=3, point=301, account=8,
                   status="待注册审批", stage="幼儿园", subject="语文")
    row, events = app_row(env, "id = %s" % app)
    assert row["status"] == "待注册审批" and row["account_id"] == "8"
    assert row["data"]["choice"]["institution_id"] == "3"
    assert row["data"]["identity"]["name"] == "周敏"
    assert events[0]["actor"] == "applicant:8"
    assert events[0]["note"] == "网上报名提交"
    # confirmed by 西城's point through the back office
    assert [(e["actor"], e["from_status"], e["to_status"])
            for e in events[1:]] == [("staff:xc-point", "网报待确认",
                                      "待注册审批")]
