/*
 * jszg_view_render.c - running the template engine's programs (per
 * request, any thread): the ops of a page (and of its layout) run against
 * a jansson object, appending the static runs and the holes' values to
 * one growing buffer in the request pool, each value escaped for its
 * context (text, attribute, URL attribute through jszg_view_safe_url,
 * boolean attribute, class toggle) with jszg_view_gen.c's serializer.
 * No DOM, no libxml2 call, no malloc; the data are borrowed (reference
 * counts never change, so threads may share them).
 *
 * The engine's map is in jszg_view_int.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_cstr.h>
#include <apr_strings.h>

#include "jszg_view_int.h"

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
            jszg_view_write_attr(&c->out, at[i].n, at[i].value);
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
                jszg_view_write_text(&c->out, txt, 0);
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

apr_status_t jszg_view_render_progs(apr_pool_t *p, const prog_t *page,
                                    const prog_t *layout, json_t *data,
                                    const char **html, apr_size_t *len,
                                    const char **errmsg)
{
    rctx_t c;
    scope_t root = { data, 0, 0, NULL };
    apr_size_t hint = page->static_len + (layout ? layout->static_len : 0);

    rctx_init(&c, p, page, layout);
    jszg_view_ob_grow(&c.out, hint + hint / 2 + 256);
    ob_put(&c.out, DOCTYPE, sizeof(DOCTYPE) - 1);
    if (layout != NULL) {
        obuf_t pg = { p, NULL, 0, 0 };

        jszg_view_ob_grow(&pg, page->static_len + page->static_len / 2 + 256);
        c.out = pg;
        if (run(&c, page, 0, page->nops, &root) < 0) {
            goto fail;
        }
        c.page = c.out.buf;
        c.page_len = c.out.len;
        c.page_nodes = c.nodes;
        c.out.buf = NULL;
        c.out.len = c.out.cap = 0;
        jszg_view_ob_grow(&c.out, hint + hint / 2 + 256);
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
