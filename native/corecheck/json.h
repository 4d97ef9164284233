/* Minimal JSON output helpers. */
#ifndef CORECHECK_JSON_H
#define CORECHECK_JSON_H
#include <stdio.h>

/* Writes s as a JSON string (quoted, escaped); NULL becomes null. */
void json_str(FILE *f, const char *s);

#endif
