"""Back office (issue 14): one field vocabulary.  An application made
THROUGH THE WIZARD, confirmed by a 确认点, shows only Chinese labels on
the staff page and in /admin/api/apps/{id}, and 办理人 as people."""
import json
import re

from test_admin import confirm
from test_admin_support import Staff
from test_records import submit

LATIN = re.compile(r"[A-Za-z_]{3,}")


def wizard_app(env):
    s = env.login_as(1)
    reg_no = submit(env, s)
    app_id = env.sql("SELECT id FROM applications WHERE reg_no = '%s'"
                     % reg_no)
    return reg_no, app_id


def label_cells(html):
    """The th cells of the 网上申报信息 table and the 办理人 cells."""
    m = re.search(r'<section class="adm-fields">(.*?)</section>', html, re.S)
    assert m, "no 网上申报信息 section"
    labels = re.findall(r'<th scope="row"[^>]*>(.*?)</th>', m.group(1),
                        re.S)
    titles = re.findall(r'<th[^>]*scope="colgroup"[^>]*>(.*?)</th>',
                        m.group(1), re.S)
    assert titles, "no group titles"
    labels_all = labels + titles
    m = re.search(r'<section class="adm-events">(.*?)</section>', html, re.S)
    assert m, "no 办理记录 section"
    actors = re.findall(r'<td class="adm-actor"[^>]*>(.*?)</td>', m.group(1),
                        re.S)
    return labels, labels_all, actors


def test_staff_page_of_a_wizard_application_is_chinese(env):
    reg_no, app_id = wizard_app(env)
    point = Staff(env, "dc-point")
    r = confirm(point, app_id)
    assert r.status_code == 303, r.text[:500]
    r = point.get("/admin/apps/%s" % app_id)
    assert r.status_code == 200
    labels, labels_all, actors = label_cells(r.text)
    assert len(labels) >= 20, labels
    bad = [x for x in labels_all if LATIN.search(x)]
    assert not bad, bad
    for want in ("户籍所在地", "本单位聘用起始日期", "岗位性质", "毕业学校",
                 "最高学历专业类别", "证书号码", "注册机构", "确认点"):
        assert want in labels, (want, labels)
    # values as people read them: the school's name, the institution's
    assert "北京市东城区和平里东街15号" in r.text
    assert len(actors) == 2, actors
    assert actors[0].startswith("申请人"), actors
    assert "张伟" in actors[0]
    assert actors[1].startswith("确认点 工作人员"), actors
    assert not any(LATIN.search(a) for a in actors), actors

    # the JSON twin: the same labels and actors
    j = point.get("/admin/api/apps/%s" % app_id).json()
    jl = [f["label"] for f in j["fields"]]
    assert jl == labels
    assert all(set(f) >= {"key", "label", "value"} for f in j["fields"])
    assert [e["actor_text"] for e in j["events"]] == actors
    # every key the wizard wrote is either shown or an internal one
    data = json.loads(env.sql("SELECT data FROM applications WHERE id = %s"
                              % app_id))
    shown = {(f["group"], f["key"]) for f in j["fields"]}
    internal = {("cert", k) for k in ("id", "kind", "province_code",
                                      "selectable")}
    internal |= {("person", "grad_school_name"), ("choice", "province"),
                 ("choice", "city")}
    for g, obj in data.items():
        for k in obj:
            assert (g, k) in shown or (g, k) in internal, (g, k)
    # ids are shown by name, never as numbers
    values = {f["key"]: f["value"] for f in j["fields"]}
    assert values["grad_school"] == "北京师范大学"
    assert values["institution_id"] == j["application"]["institution_name"]
    assert values["point_id"] == j["application"]["point_name"]
    assert values["source"] == "全国教师资格信息库"


def test_staff_page_in_chromium(env):
    """The staff page of a wizard application at 1366x768, as a 确认点
    clerk sees it after 现场确认: labels in Chinese, 办理人 by name."""
    from browser import chromium, screenshot
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait
    from test_admin_support import STAFF_PASSWORD
    reg_no, app_id = wizard_app(env)
    assert confirm(Staff(env, "dc-point"), app_id).status_code == 303
    d = chromium(1366, 768)
    try:
        d.get(env.url + "/admin/apps/%s" % app_id)
        d.find_element(By.ID, "adm-username").send_keys("dc-point")
        d.find_element(By.ID, "adm-password").send_keys(STAFF_PASSWORD)
        d.find_element(By.CSS_SELECTOR, ".adm-login button").click()
        WebDriverWait(d, 10).until(ec.presence_of_element_located(
            (By.CSS_SELECTOR, ".adm-fieldtable")))
        screenshot(d, "admin-app-top-%s" % env.engine)
        table = d.find_element(By.CSS_SELECTOR, ".adm-fieldtable")
        d.execute_script("arguments[0].scrollIntoView()", table)
        screenshot(d, "admin-app-fields-%s" % env.engine)
        heads = [e.text for e in table.find_elements(By.CSS_SELECTOR, "th")]
        assert heads and not [h for h in heads if LATIN.search(h)], heads
        actors = [e.text for e in d.find_elements(By.CSS_SELECTOR,
                                                  ".adm-actor")]
        assert actors[0] == "申请人 张伟", actors
    finally:
        d.quit()


def test_applicant_detail_uses_the_vocabulary(env):
    """详情 shows 个人信息 with the same labels as the staff page, in the
    vocabulary's order (通讯地址 last, across the row)."""
    s = env.login_as(1)
    reg_no = submit(env, s)
    html = env.get("/platform/dqzc/records/%s" % reg_no, s).text
    m = re.search(r'<table class="grid rec-fields"[^>]*>(.*?)</table>',
                  html, re.S)
    assert m
    heads = re.findall(r"<th>(.*?)</th>", m.group(1))
    point = Staff(env, "dc-point")
    app_id = env.sql("SELECT id FROM applications WHERE reg_no = '%s'"
                     % reg_no)
    j = point.get("/admin/api/apps/%s" % app_id).json()
    s_fields = [f["label"] for f in j["fields"] if f["group"] == "person"]
    assert heads == s_fields
    assert heads[-1] == "通讯地址"
    assert '<td colspan="3">北京市东城区和平里东街15号</td>' in m.group(1)
    assert "北京师范大学" in m.group(1)


def form_labels(html):
    """{field: label} of partials/person_fields as rendered."""
    got = {}
    for key, inner in re.findall(r'<label for="f-([a-z_]+)">(.*?)'
                                 r'<span class="req">', html, re.S):
        if key != "photo":      # the photo's upload, beside the fields
            got[key] = re.sub(r"<[^>]+>", "", inner).strip()
    m = re.search(r'<fieldset class="wz-school" id="grad-school">\s*'
                  r'<legend>(.*?)</legend>', html, re.S)
    assert m, "no 毕业学校 fieldset"
    got["grad_school"] = m.group(1)
    return got


def test_one_vocabulary_on_form_staff_page_and_pdf(env):
    """The field names of the applicant's form (wizard step 2 and 修改),
    of the staff page and of the PDF are all the vocabulary's: the staff
    API's labels (jszg_rules.c), so a label edited in one place only (a
    template, the PDF, the vocabulary) fails here.  The form's template
    writes no field name of its own."""
    import os
    import subprocess
    from jszg_env import OUT
    from test_wizard import api_walk_to, reset

    s = env.login_as(1)
    reset(env, 1)
    api_walk_to(env, s, 2)
    step2 = env.get("/platform/dqzc/wizard/2", s)
    assert step2.status_code == 200
    reg_no = submit(env, s)
    app_id = env.sql("SELECT id FROM applications WHERE reg_no = '%s'"
                     % reg_no)
    point = Staff(env, "dc-point")
    j = point.get("/admin/api/apps/%s" % app_id).json()
    vocab = {(f["group"], f["key"]): f["label"] for f in j["fields"]}
    person = {k: v for (g, k), v in vocab.items() if g == "person"}
    assert len(person) == 19, person
    # the staff page: the vocabulary's labels, in its order
    labels, _, _ = label_cells(point.get("/admin/apps/%s" % app_id).text)
    assert labels == [f["label"] for f in j["fields"]]
    # the applicant's form, in the wizard and on 修改
    assert form_labels(step2.text) == person
    edit = env.get("/platform/dqzc/records/%s/edit" % reg_no, s)
    assert edit.status_code == 200
    assert form_labels(edit.text) == person
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "..", "..", "htdocs", "templates",
                           "partials", "person_fields.html")) as f:
        tpl = f.read()
    written = [v for v in person.values() if v in tpl]
    assert not written, written
    # the PDF: every field it prints under the vocabulary's label
    r = env.get("/platform/dqzc/records/%s/pdf" % reg_no, s)
    assert r.status_code == 200
    os.makedirs(OUT, exist_ok=True)
    pdf = os.path.join(OUT, "vocab-form-%s.pdf" % env.engine)
    with open(pdf, "wb") as f:
        f.write(r.content)
    text = subprocess.run(["pdftotext", pdf, "-"], capture_output=True,
                          text=True, check=True).stdout
    flat = "".join(text.split())
    printed = [("identity", k) for k in ("name", "sex", "ethnicity",
               "birth_date", "id_type", "id_number")]
    printed += [("person", k) for k in person]
    printed.remove(("person", "hukou"))     # not on the paper form
    printed += [("cert", k) for k in ("cert_no", "kind_name", "subject",
                                      "authority_name", "issued_on")]
    printed += [("choice", k) for k in ("stage", "subject",
                                        "institution_id", "point_id")]
    missing = [vocab[k] for k in printed if vocab[k] not in flat]
    assert not missing, (missing, text)
    # words the old form had instead of the vocabulary's
    for old in ("邮政编码", "颁发机关", "普通话等级", "聘用时间"):
        assert old not in flat, old


STATUS_NAMES = ("网报待确认", "待注册审批", "确认未通过", "注册合格",
                "暂缓注册", "注册不合格")


def test_status_names_come_from_the_rules_core():
    """No C string of the module spells a status of the machine: code,
    SQL and messages use JSZG_ST_* (jszg_rules.h), so the names live in
    one place.  (现场确认未通过 and 定期注册合格 are words of their own.)"""
    import glob
    import os
    here = os.path.dirname(os.path.abspath(__file__))
    src = os.path.join(here, "..", "..", "mod_jszg")
    bad = []
    for path in sorted(glob.glob(os.path.join(src, "**", "*.[ch]"),
                                 recursive=True)):
        if os.path.basename(path) == "jszg_rules.h":
            continue
        with open(path, encoding="utf-8") as f:
            text = f.read()
        text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
        for lit in re.findall(r'"((?:[^"\\\n]|\\.)*)"', text):
            for name in STATUS_NAMES:
                for m in re.finditer(name, lit):
                    before = lit[max(0, m.start() - 2):m.start()]
                    if before not in ("现场", "定期"):
                        bad.append((os.path.basename(path), lit))
    assert not bad, bad
