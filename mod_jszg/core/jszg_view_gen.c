/*
 * jszg_view_gen.c - the template engine's serializer and code generation.
 *
 * Code generation (once per template, after jszg_view.c has parsed and
 * checked them all): walk the checked tree into a flat program of ops
 * (jszg_view_int.h), data-include inlining the partial's tree.  Static
 * markup is serialized here, byte for byte as libxml2 2.9's HTML
 * serializer wrote it; each data attribute becomes a typed hole, and
 * paths ("a.b.0", ".", "#index") are compiled into segments.
 *
 * The serializer (jszg_view_write_text, jszg_view_write_attr) is also
 * what jszg_view_render.c writes the holes with.
 *
 * The engine's map is in jszg_view_int.h.
 */
#include <stdlib.h>
#include <string.h>

#include <apr_cstr.h>
#include <apr_hash.h>
#include <apr_strings.h>

#include <libxml/HTMLtree.h>
#include <libxml/tree.h>

#include "jszg_view_int.h"

/* ---- serialization (what libxml2 2.9's HTMLtree.c writes) ---------- */

void jszg_view_ob_grow(obuf_t *b, apr_size_t more)
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

void jszg_view_write_text(obuf_t *b, const char *s, int raw)
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
void jszg_view_write_attr(obuf_t *b, const aname_t *n, const char *value)
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
        jszg_view_write_attr(&b, &pa->n, a->value);
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
        jszg_view_write_text(&g->st, (const char *)s,
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
            jszg_view_write_attr(&g->st, &n, a->value);
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
apr_status_t jszg_view_gen_prog(apr_pool_t *p, apr_hash_t *tpls, tpl_t *t,
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
