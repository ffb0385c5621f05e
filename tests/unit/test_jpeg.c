/*
 * Unit tests for jszg_jpeg.c: every photo rule of the manual, with JPEGs
 * made here by libjpeg (baseline, progressive, CMYK, grey) and broken
 * copies of them (truncated, corrupted, a PNG, a GIF).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jpeglib.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include "jszg_jpeg.h"
#include "jszg_captcha.h"

static apr_pool_t *pool;

typedef struct {
    unsigned char *buf;
    unsigned long len;
} blob;

/* A JPEG of w x h: mode 0 baseline RGB, 1 progressive, 2 CMYK, 3 grey,
 * 4 RGB noise at quality 100 (large), 5 sequential with one scan per
 * component (needs the whole-image buffer like a progressive file). */
static blob make_jpeg(int w, int h, int mode)
{
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr e;
    int comps = mode == 2 ? 4 : mode == 3 ? 1 : 3;
    unsigned char *row = malloc((size_t)w * comps);
    blob b = { NULL, 0 };
    int x, k;

    c.err = jpeg_std_error(&e);
    jpeg_create_compress(&c);
    jpeg_mem_dest(&c, &b.buf, &b.len);
    c.image_width = w;
    c.image_height = h;
    c.input_components = comps;
    c.in_color_space = comps == 4 ? JCS_CMYK
                       : comps == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, mode == 4 ? 100 : 75, TRUE);
    if (mode == 1)
        jpeg_simple_progression(&c);
    if (mode == 5) {
        static jpeg_scan_info scans[3];
        int i;
        for (i = 0; i < 3; i++) {
            scans[i].comps_in_scan = 1;
            scans[i].component_index[0] = i;
            scans[i].Ss = 0;
            scans[i].Se = 63;
            scans[i].Ah = scans[i].Al = 0;
        }
        c.scan_info = scans;
        c.num_scans = 3;
    }
    jpeg_start_compress(&c, TRUE);
    srand(7);
    while (c.next_scanline < (unsigned)h) {
        JSAMPROW rp = row;
        for (x = 0; x < w; x++)
            for (k = 0; k < comps; k++)
                row[x * comps + k] = mode == 4 ? (unsigned char)rand()
                    : (unsigned char)((x + c.next_scanline + k * 40) & 255);
        jpeg_write_scanlines(&c, &rp, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    free(row);
    return b;
}

static jszg_jpeg_status photo(const blob *b, apr_size_t len)
{
    jszg_jpeg_rules r;

    jszg_jpeg_photo_rules(&r);
    return jszg_jpeg_check(b->buf, len, &r, NULL);
}

static void test_good_photo(void **state)
{
    blob b = make_jpeg(250, 413, 0);
    jszg_jpeg_rules r;
    jszg_jpeg_info info;

    (void)state;
    jszg_jpeg_photo_rules(&r);
    assert_int_equal(jszg_jpeg_check(b.buf, b.len, &r, &info), JSZG_JPEG_OK);
    assert_int_equal(info.width, 250);
    assert_int_equal(info.height, 413);
    assert_int_equal(info.components, 3);
    free(b.buf);
}

static void test_bounds_inclusive(void **state)
{
    blob a = make_jpeg(200, 408, 0), z = make_jpeg(300, 418, 0);
    blob g = make_jpeg(295, 413, 3);

    (void)state;
    assert_int_equal(photo(&a, a.len), JSZG_JPEG_OK);
    assert_int_equal(photo(&z, z.len), JSZG_JPEG_OK);
    assert_int_equal(photo(&g, g.len), JSZG_JPEG_OK);    /* grey is fine */
    free(a.buf);
    free(z.buf);
    free(g.buf);
}

static void test_dimensions(void **state)
{
    blob w1 = make_jpeg(199, 413, 0), w2 = make_jpeg(301, 413, 0);
    blob h1 = make_jpeg(250, 407, 0), h2 = make_jpeg(250, 419, 0);

    (void)state;
    assert_int_equal(photo(&w1, w1.len), JSZG_JPEG_BAD_WIDTH);
    assert_int_equal(photo(&w2, w2.len), JSZG_JPEG_BAD_WIDTH);
    assert_int_equal(photo(&h1, h1.len), JSZG_JPEG_BAD_HEIGHT);
    assert_int_equal(photo(&h2, h2.len), JSZG_JPEG_BAD_HEIGHT);
    free(w1.buf);
    free(w2.buf);
    free(h1.buf);
    free(h2.buf);
}

static void test_size_limit(void **state)
{
    blob n = make_jpeg(300, 418, 4);
    unsigned char *big = calloc(1, 190 * 1024);

    (void)state;
    assert_true(n.len > 190 * 1024);
    assert_int_equal(photo(&n, n.len), JSZG_JPEG_TOO_LARGE);
    /* exactly 190 KB is not "less than 190KB" */
    big[0] = 0xFF; big[1] = 0xD8; big[2] = 0xFF;
    {
        blob b = { big, 190 * 1024 };
        assert_int_equal(photo(&b, b.len), JSZG_JPEG_TOO_LARGE);
    }
    free(n.buf);
    free(big);
}

static void test_truncated(void **state)
{
    blob b = make_jpeg(250, 413, 0);

    (void)state;
    assert_int_equal(photo(&b, b.len / 2), JSZG_JPEG_TRUNCATED);
    assert_int_equal(photo(&b, b.len - 2), JSZG_JPEG_TRUNCATED); /* no EOI */
    assert_int_not_equal(photo(&b, 200), JSZG_JPEG_OK);          /* header cut */
    assert_int_not_equal(photo(&b, 4), JSZG_JPEG_OK);
    free(b.buf);
}

static void test_corrupt(void **state)
{
    blob b = make_jpeg(250, 413, 0);
    unsigned long i;

    (void)state;
    /* Entropy-coded data has no checksum: flipped bits may decode as
     * other pixels.  A stray marker in the middle of the scan cannot. */
    for (i = b.len / 2; i < b.len / 2 + 64; i += 2) {
        b.buf[i] = 0xFF;
        b.buf[i + 1] = 0xD3;
    }
    assert_int_not_equal(photo(&b, b.len), JSZG_JPEG_OK);
    free(b.buf);
}

static void test_progressive_and_cmyk(void **state)
{
    blob p = make_jpeg(250, 413, 1), c = make_jpeg(250, 413, 2);
    jszg_jpeg_rules scan;

    (void)state;
    assert_int_equal(photo(&p, p.len), JSZG_JPEG_PROGRESSIVE);
    assert_int_equal(photo(&c, c.len), JSZG_JPEG_CMYK);
    jszg_jpeg_scan_rules(&scan);
    assert_int_equal(jszg_jpeg_check(p.buf, p.len, &scan, NULL),
                     JSZG_JPEG_OK);
    free(p.buf);
    free(c.buf);
}

static void test_not_jpeg(void **state)
{
    static const unsigned char png[] = { 0x89, 'P', 'N', 'G', '\r', '\n',
                                         0x1a, '\n', 0, 0, 0, 13 };
    static const unsigned char gif[] = "GIF89a\x01\x00\x01\x00";
    blob a = { (unsigned char *)png, sizeof(png) };
    blob g = { (unsigned char *)gif, sizeof(gif) - 1 };
    blob e = { NULL, 0 };

    (void)state;
    assert_int_equal(photo(&a, a.len), JSZG_JPEG_IS_PNG);
    assert_int_equal(photo(&g, g.len), JSZG_JPEG_NOT_JPEG);
    assert_int_equal(photo(&e, 0), JSZG_JPEG_EMPTY);
}

static void test_scan_rules(void **state)
{
    blob s = make_jpeg(640, 480, 0);
    jszg_jpeg_rules r;

    (void)state;
    jszg_jpeg_scan_rules(&r);
    assert_int_equal(jszg_jpeg_check(s.buf, s.len, &r, NULL), JSZG_JPEG_OK);
    assert_int_equal(photo(&s, s.len), JSZG_JPEG_BAD_WIDTH);
    free(s.buf);
}

/* The file of the attack: a small JPEG whose frame header declares
 * w x h (the SOF0/SOF2 marker's fields patched). */
static void lie_about_size(blob *b, int w, int h)
{
    unsigned long i;

    for (i = 2; i + 8 < b->len; i++)
        if (b->buf[i] == 0xFF && (b->buf[i + 1] == 0xC0
                                  || b->buf[i + 1] == 0xC2)) {
            b->buf[i + 5] = (unsigned char)(h >> 8);
            b->buf[i + 6] = (unsigned char)h;
            b->buf[i + 7] = (unsigned char)(w >> 8);
            b->buf[i + 8] = (unsigned char)w;
            return;
        }
    fail_msg("no SOF marker");
}

static void test_budgets(void **state)
{
    blob small = make_jpeg(250, 413, 0), prog = make_jpeg(250, 413, 1);
    blob ok = make_jpeg(960, 700, 1), big = make_jpeg(1000, 800, 1);
    blob seq = make_jpeg(1000, 800, 5), seq_ok = make_jpeg(640, 480, 5);
    jszg_jpeg_rules scan, id, capped;
    jszg_jpeg_info info;

    (void)state;
    jszg_jpeg_scan_rules(&scan);
    jszg_jpeg_id_rules(&id, 4 * 1024 * 1024);
    /* 6000 x 6000 declared by a few KB: refused from the header, for
     * every kind, before a byte of it is decoded */
    lie_about_size(&small, 6000, 6000);
    lie_about_size(&prog, 6000, 6000);
    assert_int_equal(jszg_jpeg_check(small.buf, small.len, &scan, &info),
                     JSZG_JPEG_TOO_MANY_PIXELS);
    assert_int_equal(info.width, 6000);
    assert_int_equal(jszg_jpeg_check(prog.buf, prog.len, &scan, &info),
                     JSZG_JPEG_TOO_MANY_PIXELS);
    assert_int_equal(jszg_jpeg_check(prog.buf, prog.len, &id, NULL),
                     JSZG_JPEG_TOO_MANY_PIXELS);
    assert_int_equal(photo(&prog, prog.len), JSZG_JPEG_PROGRESSIVE);
    assert_int_equal(photo(&small, small.len), JSZG_JPEG_BAD_WIDTH);
    /* within the pixels, but its coefficient buffer (4:2:0: 3 bytes a
     * pixel, 12 MB here) is over the progressive budget */
    lie_about_size(&prog, 2000, 2000);
    assert_int_equal(jszg_jpeg_check(prog.buf, prog.len, &scan, &info),
                     JSZG_JPEG_BUFFERED_TOO_LARGE);
    assert_true(info.coef_bytes > 11 * 1024 * 1024);
    assert_true(info.progressive);
    /* real files: a 0.67 MP progressive scan passes, a 0.8 MP one not */
    assert_int_equal(jszg_jpeg_check(ok.buf, ok.len, &id, &info),
                     JSZG_JPEG_OK);
    assert_true(info.coef_bytes > 0
                && info.coef_bytes <= JSZG_JPEG_MAX_COEF_BYTES);
    assert_int_equal(jszg_jpeg_check(big.buf, big.len, &id, NULL),
                     JSZG_JPEG_BUFFERED_TOO_LARGE);
    /* a sequential file of one scan per component needs the same buffer */
    assert_int_equal(jszg_jpeg_check(seq.buf, seq.len, &id, &info),
                     JSZG_JPEG_BUFFERED_TOO_LARGE);
    assert_false(info.progressive);
    assert_int_equal(jszg_jpeg_check(seq_ok.buf, seq_ok.len, &id, NULL),
                     JSZG_JPEG_OK);
    /* libjpeg's own cap backs the budget up: a buffer over
     * max_memory_to_use fails the decode */
    capped = id;
    capped.max_coef_bytes = 64L * 1024 * 1024;
    capped.max_memory = 1024 * 1024;
    assert_int_equal(jszg_jpeg_check(ok.buf, ok.len, &capped, NULL),
                     JSZG_JPEG_CORRUPT);
    capped.max_memory = 8L * 1024 * 1024;
    assert_int_equal(jszg_jpeg_check(ok.buf, ok.len, &capped, NULL),
                     JSZG_JPEG_OK);
    free(small.buf);
    free(prog.buf);
    free(ok.buf);
    free(big.buf);
    free(seq.buf);
    free(seq_ok.buf);
}

static void test_png_for_id_photos(void **state)
{
    jszg_captcha c;
    const unsigned char *png;
    apr_size_t plen;
    jszg_jpeg_rules id, scan;
    jszg_jpeg_info info;

    (void)state;
    memset(&c, 0, sizeof(c));
    c.mode = JSZG_CAPTCHA_SLIDE;
    c.answer = 99;
    c.seed = 99;
    assert_int_equal(jszg_captcha_png(pool, &c, JSZG_CAPTCHA_IMG_BG, &png,
                                      &plen), APR_SUCCESS);
    jszg_jpeg_id_rules(&id, 4 * 1024 * 1024);
    jszg_jpeg_scan_rules(&scan);
    /* the captcha background is 320 x 160: too low for an ID photo */
    assert_int_equal(jszg_jpeg_check(png, plen, &id, &info),
                     JSZG_JPEG_BAD_HEIGHT);
    assert_true(info.png);
    id.min_h = 100;
    assert_int_equal(jszg_jpeg_check(png, plen, &id, &info), JSZG_JPEG_OK);
    id.max_pixels = 320L * 160 - 1;
    assert_int_equal(jszg_jpeg_check(png, plen, &id, NULL),
                     JSZG_JPEG_TOO_MANY_PIXELS);
    /* a kind without PNG: a PNG is a renamed file */
    assert_int_equal(jszg_jpeg_check(png, plen, &scan, NULL),
                     JSZG_JPEG_IS_PNG);
    /* a PNG declaring 6000 x 6000 in its IHDR: refused from the header */
    {
        unsigned char *lie = apr_pmemdup(pool, png, plen);
        lie[18] = 6000 >> 8; lie[19] = 6000 & 255;
        lie[22] = 6000 >> 8; lie[23] = 6000 & 255;
        jszg_jpeg_id_rules(&id, 4 * 1024 * 1024);
        assert_int_equal(jszg_jpeg_check(lie, plen, &id, NULL),
                         JSZG_JPEG_TOO_MANY_PIXELS);
    }
}

static void test_messages(void **state)
{
    int st;
    jszg_jpeg_rules photo_r, scan, id;

    (void)state;
    jszg_jpeg_photo_rules(&photo_r);
    jszg_jpeg_scan_rules(&scan);
    jszg_jpeg_id_rules(&id, 4 * 1024 * 1024);
    for (st = JSZG_JPEG_OK; st <= JSZG_JPEG_BUFFERED_TOO_LARGE; st++) {
        assert_non_null(jszg_jpeg_message(pool, st, NULL));
        assert_non_null(jszg_jpeg_message(pool, st, &scan));
        assert_non_null(jszg_jpeg_message(pool, st, &id));
        assert_true(strlen(jszg_jpeg_code(st)) > 1);
    }
    assert_non_null(strstr(jszg_jpeg_message(pool, JSZG_JPEG_IS_PNG, NULL),
                           "PNG"));
    assert_string_equal(jszg_jpeg_code(JSZG_JPEG_TRUNCATED),
                        "photo_truncated");
    /* each kind its own rule text: the applicant photo's sides are not
     * the ID photo's nor the certificate scan's */
    assert_string_equal(jszg_jpeg_message(pool, JSZG_JPEG_BAD_WIDTH,
                                          &photo_r),
                        "图片宽度（水平像素）应在200到300之间。");
    assert_string_equal(jszg_jpeg_message(pool, JSZG_JPEG_BAD_HEIGHT, NULL),
                        "图片高度（垂直像素）应在408到418之间。");
    assert_string_equal(jszg_jpeg_message(pool, JSZG_JPEG_BAD_WIDTH, &id),
                        "证件照片宽度（水平像素）应在200到6000之间。");
    assert_string_equal(jszg_jpeg_message(pool, JSZG_JPEG_BAD_HEIGHT,
                                          &scan),
                        "证书扫描件高度（垂直像素）应在1到6000之间。");
    assert_null(strstr(jszg_jpeg_message(pool, JSZG_JPEG_NOT_JPEG, &id),
                       "jpg格式"));
    assert_non_null(strstr(jszg_jpeg_message(pool, JSZG_JPEG_NOT_JPEG, &id),
                           "PNG"));
    assert_non_null(strstr(jszg_jpeg_message(pool,
                                             JSZG_JPEG_TOO_MANY_PIXELS,
                                             &id), "1200万像素"));
    assert_non_null(strstr(jszg_jpeg_message(pool, JSZG_JPEG_TOO_LARGE,
                                             &scan), "190KB"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_photo),
        cmocka_unit_test(test_bounds_inclusive),
        cmocka_unit_test(test_dimensions),
        cmocka_unit_test(test_size_limit),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_corrupt),
        cmocka_unit_test(test_progressive_and_cmyk),
        cmocka_unit_test(test_not_jpeg),
        cmocka_unit_test(test_scan_rules),
        cmocka_unit_test(test_budgets),
        cmocka_unit_test(test_png_for_id_photos),
        cmocka_unit_test(test_messages),
    };
    int rc;

    apr_initialize();
    apr_pool_create(&pool, NULL);
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    apr_pool_destroy(pool);
    apr_terminate();
    return rc;
}
