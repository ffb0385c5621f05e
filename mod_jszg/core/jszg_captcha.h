/*
 * jszg_captcha.h - the slider captcha ("拖动滑块补全拼图") and the PNG
 * check of uploaded photos.  Pure C over APR + libpng: no httpd headers,
 * unit-tested on its own.
 *
 * A challenge is (mode, seed, answer).  The seed fixes the procedural
 * background (gradient, shapes, noise) and the gap's y; the answer is the
 * gap's x (slide mode) or the number of the labelled position it sits at
 * (pick mode, the no-JS fallback: positions 1..JSZG_CAPTCHA_SLOTS are
 * labelled on the image and the user picks one).  The caller stores the
 * challenge server-side and serves the images; the answer itself never
 * leaves the server.
 */
#ifndef JSZG_CAPTCHA_H_INCLUDED
#define JSZG_CAPTCHA_H_INCLUDED

#include <apr_pools.h>

#define JSZG_CAPTCHA_W          320     /* background, px */
#define JSZG_CAPTCHA_H          160
#define JSZG_CAPTCHA_PIECE      47      /* piece bounding box (square) */
#define JSZG_CAPTCHA_MIN_X      60      /* never where the piece starts */
#define JSZG_CAPTCHA_MAX_X      (JSZG_CAPTCHA_W - JSZG_CAPTCHA_PIECE - 6)
#define JSZG_CAPTCHA_SLOTS      6       /* labelled positions (pick mode) */
#define JSZG_CAPTCHA_TOLERANCE  5       /* px either side (slide mode) */
#define JSZG_CAPTCHA_MIN_MS     800     /* issue to answer, at least */
#define JSZG_CAPTCHA_MIN_DRAG_MS 150    /* a drag shorter than this is a bot */
#define JSZG_CAPTCHA_MAX_DRAG_MS 120000
#define JSZG_CAPTCHA_TTL        120     /* seconds */
#define JSZG_CAPTCHA_DECOYS     2       /* at most, slide mode */
#define JSZG_CAPTCHA_TRACK_MAX  200     /* samples of a drag's track */

typedef enum {
    JSZG_CAPTCHA_SLIDE = 0,
    JSZG_CAPTCHA_PICK = 1
} jszg_captcha_mode;

typedef enum {
    JSZG_CAPTCHA_IMG_BG = 0,    /* background with the gap */
    JSZG_CAPTCHA_IMG_PIECE      /* the piece: PIECE x H, transparent */
} jszg_captcha_img;

typedef struct {
    int mode;                   /* jszg_captcha_mode */
    unsigned long seed;         /* 32 bits used */
    int answer;                 /* slide: gap x; pick: slot 1..SLOTS */
} jszg_captcha;

typedef enum {
    JSZG_CAPTCHA_PASS = 0,
    JSZG_CAPTCHA_WRONG,         /* outside the tolerance / wrong slot */
    JSZG_CAPTCHA_TOO_FAST,      /* answered or dragged impossibly fast */
    JSZG_CAPTCHA_BAD_INPUT,     /* missing or not a number */
    JSZG_CAPTCHA_TRACK          /* the drag's track is not a person's */
} jszg_captcha_verdict;

/* A new challenge from 8 random bytes (apr_generate_random_bytes). */
void jszg_captcha_new(jszg_captcha *c, int mode, const unsigned char rnd[8]);

/* Where the gap is: x from the answer (or the slot), y from the seed. */
int jszg_captcha_gap_x(const jszg_captcha *c);
int jszg_captcha_gap_y(const jszg_captcha *c);

/* Left edge of labelled position slot (1..SLOTS), -1 if out of range. */
int jszg_captcha_slot_x(int slot);

/* Slide mode: the left edges of the decoy gaps (same row as the real
 * one, another shape) into xs[JSZG_CAPTCHA_DECOYS]; returns how many. */
int jszg_captcha_decoys(const jszg_captcha *c, int *xs);

/* 1 if (px, py), relative to the piece's bounding box, is in the piece. */
int jszg_captcha_in_piece(int px, int py);

/* The raw RGBA pixels (row-major, 4 bytes a pixel) of an image. */
unsigned char *jszg_captcha_rgba(apr_pool_t *p, const jszg_captcha *c,
                                 jszg_captcha_img which, int *w, int *h);

/* The same image as a PNG (libpng), allocated from p. */
apr_status_t jszg_captcha_png(apr_pool_t *p, const jszg_captcha *c,
                              jszg_captcha_img which,
                              const unsigned char **png, apr_size_t *len);

/*
 * Judge an answer: the text the client sent (slide: x in px; pick: the
 * slot number), the time since the challenge was issued and, in slide
 * mode, the drag's duration as the client measured it (ignored in pick
 * mode).  Timing is checked before the position, so a bot learns
 * nothing about the answer from a too-fast try.
 */
jszg_captcha_verdict jszg_captcha_judge(const jszg_captcha *c,
                                        const char *answer,
                                        long elapsed_ms, long drag_ms);

/*
 * Slide mode: judge the drag's track as the page recorded it: samples
 * "t:x" (ms since the drag began, with at most one decimal; the piece's
 * x in px; "t:xk" for an
 * arrow/Home/End key), separated by ';', at most
 * JSZG_CAPTCHA_TRACK_MAX.  It must start at the left, end at the answer
 * at about drag_ms, never jump (keys: 10 px, or to an end), and a
 * pointer drag must be small moves (at least 3, none over 80 px), not
 * equal steps at an equal pace.  Checked before
 * the position, like the timing.
 */
jszg_captcha_verdict jszg_captcha_track(const char *track,
                                        const char *answer, long drag_ms);

/* ---- uploaded photos --------------------------------------------------- */

/*
 * 1 if buf is a PNG that libpng decodes completely (row by row) with
 * both sides in [min_side, max_side] and at most max_pixels pixels
 * (refused from the IHDR, before decoding), else 0: a renamed, truncated
 * or corrupt file fails.  Uploads call it through jszg_jpeg_check (a
 * kind's rules with allow_png).  w/h may be NULL.  (Here because it
 * shares the libpng plumbing of the captcha.)
 */
int jszg_png_check(const unsigned char *buf, apr_size_t len, int min_side,
                   int max_side, long max_pixels, int *w, int *h);

#endif /* JSZG_CAPTCHA_H_INCLUDED */
