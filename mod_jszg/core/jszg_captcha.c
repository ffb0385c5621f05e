/*
 * jszg_captcha.c - slider captcha images (procedural background, jigsaw
 * gap and piece, PNG through libpng) and the decode check of uploaded
 * PNG photos (libpng; JPEG has jszg_jpeg.c).  See the header.
 */
#include "jszg_captcha.h"

#include <apr_lib.h>
#include <apr_strings.h>
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#define W JSZG_CAPTCHA_W
#define H JSZG_CAPTCHA_H
#define P JSZG_CAPTCHA_PIECE

/* Piece geometry inside its P x P box: a 40 x 40 body starting 7 px down,
 * knobs (radius 6) on the top and right edges, a notch on the left. */
#define BODY    40
#define TOP     7
#define KNOB_R2 36
#define NOTCH_R2 25

/* The gap stays clear of the label strip at the bottom (pick mode). */
#define GAP_MIN_Y 8
#define GAP_MAX_Y (H - P - 22)
#define SLOT_STEP 41

/* ---- a small deterministic PRNG (xorshift32) ---------------------------- */

typedef struct {
    apr_uint32_t s;
} rng_t;

static apr_uint32_t rng_next(rng_t *r)
{
    apr_uint32_t x = r->s;

    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    r->s = x;
    return x;
}

/* Uniform in [lo, hi]. */
static int rng_range(rng_t *r, int lo, int hi)
{
    return lo + (int)(rng_next(r) % (apr_uint32_t)(hi - lo + 1));
}

static void rng_seed(rng_t *r, unsigned long seed, apr_uint32_t salt)
{
    r->s = (apr_uint32_t)seed ^ salt;
    if (!r->s)
        r->s = 0x9e3779b9u;
    rng_next(r);
    rng_next(r);
}

/* ---- geometry ----------------------------------------------------------- */

void jszg_captcha_new(jszg_captcha *c, int mode, const unsigned char rnd[8])
{
    apr_uint32_t a = ((apr_uint32_t)rnd[0] << 24) | (rnd[1] << 16)
                     | (rnd[2] << 8) | rnd[3];
    apr_uint32_t b = ((apr_uint32_t)rnd[4] << 24) | (rnd[5] << 16)
                     | (rnd[6] << 8) | rnd[7];

    c->mode = mode == JSZG_CAPTCHA_PICK ? JSZG_CAPTCHA_PICK
                                        : JSZG_CAPTCHA_SLIDE;
    c->seed = a;
    if (c->mode == JSZG_CAPTCHA_PICK)
        c->answer = 1 + (int)(b % JSZG_CAPTCHA_SLOTS);
    else
        c->answer = JSZG_CAPTCHA_MIN_X
                    + (int)(b % (JSZG_CAPTCHA_MAX_X - JSZG_CAPTCHA_MIN_X + 1));
}

int jszg_captcha_slot_x(int slot)
{
    if (slot < 1 || slot > JSZG_CAPTCHA_SLOTS)
        return -1;
    return JSZG_CAPTCHA_MIN_X + (slot - 1) * SLOT_STEP;
}

int jszg_captcha_gap_x(const jszg_captcha *c)
{
    int x = c->mode == JSZG_CAPTCHA_PICK ? jszg_captcha_slot_x(c->answer)
                                         : c->answer;

    if (x < JSZG_CAPTCHA_MIN_X || x > JSZG_CAPTCHA_MAX_X)
        x = JSZG_CAPTCHA_MIN_X;
    return x;
}

int jszg_captcha_gap_y(const jszg_captcha *c)
{
    rng_t r;

    rng_seed(&r, c->seed, 0x5bd1e995u);
    return rng_range(&r, GAP_MIN_Y, GAP_MAX_Y);
}

int jszg_captcha_in_piece(int px, int py)
{
    int dx, dy;

    if (px < 0 || py < 0 || px >= P || py >= P)
        return 0;
    dx = px;
    dy = py - (TOP + BODY / 2);
    if (dx * dx + dy * dy <= NOTCH_R2)
        return 0;
    if (px < BODY && py >= TOP && py < TOP + BODY)
        return 1;
    dx = px - BODY / 2;
    dy = py - TOP;
    if (dx * dx + dy * dy <= KNOB_R2)
        return 1;
    dx = px - BODY;
    dy = py - (TOP + BODY / 2);
    return dx * dx + dy * dy <= KNOB_R2;
}

/* In the piece, with a neighbour outside: the outline. */
static int on_edge(int px, int py)
{
    return jszg_captcha_in_piece(px, py)
           && (!jszg_captcha_in_piece(px - 1, py)
               || !jszg_captcha_in_piece(px + 1, py)
               || !jszg_captcha_in_piece(px, py - 1)
               || !jszg_captcha_in_piece(px, py + 1));
}

/* ---- drawing ------------------------------------------------------------ */

typedef struct {
    int r, g, b;
} rgb_t;

static unsigned char clamp8(int v)
{
    return (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v);
}

/* A muted colour from a hue in [0, 360) (HSV with fixed-ish s and v). */
static rgb_t hue_color(int hue, int s100, int v100)
{
    int hi = (hue / 60) % 6, f = hue % 60;
    int v = v100 * 255 / 100;
    int p = v * (100 - s100) / 100;
    int q = v * (100 - s100 * f / 60) / 100;
    int t = v * (100 - s100 * (60 - f) / 60) / 100;
    rgb_t c;

    switch (hi) {
    case 0:  c.r = v; c.g = t; c.b = p; break;
    case 1:  c.r = q; c.g = v; c.b = p; break;
    case 2:  c.r = p; c.g = v; c.b = t; break;
    case 3:  c.r = p; c.g = q; c.b = v; break;
    case 4:  c.r = t; c.g = p; c.b = v; break;
    default: c.r = v; c.g = p; c.b = q; break;
    }
    return c;
}

static void blend(unsigned char *px, rgb_t c, int alpha256)
{
    px[0] = clamp8(px[0] + ((c.r - px[0]) * alpha256) / 256);
    px[1] = clamp8(px[1] + ((c.g - px[1]) * alpha256) / 256);
    px[2] = clamp8(px[2] + ((c.b - px[2]) * alpha256) / 256);
}

static void draw_gradient(unsigned char *img, rng_t *r)
{
    int hue = rng_range(r, 0, 359);
    rgb_t a = hue_color(hue, rng_range(r, 35, 60), rng_range(r, 70, 90));
    rgb_t b = hue_color((hue + rng_range(r, 90, 200)) % 360,
                        rng_range(r, 35, 60), rng_range(r, 55, 80));
    int x, y;

    for (y = 0; y < H; y++)
        for (x = 0; x < W; x++) {
            unsigned char *px = img + 4 * (y * W + x);
            int t = (x * 600 / W + y * 400 / H);        /* 0..1000 */
            px[0] = clamp8(a.r + (b.r - a.r) * t / 1000);
            px[1] = clamp8(a.g + (b.g - a.g) * t / 1000);
            px[2] = clamp8(a.b + (b.b - a.b) * t / 1000);
            px[3] = 255;
        }
}

static void draw_circle(unsigned char *img, int cx, int cy, int rad,
                        rgb_t c, int alpha)
{
    int x, y;

    for (y = cy - rad; y <= cy + rad; y++)
        for (x = cx - rad; x <= cx + rad; x++)
            if (x >= 0 && y >= 0 && x < W && y < H
                && (x - cx) * (x - cx) + (y - cy) * (y - cy) <= rad * rad)
                blend(img + 4 * (y * W + x), c, alpha);
}

static void draw_rect(unsigned char *img, int x0, int y0, int w, int h,
                      rgb_t c, int alpha)
{
    int x, y;

    for (y = y0; y < y0 + h; y++)
        for (x = x0; x < x0 + w; x++)
            if (x >= 0 && y >= 0 && x < W && y < H)
                blend(img + 4 * (y * W + x), c, alpha);
}

/* A band of hills along the bottom: a polyline of random heights. */
static void draw_hills(unsigned char *img, rng_t *r, rgb_t c)
{
    int base = rng_range(r, H / 2, H - 20), amp = rng_range(r, 10, 30);
    int k0 = rng_range(r, 0, 40), k1 = rng_range(r, 0, 40);
    int x, y;

    for (x = 0; x < W; x++) {
        /* a triangle wave mixed from two periods: no libm needed */
        int t0 = (x + k0) % 80, t1 = (x * 3 + k1) % 140;
        int h = base - amp * (t0 < 40 ? t0 : 80 - t0) / 40
                - (amp / 2) * (t1 < 70 ? t1 : 140 - t1) / 70;
        for (y = h < 0 ? 0 : h; y < H; y++)
            blend(img + 4 * (y * W + x), c, 110);
    }
}

static void draw_noise(unsigned char *img, rng_t *r)
{
    int i;

    for (i = 0; i < W * H; i++) {
        int n = (int)(rng_next(r) % 25) - 12;
        img[4 * i] = clamp8(img[4 * i] + n);
        img[4 * i + 1] = clamp8(img[4 * i + 1] + n);
        img[4 * i + 2] = clamp8(img[4 * i + 2] + n);
    }
}

static void draw_background(unsigned char *img, unsigned long seed)
{
    rng_t r;
    int i, n;

    rng_seed(&r, seed, 0x27d4eb2fu);
    draw_gradient(img, &r);
    draw_hills(img, &r, hue_color(rng_range(&r, 0, 359), 40, 45));
    n = rng_range(&r, 10, 16);
    for (i = 0; i < n; i++) {
        rgb_t c = hue_color(rng_range(&r, 0, 359), rng_range(&r, 20, 70),
                            rng_range(&r, 40, 100));
        if (rng_next(&r) & 1)
            draw_circle(img, rng_range(&r, 0, W), rng_range(&r, 0, H),
                        rng_range(&r, 6, 34), c, rng_range(&r, 50, 140));
        else
            draw_rect(img, rng_range(&r, -20, W), rng_range(&r, -20, H),
                      rng_range(&r, 10, 70), rng_range(&r, 6, 50), c,
                      rng_range(&r, 40, 120));
    }
    draw_noise(img, &r);
}

/* 3 x 5 digits 0..9, one row per 3 bits. */
static const unsigned short digits[10] = {
    075557, 026227, 071747, 071717, 055711,
    074717, 074757, 071111, 075757, 075717
};

static void draw_digit(unsigned char *img, int x0, int y0, int d)
{
    rgb_t ink = { 20, 30, 50 };
    int row, col;

    for (row = 0; row < 5; row++)
        for (col = 0; col < 3; col++)
            if (digits[d] & (1u << ((4 - row) * 3 + (2 - col))))
                draw_rect(img, x0 + col * 2, y0 + row * 2, 2, 2, ink, 256);
}

/* Pick mode: numbered boxes under the labelled positions. */
static void draw_labels(unsigned char *img)
{
    rgb_t white = { 255, 255, 255 }, tick = { 255, 255, 255 };
    int s;

    for (s = 1; s <= JSZG_CAPTCHA_SLOTS; s++) {
        int cx = jszg_captcha_slot_x(s) + BODY / 2;
        draw_rect(img, cx - 1, H - 22, 2, 5, tick, 200);
        draw_rect(img, cx - 7, H - 17, 14, 15, white, 225);
        draw_digit(img, cx - 3, H - 15, s);
    }
}

static void cut_gap(unsigned char *img, int gx, int gy)
{
    rgb_t white = { 255, 255, 255 }, black = { 0, 0, 0 };
    int x, y;

    for (y = 0; y < P; y++)
        for (x = 0; x < P; x++) {
            unsigned char *px;
            if (!jszg_captcha_in_piece(x, y))
                continue;
            px = img + 4 * ((gy + y) * W + gx + x);
            if (on_edge(x, y))
                blend(px, white, 170);
            else
                blend(px, black, 150);
        }
}

/*
 * Decoys (slide mode): gaps of a mirrored shape (knob below, notch on the
 * right) on the same row, where a template matcher of the piece finds a
 * near match and a person sees at once that the shape is wrong.  Their
 * places follow from the seed, moved clear of the real gap.
 */
int jszg_captcha_decoys(const jszg_captcha *c, int *xs)
{
    rng_t r;
    int n = 0, tries, want;

    if (c->mode != JSZG_CAPTCHA_SLIDE)
        return 0;
    rng_seed(&r, c->seed, 0x68e31da4u);
    want = rng_range(&r, 1, JSZG_CAPTCHA_DECOYS);
    for (tries = 0; tries < 16 && n < want; tries++) {
        int x = rng_range(&r, 4, W - P - 4), i, ok = 1;
        if (abs(x - jszg_captcha_gap_x(c)) < P + 4)
            ok = 0;
        for (i = 0; ok && i < n; i++)
            if (abs(x - xs[i]) < P + 4)
                ok = 0;
        if (ok)
            xs[n++] = x;
    }
    return n;
}

/* The decoy shape: the piece turned upside down and mirrored. */
static int in_decoy(int px, int py)
{
    return jszg_captcha_in_piece(P - 1 - px, P - 1 - py);
}

static void cut_decoy(unsigned char *img, int gx, int gy, int dark)
{
    rgb_t white = { 255, 255, 255 }, black = { 0, 0, 0 };
    int x, y;

    for (y = 0; y < P; y++)
        for (x = 0; x < P; x++) {
            unsigned char *px;
            if (!in_decoy(x, y))
                continue;
            px = img + 4 * ((gy + y) * W + gx + x);
            if (!in_decoy(x - 1, y) || !in_decoy(x + 1, y)
                || !in_decoy(x, y - 1) || !in_decoy(x, y + 1))
                blend(px, white, 170);
            else
                blend(px, black, dark);
        }
}

/* Noise over the gaps after cutting: their darkening is not a flat,
 * exact copy of the piece's pixels. */
static void gap_noise(unsigned char *img, rng_t *r, int gx, int gy)
{
    int x, y;

    for (y = gy; y < gy + P && y < H; y++)
        for (x = gx; x < gx + P && x < W; x++) {
            unsigned char *px = img + 4 * (y * W + x);
            int n = (int)(rng_next(r) % 31) - 15;
            px[0] = clamp8(px[0] + n);
            px[1] = clamp8(px[1] + n);
            px[2] = clamp8(px[2] + n);
        }
}

static unsigned char *piece_from(apr_pool_t *p, const unsigned char *bg,
                                 int gx, int gy)
{
    unsigned char *img = apr_pcalloc(p, (apr_size_t)P * H * 4);
    rgb_t white = { 255, 255, 255 };
    int x, y;

    for (y = 0; y < P; y++)
        for (x = 0; x < P; x++) {
            unsigned char *px = img + 4 * ((gy + y) * P + x);
            if (jszg_captcha_in_piece(x, y)) {
                memcpy(px, bg + 4 * ((gy + y) * W + gx + x), 3);
                px[3] = 255;
                if (on_edge(x, y))
                    blend(px, white, 150);
            }
            else if (jszg_captcha_in_piece(x - 1, y)
                     || jszg_captcha_in_piece(x, y - 1)
                     || jszg_captcha_in_piece(x + 1, y)
                     || jszg_captcha_in_piece(x, y + 1)) {
                px[3] = 90;             /* a thin shadow around the piece */
            }
        }
    return img;
}

unsigned char *jszg_captcha_rgba(apr_pool_t *p, const jszg_captcha *c,
                                 jszg_captcha_img which, int *w, int *h)
{
    unsigned char *bg = apr_palloc(p, (apr_size_t)W * H * 4);
    int gx = jszg_captcha_gap_x(c), gy = jszg_captcha_gap_y(c);

    draw_background(bg, c->seed);
    *h = H;
    if (which == JSZG_CAPTCHA_IMG_PIECE) {
        *w = P;
        return piece_from(p, bg, gx, gy);
    }
    if (c->mode == JSZG_CAPTCHA_PICK)
        draw_labels(bg);
    cut_gap(bg, gx, gy);
    if (c->mode == JSZG_CAPTCHA_SLIDE) {
        int xs[JSZG_CAPTCHA_DECOYS], n = jszg_captcha_decoys(c, xs), i;
        rng_t r;

        rng_seed(&r, c->seed, 0x1b873593u);
        for (i = 0; i < n; i++) {
            cut_decoy(bg, xs[i], gy, rng_range(&r, 130, 165));
            gap_noise(bg, &r, xs[i], gy);
        }
        gap_noise(bg, &r, gx, gy);
    }
    *w = W;
    return bg;
}

/* ---- PNG output --------------------------------------------------------- */

typedef struct {
    unsigned char *buf;
    apr_size_t len, cap;
    int failed;
} membuf_t;

static void mem_write(png_structp png, png_bytep data, png_size_t n)
{
    membuf_t *m = png_get_io_ptr(png);

    if (m->failed)
        return;
    if (m->len + n > m->cap) {
        apr_size_t cap = (m->cap ? m->cap * 2 : 16384) + n;
        unsigned char *nb = realloc(m->buf, cap);
        if (!nb) {
            m->failed = 1;
            return;
        }
        m->buf = nb;
        m->cap = cap;
    }
    memcpy(m->buf + m->len, data, n);
    m->len += n;
}

static void mem_flush(png_structp png)
{
    (void)png;
}

static int encode_png(const unsigned char *rgba, int w, int h, membuf_t *m)
{
    png_structp png;
    png_infop info;
    int y;

    png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    if (!png)
        return -1;
    info = png_create_info_struct(png);
    if (!info || setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, info ? &info : NULL);
        return -1;
    }
    png_set_write_fn(png, m, mem_write, mem_flush);
    png_set_compression_level(png, 6);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8,
                 PNG_COLOR_TYPE_RGB_ALPHA, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (y = 0; y < h; y++)
        png_write_row(png, (png_const_bytep)(rgba + (apr_size_t)y * w * 4));
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    return m->failed ? -1 : 0;
}

apr_status_t jszg_captcha_png(apr_pool_t *p, const jszg_captcha *c,
                              jszg_captcha_img which,
                              const unsigned char **png, apr_size_t *len)
{
    membuf_t m = { NULL, 0, 0, 0 };
    unsigned char *rgba;
    int w, h, rc;

    *png = NULL;
    *len = 0;
    rgba = jszg_captcha_rgba(p, c, which, &w, &h);
    rc = encode_png(rgba, w, h, &m);
    if (rc == 0) {
        *png = apr_pmemdup(p, m.buf, m.len);
        *len = m.len;
    }
    free(m.buf);
    return rc == 0 ? APR_SUCCESS : APR_EGENERAL;
}

/* ---- judging ----------------------------------------------------------- */

/* A small non-negative integer, digits only (an optional ".5" style
 * fraction from a browser's sub-pixel drag is cut off). */
static int parse_small(const char *s, int *out)
{
    int n = 0, digits = 0;

    if (!s)
        return -1;
    for (; *s && apr_isdigit(*s); s++) {
        if (++digits > 5)
            return -1;
        n = n * 10 + (*s - '0');
    }
    if (*s == '.') {
        for (s++; *s && apr_isdigit(*s); s++)
            ;
    }
    if (*s || !digits)
        return -1;
    *out = n;
    return 0;
}

jszg_captcha_verdict jszg_captcha_judge(const jszg_captcha *c,
                                        const char *answer,
                                        long elapsed_ms, long drag_ms)
{
    int v;

    if (parse_small(answer, &v) != 0)
        return JSZG_CAPTCHA_BAD_INPUT;
    if (elapsed_ms < JSZG_CAPTCHA_MIN_MS)
        return JSZG_CAPTCHA_TOO_FAST;
    if (c->mode == JSZG_CAPTCHA_PICK)
        return v == c->answer ? JSZG_CAPTCHA_PASS : JSZG_CAPTCHA_WRONG;
    if (drag_ms < JSZG_CAPTCHA_MIN_DRAG_MS
        || drag_ms > JSZG_CAPTCHA_MAX_DRAG_MS)
        return JSZG_CAPTCHA_TOO_FAST;
    if (v < c->answer - JSZG_CAPTCHA_TOLERANCE
        || v > c->answer + JSZG_CAPTCHA_TOLERANCE)
        return JSZG_CAPTCHA_WRONG;
    return JSZG_CAPTCHA_PASS;
}

/* ---- the drag's track ---------------------------------------------------- */

typedef struct {
    long t;
    int x;
    int key;
} sample_t;

/* One "t:x" or "t:xk", t in ms with an optional tenth ("283.4": the
 * page's clock has sub-millisecond steps); o->t is in tenths of a ms.
 * Advances *s past it. */
static int parse_sample(const char **s, sample_t *o)
{
    const char *c = *s;
    long t = 0;
    int x = 0, d = 0;

    for (; apr_isdigit(*c); c++) {
        if (++d > 6)
            return -1;
        t = t * 10 + (*c - '0');
    }
    if (!d)
        return -1;
    t *= 10;
    if (*c == '.') {
        if (!apr_isdigit(c[1]))
            return -1;
        t += c[1] - '0';
        c += 2;
    }
    if (*c++ != ':')
        return -1;
    for (d = 0; apr_isdigit(*c); c++) {
        if (++d > 4)
            return -1;
        x = x * 10 + (*c - '0');
    }
    if (!d || x > JSZG_CAPTCHA_W)
        return -1;
    o->key = *c == 'k';
    if (o->key)
        c++;
    o->t = t;
    o->x = x;
    *s = c;
    return 0;
}

jszg_captcha_verdict jszg_captcha_track(const char *track,
                                        const char *answer, long drag_ms)
{
    sample_t prev = { 0, 0, 0 }, cur;
    long dts[2] = { -1, -1 }, last_dt = 0;
    int v, n = 0, moves = 0, keys = 0, ndt = 0, ndx = 0, dxs[2] = { 0, 0 };
    int last_dx = 0;
    const char *s = track;

    if (parse_small(answer, &v) != 0)
        return JSZG_CAPTCHA_BAD_INPUT;
    if (!s || !*s)
        return JSZG_CAPTCHA_TRACK;
    while (*s) {
        if (n && *s++ != ';')
            return JSZG_CAPTCHA_TRACK;
        if (parse_sample(&s, &cur) != 0 || ++n > JSZG_CAPTCHA_TRACK_MAX)
            return JSZG_CAPTCHA_TRACK;
        if (n == 1) {
            /* it starts where the piece starts */
            if (cur.x > 2 || cur.t > 10L * JSZG_CAPTCHA_MAX_DRAG_MS)
                return JSZG_CAPTCHA_TRACK;
            prev = cur;
            continue;
        }
        if (cur.t < prev.t)
            return JSZG_CAPTCHA_TRACK;
        if (cur.key) {
            /* arrow keys move 1 or 10 px; Home/End jump to the ends */
            if (abs(cur.x - prev.x) > 10 && cur.x != 0
                && cur.x < JSZG_CAPTCHA_W - JSZG_CAPTCHA_PIECE)
                return JSZG_CAPTCHA_TRACK;
            keys++;
        }
        else if (cur.x != prev.x) {
            if (abs(cur.x - prev.x) > 80)   /* no pointer teleports */
                return JSZG_CAPTCHA_TRACK;
            /* two different step lengths or pauses are enough: a script
             * that moves in equal steps at an equal pace is not a hand.
             * The last step is left out: it is what remains to the gap */
            if (moves++) {
                if (ndt < 2 && dts[0] != last_dt)
                    dts[ndt++] = last_dt;
                if (ndx < 2 && (ndx == 0 || dxs[0] != last_dx))
                    dxs[ndx++] = last_dx;
            }
            last_dt = cur.t - prev.t;
            last_dx = cur.x - prev.x;
        }
        prev = cur;
    }
    if (n < 2 || abs(prev.x - v) > 1
        || prev.t < 10 * (drag_ms - 100) || prev.t > 10 * (drag_ms + 100))
        return JSZG_CAPTCHA_TRACK;
    /* a hand's drag is many small moves (pointer events come at 60 Hz
     * or more while it moves; a browser may merge some): at least 3 */
    if (!keys && (moves < 3 || (ndt < 2 && ndx < 2)))
        return JSZG_CAPTCHA_TRACK;
    return JSZG_CAPTCHA_PASS;
}

/* ---- uploaded photos ---------------------------------------------------- */

typedef struct {
    const unsigned char *buf;
    apr_size_t len, pos;
} memsrc_t;

static void mem_read(png_structp png, png_bytep out, png_size_t n)
{
    memsrc_t *s = png_get_io_ptr(png);

    if (n > s->len - s->pos)
        png_error(png, "truncated");
    memcpy(out, s->buf + s->pos, n);
    s->pos += n;
}

static void png_quiet(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;
}

/* Errors of a hostile upload are expected: no stderr noise, just out. */
static void png_fail(png_structp png, png_const_charp msg)
{
    (void)msg;
    png_longjmp(png, 1);
}

static int decode_png(const unsigned char *buf, apr_size_t len,
                      int *w, int *h, int min_side, int max_side,
                      long max_pixels)
{
    memsrc_t src = { buf, len, 0 };
    png_structp png;
    png_infop info = NULL;
    png_bytep volatile row = NULL;
    png_uint_32 pw, ph, y;
    int passes, i;

    png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, png_fail,
                                 png_quiet);
    if (!png)
        return 0;
    info = png_create_info_struct(png);
    if (!info || setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, info ? &info : NULL, NULL);
        free(row);
        return 0;
    }
    png_set_read_fn(png, &src, mem_read);
    /* refused in the IHDR, before any row buffer; ancillary chunks
     * (iCCP, zTXt, ...) may not inflate to more than 1 MB */
    png_set_user_limits(png, (png_uint_32)max_side, (png_uint_32)max_side);
    png_set_chunk_malloc_max(png, 1024 * 1024);
    png_read_info(png, info);
    pw = png_get_image_width(png, info);
    ph = png_get_image_height(png, info);
    if ((long)pw < min_side || (long)pw > max_side || (long)ph < min_side
        || (long)ph > max_side || (long)pw * (long)ph > max_pixels)
        png_error(png, "size");
    png_set_expand(png);
    png_set_strip_16(png);
    passes = png_set_interlace_handling(png);
    png_read_update_info(png, info);
    row = malloc(png_get_rowbytes(png, info));
    if (!row)
        png_error(png, "memory");
    for (i = 0; i < passes; i++)
        for (y = 0; y < ph; y++)
            png_read_row(png, row, NULL);
    png_read_end(png, NULL);
    png_destroy_read_struct(&png, &info, NULL);
    free(row);
    *w = (int)pw;
    *h = (int)ph;
    return 1;
}

int jszg_png_check(const unsigned char *buf, apr_size_t len, int min_side,
                   int max_side, long max_pixels, int *w, int *h)
{
    static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G',
                                          '\r', '\n', 0x1a, '\n' };
    int iw = 0, ih = 0, ok = 0;

    if (buf && len >= 8 && !memcmp(buf, sig, 8))
        ok = decode_png(buf, len, &iw, &ih, min_side, max_side,
                        max_pixels);
    if (w)
        *w = iw;
    if (h)
        *h = ih;
    return ok;
}
