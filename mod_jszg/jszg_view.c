/*
 * jszg_view.c - the template engine (see jszg_view.h for the language).
 *
 * Two phases:
 *  - compile (once per template, single-threaded): parse with libxml2
 *    (XML_PARSE_NONET | XML_PARSE_NODICT, never NOENT), check the
 *    directives and hang a pool-allocated elem_t on every element's
 *    _private: its output name, static attributes and directives.
 *  - fill (per request, any thread): walk the template tree read-only and
 *    build a fresh HTML document with xmlNewDocNode / xmlNewDocText /
 *    xmlNewProp / xmlSetProp, which take data literally and escape it on
 *    output, then serialize it with xmlSaveToBuffer in HTML mode and free
 *    every libxml2 allocation before returning.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_cstr.h>
#include <apr_file_info.h>
#include <apr_file_io.h>
#include <apr_hash.h>
#include <apr_strings.h>

#include <libxml/HTMLtree.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlsave.h>

#include "jszg_view.h"

#define PARSE_OPTIONS (XML_PARSE_NONET | XML_PARSE_NODICT)
#define SAVE_OPTIONS  (XML_SAVE_AS_HTML | XML_SAVE_NO_DECL)
#define MAX_DIR_DEPTH 16

/* ------------------------------------------------------------------ */
/* Compiled templates                                                  */

typedef enum {
    DA_ATTR,                    /* data-attr-NAME  */
    DA_CLASS                    /* data-class-NAME */
} dattr_kind;

typedef struct dattr_t dattr_t;
struct dattr_t {
    dattr_kind kind;
    const char *name;           /* NAME part */
    const char *path;
    int is_bool;
    int is_url;
    dattr_t *next;
};

typedef struct sattr_t sattr_t;
struct sattr_t {
    const char *name;
    const char *value;
    sattr_t *next;
};

typedef struct {
    const char *path;
    int neg;
} cond_t;

typedef struct {
    const char *name;           /* output element name */
    sattr_t *attrs;             /* static attributes, template order */
    dattr_t *dattrs;            /* data-attr-* / data-class-* */
    const char *text;           /* data-text */
    const char *each;           /* data-each */
    cond_t if_;                 /* data-if */
    cond_t unless;              /* data-unless */
    int slot;                   /* data-slot="content" */
    int cond;                   /* may produce 0 or n copies */
} elem_t;

typedef struct {
    const char *name;           /* template name */
    const char *file;           /* for messages */
    xmlDocPtr doc;
} tpl_t;

struct jszg_view {
    apr_pool_t *pool;
    apr_hash_t *tpls;           /* name -> tpl_t* */
};

typedef struct {
    apr_pool_t *p;              /* where elem_t live */
    const char *file;
    const char *err;
} compile_t;

static const char *const bool_attrs[] = {
    "checked", "selected", "disabled", "readonly", "required", "hidden",
    "multiple", "autofocus", "novalidate", "open", NULL
};

static const char *const url_attrs[] = {
    "href", "src", "action", "formaction", "poster", "cite", "background",
    "data", "longdesc", "manifest", "icon", NULL
};

static int in_list(const char *const *list, const char *name)
{
    for (; *list; list++) {
        if (apr_cstr_casecmp(*list, name) == 0) {
            return 1;
        }
    }
    return 0;
}

static int is_raw_text(const xmlChar *name)
{
    return xmlStrcasecmp(name, BAD_CAST "script") == 0
           || xmlStrcasecmp(name, BAD_CAST "style") == 0;
}

static int compile_fail(compile_t *cc, xmlNodePtr n, const char *fmt,
                        const char *arg)
{
    long line = n ? xmlGetLineNo(n) : -1;
    const char *msg = apr_psprintf(cc->p, fmt, arg);

    cc->err = line > 0 ? apr_psprintf(cc->p, "%s:%ld: %s", cc->file, line, msg)
                       : apr_psprintf(cc->p, "%s: %s", cc->file, msg);
    return -1;
}

/* "a.b.c", ".", "#index", "#number"; "!" only where a condition is. */
static int path_ok(const char *path, int allow_neg)
{
    const char *s = path;

    if (allow_neg && *s == '!') {
        s++;
    }
    if (!strcmp(s, ".") || !strcmp(s, "#index") || !strcmp(s, "#number")) {
        return 1;
    }
    if (*s == '\0' || *s == '.') {
        return 0;
    }
    for (; *s; s++) {
        if ((unsigned char)*s <= ' ' || *s == '!' || *s == '#') {
            return 0;
        }
        if (*s == '.' && (s[1] == '.' || s[1] == '\0')) {
            return 0;
        }
    }
    return 1;
}

/* An attribute's value; refuses entity references in it. */
static const char *attr_value(compile_t *cc, xmlAttrPtr a)
{
    xmlNodePtr t;
    const char *v = "";

    for (t = a->children; t != NULL; t = t->next) {
        if (t->type != XML_TEXT_NODE) {
            compile_fail(cc, a->parent, "entity reference in attribute %s",
                         (const char *)a->name);
            return NULL;
        }
        v = apr_pstrcat(cc->p, v, (const char *)t->content, NULL);
    }
    return v;
}

static const char *qname(apr_pool_t *p, const xmlChar *name, xmlNsPtr ns)
{
    if (ns != NULL && ns->prefix != NULL) {
        return apr_pstrcat(p, (const char *)ns->prefix, ":",
                           (const char *)name, NULL);
    }
    return apr_pstrdup(p, (const char *)name);
}

static int name_ok(const char *name)
{
    const char *s = name;

    if (*s == '\0') {
        return 0;
    }
    for (; *s; s++) {
        if ((unsigned char)*s <= ' ' || strchr("\"'<>/=", *s)) {
            return 0;
        }
    }
    return 1;
}

/* data-attr-NAME: names that would put data into script, CSS or HTML. */
static int attr_forbidden(const char *elem, const char *name)
{
    static const char *const never[] = {
        "style", "srcdoc", "http-equiv", NULL
    };

    if (apr_cstr_casecmpn(name, "on", 2) == 0 || in_list(never, name)) {
        return 1;
    }
    if (!apr_cstr_casecmp(elem, "script") && !apr_cstr_casecmp(name, "src")) {
        return 1;
    }
    return !apr_cstr_casecmp(elem, "base") && !apr_cstr_casecmp(name, "href");
}

static int compile_dattr(compile_t *cc, xmlNodePtr n, elem_t *e,
                         dattr_kind kind, const char *name, const char *path)
{
    dattr_t *d, **tail;

    if (!name_ok(name)) {
        return compile_fail(cc, n, "bad attribute name in data-*-%s", name);
    }
    if (!path_ok(path, 0)) {
        return compile_fail(cc, n, "bad path \"%s\"", path);
    }
    if (kind == DA_ATTR && attr_forbidden(e->name, name)) {
        return compile_fail(cc, n, "data-attr-%s is not allowed here", name);
    }
    d = apr_pcalloc(cc->p, sizeof(*d));
    d->kind = kind;
    d->name = name;
    d->path = path;
    d->is_bool = kind == DA_ATTR && in_list(bool_attrs, name);
    d->is_url = kind == DA_ATTR && in_list(url_attrs, name);
    for (tail = &e->dattrs; *tail != NULL; tail = &(*tail)->next)
        ;
    *tail = d;
    return 0;
}

static int compile_cond(compile_t *cc, xmlNodePtr n, cond_t *c,
                        const char *path)
{
    if (!path_ok(path, 1)) {
        return compile_fail(cc, n, "bad path \"%s\"", path);
    }
    c->neg = *path == '!';
    c->path = path + c->neg;
    return 0;
}

static int is_directive(const char *name)
{
    return !strcmp(name, "data-text") || !strcmp(name, "data-if")
           || !strcmp(name, "data-unless") || !strcmp(name, "data-each")
           || !strcmp(name, "data-slot") || !strncmp(name, "data-attr-", 10)
           || !strncmp(name, "data-class-", 11);
}

static int compile_path(compile_t *cc, xmlNodePtr n, const char **dst,
                        const char *path)
{
    *dst = path;
    return path_ok(path, 0) ? 0
           : compile_fail(cc, n, "bad path \"%s\"", path);
}

static int compile_directive(compile_t *cc, xmlNodePtr n, elem_t *e,
                             const char *name, const char *v)
{
    if (!strcmp(name, "data-text")) {
        return compile_path(cc, n, &e->text, v);
    }
    if (!strcmp(name, "data-slot")) {
        e->slot = 1;
        return !strcmp(v, "content") ? 0
               : compile_fail(cc, n, "unknown slot \"%s\"", v);
    }
    if (!strncmp(name, "data-attr-", 10)) {
        return compile_dattr(cc, n, e, DA_ATTR, name + 10, v);
    }
    if (!strncmp(name, "data-class-", 11)) {
        return compile_dattr(cc, n, e, DA_CLASS, name + 11, v);
    }
    e->cond = 1;
    if (!strcmp(name, "data-each")) {
        return compile_path(cc, n, &e->each, v);
    }
    return compile_cond(cc, n, !strcmp(name, "data-if") ? &e->if_
                                                        : &e->unless, v);
}

/* Sorts one attribute into a directive or a static attribute. */
static int compile_attr(compile_t *cc, xmlNodePtr n, elem_t *e,
                        xmlAttrPtr a, int raw, sattr_t ***tail)
{
    const char *name = (const char *)a->name;
    const char *v = attr_value(cc, a);
    sattr_t *s;

    if (v == NULL) {
        return -1;
    }
    if (a->ns == NULL && is_directive(name)) {
        /* script and style contents are written raw: keep data away */
        if (raw || (!strcmp(name, "data-text") && is_raw_text(n->name))) {
            return compile_fail(cc, n, "%s is not allowed in or on "
                                "<script>/<style>", name);
        }
        return compile_directive(cc, n, e, name, v);
    }
    s = apr_pcalloc(cc->p, sizeof(*s));
    s->name = qname(cc->p, a->name, a->ns);
    s->value = v;
    **tail = s;
    *tail = &s->next;
    return 0;
}

static int compile_elem(compile_t *cc, xmlNodePtr n, int raw)
{
    elem_t *e = apr_pcalloc(cc->p, sizeof(*e));
    sattr_t **tail = &e->attrs;
    xmlAttrPtr a;

    e->name = qname(cc->p, n->name, n->ns);
    for (a = n->properties; a != NULL; a = a->next) {
        if (compile_attr(cc, n, e, a, raw, &tail) < 0) {
            return -1;
        }
    }
    if (e->cond && n->parent != NULL
        && n->parent->type == XML_DOCUMENT_NODE) {
        return compile_fail(cc, n, "%s", "data-each/data-if/data-unless "
                            "are not allowed on the root element");
    }
    n->_private = e;
    return 0;
}

static int compile_tree(compile_t *cc, xmlNodePtr n, int raw)
{
    for (; n != NULL; n = n->next) {
        switch (n->type) {
        case XML_ELEMENT_NODE:
            if (compile_elem(cc, n, raw) < 0
                || compile_tree(cc, n->children,
                                raw || is_raw_text(n->name)) < 0) {
                return -1;
            }
            break;
        case XML_ENTITY_REF_NODE:
            return compile_fail(cc, n, "entity reference &%s; is not "
                                "supported, write the character itself",
                                (const char *)n->name);
        default:
            break;
        }
    }
    return 0;
}

static int compile_doc(compile_t *cc, xmlDocPtr doc)
{
    xmlNodePtr root = xmlDocGetRootElement(doc);

    if (doc->intSubset != NULL && doc->intSubset->children != NULL) {
        return compile_fail(cc, (xmlNodePtr)doc->intSubset, "%s",
                            "a DOCTYPE with an internal subset is not "
                            "allowed");
    }
    if (root == NULL) {
        return compile_fail(cc, (xmlNodePtr)doc, "%s", "no root element");
    }
    return compile_tree(cc, root, 0);
}

/* ------------------------------------------------------------------ */
/* Parsing                                                             */

typedef struct {
    apr_pool_t *p;
    const char *msg;            /* first error, "line N: text" */
} perr_t;

/* Keeps the first error; also keeps libxml2 from writing to stderr. */
static void parse_error(void *data, xmlErrorPtr e)
{
    xmlParserCtxtPtr ctxt = data;
    perr_t *pe = ctxt->_private;
    const char *m;
    apr_size_t n;

    if (pe->msg != NULL || e == NULL || e->level < XML_ERR_ERROR) {
        return;
    }
    m = e->message != NULL ? e->message : "unknown XML error";
    n = strlen(m);
    while (n > 0 && (m[n - 1] == '\n' || m[n - 1] == '\r')) {
        n--;
    }
    pe->msg = apr_psprintf(pe->p, "%d: %.*s", e->line, (int)n, m);
}

/* Parses and compiles; *out owns a doc to be freed with xmlFreeDoc. */
static apr_status_t parse_tpl(apr_pool_t *p, const char *file,
                              const char *buf, apr_size_t len,
                              xmlDocPtr *out, const char **errmsg)
{
    xmlParserCtxtPtr ctxt;
    xmlDocPtr doc;
    perr_t pe = { p, NULL };
    compile_t cc = { p, file, NULL };

    *out = NULL;
    if (len > JSZG_VIEW_MAX_FILE) {
        *errmsg = apr_psprintf(p, "%s: template larger than %d bytes",
                               file, JSZG_VIEW_MAX_FILE);
        return APR_EGENERAL;
    }
    ctxt = xmlNewParserCtxt();
    if (ctxt == NULL) {
        *errmsg = apr_psprintf(p, "%s: out of memory", file);
        return APR_ENOMEM;
    }
    ctxt->_private = &pe;
    ctxt->sax->serror = parse_error;
    doc = xmlCtxtReadMemory(ctxt, buf, (int)len, file, NULL, PARSE_OPTIONS);
    xmlFreeParserCtxt(ctxt);
    if (doc == NULL || pe.msg != NULL) {
        *errmsg = apr_psprintf(p, "%s:%s", file,
                               pe.msg ? pe.msg : " not well-formed");
        if (doc != NULL) {
            xmlFreeDoc(doc);
        }
        return APR_EGENERAL;
    }
    if (compile_doc(&cc, doc) < 0) {
        *errmsg = cc.err;
        xmlFreeDoc(doc);
        return APR_EGENERAL;
    }
    *out = doc;
    return APR_SUCCESS;
}

/* ------------------------------------------------------------------ */
/* Data lookup                                                         */

typedef struct scope_t scope_t;
struct scope_t {
    json_t *item;               /* root object or loop item */
    apr_size_t index;
    int in_loop;
    const scope_t *up;
};

typedef enum { V_MISSING, V_JSON, V_INT } vkind;

/* Borrowed: never changes the caller's reference counts (threads). */
typedef struct {
    vkind kind;
    json_t *j;
    json_int_t n;
} jval_t;

static json_t *member(json_t *j, const char *seg, apr_size_t len)
{
    if (json_is_object(j)) {
        return json_object_getn(j, seg, len);
    }
    if (json_is_array(j) && len > 0 && len < 10
        && strspn(seg, "0123456789") >= len) {
        return json_array_get(j, (size_t)strtoul(seg, NULL, 10));
    }
    return NULL;
}

static jval_t lookup(const scope_t *s, const char *path)
{
    jval_t v = { V_MISSING, NULL, 0 };
    const char *dot;
    json_t *j = NULL;

    if (!strcmp(path, ".")) {
        v.j = s->item;
    }
    else if (!strcmp(path, "#index") || !strcmp(path, "#number")) {
        for (; s != NULL && !s->in_loop; s = s->up)
            ;
        if (s != NULL) {
            v.kind = V_INT;
            v.n = (json_int_t)s->index + (path[1] == 'n');
        }
        return v;
    }
    else {
        dot = strchr(path, '.');
        for (; s != NULL && j == NULL; s = s->up) {
            j = member(s->item, path, dot ? (apr_size_t)(dot - path)
                                          : strlen(path));
        }
        while (j != NULL && dot != NULL) {
            path = dot + 1;
            dot = strchr(path, '.');
            j = member(j, path, dot ? (apr_size_t)(dot - path)
                                    : strlen(path));
        }
        v.j = j;
    }
    if (v.j != NULL && !json_is_null(v.j)) {
        v.kind = V_JSON;
    }
    return v;
}

static int truthy(jval_t v)
{
    if (v.kind == V_INT) {
        return v.n != 0;
    }
    if (v.kind == V_MISSING) {
        return 0;
    }
    switch (json_typeof(v.j)) {
    case JSON_STRING:
        return json_string_length(v.j) > 0;
    case JSON_INTEGER:
        return json_integer_value(v.j) != 0;
    case JSON_REAL:
        return json_real_value(v.j) != 0.0;
    case JSON_TRUE:
        return 1;
    case JSON_ARRAY:
        return json_array_size(v.j) > 0;
    case JSON_OBJECT:
        return json_object_size(v.j) > 0;
    default:
        return 0;
    }
}

/* Shortest decimal form that reads back to the same double. */
static const char *real_text(apr_pool_t *p, double d)
{
    char buf[64];
    int prec;

    for (prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof(buf), "%.*g", prec, d);
        if (strtod(buf, NULL) == d) {
            break;
        }
    }
    return apr_pstrdup(p, buf);
}

/* Text of a value; NULL for missing or null. */
static const char *text_of(apr_pool_t *p, jval_t v)
{
    char buf[32];

    if (v.kind == V_MISSING) {
        return NULL;
    }
    if (v.kind == V_INT) {
        snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, v.n);
        return apr_pstrdup(p, buf);
    }
    switch (json_typeof(v.j)) {
    case JSON_STRING:
        return json_string_value(v.j);
    case JSON_INTEGER:
        snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT,
                 json_integer_value(v.j));
        return apr_pstrdup(p, buf);
    case JSON_REAL:
        return real_text(p, json_real_value(v.j));
    case JSON_TRUE:
        return "true";
    case JSON_FALSE:
        return "false";
    default:
        return "";
    }
}

const char *jszg_view_safe_url(apr_pool_t *p, const char *url)
{
    const char *s = url, *e = url + strlen(url), *q;
    const char *t;

    /* what browsers strip around a URL before reading its scheme */
    while (s < e && ((unsigned char)*s <= ' ' || *s == 0x7f)) {
        s++;
    }
    while (e > s && ((unsigned char)e[-1] <= ' ' || e[-1] == 0x7f)) {
        e--;
    }
    t = apr_pstrmemdup(p, s, e - s);
    for (q = t; *q; q++) {
        if (*q == '/' || *q == '?' || *q == '#') {
            break;
        }
        if (*q == ':') {
            apr_size_t n = q - t;

            if ((n == 4 && !apr_cstr_casecmpn(t, "http", 4))
                || (n == 5 && !apr_cstr_casecmpn(t, "https", 5))
                || (n == 6 && !apr_cstr_casecmpn(t, "mailto", 6))) {
                return t;
            }
            return "#";
        }
    }
    return t;
}

/* ------------------------------------------------------------------ */
/* Filling                                                             */

typedef struct {
    apr_pool_t *p;
    xmlDocPtr out;
    xmlNodePtr page;            /* filled page waiting for the slot */
    const char *tname;
    apr_size_t nodes;
    const char *err;
} fill_t;

static int fill_fail(fill_t *c, xmlNodePtr t, const char *what)
{
    if (c->err == NULL) {
        c->err = apr_psprintf(c->p, "template %s:%ld: %s", c->tname,
                              t ? xmlGetLineNo(t) : 0L, what);
    }
    return -1;
}

static int count(fill_t *c, xmlNodePtr t, const void *made)
{
    if (made == NULL) {
        return fill_fail(c, t, "out of memory");
    }
    if (++c->nodes > JSZG_VIEW_MAX_NODES) {
        return fill_fail(c, t, "output too large");
    }
    return 0;
}

static int add_text(fill_t *c, xmlNodePtr t, xmlNodePtr parent,
                    const xmlChar *s)
{
    xmlNodePtr n = xmlNewDocText(c->out, s);     /* literal, escaped */

    if (count(c, t, n) < 0) {
        xmlFreeNode(n);
        return -1;
    }
    xmlAddChild(parent, n);     /* may merge n into a neighbour */
    return 0;
}

static int is_blank(const xmlChar *s)
{
    for (; s != NULL && *s; s++) {
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r') {
            return 0;
        }
    }
    return 1;
}

static int cond_elem(xmlNodePtr t)
{
    return t != NULL && t->type == XML_ELEMENT_NODE && t->_private != NULL
           && ((const elem_t *)t->_private)->cond;
}

static int fill_children(fill_t *c, xmlNodePtr tparent, const scope_t *s,
                         xmlNodePtr parent);

static int set_attr(fill_t *c, xmlNodePtr t, xmlNodePtr n,
                    const char *name, const char *value)
{
    if (value == NULL) {
        xmlUnsetProp(n, BAD_CAST name);
        return 0;
    }
    return count(c, t, xmlSetProp(n, BAD_CAST name, BAD_CAST value));
}

static int fill_attrs(fill_t *c, xmlNodePtr t, const elem_t *e,
                      const scope_t *s, xmlNodePtr n)
{
    const sattr_t *a;
    const dattr_t *d;
    const char *cls = NULL;
    int rv = 0;

    for (a = e->attrs; a != NULL; a = a->next) {
        if (count(c, t, xmlNewProp(n, BAD_CAST a->name,
                                   BAD_CAST a->value)) < 0) {
            return -1;
        }
    }
    for (d = e->dattrs; d != NULL && rv == 0; d = d->next) {
        jval_t v = lookup(s, d->path);
        const char *txt;

        if (d->kind == DA_CLASS) {
            if (truthy(v)) {
                cls = cls ? apr_pstrcat(c->p, cls, " ", d->name, NULL)
                          : d->name;
            }
        }
        else if (d->is_bool) {
            rv = set_attr(c, t, n, d->name, truthy(v) ? d->name : NULL);
        }
        else {
            txt = text_of(c->p, v);
            if (txt != NULL && d->is_url) {
                txt = jszg_view_safe_url(c->p, txt);
            }
            rv = set_attr(c, t, n, d->name, txt);
        }
    }
    if (rv == 0 && cls != NULL) {
        xmlChar *old = xmlGetProp(n, BAD_CAST "class");

        if (old != NULL && *old) {
            cls = apr_pstrcat(c->p, (const char *)old, " ", cls, NULL);
        }
        xmlFree(old);
        rv = set_attr(c, t, n, "class", cls);
    }
    return rv;
}

/* Moves the filled page into the layout's slot element. */
static void fill_slot(fill_t *c, xmlNodePtr slot)
{
    xmlNodePtr k, next;

    for (k = c->page->children; k != NULL; k = next) {
        next = k->next;
        xmlUnlinkNode(k);
        xmlAddChild(slot, k);
    }
    c->page = NULL;
}

static int passes(const elem_t *e, const scope_t *s)
{
    if (e->if_.path != NULL && truthy(lookup(s, e->if_.path)) == e->if_.neg) {
        return 0;
    }
    if (e->unless.path != NULL
        && truthy(lookup(s, e->unless.path)) != e->unless.neg) {
        return 0;
    }
    return 1;
}

/* One copy of element t (no data-each) under parent, if it passes. */
static int fill_one(fill_t *c, xmlNodePtr t, xmlNodePtr lead,
                    const scope_t *s, xmlNodePtr parent)
{
    const elem_t *e = t->_private;
    xmlNodePtr n;

    if (e == NULL) {
        return fill_fail(c, t, "template was not compiled");
    }
    if (!passes(e, s)) {
        return 0;
    }
    if (lead != NULL && add_text(c, t, parent, lead->content) < 0) {
        return -1;
    }
    n = xmlNewDocNode(c->out, NULL, BAD_CAST e->name, NULL);
    if (count(c, t, n) < 0) {
        xmlFreeNode(n);
        return -1;
    }
    xmlAddChild(parent, n);     /* from here on freed with the doc */
    if (fill_attrs(c, t, e, s, n) < 0) {
        return -1;
    }
    if (e->slot && c->page != NULL) {
        fill_slot(c, n);
        return 0;
    }
    if (e->text != NULL) {
        const char *txt = text_of(c->p, lookup(s, e->text));

        return txt != NULL && *txt ? add_text(c, t, n, BAD_CAST txt) : 0;
    }
    return fill_children(c, t, s, n);
}

static int fill_elem(fill_t *c, xmlNodePtr t, xmlNodePtr lead,
                     const scope_t *s, xmlNodePtr parent)
{
    const elem_t *e = t->_private;
    jval_t v;
    json_t *item;
    size_t i;

    if (e == NULL || e->each == NULL) {
        return fill_one(c, t, lead, s, parent);
    }
    v = lookup(s, e->each);
    if (v.kind != V_JSON || !json_is_array(v.j)) {
        return 0;
    }
    json_array_foreach(v.j, i, item) {
        scope_t is = { item, i, 1, s };

        if (fill_one(c, t, lead, &is, parent) < 0) {
            return -1;
        }
    }
    return 0;
}

static int fill_children(fill_t *c, xmlNodePtr tparent, const scope_t *s,
                         xmlNodePtr parent)
{
    xmlNodePtr t, n, lead;

    for (t = tparent->children; t != NULL; t = t->next) {
        switch (t->type) {
        case XML_ELEMENT_NODE:
            /* the indentation before a repeated/optional element goes
             * with each of its copies, and away with it */
            lead = (t->prev && t->prev->type == XML_TEXT_NODE
                    && is_blank(t->prev->content) && cond_elem(t))
                   ? t->prev : NULL;
            if (fill_elem(c, t, lead, s, parent) < 0) {
                return -1;
            }
            break;
        case XML_TEXT_NODE:
        case XML_CDATA_SECTION_NODE:
            if (!(is_blank(t->content) && cond_elem(t->next))
                && add_text(c, t, parent, t->content) < 0) {
                return -1;
            }
            break;
        case XML_COMMENT_NODE:
            n = xmlNewDocComment(c->out, t->content);
            if (count(c, t, n) < 0) {
                xmlFreeNode(n);
                return -1;
            }
            xmlAddChild(parent, n);
            break;
        case XML_ENTITY_REF_NODE:
            return fill_fail(c, t, "entity reference");
        default:
            break;              /* processing instructions etc. */
        }
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Rendering                                                           */

/*
 * HTML serialization into a UTF-8 buffer.  Not xmlSaveDoc: in HTML mode it
 * calls htmlSetMetaEncoding, which adds a <meta http-equiv> beside the
 * layout's <meta charset> (two charset declarations are invalid HTML).
 * An output buffer without an encoder writes the UTF-8 text as it is,
 * so Chinese stays raw, not as character references.
 */
static apr_status_t serialize(apr_pool_t *p, xmlDocPtr doc,
                              const char **html, apr_size_t *len)
{
    xmlBufferPtr buf = xmlBufferCreate();
    xmlOutputBufferPtr out;
    apr_status_t rv = APR_ENOMEM;

    if (buf == NULL) {
        return rv;
    }
    out = xmlOutputBufferCreateBuffer(buf, NULL);
    if (out != NULL) {
        htmlDocContentDumpFormatOutput(out, doc, NULL, 0);
        rv = out->error ? APR_EGENERAL : APR_SUCCESS;
        if (xmlOutputBufferClose(out) < 0) {
            rv = APR_EGENERAL;
        }
    }
    if (rv == APR_SUCCESS) {
        *len = xmlBufferLength(buf);
        *html = apr_pstrmemdup(p, (const char *)xmlBufferContent(buf), *len);
    }
    xmlBufferFree(buf);
    return rv;
}

static apr_status_t render_docs(apr_pool_t *p, const tpl_t *page,
                                const tpl_t *layout, json_t *data,
                                const char **html, apr_size_t *len,
                                const char **errmsg)
{
    fill_t c = { p, NULL, NULL, page->name, 0, NULL };
    scope_t root = { data, 0, 0, NULL };
    xmlNodePtr holder = NULL;
    apr_status_t rv = APR_EGENERAL;

    c.out = htmlNewDocNoDtD(NULL, NULL);
    if (c.out == NULL
        || xmlCreateIntSubset(c.out, BAD_CAST "html", NULL, NULL) == NULL) {
        fill_fail(&c, NULL, "out of memory");
        goto leave;
    }
    if (layout == NULL) {
        if (fill_one(&c, xmlDocGetRootElement(page->doc), NULL, &root,
                     (xmlNodePtr)c.out) < 0) {
            goto leave;
        }
    }
    else {
        holder = xmlNewDocNode(c.out, NULL, BAD_CAST "div", NULL);
        if (holder == NULL
            || fill_one(&c, xmlDocGetRootElement(page->doc), NULL, &root,
                        holder) < 0) {
            fill_fail(&c, NULL, "out of memory");
            goto leave;
        }
        c.page = holder;
        c.tname = layout->name;
        if (fill_one(&c, xmlDocGetRootElement(layout->doc), NULL, &root,
                     (xmlNodePtr)c.out) < 0) {
            goto leave;
        }
        if (c.page != NULL) {
            fill_fail(&c, NULL, "layout has no data-slot=\"content\"");
            goto leave;
        }
    }
    rv = serialize(p, c.out, html, len);
    if (rv != APR_SUCCESS) {
        fill_fail(&c, NULL, "serialization failed");
    }
leave:
    if (rv != APR_SUCCESS) {
        *errmsg = c.err;
    }
    if (holder != NULL) {
        xmlFreeNode(holder);
    }
    if (c.out != NULL) {
        xmlFreeDoc(c.out);
    }
    return rv;
}

apr_status_t jszg_view_render(jszg_view *v, apr_pool_t *p, const char *name,
                              const char *layout, json_t *data,
                              const char **html, apr_size_t *len,
                              const char **errmsg)
{
    const tpl_t *page = apr_hash_get(v->tpls, name, APR_HASH_KEY_STRING);
    const tpl_t *lay = NULL;

    if (page == NULL) {
        *errmsg = apr_psprintf(p, "unknown template \"%s\"", name);
        return APR_NOTFOUND;
    }
    if (layout != NULL) {
        lay = apr_hash_get(v->tpls, layout, APR_HASH_KEY_STRING);
        if (lay == NULL) {
            *errmsg = apr_psprintf(p, "unknown layout \"%s\"", layout);
            return APR_NOTFOUND;
        }
    }
    return render_docs(p, page, lay, data, html, len, errmsg);
}

apr_status_t jszg_view_render_string(apr_pool_t *p, const char *tpl,
                                     apr_size_t tpl_len, json_t *data,
                                     const char **html, apr_size_t *len,
                                     const char **errmsg)
{
    tpl_t t = { "<string>", "<string>", NULL };
    apr_status_t rv;

    rv = parse_tpl(p, t.file, tpl, tpl_len, &t.doc, errmsg);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = render_docs(p, &t, NULL, data, html, len, errmsg);
    xmlFreeDoc(t.doc);
    return rv;
}

/* ------------------------------------------------------------------ */
/* Loading                                                             */

typedef struct {
    jszg_view *v;
    apr_pool_t *tmp;
    const char **errmsg;
} load_t;

static apr_status_t free_docs(void *data)
{
    jszg_view *v = data;
    apr_hash_index_t *hi;

    for (hi = apr_hash_first(NULL, v->tpls); hi; hi = apr_hash_next(hi)) {
        tpl_t *t = apr_hash_this_val(hi);

        xmlFreeDoc(t->doc);
    }
    apr_hash_clear(v->tpls);
    return APR_SUCCESS;
}

static apr_status_t io_fail(load_t *l, const char *path, apr_status_t rv)
{
    char buf[256];

    *l->errmsg = apr_psprintf(l->v->pool, "%s: %s", path,
                              apr_strerror(rv, buf, sizeof(buf)));
    return rv;
}

static apr_status_t load_file(load_t *l, const char *path, const char *name)
{
    apr_pool_t *p = l->v->pool;
    apr_file_t *f;
    apr_finfo_t fi;
    apr_size_t got;
    char *buf;
    tpl_t *t;
    apr_status_t rv;

    rv = apr_file_open(&f, path, APR_FOPEN_READ, APR_OS_DEFAULT, l->tmp);
    if (rv == APR_SUCCESS) {
        rv = apr_file_info_get(&fi, APR_FINFO_SIZE, f);
    }
    if (rv == APR_SUCCESS && fi.size > JSZG_VIEW_MAX_FILE) {
        apr_file_close(f);
        *l->errmsg = apr_psprintf(p, "%s: template larger than %d bytes",
                                  path, JSZG_VIEW_MAX_FILE);
        return APR_EGENERAL;
    }
    if (rv == APR_SUCCESS) {
        buf = apr_palloc(l->tmp, (apr_size_t)fi.size + 1);
        rv = apr_file_read_full(f, buf, (apr_size_t)fi.size, &got);
        apr_file_close(f);
    }
    if (rv != APR_SUCCESS) {
        return io_fail(l, path, rv);
    }
    t = apr_pcalloc(p, sizeof(*t));
    t->name = apr_pstrdup(p, name);
    t->file = apr_pstrdup(p, path);
    rv = parse_tpl(p, t->file, buf, got, &t->doc, l->errmsg);
    if (rv == APR_SUCCESS) {
        apr_hash_set(l->v->tpls, t->name, APR_HASH_KEY_STRING, t);
    }
    return rv;
}

static apr_status_t load_dir(load_t *l, const char *dir, const char *prefix,
                             int depth)
{
    apr_dir_t *d;
    apr_finfo_t fi;
    apr_status_t rv;
    apr_size_t n;

    if (depth > MAX_DIR_DEPTH) {
        *l->errmsg = apr_psprintf(l->v->pool, "%s: directories nested too "
                                  "deep", dir);
        return APR_EGENERAL;
    }
    rv = apr_dir_open(&d, dir, l->tmp);
    if (rv != APR_SUCCESS) {
        return io_fail(l, dir, rv);
    }
    while (apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE, d)
           != APR_ENOENT) {
        const char *path;

        if (fi.name == NULL || fi.name[0] == '.') {
            continue;
        }
        path = apr_pstrcat(l->tmp, dir, "/", fi.name, NULL);
        if (!(fi.valid & APR_FINFO_TYPE) || fi.filetype == APR_LNK) {
            if (apr_stat(&fi, path, APR_FINFO_TYPE, l->tmp) != APR_SUCCESS) {
                continue;       /* dangling link */
            }
        }
        n = strlen(fi.name);
        if (fi.filetype == APR_DIR) {
            rv = load_dir(l, path, apr_pstrcat(l->tmp, prefix, fi.name, "/",
                                               NULL), depth + 1);
        }
        else if (fi.filetype == APR_REG && n > 5
                 && !strcmp(fi.name + n - 5, ".html")) {
            rv = load_file(l, path, apr_pstrcat(l->tmp, prefix,
                                                apr_pstrmemdup(l->tmp,
                                                    fi.name, n - 5),
                                                NULL));
        }
        if (rv != APR_SUCCESS) {
            break;
        }
    }
    apr_dir_close(d);
    return rv;
}

apr_status_t jszg_view_create(apr_pool_t *p, const char *dir,
                              jszg_view **out, const char **errmsg)
{
    jszg_view *v = apr_pcalloc(p, sizeof(*v));
    load_t l = { v, NULL, errmsg };
    apr_status_t rv;

    *errmsg = NULL;
    v->pool = p;
    v->tpls = apr_hash_make(p);
    apr_pool_cleanup_register(p, v, free_docs, apr_pool_cleanup_null);
    rv = apr_pool_create(&l.tmp, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = load_dir(&l, dir, "", 0);
    apr_pool_destroy(l.tmp);
    if (rv != APR_SUCCESS) {
        apr_pool_cleanup_run(p, v, free_docs);  /* free what parsed */
        *out = NULL;
        return rv;
    }
    *out = v;
    return APR_SUCCESS;
}

int jszg_view_has(const jszg_view *v, const char *name)
{
    return apr_hash_get(v->tpls, name, APR_HASH_KEY_STRING) != NULL;
}
