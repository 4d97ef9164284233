/* SPDX-License-Identifier: MIT */
/*
 * A bounds-checked ELF reader over pread: ELF32 and ELF64, either byte order.
 * Every header is copied and byte-swapped into the host structs below; every
 * offset and size is checked against the file's size before it is read.
 */
#ifndef SYMHELPER_ELF_FILE_H
#define SYMHELPER_ELF_FILE_H

#include <stddef.h>
#include <stdint.h>

/* Sections a file may have: bounds memory for hostile inputs. */
#define ELF_SECTIONS_MAX (1u << 20)
#define ELF_SEGMENTS_MAX (1u << 16)

struct elf_file {
  int fd;
  uint64_t size;
  int is64;
  int swap; /* the file's byte order is not the host's */
  uint16_t machine;
  uint64_t shoff, phoff;
  uint32_t shnum, phnum;
  uint16_t shentsize, phentsize;
};

struct elf_section {
  uint32_t type, link;
  uint64_t offset, size, entsize;
};

struct elf_symbol {
  uint32_t name;
  uint8_t info;
  uint16_t shndx;
  uint64_t value;
};

/* Opens path and checks its ELF header. 0, or -1 (nothing left open). */
int elf_open(struct elf_file *f, const char *path);
void elf_close(struct elf_file *f);
/* Reads exactly len bytes at off, or fails (-1) when that range is not all in the file. */
int elf_read(const struct elf_file *f, uint64_t off, void *buf, size_t len);
/* The section headers as a malloc'ed array (*count may be 0). 0 or -1. */
int elf_sections(const struct elf_file *f, struct elf_section **out, uint32_t *count);
/* p_vaddr and p_offset of the first executable PT_LOAD segment. 0, or -1 when there is none. */
int elf_exec_segment(const struct elf_file *f, uint64_t *vaddr, uint64_t *offset);
/* Size of one symbol table entry in this file's class. */
size_t elf_symbol_size(const struct elf_file *f);
/* Decodes one raw symbol table entry (elf_symbol_size bytes). */
void elf_decode_symbol(const struct elf_file *f, const unsigned char *raw, struct elf_symbol *out);

#endif
