/*
 * jszg_jpeg.h - validation of uploaded images (applicant photo, certificate
 * scans, ID document photos) with libjpeg, and libpng where PNG is
 * accepted (jszg_png_check).  Pure C: no httpd headers, unit-tested and
 * fuzzed on its own.
 *
 * The file name and the Content-Type are never trusted: the bytes are
 * decoded completely (header and every scanline), so a PNG renamed .jpg,
 * a truncated upload or a corrupt stream is caught, and libjpeg's own
 * warnings (e.g. "Premature end of JPEG file") count as failures.
 */
#ifndef JSZG_JPEG_H
#define JSZG_JPEG_H

#include <apr.h>
#include <apr_pools.h>

/* The applicant photo of the manual (步骤二, 照片上传: 要求). */
#define JSZG_PHOTO_MAX_BYTES   (190 * 1024 - 1)   /* "小于190KB" */
#define JSZG_PHOTO_MIN_W       200
#define JSZG_PHOTO_MAX_W       300
#define JSZG_PHOTO_MIN_H       408
#define JSZG_PHOTO_MAX_H       418

/* Sides beyond this are refused before decoding (bounds the work). */
#define JSZG_JPEG_MAX_SIDE     6000

/*
 * Budgets, decided from the header before anything is decoded, so that a
 * small file declaring a huge image costs nothing (a 70 KB progressive
 * JPEG of 6000 x 6000 used to take ~216 MB per decode):
 * - pixels (width x height) for any JPEG or PNG: bounds the CPU of a
 *   decode, which reads one row at a time;
 * - a JPEG that needs its whole image in memory (progressive, or
 *   sequential with one scan per component) holds all its DCT
 *   coefficients: 128 bytes per 8 x 8 block of every component, i.e.
 *   3 bytes per pixel with 4:2:0 colour, 6 with 4:4:4.  That buffer is
 *   budgeted on its own, far stricter;
 * - libjpeg's own cap (mem->max_memory_to_use) backs both up: a whole-
 *   image buffer beyond it fails the decode (no backing store).
 * With 8 concurrent worst-case uploads a child grows by less than 32 MB
 * (bench/uploads/run.sh, README).  That needs the whole-image buffer to
 * be given back when freed: with glibc's dynamic mmap threshold, the
 * first freed buffer raises the threshold to its size, later ones are
 * carved from the thread's arena, and every arena (up to 8 per core)
 * keeps its top (about arenas x budget for good).  mod_jszg's child_init
 * therefore fixes the threshold (JSZG_MMAP_THRESHOLD, mallopt): larger
 * blocks are mmap'ed and unmapped on free.
 */
#define JSZG_MMAP_THRESHOLD        (256 * 1024)
#define JSZG_SCAN_MAX_PIXELS       (12L * 1000 * 1000)  /* 4000 x 3000 */
#define JSZG_JPEG_MAX_COEF_BYTES   (2L * 1024 * 1024)   /* ~0.7 MP 4:2:0 */
#define JSZG_JPEG_MAX_MEMORY       (3L * 1024 * 1024)
/* More scans than this is no camera's or editor's progressive file
 * (they use about 10): each scan passes over the whole buffer. */
#define JSZG_JPEG_MAX_SCANS        100

/* The kinds of upload: each its own rules and its own wording. */
typedef enum {
    JSZG_IMG_PHOTO = 0,         /* 申请人照片 (wizard 步骤二) */
    JSZG_IMG_CERT_SCAN,         /* 证书扫描件 (a certificate added by hand) */
    JSZG_IMG_ID_SCAN            /* 证件照片 (实名 人工审核; JPEG or PNG) */
} jszg_img_kind;

typedef struct {
    jszg_img_kind kind;
    apr_size_t max_bytes;       /* largest accepted file */
    int min_w, max_w;           /* 0 = no bound (max_w still capped) */
    int min_h, max_h;
    int allow_progressive;
    int allow_png;              /* PNG accepted too (decoded by libpng) */
    long max_pixels;            /* width x height, JPEG and PNG */
    long max_coef_bytes;        /* whole-image coefficient buffer */
    long max_memory;            /* libjpeg's mem->max_memory_to_use */
} jszg_jpeg_rules;

typedef struct {
    int width, height;
    int components;             /* 1 grey, 3 colour */
    int progressive;
    int png;                    /* the file was a PNG (allow_png) */
    long coef_bytes;            /* whole-image buffer it needs, or 0 */
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
    JSZG_JPEG_BAD_HEIGHT,
    JSZG_JPEG_TOO_MANY_PIXELS,  /* over max_pixels */
    JSZG_JPEG_BUFFERED_TOO_LARGE /* whole-image buffer over its budget */
} jszg_jpeg_status;

/* The applicant photo rules (190 KB, 200-300 x 408-418, baseline). */
void jszg_jpeg_photo_rules(jszg_jpeg_rules *r);

/* A certificate scan: < 190 KB, JPEG, sides up to the cap, the budgets. */
void jszg_jpeg_scan_rules(jszg_jpeg_rules *r);

/* An ID document photo for the 实名 manual review: JPEG or PNG of at
 * least 200 px a side, the budgets; max_bytes = the body limits. */
void jszg_jpeg_id_rules(jszg_jpeg_rules *r, apr_size_t max_bytes);

/* Check buf[0..len) against rules; info (may be NULL) is filled as far
 * as the header could be read. */
jszg_jpeg_status jszg_jpeg_check(const unsigned char *buf, apr_size_t len,
                                 const jszg_jpeg_rules *rules,
                                 jszg_jpeg_info *info);

/* Stable API code, e.g. "photo_not_jpeg". */
const char *jszg_jpeg_code(jszg_jpeg_status st);

/* Simplified Chinese reason for the page, worded for the kind of upload
 * and its limits (rules NULL: the applicant photo). */
const char *jszg_jpeg_message(apr_pool_t *p, jszg_jpeg_status st,
                              const jszg_jpeg_rules *rules);

/* The same, told apart by the uploaded file's name where that matters:
 * a PNG named .jpg "仅修改了扩展名", a genuine .png is just not a JPG. */
const char *jszg_jpeg_message_named(apr_pool_t *p, jszg_jpeg_status st,
                                    const jszg_jpeg_rules *rules,
                                    const char *filename);

#endif /* JSZG_JPEG_H */
