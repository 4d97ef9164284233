#include "output.h"

#include <stdio.h>

void put_field(const char *s) {
  putchar('\t');
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    switch (*p) {
    case '\\': fputs("\\\\", stdout); break;
    case '\t': fputs("\\t", stdout); break;
    case '\n': fputs("\\n", stdout); break;
    default:
      if (*p < 0x20 || *p == 0x7f)
        printf("\\x%02x", *p);
      else
        putchar(*p);
    }
  }
}

void put_number(unsigned long long n) { printf("\t%llu", n); }
