/* SPDX-License-Identifier: MIT */
/* Kernel symbols from /proc/kallsyms, loaded on first use and kept for the process's life. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lbc_runtime.h"

struct ksym {
  unsigned long addr;
  char *name;
};

static struct ksym *lbc_syms;
static size_t lbc_sym_cnt;
static int lbc_syms_loaded;
static char lbc_unknown_name[] = "[unknown]";
static struct ksym lbc_unknown = { 0, lbc_unknown_name };

static int lbc_ksym_cmp(const void *a, const void *b)
{
  unsigned long x = ((const struct ksym *)a)->addr, y = ((const struct ksym *)b)->addr;

  return x < y ? -1 : x > y;
}

/* "ffffffff81000000 T _stext" or "... t name\t[module]"; the module joins the name as "name [module]". */
static int lbc_parse_line(char *line, struct ksym *out)
{
  char *end, *name, *module, *nl;
  size_t len;

  out->addr = strtoul(line, &end, 16);
  if (end == line || out->addr == 0)
    return -1;
  name = end;
  while (*name == ' ')
    name++;
  if (!*name || name[1] != ' ')
    return -1;
  name += 2;
  nl = strchr(name, '\n');
  if (nl)
    *nl = '\0';
  module = strpbrk(name, " \t");
  if (module) {
    *module++ = '\0';
    while (*module == ' ' || *module == '\t')
      module++;
  }
  if (!*name)
    return -1;
  len = strlen(name) + (module && *module ? strlen(module) + 1 : 0) + 1;
  out->name = malloc(len);
  if (!out->name)
    return -1;
  if (module && *module)
    snprintf(out->name, len, "%s %s", name, module);
  else
    memcpy(out->name, name, len);
  return 0;
}

static void lbc_load_kallsyms(void)
{
  FILE *f = fopen("/proc/kallsyms", "r");
  char *line = NULL;
  size_t cap = 0, room = 0;
  struct ksym sym, *grown;

  if (!f)
    return;
  while (getline(&line, &cap, f) > 0) {
    if (lbc_parse_line(line, &sym))
      continue;
    if (lbc_sym_cnt == room) {
      room = room ? room * 2 : 65536;
      grown = realloc(lbc_syms, room * sizeof(*grown));
      if (!grown) {
        free(sym.name);
        break;
      }
      lbc_syms = grown;
    }
    lbc_syms[lbc_sym_cnt++] = sym;
  }
  free(line);
  fclose(f);
  qsort(lbc_syms, lbc_sym_cnt, sizeof(*lbc_syms), lbc_ksym_cmp);
}

/*
 * The symbol at or below addr; below the first symbol, the first one.
 * Without readable kallsyms (not root), a static "[unknown]" entry, never NULL.
 */
LBC_API struct ksym *ksym_search(unsigned long addr)
{
  size_t lo = 0, hi;

  if (!__atomic_exchange_n(&lbc_syms_loaded, 1, __ATOMIC_ACQ_REL))
    lbc_load_kallsyms();
  if (lbc_sym_cnt == 0) {
    lbc_unknown.addr = addr;
    return &lbc_unknown;
  }
  hi = lbc_sym_cnt;
  while (hi - lo > 1) {
    size_t mid = lo + (hi - lo) / 2;

    if (lbc_syms[mid].addr <= addr)
      lo = mid;
    else
      hi = mid;
  }
  return &lbc_syms[lo];
}
