"""The request path of a page (issue 15, 'trim the rest of the request
path'): what httpd does around the module's handler.

- A page is not a file: a request that <Location> gives to the module
  (SetHandler jszg) is taken out of the file system at map_to_storage,
  as mod_proxy does for what it proxies: no directory walk (a stat per
  segment of the URI, <Directory> sections, .htaccess), r->filename
  "jszg:" and the URI, no type from mod_mime.  Static files are walked as before.  <Location> sections
  still decide access.
- The database connection goes back to mod_dbd's pool when the handler
  is done, not when httpd has written the answer to the client, logged
  it and freed the request: a slow reader holds no connection."""
import os
import threading
import time

import requests


def test_pages_are_not_files_static_files_are(env):
    log = os.path.join(env.root, "logs", "files_log")
    if os.path.exists(log):
        os.unlink(log)
    env.restart('LogFormat "%U %s %f" jszgfiles\n'
                'CustomLog "' + log + '" jszgfiles')
    try:
        assert env.get("/news").status_code == 200
        assert env.get("/platform", allow_redirects=False).status_code \
            in (302, 303)
        assert env.get("/no/such/page.gz").status_code == 404
        assert env.get("/static/css/site.css").status_code == 200
        assert env.get("/favicon.ico").status_code == 200
        seen = {}
        for _ in range(50):
            if os.path.exists(log):
                for line in open(log, encoding="utf-8"):
                    uri, status, fn = line.split()
                    seen.setdefault(uri, (status, fn))
            if len(seen) >= 5:
                break
            time.sleep(0.1)
        for page in ("/news", "/platform", "/no/such/page.gz"):
            assert seen[page][1] == "jszg:" + page, seen
        # a page's error answer (ErrorDocument /_error) is a page too
        assert seen["/no/such/page.gz"][0] == "404"
        css = seen["/static/css/site.css"][1]
        assert css.endswith("/static/css/site.css") and os.path.isfile(css)
        assert os.path.isfile(seen["/favicon.ico"][1])
        # mod_mime read no extension of the page's path as an encoding
        r = env.get("/no/such/page.gz")
        assert "Content-Encoding" not in r.headers
        assert r.headers["Content-Type"].startswith("text/html")
    finally:
        env.restart()


def test_location_still_decides_access(env):
    env.expect_log(r"AH01630: client denied by server configuration: "
                   r"jszg:/notices")
    # (<If> merges after every <Location>, the server root's too)
    env.restart("<If \"%{REQUEST_URI} == '/notices'\">\n"
                "    Require all denied\n</If>")
    try:
        r = env.get("/notices")
        assert r.status_code == 403
        assert "中国教师资格网" in r.text      # httpd's 403 in the layout
        assert env.get("/news").status_code == 200
    finally:
        env.restart()


def test_a_slow_reader_holds_no_database_connection(env):
    """One connection in mod_dbd's pool: a request kept after its handler
    (as by a client reading its answer slowly) must not keep the next
    page waiting for that connection."""
    env.restart("DBDMin 0\nDBDKeep 1\nDBDMax 1")
    try:
        assert env.get("/notices").status_code == 200    # warm
        slow = {}

        def held():
            t = time.time()
            slow["status"] = requests.get(
                env.url + "/news", timeout=30,
                headers={"X-Jszg-Test-Hold-After": "8"}).status_code
            slow["took"] = time.time() - t

        th = threading.Thread(target=held)
        th.start()
        time.sleep(1.0)             # its handler is done, it is held
        t = time.time()
        r = env.get("/notices")
        took = time.time() - t
        th.join()
        assert r.status_code == 200 and slow["status"] == 200
        assert slow["took"] >= 7.5, slow
        # before: the held request kept the one connection until its end,
        # and this page waited for it (about 7 s)
        assert took < 4, took
    finally:
        env.restart()
