/*
 * libFuzzer target: image validation (jszg_jpeg.c) under the rules of
 * each kind of upload (photo, certificate scan, ID photo with PNG).
 * Whatever the bytes, the check must return a status and never crash,
 * hang or leak; what is accepted keeps to the pixel and buffer budgets.
 *   clang -g -fsanitize=fuzzer,address,undefined ... fuzz_jpeg.c \
 *       jszg_jpeg.c -ljpeg
 */
#include <stdint.h>
#include <stddef.h>

#include <apr_general.h>
#include <apr_pools.h>

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
    jszg_jpeg_rules photo, scan, id;
    jszg_jpeg_info info;
    jszg_jpeg_status st;
    apr_pool_t *p;

    apr_pool_create(&p, root);
    jszg_jpeg_photo_rules(&photo);
    jszg_jpeg_scan_rules(&scan);
    jszg_jpeg_id_rules(&id, 4 * 1024 * 1024);
    st = jszg_jpeg_check(data, size, &photo, &info);
    if (st == JSZG_JPEG_OK
        && (info.width < JSZG_PHOTO_MIN_W || info.width > JSZG_PHOTO_MAX_W
            || info.height < JSZG_PHOTO_MIN_H
            || info.height > JSZG_PHOTO_MAX_H || size > photo.max_bytes))
        __builtin_trap();
    (void)jszg_jpeg_message(p, st, &photo);
    (void)jszg_jpeg_code(st);
    st = jszg_jpeg_check(data, size, &scan, NULL);
    (void)jszg_jpeg_message(p, st, &scan);
    /* the budgets hold for whatever is accepted (JPEG or PNG) */
    st = jszg_jpeg_check(data, size, &id, &info);
    if (st == JSZG_JPEG_OK
        && ((long)info.width * info.height > id.max_pixels
            || info.coef_bytes > id.max_coef_bytes))
        __builtin_trap();
    (void)jszg_jpeg_message(p, st, &id);
    apr_pool_destroy(p);
    return 0;
}
