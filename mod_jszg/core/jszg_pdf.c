/*
 * jszg_pdf.c - the 教师资格定期注册申请表 as an A4 PDF.  See jszg_pdf.h.
 * No httpd headers here.
 *
 * Units are PDF points (1/72 inch); the pango context runs at 72 dpi so
 * a font size of 10 is 10 pt on paper.  The page is drawn top-down: the
 * title and header, then one bordered table whose rows are laid out from
 * fixed column widths, then the footer.  Every piece of text goes through
 * draw_text(), which fits it into its cell (smaller, wrapped, at last
 * ellipsized) and clips to the cell, so no value can spill over a line
 * of the form.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>              /* jpeglib.h needs FILE */
#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>

#include <cairo.h>
#include <cairo-pdf.h>
#include <fontconfig/fontconfig.h>
#include <jpeglib.h>
#include <pango/pangocairo.h>
#include <qrencode.h>

#include "jszg_pdf.h"
#include "jszg_rules.h"

/* A4 in points, margins of 15 mm. */
#define PAGE_W      595.276
#define PAGE_H      841.890
#define MARGIN      42.52
#define TABLE_X     MARGIN
#define TABLE_W     (PAGE_W - 2 * MARGIN)
#define SEC_W       24.0        /* the vertical section title column */
#define INNER_X     (TABLE_X + SEC_W)
#define INNER_W     (TABLE_W - SEC_W)
#define LABEL_W     62.0        /* label cells of the three-pair rows */
#define VALUE_W     ((INNER_W - 3 * LABEL_W) / 3)
#define ROW_H       23.0
#define PAD         3.0         /* inner padding of a cell */

/* The photo cell at the right of 个人信息: a 1寸 photo is 25 x 35 mm. */
#define PHOTO_W     (25.0 * 72 / 25.4)
#define PHOTO_H     (35.0 * 72 / 25.4)
#define PHOTO_CELL  92.0
#define PERSON_H    27.0        /* 4 rows of it hold the photo */

#define QR_SIZE     60.0

/*
 * WenQuanYi Micro Hei (Debian fonts-wqy-microhei) by default.  With the
 * Noto CJK fonts, cairo 1.16 copies each font's whole 16-26 MB glyph
 * table per PDF: ~17 ms a render, ~25 MB kept per rendering thread (600 MB
 * for an event-MPM child of 25 threads) and a 768-byte leak per font per
 * PDF.  WenQuanYi: ~5 ms, ~1.7 MB per thread, no leak; its bold is
 * synthetic.  Override with -DJSZG_PDF_FONT_SANS / _SERIF.
 */
#ifndef JSZG_PDF_FONT_SERIF
#define JSZG_PDF_FONT_SERIF "WenQuanYi Micro Hei"
#endif
#ifndef JSZG_PDF_FONT_SANS
#define JSZG_PDF_FONT_SANS  "WenQuanYi Micro Hei"
#endif
#define FONT_SERIF  JSZG_PDF_FONT_SERIF
#define FONT_SANS   JSZG_PDF_FONT_SANS
#define MIN_SIZE    5.5         /* below this, ellipsize instead */
#define SIZE_STEP   0.5

/* Longer values cannot be shown in any cell of the form anyway (the
 * longest field, 通讯地址, is at most 100 characters, 300 bytes); cutting
 * them first bounds the work of fitting them. */
#define MAX_TEXT    400

/* Photos larger than this are decoded at 1/2, 1/4 or 1/8 scale; beyond
 * MAX_PHOTO_PX they are not decoded at all (decompression bombs). */
#define FULL_PHOTO_PX  1200
#define MAX_PHOTO_PX   10000

/* The whole PDF is ~100 KB; anything near this is a bug. */
#define MAX_PDF     (32 * 1024 * 1024)

/* A field's label: the vocabulary's (jszg_rules.c), as on the wizard's
 * form, 修改, 详情 and the staff pages.  The cycle record's labels
 * (年度考核, 学时, 师德) are not fields of the snapshot and stay here. */
#define LABEL(group, key) jszg_rules_field_label(group, key)

#define REASON JSZG_ST_DEFER "或" JSZG_ST_FAIL "的理由："

#define PLEDGE "本人所填写信息及提交的注册材料真实可靠。若存在弄虚作假行为，" \
               "本人将承担一切法律后果。"

/* ---- output buffer ------------------------------------------------ */

/* cairo hands the PDF out in pieces; they are collected with realloc
 * (one copy of the document, not the pool's grow-and-abandon) and the
 * buffer is handed to the pool's cleanup at the end. */
typedef struct {
    unsigned char *buf;
    size_t len, cap;
} pdf_sink;

static cairo_status_t sink_write(void *closure, const unsigned char *data,
                                 unsigned int n)
{
    pdf_sink *s = closure;
    unsigned char *nb;
    size_t cap;

    if (n > MAX_PDF - s->len) {
        return CAIRO_STATUS_WRITE_ERROR;
    }
    if (s->len + n > s->cap) {
        cap = s->cap ? s->cap : 64 * 1024;
        while (cap < s->len + n) {
            cap *= 2;
        }
        nb = realloc(s->buf, cap);
        if (nb == NULL) {
            return CAIRO_STATUS_NO_MEMORY;
        }
        s->buf = nb;
        s->cap = cap;
    }
    memcpy(s->buf + s->len, data, n);
    s->len += n;
    return CAIRO_STATUS_SUCCESS;
}

static apr_status_t free_cleanup(void *data)
{
    free(data);
    return APR_SUCCESS;
}

/* ---- text ---------------------------------------------------------- */

typedef struct {
    PangoFontDescription *font;
    double size;
    PangoAlignment align;
} text_style;

/* Everything one render needs; lives on the caller's stack. */
typedef struct {
    apr_pool_t *p;
    cairo_t *cr;
    PangoContext *pc;
    text_style title, label, value, value_left, section, body, small;
} pdf_doc;

static void style_init(text_style *st, const char *family, double size,
                       PangoWeight weight, PangoAlignment align)
{
    st->font = pango_font_description_new();
    pango_font_description_set_family_static(st->font, family);
    pango_font_description_set_weight(st->font, weight);
    pango_font_description_set_size(st->font, (gint)(size * PANGO_SCALE));
    st->size = size;
    st->align = align;
}

/*
 * A copy of s that pango can take as is: cut to MAX_TEXT bytes at a
 * character boundary and marked with "…" if cut, invalid UTF-8 replaced
 * by U+FFFD (pango would warn on stderr, i.e. into the error log),
 * control characters as spaces so a value stays one paragraph.  NULL
 * for NULL or "".  Free with g_free().
 */
static char *clean_text(const char *s)
{
    size_t n;
    char *t, *q;

    if (s == NULL || *s == '\0') {
        return NULL;
    }
    n = strnlen(s, MAX_TEXT + 1);
    if (n > MAX_TEXT) {
        n = MAX_TEXT;
        while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80) {
            n--;                /* not inside a UTF-8 sequence */
        }
    }
    t = g_utf8_make_valid(s, (gssize)n);
    for (q = t; *q; q++) {
        if ((unsigned char)*q < 0x20 || *q == 0x7f) {
            *q = ' ';
        }
    }
    if (s[n] != '\0') {
        q = g_strconcat(t, "…", NULL);
        g_free(t);
        t = q;
    }
    return t;
}

/* Lays l out at size; does it fit in height h? */
static int fits_at(PangoLayout *l, PangoFontDescription *fd, double size,
                   double h)
{
    PangoRectangle r;

    pango_font_description_set_size(fd, (gint)(size * PANGO_SCALE));
    pango_layout_set_font_description(l, fd);
    pango_layout_get_extents(l, NULL, &r);
    return r.height <= h * PANGO_SCALE;
}

/*
 * A layout of text in a box of w x h: the style's size if it fits, else
 * the largest size on a SIZE_STEP grid down to MIN_SIZE at which the
 * wrapped text fits (found by bisection: a smaller size never needs more
 * height), else MIN_SIZE cut with an ellipsis.  Wrapping may break
 * inside a word, so the width is never exceeded.  A value that fits
 * costs one layout, an oversized one three, any other about six.
 */
static PangoLayout *fit_layout(pdf_doc *d, const char *text,
                               const text_style *st, double w, double h)
{
    PangoLayout *l = pango_layout_new(d->pc);
    PangoFontDescription *fd = pango_font_description_copy(st->font);
    int lo = 0, hi = (int)((st->size - MIN_SIZE) / SIZE_STEP), mid;

    pango_layout_set_text(l, text, -1);     /* plain text, never markup */
    pango_layout_set_width(l, (int)(w * PANGO_SCALE));
    pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_alignment(l, st->align);
    if (fits_at(l, fd, st->size, h)) {
        /* the common case: done */
    }
    else if (!fits_at(l, fd, MIN_SIZE, h)) {
        pango_layout_set_height(l, (int)(h * PANGO_SCALE));
        pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
    }
    else {
        /* MIN_SIZE + lo * SIZE_STEP fits, the style's size (hi) not. */
        while (hi - lo > 1) {
            mid = (lo + hi) / 2;
            if (fits_at(l, fd, MIN_SIZE + mid * SIZE_STEP, h)) {
                lo = mid;
            }
            else {
                hi = mid;
            }
        }
        fits_at(l, fd, MIN_SIZE + lo * SIZE_STEP, h);
    }
    pango_font_description_free(fd);
    return l;
}

/* Draws text fitted into the box (x, y, w, h) less padding, centred
 * vertically, clipped to the box.  NULL or "" draws nothing. */
static void draw_text(pdf_doc *d, double x, double y, double w, double h,
                      const char *text, const text_style *st)
{
    char *t = clean_text(text);
    PangoLayout *l;
    PangoRectangle r;
    double iw = w - 2 * PAD, ih = h - 2 * PAD;

    if (t == NULL || iw <= 0 || ih <= 0) {
        g_free(t);
        return;
    }
    l = fit_layout(d, t, st, iw, ih);
    pango_layout_get_extents(l, NULL, &r);
    cairo_save(d->cr);
    cairo_rectangle(d->cr, x, y, w, h);
    cairo_clip(d->cr);
    cairo_move_to(d->cr, x + PAD,
                  y + PAD + (ih - (double)r.height / PANGO_SCALE) / 2
                  - (double)r.y / PANGO_SCALE);
    pango_cairo_show_layout(d->cr, l);
    cairo_restore(d->cr);
    g_object_unref(l);
    g_free(t);
}

/* Natural width of text in a style (our own labels only). */
static double text_width(pdf_doc *d, const char *text, const text_style *st)
{
    PangoLayout *l = pango_layout_new(d->pc);
    PangoRectangle r;

    pango_layout_set_font_description(l, st->font);
    pango_layout_set_text(l, text, -1);
    pango_layout_get_extents(l, NULL, &r);
    g_object_unref(l);
    return (double)r.width / PANGO_SCALE;
}

/* ---- lines and cells ---------------------------------------------- */

#define THIN  0.6
#define THICK 1.3

static void stroke_rect(pdf_doc *d, double x, double y, double w, double h,
                        double lw)
{
    cairo_set_line_width(d->cr, lw);
    cairo_rectangle(d->cr, x, y, w, h);
    cairo_stroke(d->cr);
}

static void hline(pdf_doc *d, double x, double y, double w)
{
    cairo_set_line_width(d->cr, THIN);
    cairo_move_to(d->cr, x, y);
    cairo_line_to(d->cr, x + w, y);
    cairo_stroke(d->cr);
}

typedef enum { CELL_LABEL, CELL_VALUE, CELL_WIDE } cell_kind;

typedef struct {
    cell_kind kind;             /* WIDE: a value aligned left */
    double w;
    const char *text;
} cell;

static void draw_cell(pdf_doc *d, double x, double y, double h,
                      const cell *c)
{
    const text_style *st = c->kind == CELL_LABEL ? &d->label
                           : c->kind == CELL_WIDE ? &d->value_left
                           : &d->value;

    if (c->kind == CELL_LABEL) {
        cairo_set_source_rgb(d->cr, 0.94, 0.94, 0.94);
        cairo_rectangle(d->cr, x, y, c->w, h);
        cairo_fill(d->cr);
        cairo_set_source_rgb(d->cr, 0, 0, 0);
    }
    stroke_rect(d, x, y, c->w, h, THIN);
    draw_text(d, x, y, c->w, h, c->text, st);
}

/* A row of cells from x on; the widths are the caller's to sum up. */
static void draw_row(pdf_doc *d, double x, double y, double h,
                     const cell *cells, int n)
{
    int i;

    for (i = 0; i < n; i++) {
        draw_cell(d, x, y, h, &cells[i]);
        x += cells[i].w;
    }
}

/* The three-pair row used by most of the form: label, value x 3. */
static void row3(pdf_doc *d, double y, const char *l1, const char *v1,
                 const char *l2, const char *v2, const char *l3,
                 const char *v3)
{
    cell c[6] = {
        { CELL_LABEL, LABEL_W, l1 }, { CELL_VALUE, VALUE_W, v1 },
        { CELL_LABEL, LABEL_W, l2 }, { CELL_VALUE, VALUE_W, v2 },
        { CELL_LABEL, LABEL_W, l3 }, { CELL_VALUE, VALUE_W, v3 }
    };

    draw_row(d, INNER_X, y, ROW_H, c, 6);
}

/* A wide value over the first two pairs, then one pair. */
static void row_wide(pdf_doc *d, double y, const char *l1, const char *v1,
                     const char *l2, const char *v2)
{
    cell c[4] = {
        { CELL_LABEL, LABEL_W, l1 },
        { CELL_WIDE, 2 * VALUE_W + LABEL_W, v1 },
        { CELL_LABEL, LABEL_W, l2 }, { CELL_VALUE, VALUE_W, v2 }
    };

    draw_row(d, INNER_X, y, ROW_H, c, 4);
}

/* The section title column, e.g. 学历信息, written top to bottom. */
static void section(pdf_doc *d, double y, double h, const char *title)
{
    cairo_set_source_rgb(d->cr, 0.94, 0.94, 0.94);
    cairo_rectangle(d->cr, TABLE_X, y, SEC_W, h);
    cairo_fill(d->cr);
    cairo_set_source_rgb(d->cr, 0, 0, 0);
    stroke_rect(d, TABLE_X, y, SEC_W, h, THIN);
    /* The column fits one character per line at the style's size, so
     * the title wraps into a vertical one; where the section is too low
     * for that, the smaller size puts two characters on a line. */
    draw_text(d, TABLE_X, y, SEC_W, h, title, &d->section);
    /* Sections are separated by a heavier rule, as on printed forms. */
    cairo_set_line_width(d->cr, THICK);
    cairo_move_to(d->cr, TABLE_X, y + h);
    cairo_line_to(d->cr, TABLE_X + TABLE_W, y + h);
    cairo_stroke(d->cr);
}

/* ---- QR code ------------------------------------------------------- */

/* The 报名号 as a QR code (level M) of side size at (x, y), for the
 * confirmation point's scanner.  Dark modules of a row are merged into
 * runs: fewer path segments, and no hairline seams between modules in
 * viewers that anti-alias each rectangle. */
static void draw_qr(pdf_doc *d, double x, double y, double size,
                    const char *regno)
{
    QRcode *qr;
    double m;
    int row, col, start;

    if (regno == NULL || *regno == '\0' || strlen(regno) > 200) {
        return;
    }
    qr = QRcode_encodeString8bit(regno, 0, QR_ECLEVEL_M);
    if (qr == NULL) {
        return;
    }
    m = size / qr->width;
    for (row = 0; row < qr->width; row++) {
        for (col = 0; col < qr->width; col = start) {
            start = col + 1;
            if (!(qr->data[row * qr->width + col] & 1)) {
                continue;
            }
            while (start < qr->width
                   && (qr->data[row * qr->width + start] & 1)) {
                start++;
            }
            cairo_rectangle(d->cr, x + col * m, y + row * m,
                            (start - col) * m, m);
        }
    }
    cairo_fill(d->cr);
    QRcode_free(qr);
}

/* ---- photo --------------------------------------------------------- */

typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
} jpeg_err;

/* libjpeg's default error_exit calls exit(): never inside httpd. */
static void jpeg_fail(j_common_ptr c)
{
    longjmp(((jpeg_err *)c->err)->jump, 1);
}

/* Warnings (e.g. a truncated file) are counted, not printed. */
static void jpeg_quiet(j_common_ptr c, int level)
{
    if (level < 0) {
        c->err->num_warnings++;
    }
}

/* Copies decoded RGB scanlines into the cairo surface's 0xXXRRGGBB. */
static void read_pixels(struct jpeg_decompress_struct *c,
                        cairo_surface_t *img, JSAMPROW row)
{
    unsigned char *data = cairo_image_surface_get_data(img);
    int stride = cairo_image_surface_get_stride(img);
    uint32_t *px;
    JDIMENSION x;

    while (c->output_scanline < c->output_height) {
        px = (uint32_t *)(data + (size_t)c->output_scanline * stride);
        if (jpeg_read_scanlines(c, &row, 1) != 1) {
            break;
        }
        for (x = 0; x < c->output_width; x++) {
            px[x] = (uint32_t)row[x * 3] << 16
                    | (uint32_t)row[x * 3 + 1] << 8 | row[x * 3 + 2];
        }
    }
}

/*
 * Decodes the photo, or NULL if it is not a JPEG we can read.  When it
 * decoded cleanly at full size, the original bytes are attached as the
 * surface's JPEG MIME data: cairo then embeds them as they are
 * (DCTDecode), keeping the PDF small.  They must outlive the PDF
 * surface's finish, which they do (the caller's form).
 */
static cairo_surface_t *decode_photo(apr_pool_t *p,
                                     const unsigned char *jpg, size_t len)
{
    struct jpeg_decompress_struct c;
    jpeg_err err;
    cairo_surface_t *volatile img = NULL;
    JSAMPROW row;
    unsigned int big;

    if (jpg == NULL || len == 0 || len > ULONG_MAX) {
        return NULL;
    }
    c.err = jpeg_std_error(&err.pub);
    err.pub.error_exit = jpeg_fail;
    err.pub.emit_message = jpeg_quiet;
    if (setjmp(err.jump)) {
        jpeg_destroy_decompress(&c);
        if (img != NULL) {
            cairo_surface_destroy(img);
        }
        return NULL;
    }
    jpeg_create_decompress(&c);
    jpeg_mem_src(&c, jpg, (unsigned long)len);
    jpeg_read_header(&c, TRUE);
    big = c.image_width > c.image_height ? c.image_width : c.image_height;
    if (big == 0 || big > MAX_PHOTO_PX) {
        longjmp(err.jump, 1);
    }
    c.out_color_space = JCS_RGB;    /* CMYK input fails here: no photo */
    c.scale_num = 1;
    c.scale_denom = big <= FULL_PHOTO_PX ? 1
                    : big <= 2 * FULL_PHOTO_PX ? 2
                    : big <= 4 * FULL_PHOTO_PX ? 4 : 8;
    jpeg_start_decompress(&c);
    img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, c.output_width,
                                     c.output_height);
    if (cairo_surface_status(img) != CAIRO_STATUS_SUCCESS) {
        longjmp(err.jump, 1);
    }
    row = apr_palloc(p, (apr_size_t)c.output_width * 3);
    cairo_surface_flush(img);
    read_pixels(&c, img, row);
    cairo_surface_mark_dirty(img);
    jpeg_finish_decompress(&c);
    if (c.scale_denom == 1 && err.pub.num_warnings == 0
        && (c.jpeg_color_space == JCS_YCbCr
            || c.jpeg_color_space == JCS_GRAYSCALE)) {
        cairo_surface_set_mime_data(img, CAIRO_MIME_TYPE_JPEG, jpg, len,
                                    NULL, NULL);
    }
    jpeg_destroy_decompress(&c);
    return img;
}

/* The photo, scaled to fit a 1寸 frame centred in the cell, or the empty
 * frame with "照片" in it. */
static void draw_photo(pdf_doc *d, double x, double y, double w, double h,
                       const unsigned char *jpg, size_t len)
{
    cairo_surface_t *img = decode_photo(d->p, jpg, len);
    double fx = x + (w - PHOTO_W) / 2, fy = y + (h - PHOTO_H) / 2;
    double iw, ih, s;

    stroke_rect(d, x, y, w, h, THIN);
    if (img == NULL) {
        cairo_save(d->cr);
        cairo_set_source_rgb(d->cr, 0.45, 0.45, 0.45);
        stroke_rect(d, fx, fy, PHOTO_W, PHOTO_H, THIN);
        draw_text(d, fx, fy, PHOTO_W, PHOTO_H, "照片", &d->label);
        cairo_restore(d->cr);
        return;
    }
    iw = cairo_image_surface_get_width(img);
    ih = cairo_image_surface_get_height(img);
    s = PHOTO_W / iw < PHOTO_H / ih ? PHOTO_W / iw : PHOTO_H / ih;
    cairo_save(d->cr);
    cairo_translate(d->cr, x + (w - iw * s) / 2, y + (h - ih * s) / 2);
    cairo_scale(d->cr, s, s);
    cairo_set_source_surface(d->cr, img, 0, 0);
    cairo_pattern_set_filter(cairo_get_source(d->cr), CAIRO_FILTER_GOOD);
    cairo_paint(d->cr);
    cairo_restore(d->cr);
    cairo_surface_destroy(img);
}

/* ---- the page, top to bottom -------------------------------------- */

static double draw_header(pdf_doc *d, const jszg_pdf_form *f)
{
    const char *regno = f->regno ? f->regno : "";
    double y = MARGIN - 6, qx = TABLE_X + TABLE_W - QR_SIZE;

    draw_text(d, TABLE_X + QR_SIZE, y + 4, TABLE_W - 2 * QR_SIZE, 34,
              "教师资格定期注册申请表", &d->title);
    draw_qr(d, qx, y, QR_SIZE, regno);
    draw_text(d, TABLE_X - PAD, y + 44, 300, 18,
              apr_pstrcat(d->p, "报名号：", regno, NULL), &d->body);
    draw_text(d, TABLE_X + 300, y + 44, qx - TABLE_X - 300 - 6, 18,
              apr_pstrcat(d->p, "注册类型：", f->kind ? f->kind : "", NULL),
              &d->body);
    return y + QR_SIZE + 8;
}

static double draw_person(pdf_doc *d, const jszg_pdf_form *f, double y)
{
    const double lw = LABEL_W, vw = (INNER_W - PHOTO_CELL - 3 * lw) / 3;
    const double span = 2 * vw + lw;
    cell r1[6] = {
        { CELL_LABEL, lw, LABEL("identity", "name") },
          { CELL_VALUE, vw, f->name },
        { CELL_LABEL, lw, LABEL("identity", "sex") },
          { CELL_VALUE, vw, f->sex },
        { CELL_LABEL, lw, LABEL("identity", "ethnicity") },
          { CELL_VALUE, vw, f->ethnicity }
    };
    cell r2[6] = {
        { CELL_LABEL, lw, LABEL("identity", "birth_date") },
          { CELL_VALUE, vw, f->birth_date },
        { CELL_LABEL, lw, LABEL("person", "politics") },
          { CELL_VALUE, vw, f->politics },
        { CELL_LABEL, lw, LABEL("identity", "id_type") },
          { CELL_VALUE, vw, f->id_type }
    };
    cell r3[4] = {
        { CELL_LABEL, lw, LABEL("identity", "id_number") },
          { CELL_WIDE, span, f->id_number },
        { CELL_LABEL, lw, LABEL("identity", "phone") },
          { CELL_VALUE, vw, f->phone }
    };
    cell r4[4] = {
        { CELL_LABEL, lw, LABEL("person", "address") },
          { CELL_WIDE, span, f->address },
        { CELL_LABEL, lw, LABEL("person", "postcode") },
          { CELL_VALUE, vw, f->postcode }
    };

    section(d, y, 4 * PERSON_H, "个人信息");
    draw_row(d, INNER_X, y, PERSON_H, r1, 6);
    draw_row(d, INNER_X, y + PERSON_H, PERSON_H, r2, 6);
    draw_row(d, INNER_X, y + 2 * PERSON_H, PERSON_H, r3, 4);
    draw_row(d, INNER_X, y + 3 * PERSON_H, PERSON_H, r4, 4);
    draw_photo(d, INNER_X + INNER_W - PHOTO_CELL, y, PHOTO_CELL,
               4 * PERSON_H, f->photo_jpeg, f->photo_len);
    return y + 4 * PERSON_H;
}

static double draw_education(pdf_doc *d, const jszg_pdf_form *f, double y)
{
    section(d, y, 3 * ROW_H, "学历信息");
    row3(d, y, LABEL("person", "education"), f->education,
         LABEL("person", "degree"), f->degree,
         LABEL("person", "study_form"), f->study_form);
    row3(d, y + ROW_H, LABEL("person", "major"), f->major,
         LABEL("person", "edu_category"), f->major_category,
         LABEL("person", "mandarin"), f->putonghua);
    row_wide(d, y + 2 * ROW_H, LABEL("person", "grad_school"),
             f->graduate_school, LABEL("person", "grad_date"),
             f->graduate_date);
    return y + 3 * ROW_H;
}

static double draw_certificate(pdf_doc *d, const jszg_pdf_form *f,
                               double y)
{
    section(d, y, 2 * ROW_H, "资格证书");
    row3(d, y, LABEL("cert", "cert_no"), f->cert_no,
         LABEL("cert", "kind_name"), f->cert_kind,
         LABEL("cert", "subject"), f->cert_subject);
    row_wide(d, y + ROW_H, LABEL("cert", "authority_name"),
             f->cert_authority, LABEL("cert", "issued_on"), f->cert_issued);
    return y + 2 * ROW_H;
}

static double draw_post(pdf_doc *d, const jszg_pdf_form *f, double y)
{
    /* Nine fields and a long school name: the middle row has four
     * narrower pairs. */
    const double lw = 56, vw = (INNER_W - 4 * lw) / 4;
    cell r2[8] = {
        { CELL_LABEL, lw, LABEL("person", "school_area") },
        { CELL_VALUE, vw, f->school_location },
        { CELL_LABEL, lw, LABEL("choice", "stage") },
          { CELL_VALUE, vw, f->stage },
        { CELL_LABEL, lw, LABEL("choice", "subject") },
          { CELL_VALUE, vw, f->subject },
        { CELL_LABEL, lw, LABEL("person", "post_type") },
          { CELL_VALUE, vw, f->post_nature }
    };

    section(d, y, 3 * ROW_H, "任职信息");
    row_wide(d, y, LABEL("person", "school"), f->school,
             LABEL("person", "school_type"), f->school_nature);
    draw_row(d, INNER_X, y + ROW_H, ROW_H, r2, 8);
    row3(d, y + 2 * ROW_H, LABEL("person", "title"), f->title,
         LABEL("person", "work_start"), f->work_start,
         LABEL("person", "employ_start"), f->hire_start);
    return y + 3 * ROW_H;
}

/* "2021" reads as "2021年度", "120" hours as "120 学时"; anything else
 * prints as given. */
static const char *with_unit(apr_pool_t *p, const char *v, const char *unit,
                             size_t digits)
{
    size_t i, n = v ? strlen(v) : 0;

    if (n == 0 || (digits && n != digits) || n > 6) {
        return v;
    }
    for (i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9') {
            return v;
        }
    }
    return apr_pstrcat(p, v, unit, NULL);
}

static double draw_record(pdf_doc *d, const jszg_pdf_form *f, double y)
{
    const double lw = LABEL_W, yw = (INNER_W - lw) / JSZG_PDF_YEARS;
    cell years[1 + JSZG_PDF_YEARS], grades[1 + JSZG_PDF_YEARS];
    cell r3[4] = {
        { CELL_LABEL, lw, "师德考核" }, { CELL_VALUE, 2 * yw, f->ethics },
        { CELL_LABEL, yw, "培训学时" },
        { CELL_VALUE, 2 * yw, with_unit(d->p, f->training_hours, " 学时", 0) }
    };
    int i;

    years[0] = (cell){ CELL_LABEL, lw, "考核年度" };
    grades[0] = (cell){ CELL_LABEL, lw, "年度考核" };
    for (i = 0; i < JSZG_PDF_YEARS; i++) {
        years[i + 1] = (cell){ CELL_LABEL, yw,
                               with_unit(d->p, f->assessments[i][0],
                                         "年度", 4) };
        grades[i + 1] = (cell){ CELL_VALUE, yw, f->assessments[i][1] };
    }
    section(d, y, 3 * ROW_H, "考核情况");
    draw_row(d, INNER_X, y, ROW_H, years, 1 + JSZG_PDF_YEARS);
    draw_row(d, INNER_X, y + ROW_H, ROW_H, grades, 1 + JSZG_PDF_YEARS);
    draw_row(d, INNER_X, y + 2 * ROW_H, ROW_H, r3, 4);
    return y + 3 * ROW_H;
}

static double draw_institution(pdf_doc *d, const jszg_pdf_form *f, double y)
{
    cell r1[2] = {
        { CELL_LABEL, LABEL_W, LABEL("choice", "institution_id") },
        { CELL_WIDE, INNER_W - LABEL_W, f->institution }
    };
    cell r2[2] = {
        { CELL_LABEL, LABEL_W, LABEL("choice", "point_id") },
        { CELL_WIDE, INNER_W - LABEL_W, f->confirm_point }
    };

    section(d, y, 2 * ROW_H, "注册机构");
    draw_row(d, INNER_X, y, ROW_H, r1, 2);
    draw_row(d, INNER_X, y + ROW_H, ROW_H, r2, 2);
    return y + 2 * ROW_H;
}

/* "label ________" at (x, baseline box y..y+h); returns the x after it. */
static double sign_line(pdf_doc *d, double x, double y, double h,
                        const char *label, double line_w)
{
    double tw = text_width(d, label, &d->body) + 2 * PAD + 1;

    draw_text(d, x, y, tw, h, label, &d->body);
    hline(d, x + tw, y + h - 4, line_w);
    return x + tw + line_w;
}

/* "年    月    日" ending at right edge xr. */
static void date_line(pdf_doc *d, double xr, double y, double h)
{
    draw_text(d, xr - 130, y, 130, h, "年        月        日", &d->body);
}

static double draw_pledge(pdf_doc *d, double y)
{
    const double h = 66, xr = INNER_X + INNER_W - 14;

    section(d, y, h, "个人承诺");
    stroke_rect(d, INNER_X, y, INNER_W, h, THIN);
    draw_text(d, INNER_X + 8, y + 4, INNER_W - 16, 36, PLEDGE, &d->body);
    sign_line(d, INNER_X + 150, y + h - 26, 20, "申请人签名：", 110);
    date_line(d, xr, y + h - 26, 20);
    return y + h;
}

static double draw_school(pdf_doc *d, double y)
{
    const double h = 98, xr = INNER_X + INNER_W - 14;

    section(d, y, h, "学校意见");
    stroke_rect(d, INNER_X, y, INNER_W, h, THIN);
    sign_line(d, INNER_X + 10, y + h - 26, 20, "校长签字：", 110);
    draw_text(d, xr - 130, y + h - 50, 130, 20, "（学校盖章）", &d->body);
    date_line(d, xr, y + h - 26, 20);
    return y + h;
}

static double draw_authority(pdf_doc *d, double y)
{
    const double h = 112, xr = INNER_X + INNER_W - 14;
    double x;

    section(d, y, h, "注册机构意见");
    stroke_rect(d, INNER_X, y, INNER_W, h, THIN);
    draw_text(d, INNER_X + 10, y + 8, INNER_W - 20, 20,
              "注册结论：□ " JSZG_ST_PASS "        □ " JSZG_ST_DEFER
              "        □ " JSZG_ST_FAIL,
              &d->body);
    /* 暂缓注册 and 注册不合格 need a written reason (DESIGN.md). */
    sign_line(d, INNER_X + 10, y + 34, 20, REASON,
              INNER_W - 20 - text_width(d, REASON,
                                        &d->body) - 2 * PAD - 1);
    x = sign_line(d, INNER_X + 10, y + h - 26, 20, "经办人：", 80);
    sign_line(d, x + 16, y + h - 26, 20, "负责人：", 80);
    draw_text(d, xr - 130, y + h - 50, 130, 20, "（注册机构盖章）",
              &d->body);
    date_line(d, xr, y + h - 26, 20);
    return y + h;
}

static void draw_footer(pdf_doc *d, const jszg_pdf_form *f, double y)
{
    draw_text(d, TABLE_X - PAD, y + 4, TABLE_W * 0.68, 28,
              "注：本表用A4纸打印，一式两份，经学校签署意见并加盖公章后，"
              "连同其他注册材料交现场确认点。", &d->small);
    draw_text(d, TABLE_X + TABLE_W * 0.68, y + 4, TABLE_W * 0.32 + PAD, 28,
              apr_pstrcat(d->p, "生成时间：",
                          f->generated_at ? f->generated_at : "", NULL),
              &d->small);
}

static void draw_page(pdf_doc *d, const jszg_pdf_form *f)
{
    double top, y;

    cairo_set_source_rgb(d->cr, 0, 0, 0);
    cairo_set_line_join(d->cr, CAIRO_LINE_JOIN_MITER);
    top = y = draw_header(d, f);
    y = draw_person(d, f, y);
    y = draw_education(d, f, y);
    y = draw_certificate(d, f, y);
    y = draw_post(d, f, y);
    y = draw_record(d, f, y);
    y = draw_institution(d, f, y);
    y = draw_pledge(d, y);
    y = draw_school(d, y);
    y = draw_authority(d, y);
    stroke_rect(d, TABLE_X, top, TABLE_W, y - top, THICK);
    draw_footer(d, f, y);
}

/* ---- set-up -------------------------------------------------------- */

static void doc_open(pdf_doc *d, apr_pool_t *p, cairo_t *cr)
{
    cairo_font_options_t *fo = cairo_font_options_create();

    d->p = p;
    d->cr = cr;
    /* The thread's own font map (pango >= 1.32.6): see jszg_pdf.h. */
    d->pc = pango_cairo_create_context(cr);
    pango_cairo_context_set_resolution(d->pc, 72);
    /* Vector output: exact glyph positions, no hinting to a pixel grid. */
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    pango_cairo_context_set_font_options(d->pc, fo);
    cairo_font_options_destroy(fo);
    pango_context_set_round_glyph_positions(d->pc, FALSE);
    /* Han characters in their mainland forms, and SC fonts as fallback. */
    pango_context_set_language(d->pc, pango_language_from_string("zh-cn"));
    style_init(&d->title, FONT_SERIF, 20, PANGO_WEIGHT_BOLD,
               PANGO_ALIGN_CENTER);
    style_init(&d->label, FONT_SANS, 9.5, PANGO_WEIGHT_NORMAL,
               PANGO_ALIGN_CENTER);
    style_init(&d->value, FONT_SANS, 9.5, PANGO_WEIGHT_NORMAL,
               PANGO_ALIGN_CENTER);
    style_init(&d->value_left, FONT_SANS, 9.5, PANGO_WEIGHT_NORMAL,
               PANGO_ALIGN_LEFT);
    style_init(&d->section, FONT_SERIF, 10.5, PANGO_WEIGHT_BOLD,
               PANGO_ALIGN_CENTER);
    style_init(&d->body, FONT_SANS, 10, PANGO_WEIGHT_NORMAL,
               PANGO_ALIGN_LEFT);
    style_init(&d->small, FONT_SANS, 8, PANGO_WEIGHT_NORMAL,
               PANGO_ALIGN_LEFT);
}

static void doc_close(pdf_doc *d)
{
    text_style *all[] = { &d->title, &d->label, &d->value, &d->value_left,
                          &d->section, &d->body, &d->small };
    size_t i;

    for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        pango_font_description_free(all[i]->font);
    }
    g_object_unref(d->pc);
}

/* Does fontconfig resolve family to itself (not a substitute)? */
static int font_installed(const char *family)
{
    FcPattern *pat = FcPatternCreate(), *match;
    FcResult res;
    FcChar8 *got;
    int i, found = 0;

    if (pat == NULL) {
        return 0;
    }
    FcPatternAddString(pat, FC_FAMILY, (const FcChar8 *)family);
    FcConfigSubstitute(NULL, pat, FcMatchPattern);
    FcDefaultSubstitute(pat);
    match = FcFontMatch(NULL, pat, &res);
    for (i = 0; match != NULL && !found
         && FcPatternGetString(match, FC_FAMILY, i, &got) == FcResultMatch;
         i++) {
        found = strcmp((const char *)got, family) == 0;
    }
    if (match != NULL) {
        FcPatternDestroy(match);
    }
    FcPatternDestroy(pat);
    return found;
}

apr_status_t jszg_pdf_init(const char **errmsg)
{
    static const char *const families[] = { FONT_SANS, FONT_SERIF };
    size_t i;

    if (errmsg != NULL) {
        *errmsg = NULL;
    }
    if (!FcInit()) {
        if (errmsg != NULL) {
            *errmsg = "fontconfig could not load its configuration";
        }
        return APR_EGENERAL;
    }
    for (i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
        if (!font_installed(families[i])) {
            if (errmsg != NULL) {
                *errmsg = i == 0 ? "font \"" FONT_SANS "\" not found"
                                 : "font \"" FONT_SERIF "\" not found";
            }
            return APR_ENOENT;
        }
    }
    return APR_SUCCESS;
}

static apr_status_t fail(apr_pool_t *p, const char **errmsg,
                         cairo_status_t st)
{
    if (errmsg != NULL) {
        *errmsg = apr_psprintf(p, "PDF rendering failed: %s",
                               cairo_status_to_string(st));
    }
    return st == CAIRO_STATUS_NO_MEMORY ? APR_ENOMEM : APR_EGENERAL;
}

apr_status_t jszg_pdf_render(apr_pool_t *p, const jszg_pdf_form *f,
                             const unsigned char **pdf, apr_size_t *len,
                             const char **errmsg)
{
    pdf_sink sink = { NULL, 0, 0 };
    cairo_surface_t *surf;
    cairo_t *cr;
    cairo_status_t st;
    pdf_doc d;

    *pdf = NULL;
    *len = 0;
    if (errmsg != NULL) {
        *errmsg = NULL;
    }
    if (f == NULL) {
        if (errmsg != NULL) {
            *errmsg = "no form to render";
        }
        return APR_EINVAL;
    }
    surf = cairo_pdf_surface_create_for_stream(sink_write, &sink,
                                               PAGE_W, PAGE_H);
    /* Metadata names the form, never the applicant. */
    cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_TITLE,
                                   "教师资格定期注册申请表");
    cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_CREATOR,
                                   "mod_jszg");
    cr = cairo_create(surf);
    if (cairo_status(cr) == CAIRO_STATUS_SUCCESS) {
        doc_open(&d, p, cr);
        draw_page(&d, f);
        doc_close(&d);
    }
    st = cairo_status(cr);
    cairo_destroy(cr);
    cairo_surface_finish(surf);
    if (st == CAIRO_STATUS_SUCCESS) {
        st = cairo_surface_status(surf);
    }
    cairo_surface_destroy(surf);
    if (st != CAIRO_STATUS_SUCCESS) {
        free(sink.buf);
        return fail(p, errmsg, st);
    }
    apr_pool_cleanup_register(p, sink.buf, free_cleanup,
                              apr_pool_cleanup_null);
    *pdf = sink.buf;
    *len = sink.len;
    return APR_SUCCESS;
}
