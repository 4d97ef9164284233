/* SPDX-License-Identifier: MIT */
#include <byteswap.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "elf_file.h"

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define HOST_DATA ELFDATA2LSB
#else
#define HOST_DATA ELFDATA2MSB
#endif

static uint16_t h16(const struct elf_file *f, uint16_t v) { return f->swap ? bswap_16(v) : v; }
static uint32_t h32(const struct elf_file *f, uint32_t v) { return f->swap ? bswap_32(v) : v; }
static uint64_t h64(const struct elf_file *f, uint64_t v) { return f->swap ? bswap_64(v) : v; }

int elf_read(const struct elf_file *f, uint64_t off, void *buf, size_t len)
{
  unsigned char *p = buf;

  if (off > f->size || len > f->size - off)
    return -1;
  while (len > 0) {
    ssize_t n = pread(f->fd, p, len, (off_t)off);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return -1; /* error, or the file shrank under us */
    p += n;
    off += (uint64_t)n;
    len -= (size_t)n;
  }
  return 0;
}

/* A table of count entries of entsize bytes at off must lie inside the file. */
static int table_fits(const struct elf_file *f, uint64_t off, uint64_t count, uint64_t entsize)
{
  return off <= f->size && (count == 0 || entsize <= (f->size - off) / count);
}

static int read_header(struct elf_file *f)
{
  unsigned char ident[EI_NIDENT];

  if (elf_read(f, 0, ident, sizeof(ident)) || memcmp(ident, ELFMAG, SELFMAG))
    return -1;
  if (ident[EI_CLASS] != ELFCLASS32 && ident[EI_CLASS] != ELFCLASS64)
    return -1;
  if (ident[EI_DATA] != ELFDATA2LSB && ident[EI_DATA] != ELFDATA2MSB)
    return -1;
  f->is64 = ident[EI_CLASS] == ELFCLASS64;
  f->swap = ident[EI_DATA] != HOST_DATA;
  if (f->is64) {
    Elf64_Ehdr e;

    if (elf_read(f, 0, &e, sizeof(e)))
      return -1;
    f->machine = h16(f, e.e_machine);
    f->shoff = h64(f, e.e_shoff);
    f->phoff = h64(f, e.e_phoff);
    f->shnum = h16(f, e.e_shnum);
    f->phnum = h16(f, e.e_phnum);
    f->shentsize = h16(f, e.e_shentsize);
    f->phentsize = h16(f, e.e_phentsize);
  } else {
    Elf32_Ehdr e;

    if (elf_read(f, 0, &e, sizeof(e)))
      return -1;
    f->machine = h16(f, e.e_machine);
    f->shoff = h32(f, e.e_shoff);
    f->phoff = h32(f, e.e_phoff);
    f->shnum = h16(f, e.e_shnum);
    f->phnum = h16(f, e.e_phnum);
    f->shentsize = h16(f, e.e_shentsize);
    f->phentsize = h16(f, e.e_phentsize);
  }
  return 0;
}

/* Decodes the section header at index i (bounds already checked by the caller). */
static int read_section(const struct elf_file *f, uint32_t i, struct elf_section *s, uint32_t *info)
{
  uint64_t off = f->shoff + (uint64_t)i * f->shentsize;

  if (f->is64) {
    Elf64_Shdr h;

    if (f->shentsize < sizeof(h) || elf_read(f, off, &h, sizeof(h)))
      return -1;
    s->type = h32(f, h.sh_type);
    s->link = h32(f, h.sh_link);
    s->offset = h64(f, h.sh_offset);
    s->size = h64(f, h.sh_size);
    s->entsize = h64(f, h.sh_entsize);
    *info = h32(f, h.sh_info);
  } else {
    Elf32_Shdr h;

    if (f->shentsize < sizeof(h) || elf_read(f, off, &h, sizeof(h)))
      return -1;
    s->type = h32(f, h.sh_type);
    s->link = h32(f, h.sh_link);
    s->offset = h32(f, h.sh_offset);
    s->size = h32(f, h.sh_size);
    s->entsize = h32(f, h.sh_entsize);
    *info = h32(f, h.sh_info);
  }
  return 0;
}

int elf_open(struct elf_file *f, const char *path)
{
  off_t end;

  memset(f, 0, sizeof(*f));
  /* O_NONBLOCK: a FIFO must not hang the caller (pread then fails on it) */
  f->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (f->fd < 0)
    return -1;
  end = lseek(f->fd, 0, SEEK_END);
  if (end <= 0) {
    elf_close(f);
    return -1;
  }
  f->size = (uint64_t)end;
  if (read_header(f)) {
    elf_close(f);
    return -1;
  }
  /* huge counts live in section 0 (e_shnum 0, e_phnum PN_XNUM) */
  if (f->shoff && (f->shnum == 0 || f->phnum == PN_XNUM)) {
    struct elf_section s0;
    uint32_t info;

    if (read_section(f, 0, &s0, &info)) {
      elf_close(f);
      return -1;
    }
    if (f->shnum == 0)
      f->shnum = s0.size > ELF_SECTIONS_MAX ? ELF_SECTIONS_MAX + 1 : (uint32_t)s0.size;
    if (f->phnum == PN_XNUM)
      f->phnum = info;
  }
  return 0;
}

void elf_close(struct elf_file *f)
{
  if (f->fd >= 0)
    close(f->fd);
  f->fd = -1;
}

int elf_sections(const struct elf_file *f, struct elf_section **out, uint32_t *count)
{
  struct elf_section *v;
  uint32_t i, info;

  *out = NULL;
  *count = 0;
  if (f->shoff == 0 || f->shnum == 0)
    return 0;
  if (f->shnum > ELF_SECTIONS_MAX || !table_fits(f, f->shoff, f->shnum, f->shentsize))
    return -1;
  v = calloc(f->shnum, sizeof(*v));
  if (!v)
    return -1;
  for (i = 0; i < f->shnum; i++) {
    if (read_section(f, i, &v[i], &info)) {
      free(v);
      return -1;
    }
  }
  *out = v;
  *count = f->shnum;
  return 0;
}

int elf_exec_segment(const struct elf_file *f, uint64_t *vaddr, uint64_t *offset)
{
  uint32_t i;

  if (f->phoff == 0 || f->phnum == 0 || f->phnum > ELF_SEGMENTS_MAX)
    return -1;
  if (!table_fits(f, f->phoff, f->phnum, f->phentsize))
    return -1;
  for (i = 0; i < f->phnum; i++) {
    uint64_t off = f->phoff + (uint64_t)i * f->phentsize;
    uint32_t type, flags;

    if (f->is64) {
      Elf64_Phdr p;

      if (f->phentsize < sizeof(p) || elf_read(f, off, &p, sizeof(p)))
        return -1;
      type = h32(f, p.p_type);
      flags = h32(f, p.p_flags);
      *vaddr = h64(f, p.p_vaddr);
      *offset = h64(f, p.p_offset);
    } else {
      Elf32_Phdr p;

      if (f->phentsize < sizeof(p) || elf_read(f, off, &p, sizeof(p)))
        return -1;
      type = h32(f, p.p_type);
      flags = h32(f, p.p_flags);
      *vaddr = h32(f, p.p_vaddr);
      *offset = h32(f, p.p_offset);
    }
    if (type == PT_LOAD && (flags & PF_X))
      return 0;
  }
  return -1;
}

size_t elf_symbol_size(const struct elf_file *f)
{
  return f->is64 ? sizeof(Elf64_Sym) : sizeof(Elf32_Sym);
}

void elf_decode_symbol(const struct elf_file *f, const unsigned char *raw, struct elf_symbol *out)
{
  if (f->is64) {
    Elf64_Sym s;

    memcpy(&s, raw, sizeof(s));
    out->name = h32(f, s.st_name);
    out->info = s.st_info;
    out->shndx = h16(f, s.st_shndx);
    out->value = h64(f, s.st_value);
  } else {
    Elf32_Sym s;

    memcpy(&s, raw, sizeof(s));
    out->name = h32(f, s.st_name);
    out->info = s.st_info;
    out->shndx = h16(f, s.st_shndx);
    out->value = h32(f, s.st_value);
  }
}
