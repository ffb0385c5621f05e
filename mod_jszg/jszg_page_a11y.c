/*
 * jszg_page_a11y.c -- accessibility (issue 19): the data every layout
 * needs for it, and the 适老化 (larger text, higher contrast) switch.
 *
 * The switch is a plain link on every page, no JavaScript:
 * GET /a11y/mode?on=1&back=/the/page sets a cookie and sends the visitor
 * back (a local path only, else "/").  The layouts put class="elder" on
 * <html> while the cookie says so (htdocs/static/css/a11y.css).
 */
#include "jszg_private.h"
#include "jszg_form.h"
#include "apr_strings.h"
#include "apr_escape.h"

#define ELDER_COOKIE    "jszg_elder"
#define ELDER_MAX_AGE   (365 * 24 * 3600)

static int elder_on(jszg_req *jr)
{
    const char *h = apr_table_get(jr->r->headers_in, "Cookie");
    const char *v = h ? jszg_cookie_get(jr->pool, h, ELDER_COOKIE) : NULL;

    return v != NULL && !strcmp(v, "1");
}

/* Where the switch brings the visitor back: this page (a GET keeps its
 * query; after a POST, the page's own address).  From a refusal or a
 * page not found, the home page: the refused address (someone else's
 * 报名号) is not echoed into the page. */
static const char *switch_href(jszg_req *jr, int status, int on)
{
    request_rec *r = jr->r;
    const char *back = r->uri;

    if (status == HTTP_UNAUTHORIZED || status == HTTP_FORBIDDEN
        || status == HTTP_NOT_FOUND || status == HTTP_GONE)
        back = "/";
    else if (r->method_number == M_GET && r->args && *r->args)
        back = apr_pstrcat(jr->pool, r->uri, "?", r->args, NULL);
    if (!jszg_local_path(back))
        back = "/";
    return apr_pstrcat(jr->pool, "/a11y/mode?on=", on ? "1" : "0",
                       "&back=", apr_pescape_urlencoded(jr->pool, back),
                       NULL);
}

/* For data.errors = {field: message}: error_refs.FIELD = "err-FIELD"
 * (aria-describedby of the field, id of its message), error_invalid.FIELD
 * = "true" (aria-invalid) and error_list = [{href, message}] (the error
 * summary at the top of the page, each line a link to the message that
 * sits beside its field). */
static void error_refs(jszg_req *jr, json_t *data)
{
    json_t *errs = json_object_get(data, "errors");
    json_t *refs, *invalid, *list, *v;
    const char *key;

    if (!json_is_object(errs) || json_object_size(errs) == 0
        || json_object_get(data, "error_list"))
        return;
    refs = json_object();
    invalid = json_object();
    list = json_array();
    json_object_foreach(errs, key, v) {
        const char *id = apr_pstrcat(jr->pool, "err-", key, NULL);

        if (!json_is_string(v) || !*json_string_value(v))
            continue;
        json_object_set_new(refs, key, json_string(id));
        json_object_set_new(invalid, key, json_string("true"));
        json_array_append_new(list, json_pack(
            "{s:s, s:O}", "href", apr_pstrcat(jr->pool, "#", id, NULL),
            "message", v));
    }
    json_object_set_new(data, "error_refs", refs);
    json_object_set_new(data, "error_invalid", invalid);
    if (json_array_size(list))
        json_object_set_new(data, "error_list", list);
    else
        json_decref(list);
}

void jszg_page_a11y(jszg_req *jr, int status, json_t *data)
{
    if (elder_on(jr))
        json_object_set_new(data, "elder", json_true());
    json_object_set_new(data, "a11y_on_href",
                        json_string(switch_href(jr, status, 1)));
    json_object_set_new(data, "a11y_off_href",
                        json_string(switch_href(jr, status, 0)));
    error_refs(jr, data);
}

/* GET /a11y/mode?on=0|1&back=/path */
int jszg_page_a11y_mode(jszg_req *jr)
{
    const char *on = jszg_query(jr, "on");
    const char *back = jszg_query(jr, "back");

    if (!on || (strcmp(on, "0") && strcmp(on, "1")))
        return jszg_error(jr, HTTP_BAD_REQUEST, "bad_request",
                          "参数有误。");
    if (!strcmp(on, "1"))
        jszg_set_cookie(jr, ELDER_COOKIE, "1", ELDER_MAX_AGE);
    else
        jszg_set_cookie(jr, ELDER_COOKIE, "", 0);
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, jr->r, JSZGLOGNO(20600)
                  "适老化模式 %s", !strcmp(on, "1") ? "on" : "off");
    /* jszg_redirect sends anything but a local path to "/" */
    return jszg_redirect(jr, back && *back ? back : "/");
}
