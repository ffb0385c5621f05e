/*
 * jszg_session.c -- server secret, the one session system of applicants
 * and staff, the one CSRF scheme, and the small crypto helpers they need.
 *
 * A session cookie carries a random token; the database holds only its
 * SHA-256, so a leaked table does not give away live sessions.  CSRF
 * tokens are an HMAC of the session token (or, before login, of a random
 * cookie) under the server secret: checking one needs no database access.
 *
 * Two kinds of session share every step here -- the token, its hash, the
 * cookie policy, expiry (JszgSessionIdle / JszgSessionMaxLife), the idle
 * clock's refresh at most once a minute, "the database is unreachable"
 * (a 503, never a logout), rotation at login, deletion, CSRF.  The kind
 * (the route's: JSZG_R_BACKOFFICE is staff) only chooses the cookie's
 * name and scope and the store's statements (struct sess_kind): an
 * applicant's and a staff login live side by side in one browser, and
 * neither session is ever looked up for the other kind's routes.
 */
#include "jszg_private.h"
#include "apr_strings.h"
#include "apr_lib.h"
#include "apr_file_io.h"
#include "apr_base64.h"
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/params.h>

#define ANON_COOKIE "jszg_csrf"
#define TOUCH_EVERY apr_time_from_sec(60)

apr_status_t jszg_secret_load(apr_pool_t *p, jszg_server_conf *sc,
                              const char **err)
{
    apr_file_t *f;
    apr_size_t n = sizeof(sc->secret);
    apr_status_t rv;

    rv = apr_file_open(&f, sc->secret_file, APR_FOPEN_READ, 0, p);
    if (rv != APR_SUCCESS) {
        *err = "cannot be opened";
        return rv;
    }
    rv = apr_file_read_full(f, sc->secret, n, &n);
    apr_file_close(f);
    if (rv != APR_SUCCESS && rv != APR_EOF) {
        *err = "cannot be read";
        return rv;
    }
    if (n < JSZG_SECRET_MIN) {
        *err = apr_psprintf(p, "holds %" APR_SIZE_T_FMT " bytes, at least "
                            "%d are needed", n, JSZG_SECRET_MIN);
        return APR_EINVAL;
    }
    sc->secret_len = n;
    return APR_SUCCESS;
}

/* base64url without padding: safe in cookies, URLs and form fields. */
static const char *b64url(apr_pool_t *p, const unsigned char *buf,
                          apr_size_t len)
{
    char *out = apr_palloc(p, apr_base64_encode_len((int)len));
    char *c;
    int n = apr_base64_encode_binary(out, buf, (int)len);

    out[n > 0 ? n - 1 : 0] = '\0';
    for (c = out; *c; c++) {
        if (*c == '+')
            *c = '-';
        else if (*c == '/')
            *c = '_';
        else if (*c == '=') {
            *c = '\0';
            break;
        }
    }
    return out;
}

const char *jszg_random_token(apr_pool_t *p, apr_size_t nbytes)
{
    unsigned char buf[64];

    if (nbytes > sizeof(buf))
        nbytes = sizeof(buf);
    if (apr_generate_random_bytes(buf, nbytes) != APR_SUCCESS)
        return NULL;
    return b64url(p, buf, nbytes);
}

/* OpenSSL 3's one-shot SHA256() and HMAC() look the algorithm up in
 * the provider store on every call (a fetch under a lock, and several
 * mallocs for the HMAC context): with a session lookup and a CSRF token
 * per page, that was about 4 % of a page's time (README "Benchmarks").
 * Each child fetches SHA-256 once and keys one HMAC context per server
 * secret (jszg_crypto_child_init); a call copies that context.  Threads
 * only read the shared ones.  Any other key, or a child where that
 * failed, takes the one-shot path. */
#define HMAC_KEYED_MAX 8
static EVP_MD *sha256_md;
static EVP_MAC *hmac_mac;
static struct {
    const unsigned char *key;
    apr_size_t klen;
    EVP_MAC_CTX *ctx;
} hmac_keyed[HMAC_KEYED_MAX];
static int hmac_nkeyed;

static apr_status_t crypto_cleanup(void *dummy)
{
    int i;
    (void)dummy;

    for (i = 0; i < hmac_nkeyed; i++)
        EVP_MAC_CTX_free(hmac_keyed[i].ctx);
    hmac_nkeyed = 0;
    EVP_MAC_free(hmac_mac);
    hmac_mac = NULL;
    EVP_MD_free(sha256_md);
    sha256_md = NULL;
    return APR_SUCCESS;
}

void jszg_crypto_child_init(apr_pool_t *pchild, server_rec *s)
{
    OSSL_PARAM params[2];
    server_rec *vs;

    sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
    hmac_mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    apr_pool_cleanup_register(pchild, NULL, crypto_cleanup,
                              apr_pool_cleanup_null);
    if (!hmac_mac)
        return;
    params[0] = OSSL_PARAM_construct_utf8_string("digest", "SHA256", 0);
    params[1] = OSSL_PARAM_construct_end();
    for (vs = s; vs && hmac_nkeyed < HMAC_KEYED_MAX; vs = vs->next) {
        jszg_server_conf *sc = ap_get_module_config(vs->module_config,
                                                    &jszg_module);
        EVP_MAC_CTX *ctx;

        if (!sc->secret_len)
            continue;
        if (!(ctx = EVP_MAC_CTX_new(hmac_mac)))
            return;
        if (!EVP_MAC_init(ctx, sc->secret, sc->secret_len, params)) {
            EVP_MAC_CTX_free(ctx);
            return;
        }
        hmac_keyed[hmac_nkeyed].key = sc->secret;
        hmac_keyed[hmac_nkeyed].klen = sc->secret_len;
        hmac_keyed[hmac_nkeyed].ctx = ctx;
        hmac_nkeyed++;
    }
}

const char *jszg_sha256_hex(apr_pool_t *p, const char *s)
{
    static const char hexd[] = "0123456789abcdef";
    unsigned char md[SHA256_DIGEST_LENGTH];
    char *hex = apr_palloc(p, 2 * sizeof(md) + 1);
    apr_size_t i;

    if (!sha256_md || !EVP_Digest(s, strlen(s), md, NULL, sha256_md, NULL))
        SHA256((const unsigned char *)s, strlen(s), md);
    for (i = 0; i < sizeof(md); i++) {
        hex[2 * i] = hexd[md[i] >> 4];
        hex[2 * i + 1] = hexd[md[i] & 15];
    }
    hex[2 * sizeof(md)] = '\0';
    return hex;
}

/* HMAC-SHA256 through the child's keyed context for this key, if any. */
static int hmac_keyed_run(const unsigned char *key, apr_size_t klen,
                          const char *msg, unsigned char *md,
                          unsigned int *mdlen)
{
    EVP_MAC_CTX *ctx = NULL;
    size_t n = 0;
    int i, ok;

    for (i = 0; i < hmac_nkeyed; i++)
        if (hmac_keyed[i].key == key && hmac_keyed[i].klen == klen) {
            ctx = EVP_MAC_CTX_dup(hmac_keyed[i].ctx);
            break;
        }
    if (!ctx)
        return 0;
    ok = EVP_MAC_update(ctx, (const unsigned char *)msg, strlen(msg))
         && EVP_MAC_final(ctx, md, &n, EVP_MAX_MD_SIZE);
    EVP_MAC_CTX_free(ctx);
    *mdlen = (unsigned int)n;
    return ok;
}

const char *jszg_hmac_b64(apr_pool_t *p, const unsigned char *key,
                          apr_size_t klen, const char *msg)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;

    if (!hmac_keyed_run(key, klen, msg, md, &mdlen)
        && !HMAC(EVP_sha256(), key, (int)klen, (const unsigned char *)msg,
                 strlen(msg), md, &mdlen))
        return NULL;
    return b64url(p, md, mdlen);
}

/* Constant-time comparison of two NUL-terminated strings. */
int jszg_const_eq(const char *a, const char *b)
{
    apr_size_t la, lb;

    if (!a || !b)
        return 0;
    la = strlen(a);
    lb = strlen(b);
    if (la != lb)
        return 0;
    return CRYPTO_memcmp(a, b, la) == 0;
}

/* A token we issued is base64url of 32 bytes (18 for the anonymous
 * CSRF cookie): refuse anything else before it reaches the database. */
static int token_well_formed(const char *t)
{
    apr_size_t n = 0;

    if (!t)
        return 0;
    for (; t[n]; n++) {
        char c = t[n];
        if (!(apr_isalnum(c) || c == '-' || c == '_'))
            return 0;
    }
    return n >= 20 && n <= 88;
}

/* What the kind of a session chooses; everything else is shared. */
static const struct sess_kind {
    const char *cookie;         /* the cookie's name */
    const char *path;           /* ... and scope (see cookie_out) */
    const char *same_site;
    const char *csrf_tag;       /* the CSRF token's HMAC message prefix */
    const char *get;            /* the store's statements (jszg_store.c, */
    const char *insert;         /* jszg_store_admin.c): the same columns */
    const char *touch;          /* and parameters, one table each */
    const char *del;
} sess_kinds[] = {
    /* JSZG_SESS_APPLICANT: the whole site */
    { "jszg_sid", "/", "Lax", "s:",
      "session_get", "session_insert", "session_touch", "session_delete" },
    /* JSZG_SESS_STAFF: the back office only (its API is /admin/api/) */
    { "jszg_admin", "/admin", "Strict", "staff:",
      "admin_session_get", "admin_session_insert", "admin_session_touch",
      "admin_session_delete" },
};

static const struct sess_kind *kind_of(jszg_req *jr)
{
    return &sess_kinds[jr->kind == JSZG_SESS_STAFF ? 1 : 0];
}

static int use_secure_cookie(jszg_req *jr)
{
    if (jr->sc->cookie_secure == JSZG_SECURE_ON)
        return 1;
    if (jr->sc->cookie_secure == JSZG_SECURE_OFF)
        return 0;
    return !strcmp(ap_http_scheme(jr->r), "https");
}

/* The one cookie policy: HttpOnly, Secure when served over TLS (or as
 * JszgCookieSecure says), never a lifetime for a session (the server
 * ends it).  Only the scope differs: site-wide cookies and the
 * applicant's session are Path=/ with SameSite=Lax (a link from another
 * site, say a bureau's notice, arrives logged in); the staff session is
 * Path=/admin with SameSite=Strict (never sent to the applicant pages,
 * and a link from another site never arrives logged in to the back
 * office). */
static void cookie_out(jszg_req *jr, const char *name, const char *value,
                       const char *path, const char *same_site, int max_age)
{
    const char *c = apr_psprintf(jr->pool, "%s=%s; Path=%s; HttpOnly; "
                                 "SameSite=%s%s%s", name, value, path,
                                 same_site,
                                 use_secure_cookie(jr) ? "; Secure" : "",
                                 max_age >= 0
                                 ? apr_psprintf(jr->pool, "; Max-Age=%d",
                                                max_age) : "");
    /* err_headers_out: the cookie must survive error pages and redirects */
    apr_table_add(jr->r->err_headers_out, "Set-Cookie", c);
}

void jszg_set_cookie(jszg_req *jr, const char *name, const char *value,
                     int max_age)
{
    cookie_out(jr, name, value, "/", "Lax", max_age);
}

/* The session cookie of the request's kind: the token, or cleared. */
static void session_cookie(jszg_req *jr, const char *token)
{
    const struct sess_kind *k = kind_of(jr);

    cookie_out(jr, k->cookie, token ? token : "", k->path, k->same_site,
               token ? -1 : 0);
}

static const char *cookie(jszg_req *jr, const char *name)
{
    const char *h = apr_table_get(jr->r->headers_in, "Cookie");
    return h ? jszg_cookie_get(jr->pool, h, name) : NULL;
}

static apr_time_t row_time(json_t *row, const char *col)
{
    const char *v = json_string_value(json_object_get(row, col));

    return apr_time_from_sec(v ? apr_atoi64(v) : 0);
}

/* Load the session of the request's kind named by its cookie, if it is
 * alive.  An expired one (idle, or past its maximum life) is deleted
 * and its cookie cleared.  A database failure leaves jr->session NULL
 * with jr->session_db_down set (the store logged it): jszg_handle
 * answers 503, it is not "logged out" (tests/faults). */
jszg_session *jszg_session_get(jszg_req *jr)
{
    const struct sess_kind *k = kind_of(jr);
    const char *token, *hash;
    json_t *row = NULL;
    apr_time_t created, seen, expires;
    const char *data;

    if (jr->session_loaded)
        return jr->session;
    jr->session_loaded = 1;
    token = cookie(jr, k->cookie);
    if (!token_well_formed(token))
        return NULL;
    hash = jszg_sha256_hex(jr->pool, token);
    switch (jszg_db_row(jr, k->get, &row, 1, hash)) {
    case JSZG_DB_OK:
        break;
    case JSZG_DB_NOTFOUND:
        return NULL;
    default:
        jr->session_db_down = 1;
        return NULL;
    }
    created = row_time(row, "created_at");
    seen = row_time(row, "last_seen_at");
    expires = row_time(row, "expires_at");
    if (jr->now > expires || jr->now > seen + jr->sc->session_idle) {
        jszg_db_exec(jr, k->del, NULL, 1, hash);
        session_cookie(jr, NULL);
        return NULL;
    }
    jr->session = apr_pcalloc(jr->pool, sizeof(*jr->session));
    jr->session->kind = jr->kind;
    jr->session->token = token;
    jr->session->id_hash = hash;
    jr->session->created = created;
    if (jr->kind == JSZG_SESS_STAFF)
        jr->session->row = row;
    data = json_string_value(json_object_get(row, "data"));
    jr->session->data = data ? json_loads(data, 0, NULL) : NULL;
    if (!json_is_object(jr->session->data)) {
        json_decref(jr->session->data);
        jr->session->data = json_object();
    }
    jszg_pool_json(jr->pool, jr->session->data);
    if (jr->kind == JSZG_SESS_APPLICANT)
        jr->session->account_id = json_string_value(
            json_object_get(row, "account_id"));
    /* what is left of the row is the account's (jszg_wz_applicant) */
    if (jr->session->account_id
        && json_is_string(json_object_get(row, "id"))) {
        /* (account_id stays: s->account_id points into it) */
        static const char *const own[] = { "created_at", "last_seen_at",
            "expires_at", "data", NULL };
        const char *const *c;

        for (c = own; *c; c++)
            json_object_del(row, *c);
        jr->session->account = row;
    }
    /* Refresh the idle clock at most once a minute: not a write per hit. */
    if (jr->now - seen > TOUCH_EVERY)
        jr->session->dirty = 1;
    return jr->session;
}

/* Insert a session row of the request's kind for owner_id (NULL: an
 * anonymous applicant); the cookie is the caller's. */
static jszg_session *session_create(jszg_req *jr, const char *owner_id)
{
    const struct sess_kind *k = kind_of(jr);
    jszg_session *s;
    const char *now = apr_psprintf(jr->pool, "%" APR_TIME_T_FMT,
                                   apr_time_sec(jr->now));
    const char *exp = apr_psprintf(jr->pool, "%" APR_TIME_T_FMT,
                                   apr_time_sec(jr->now
                                                + jr->sc->session_max));
    const char *ua = apr_table_get(jr->r->headers_in, "User-Agent");
    char ubuf[200];

    s = apr_pcalloc(jr->pool, sizeof(*s));
    s->kind = jr->kind;
    s->token = jszg_random_token(jr->pool, 32);
    if (!s->token)
        return NULL;
    s->id_hash = jszg_sha256_hex(jr->pool, s->token);
    if (jr->kind == JSZG_SESS_APPLICANT)
        s->account_id = owner_id;
    s->created = jr->now;
    s->data = jszg_pool_json(jr->pool, json_object());
    /* keep a short, valid-UTF-8 user agent for the session lists */
    apr_cpystrn(ubuf, ua ? ua : "", sizeof(ubuf));
    if (!jszg_utf8_valid(ubuf, strlen(ubuf)))
        ubuf[0] = '\0';
    if (jszg_db_exec(jr, k->insert, NULL, 7, s->id_hash, owner_id,
                     now, now, exp, jr->r->useragent_ip, ubuf)
        != JSZG_DB_OK)
        return NULL;
    jr->session = s;
    jr->session_loaded = 1;
    return s;
}

jszg_session *jszg_session_ensure(jszg_req *jr)
{
    jszg_session *s = jszg_session_get(jr);

    /* a staff session always has its staff member: never anonymous */
    if (s || jr->session_db_down || jr->kind != JSZG_SESS_APPLICANT
        || !(s = session_create(jr, NULL)))
        return s;
    session_cookie(jr, s->token);
    return s;
}

/* A fresh session: the old id is never reused after a login (no
 * fixation).  Its data (an applicant's entry) survives the rotation. */
jszg_session *jszg_session_open(jszg_req *jr, const char *owner_id)
{
    const struct sess_kind *k = kind_of(jr);
    jszg_session *old = jszg_session_get(jr);
    json_t *data = old ? json_deep_copy(old->data) : NULL;
    jszg_session *s = NULL;

    if (!old || jszg_db_exec(jr, k->del, NULL, 1, old->id_hash)
                == JSZG_DB_OK) {
        jr->session = NULL;
        s = session_create(jr, owner_id);
    }
    if (s && data && json_object_size(data)) {
        json_object_update(s->data, data);
        s->dirty = 1;
    }
    json_decref(data);
    return s;
}

void jszg_session_cookie(jszg_req *jr)
{
    if (jr->session)
        session_cookie(jr, jr->session->token);
}

jszg_session *jszg_session_login(jszg_req *jr, const char *owner_id)
{
    jszg_session *s = jszg_session_open(jr, owner_id);

    if (s)
        session_cookie(jr, s->token);
    return s;
}

apr_status_t jszg_session_save(jszg_req *jr)
{
    jszg_session *s = jr->session;
    char *data;
    int rc;

    if (!s || !s->dirty)
        return APR_SUCCESS;
    data = json_dumps(s->data, JSON_COMPACT);
    rc = jszg_db_exec(jr, sess_kinds[s->kind].touch, NULL, 3,
                      apr_psprintf(jr->pool, "%" APR_TIME_T_FMT,
                                   apr_time_sec(jr->now)),
                      data ? data : "{}", s->id_hash);
    free(data);
    s->dirty = 0;
    return rc == JSZG_DB_OK ? APR_SUCCESS : APR_EGENERAL;
}

apr_status_t jszg_session_destroy(jszg_req *jr)
{
    jszg_session *s = jszg_session_get(jr);

    session_cookie(jr, NULL);
    jr->session = NULL;
    if (!s)
        return APR_SUCCESS;
    return jszg_db_exec(jr, kind_of(jr)->del, NULL, 1, s->id_hash)
           == JSZG_DB_OK ? APR_SUCCESS : APR_EGENERAL;
}

/* ---- CSRF ----------------------------------------------------------------
 * One scheme for every POST, applicant or staff: the field `_csrf` or
 * the header X-CSRF-Token, checked by jszg_handle before the handler.
 * The token is an HMAC of the session token of the request's kind, so
 * a token of another session -- another applicant's, an applicant's on
 * a staff route, another staff member's -- is refused.  Before login it
 * is bound to a random cookie of its own (login forms). */

static const char *anon_token(jszg_req *jr, const char *anon)
{
    return jszg_hmac_b64(jr->pool, jr->sc->secret, jr->sc->secret_len,
                         apr_pstrcat(jr->pool, "a:", anon, NULL));
}

/* The token forms and API clients must send back.  Bound to the session
 * when there is one; before that, to the anonymous cookie, which we set
 * here if it is missing. */
const char *jszg_csrf_token(jszg_req *jr)
{
    jszg_session *s = jszg_session_get(jr);
    const char *anon;

    if (s)
        return jszg_hmac_b64(jr->pool, jr->sc->secret, jr->sc->secret_len,
                             apr_pstrcat(jr->pool, kind_of(jr)->csrf_tag,
                                         s->token, NULL));
    anon = apr_table_get(jr->r->notes, "jszg-anon-csrf");
    if (!anon) {
        anon = cookie(jr, ANON_COOKIE);
        if (!token_well_formed(anon)) {
            anon = jszg_random_token(jr->pool, 18);
            jszg_set_cookie(jr, ANON_COOKIE, anon, -1);
        }
        apr_table_setn(jr->r->notes, "jszg-anon-csrf", anon);
    }
    return anon_token(jr, anon);
}

int jszg_csrf_check(jszg_req *jr)
{
    const char *sent = jszg_field(jr, "_csrf");
    const char *anon;

    if (!sent)
        sent = apr_table_get(jr->r->headers_in, "X-CSRF-Token");
    if (!sent)
        return 0;
    if (jszg_session_get(jr))
        return jszg_const_eq(sent, jszg_csrf_token(jr));
    anon = cookie(jr, ANON_COOKIE);
    if (!token_well_formed(anon))
        return 0;
    return jszg_const_eq(sent, anon_token(jr, anon));
}
