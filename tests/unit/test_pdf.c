/*
 * Unit tests for jszg_pdf.c: the 申请表 PDF.  The output is checked with
 * poppler-utils (pdftotext, pdffonts, pdfimages, pdftoppm) on files
 * written under build/test-output/; pdf-sample.png there is page 1 of
 * the full sample at 80 dpi, for a person to look at.
 * Runs from tests/unit (make unit) or from the top of the tree.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_thread_proc.h>

#include "jszg_pdf.h"

#define NAME    "张晓明"
#define REGNO   "2026110105000123"

/* ASan: unwind allocation stacks fully.  The Debian libraries have no
 * frame pointers, so the default fast unwinder stops inside them and
 * lsan.supp could not name the cairo function it suppresses. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "fast_unwind_on_malloc=0";
}

static apr_pool_t *pool;
static const char *outdir;              /* build/test-output */
static unsigned char *photo;            /* fixtures/photo.jpg */
static size_t photo_len;

/* ---- helpers ------------------------------------------------------- */

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    unsigned char *buf;
    long n;

    if (fp == NULL) {
        return NULL;
    }
    fseek(fp, 0, SEEK_END);
    n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    buf = apr_palloc(pool, n > 0 ? (apr_size_t)n : 1);
    *len = fread(buf, 1, (size_t)n, fp);
    fclose(fp);
    return buf;
}

static void spit(const char *path, const unsigned char *buf, apr_size_t len)
{
    FILE *fp = fopen(path, "wb");

    assert_non_null(fp);
    assert_int_equal(fwrite(buf, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
}

/* Output of a shell command (fixed strings and our own file names). */
static const char *run(const char *cmd)
{
    FILE *fp = popen(cmd, "r");
    char buf[4096];
    size_t n;
    const char *out = "";

    assert_non_null(fp);
    while ((n = fread(buf, 1, sizeof(buf), fp)) > 0) {
        out = apr_pstrcat(pool, out, apr_pstrmemdup(pool, buf, n), NULL);
    }
    assert_int_equal(pclose(fp), 0);
    return out;
}

/* Renders f, checks the "%PDF-" magic, writes <outdir>/<name>.pdf and
 * returns that path. */
static const char *render_to(const jszg_pdf_form *f, const char *name)
{
    const unsigned char *pdf;
    apr_size_t len;
    const char *err = "unset", *path;

    assert_int_equal(jszg_pdf_render(pool, f, &pdf, &len, &err),
                     APR_SUCCESS);
    assert_null(err);
    assert_true(len > 1000);
    assert_memory_equal(pdf, "%PDF-", 5);
    path = apr_psprintf(pool, "%s/%s.pdf", outdir, name);
    spit(path, pdf, len);
    return path;
}

static const char *pdftext(const char *path)
{
    return run(apr_psprintf(pool, "pdftotext -enc UTF-8 %s -", path));
}

static void sample(jszg_pdf_form *f)
{
    static const char *const years[JSZG_PDF_YEARS][2] = {
        { "2021", "合格" }, { "2022", "优秀" }, { "2023", "合格" },
        { "2024", "合格" }, { "2025", "基本合格" }
    };
    int i;

    memset(f, 0, sizeof(*f));
    f->regno = REGNO;
    f->kind = "定期注册";
    f->name = NAME;
    f->sex = "男";
    f->ethnicity = "汉族";
    f->birth_date = "1985-06-12";
    f->id_type = "居民身份证";
    f->id_number = "11010519491231002X";
    f->politics = "中共党员";
    f->phone = "13812345678";
    f->address = "北京市海淀区中关村南大街5号院3号楼2单元501室";
    f->postcode = "100081";
    f->education = "大学本科";
    f->degree = "学士";
    f->major = "汉语言文学";
    f->major_category = "师范教育类";
    f->graduate_school = "北京师范大学";
    f->graduate_date = "2008-07-01";
    f->study_form = "普通全日制";
    f->putonghua = "二级甲等";
    f->cert_no = "20081100132000123";
    f->cert_kind = "初级中学教师资格";
    f->cert_subject = "语文";
    f->cert_authority = "北京市海淀区教育委员会";
    f->cert_issued = "2008-08-15";
    f->school = "北京市海淀区中关村第一中学";
    f->school_nature = "公办初级中学";
    f->school_location = "城市";
    f->stage = "初级中学";
    f->subject = "语文";
    f->post_nature = "专任教师";
    f->title = "一级教师";
    f->work_start = "2008-09-01";
    f->hire_start = "2010-09-01";
    f->institution = "北京市海淀区教育委员会";
    f->confirm_point = "海淀区教师进修学校（海淀区西四环北路61号）";
    for (i = 0; i < JSZG_PDF_YEARS; i++) {
        f->assessments[i][0] = years[i][0];
        f->assessments[i][1] = years[i][1];
    }
    f->training_hours = "380";
    f->ethics = "合格";
    f->photo_jpeg = photo;
    f->photo_len = photo_len;
    f->generated_at = "2026-11-29 10:00";
}

static int thread_count(void)
{
    DIR *dir = opendir("/proc/self/task");
    struct dirent *e;
    int n = 0;

    if (dir == NULL) {
        return -1;
    }
    while ((e = readdir(dir)) != NULL) {
        n += e->d_name[0] != '.';
    }
    closedir(dir);
    return n;
}

/* ---- set-up -------------------------------------------------------- */

static int setup(void **state)
{
    const char *root;

    (void)state;
    if (apr_pool_create(&pool, NULL) != APR_SUCCESS) {
        return -1;
    }
    root = access("fixtures/photo.jpg", R_OK) == 0 ? "../.." : ".";
    photo = slurp(apr_pstrcat(pool, root, "/tests/unit/fixtures/photo.jpg",
                              NULL), &photo_len);
    outdir = apr_pstrcat(pool, root, "/build/test-output", NULL);
    mkdir(apr_pstrcat(pool, root, "/build", NULL), 0755);
    mkdir(outdir, 0755);
    return photo != NULL ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    apr_pool_destroy(pool);
    return 0;
}

/* ---- tests --------------------------------------------------------- */

/* Fonts are there, and init starts no thread: it runs in httpd's parent
 * before fork, and a fork copies only the calling thread. */
static void test_init(void **state)
{
    const char *err = "unset";
    int before = thread_count();

    (void)state;
    assert_int_equal(jszg_pdf_init(&err), APR_SUCCESS);
    assert_null(err);
    assert_int_equal(jszg_pdf_init(NULL), APR_SUCCESS);    /* idempotent */
    assert_int_equal(thread_count(), before);
}

static void test_full_sample(void **state)
{
    jszg_pdf_form f;
    const char *path, *text, *png;
    struct stat sb;

    (void)state;
    sample(&f);
    path = render_to(&f, "pdf-sample");
    text = pdftext(path);
    assert_non_null(strstr(text, NAME));
    assert_non_null(strstr(text, REGNO));
    assert_non_null(strstr(text, "教师资格定期注册申请表"));
    assert_non_null(strstr(text, "11010519491231002X"));
    assert_non_null(strstr(text, "20081100132000123"));
    assert_non_null(strstr(text, "北京市海淀区中关村第一中学"));
    assert_non_null(strstr(text, "弄虚作假"));
    assert_non_null(strstr(text, "2026-11-29 10:00"));
    assert_null(strstr(text, "照片"));         /* the photo, not the box */
    /* The photo went in as the original JPEG (cairo's MIME-data path). */
    assert_non_null(strstr(run(apr_psprintf(pool, "pdfimages -list %s",
                                            path)), "jpeg"));
    png = apr_psprintf(pool, "%s/pdf-sample", outdir);
    run(apr_psprintf(pool, "pdftoppm -r 80 -png -f 1 -l 1 -singlefile "
                     "%s %s", path, png));
    png = apr_pstrcat(pool, png, ".png", NULL);
    assert_int_equal(stat(png, &sb), 0);
    assert_true(sb.st_size > 10000);
    /* The code scans, even at 80 dpi (zbar-tools, when installed). */
    if (system("command -v zbarimg >/dev/null 2>&1") == 0) {
        assert_string_equal(run(apr_psprintf(pool, "zbarimg -q --raw %s "
                                             "2>/dev/null", png)),
                            REGNO "\n");
    }
}

/* Every font in the file is embedded, and a CJK one is among them. */
static void test_fonts_embedded(void **state)
{
    jszg_pdf_form f;
    char *out, *line, *last, *tok[32];
    int n, fonts = 0, cjk = 0;

    (void)state;
    sample(&f);
    out = apr_pstrdup(pool, run(apr_psprintf(pool, "pdffonts %s",
                                             render_to(&f, "pdf-fonts"))));
    for (line = apr_strtok(out, "\n", &last); line != NULL;
         line = apr_strtok(NULL, "\n", &last)) {
        char *w, *wl;

        if (strncmp(line, "name", 4) == 0 || line[0] == '-') {
            continue;
        }
        /* name type... encoding emb sub uni object ID: from the end. */
        for (n = 0, w = apr_strtok(line, " ", &wl); w != NULL && n < 32;
             w = apr_strtok(NULL, " ", &wl)) {
            tok[n++] = w;
        }
        assert_true(n >= 7);
        assert_string_equal(tok[n - 5], "yes");
        fonts++;
        cjk += strstr(tok[0], "CJK") != NULL
               || strstr(tok[0], "WenQuanYi") != NULL;
    }
    assert_true(fonts >= 2);
    assert_true(cjk >= 1);         /* the CJK font, embedded */
}

/* pdftotext breaks a wrapped cell into lines: join them again. */
static const char *squash(const char *text)
{
    static char buf[1 << 16];
    apr_size_t n = 0;

    for (; *text && n + 1 < sizeof(buf); text++)
        if (*text != '\n' && *text != '\f')
            buf[n++] = *text;
    buf[n] = '\0';
    return buf;
}

/* Values are plain text: markup and entities print as typed. */
static void test_markup_is_literal(void **state)
{
    jszg_pdf_form f;
    const char *text;

    (void)state;
    sample(&f);
    f.name = "<b>王&amp;</b>";
    f.address = "<span foreground=\"red\">红</span> & <i>x</i>";
    f.school = "A&B<学校>";
    f.major = "\xff\xfe汉语\x01";                   /* bad UTF-8, control */
    text = squash(pdftext(render_to(&f, "pdf-markup")));
    assert_non_null(strstr(text, "<b>王&amp;</b>"));
    assert_non_null(strstr(text, "<span foreground=\"red\">红</span> & "
                                 "<i>x</i>"));
    assert_non_null(strstr(text, "A&B<学校>"));
    assert_non_null(strstr(text, "汉语"));
}

static void test_photo_missing_or_corrupt(void **state)
{
    static const unsigned char junk[] = "\xff\xd8\xff\xe0 not a jpeg";
    jszg_pdf_form f;
    unsigned char *cut;

    (void)state;
    sample(&f);
    f.photo_jpeg = NULL;
    f.photo_len = 0;
    assert_non_null(strstr(pdftext(render_to(&f, "pdf-nophoto")), "照片"));

    f.photo_jpeg = junk;
    f.photo_len = sizeof(junk) - 1;
    assert_non_null(strstr(pdftext(render_to(&f, "pdf-junkphoto")), "照片"));

    /* A truncated JPEG decodes with a warning: drawn, but re-encoded
     * rather than embedded as broken JPEG bytes. */
    cut = apr_pmemdup(pool, photo, photo_len / 2);
    f.photo_jpeg = cut;
    f.photo_len = photo_len / 2;
    render_to(&f, "pdf-cutphoto");

    /* A header claiming 60000 x 60000 px is refused before decoding. */
    cut = apr_pmemdup(pool, photo, photo_len);
    for (size_t i = 0; i + 8 < photo_len; i++) {
        if (cut[i] == 0xff && cut[i + 1] == 0xc0) {       /* SOF0 */
            cut[i + 5] = cut[i + 7] = 0xea;
            cut[i + 6] = cut[i + 8] = 0x60;
            break;
        }
    }
    f.photo_jpeg = cut;
    f.photo_len = photo_len;
    assert_non_null(strstr(pdftext(render_to(&f, "pdf-bombphoto")), "照片"));
}

static void test_long_values(void **state)
{
    jszg_pdf_form f;
    char *big = apr_palloc(pool, 30001);
    const char **fields[] = {
        &f.regno, &f.kind, &f.name, &f.sex, &f.ethnicity, &f.birth_date,
        &f.id_type, &f.id_number, &f.politics, &f.phone, &f.address,
        &f.postcode, &f.education, &f.degree, &f.major, &f.major_category,
        &f.graduate_school, &f.graduate_date, &f.study_form, &f.putonghua,
        &f.cert_no, &f.cert_kind, &f.cert_subject, &f.cert_authority,
        &f.cert_issued, &f.school, &f.school_nature, &f.school_location,
        &f.stage, &f.subject, &f.post_nature, &f.title, &f.work_start,
        &f.hire_start, &f.institution, &f.confirm_point, &f.training_hours,
        &f.ethics, &f.generated_at
    };
    size_t i;

    (void)state;
    for (i = 0; i < 10000; i++) {
        memcpy(big + i * 3, "长", 3);
    }
    big[30000] = '\0';
    sample(&f);
    for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        *fields[i] = big;
    }
    for (i = 0; i < JSZG_PDF_YEARS; i++) {
        f.assessments[i][0] = f.assessments[i][1] = big;
    }
    /* Cut at a character boundary: no U+FFFD from a split character. */
    assert_null(strstr(pdftext(render_to(&f, "pdf-long")), "\xef\xbf\xbd"));

    /* A long unbroken ASCII run has no break opportunity. */
    memset(big, 'W', 30000);
    render_to(&f, "pdf-long-ascii");
}

static void test_empty_form(void **state)
{
    jszg_pdf_form f;
    const char *text;

    (void)state;
    memset(&f, 0, sizeof(f));
    text = pdftext(render_to(&f, "pdf-empty"));
    assert_non_null(strstr(text, "教师资格定期注册申请表"));
    assert_non_null(strstr(text, "照片"));
    assert_int_equal(jszg_pdf_render(pool, NULL, (const unsigned char **)
                                     &text, &(apr_size_t){ 0 }, NULL),
                     APR_EINVAL);
}

/* ---- threads ------------------------------------------------------- */

#define THREADS 4
#define ROUNDS  3

typedef struct {
    apr_pool_t *p;
    apr_size_t len[ROUNDS];
    int ok;
} job;

static void *APR_THREAD_FUNC render_job(apr_thread_t *t, void *data)
{
    job *j = data;
    jszg_pdf_form f;
    const unsigned char *pdf;
    int r;

    sample(&f);
    j->ok = 1;
    for (r = 0; r < ROUNDS; r++) {
        if (jszg_pdf_render(j->p, &f, &pdf, &j->len[r], NULL) != APR_SUCCESS
            || memcmp(pdf, "%PDF-", 5) != 0) {
            j->ok = 0;
        }
    }
    /* Returning ends the thread as apr_thread_exit() would, minus its
     * pthread_exit(), whose unwinding trips a false "stack-use-after-
     * scope" in GCC 12's ASan at thread exit. */
    (void)t;
    return NULL;
}

static void test_concurrent(void **state)
{
    apr_thread_t *th[THREADS];
    job jobs[THREADS];
    apr_status_t rv;
    int i, r;

    (void)state;
    /* Pools are made here: sibling pools may not be created from one
     * parent in several threads at once. */
    for (i = 0; i < THREADS; i++) {
        assert_int_equal(apr_pool_create(&jobs[i].p, pool), APR_SUCCESS);
        jobs[i].ok = 0;
    }
    for (i = 0; i < THREADS; i++) {
        assert_int_equal(apr_thread_create(&th[i], NULL, render_job,
                                           &jobs[i], pool), APR_SUCCESS);
    }
    for (i = 0; i < THREADS; i++) {
        assert_int_equal(apr_thread_join(&rv, th[i]), APR_SUCCESS);
    }
    for (i = 0; i < THREADS; i++) {
        assert_true(jobs[i].ok);
        /* Same form, same document: only the creation date may differ,
         * and it has a fixed width. */
        for (r = 0; r < ROUNDS; r++) {
            assert_int_equal(jobs[i].len[r], jobs[0].len[0]);
        }
        apr_pool_destroy(jobs[i].p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init),
        cmocka_unit_test(test_full_sample),
        cmocka_unit_test(test_fonts_embedded),
        cmocka_unit_test(test_markup_is_literal),
        cmocka_unit_test(test_photo_missing_or_corrupt),
        cmocka_unit_test(test_long_values),
        cmocka_unit_test(test_empty_form),
        cmocka_unit_test(test_concurrent),
    };

    apr_initialize();
    atexit(apr_terminate);
    return cmocka_run_group_tests(tests, setup, teardown);
}
