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

#include <stdio.h>
#include <string.h>
#include <setjmp.h>
#include <jpeglib.h>
#include <jerror.h>

typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    int warnings;
    int truncated;
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

/* libjpeg prints nothing: messages go to our counters only. */
static void no_output(j_common_ptr cinfo)
{
    (void)cinfo;
}

void jszg_jpeg_photo_rules(jszg_jpeg_rules *r)
{
    r->max_bytes = JSZG_PHOTO_MAX_BYTES;
    r->min_w = JSZG_PHOTO_MIN_W;
    r->max_w = JSZG_PHOTO_MAX_W;
    r->min_h = JSZG_PHOTO_MIN_H;
    r->max_h = JSZG_PHOTO_MAX_H;
    r->allow_progressive = 0;
}

void jszg_jpeg_scan_rules(jszg_jpeg_rules *r)
{
    r->max_bytes = JSZG_PHOTO_MAX_BYTES;
    r->min_w = r->min_h = 1;
    r->max_w = r->max_h = JSZG_JPEG_MAX_SIDE;
    r->allow_progressive = 1;
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

static jszg_jpeg_status check_header(const struct jpeg_decompress_struct *c,
                                     const jszg_jpeg_rules *rules)
{
    int max_w = rules->max_w > 0 && rules->max_w < JSZG_JPEG_MAX_SIDE
                ? rules->max_w : JSZG_JPEG_MAX_SIDE;
    int max_h = rules->max_h > 0 && rules->max_h < JSZG_JPEG_MAX_SIDE
                ? rules->max_h : JSZG_JPEG_MAX_SIDE;

    if (c->jpeg_color_space == JCS_CMYK || c->jpeg_color_space == JCS_YCCK)
        return JSZG_JPEG_CMYK;
    if (c->progressive_mode && !rules->allow_progressive)
        return JSZG_JPEG_PROGRESSIVE;
    if ((int)c->image_width < rules->min_w || (int)c->image_width > max_w)
        return JSZG_JPEG_BAD_WIDTH;
    if ((int)c->image_height < rules->min_h || (int)c->image_height > max_h)
        return JSZG_JPEG_BAD_HEIGHT;
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

    if (info)
        memset(info, 0, sizeof(*info));
    if (!buf || len == 0)
        return JSZG_JPEG_EMPTY;
    if (len > rules->max_bytes)
        return JSZG_JPEG_TOO_LARGE;
    if ((st = sniff(buf, len)) != JSZG_JPEG_OK)
        return st;

    memset(&g, 0, sizeof(g));
    c.err = jpeg_std_error(&g.pub);
    g.pub.error_exit = on_error;
    g.pub.emit_message = on_message;
    g.pub.output_message = no_output;
    if (setjmp(g.jump)) {
        st = g.truncated ? JSZG_JPEG_TRUNCATED : JSZG_JPEG_CORRUPT;
        jpeg_destroy_decompress(&c);
        return st;
    }
    jpeg_create_decompress(&c);
    jpeg_mem_src(&c, (unsigned char *)buf, (unsigned long)len);
    jpeg_read_header(&c, TRUE);
    if (info) {
        info->width = (int)c.image_width;
        info->height = (int)c.image_height;
        info->components = c.num_components;
        info->progressive = c.progressive_mode ? 1 : 0;
    }
    st = check_header(&c, rules);
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
    }
    return "photo_invalid";
}

const char *jszg_jpeg_message(jszg_jpeg_status st)
{
    switch (st) {
    case JSZG_JPEG_OK:
        return "照片符合要求。";
    case JSZG_JPEG_EMPTY:
        return "请选择要上传的照片（JPG格式）。";
    case JSZG_JPEG_TOO_LARGE:
        return "照片文件应小于190KB，请压缩后重新上传。";
    case JSZG_JPEG_IS_PNG:
        return "该文件实际为PNG格式（仅修改了扩展名），请使用照片处理工具"
               "转换为JPG格式后重新上传。";
    case JSZG_JPEG_NOT_JPEG:
        return "图片应为jpg格式，该文件不是JPG图片。";
    case JSZG_JPEG_CORRUPT:
        return "照片文件已损坏，无法读取，请重新保存后上传。";
    case JSZG_JPEG_TRUNCATED:
        return "照片文件不完整（上传被截断），请重新上传。";
    case JSZG_JPEG_CMYK:
        return "照片为CMYK颜色模式，打印时会出现异常颜色，请使用照片处理工具"
               "转换为RGB后重新上传。";
    case JSZG_JPEG_PROGRESSIVE:
        return "照片为渐进式JPG，申请表无法使用，请使用照片处理工具重新保存"
               "为标准JPG后上传。";
    case JSZG_JPEG_BAD_WIDTH:
        return "图片宽度（水平像素）应在200到300之间。";
    case JSZG_JPEG_BAD_HEIGHT:
        return "图片高度（垂直像素）应在408到418之间。";
    }
    return "照片不符合要求。";
}
