"""Disk full / upload directory unwritable (issue 8).

Step 2 of the wizard (填写注册信息, with the 1寸 photo) when the photo
cannot be stored:
- JszgUploadDir made unwritable (chmod 000; the children run as www-data);
- disk full: a 64 KiB tmpfs mounted on JszgUploadDir/photos and filled
  until less than the photo is free, so the write fails half-way (ENOSPC).
Either way: a clear Chinese error (API: 503 `upload_failed`; the page:
the step-2 form again with the message and the typed values), the draft
unchanged (still at step 1, no photo), no application, no half-written
file left behind, and the log line (JSZG16001) is the only one.  Once the
directory is writable again the same request goes through.
"""
import os
import pwd
import re
import subprocess

import pytest

from faultlib import (CHOICE, INSTITUTION, PERSON, POINT, Client, cert_no,
                      login_many, make_applicants, photo)

UPLOAD_LOG = r"JSZG16001: cannot store an uploaded photo"
MESSAGE = "照片保存失败"


def draft(env, acct):
    return env.sql("SELECT step_done, data FROM wizard_drafts WHERE "
                   "account_id = %d" % acct)


def start(env, acct):
    s = login_many(env, [acct])[acct]
    c = Client(env, acct, [], s)
    r = c.call("POST", "/api/v1/dqzc/start",
               data={"institution_id": INSTITUTION, "point_id": POINT,
                     "stage": "小学"})
    assert r.status_code == 201, r.text
    r = c.call("POST", "/api/v1/dqzc/wizard/1", data={"agree": "1"})
    assert r.status_code == 200, r.text
    return c


def step2(c):
    return c.call("POST", "/api/v1/dqzc/wizard/2",
                  data=dict(PERSON, cert_no=cert_no(c.account)),
                  files={"photo": ("photo.jpg", photo("good"),
                                   "image/jpeg")})


def files_under(path):
    out = []
    for d, _, fs in os.walk(path):
        out += [os.path.join(d, f) for f in fs]
    return out


def check_refused(env, c, before):
    r = step2(c)
    assert r.status_code == 503, r.text
    err = r.json()["error"]
    assert err["code"] == "upload_failed"
    assert MESSAGE in err["message"]
    # nothing half-saved
    assert draft(env, c.account) == before
    assert env.sql("SELECT COUNT(*) FROM applications WHERE account_id = %d"
                   % c.account) == "0"
    # the page: the form again, with the message and what was typed
    page = env.get("/platform/dqzc/wizard/2", c.s)
    assert page.status_code == 200
    csrf = re.search(r'name="_csrf" value="([^"]+)"', page.text).group(1)
    r = env.post("/platform/dqzc/wizard/2", c.s,
                 data=dict(PERSON, cert_no=cert_no(c.account), _csrf=csrf),
                 files={"photo": ("photo.jpg", photo("good"),
                                  "image/jpeg")})
    assert r.status_code == 503
    assert MESSAGE in r.text
    assert PERSON["address"] in r.text
    assert draft(env, c.account) == before


def test_upload_dir_unwritable(env):
    env.expect_log(UPLOAD_LOG)
    acct = make_applicants(env, 7200 if env.engine == "pgsql" else 7250,
                           1)[0]
    c = start(env, acct)
    before = draft(env, acct)
    assert before.startswith("1|")
    up = os.path.join(env.root, "uploads")
    os.chmod(up, 0)
    try:
        check_refused(env, c, before)
    finally:
        os.chmod(up, 0o755)
    r = step2(c)
    assert r.status_code == 200, r.text
    assert draft(env, acct).startswith("2|")
    r = c.call("POST", "/api/v1/dqzc/wizard/3", data=CHOICE)
    assert r.status_code == 200, r.text


def test_upload_disk_full(env, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    env.expect_log(UPLOAD_LOG)
    acct = make_applicants(env, 7300 if env.engine == "pgsql" else 7350,
                           1)[0]
    c = start(env, acct)
    before = draft(env, acct)
    photos = os.path.join(env.root, "uploads", "photos")
    os.makedirs(photos, exist_ok=True)
    saved = files_under(photos)
    www = pwd.getpwnam("www-data")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k,mode=0755,uid=%d,gid=%d"
         % (www.pw_uid, www.pw_gid), "jszg-fault", photos],
        capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here: " + mounted.stderr)
    try:
        # fill it, leaving one page: the photo (4.7 KB) is cut short
        st = os.statvfs(photos)
        free = st.f_bavail * st.f_frsize
        with open(os.path.join(photos, "filler"), "wb") as f:
            f.write(b"\0" * (free - 4096))
        assert 0 < os.statvfs(photos).f_bavail * st.f_frsize \
            < len(photo("good"))
        check_refused(env, c, before)
        # no half-written photo left behind
        assert files_under(photos) == [os.path.join(photos, "filler")], \
            files_under(photos)
    finally:
        subprocess.run(["umount", photos], check=True)
    assert files_under(photos) == saved
    r = step2(c)
    assert r.status_code == 200, r.text
    assert draft(env, acct).startswith("2|")
