/* SPDX-License-Identifier: MIT */
/* Symbols of user ELF files (.symtab and .dynsym) for uprobes and user stacks. */
#include <elf.h>
#include <stdlib.h>
#include <string.h>
#include "elf_file.h"
#include "pool.h"
#include "symhelper.h"
#include "symtab.h"

/* Symbol entries read per pread. */
#define SYMS_PER_READ 4096
/* Larger entries than any ELF class defines are taken for garbage. */
#define SYM_ENTSIZE_MAX 256

struct elf_mana {
  struct sym_table syms;
  struct pool names;
  unsigned long code_offset;
};

/*
 * Functions first, then globals, weaks, locals: the name a probe or a stack
 * wants. A non-default symbol version (memcpy@GLIBC_2.2.5 beside
 * memcpy@@GLIBC_2.14) comes after every default one.
 */
static unsigned symbol_rank(uint8_t info, int hidden_version)
{
  unsigned type = ELF64_ST_TYPE(info), bind = ELF64_ST_BIND(info);
  unsigned rank = (type == STT_FUNC || type == STT_GNU_IFUNC) ? 0 : 3;

  rank += bind == STB_GLOBAL ? 0 : bind == STB_WEAK ? 1 : 2;
  return rank + (hidden_version ? 6 : 0);
}

/*
 * The .gnu.version entries of a dynamic symbol table (one 16-bit word per
 * symbol), or NULL when the file has none or they do not fit: versions only
 * order names, so a bad table is ignored rather than fatal.
 */
static uint16_t *read_versions(const struct elf_file *f, const struct elf_section *secs, uint32_t nsecs,
                               uint32_t table_index, uint64_t count)
{
  uint32_t i;

  for (i = 0; i < nsecs; i++) {
    const struct elf_section *v = &secs[i];
    uint16_t *words;

    if (v->type != SHT_GNU_versym || v->link != table_index)
      continue;
    if (v->size / 2 < count || v->offset > f->size || count * 2 > f->size - v->offset)
      return NULL;
    words = malloc(count * 2);
    if (!words || elf_read(f, v->offset, words, count * 2)) {
      free(words);
      return NULL;
    }
    return words;
  }
  return NULL;
}

/* Defined symbols that name an address: no section/file names, no TLS offsets, no absolutes. */
static int names_an_address(const struct elf_symbol *s)
{
  unsigned type = ELF64_ST_TYPE(s->info);

  if (type == STT_SECTION || type == STT_FILE || type == STT_TLS)
    return 0;
  if (s->shndx == SHN_UNDEF)
    return 0;
  return s->shndx < SHN_LORESERVE || s->shndx == SHN_XINDEX;
}

static char *read_strtab(const struct elf_file *f, const struct elf_section *s)
{
  char *buf;

  if (s->type != SHT_STRTAB || s->offset > f->size || s->size > f->size - s->offset)
    return NULL;
  buf = malloc(s->size + 1);
  if (!buf)
    return NULL;
  if (elf_read(f, s->offset, buf, s->size)) {
    free(buf);
    return NULL;
  }
  buf[s->size] = '\0'; /* a last name that runs off the table ends here */
  return buf;
}

/* Adds the symbols of one SHT_SYMTAB/SHT_DYNSYM section. 0 or -1 (malformed, out of memory). */
static int add_table(const struct elf_file *f, const struct elf_section *secs, uint32_t nsecs,
                     uint32_t table_index, struct sym_builder *b, struct pool *names)
{
  const struct elf_section *tab = &secs[table_index];
  size_t symsize = elf_symbol_size(f);
  uint64_t entsize = tab->entsize ? tab->entsize : symsize, count, i;
  unsigned char *raw = NULL;
  uint16_t *versions = NULL;
  char *strtab = NULL;
  uint64_t strsize;
  int rc = -1;

  if (entsize < symsize || entsize > SYM_ENTSIZE_MAX || tab->link >= nsecs)
    return -1;
  if (tab->offset > f->size || tab->size > f->size - tab->offset)
    return -1;
  count = tab->size / entsize;
  if (count == 0)
    return 0;
  strtab = read_strtab(f, &secs[tab->link]);
  raw = malloc(SYMS_PER_READ * entsize);
  if (!strtab || !raw)
    goto out;
  strsize = secs[tab->link].size;
  if (tab->type == SHT_DYNSYM)
    versions = read_versions(f, secs, nsecs, table_index, count);
  /* entry 0 is the undefined symbol */
  for (i = 1; i < count;) {
    uint64_t n = count - i < SYMS_PER_READ ? count - i : SYMS_PER_READ, j;

    if (elf_read(f, tab->offset + i * entsize, raw, n * entsize))
      goto out;
    for (j = 0; j < n; j++) {
      struct elf_symbol s;
      const char *name;
      size_t len;
      char *copy;
      int hidden;

      elf_decode_symbol(f, raw + j * entsize, &s);
      if (!names_an_address(&s) || s.name == 0 || s.name >= strsize)
        continue;
      name = strtab + s.name;
      len = strnlen(name, strsize - s.name);
      if (len == 0 || len > SYM_NAME_MAX)
        continue;
      /* 32-bit ARM marks Thumb functions with bit 0 of the address */
      if (f->machine == EM_ARM && ELF64_ST_TYPE(s.info) == STT_FUNC)
        s.value &= ~(uint64_t)1;
      hidden = versions && (versions[i + j] & (f->swap ? 0x0080 : 0x8000)); /* VERSYM_HIDDEN */
      copy = pool_strndup(names, name, len);
      if (!copy || sym_builder_add(b, (unsigned long)s.value, copy, symbol_rank(s.info, hidden)))
        goto out;
    }
    i += n;
  }
  rc = 0;
out:
  free(raw);
  free(versions);
  free(strtab);
  return rc;
}

static int load_symbols(const struct elf_file *f, struct elf_mana *m)
{
  struct sym_builder b = { 0 };
  struct elf_section *secs;
  uint32_t nsecs, i;

  if (elf_sections(f, &secs, &nsecs))
    return -1;
  for (i = 0; i < nsecs; i++) {
    if (secs[i].type != SHT_SYMTAB && secs[i].type != SHT_DYNSYM)
      continue;
    if (add_table(f, secs, nsecs, i, &b, &m->names)) {
      free(secs);
      sym_builder_free(&b);
      return -1;
    }
  }
  free(secs);
  return sym_table_build(&m->syms, &b);
}

void *sym_load(const char *path)
{
  struct elf_file f;
  struct elf_mana *m;
  uint64_t vaddr, offset;

  if (!path || elf_open(&f, path))
    return NULL;
  m = calloc(1, sizeof(*m));
  if (!m || elf_exec_segment(&f, &vaddr, &offset) || load_symbols(&f, m)) {
    elf_close(&f);
    de_mana(m);
    return NULL;
  }
  elf_close(&f);
  m->code_offset = (unsigned long)(vaddr - offset);
  return m;
}

void de_mana(void *handle)
{
  struct elf_mana *m = handle;

  if (!m)
    return;
  sym_table_free(&m->syms);
  pool_free(&m->names);
  free(m);
}

unsigned long elf_code_offset(void *handle)
{
  const struct elf_mana *m = handle;

  return m ? m->code_offset : 0;
}

struct ksym *sym_search(void *handle, unsigned long addr)
{
  const struct elf_mana *m = handle;

  return m ? sym_table_at_or_below(&m->syms, addr) : NULL;
}

unsigned long sym_addr(void *handle, const char *name)
{
  const struct elf_mana *m = handle;
  const struct ksym *k;

  if (!m || !name)
    return 0;
  k = sym_table_named(&m->syms, name, 0);
  return k ? k->addr : 0;
}
