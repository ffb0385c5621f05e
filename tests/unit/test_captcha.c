/*
 * Unit tests for jszg_captcha.c: challenge geometry, the drawn images
 * (decoded back with libpng), judging, and the PNG upload check.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_strings.h>
#include <png.h>

#include "jszg_captcha.h"

static apr_pool_t *pool;

static int setup(void **state)
{
    (void)state;
    apr_initialize();
    return apr_pool_create(&pool, NULL) == APR_SUCCESS ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    apr_pool_destroy(pool);
    apr_terminate();
    return 0;
}

static jszg_captcha make(int mode, unsigned seed, unsigned pick)
{
    unsigned char rnd[8] = {
        (unsigned char)(seed >> 24), (unsigned char)(seed >> 16),
        (unsigned char)(seed >> 8), (unsigned char)seed,
        (unsigned char)(pick >> 24), (unsigned char)(pick >> 16),
        (unsigned char)(pick >> 8), (unsigned char)pick
    };
    jszg_captcha c;

    jszg_captcha_new(&c, mode, rnd);
    return c;
}

/* Decode a PNG with libpng's simplified API into RGBA. */
static unsigned char *decode(const unsigned char *png, apr_size_t len,
                             int *w, int *h)
{
    png_image img;
    unsigned char *buf;

    memset(&img, 0, sizeof(img));
    img.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&img, png, len))
        return NULL;
    img.format = PNG_FORMAT_RGBA;
    buf = apr_palloc(pool, PNG_IMAGE_SIZE(img));
    if (!png_image_finish_read(&img, NULL, buf, 0, NULL))
        return NULL;
    *w = (int)img.width;
    *h = (int)img.height;
    return buf;
}

static int lum(const unsigned char *px)
{
    return px[0] * 3 + px[1] * 6 + px[2];
}

static void new_ranges(void **state)
{
    unsigned i;

    (void)state;
    for (i = 0; i < 2000; i++) {
        jszg_captcha s = make(JSZG_CAPTCHA_SLIDE, i * 2654435761u, i * 7919);
        jszg_captcha p = make(JSZG_CAPTCHA_PICK, i * 2654435761u, i * 7919);
        assert_true(s.answer >= JSZG_CAPTCHA_MIN_X);
        assert_true(s.answer <= JSZG_CAPTCHA_MAX_X);
        assert_int_equal(jszg_captcha_gap_x(&s), s.answer);
        assert_true(p.answer >= 1 && p.answer <= JSZG_CAPTCHA_SLOTS);
        assert_int_equal(jszg_captcha_gap_x(&p),
                         jszg_captcha_slot_x(p.answer));
        assert_true(jszg_captcha_gap_y(&s) >= 0);
        assert_true(jszg_captcha_gap_y(&s) + JSZG_CAPTCHA_PIECE
                    <= JSZG_CAPTCHA_H - 20);
    }
    /* the last labelled position still fits */
    assert_true(jszg_captcha_slot_x(JSZG_CAPTCHA_SLOTS)
                <= JSZG_CAPTCHA_MAX_X);
    assert_int_equal(jszg_captcha_slot_x(0), -1);
    assert_int_equal(jszg_captcha_slot_x(JSZG_CAPTCHA_SLOTS + 1), -1);
}

static void piece_shape(void **state)
{
    (void)state;
    assert_true(jszg_captcha_in_piece(20, 27));     /* body */
    assert_false(jszg_captcha_in_piece(1, 27));     /* notch on the left */
    assert_true(jszg_captcha_in_piece(20, 2));      /* top knob */
    assert_true(jszg_captcha_in_piece(45, 27));     /* right knob */
    assert_false(jszg_captcha_in_piece(44, 3));     /* corner outside */
    assert_false(jszg_captcha_in_piece(-1, 20));
    assert_false(jszg_captcha_in_piece(20, JSZG_CAPTCHA_PIECE));
}

static void png_images(void **state)
{
    jszg_captcha c = make(JSZG_CAPTCHA_SLIDE, 0xC0FFEEu, 12345);
    const unsigned char *png;
    apr_size_t len;
    unsigned char *bg, *piece;
    int w, h, x, y, gx, gy, darker = 0, inside = 0;

    (void)state;
    assert_int_equal(jszg_captcha_png(pool, &c, JSZG_CAPTCHA_IMG_BG, &png,
                                      &len), APR_SUCCESS);
    assert_true(len > 1000 && !memcmp(png, "\x89PNG", 4));
    assert_non_null(bg = decode(png, len, &w, &h));
    assert_int_equal(w, JSZG_CAPTCHA_W);
    assert_int_equal(h, JSZG_CAPTCHA_H);
    assert_int_equal(jszg_captcha_png(pool, &c, JSZG_CAPTCHA_IMG_PIECE, &png,
                                      &len), APR_SUCCESS);
    assert_non_null(piece = decode(png, len, &w, &h));
    assert_int_equal(w, JSZG_CAPTCHA_PIECE);
    assert_int_equal(h, JSZG_CAPTCHA_H);

    gx = jszg_captcha_gap_x(&c);
    gy = jszg_captcha_gap_y(&c);
    for (y = 0; y < JSZG_CAPTCHA_PIECE; y++)
        for (x = 0; x < JSZG_CAPTCHA_PIECE; x++) {
            const unsigned char *pp = piece + 4 * ((gy + y) * w + x);
            const unsigned char *bp = bg + 4 * ((gy + y) * JSZG_CAPTCHA_W
                                                + gx + x);
            if (jszg_captcha_in_piece(x, y)) {
                assert_int_equal(pp[3], 255);
                if (!jszg_captcha_in_piece(x - 1, y)
                    || !jszg_captcha_in_piece(x + 1, y)
                    || !jszg_captcha_in_piece(x, y - 1)
                    || !jszg_captcha_in_piece(x, y + 1))
                    continue;           /* the outline is lighter */
                inside++;
                /* the gap is a darkened copy of what the piece shows */
                if (lum(bp) < lum(pp))
                    darker++;
            }
        }
    assert_true(inside > 1300);
    assert_true(darker > inside * 9 / 10);
    /* the piece image is transparent away from the piece */
    assert_int_equal(piece[3], 0);
    assert_int_equal(piece[4 * ((JSZG_CAPTCHA_H - 1) * w + w - 1) + 3], 0);
}

static int in_box(int px, int py)
{
    return px >= 0 && py >= 0 && px < JSZG_CAPTCHA_PIECE
           && py < JSZG_CAPTCHA_PIECE;
}

static int near_decoy(const jszg_captcha *c, int x, int y, int gy)
{
    int xs[JSZG_CAPTCHA_DECOYS], n = jszg_captcha_decoys(c, xs), i;

    for (i = 0; i < n; i++)
        if (in_box(x - xs[i], y - gy))
            return 1;
    return 0;
}

/* Decoys (slide mode only): one or two, on the gap's row, clear of the
 * real gap and of each other, drawn darker than the background with the
 * mirrored shape (so a person tells them from the piece's gap). */
static void decoys(void **state)
{
    int seed;

    (void)state;
    for (seed = 1; seed < 300; seed++) {
        jszg_captcha c = make(JSZG_CAPTCHA_SLIDE, (unsigned)seed * 7919u,
                              (unsigned)seed);
        jszg_captcha p = make(JSZG_CAPTCHA_PICK, (unsigned)seed, 2);
        int xs[JSZG_CAPTCHA_DECOYS], n = jszg_captcha_decoys(&c, xs), i;

        assert_true(n >= 1 && n <= JSZG_CAPTCHA_DECOYS);
        assert_int_equal(jszg_captcha_decoys(&p, xs), 0);
        n = jszg_captcha_decoys(&c, xs);
        for (i = 0; i < n; i++) {
            assert_true(abs(xs[i] - c.answer) >= JSZG_CAPTCHA_PIECE + 4);
            assert_true(xs[i] >= 0 && xs[i] + JSZG_CAPTCHA_PIECE
                                      <= JSZG_CAPTCHA_W);
        }
        if (n == 2)
            assert_true(abs(xs[0] - xs[1]) >= JSZG_CAPTCHA_PIECE + 4);
    }
}

static void track(void **state)
{
    (void)state;
    /* a hand: uneven steps, ends at the answer at about the drag time */
    assert_int_equal(jszg_captcha_track("0:0;40:12;95:40;160:80;230:121;"
                                        "300:148;420:150", "150", 420),
                     JSZG_CAPTCHA_PASS);
    /* the browser test's drag: equal steps, the pace not quite even */
    assert_int_equal(jszg_captcha_track("0:0;35:17;69:34;101:51;137:68;"
                                        "140:68", "68", 150),
                     JSZG_CAPTCHA_PASS);
    /* the page's clock has tenths of a millisecond */
    assert_int_equal(jszg_captcha_track("0.0:0;283.4:17;566.9:34;850.3:51;"
                                        "1133.6:68;1139.0:68", "68", 1139),
                     JSZG_CAPTCHA_PASS);
    assert_int_equal(jszg_captcha_track("0.0:0;283.:17", "17", 283),
                     JSZG_CAPTCHA_TRACK);
    assert_int_equal(jszg_captcha_track("0.0:0;283.45:17", "17", 283),
                     JSZG_CAPTCHA_TRACK);
    /* big moves: no hand moves like that */
    assert_int_equal(jszg_captcha_track("0:0;200:52;400:78;600:170",
                                        "170", 600), JSZG_CAPTCHA_TRACK);
    /* a browser merged the first moves: three are enough */
    assert_int_equal(jszg_captcha_track("0.0:0;286.3:34;569.1:51;852.0:60;"
                                        "1134.6:60", "60", 1135),
                     JSZG_CAPTCHA_PASS);
    /* keys: 1 or 10 px a step, Home and End jump */
    assert_int_equal(jszg_captcha_track("0:0k;90:10k;170:20k;240:30k;"
                                        "300:40k;380:50k;420:60k;500:61k",
                                        "61", 500), JSZG_CAPTCHA_PASS);
    assert_int_equal(jszg_captcha_track("0:0k;50:273k;99:263k;150:253k",
                                        "253", 150), JSZG_CAPTCHA_PASS);
    /* a script: equal steps at an equal pace, what remains at the end */
    assert_int_equal(jszg_captcha_track("0:0;50:30;100:60;150:90;200:120",
                                        "120", 200), JSZG_CAPTCHA_TRACK);
    assert_int_equal(jszg_captcha_track("0:0;50:30;100:60;150:90;200:120;"
                                        "400:131", "131", 400),
                     JSZG_CAPTCHA_TRACK);
    /* a jump straight to the answer, or too few moves */
    assert_int_equal(jszg_captcha_track("0:0;400:150", "150", 400),
                     JSZG_CAPTCHA_TRACK);
    assert_int_equal(jszg_captcha_track("0:0;100:50;400:100", "100", 400),
                     JSZG_CAPTCHA_TRACK);
    assert_int_equal(jszg_captcha_track("0:0;50:10;100:30;400:150", "150",
                                        400), JSZG_CAPTCHA_TRACK);
    /* keys that move 50 px at a time */
    assert_int_equal(jszg_captcha_track("0:0k;100:50k;200:100k;300:150k",
                                        "150", 300), JSZG_CAPTCHA_TRACK);
    /* not ending at the answer, or at another time than the drag's */
    assert_int_equal(jszg_captcha_track("0:0;40:12;95:40;160:80;230:121",
                                        "150", 230), JSZG_CAPTCHA_TRACK);
    assert_int_equal(jszg_captcha_track("0:0;40:12;95:40;160:80;230:121",
                                        "121", 900), JSZG_CAPTCHA_TRACK);
    /* starting elsewhere than the left, time running backwards */
    assert_int_equal(jszg_captcha_track("0:60;40:72;95:100;160:121",
                                        "121", 160), JSZG_CAPTCHA_TRACK);
    assert_int_equal(jszg_captcha_track("0:0;40:12;35:40;160:80;230:121",
                                        "121", 230), JSZG_CAPTCHA_TRACK);
    /* missing, garbled, too long */
    assert_int_equal(jszg_captcha_track(NULL, "121", 230),
                     JSZG_CAPTCHA_TRACK);
    assert_int_equal(jszg_captcha_track("", "121", 230),
                     JSZG_CAPTCHA_TRACK);
    assert_int_equal(jszg_captcha_track("0:0;;40:12", "12", 40),
                     JSZG_CAPTCHA_TRACK);
    assert_int_equal(jszg_captcha_track("0:0;40:12x", "12", 40),
                     JSZG_CAPTCHA_TRACK);
    assert_int_equal(jszg_captcha_track("0:0;1234567:12", "12", 40),
                     JSZG_CAPTCHA_TRACK);
    assert_int_equal(jszg_captcha_track("0:0;40:99999", "12", 40),
                     JSZG_CAPTCHA_TRACK);
    {
        char *t = apr_pstrdup(pool, "0:0");
        int i;
        for (i = 1; i <= JSZG_CAPTCHA_TRACK_MAX; i++)
            t = apr_psprintf(pool, "%s;%d:%d", t, i * 3 + (i % 2),
                             i % 2 ? 1 : 0);
        assert_int_equal(jszg_captcha_track(t, "0", i * 3),
                         JSZG_CAPTCHA_TRACK);
    }
    assert_int_equal(jszg_captcha_track("0:0", "x", 40),
                     JSZG_CAPTCHA_BAD_INPUT);
}

static void same_seed_differs_only_at_gaps(void **state)
{
    jszg_captcha a = make(JSZG_CAPTCHA_SLIDE, 777, 0);
    jszg_captcha b = a;
    unsigned char *ia, *ib;
    int w, h, x, y, ax, bx, gy, diff = 0;

    (void)state;
    b.answer = a.answer + 60 <= JSZG_CAPTCHA_MAX_X ? a.answer + 60
                                                    : a.answer - 60;
    ia = jszg_captcha_rgba(pool, &a, JSZG_CAPTCHA_IMG_BG, &w, &h);
    ib = jszg_captcha_rgba(pool, &b, JSZG_CAPTCHA_IMG_BG, &w, &h);
    ax = a.answer;
    bx = b.answer;
    gy = jszg_captcha_gap_y(&a);
    assert_int_equal(gy, jszg_captcha_gap_y(&b));
    for (y = 0; y < h; y++)
        for (x = 0; x < w; x++) {
            /* the gaps, and the decoys' boxes with their noise */
            int in_a = in_box(x - ax, y - gy) || near_decoy(&a, x, y, gy);
            int in_b = in_box(x - bx, y - gy) || near_decoy(&b, x, y, gy);
            int same = !memcmp(ia + 4 * (y * w + x), ib + 4 * (y * w + x),
                               4);
            if (!in_a && !in_b)
                assert_true(same);
            else if (!same)
                diff++;
        }
    assert_true(diff > 1000);
    /* another seed: another picture */
    b = make(JSZG_CAPTCHA_SLIDE, 778, 0);
    ib = jszg_captcha_rgba(pool, &b, JSZG_CAPTCHA_IMG_BG, &w, &h);
    assert_true(memcmp(ia, ib, (size_t)w * 40 * 4) != 0);
}

static void pick_mode_labels(void **state)
{
    jszg_captcha c = make(JSZG_CAPTCHA_PICK, 4242, 3);
    unsigned char *img;
    int w, h, s;

    (void)state;
    img = jszg_captcha_rgba(pool, &c, JSZG_CAPTCHA_IMG_BG, &w, &h);
    for (s = 1; s <= JSZG_CAPTCHA_SLOTS; s++) {
        /* the label box's corner is near white */
        int x = jszg_captcha_slot_x(s) + 20 - 6, y = h - 16;
        assert_true(lum(img + 4 * (y * w + x)) > 200 * 10);
    }
}

static void judge(void **state)
{
    jszg_captcha c = make(JSZG_CAPTCHA_SLIDE, 1, 0);
    jszg_captcha p = make(JSZG_CAPTCHA_PICK, 1, 2);
    char buf[16];

    (void)state;
    c.answer = 150;
    assert_int_equal(jszg_captcha_judge(&c, "150", 2000, 900),
                     JSZG_CAPTCHA_PASS);
    assert_int_equal(jszg_captcha_judge(&c, "145", 2000, 900),
                     JSZG_CAPTCHA_PASS);
    assert_int_equal(jszg_captcha_judge(&c, "155.75", 2000, 900),
                     JSZG_CAPTCHA_PASS);
    assert_int_equal(jszg_captcha_judge(&c, "156", 2000, 900),
                     JSZG_CAPTCHA_WRONG);
    assert_int_equal(jszg_captcha_judge(&c, "144", 2000, 900),
                     JSZG_CAPTCHA_WRONG);
    assert_int_equal(jszg_captcha_judge(&c, "0", 2000, 900),
                     JSZG_CAPTCHA_WRONG);
    /* too fast: since issue, or the drag itself; checked before x */
    assert_int_equal(jszg_captcha_judge(&c, "150", 300, 900),
                     JSZG_CAPTCHA_TOO_FAST);
    assert_int_equal(jszg_captcha_judge(&c, "150", 2000, 40),
                     JSZG_CAPTCHA_TOO_FAST);
    assert_int_equal(jszg_captcha_judge(&c, "10", 2000, 40),
                     JSZG_CAPTCHA_TOO_FAST);
    assert_int_equal(jszg_captcha_judge(&c, "150", 2000, 10000000),
                     JSZG_CAPTCHA_TOO_FAST);
    /* garbage */
    assert_int_equal(jszg_captcha_judge(&c, NULL, 2000, 900),
                     JSZG_CAPTCHA_BAD_INPUT);
    assert_int_equal(jszg_captcha_judge(&c, "", 2000, 900),
                     JSZG_CAPTCHA_BAD_INPUT);
    assert_int_equal(jszg_captcha_judge(&c, "-150", 2000, 900),
                     JSZG_CAPTCHA_BAD_INPUT);
    assert_int_equal(jszg_captcha_judge(&c, "15x", 2000, 900),
                     JSZG_CAPTCHA_BAD_INPUT);
    assert_int_equal(jszg_captcha_judge(&c, "999999999999", 2000, 900),
                     JSZG_CAPTCHA_BAD_INPUT);
    /* pick mode: the slot number, no drag */
    snprintf(buf, sizeof(buf), "%d", p.answer);
    assert_int_equal(jszg_captcha_judge(&p, buf, 5000, 0),
                     JSZG_CAPTCHA_PASS);
    snprintf(buf, sizeof(buf), "%d", p.answer % JSZG_CAPTCHA_SLOTS + 1);
    assert_int_equal(jszg_captcha_judge(&p, buf, 5000, 0),
                     JSZG_CAPTCHA_WRONG);
    assert_int_equal(jszg_captcha_judge(&p, "1", 100, 0),
                     JSZG_CAPTCHA_TOO_FAST);
}

/* A pixel budget that no test image reaches. */
#define PX (40L * 1000 * 1000)

static void png_check(void **state)
{
    jszg_captcha c = make(JSZG_CAPTCHA_SLIDE, 99, 99);
    const unsigned char *png;
    apr_size_t plen;
    unsigned char junk[600], *broken;
    int w = 0, h = 0;

    (void)state;
    assert_int_equal(jszg_captcha_png(pool, &c, JSZG_CAPTCHA_IMG_BG, &png,
                                      &plen), APR_SUCCESS);
    assert_true(jszg_png_check(png, plen, 100, 6000, PX, &w, &h));
    assert_int_equal(w, JSZG_CAPTCHA_W);
    assert_int_equal(h, JSZG_CAPTCHA_H);
    /* truncated */
    assert_false(jszg_png_check(png, plen - 30, 100, 6000, PX, NULL, NULL));
    assert_false(jszg_png_check(png, 40, 100, 6000, PX, NULL, NULL));
    /* a flipped byte in the compressed data: the CRC or zlib catches it */
    broken = apr_pmemdup(pool, png, plen);
    broken[plen / 2] ^= 0x55;
    assert_false(jszg_png_check(broken, plen, 100, 6000, PX, NULL, NULL));
    /* sides out of range */
    assert_false(jszg_png_check(png, plen, 200, 6000, PX, NULL, NULL));
    assert_false(jszg_png_check(png, plen, 100, 300, PX, NULL, NULL));
    /* one pixel over the budget: refused from the header */
    assert_false(jszg_png_check(png, plen, 100, 6000,
                                (long)JSZG_CAPTCHA_W * JSZG_CAPTCHA_H - 1,
                                NULL, NULL));
    assert_true(jszg_png_check(png, plen, 100, 6000,
                               (long)JSZG_CAPTCHA_W * JSZG_CAPTCHA_H,
                               NULL, NULL));
    /* not a PNG at all; a JPEG header is not a PNG either */
    memset(junk, 'A', sizeof(junk));
    assert_false(jszg_png_check(junk, sizeof(junk), 1, 6000, PX, &w, &h));
    assert_int_equal(w, 0);
    junk[0] = 0xff;
    junk[1] = 0xd8;
    junk[2] = 0xff;
    assert_false(jszg_png_check(junk, sizeof(junk), 1, 6000, PX, NULL, NULL));
    assert_false(jszg_png_check(NULL, 0, 1, 6000, PX, NULL, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(new_ranges),
        cmocka_unit_test(piece_shape),
        cmocka_unit_test(png_images),
        cmocka_unit_test(same_seed_differs_only_at_gaps),
        cmocka_unit_test(pick_mode_labels),
        cmocka_unit_test(judge),
        cmocka_unit_test(decoys),
        cmocka_unit_test(track),
        cmocka_unit_test(png_check),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
