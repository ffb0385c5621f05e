/*
 * jszg_jpeg.c - JPEG photo validation with libjpeg (see the header).
 *
 * libjpeg reports fatal errors through error_exit, which must not return:
 * we longjmp back.  Warnings (corrupt data it can step over, a premature
 * end of the data it papers over with a fake EOI) go through
 * emit_message(-1): we count them and refuse the file, because the photo
 * is printed on the application form and must be intact.
 */
#include "jszg_jpeg.h"
#include "jszg_captcha.h"

#include <apr_strings.h>
#include <stdio.h>
#include <string.h>
#include <setjmp.h>
#include <jpeglib.h>
#include <jerror.h>

typedef struct {
    struct jpeg_error_mgr pub;
    struct jpeg_progress_mgr progress;
    jmp_buf jump;
    int warnings;
    int truncated;
    int too_many_scans;
} guard_mgr;

static void on_error(j_common_ptr cinfo)
{
    guard_mgr *g = (guard_mgr *)cinfo->err;

    longjmp(g->jump, 1);
}

static void on_message(j_common_ptr cinfo, int level)
{
    guard_mgr *g = (guard_mgr *)cinfo->err;

    if (level < 0) {
        g->warnings++;
        if (cinfo->err->msg_code == JWRN_JPEG_EOF)
            g->truncated = 1;
    }
}

/* A progressive file of many scans passes over its whole buffer in each:
 * stop at JSZG_JPEG_MAX_SCANS. */
static void on_progress(j_common_ptr cinfo)
{
    j_decompress_ptr d = (j_decompress_ptr)cinfo;
    guard_mgr *g = (guard_mgr *)cinfo->err;

    if (d->input_scan_number > JSZG_JPEG_MAX_SCANS) {
        g->too_many_scans = 1;
        longjmp(g->jump, 1);
    }
}

/* libjpeg prints nothing: messages go to our counters only. */
static void no_output(j_common_ptr cinfo)
{
    (void)cinfo;
}

void jszg_jpeg_photo_rules(jszg_jpeg_rules *r)
{
    memset(r, 0, sizeof(*r));
    r->kind = JSZG_IMG_PHOTO;
    r->max_bytes = JSZG_PHOTO_MAX_BYTES;
    r->min_w = JSZG_PHOTO_MIN_W;
    r->max_w = JSZG_PHOTO_MAX_W;
    r->min_h = JSZG_PHOTO_MIN_H;
    r->max_h = JSZG_PHOTO_MAX_H;
    r->allow_progressive = 0;
    r->max_pixels = (long)JSZG_PHOTO_MAX_W * JSZG_PHOTO_MAX_H;
    r->max_coef_bytes = 0;          /* baseline only, one scan */
    r->max_memory = JSZG_JPEG_MAX_MEMORY;
}

void jszg_jpeg_scan_rules(jszg_jpeg_rules *r)
{
    memset(r, 0, sizeof(*r));
    r->kind = JSZG_IMG_CERT_SCAN;
    r->max_bytes = JSZG_PHOTO_MAX_BYTES;
    r->min_w = r->min_h = 1;
    r->max_w = r->max_h = JSZG_JPEG_MAX_SIDE;
    r->allow_progressive = 1;
    r->max_pixels = JSZG_SCAN_MAX_PIXELS;
    r->max_coef_bytes = JSZG_JPEG_MAX_COEF_BYTES;
    r->max_memory = JSZG_JPEG_MAX_MEMORY;
}

void jszg_jpeg_id_rules(jszg_jpeg_rules *r, apr_size_t max_bytes)
{
    jszg_jpeg_scan_rules(r);
    r->kind = JSZG_IMG_ID_SCAN;
    r->max_bytes = max_bytes;
    r->min_w = r->min_h = 200;
    r->allow_png = 1;
}

static const unsigned char png_sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n',
                                          0x1a, '\n' };

static jszg_jpeg_status sniff(const unsigned char *buf, apr_size_t len)
{
    if (len >= sizeof(png_sig) && !memcmp(buf, png_sig, sizeof(png_sig)))
        return JSZG_JPEG_IS_PNG;
    if (len < 4 || buf[0] != 0xFF || buf[1] != 0xD8 || buf[2] != 0xFF)
        return JSZG_JPEG_NOT_JPEG;
    return JSZG_JPEG_OK;
}

static jszg_jpeg_status check_sides(long w, long h,
                                    const jszg_jpeg_rules *rules)
{
    int max_w = rules->max_w > 0 && rules->max_w < JSZG_JPEG_MAX_SIDE
                ? rules->max_w : JSZG_JPEG_MAX_SIDE;
    int max_h = rules->max_h > 0 && rules->max_h < JSZG_JPEG_MAX_SIDE
                ? rules->max_h : JSZG_JPEG_MAX_SIDE;

    if (w < rules->min_w || w > max_w)
        return JSZG_JPEG_BAD_WIDTH;
    if (h < rules->min_h || h > max_h)
        return JSZG_JPEG_BAD_HEIGHT;
    if (rules->max_pixels > 0 && w * h > rules->max_pixels)
        return JSZG_JPEG_TOO_MANY_PIXELS;
    return JSZG_JPEG_OK;
}

/* Bytes of the whole-image coefficient buffer libjpeg allocates for a
 * progressive or multi-scan file (jdcoefct.c: every component's blocks,
 * rounded up to its sampling factors, 64 JCOEFs each); 0 for a
 * single-scan sequential file, decoded one MCU row at a time.  Valid
 * after jpeg_read_header (which has seen the first SOS). */
static long buffered_bytes(const struct jpeg_decompress_struct *c)
{
    long total = 0;
    int ci;

    if (!c->progressive_mode && c->comps_in_scan >= c->num_components)
        return 0;
    for (ci = 0; ci < c->num_components; ci++) {
        const jpeg_component_info *comp = &c->comp_info[ci];
        long w = (long)comp->width_in_blocks, h = comp->height_in_blocks;
        long hs = comp->h_samp_factor, vs = comp->v_samp_factor;

        w = (w + hs - 1) / hs * hs;
        h = (h + vs - 1) / vs * vs;
        total += w * h * DCTSIZE2 * (long)sizeof(JCOEF);
    }
    return total;
}

static jszg_jpeg_status check_header(const struct jpeg_decompress_struct *c,
                                     const jszg_jpeg_rules *rules,
                                     long coef)
{
    jszg_jpeg_status st;

    if (c->jpeg_color_space == JCS_CMYK || c->jpeg_color_space == JCS_YCCK)
        return JSZG_JPEG_CMYK;
    if (!(c->num_components == 1 && c->jpeg_color_space == JCS_GRAYSCALE)
        && !(c->num_components == 3 && (c->jpeg_color_space == JCS_YCbCr
                                        || c->jpeg_color_space == JCS_RGB)))
        return JSZG_JPEG_CORRUPT;       /* no photo has other channels */
    if (c->progressive_mode && !rules->allow_progressive)
        return JSZG_JPEG_PROGRESSIVE;
    st = check_sides((long)c->image_width, (long)c->image_height, rules);
    if (st != JSZG_JPEG_OK)
        return st;
    if (coef > rules->max_coef_bytes)
        return JSZG_JPEG_BUFFERED_TOO_LARGE;
    return JSZG_JPEG_OK;
}

/* A PNG, where the kind accepts it: the sides and pixels from its IHDR
 * (the first chunk, PNG spec 5.2) before libpng decodes it row by row. */
static jszg_jpeg_status check_png(const unsigned char *buf, apr_size_t len,
                                  const jszg_jpeg_rules *rules,
                                  jszg_jpeg_info *info)
{
    long w, h;
    jszg_jpeg_status st;

    if (len < 33 || memcmp(buf + 12, "IHDR", 4))
        return JSZG_JPEG_CORRUPT;
    w = ((long)buf[16] << 24) | (buf[17] << 16) | (buf[18] << 8) | buf[19];
    h = ((long)buf[20] << 24) | (buf[21] << 16) | (buf[22] << 8) | buf[23];
    if (info) {
        info->png = 1;
        info->width = (int)(w > 65535 ? 65535 : w);
        info->height = (int)(h > 65535 ? 65535 : h);
    }
    st = check_sides(w, h, rules);
    if (st != JSZG_JPEG_OK)
        return st;
    if (!jszg_png_check(buf, len, rules->min_w < rules->min_h
                        ? rules->min_w : rules->min_h, JSZG_JPEG_MAX_SIDE,
                        rules->max_pixels, NULL, NULL))
        return JSZG_JPEG_CORRUPT;
    return JSZG_JPEG_OK;
}

/* Read every scanline; the pixels themselves are thrown away. */
static void decode_all(struct jpeg_decompress_struct *c)
{
    JSAMPARRAY row;

    jpeg_start_decompress(c);
    row = (*c->mem->alloc_sarray)((j_common_ptr)c, JPOOL_IMAGE,
                                  c->output_width * c->output_components, 1);
    while (c->output_scanline < c->output_height)
        jpeg_read_scanlines(c, row, 1);
    jpeg_finish_decompress(c);
}

jszg_jpeg_status jszg_jpeg_check(const unsigned char *buf, apr_size_t len,
                                 const jszg_jpeg_rules *rules,
                                 jszg_jpeg_info *info)
{
    struct jpeg_decompress_struct c;
    guard_mgr g;
    volatile jszg_jpeg_status st;
    long coef;

    if (info)
        memset(info, 0, sizeof(*info));
    if (!buf || len == 0)
        return JSZG_JPEG_EMPTY;
    if (len > rules->max_bytes)
        return JSZG_JPEG_TOO_LARGE;
    if ((st = sniff(buf, len)) != JSZG_JPEG_OK) {
        if (st == JSZG_JPEG_IS_PNG && rules->allow_png)
            return check_png(buf, len, rules, info);
        return st;
    }

    memset(&g, 0, sizeof(g));
    c.err = jpeg_std_error(&g.pub);
    g.pub.error_exit = on_error;
    g.pub.emit_message = on_message;
    g.pub.output_message = no_output;
    if (setjmp(g.jump)) {
        st = g.too_many_scans ? JSZG_JPEG_BUFFERED_TOO_LARGE
             : g.truncated ? JSZG_JPEG_TRUNCATED : JSZG_JPEG_CORRUPT;
        jpeg_destroy_decompress(&c);
        return st;
    }
    jpeg_create_decompress(&c);
    /* the backstop of the budgets: a whole-image buffer over this fails
     * (libjpeg-turbo has no backing store) */
    c.mem->max_memory_to_use = rules->max_memory > 0
                               ? rules->max_memory : JSZG_JPEG_MAX_MEMORY;
    g.progress.progress_monitor = on_progress;
    c.progress = &g.progress;
    jpeg_mem_src(&c, (unsigned char *)buf, (unsigned long)len);
    jpeg_read_header(&c, TRUE);
    coef = buffered_bytes(&c);
    if (info) {
        info->width = (int)c.image_width;
        info->height = (int)c.image_height;
        info->components = c.num_components;
        info->progressive = c.progressive_mode ? 1 : 0;
        info->coef_bytes = coef;
    }
    st = check_header(&c, rules, coef);
    if (st == JSZG_JPEG_OK) {
        decode_all(&c);
        if (g.truncated)
            st = JSZG_JPEG_TRUNCATED;
        else if (g.warnings)
            st = JSZG_JPEG_CORRUPT;
    }
    jpeg_destroy_decompress(&c);
    return st;
}

const char *jszg_jpeg_code(jszg_jpeg_status st)
{
    switch (st) {
    case JSZG_JPEG_OK:          return "ok";
    case JSZG_JPEG_EMPTY:       return "photo_missing";
    case JSZG_JPEG_TOO_LARGE:   return "photo_too_large";
    case JSZG_JPEG_IS_PNG:      return "photo_is_png";
    case JSZG_JPEG_NOT_JPEG:    return "photo_not_jpeg";
    case JSZG_JPEG_CORRUPT:     return "photo_corrupt";
    case JSZG_JPEG_TRUNCATED:   return "photo_truncated";
    case JSZG_JPEG_CMYK:        return "photo_cmyk";
    case JSZG_JPEG_PROGRESSIVE: return "photo_progressive";
    case JSZG_JPEG_BAD_WIDTH:   return "photo_bad_width";
    case JSZG_JPEG_BAD_HEIGHT:  return "photo_bad_height";
    case JSZG_JPEG_TOO_MANY_PIXELS: return "photo_too_many_pixels";
    case JSZG_JPEG_BUFFERED_TOO_LARGE: return "photo_progressive_too_large";
    }
    return "photo_invalid";
}

/* What the applicant calls the upload, per kind. */
static const char *noun(jszg_img_kind k)
{
    switch (k) {
    case JSZG_IMG_CERT_SCAN: return "证书扫描件";
    case JSZG_IMG_ID_SCAN:   return "证件照片";
    case JSZG_IMG_PHOTO:     break;
    }
    return "照片";
}

const char *jszg_jpeg_message(apr_pool_t *p, jszg_jpeg_status st,
                              const jszg_jpeg_rules *rules)
{
    jszg_jpeg_rules photo;
    const char *n;
    int min, max;

    if (!rules) {
        jszg_jpeg_photo_rules(&photo);
        rules = &photo;
    }
    n = noun(rules->kind);
    switch (st) {
    case JSZG_JPEG_OK:
        return apr_pstrcat(p, n, "符合要求。", NULL);
    case JSZG_JPEG_EMPTY:
        return rules->allow_png
               ? apr_pstrcat(p, "请上传", n, "（JPG或PNG格式）。", NULL)
               : apr_pstrcat(p, "请选择要上传的", n, "（JPG格式）。", NULL);
    case JSZG_JPEG_TOO_LARGE:
        return apr_psprintf(p, "%s文件应小于%luKB，请压缩后重新上传。", n,
                            (unsigned long)((rules->max_bytes + 1) / 1024));
    case JSZG_JPEG_IS_PNG:
        return apr_pstrcat(p, "该文件实际为PNG格式，", n, "须为JPG格式，请"
                           "使用照片处理工具转换为JPG格式后重新上传。", NULL);
    case JSZG_JPEG_NOT_JPEG:
        if (rules->allow_png)
            return apr_pstrcat(p, n, "须为JPG或PNG格式的图片，该文件格式不"
                               "正确。", NULL);
        if (rules->kind == JSZG_IMG_PHOTO)
            return "图片应为jpg格式，该文件不是JPG图片。";
        return apr_pstrcat(p, n, "应为JPG格式，该文件不是JPG图片。", NULL);
    case JSZG_JPEG_CORRUPT:
        return apr_pstrcat(p, n, "文件已损坏或格式不正确，无法读取，请重新"
                           "保存后上传。", NULL);
    case JSZG_JPEG_TRUNCATED:
        return apr_pstrcat(p, n, "文件不完整（上传被截断），请重新上传。",
                           NULL);
    case JSZG_JPEG_CMYK:
        return apr_pstrcat(p, n, "为CMYK颜色模式，打印时会出现异常颜色，请"
                           "使用照片处理工具转换为RGB后重新上传。", NULL);
    case JSZG_JPEG_PROGRESSIVE:
        return apr_pstrcat(p, n, "为渐进式JPG，申请表无法使用，请使用照片处理"
                           "工具重新保存为标准JPG后上传。", NULL);
    case JSZG_JPEG_BAD_WIDTH:
    case JSZG_JPEG_BAD_HEIGHT:
        if (st == JSZG_JPEG_BAD_WIDTH) {
            min = rules->min_w;
            max = rules->max_w;
        }
        else {
            min = rules->min_h;
            max = rules->max_h;
        }
        if (max <= 0 || max > JSZG_JPEG_MAX_SIDE)
            max = JSZG_JPEG_MAX_SIDE;
        return apr_psprintf(p, "%s%s（%s像素）应在%d到%d之间。",
                            rules->kind == JSZG_IMG_PHOTO ? "图片" : n,
                            st == JSZG_JPEG_BAD_WIDTH ? "宽度" : "高度",
                            st == JSZG_JPEG_BAD_WIDTH ? "水平" : "垂直",
                            min, max);
    case JSZG_JPEG_TOO_MANY_PIXELS:
        return apr_psprintf(p, "%s像素过多：宽×高不能超过%ld万像素，请缩小"
                            "后重新上传。", n, rules->max_pixels / 10000);
    case JSZG_JPEG_BUFFERED_TOO_LARGE:
        return apr_pstrcat(p, n, "为渐进式（或多次扫描）JPG，尺寸过大无法处理，"
                           "请另存为标准JPG或缩小后重新上传。", NULL);
    }
    return apr_pstrcat(p, n, "不符合要求。", NULL);
}

/* The file's extension is ext (".png"), ASCII case-insensitive. */
static int has_ext(const char *name, const char *ext)
{
    size_t n = name ? strlen(name) : 0, e = strlen(ext), i;

    if (n < e)
        return 0;
    for (i = 0; i < e; i++) {
        char c = name[n - e + i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != ext[i])
            return 0;
    }
    return 1;
}

const char *jszg_jpeg_message_named(apr_pool_t *p, jszg_jpeg_status st,
                                    const jszg_jpeg_rules *rules,
                                    const char *filename)
{
    const char *n;

    if (st != JSZG_JPEG_IS_PNG)
        return jszg_jpeg_message(p, st, rules);
    n = noun(rules ? rules->kind : JSZG_IMG_PHOTO);
    /* a PNG named .jpg: only the extension was changed */
    if (has_ext(filename, ".jpg") || has_ext(filename, ".jpeg"))
        return apr_pstrcat(p, "该文件实际为PNG格式（仅修改了扩展名），请使用"
                           "照片处理工具转换为JPG格式后重新上传", n, "。",
                           NULL);
    if (has_ext(filename, ".png"))
        return apr_pstrcat(p, "该文件为PNG格式的图片，", n, "须为JPG格式，"
                           "请使用照片处理工具转换为JPG格式后重新上传。",
                           NULL);
    return jszg_jpeg_message(p, st, rules);
}
