/* SPDX-License-Identifier: MIT */
/* A string pool: copies that stay put until the whole pool is freed. */
#ifndef SYMHELPER_POOL_H
#define SYMHELPER_POOL_H

#include <stddef.h>

struct pool_block;

struct pool {
  struct pool_block *head;
};

/* A NUL-terminated copy of s[0..len), or NULL when out of memory. */
char *pool_strndup(struct pool *p, const char *s, size_t len);
void pool_free(struct pool *p);

#endif
