/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>
#include "symtab.h"

int sym_builder_add(struct sym_builder *b, unsigned long addr, char *name, unsigned rank)
{
  if (b->n == b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 4096;
    struct sym_entry *grown;

    if (cap > SYM_COUNT_MAX)
      cap = SYM_COUNT_MAX;
    if (b->n >= cap)
      return -1;
    grown = realloc(b->v, cap * sizeof(*grown));
    if (!grown)
      return -1;
    b->v = grown;
    b->cap = cap;
  }
  b->v[b->n] = (struct sym_entry){ addr, name, rank, b->n };
  b->n++;
  return 0;
}

void sym_builder_free(struct sym_builder *b)
{
  free(b->v);
  b->v = NULL;
  b->n = b->cap = 0;
}

static int cmp_entry_addr(const void *pa, const void *pb)
{
  const struct sym_entry *a = pa, *b = pb;
  int c;

  if (a->addr != b->addr)
    return a->addr < b->addr ? -1 : 1;
  if (a->rank != b->rank)
    return a->rank < b->rank ? -1 : 1;
  c = strcmp(a->name, b->name);
  if (c)
    return c;
  return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* qsort has no context argument: the table being indexed (single-threaded library). */
static const struct sym_table *sorting;
static const unsigned *sorting_rank;

static int cmp_index_name(const void *pa, const void *pb)
{
  size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
  int c = strcmp(sorting->by_addr[a].name, sorting->by_addr[b].name);

  if (c)
    return c;
  if (sorting_rank[a] != sorting_rank[b])
    return sorting_rank[a] < sorting_rank[b] ? -1 : 1;
  return a < b ? -1 : a > b;
}

int sym_table_build(struct sym_table *t, struct sym_builder *b)
{
  size_t i, n = 0;
  unsigned *rank = NULL;

  memset(t, 0, sizeof(*t));
  if (b->n == 0) {
    sym_builder_free(b);
    return 0;
  }
  qsort(b->v, b->n, sizeof(*b->v), cmp_entry_addr);
  t->by_addr = malloc(b->n * sizeof(*t->by_addr));
  t->by_name = malloc(b->n * sizeof(*t->by_name));
  rank = malloc(b->n * sizeof(*rank));
  if (!t->by_addr || !t->by_name || !rank)
    goto fail;
  for (i = 0; i < b->n; i++) {
    const struct sym_entry *e = &b->v[i];

    /* .symtab and .dynsym repeat exported symbols (same address, rank and name: now adjacent) */
    if (n > 0 && t->by_addr[n - 1].addr == e->addr && rank[n - 1] == e->rank &&
        strcmp(t->by_addr[n - 1].name, e->name) == 0)
      continue;
    t->by_addr[n] = (struct ksym){ e->addr, e->name };
    rank[n] = e->rank;
    t->by_name[n] = n;
    n++;
  }
  t->count = n;
  sorting = t;
  sorting_rank = rank;
  qsort(t->by_name, n, sizeof(*t->by_name), cmp_index_name);
  sorting = NULL;
  sorting_rank = NULL;
  free(rank);
  sym_builder_free(b);
  return 0;
fail:
  free(rank);
  sym_table_free(t);
  sym_builder_free(b);
  return -1;
}

struct ksym *sym_table_at_or_below(const struct sym_table *t, unsigned long addr)
{
  size_t lo = 0, hi = t->count, first;

  if (t->count == 0 || t->by_addr[0].addr > addr)
    return NULL;
  /* invariant: by_addr[lo].addr <= addr, and every entry from hi on is > addr */
  while (hi - lo > 1) {
    size_t mid = lo + (hi - lo) / 2;

    if (t->by_addr[mid].addr <= addr)
      lo = mid;
    else
      hi = mid;
  }
  /* the best ranked entry of that address comes first */
  first = lo;
  while (first > 0 && t->by_addr[first - 1].addr == t->by_addr[lo].addr)
    first--;
  return &t->by_addr[first];
}

/* First position in by_name whose name is >= name. */
static size_t lower_bound(const struct sym_table *t, const char *name)
{
  size_t lo = 0, hi = t->count;

  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;

    if (strcmp(t->by_addr[t->by_name[mid]].name, name) < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

const struct ksym *sym_table_named(const struct sym_table *t, const char *name, int module_suffix)
{
  size_t pos = lower_bound(t, name), len;
  const struct ksym *k;

  if (pos >= t->count)
    return NULL;
  k = &t->by_addr[t->by_name[pos]];
  if (strcmp(k->name, name) == 0)
    return k;
  if (!module_suffix)
    return NULL;
  /* "name [module]" sorts right after "name": a space is below every identifier byte */
  len = strlen(name);
  if (len && !strchr(name, ' ') && strncmp(k->name, name, len) == 0 && k->name[len] == ' ')
    return k;
  return NULL;
}

void sym_table_free(struct sym_table *t)
{
  free(t->by_addr);
  free(t->by_name);
  memset(t, 0, sizeof(*t));
}
