"""Back office CSV import: the dry run reports every bad row by line
number and reason; apply is one transaction (a bad row anywhere changes
nothing); UTF-8 with BOM and GB18030 are both read."""
from test_admin_support import Staff

GOOD_ID = "110101198503151235"        # 张伟 (seed)
OTHER_ID = "11010519491231002X"       # GB 11643's own example


def upload(st, kind, text, mode="dry", encoding="utf-8", name="data.csv"):
    return st.post("/admin/import", {"kind": kind, "mode": mode},
                   files={"file": (name, text.encode(encoding), "text/csv")})


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
    for line in (2, 3):
        assert "<td>%d</td><td>第4列含有不可见的控制字符" % line in r.text, \
            r.text[-3000:]
    assert "<td>4</td><td>" not in r.text
