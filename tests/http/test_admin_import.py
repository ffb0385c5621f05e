"""Back office CSV import: the dry run reports every bad row by line
number and reason; apply is one transaction (a bad row anywhere changes
nothing); UTF-8 with BOM and GB18030 are both read."""
import datetime
import re

import pytest

from test_account_lib import valid_id
from test_admin_support import Staff
from test_wizard import api, api_walk_to, reset

BEIJING = datetime.timezone(datetime.timedelta(hours=8))

GOOD_ID = "110101198503151235"        # 张伟 (seed)
OTHER_ID = "11010519491231002X"       # GB 11643's own example


def upload(st, kind, text, mode="dry", encoding="utf-8", name="data.csv",
           **kw):
    return st.post("/admin/import", {"kind": kind, "mode": mode},
                   files={"file": (name, text.encode(encoding), "text/csv")},
                   **kw)


def training_count(env, course):
    return int(env.sql("SELECT COUNT(*) FROM training_hours WHERE course = "
                       "'%s'" % course))


def test_dry_run_lists_every_bad_row(env):
    st = Staff(env, "bj-province")
    csv = ("证件号码,年度,学时,培训项目\r\n"
           "%s,2023,120,干训A\r\n"
           "110101198503151234,2023,120,干训A\r\n"      # bad check digit
           "%s,1899,120,干训A\r\n"                      # year
           "%s,2024,abc,干训A\r\n"                      # hours
           "%s,2024,50\r\n"                             # columns
           "%s,2024,50,\r\n" % (GOOD_ID, GOOD_ID, GOOD_ID, GOOD_ID, GOOD_ID))
    r = upload(st, "training", csv)
    assert r.status_code == 422
    text = r.text
    for line, reason in ((3, "证件号码"), (4, "年度"), (5, "学时"),
                         (6, "应有4列"), (7, "培训项目")):
        assert "<td>%d</td><td>" % line in text, line
        assert reason in text
    assert "<td>2</td><td>" not in text
    assert training_count(env, "干训A") == 0
    row = env.sql("SELECT state || '|' || rows_total || '|' || rows_bad "
                  "FROM import_batches ORDER BY id DESC LIMIT 1")
    assert row == "checked|6|5"


def test_apply_with_a_bad_row_in_the_middle_changes_nothing(env):
    st = Staff(env, "sysadmin")
    before = env.sql("SELECT COUNT(*) FROM annual_assessments")
    csv = ("证件号码,年度,考核结果,单位\n"
           "%s,2016,合格,甲校\n"
           "%s,2017,优等,甲校\n"                 # not a grade
           "%s,2018,合格,甲校\n" % (OTHER_ID, OTHER_ID, OTHER_ID))
    r = upload(st, "assessments", csv, mode="apply")
    assert r.status_code == 422
    assert "未导入任何数据" in r.text and "<td>3</td>" in r.text
    assert env.sql("SELECT COUNT(*) FROM annual_assessments") == before
    # the same file fixed goes in, all rows at once
    r = upload(st, "assessments", csv.replace("优等", "优秀"), mode="apply")
    assert r.status_code == 200 and "已导入3行" in r.text
    assert int(env.sql("SELECT COUNT(*) FROM annual_assessments")) \
        == int(before) + 3
    assert env.sql("SELECT grade FROM annual_assessments WHERE id_number = "
                   "'%s' AND year = 2017" % OTHER_ID) == "优秀"
    assert env.sql("SELECT state FROM import_batches ORDER BY id DESC "
                   "LIMIT 1") == "applied"
    assert env.sql("SELECT COUNT(*) FROM audit_log WHERE action = "
                   "'import.apply' AND actor = 'staff:sysadmin'") != "0"


def test_duplicates_and_structure(env):
    st = Staff(env, "sysadmin")
    csv = ("证件号码,年度,考核结果,单位\n"
           "%s,2012,合格,乙校\n%s,2012,合格,乙校\n" % (OTHER_ID, OTHER_ID))
    r = upload(st, "assessments", csv)
    assert "与第2行重复" in r.text
    r = upload(st, "assessments", "证件号码,年度,考核结果,单位\n"
               "%s,2012,\"合格,乙校\n" % OTHER_ID)
    assert r.status_code == 400 and "引号没有结束" in r.text
    assert "<td>2</td>" in r.text
    r = upload(st, "assessments", "年度,考核结果\n2012,合格\n")
    assert "表头" in r.text


def test_gb18030_and_bom(env):
    st = Staff(env, "sysadmin")
    csv = "证件号码,记录日期,结论,说明\r\n%s,2024-06-30,合格,年度师德考核\r\n" \
        % OTHER_ID
    r = upload(st, "ethics", csv, mode="apply", encoding="gb18030")
    assert r.status_code == 200 and "已导入1行" in r.text
    assert env.sql("SELECT note FROM ethics_records WHERE id_number = '%s' "
                   "AND recorded_on = '2024-06-30'" % OTHER_ID) \
        == "年度师德考核"
    r = upload(st, "ethics", "\ufeff" + csv.replace("2024-06-30",
                                                    "2024-02-30"))
    assert r.status_code == 422 and "记录日期" in r.text


def test_certificates_province_scope(env):
    bj = Staff(env, "bj-province")
    head = "证书号码,姓名,证件类型,证件号码,性别,资格种类,任教学科,认定机构," \
        "省份代码,认定日期,状态\n"
    row = "20201110121099901,测试甲,居民身份证,%s,男,2,数学," \
        "北京市东城区教育委员会,%s,2020-07-01,有效\n"
    r = upload(bj, "certificates", head + row % (OTHER_ID, "420000"))
    assert r.status_code == 422 and "只能导入本省的证书" in r.text
    r = upload(bj, "certificates", head + row % (OTHER_ID, "110000"),
               mode="apply")
    assert r.status_code == 200, r.text[-800:]
    assert env.sql("SELECT kind_name || '|' || source FROM certificates "
                   "WHERE cert_no = '20201110121099901'") \
        == "小学教师资格|registry"
    # the province's own certificate may be corrected (the upsert's update)
    r = upload(bj, "certificates", head + (row % (OTHER_ID, "110000"))
               .replace(",数学,", ",语文,"), mode="apply")
    assert r.status_code == 200, r.text[-800:]
    assert env.sql("SELECT subject FROM certificates WHERE cert_no = "
                   "'20201110121099901'") == "语文"
    # identity data is for system admins only
    r = upload(bj, "identity", "证件类型,证件号码,姓名\n居民身份证,%s,某\n"
               % OTHER_ID)
    assert r.status_code == 400


def test_import_roles(env):
    for user in ("dc-point", "dc-reviewer"):
        st = Staff(env, user)
        assert st.get("/admin/import").status_code == 403
        r = upload(st, "training", "证件号码,年度,学时,培训项目\n")
        assert r.status_code == 403


# ---- issue 13 (2): every province inside its own province -------------------

CERT_HEAD = "证书号码,姓名,证件类型,证件号码,性别,资格种类,任教学科,认定机构," \
    "省份代码,认定日期,状态\n"
LINA_ID = "420106199007082460"           # 李娜: 湖北 certificates 3 and 4
WANG_ID = "420102198609032241"           # 王静: 湖北 certificate 13, no account


def report_counts(text):
    """(数据行, 通过, 有问题) as the report shows them."""
    m = re.search(r"数据行 <strong>(-?\d+)</strong>，通过 <strong>(-?\d+)"
                  r"</strong>，有问题 <strong[^>]*>(-?\d+)</strong>", text)
    assert m, text[-1500:]
    return tuple(int(x) for x in m.groups())


def reported(text):
    """[(line, reason)] of the report's error table."""
    return [(int(a), b) for a, b in
            re.findall(r"<tr><td>(\d+)</td><td>([^<]*)</td></tr>", text)]


def test_province_admin_cannot_overwrite_another_provinces_certificate(env):
    bj = Staff(env, "bj-province")
    before = env.sql("SELECT holder_name || '|' || province_code || '|' || "
                     "status FROM certificates WHERE cert_no = "
                     "'20134210232005821'")
    assert before == "李娜|420000|有效"
    # the issue's row: 湖北's certificate, 省份代码 110000, status 撤销
    row = ("20134210232005821,李娜,居民身份证,%s,女,3,语文,武汉市武昌区教育局,"
           "110000,2013-06-28,撤销\n" % LINA_ID)
    r = upload(bj, "certificates", CERT_HEAD + row, mode="apply")
    assert r.status_code == 422
    assert (2, "该证书属于湖北省，只能由该省修改") in reported(r.text)
    assert env.sql("SELECT holder_name || '|' || province_code || '|' || "
                   "status FROM certificates WHERE cert_no = "
                   "'20134210232005821'") == before
    # nor with 湖北's code (not its province)
    r = upload(bj, "certificates", CERT_HEAD + row.replace("110000",
                                                           "420000"))
    assert r.status_code == 422 and "只能导入本省的证书" in r.text
    # 证书查询 still says it is valid
    assert env.sql("SELECT status FROM certificates WHERE cert_no = "
                   "'20134210232005821'") == "有效"
    # 湖北's own admin may correct it (dry run: the seed stays as it is)
    hb = Staff(env, "hb-province")
    r = upload(hb, "certificates", CERT_HEAD + row.replace("110000",
                                                           "420000"))
    assert r.status_code == 200, reported(r.text)


@pytest.mark.parametrize("user", ["bj-province", "sysadmin"])
def test_certificate_number_must_agree_with_the_row(env, user):
    st = Staff(env, user)
    good = ("20201110121099902,测试乙,居民身份证,%s,男,2,数学,北京市东城区"
            "教育委员会,110000,2020-07-01,有效\n" % OTHER_ID)
    rows = [good,
            good.replace("2020-07-01", "2021-07-01"),       # year
            good.replace(",男,2,", ",男,3,"),               # kind
            good.replace(",男,2,", ",女,2,"),               # sex
            good.replace("20201110121099902",               # province
                         "20204210121099902")]
    r = upload(st, "certificates", CERT_HEAD + "".join(rows))
    assert r.status_code == 422
    assert reported(r.text) == [
        (3, "证书号码中的认定年份与认定日期不一致"),
        (4, "证书号码中的资格种类代码与资格种类列不一致"),
        (5, "证书号码中的性别代码与性别列不一致"),
        (6, "证书号码中的省份代码与省份代码列不一致")]
    assert report_counts(r.text) == (5, 1, 4)


def test_no_date_in_the_future(env):
    sa = Staff(env, "sysadmin")
    r = upload(sa, "certificates", CERT_HEAD
               + "20301110121099903,测试丙,居民身份证,%s,男,2,数学,北京市东城区"
                 "教育委员会,110000,2030-07-01,有效\n" % OTHER_ID
               + "20261110121099904,测试丙,居民身份证,%s,男,2,数学,北京市东城区"
                 "教育委员会,110000,2026-12-31,有效\n" % OTHER_ID)
    assert reported(r.text) == [(2, "证书号码中的认定年份不能晚于今年"),
                                (3, "认定日期不能晚于今天")]
    r = upload(sa, "assessments", "证件号码,年度,考核结果,单位\n"
               "%s,2031,优秀,甲校\n" % OTHER_ID, mode="apply")
    assert reported(r.text) == [(2, "年度不能晚于今年")]
    r = upload(sa, "training", "证件号码,年度,学时,培训项目\n"
               "%s,2031,120,未来培训\n" % OTHER_ID, mode="apply")
    assert reported(r.text) == [(2, "年度不能晚于今年")]
    r = upload(sa, "ethics", "证件号码,记录日期,结论,说明\n"
               "%s,2099-01-01,不合格,未来记录\n" % OTHER_ID, mode="apply")
    assert reported(r.text) == [(2, "记录日期不能晚于今天")]
    assert env.sql("SELECT COUNT(*) FROM annual_assessments WHERE year = "
                   "2031") == "0"
    assert env.sql("SELECT COUNT(*) FROM ethics_records WHERE recorded_on "
                   "= '2099-01-01'") == "0"
    assert training_count(env, "未来培训") == 0
    # "today" is the Beijing date of the request, test clock included:
    # on 2026-06-01 (Beijing) a record of 2026-06-02 is in the future
    june1 = str(int(datetime.datetime(2026, 6, 1, 12, 0, tzinfo=BEIJING)
                    .timestamp()))
    csv = ("证件号码,记录日期,结论,说明\n%s,2026-06-02,合格,时钟\n"
           % OTHER_ID)
    r = upload(sa, "ethics", csv, headers={"X-Jszg-Test-Now": june1})
    assert reported(r.text) == [(2, "记录日期不能晚于今天")]
    r = upload(sa, "ethics", csv)
    assert r.status_code == 200 and reported(r.text) == []


def test_person_rows_belong_to_a_province(env):
    """年度考核/培训学时/师德 rows of a province admin: only for people of the
    province (newest application's 注册机构, else certificates)."""
    bj = Staff(env, "bj-province")
    hb = Staff(env, "hb-province")
    before = env.sql("SELECT COUNT(*) FROM annual_assessments")
    csv = ("证件号码,年度,考核结果,单位\n"
           "%s,2022,不合格,甲校\n"          # 张伟: 北京 certificates
           "%s,2022,不合格,甲校\n"          # 王静: 湖北 certificate only
           "%s,2022,不合格,甲校\n"          # nobody the registry knows
           % (GOOD_ID, WANG_ID, valid_id()))
    r = upload(bj, "assessments", csv, mode="apply")
    assert r.status_code == 422
    errs = reported(r.text)
    assert [e[0] for e in errs] == [3, 4], errs
    assert all("不属于本省" in e[1] for e in errs), errs
    assert report_counts(r.text) == (3, 1, 2)
    assert env.sql("SELECT COUNT(*) FROM annual_assessments") == before
    for kind, head, row in (
            ("training", "证件号码,年度,学时,培训项目", "%s,2022,10,越权培训"),
            ("ethics", "证件号码,记录日期,结论,说明", "%s,2022-05-01,不合格,越权")):
        r = upload(bj, kind, head + "\n" + row % WANG_ID + "\n",
                   mode="apply")
        assert r.status_code == 422 and "不属于本省" in r.text, kind
    assert training_count(env, "越权培训") == 0
    assert env.sql("SELECT COUNT(*) FROM ethics_records WHERE note = "
                   "'越权'") == "0"
    # 湖北 may (dry run), the system admin has the national scope
    r = upload(hb, "assessments", "证件号码,年度,考核结果,单位\n"
               "%s,2022,合格,甲校\n" % WANG_ID)
    assert r.status_code == 200, reported(r.text)
    r = upload(Staff(env, "sysadmin"), "assessments", csv)
    assert r.status_code == 200, reported(r.text)
    # a lower-case x is the same person: written as accounts store it
    r = upload(Staff(env, "sysadmin"), "assessments", "证件号码,年度,考核结果,"
               "单位\n44030519870822615x,2001,合格,深圳某校\n", mode="apply")
    assert r.status_code == 200, reported(r.text)
    assert env.sql("SELECT id_number FROM annual_assessments WHERE year = "
                   "2001 AND unit = '深圳某校'") == "44030519870822615X"


def test_person_province_follows_the_newest_application(env):
    """李娜 holds 湖北 certificates but applied in 北京 (东城): 北京 now
    keeps her records, 湖北 no longer may."""
    reset(env, 2)
    s = env.login_as(2)
    api_walk_to(env, s, 6, cert="20134210232005821", stage="初级中学",
                subject="语文")
    key = env.get("/api/v1/dqzc/wizard/6", s).json()["submit_key"]
    r = api(env, s, "POST", "/api/v1/dqzc/wizard/6",
            data={"choice": "agree", "submit_key": key})
    assert r.status_code == 201, r.text
    csv = "证件号码,年度,考核结果,单位\n%s,2023,合格,和平里中学\n" % LINA_ID
    r = upload(Staff(env, "hb-province"), "assessments", csv)
    assert r.status_code == 422 and "不属于本省" in r.text
    r = upload(Staff(env, "bj-province"), "assessments", csv)
    assert r.status_code == 200, reported(r.text)
    reset(env, 2)


def test_report_counts_never_negative(env):
    st = Staff(env, "sysadmin")
    head = "证件号码,年度,考核结果,单位\n"
    # header only
    r = upload(st, "assessments", head)
    assert r.status_code == 422
    assert report_counts(r.text) == (0, 0, 0)
    assert "文件中只有表头" in r.text
    # binary
    r = st.post("/admin/import", {"kind": "assessments", "mode": "dry"},
                files={"file": ("x.csv", b"\x00\x01\x02PK\x03\x04" * 20,
                                "text/csv")})
    assert r.status_code == 400 and report_counts(r.text) == (0, 0, 0)
    # neither UTF-8 nor GB18030
    r = st.post("/admin/import", {"kind": "assessments", "mode": "dry"},
                files={"file": ("x.csv", b"\xff\xfe\xff\xfe\x80\x80",
                                "text/csv")})
    assert r.status_code == 400 and report_counts(r.text) == (0, 0, 0)
    assert "编码" in r.text
    # a bad header: no row passes
    r = upload(st, "assessments", "证件号码,年度,结果,单位\n%s,2012,合格,乙校\n"
               % OTHER_ID)
    assert report_counts(r.text) == (1, 0, 0) and "表头缺少" in r.text


def test_csv_error_keeps_the_row_errors_before_it(env):
    st = Staff(env, "sysadmin")
    csv = ("证件号码,年度,考核结果,单位\n"
           "%s,2012,合格,乙校\n"
           "%s,2012,优等,乙校\n"                 # bad grade
           "%s,1800,合格,乙校\n"                 # bad year
           "%s,2014,合格,\"乙校\n"               # quote never closed
           "%s,2015,合格,乙校\n" % ((OTHER_ID,) * 5))
    r = upload(st, "assessments", csv, mode="apply")
    assert r.status_code == 400
    errs = reported(r.text)
    assert [e[0] for e in errs] == [3, 4, 5]
    assert "考核结果" in errs[0][1] and "年度" in errs[1][1]
    assert errs[2][1] == "引号没有结束"
    rows, good, bad = report_counts(r.text)
    assert (rows, good, bad) == (3, 0, 2)


def test_control_and_format_characters_refused_per_row(env):
    """The text rule of every field holds for imported cells too: a
    zero-width space or a bidi override is the row's error, by column."""
    st = Staff(env, "bj-province")
    csv = ("证件号码,年度,学时,培训项目\r\n"
           "%s,2023,120,干训\u200bB\r\n"
           "%s,2023,120,\u202eB训干\r\n"
           "%s,2023,120,干训B\r\n" % (GOOD_ID, GOOD_ID, GOOD_ID))
    r = upload(st, "training", "\ufeff" + csv)
    assert r.status_code == 422
    errs = reported(r.text)
    assert [e[0] for e in errs] == [2, 3], errs
    assert all(e[1].startswith("第4列含有不可见的控制字符") for e in errs), errs
