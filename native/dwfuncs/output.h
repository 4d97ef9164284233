/* The helper's line format: records of TAB-separated, escaped fields. */
#ifndef DWFUNCS_OUTPUT_H
#define DWFUNCS_OUTPUT_H

/* Writes TAB then S to stdout, with backslash, tab, newline and other control
   bytes escaped as \\, \t, \n, \xHH. */
void put_field(const char *s);

/* put_field of an unsigned number. */
void put_number(unsigned long long n);

#endif
