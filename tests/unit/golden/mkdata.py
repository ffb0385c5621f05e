#!/usr/bin/python3
"""Representative data for a page and its layout (tests/unit/golden):
every path the templates read gets a value, every data-each two items
holding the paths read inside it.

    mkdata.py plain|nasty|empty PAGE.html LAYOUT.html > golden/NAME.VARIANT.json

NAME is the template name with "/" as "__" (admin/home -> admin__home);
admin/ pages go in admin/layout.html, the others in layout.html.  Then
JSZG_GOLDEN_WRITE=1 build/test_view (run from tests/unit) writes the
.html beside it.  Partials are not expanded: give a page that includes
one the data it needs by hand, or generate from the page before the
include was introduced, as was done for the existing pages."""
import json, re, sys
import xml.etree.ElementTree as ET

VALUES = {
    'plain': ['张三', '/records/1', 'ok', 2024, True, '2026-12-01'],
    'nasty': ['<b>"x" & \'y\'</b>', 'javascript:alert(1)',
              ' 中文 /a b?c=1&d=<2>#f', '<!--"-->&{"}', 12, 1.5, True,
              "'", 'HTTPS://x/"y"'],
}
DIRECTIVE = re.compile(r'data-(text|if|unless|attr-.+|class-.+)$')

def paths_of(el):
    """(leaf paths, [(each path, child scope)]) read in el's scope."""
    leaves, loops = [], []
    def walk(e, top):
        for k, v in e.attrib.items():
            v = v.lstrip('!')
            if k == 'data-each' and not top:
                loops.append((v, e))
                return
            if DIRECTIVE.match(k) and v and v != '.' and not v.startswith('#'):
                leaves.append(v)
        for c in e:
            walk(c, False)
    walk(el, True)
    return leaves, loops

def setp(obj, path, val):
    segs = path.split('.')
    for s in segs[:-1]:
        nxt = obj.get(s)
        if not isinstance(nxt, dict):
            nxt = {}
            obj[s] = nxt
        obj = nxt
    if segs[-1] not in obj:
        obj[segs[-1]] = val

def build(el, variant, counter, top):
    o = {}
    leaves, loops = paths_of(el) if not top else ([], [])
    if top:
        for r in el:
            l2, lo2 = paths_of(r)
            leaves += l2
            loops += lo2
            if 'data-each' in r.attrib:
                loops.append((r.attrib['data-each'], r))
    for path, e in loops:
        setp(o, path, [build(e, variant, counter, False) for _ in range(2)])
    for p in leaves:
        counter[0] += 1
        vals = VALUES[variant]
        setp(o, p, vals[counter[0] % len(vals)])
    return o

def main():
    variant = sys.argv[1]
    if variant == 'empty':
        print('{}')
        return
    root = ET.Element('all')
    for f in sys.argv[2:]:
        root.append(ET.parse(f).getroot())
    print(json.dumps(build(root, variant, [0], True), ensure_ascii=False,
                     indent=1, sort_keys=True))

main()
