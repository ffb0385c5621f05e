/*
 * jszg_pager.h -- pagination arithmetic for the portal's lists.
 *
 * Pure helper (no APR, no httpd): unit-tested in tests/unit/test_pager.c.
 *
 * The rules the pages and the API share (docs/api.md):
 *   - page absent or empty means page 1;
 *   - anything but a whole decimal number >= 1 ("0", "-1", "abc", "1.5",
 *     "+2", " 3") is JSZG_PAGE_BAD (the handler answers 400);
 *   - a page after the last one is JSZG_PAGE_BEYOND (404), except that an
 *     empty list still has its page 1.
 */
#ifndef JSZG_PAGER_H
#define JSZG_PAGER_H

/* Larger page numbers are clamped to this before the range check, so a
 * 40-digit page is "beyond the end", not an overflow. */
#define JSZG_PAGE_MAX 1000000L

typedef enum {
    JSZG_PAGE_OK = 0,
    JSZG_PAGE_BAD,          /* not a page number at all */
    JSZG_PAGE_BEYOND        /* a number, but after the last page */
} jszg_page_status;

typedef struct {
    long total;             /* items in the whole list */
    long per_page;
    long pages;             /* number of pages, at least 1 */
    long page;              /* the current page, 1-based */
    long offset;            /* 0-based index of the page's first item */
    long first;             /* 1-based number of the first item shown */
    long last;              /* ... and of the last (0, 0 when empty) */
} jszg_pager;

/* Read a page parameter (NULL or "" = 1) into *page. */
jszg_page_status jszg_page_parse(const char *s, long *page);

/* Lay out page `page` of `total` items, `per_page` (>= 1) per page. */
jszg_page_status jszg_pager_init(jszg_pager *pg, long page, long per_page,
                                 long total);

/* The numbered links to show: at most `width` pages around the current
 * one, as the inclusive range [*from, *to]. */
void jszg_pager_window(const jszg_pager *pg, int width, long *from,
                       long *to);

#endif /* JSZG_PAGER_H */
