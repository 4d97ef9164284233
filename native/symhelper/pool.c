/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>
#include "pool.h"

#define POOL_BLOCK_BYTES (256 * 1024)

struct pool_block {
  struct pool_block *next;
  size_t used, cap;
  char data[];
};

char *pool_strndup(struct pool *p, const char *s, size_t len)
{
  struct pool_block *b = p->head;
  char *out;

  if (len >= POOL_BLOCK_BYTES)
    return NULL;
  if (!b || b->cap - b->used < len + 1) {
    b = malloc(sizeof(*b) + POOL_BLOCK_BYTES);
    if (!b)
      return NULL;
    b->next = p->head;
    b->used = 0;
    b->cap = POOL_BLOCK_BYTES;
    p->head = b;
  }
  out = b->data + b->used;
  memcpy(out, s, len);
  out[len] = '\0';
  b->used += len + 1;
  return out;
}

void pool_free(struct pool *p)
{
  struct pool_block *b = p->head, *next;

  for (; b; b = next) {
    next = b->next;
    free(b);
  }
  p->head = NULL;
}
