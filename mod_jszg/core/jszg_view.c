/*
 * jszg_view.c - the template engine's public API (jszg_view.h describes
 * the template language) and its template set: loading, parsing and
 * checking.
 *
 * Parse and check (once per template, at start-up): libxml2
 * (XML_PARSE_NONET | XML_PARSE_NODICT, never NOENT), the directives
 * checked and a pool-allocated elem_t hung on every element's _private;
 * a refused template is an error naming the file and line.  Then every
 * template is compiled into its program by jszg_view_gen.c (after all are
 * parsed, so that partials can be inlined) and the documents are freed.
 * jszg_view_render() looks the programs up by name and has
 * jszg_view_render.c run them.
 *
 * The engine's map (which file does what, and what they share) is in
 * jszg_view_int.h.
 */
#include <string.h>

#include <apr_cstr.h>
#include <apr_file_info.h>
#include <apr_file_io.h>
#include <apr_hash.h>
#include <apr_lib.h>
#include <apr_strings.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "jszg_view_int.h"

#define PARSE_OPTIONS (XML_PARSE_NONET | XML_PARSE_NODICT)
#define MAX_DIR_DEPTH 16

/* ------------------------------------------------------------------ */
/* Checking                                                            */

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
    d->name = apr_pstrdup(cc->p, name);   /* the doc is freed */
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
           || !strcmp(name, "data-slot") || !strcmp(name, "data-include")
           || !strncmp(name, "data-attr-", 10)
           || !strncmp(name, "data-class-", 11);
}

static int compile_path(compile_t *cc, xmlNodePtr n, const char **dst,
                        const char *path)
{
    *dst = path;
    return path_ok(path, 0) ? 0
           : compile_fail(cc, n, "bad path \"%s\"", path);
}

/* A template name: "dir/name", letters, digits, "_" and "-". */
static int partial_name_ok(const char *v)
{
    const char *s;

    if (*v == '\0' || *v == '/') {
        return 0;
    }
    for (s = v; *s; s++) {
        if (!apr_isalnum(*s) && *s != '_' && *s != '-'
            && !(*s == '/' && s[1] != '/' && s[1] != '\0')) {
            return 0;
        }
    }
    return 1;
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
    if (!strcmp(name, "data-include")) {
        e->include = v;
        return partial_name_ok(v) ? 0
               : compile_fail(cc, n, "bad partial name \"%s\"", v);
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

/* Only blanks and comments: what a data-include element may hold. */
static int include_empty(xmlNodePtr k)
{
    const xmlChar *s;

    for (; k != NULL; k = k->next) {
        if (k->type == XML_COMMENT_NODE) {
            continue;
        }
        if (k->type != XML_TEXT_NODE) {
            return 0;
        }
        for (s = k->content; s != NULL && *s; s++) {
            if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r') {
                return 0;
            }
        }
    }
    return 1;
}

static int compile_elem(compile_t *cc, xmlNodePtr n, int raw)
{
    elem_t *e = apr_pcalloc(cc->p, sizeof(*e));
    sattr_t **tail = &e->attrs;
    xmlAttrPtr a;

    e->name = qname(cc->p, n->name, n->ns);
    e->line = xmlGetLineNo(n);
    for (a = n->properties; a != NULL; a = a->next) {
        if (compile_attr(cc, n, e, a, raw, &tail) < 0) {
            return -1;
        }
    }
    if (e->include != NULL && (n->properties->next != NULL
                               || !include_empty(n->children))) {
        return compile_fail(cc, n, "%s", "an element with data-include "
                            "takes no other attribute and no content");
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
/* Rendering (jszg_view_render.c runs the programs)                    */

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
    return jszg_view_render_progs(p, page->prog, lay ? lay->prog : NULL,
                                  data, html, len, errmsg);
}

apr_status_t jszg_view_render_string(apr_pool_t *p, const char *tpl,
                                     apr_size_t tpl_len, json_t *data,
                                     const char **html, apr_size_t *len,
                                     const char **errmsg)
{
    tpl_t t = { "<string>", "<string>", NULL, NULL };
    apr_status_t rv;

    rv = parse_tpl(p, t.file, tpl, tpl_len, &t.doc, errmsg);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = jszg_view_gen_prog(p, NULL, &t, errmsg);
    xmlFreeDoc(t.doc);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    return jszg_view_render_progs(p, t.prog, NULL, data, html, len, errmsg);
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

        if (t->doc != NULL) {
            xmlFreeDoc(t->doc);
            t->doc = NULL;
        }
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

/* Every template into its program (partials inlined), then the parsed
 * documents are freed: rendering never touches libxml2. */
static apr_status_t gen_all(jszg_view *v, const char **errmsg)
{
    apr_hash_index_t *hi;
    apr_status_t rv;

    for (hi = apr_hash_first(NULL, v->tpls); hi; hi = apr_hash_next(hi)) {
        rv = jszg_view_gen_prog(v->pool, v->tpls, apr_hash_this_val(hi),
                                errmsg);
        if (rv != APR_SUCCESS) {
            return rv;
        }
    }
    for (hi = apr_hash_first(NULL, v->tpls); hi; hi = apr_hash_next(hi)) {
        tpl_t *t = apr_hash_this_val(hi);

        xmlFreeDoc(t->doc);
        t->doc = NULL;
    }
    return APR_SUCCESS;
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
    if (rv == APR_SUCCESS) {
        rv = gen_all(v, errmsg);
    }
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
