/*
 * jszg_jpeg.h - validation of uploaded JPEG photos (applicant photo and
 * certificate scans) with libjpeg.  Pure C: no httpd headers, unit-tested
 * and fuzzed on its own.
 *
 * The file name and the Content-Type are never trusted: the bytes are
 * decoded completely (header and every scanline), so a PNG renamed .jpg,
 * a truncated upload or a corrupt stream is caught, and libjpeg's own
 * warnings (e.g. "Premature end of JPEG file") count as failures.
 */
#ifndef JSZG_JPEG_H
#define JSZG_JPEG_H

#include <apr.h>

/* The applicant photo of the manual (步骤二, 照片上传: 要求). */
#define JSZG_PHOTO_MAX_BYTES   (190 * 1024 - 1)   /* "小于190KB" */
#define JSZG_PHOTO_MIN_W       200
#define JSZG_PHOTO_MAX_W       300
#define JSZG_PHOTO_MIN_H       408
#define JSZG_PHOTO_MAX_H       418

/* Sides beyond this are refused before decoding (bounds the work). */
#define JSZG_JPEG_MAX_SIDE     6000

typedef struct {
    apr_size_t max_bytes;       /* largest accepted file */
    int min_w, max_w;           /* 0 = no bound (max_w still capped) */
    int min_h, max_h;
    int allow_progressive;
} jszg_jpeg_rules;

typedef struct {
    int width, height;
    int components;             /* 1 grey, 3 colour */
    int progressive;
} jszg_jpeg_info;

typedef enum {
    JSZG_JPEG_OK = 0,
    JSZG_JPEG_EMPTY,            /* no file sent */
    JSZG_JPEG_TOO_LARGE,        /* > max_bytes */
    JSZG_JPEG_IS_PNG,           /* a PNG (renamed .jpg) */
    JSZG_JPEG_NOT_JPEG,         /* GIF, BMP, WebP, text, ... */
    JSZG_JPEG_CORRUPT,          /* libjpeg refused the stream */
    JSZG_JPEG_TRUNCATED,        /* the data ends before the image does */
    JSZG_JPEG_CMYK,             /* CMYK/YCCK: prints with odd colours */
    JSZG_JPEG_PROGRESSIVE,      /* progressive, when not allowed */
    JSZG_JPEG_BAD_WIDTH,
    JSZG_JPEG_BAD_HEIGHT
} jszg_jpeg_status;

/* The applicant photo rules (190 KB, 200-300 x 408-418, baseline). */
void jszg_jpeg_photo_rules(jszg_jpeg_rules *r);

/* A certificate scan: < 190 KB, any size up to the cap. */
void jszg_jpeg_scan_rules(jszg_jpeg_rules *r);

/* Check buf[0..len) against rules; info (may be NULL) is filled as far
 * as the header could be read. */
jszg_jpeg_status jszg_jpeg_check(const unsigned char *buf, apr_size_t len,
                                 const jszg_jpeg_rules *rules,
                                 jszg_jpeg_info *info);

/* Stable API code, e.g. "photo_not_jpeg". */
const char *jszg_jpeg_code(jszg_jpeg_status st);

/* Simplified Chinese reason for the page. */
const char *jszg_jpeg_message(jszg_jpeg_status st);

#endif /* JSZG_JPEG_H */
