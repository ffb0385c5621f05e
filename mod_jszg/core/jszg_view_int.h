/*
 * jszg_view_int.h - private to the template engine's three files; the
 * public API is jszg_view.h, which also describes the template language.
 * Nothing outside mod_jszg/core/jszg_view*.c includes this header.
 *
 * A newcomer's map.  A template goes through three phases, one file each:
 *
 *   jszg_view.c         the public API and the template set.  Loading
 *                       every *.html under a directory (once per process),
 *                       parsing it with libxml2 and checking it: the data-*
 *                       directives and their paths, the attributes data may
 *                       never reach, entities and internal subsets; each
 *                       refusal is a start-up error naming file and line.
 *                       Every element gets a checked elem_t on its
 *                       _private.  When all are parsed, each template is
 *                       compiled (partials can then be inlined) and the
 *                       documents are freed; jszg_view_render() finds the
 *                       programs by name.
 *   jszg_view_gen.c     the serializer (the bytes libxml2 2.9's HTMLtree.c
 *                       writes: text and attribute escaping, URI escaping,
 *                       quoting, boolean attributes, optional end tags),
 *                       paths, and code generation: a checked tree into a
 *                       prog_t, a flat array of ops holding pre-serialized
 *                       static runs and typed holes.
 *   jszg_view_render.c  running a prog_t (per request, any thread) against
 *                       a jansson object into one buffer of the request
 *                       pool: lookups, truthiness, each hole escaped for
 *                       its context, the URL allow-list, the layout's slot.
 *                       No DOM, no libxml2 call, no malloc.
 *
 * This header holds what they share: the checked tree (jszg_view.c writes
 * it, jszg_view_gen.c reads it), the program (jszg_view_gen.c writes it,
 * jszg_view_render.c runs it), the output buffer, and the few functions
 * that cross a file boundary.
 */
#ifndef JSZG_VIEW_INT_H
#define JSZG_VIEW_INT_H

#include <string.h>

#include <apr_hash.h>
#include <apr_pools.h>

#include <libxml/tree.h>

#include "jszg_view.h"

/* ---- checked templates (jszg_view.c writes, jszg_view_gen.c reads) -- */

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

/* ---- programs (jszg_view_gen.c writes, jszg_view_render.c runs) ----- */

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

/* ---- the output buffer ---------------------------------------------- */

/* Bytes growing in a pool: static runs at compile time, a render's
 * output per request. */
typedef struct {
    apr_pool_t *p;
    char *buf;
    apr_size_t len, cap;
} obuf_t;

/* Makes room for more bytes (and a NUL); copies into a bigger block of
 * b->p, doubling from 1 KB. */
void jszg_view_ob_grow(obuf_t *b, apr_size_t more);

static APR_INLINE void ob_put(obuf_t *b, const char *s, apr_size_t n)
{
    if (b->cap - b->len < n + 1) {
        jszg_view_ob_grow(b, n);
    }
    memcpy(b->buf + b->len, s, n);
    b->len += n;
}

static APR_INLINE void ob_c(obuf_t *b, char c)
{
    if (b->cap - b->len < 2) {
        jszg_view_ob_grow(b, 1);
    }
    b->buf[b->len++] = c;
}

/* ---- across the files ----------------------------------------------- */

/* jszg_view_gen.c: the serializer.  Text as libxml2 writes it (raw: the
 * content of script/style, written as it is). */
void jszg_view_write_text(obuf_t *b, const char *s, int raw);

/* jszg_view_gen.c: " name" or " name=\"value\"" as libxml2 writes it. */
void jszg_view_write_attr(obuf_t *b, const aname_t *n, const char *value);

/* jszg_view_gen.c: t->prog from t->doc (parsed and checked); tpls holds
 * the partials data-include may name (NULL: none).  On failure *errmsg
 * names the file and line. */
apr_status_t jszg_view_gen_prog(apr_pool_t *p, apr_hash_t *tpls, tpl_t *t,
                                const char **errmsg);

/* jszg_view_render.c: runs page (inside layout, if not NULL) on data;
 * the contract of jszg_view_render(). */
apr_status_t jszg_view_render_progs(apr_pool_t *p, const prog_t *page,
                                    const prog_t *layout, json_t *data,
                                    const char **html, apr_size_t *len,
                                    const char **errmsg);

#endif /* JSZG_VIEW_INT_H */
