/*
 * jszg_regno.c - 注册报名号 format and check digit (see the header).
 */
#include "jszg_regno.h"

#include <stdio.h>
#include <string.h>

static int all_digits(const char *s, int n)
{
    int i;

    for (i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

char jszg_regno_check_digit(const char *s, int n)
{
    int sum = 0, dbl = 1, i;

    /* Luhn: double every second digit from the right of the payload. */
    for (i = n - 1; i >= 0; i--) {
        int d = s[i] - '0';
        if (dbl) {
            d *= 2;
            if (d > 9)
                d -= 9;
        }
        sum += d;
        dbl = !dbl;
    }
    return (char)('0' + (10 - sum % 10) % 10);
}

int jszg_regno_make(char out[JSZG_REGNO_LEN + 1], int year,
                    const char *inst_code, long seq)
{
    out[0] = '\0';
    if (year < 2013 || year > 2100 || seq < 1 || seq > JSZG_REGNO_MAX_SEQ
        || !inst_code || strlen(inst_code) != 9
        || !all_digits(inst_code, 9))
        return -1;
    snprintf(out, JSZG_REGNO_LEN + 1, "%04d%s%06ld", year, inst_code, seq);
    out[JSZG_REGNO_LEN - 1] = jszg_regno_check_digit(out,
                                                     JSZG_REGNO_LEN - 1);
    out[JSZG_REGNO_LEN] = '\0';
    return 0;
}

int jszg_regno_valid(const char *s)
{
    int year;

    if (!s || strlen(s) != JSZG_REGNO_LEN || !all_digits(s, JSZG_REGNO_LEN))
        return 0;
    year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10
           + (s[3] - '0');
    if (year < 2013 || year > 2100)
        return 0;
    if (!memcmp(s + 13, "000000", 6))
        return 0;
    return s[JSZG_REGNO_LEN - 1] == jszg_regno_check_digit(s,
                                                           JSZG_REGNO_LEN - 1);
}
