/*
 * jszg_view.c - the template engine (see jszg_view.h for the language).
 *
 * Three phases:
 *  - parse and check (once per template): libxml2 (XML_PARSE_NONET |
 *    XML_PARSE_NODICT, never NOENT), the directives checked and a
 *    pool-allocated elem_t hung on every element's _private.
 *  - compile (once per template, after all are parsed, so that partials
 *    can be inlined): walk the tree into a flat program of ops; static
 *    markup is serialized here, byte for byte as libxml2's HTML
 *    serializer wrote it; then the documents are freed.
 *  - render (per request, any thread): run the ops, appending static runs
 *    and escaped values to one growing buffer in the request pool.  No
 *    DOM, no libxml2 call, no malloc.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_cstr.h>
#include <apr_file_info.h>
#include <apr_file_io.h>
#include <apr_hash.h>
#include <apr_lib.h>
#include <apr_strings.h>

#include <libxml/HTMLtree.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "jszg_view.h"

#define PARSE_OPTIONS (XML_PARSE_NONET | XML_PARSE_NODICT)
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
    const char *include;        /* data-include="partial" */
    int slot;                   /* data-slot="content" */
    int cond;                   /* may produce 0 or n copies */
    long line;                  /* for messages */
} elem_t;

typedef struct prog_t prog_t;

typedef struct {
    const char *name;           /* template name */
    const char *file;           /* for messages */
    xmlDocPtr doc;              /* until compiled into prog */
    prog_t *prog;
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
/* Programs                                                            */

/*
 * A compiled template is a flat array of ops.  Static HTML (tags without
 * data attributes, template text, comments) is serialized once, at
 * compile time, exactly as libxml2's HTML serializer wrote it; the holes
 * write escaped values.  Blocks (data-each, data-if/unless, the slot's
 * fallback) hold the index of the first op after them.
 */
typedef enum {
    P_NAME,                     /* a.b.c */
    P_DOT,                      /* .      */
    P_INDEX,                    /* #index */
    P_NUMBER                    /* #number */
} pkind;

typedef struct {
    const char *s;
    apr_size_t len;
    int is_num;                 /* decimal: may index an array */
    size_t num;
} seg_t;

typedef struct {
    pkind kind;
    int nseg;
    seg_t *segs;
} path_t;

typedef struct {
    const path_t *path;
    int neg;
} pcond_t;

/* One attribute as the serializer sees it. */
typedef struct {
    const char *name;           /* the name xmlSetProp/xmlUnsetProp match */
    const char *out;            /* the name written */
    int xml_ns;                 /* data-attr-xml:NAME (in the xml ns) */
    int is_bool;                /* written without a value (libxml2) */
    int is_url;                 /* URI-escaped when written (libxml2) */
} aname_t;

typedef struct {
    aname_t n;
    const char *value;          /* raw */
    const char *ser;            /* " name=\"value\"", serialized */
    apr_size_t ser_len;
} pattr_t;

typedef struct {
    dattr_kind kind;
    aname_t n;
    const char *name;           /* NAME part, for data-class-NAME */
    const path_t *path;
    int is_bool;                /* data-attr-NAME: a boolean (ours) */
    int is_url;                 /* data-attr-NAME: safe_url (ours) */
} pdattr_t;

typedef struct {
    const char *name;           /* element name */
    apr_size_t name_len;
    pattr_t *attrs;
    int nattrs;
    pdattr_t *dattrs;
    int ndattrs;
    int a_is_elem;              /* element is <a>: name="" is a URL */
    aname_t class_name;
} ptag_t;

typedef enum {
    OP_STATIC,                  /* bytes */
    OP_TEXT,                    /* escaped text of path, if not empty */
    OP_EACH,                    /* repeat [i+1, end) per array item */
    OP_IF,                      /* [i+1, end) if conds pass */
    OP_TAG,                     /* a start tag with data attributes */
    OP_MARK,                    /* remember the node count (for OP_ENDOPT) */
    OP_ENDOPT,                  /* end tag, only if children were made */
    OP_SLOT                     /* the page, or [i+1, end) */
} opkind;

typedef struct {
    opkind kind;
    apr_uint32_t end;
    apr_uint32_t nodes;         /* OP_STATIC: nodes it stands for */
    int depth;                  /* OP_MARK / OP_ENDOPT */
    int discard;                /* OP_SLOT in an empty element */
    long line;
    const char *tname;          /* template the op came from */
    const char *bytes;
    apr_size_t len;
    const path_t *path;
    pcond_t if_, unless;
    const ptag_t *tag;
} op_t;

struct prog_t {
    op_t *ops;
    int nops;
    int max_attrs;              /* largest attribute set of one tag */
    int max_depth;              /* OP_MARK nesting */
    apr_size_t static_len;      /* a hint for the first buffer */
};

/* ---- serialization (what libxml2 2.9's HTMLtree.c writes) ---------- */

typedef struct {
    apr_pool_t *p;
    char *buf;
    apr_size_t len, cap;
} obuf_t;

static void ob_grow(obuf_t *b, apr_size_t more)
{
    apr_size_t cap = b->cap ? b->cap : 1024;
    char *nb;

    while (cap - b->len < more + 1) {
        cap *= 2;
    }
    nb = apr_palloc(b->p, cap);
    if (b->len) {
        memcpy(nb, b->buf, b->len);
    }
    b->buf = nb;
    b->cap = cap;
}

static APR_INLINE void ob_put(obuf_t *b, const char *s, apr_size_t n)
{
    if (b->cap - b->len < n + 1) {
        ob_grow(b, n);
    }
    memcpy(b->buf + b->len, s, n);
    b->len += n;
}

static APR_INLINE void ob_c(obuf_t *b, char c)
{
    if (b->cap - b->len < 2) {
        ob_grow(b, 1);
    }
    b->buf[b->len++] = c;
}

/* URI escaping of libxml2's htmlAttrDumpOutput (xmlURIEscapeStr with
 * its list), after leading blanks are dropped. */
typedef struct {
    obuf_t *b;
    int url;
    int lead;                   /* still dropping leading blanks */
} sink_t;

static int uri_keep(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9')
           || (c != 0 && strchr("-_.!~*'()@/:=?;#%&,+<>", c) != NULL);
}

static void sink_put(sink_t *k, const char *s, apr_size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    apr_size_t i, run;

    if (!k->url) {
        ob_put(k->b, s, n);
        return;
    }
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (k->lead && (c == ' ' || c == '\t' || c == '\n' || c == '\r')) {
            continue;
        }
        k->lead = 0;
        for (run = i; run < n && uri_keep((unsigned char)s[run]); run++)
            ;
        if (run > i) {
            ob_put(k->b, s + i, run - i);
            i = run - 1;
            continue;
        }
        ob_c(k->b, '%');
        ob_c(k->b, hex[c >> 4]);
        ob_c(k->b, hex[c & 15]);
    }
}

/*
 * xmlEncodeEntitiesReentrant / xmlEncodeAttributeEntities for an HTML
 * document: < > & escaped, control characters other than TAB, LF and CR
 * dropped, UTF-8 kept; in attributes "<!--...-->" and "&{...}" are kept
 * as they are (SSI and HTML 4 script macros; harmless inside the quotes).
 */
static void encode(sink_t *k, const char *s, int attr)
{
    const char *run = s;
    const char *end;

    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (c >= 0x80 || (c >= 0x20 && c != '<' && c != '>' && c != '&')
            || c == '\n' || c == '\t' || c == '\r') {
            continue;
        }
        if (s > run) {
            sink_put(k, run, s - run);
        }
        if (c == '<' && attr && s[1] == '!' && s[2] == '-' && s[3] == '-'
            && (end = strstr(s, "-->")) != NULL) {
            sink_put(k, s, end + 3 - s);
            s = end + 2;
        }
        else if (c == '&' && attr && s[1] == '{'
                 && (end = strchr(s, '}')) != NULL) {
            sink_put(k, s, end + 1 - s);
            s = end;
        }
        else if (c == '<') {
            sink_put(k, "&lt;", 4);
        }
        else if (c == '>') {
            sink_put(k, "&gt;", 4);
        }
        else if (c == '&') {
            sink_put(k, "&amp;", 5);
        }
        run = s + 1;
    }
    if (s > run) {
        sink_put(k, run, s - run);
    }
}

static void write_text(obuf_t *b, const char *s, int raw)
{
    sink_t k = { b, 0, 0 };

    if (raw) {
        ob_put(b, s, strlen(s));
    }
    else {
        encode(&k, s, 0);
    }
}

/* " name" or " name=\"value\"" as htmlAttrDumpOutput writes it. */
static void write_attr(obuf_t *b, const aname_t *n, const char *value)
{
    sink_t k = { b, n->is_url, 1 };
    apr_size_t q, i;
    int dq = 0, sq = 0;

    ob_c(b, ' ');
    if (n->xml_ns) {
        ob_put(b, "xml:", 4);
    }
    ob_put(b, n->out, strlen(n->out));
    if (n->is_bool) {
        return;
    }
    ob_c(b, '=');
    q = b->len;
    ob_c(b, '"');
    encode(&k, value, 1);
    for (i = q + 1; i < b->len; i++) {
        dq |= b->buf[i] == '"';
        sq |= b->buf[i] == '\'';
    }
    if (dq && sq) {
        char *v = apr_pstrmemdup(b->p, b->buf + q + 1, b->len - q - 1);

        b->len = q + 1;
        for (; *v; v++) {
            if (*v == '"') {
                ob_put(b, "&quot;", 6);
            }
            else {
                ob_c(b, *v);
            }
        }
    }
    else if (dq) {
        b->buf[q] = '\'';
    }
    ob_c(b, dq && !sq ? '\'' : '"');
}

static void aname_init(aname_t *n, apr_pool_t *p, const char *name,
                       int settable, const char *elem)
{
    const char *local = name;

    n->name = name;
    n->xml_ns = settable && !strncmp(name, "xml:", 4) && name[4] != '\0';
    if (n->xml_ns) {
        local = name + 4;
    }
    n->out = apr_pstrdup(p, local);
    n->is_bool = htmlIsBooleanAttr(BAD_CAST local) != 0;
    n->is_url = !n->xml_ns
                && (!apr_cstr_casecmp(local, "href")
                    || !apr_cstr_casecmp(local, "action")
                    || !apr_cstr_casecmp(local, "src")
                    || (!apr_cstr_casecmp(local, "name")
                        && !apr_cstr_casecmp(elem, "a")));
}

/* ---- paths ---------------------------------------------------------- */

static const path_t *path_compile(apr_pool_t *p, const char *s)
{
    path_t *pt = apr_pcalloc(p, sizeof(*pt));
    const char *q;
    int i;

    if (!strcmp(s, ".")) {
        pt->kind = P_DOT;
        return pt;
    }
    if (!strcmp(s, "#index") || !strcmp(s, "#number")) {
        pt->kind = s[1] == 'i' ? P_INDEX : P_NUMBER;
        return pt;
    }
    pt->kind = P_NAME;
    pt->nseg = 1;
    for (q = s; *q; q++) {
        pt->nseg += *q == '.';
    }
    pt->segs = apr_pcalloc(p, sizeof(seg_t) * pt->nseg);
    for (i = 0; i < pt->nseg; i++) {
        seg_t *g = &pt->segs[i];

        q = strchr(s, '.');
        g->s = s;
        g->len = q ? (apr_size_t)(q - s) : strlen(s);
        g->is_num = g->len > 0 && g->len < 10 && strspn(s, "0123456789")
                                                 >= g->len;
        g->num = g->is_num ? (size_t)strtoul(s, NULL, 10) : 0;
        s = q ? q + 1 : s + g->len;
    }
    return pt;
}

/* ---- code generation ------------------------------------------------ */

#define MAX_INCLUDE_DEPTH 8

typedef struct {
    apr_pool_t *p;
    apr_hash_t *tpls;           /* for data-include; NULL: none */
    apr_array_header_t *ops;
    obuf_t st;                  /* pending static bytes */
    apr_uint32_t st_nodes;
    prog_t *prog;
    int depth;                  /* OP_MARK nesting */
    int incl;                   /* data-include nesting */
    const char *tname;
    const char *file;
    const char *err;
} gen_t;

static int gen_fail(gen_t *g, long line, const char *msg)
{
    if (g->err == NULL) {
        g->err = apr_psprintf(g->p, "%s:%ld: %s", g->file, line, msg);
    }
    return -1;
}

static void flush_static(gen_t *g)
{
    op_t *op;

    if (g->st.len == 0 && g->st_nodes == 0) {
        return;
    }
    op = apr_array_push(g->ops);
    memset(op, 0, sizeof(*op));
    op->kind = OP_STATIC;
    op->tname = g->tname;
    op->bytes = apr_pstrmemdup(g->p, g->st.buf ? g->st.buf : "", g->st.len);
    op->len = g->st.len;
    op->nodes = g->st_nodes;
    g->prog->static_len += g->st.len;
    g->st.len = 0;
    g->st_nodes = 0;
}

static op_t *push_op(gen_t *g, opkind kind, long line)
{
    op_t *op;

    flush_static(g);
    op = apr_array_push(g->ops);
    memset(op, 0, sizeof(*op));
    op->kind = kind;
    op->line = line;
    op->tname = g->tname;
    return op;
}

static void close_block(gen_t *g, int at)
{
    flush_static(g);
    APR_ARRAY_IDX(g->ops, at, op_t).end = (apr_uint32_t)g->ops->nelts;
}

static const ptag_t *gen_tag(gen_t *g, const elem_t *e)
{
    ptag_t *t = apr_pcalloc(g->p, sizeof(*t));
    const sattr_t *a;
    const dattr_t *d;
    int i;

    t->name = e->name;
    t->name_len = strlen(e->name);
    t->a_is_elem = !apr_cstr_casecmp(e->name, "a");
    aname_init(&t->class_name, g->p, "class", 0, e->name);
    for (a = e->attrs; a != NULL; a = a->next) {
        t->nattrs++;
    }
    for (d = e->dattrs; d != NULL; d = d->next) {
        t->ndattrs++;
    }
    t->attrs = apr_pcalloc(g->p, sizeof(pattr_t) * (t->nattrs + 1));
    t->dattrs = apr_pcalloc(g->p, sizeof(pdattr_t) * (t->ndattrs + 1));
    for (i = 0, a = e->attrs; a != NULL; a = a->next, i++) {
        obuf_t b = { g->p, NULL, 0, 0 };
        pattr_t *pa = &t->attrs[i];

        aname_init(&pa->n, g->p, a->name, 0, e->name);
        pa->value = a->value;
        write_attr(&b, &pa->n, a->value);
        pa->ser = b.buf;
        pa->ser_len = b.len;
    }
    for (i = 0, d = e->dattrs; d != NULL; d = d->next, i++) {
        pdattr_t *pd = &t->dattrs[i];

        pd->kind = d->kind;
        pd->name = d->name;
        pd->path = path_compile(g->p, d->path);
        pd->is_bool = d->is_bool;
        pd->is_url = d->is_url;
        aname_init(&pd->n, g->p, d->name, 1, e->name);
    }
    /* every attribute may end up set: statics, data-attr-*, class */
    if (t->nattrs + t->ndattrs + 1 > g->prog->max_attrs) {
        g->prog->max_attrs = t->nattrs + t->ndattrs + 1;
    }
    return t;
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

static int gen_children(gen_t *g, xmlNodePtr tparent, const char *pname);

/* Static text under an element named pname. */
static void gen_text(gen_t *g, const xmlChar *s, const char *pname)
{
    if (s != NULL) {
        write_text(&g->st, (const char *)s,
                   !apr_cstr_casecmp(pname, "script")
                   || !apr_cstr_casecmp(pname, "style"));
    }
    g->st_nodes++;
}

static int gen_elem(gen_t *g, xmlNodePtr t, xmlNodePtr lead,
                    const char *pname);

static int gen_include(gen_t *g, const elem_t *e)
{
    const tpl_t *pt = g->tpls ? apr_hash_get(g->tpls, e->include,
                                             APR_HASH_KEY_STRING) : NULL;
    const char *tname = g->tname, *file = g->file;
    int rv;

    if (pt == NULL || pt->doc == NULL) {
        return gen_fail(g, e->line, apr_psprintf(g->p, "unknown partial "
                                                 "\"%s\"", e->include));
    }
    if (g->incl >= MAX_INCLUDE_DEPTH) {
        return gen_fail(g, e->line, apr_psprintf(g->p, "partials nested "
                                                 "too deep at \"%s\"",
                                                 e->include));
    }
    g->incl++;
    g->tname = pt->name;
    g->file = pt->file;
    rv = gen_elem(g, xmlDocGetRootElement(pt->doc), NULL, NULL);
    g->tname = tname;
    g->file = file;
    g->incl--;
    return rv;
}

/* One element: its blocks, start tag, content and end tag. */
static int gen_elem(gen_t *g, xmlNodePtr t, xmlNodePtr lead,
                    const char *pname)
{
    const elem_t *e = t->_private;
    const htmlElemDesc *info;
    int each = -1, iff = -1, slot = -1, opt_end, rv;
    op_t *op;

    if (e == NULL) {
        return gen_fail(g, xmlGetLineNo(t), "template was not compiled");
    }
    if (e->include != NULL) {
        return gen_include(g, e);
    }
    if (e->each != NULL) {
        op = push_op(g, OP_EACH, e->line);
        op->path = path_compile(g->p, e->each);
        each = g->ops->nelts - 1;
    }
    if (e->if_.path != NULL || e->unless.path != NULL) {
        op = push_op(g, OP_IF, e->line);
        if (e->if_.path != NULL) {
            op->if_.path = path_compile(g->p, e->if_.path);
            op->if_.neg = e->if_.neg;
        }
        if (e->unless.path != NULL) {
            op->unless.path = path_compile(g->p, e->unless.path);
            op->unless.neg = e->unless.neg;
        }
        iff = g->ops->nelts - 1;
    }
    if (lead != NULL) {
        gen_text(g, lead->content, pname);
    }
    info = htmlTagLookup(BAD_CAST e->name);
    if (e->dattrs != NULL) {
        op = push_op(g, OP_TAG, e->line);
        op->tag = gen_tag(g, e);
        op->nodes = 1;
    }
    else {
        const sattr_t *a;
        aname_t n;

        ob_c(&g->st, '<');
        ob_put(&g->st, e->name, strlen(e->name));
        g->st_nodes++;
        for (a = e->attrs; a != NULL; a = a->next) {
            aname_init(&n, g->p, a->name, 0, e->name);
            write_attr(&g->st, &n, a->value);
            g->st_nodes++;
        }
    }
    ob_c(&g->st, '>');
    if (info != NULL && info->empty) {
        if (e->slot) {          /* the page goes in, and is not written */
            op = push_op(g, OP_SLOT, e->line);
            op->discard = 1;
            op->end = (apr_uint32_t)g->ops->nelts;
        }
        rv = 0;
        goto leave;
    }
    opt_end = info != NULL && info->saveEndTag
              && strcmp(info->name, "html") && strcmp(info->name, "body");
    if (opt_end) {
        op = push_op(g, OP_MARK, e->line);
        op->depth = g->depth++;
        if (g->depth > g->prog->max_depth) {
            g->prog->max_depth = g->depth;
        }
    }
    if (e->slot) {
        push_op(g, OP_SLOT, e->line);
        slot = g->ops->nelts - 1;
    }
    rv = 0;
    if (e->text != NULL) {
        op = push_op(g, OP_TEXT, e->line);
        op->path = path_compile(g->p, e->text);
    }
    else {
        rv = gen_children(g, t, e->name);
    }
    if (slot >= 0) {
        close_block(g, slot);
    }
    if (opt_end) {
        op = push_op(g, OP_ENDOPT, e->line);
        op->depth = --g->depth;
        op->bytes = apr_pstrcat(g->p, "</", e->name, ">", NULL);
        op->len = strlen(op->bytes);
    }
    else {
        ob_put(&g->st, "</", 2);
        ob_put(&g->st, e->name, strlen(e->name));
        ob_c(&g->st, '>');
    }
leave:
    if (iff >= 0) {
        close_block(g, iff);
    }
    if (each >= 0) {
        close_block(g, each);
    }
    return rv;
}

static int gen_children(gen_t *g, xmlNodePtr tparent, const char *pname)
{
    xmlNodePtr t, lead;

    for (t = tparent->children; t != NULL; t = t->next) {
        switch (t->type) {
        case XML_ELEMENT_NODE:
            /* the indentation before a repeated/optional element goes
             * with each of its copies, and away with it */
            lead = (t->prev && t->prev->type == XML_TEXT_NODE
                    && is_blank(t->prev->content) && cond_elem(t))
                   ? t->prev : NULL;
            if (gen_elem(g, t, lead, pname) < 0) {
                return -1;
            }
            break;
        case XML_TEXT_NODE:
        case XML_CDATA_SECTION_NODE:
            if (!(is_blank(t->content) && cond_elem(t->next))) {
                gen_text(g, t->content, pname);
            }
            break;
        case XML_COMMENT_NODE:
            ob_put(&g->st, "<!--", 4);
            if (t->content != NULL) {
                ob_put(&g->st, (const char *)t->content,
                       strlen((const char *)t->content));
            }
            ob_put(&g->st, "-->", 3);
            g->st_nodes++;
            break;
        case XML_ENTITY_REF_NODE:
            return gen_fail(g, xmlGetLineNo(t), "entity reference");
        default:
            break;              /* processing instructions etc. */
        }
    }
    return 0;
}

/* The program of one parsed and checked template. */
static apr_status_t gen_prog(apr_pool_t *p, apr_hash_t *tpls, tpl_t *t,
                             const char **errmsg)
{
    gen_t g;

    memset(&g, 0, sizeof(g));
    g.p = p;
    g.tpls = tpls;
    g.ops = apr_array_make(p, 64, sizeof(op_t));
    g.st.p = p;
    g.prog = apr_pcalloc(p, sizeof(prog_t));
    g.tname = t->name;
    g.file = t->file;
    if (gen_elem(&g, xmlDocGetRootElement(t->doc), NULL, NULL) < 0) {
        *errmsg = g.err;
        return APR_EGENERAL;
    }
    flush_static(&g);
    g.prog->ops = (op_t *)g.ops->elts;
    g.prog->nops = g.ops->nelts;
    t->prog = g.prog;
    return APR_SUCCESS;
}

/* ---- rendering ------------------------------------------------------ */

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

/* One attribute being built for an OP_TAG. */
typedef struct {
    const aname_t *n;
    const char *value;          /* raw value */
    const char *ser;            /* pre-serialized, while unchanged */
    apr_size_t ser_len;
    int gone;
} rattr_t;

typedef struct {
    apr_pool_t *p;
    obuf_t out;
    apr_size_t nodes;
    apr_size_t *marks;
    rattr_t *attrs;
    const char *page;           /* rendered page waiting for the slot */
    apr_size_t page_len;
    apr_size_t page_nodes;
    const char *err;
} rctx_t;

static json_t *member(json_t *j, const seg_t *g)
{
    if (json_is_object(j)) {
        return json_object_getn(j, g->s, g->len);
    }
    if (json_is_array(j) && g->is_num) {
        return json_array_get(j, g->num);
    }
    return NULL;
}

static jval_t lookup(const scope_t *s, const path_t *pt)
{
    jval_t v = { V_MISSING, NULL, 0 };
    json_t *j = NULL;
    int i;

    switch (pt->kind) {
    case P_DOT:
        v.j = s->item;
        break;
    case P_INDEX:
    case P_NUMBER:
        for (; s != NULL && !s->in_loop; s = s->up)
            ;
        if (s != NULL) {
            v.kind = V_INT;
            v.n = (json_int_t)s->index + (pt->kind == P_NUMBER);
        }
        return v;
    default:
        for (; s != NULL && j == NULL; s = s->up) {
            j = member(s->item, &pt->segs[0]);
        }
        for (i = 1; j != NULL && i < pt->nseg; i++) {
            j = member(j, &pt->segs[i]);
        }
        v.j = j;
        break;
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
static const char *real_text(char *buf, apr_size_t size, double d)
{
    int prec;

    for (prec = 1; prec <= 17; prec++) {
        snprintf(buf, size, "%.*g", prec, d);
        if (strtod(buf, NULL) == d) {
            break;
        }
    }
    return buf;
}

/* Text of a value; NULL for missing or null.  buf: 64 bytes. */
static const char *text_of(char *buf, jval_t v)
{
    if (v.kind == V_MISSING) {
        return NULL;
    }
    if (v.kind == V_INT) {
        snprintf(buf, 64, "%" JSON_INTEGER_FORMAT, v.n);
        return buf;
    }
    switch (json_typeof(v.j)) {
    case JSON_STRING:
        return json_string_value(v.j);
    case JSON_INTEGER:
        snprintf(buf, 64, "%" JSON_INTEGER_FORMAT, json_integer_value(v.j));
        return buf;
    case JSON_REAL:
        return real_text(buf, 64, json_real_value(v.j));
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

static int run_fail(rctx_t *c, const op_t *op, const char *what)
{
    if (c->err == NULL) {
        c->err = apr_psprintf(c->p, "template %s:%ld: %s",
                              op && op->tname ? op->tname : "?",
                              op ? op->line : 0L, what);
    }
    return -1;
}

static int made(rctx_t *c, const op_t *op, apr_size_t n)
{
    c->nodes += n;
    return c->nodes > JSZG_VIEW_MAX_NODES
           ? run_fail(c, op, "output too large") : 0;
}

/* xmlSetProp / xmlUnsetProp over the attribute list being built. */
static void attr_set(rattr_t *at, int *n, const aname_t *name,
                     const char *value)
{
    int i;

    for (i = 0; i < *n; i++) {
        if (at[i].gone) {
            continue;
        }
        if (value == NULL) {
            if (!at[i].n->xml_ns && !strcmp(at[i].n->name, name->name)) {
                at[i].gone = 1;
                return;
            }
        }
        else if (at[i].n->xml_ns == name->xml_ns
                 && !strcmp(at[i].n->out, name->out)) {
            at[i].value = value;
            at[i].ser = NULL;
            return;
        }
    }
    if (value != NULL) {
        at[*n].n = name;
        at[*n].value = value;
        at[*n].ser = NULL;
        at[*n].gone = 0;
        (*n)++;
    }
}

static int run_tag(rctx_t *c, const op_t *op, const scope_t *s)
{
    const ptag_t *t = op->tag;
    rattr_t *at = c->attrs;
    const char *cls = NULL;
    int n = 0, i, count = 1;
    char buf[64];

    for (i = 0; i < t->nattrs; i++) {
        at[n].n = &t->attrs[i].n;
        at[n].value = t->attrs[i].value;
        at[n].ser = t->attrs[i].ser;
        at[n].ser_len = t->attrs[i].ser_len;
        at[n].gone = 0;
        n++;
    }
    count += t->nattrs;
    for (i = 0; i < t->ndattrs; i++) {
        const pdattr_t *d = &t->dattrs[i];
        jval_t v = lookup(s, d->path);
        const char *txt;

        if (d->kind == DA_CLASS) {
            if (truthy(v)) {
                cls = cls ? apr_pstrcat(c->p, cls, " ", d->name, NULL)
                          : d->name;
            }
        }
        else if (d->is_bool) {
            attr_set(at, &n, &d->n, truthy(v) ? d->name : NULL);
            count += truthy(v);
        }
        else {
            txt = text_of(buf, v);
            if (txt != NULL && d->is_url) {
                txt = jszg_view_safe_url(c->p, txt);
            }
            else if (txt == buf) {
                txt = apr_pstrdup(c->p, buf);
            }
            attr_set(at, &n, &d->n, txt);
            count += txt != NULL;
        }
    }
    if (cls != NULL) {
        for (i = 0; i < n; i++) {
            if (!at[i].gone && !at[i].n->xml_ns
                && !strcmp(at[i].n->name, "class")) {
                if (*at[i].value) {
                    cls = apr_pstrcat(c->p, at[i].value, " ", cls, NULL);
                }
                break;
            }
        }
        attr_set(at, &n, &t->class_name, cls);
        count++;
    }
    if (made(c, op, count) < 0) {
        return -1;
    }
    ob_c(&c->out, '<');
    ob_put(&c->out, t->name, t->name_len);
    for (i = 0; i < n; i++) {
        if (at[i].gone) {
            continue;
        }
        if (at[i].ser != NULL) {
            ob_put(&c->out, at[i].ser, at[i].ser_len);
        }
        else {
            write_attr(&c->out, at[i].n, at[i].value);
        }
    }
    return 0;
}

static int passes(const op_t *op, const scope_t *s)
{
    if (op->if_.path != NULL
        && truthy(lookup(s, op->if_.path)) == op->if_.neg) {
        return 0;
    }
    if (op->unless.path != NULL
        && truthy(lookup(s, op->unless.path)) != op->unless.neg) {
        return 0;
    }
    return 1;
}

static int run(rctx_t *c, const prog_t *pg, int from, int to,
               const scope_t *s)
{
    int i;

    for (i = from; i < to; i++) {
        const op_t *op = &pg->ops[i];

        switch (op->kind) {
        case OP_STATIC:
            if (made(c, op, op->nodes) < 0) {
                return -1;
            }
            ob_put(&c->out, op->bytes, op->len);
            break;
        case OP_TEXT: {
            char buf[64];
            const char *txt = text_of(buf, lookup(s, op->path));

            if (txt != NULL && *txt) {
                if (made(c, op, 1) < 0) {
                    return -1;
                }
                write_text(&c->out, txt, 0);
            }
            break;
        }
        case OP_IF:
            if (!passes(op, s)) {
                i = (int)op->end - 1;
            }
            break;
        case OP_EACH: {
            jval_t v = lookup(s, op->path);
            json_t *item;
            size_t k;

            if (v.kind == V_JSON && json_is_array(v.j)) {
                json_array_foreach(v.j, k, item) {
                    scope_t is = { item, k, 1, s };

                    if (run(c, pg, i + 1, (int)op->end, &is) < 0) {
                        return -1;
                    }
                }
            }
            i = (int)op->end - 1;
            break;
        }
        case OP_TAG:
            if (run_tag(c, op, s) < 0) {
                return -1;
            }
            break;
        case OP_MARK:
            c->marks[op->depth] = c->nodes;
            break;
        case OP_ENDOPT:
            if (c->nodes != c->marks[op->depth]) {
                ob_put(&c->out, op->bytes, op->len);
            }
            break;
        case OP_SLOT:
            if (c->page != NULL) {
                if (!op->discard) {
                    ob_put(&c->out, c->page, c->page_len);
                    c->nodes += c->page_nodes;
                }
                c->page = NULL;
                i = (int)op->end - 1;
            }
            break;
        }
    }
    return 0;
}

static void rctx_init(rctx_t *c, apr_pool_t *p, const prog_t *a,
                      const prog_t *b)
{
    int na = a->max_attrs, nd = a->max_depth;

    memset(c, 0, sizeof(*c));
    c->p = p;
    c->out.p = p;
    if (b != NULL) {
        na = b->max_attrs > na ? b->max_attrs : na;
        nd = b->max_depth > nd ? b->max_depth : nd;
    }
    c->attrs = apr_palloc(p, sizeof(rattr_t) * (na + 1));
    c->marks = apr_palloc(p, sizeof(apr_size_t) * (nd + 1));
}

#define DOCTYPE "<!DOCTYPE html>\n"

static apr_status_t render_progs(apr_pool_t *p, const prog_t *page,
                                 const prog_t *layout, json_t *data,
                                 const char **html, apr_size_t *len,
                                 const char **errmsg)
{
    rctx_t c;
    scope_t root = { data, 0, 0, NULL };
    apr_size_t hint = page->static_len + (layout ? layout->static_len : 0);

    rctx_init(&c, p, page, layout);
    ob_grow(&c.out, hint + hint / 2 + 256);
    ob_put(&c.out, DOCTYPE, sizeof(DOCTYPE) - 1);
    if (layout != NULL) {
        obuf_t pg = { p, NULL, 0, 0 };

        ob_grow(&pg, page->static_len + page->static_len / 2 + 256);
        c.out = pg;
        if (run(&c, page, 0, page->nops, &root) < 0) {
            goto fail;
        }
        c.page = c.out.buf;
        c.page_len = c.out.len;
        c.page_nodes = c.nodes;
        c.out.buf = NULL;
        c.out.len = c.out.cap = 0;
        ob_grow(&c.out, hint + hint / 2 + 256);
        ob_put(&c.out, DOCTYPE, sizeof(DOCTYPE) - 1);
        if (run(&c, layout, 0, layout->nops, &root) < 0) {
            goto fail;
        }
        if (c.page != NULL) {
            run_fail(&c, NULL, "layout has no data-slot=\"content\"");
            goto fail;
        }
    }
    else if (run(&c, page, 0, page->nops, &root) < 0) {
        goto fail;
    }
    ob_c(&c.out, '\n');
    c.out.buf[c.out.len] = '\0';
    *html = c.out.buf;
    *len = c.out.len;
    return APR_SUCCESS;
fail:
    *errmsg = c.err;
    return APR_EGENERAL;
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
    return render_progs(p, page->prog, lay ? lay->prog : NULL, data, html,
                        len, errmsg);
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
    rv = gen_prog(p, NULL, &t, errmsg);
    xmlFreeDoc(t.doc);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    return render_progs(p, t.prog, NULL, data, html, len, errmsg);
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
        rv = gen_prog(v->pool, v->tpls, apr_hash_this_val(hi), errmsg);
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
