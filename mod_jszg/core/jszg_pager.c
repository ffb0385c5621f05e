/*
 * jszg_pager.c -- pagination arithmetic (see jszg_pager.h).
 */
#include "jszg_pager.h"

#include <stddef.h>

jszg_page_status jszg_page_parse(const char *s, long *page)
{
    long n = 0;

    *page = 1;
    if (s == NULL || *s == '\0')
        return JSZG_PAGE_OK;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return JSZG_PAGE_BAD;
        /* saturate instead of overflowing: huge means "beyond" */
        if (n < JSZG_PAGE_MAX)
            n = n * 10 + (*s - '0');
    }
    if (n < 1)
        return JSZG_PAGE_BAD;
    *page = n > JSZG_PAGE_MAX ? JSZG_PAGE_MAX : n;
    return JSZG_PAGE_OK;
}

jszg_page_status jszg_pager_init(jszg_pager *pg, long page, long per_page,
                                 long total)
{
    if (per_page < 1)
        per_page = 1;
    if (total < 0)
        total = 0;
    pg->total = total;
    pg->per_page = per_page;
    pg->pages = total == 0 ? 1 : (total - 1) / per_page + 1;
    pg->page = 1;
    pg->offset = 0;
    pg->first = pg->last = 0;
    if (page < 1)
        return JSZG_PAGE_BAD;
    if (page > pg->pages)
        return JSZG_PAGE_BEYOND;
    pg->page = page;
    pg->offset = (page - 1) * per_page;
    if (total > 0) {
        pg->first = pg->offset + 1;
        pg->last = pg->offset + per_page < total ? pg->offset + per_page
                                                 : total;
    }
    return JSZG_PAGE_OK;
}

void jszg_pager_window(const jszg_pager *pg, int width, long *from,
                       long *to)
{
    long w = width < 1 ? 1 : width;

    if (w > pg->pages)
        w = pg->pages;
    /* centre the current page, then slide the window inside 1..pages */
    *from = pg->page - (w - 1) / 2;
    if (*from < 1)
        *from = 1;
    if (*from + w - 1 > pg->pages)
        *from = pg->pages - w + 1;
    *to = *from + w - 1;
}
