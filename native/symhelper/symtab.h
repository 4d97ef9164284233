/* SPDX-License-Identifier: MIT */
/* A sorted symbol table: search by address (at or below) and by name. */
#ifndef SYMHELPER_SYMTAB_H
#define SYMHELPER_SYMTAB_H

#include <stddef.h>
#include "symhelper.h"

/* Longest name kept; longer ones are skipped. */
#define SYM_NAME_MAX (64 * 1024)
/* Symbols one table may hold: bounds memory for hostile inputs. */
#define SYM_COUNT_MAX ((size_t)1 << 24)

struct sym_entry {
  unsigned long addr;
  char *name;
  unsigned rank; /* lower wins among symbols at one address or of one name */
  size_t seq;    /* insertion order: the last tie-breaker, for stable results */
};

struct sym_builder {
  struct sym_entry *v;
  size_t n, cap;
};

struct sym_table {
  struct ksym *by_addr;   /* sorted by address, then rank, then name */
  size_t count;
  size_t *by_name;        /* indexes into by_addr, sorted by name, then rank */
};

/* 0, or -1 when out of memory or past SYM_COUNT_MAX. The name is borrowed. */
int sym_builder_add(struct sym_builder *b, unsigned long addr, char *name, unsigned rank);
void sym_builder_free(struct sym_builder *b);
/* Sorts and indexes the builder's entries into t, freeing the builder. 0 or -1. */
int sym_table_build(struct sym_table *t, struct sym_builder *b);
/* The last symbol whose address is <= addr (the best ranked of that address), or NULL. */
struct ksym *sym_table_at_or_below(const struct sym_table *t, unsigned long addr);
/* The best ranked symbol named exactly name; with module_suffix, if none and name has
 * no space, the best one named "name [module]" (kernel module symbols). NULL when absent. */
const struct ksym *sym_table_named(const struct sym_table *t, const char *name, int module_suffix);
void sym_table_free(struct sym_table *t);

#endif
