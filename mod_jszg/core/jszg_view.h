/*
 * jszg_view.h - the template engine: XHTML templates parsed and checked
 * once by libxml2, compiled into flat programs (pre-serialized static
 * HTML and typed holes), rendered into one pool buffer from a jansson
 * object.  Output is escaped by construction, by the kind of hole: text,
 * attribute value, URL attribute, boolean attribute, class toggle.
 *
 * Pure library: APR + libxml2 + jansson, no httpd headers.
 *
 * Template language (attributes on elements; directive attributes are
 * removed from the output, other data-* attributes are kept):
 *
 *   data-text="path"        children replaced by the value as text
 *   data-if="path|!path"    keep the element only if (not) truthy
 *   data-unless="path"      drop the element if truthy
 *   data-each="path"        repeat the element per array item
 *   data-attr-NAME="path"   set attribute NAME (boolean and URL aware)
 *   data-class-NAME="path"  add class NAME if truthy
 *   data-slot="content"     in a layout: where the page goes
 *   data-include="name"     the element is replaced by the root element of
 *                           template `name` (a partial, e.g.
 *                           "partials/account_menu"), filled in the same
 *                           scope; the element takes no other attribute
 *                           and no content; partials may include partials
 *                           (8 deep at most)
 *
 * Paths: "a.b.c" (object members; a decimal segment indexes an array),
 * "." (the current loop item), "#index" (0-based), "#number" (1-based).
 * Inside data-each the first segment is looked up in the loop item, then
 * in the outer scopes up to the root object.
 *
 * Templates are checked when parsed: entity references, DOCTYPEs with an
 * internal subset, data-text on script/style, data-attr-on* / style /
 * srcdoc, data-attr-src on script, data-attr-href on base,
 * data-each/if/unless on the root element, and data-include of an unknown
 * template are refused with an error naming the file and line.
 *
 * The bytes written are those libxml2 2.9's HTML serializer wrote when
 * every page was a fresh DOM (tests/unit/golden holds them): void elements
 * without end tag, an <li> without children without one, libxml2's
 * boolean attributes (checked, selected, disabled, ...) without a value,
 * href/src/action (and name on <a>) URI-escaped, a value with a double
 * quote and no single quote in single quotes, control characters dropped.
 *
 * The caller must have called xmlInitParser() once (in the parent
 * process); this library never calls xmlCleanupParser().
 */
#ifndef JSZG_VIEW_H
#define JSZG_VIEW_H

#include <apr_pools.h>
#include <jansson.h>

/* Upper bound on the number of nodes (elements, attributes, texts) one
 * render may write. */
#define JSZG_VIEW_MAX_NODES 200000

/* Upper bound on the size of one template file, in bytes. */
#define JSZG_VIEW_MAX_FILE (4 * 1024 * 1024)

/* A per-process set of parsed templates.  Read-only after creation. */
typedef struct jszg_view jszg_view;

/*
 * Parse every *.html file under dir (recursively; dot-files and
 * dot-directories skipped) once.  The template name is the path relative
 * to dir without ".html", e.g. "login" or "admin/list".  The parsed
 * documents are freed when p is cleared or destroyed.
 *
 * Returns APR_SUCCESS, or an error with *errmsg naming the file, the line
 * and the libxml2 (or template check) message.
 */
apr_status_t jszg_view_create(apr_pool_t *p, const char *dir,
                              jszg_view **out, const char **errmsg);

/* 1 if the view holds a template of that name, else 0. */
int jszg_view_has(const jszg_view *v, const char *name);

/*
 * Render template `name` with `data` (a json object; NULL is treated as
 * an empty object).  If layout != NULL, the filled page's root element
 * becomes the content of the layout's data-slot="content" element (the
 * layout is filled with the same data).
 *
 * *html is a complete UTF-8 document starting with "<!DOCTYPE html>\n",
 * allocated from p; *len is its length.  Returns APR_NOTFOUND for an
 * unknown template or layout (with *errmsg set), APR_EGENERAL for a
 * render error.  Thread-safe: the compiled programs are never modified;
 * rendering allocates only from p and never calls libxml2.
 */
apr_status_t jszg_view_render(jszg_view *v, apr_pool_t *p, const char *name,
                              const char *layout, json_t *data,
                              const char **html, apr_size_t *len,
                              const char **errmsg);

/* Same, from a template given as a string (tests, fuzzing); no layout,
 * no partials. */
apr_status_t jszg_view_render_string(apr_pool_t *p, const char *tpl,
                                     apr_size_t tpl_len, json_t *data,
                                     const char **html, apr_size_t *len,
                                     const char **errmsg);

/*
 * The URL allow-list used for href, src, action, formaction (and a few
 * other URL attributes): returns the trimmed URL if it is relative or
 * uses http:, https: or mailto:, else "#".  Allocated from p.
 */
const char *jszg_view_safe_url(apr_pool_t *p, const char *url);

#endif /* JSZG_VIEW_H */
