/*
 * libFuzzer target: the PNG check of uploaded ID scans (jszg_png_check in
 * jszg_captcha.c, libpng, decoded row by row) and the captcha answer the
 * client sends (jszg_captcha_judge).  Whatever the bytes: a verdict,
 * never a crash, a hang or a leak; an accepted PNG has sides in range.
 * Input: the PNG bytes.  The first 9 bytes also seed a captcha whose
 * answer text is the input's tail after the last '\n' (if any).
 */
#include <stdint.h>
#include <stddef.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include "jszg_captcha.h"
#include "jszg_jpeg.h"

static apr_pool_t *root;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    apr_initialize();
    apr_pool_create(&root, NULL);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int w = 0, h = 0;
    apr_pool_t *p;

    if (jszg_png_check(data, size, 200, 6000, JSZG_SCAN_MAX_PIXELS, &w, &h)
        && (w < 200 || w > 6000 || h < 200 || h > 6000
            || (long)w * h > JSZG_SCAN_MAX_PIXELS))
        __builtin_trap();
    (void)jszg_png_check(data, size, 1, 64, 4096, NULL, NULL);

    if (size >= 9) {
        jszg_captcha c;
        const uint8_t *nl = memchr(data + 9, '\n', size - 9);
        const char *answer;
        long elapsed = (long)(data[0] * 1000), drag = (long)(data[1] * 50);

        apr_pool_create(&p, root);
        jszg_captcha_new(&c, data[8] & 1, data);
        answer = nl ? apr_pstrmemdup(p, (const char *)nl + 1,
                                     size - (size_t)(nl + 1 - data))
                    : apr_pstrmemdup(p, (const char *)data + 9, size - 9);
        (void)jszg_captcha_judge(&c, answer, elapsed, drag);
        (void)jszg_captcha_judge(&c, answer, -elapsed, -drag);
        apr_pool_destroy(p);
    }
    return 0;
}
