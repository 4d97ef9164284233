/* SPDX-License-Identifier: MIT */
/* Kernel symbols: /proc/kallsyms lines "ffffffff81000000 T _stext" or "... t name\t[module]". */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pool.h"
#include "symhelper.h"
#include "symtab.h"

static struct sym_table ktable;
static struct pool knames;
static int kloaded;

static int hex_value(char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Text symbols first, globals (upper case) before locals: the name a stack should show. */
static unsigned type_rank(char type)
{
  unsigned rank = (type == 'T' || type == 't' || type == 'W' || type == 'w') ? 0 : 2;

  return rank + (type >= 'a' && type <= 'z');
}

/*
 * Adds one line's symbol. Returns 1 when added, 0 when the line is skipped
 * (malformed, or address 0), -1 when out of memory.
 */
static int add_line(struct sym_builder *b, char *line, int *hidden)
{
  unsigned long addr = 0;
  char *p = line, *name, *module, *copy;
  size_t name_len, module_len = 0, digits = 0;
  char type;
  int v;

  while ((v = hex_value(*p)) >= 0) {
    if (++digits > 2 * sizeof(addr))
      return 0;
    addr = addr << 4 | (unsigned long)v;
    p++;
  }
  if (digits == 0 || *p != ' ')
    return 0;
  type = p[1];
  if (type == '\0' || type == '\n' || p[2] != ' ')
    return 0;
  name = p + 3;
  name_len = strcspn(name, " \t\n");
  if (name_len == 0 || name_len > SYM_NAME_MAX)
    return 0;
  module = name + name_len;
  module += strspn(module, " \t");
  module_len = strcspn(module, " \t\n");
  if (module_len > SYM_NAME_MAX)
    return 0;
  if (addr == 0) {
    *hidden = 1;
    return 0;
  }
  if (module_len) {
    /* the module joins the name as "name [module]", as the old library showed it */
    memmove(name + name_len + 1, module, module_len);
    name[name_len] = ' ';
    name_len += 1 + module_len;
  }
  copy = pool_strndup(&knames, name, name_len);
  if (!copy || sym_builder_add(b, addr, copy, type_rank(type)))
    return -1;
  return 1;
}

int ksym_load(void)
{
  struct sym_builder b = { 0 };
  FILE *f;
  char *line = NULL;
  size_t cap = 0, added = 0;
  int hidden = 0, rc = 0;

  if (kloaded)
    return 0;
  f = fopen("/proc/kallsyms", "re");
  if (!f)
    return errno ? -errno : -ENOENT;
  while (getline(&line, &cap, f) > 0) {
    int r = add_line(&b, line, &hidden);

    if (r < 0) {
      rc = -ENOMEM;
      break;
    }
    added += (size_t)r;
  }
  free(line);
  fclose(f);
  if (rc == 0 && added == 0)
    rc = hidden ? -EPERM : -ENOENT;
  if (rc == 0 && sym_table_build(&ktable, &b))
    rc = -ENOMEM;
  if (rc) {
    sym_builder_free(&b);
    pool_free(&knames);
    return rc;
  }
  kloaded = 1;
  return 0;
}

struct ksym *ksym_search(unsigned long addr)
{
  struct ksym *k;

  if (!kloaded || ktable.count == 0)
    return NULL;
  k = sym_table_at_or_below(&ktable, addr);
  return k ? k : &ktable.by_addr[0];
}

unsigned long ksym_addr(const char *name)
{
  const struct ksym *k;

  if (!kloaded || !name)
    return 0;
  k = sym_table_named(&ktable, name, 1);
  return k ? k->addr : 0;
}

void ksym_deinit(void)
{
  sym_table_free(&ktable);
  pool_free(&knames);
  kloaded = 0;
}
