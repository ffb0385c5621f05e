/*
 * libFuzzer target: JPEG photo validation (jszg_jpeg.c) under both rule
 * sets.  Whatever the bytes, the check must return a status and never
 * crash, hang or leak.
 *   clang -g -fsanitize=fuzzer,address,undefined ... fuzz_jpeg.c \
 *       jszg_jpeg.c -ljpeg
 */
#include <stdint.h>
#include <stddef.h>

#include "jszg_jpeg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    jszg_jpeg_rules photo, scan;
    jszg_jpeg_info info;
    jszg_jpeg_status st;

    jszg_jpeg_photo_rules(&photo);
    jszg_jpeg_scan_rules(&scan);
    st = jszg_jpeg_check(data, size, &photo, &info);
    if (st == JSZG_JPEG_OK
        && (info.width < JSZG_PHOTO_MIN_W || info.width > JSZG_PHOTO_MAX_W
            || info.height < JSZG_PHOTO_MIN_H
            || info.height > JSZG_PHOTO_MAX_H || size > photo.max_bytes))
        __builtin_trap();
    (void)jszg_jpeg_message(st);
    (void)jszg_jpeg_code(st);
    st = jszg_jpeg_check(data, size, &scan, NULL);
    (void)jszg_jpeg_message(st);
    return 0;
}
