"""Shared pieces of the accessibility tests (issue 19; no tests here):
axe-core (vendored in tests/vendor/axe-core, see its README) injected
into one headless Chromium, run at the widths the issue names, and a
report of every violation under build/test-output/."""
import json
import os
import sys

from selenium.webdriver.support.ui import WebDriverWait

from browser import chromium
from jszg_env import OUT, TOP

# the route table walker of the security suite (sec_lib.World, concrete)
sys.path.append(os.path.join(TOP, "tests", "security"))

AXE = os.path.join(TOP, "tests", "vendor", "axe-core", "axe.min.js")
WIDTHS = ((1366, 900), (390, 844))
FAIL_IMPACTS = ("serious", "critical")

# Rules switched off, each with its reason.  Keep this list short.
DISABLED = {
    # 排队等候 (jszg_admission.c) refreshes itself for visitors without
    # JavaScript: the refresh is what moves them in, keeps their place
    # and says so on the page (WCAG 2.2.1 "essential" exception).  The
    # check runs everywhere else.
    "meta-refresh": ("排队等候",),
}

RUN = """
var cb = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ['violations'], rules: arguments[0]})
  .then(function (r) {
    cb(r.violations.map(function (v) {
      return {id: v.id, impact: v.impact, help: v.help,
              nodes: v.nodes.map(function (n) {
                return {target: n.target.join(' '),
                        summary: (n.failureSummary || '').slice(0, 300)};
              })};
    }));
  }, function (e) { cb({error: String(e)}); });
"""


class Axe:
    """One browser for a whole test; check() runs axe on the page it
    shows at every width and collects what it finds."""

    def __init__(self, env):
        self.env = env
        self.d = chromium(*WIDTHS[0])
        self.d.set_script_timeout(60)
        with open(AXE, encoding="utf-8") as f:
            src = f.read()
        # injected by DevTools before any page script: the site's CSP
        # (no inline or foreign script) does not apply to it
        self.d.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument",
                               {"source": src})
        self.found = []             # (label, width, violation)
        self.pages = 0

    def quit(self):
        self.d.quit()

    # ---- sessions ------------------------------------------------------
    def cookies(self, s=None):
        """Use the cookies of requests.Session s (None: a new visitor)."""
        d = self.d
        if not d.current_url.startswith(self.env.url):
            d.get(self.env.url + "/static/css/site.css")
        d.delete_all_cookies()
        for c in (s.cookies if s is not None else []):
            d.add_cookie({"name": c.name, "value": c.value, "path": "/"})

    # ---- checks --------------------------------------------------------
    def open(self, path):
        self.d.get(self.env.url + path)
        self.wait_loaded()

    def wait_loaded(self):
        WebDriverWait(self.d, 15).until(lambda d: d.execute_script(
            "return document.readyState === 'complete' && !!window.axe"))

    def check(self, label):
        """axe on the current page at each width."""
        d = self.d
        title = d.title
        rules = {}
        for rule, titles in DISABLED.items():
            if any(t in title for t in titles):
                rules[rule] = {"enabled": False}
        for w, h in WIDTHS:
            d.set_window_size(w, h)
            res = d.execute_async_script(RUN, rules)
            assert not isinstance(res, dict), (label, res)
            for v in res:
                self.found.append((label, w, v))
        d.set_window_size(*WIDTHS[0])
        self.pages += 1

    def submit_empty(self, form_selector):
        """Submit the form with its visible text fields emptied, as a
        hurried user would (no client-side checks: form.submit())."""
        d = self.d
        d.execute_script("window.__a11y_old = 1;")
        ok = d.execute_script(
            "var f = document.querySelector(arguments[0]);"
            "if (!f) return false;"
            "f.querySelectorAll('input, textarea').forEach(function (e) {"
            "  var t = (e.type || 'text').toLowerCase();"
            "  if (['hidden','submit','button','checkbox','radio','file',"
            "       'image','reset'].indexOf(t) < 0) e.value = '';"
            "});"
            "var b = f.querySelector('button[type=submit][name]"
            ":not([tabindex=\"-1\"])');"
            "if (b) { var i = document.createElement('input');"
            "  i.type = 'hidden'; i.name = b.name; i.value = b.value;"
            "  f.appendChild(i); }"
            "HTMLFormElement.prototype.submit.call(f); return true;",
            form_selector)
        if not ok:
            return False
        WebDriverWait(self.d, 15).until(lambda d: d.execute_script(
            "return !window.__a11y_old && document.readyState === "
            "'complete' && !!window.axe"))
        return True

    # ---- the verdict ---------------------------------------------------
    def report(self, part):
        """Write the report; return the lines of serious/critical ones."""
        os.makedirs(OUT, exist_ok=True)
        bad, other = [], []
        for label, w, v in self.found:
            line = "%-8s %-22s %4dpx %s: %s — %s" % (
                v["impact"], v["id"], w, label, v["help"],
                "; ".join(n["target"] for n in v["nodes"][:5]))
            (bad if v["impact"] in FAIL_IMPACTS else other).append(line)
        path = os.path.join(OUT, "a11y-axe-%s-%s.txt"
                            % (part, self.env.engine))
        with open(path, "w", encoding="utf-8") as f:
            f.write("axe-core %s, %d page states, widths %s\n" % (
                axe_version(), self.pages,
                ", ".join(str(w) for w, _ in WIDTHS)))
            f.write("\n== serious/critical (fail) ==\n")
            f.write("\n".join(bad) + "\n")
            f.write("\n== minor/moderate (listed) ==\n")
            f.write("\n".join(other) + "\n")
            f.write("\n== details ==\n")
            json.dump([{"page": lb, "width": w, "violation": v}
                       for lb, w, v in self.found], f, ensure_ascii=False,
                      indent=1)
        print("\naxe: %d page states; %d serious/critical, %d minor/"
              "moderate (%s)" % (self.pages, len(bad), len(other), path))
        for line in other:
            print("  " + line)
        return bad


def axe_version():
    with open(AXE, encoding="utf-8") as f:
        return f.readline().split("axe v")[-1].strip()
