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

#include "jszg_jpeg.h"

typedef struct {
    unsigned char *buf;
    unsigned long len;
} blob;

/* A JPEG of w x h: mode 0 baseline RGB, 1 progressive, 2 CMYK, 3 grey,
 * 4 RGB noise at quality 100 (large). */
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

static void test_messages(void **state)
{
    int st;

    (void)state;
    for (st = JSZG_JPEG_OK; st <= JSZG_JPEG_BAD_HEIGHT; st++) {
        assert_non_null(jszg_jpeg_message(st));
        assert_true(strlen(jszg_jpeg_code(st)) > 1);
    }
    assert_non_null(strstr(jszg_jpeg_message(JSZG_JPEG_IS_PNG), "PNG"));
    assert_string_equal(jszg_jpeg_code(JSZG_JPEG_TRUNCATED),
                        "photo_truncated");
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
        cmocka_unit_test(test_messages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
