/*
 * jszg_pdf.h - the 教师资格定期注册申请表 as a one-page A4 PDF, drawn with
 * cairo + pango in memory (domain.md, "The application form").  Pure C
 * over APR, no httpd headers.
 *
 * Build: pkg-config pangocairo fontconfig libqrencode, plus -ljpeg.
 * Fonts: Debian fonts-noto-cjk: "Noto Serif CJK SC" Bold for the fixed
 * headings, "Noto Sans CJK SC" for everything else (override with
 * -DJSZG_PDF_FONT_SERIF=... / -DJSZG_PDF_FONT_SANS=...).  cairo embeds
 * a subset of each font used, so the reader needs no font of its own.
 * A filled form is ~170 KB.
 *
 * Threads (checked against Debian 12: cairo 1.16.0, pango 1.50.12,
 * fontconfig 2.14.1, glib 2.74, libqrencode 4.1.1, libjpeg-turbo 2.1.5):
 * - fontconfig initialises its default configuration with atomic
 *   compare-and-swap (since 2.10.91): a first use from several threads
 *   at once is safe;
 * - pango_cairo_font_map_get_default() returns a font map per thread
 *   (since pango 1.32.6), freed when the thread exits; nothing else in
 *   pango is shared between renders;
 * - every cairo surface and context is private to one call; cairo's
 *   global font caches are behind its own mutexes;
 * - libqrencode guards its Reed-Solomon tables with a pthread mutex;
 * - the JPEG decoder state is per call.
 * So jszg_pdf_render() may run in several threads at once without any
 * lock of ours (the unit test renders from 4 threads under ASan).
 *
 * Fork: call jszg_pdf_init() once in the parent (post_config).  It
 * loads the fontconfig configuration and cache once, shared copy-on-
 * write by the children instead of paid by each child's first request,
 * and says early when the fonts are missing.  It deliberately does not
 * touch pango: pango 1.50 runs fontconfig work in short-lived helper
 * threads, and a fork while one runs could leave its locks held in the
 * child.  jszg_pdf_init() starts no thread (tested).  Never call FcFini()
 * or cairo_debug_reset_static_data() inside httpd.
 *
 * Costs with Noto CJK (OpenType/CFF), measured: ~17 ms per render, most
 * of it cairo 1.16 copying each font's whole CFF table (16-26 MB) to
 * subset it, twice per font per document.  glibc then keeps those
 * copies' pages in each rendering thread's malloc arena: ~25 MB resident
 * per thread that has rendered (event MPM, ThreadsPerChild 25: up to
 * ~600 MB per child).  GLIBC_TUNABLES=glibc.malloc.mmap_threshold=1048576
 * in httpd's environment returns them on free (~1.5 MB per thread) at
 * ~75 ms per render.  And cairo 1.16.0 leaks 768 bytes per CID-keyed
 * font per document (cairo_cff_font_read_cid_fontdict, fixed upstream
 * later): ~1.5 KB per PDF, bounded by MaxConnectionsPerChild.  A
 * TrueType CJK font avoids all three: with WenQuanYi Micro Hei (Debian
 * fonts-wqy-microhei, allowed by issue 6), 4.6 ms per render, ~1.7 MB
 * per thread, no leak.
 */
#ifndef JSZG_PDF_H
#define JSZG_PDF_H

#include <apr_pools.h>
#include <apr_errno.h>

/* Number of annual assessments (年度考核) in a 5-year registration cycle. */
#define JSZG_PDF_YEARS 5

/*
 * The form's fields, UTF-8.  NULL or "" prints as a blank cell.  Invalid
 * UTF-8 is repaired (U+FFFD), control characters print as spaces; text is
 * never read as markup.  Values too long for their cell are drawn
 * smaller, wrapped, and at last cut with "…"; they never leave the cell.
 */
typedef struct {
    const char *regno;          /* 报名号, also encoded in the QR code */
    const char *kind;           /* "定期注册" or "首次注册" */
    const char *name, *sex, *ethnicity, *birth_date, *id_type, *id_number;
    const char *politics, *phone, *address, *postcode;
    const char *education, *degree, *major, *major_category;
    const char *graduate_school, *graduate_date, *study_form, *putonghua;
    const char *cert_no, *cert_kind, *cert_subject, *cert_authority;
    const char *cert_issued;
    const char *school, *school_nature, *school_location, *stage, *subject;
    const char *post_nature, *title, *work_start, *hire_start;
    const char *institution, *confirm_point;
    /* {year, grade} per year of the cycle, e.g. {"2021", "合格"};
     * NULL = not available (blank cell). */
    const char *assessments[JSZG_PDF_YEARS][2];
    const char *training_hours, *ethics;
    /* The applicant's photo as stored (JPEG).  NULL, or a file that does
     * not decode, draws an empty framed "照片" box instead. */
    const unsigned char *photo_jpeg;
    size_t photo_len;
    const char *generated_at;   /* "2026-11-29 10:00", printed in the footer */
} jszg_pdf_form;

/*
 * Loads the font configuration and checks that the two font families
 * resolve to themselves.  Call once in the parent process before fork
 * (idempotent: a second post_config pass or a graceful restart may call
 * it again).  Returns APR_SUCCESS; APR_ENOENT with *errmsg naming the
 * family when one is not installed (rendering still works then, with
 * whatever font fontconfig substitutes, so the caller should warn, not
 * fail); APR_EGENERAL if fontconfig cannot load its configuration.
 * errmsg may be NULL.
 */
apr_status_t jszg_pdf_init(const char **errmsg);

/*
 * Renders the form.  On APR_SUCCESS *pdf (allocated so that it lives as
 * long as pool p) holds *len bytes starting "%PDF-".  On error *pdf is
 * NULL, *len 0 and *errmsg (from p) says what failed.  Safe to call from
 * several threads at once, each with its own pool.  errmsg may be NULL.
 */
apr_status_t jszg_pdf_render(apr_pool_t *p, const jszg_pdf_form *f,
                             const unsigned char **pdf, apr_size_t *len,
                             const char **errmsg);

#endif /* JSZG_PDF_H */
