/* SPDX-License-Identifier: MIT */
/*
 * The symbol helper the surftrace client downloads (lbc `elf_so`) and loads
 * with ctypes. Only the functions below are exported; everything else in the
 * library is hidden. Not thread-safe: the client calls it from one thread.
 */
#ifndef SYMHELPER_H
#define SYMHELPER_H

#define SYMHELPER_API __attribute__((visibility("default")))

struct ksym {
  unsigned long addr;
  char *name;
};

/*
 * Kernel symbols from /proc/kallsyms. Module symbols are named "name [module]".
 * ksym_load returns 0 (also when already loaded) or a negative errno:
 * -EPERM when kallsyms hides every address (kptr_restrict, not root).
 */
SYMHELPER_API int ksym_load(void);
/* The symbol at or below addr; below the first symbol, the first one (as the old
 * library did: the client dereferences the result). NULL when nothing is loaded. */
SYMHELPER_API struct ksym *ksym_search(unsigned long addr);
/* Address of a symbol ("name" also finds a module's "name [module]"), 0 if absent. */
SYMHELPER_API unsigned long ksym_addr(const char *name);
SYMHELPER_API void ksym_deinit(void);

/*
 * Symbols of an ELF file (.symtab and .dynsym, ELF32 or ELF64, either byte
 * order). NULL when the file is unreadable, not ELF, malformed, or has no
 * executable PT_LOAD segment. Release with de_mana.
 */
SYMHELPER_API void *sym_load(const char *path);
SYMHELPER_API void de_mana(void *m);
/*
 * p_vaddr - p_offset of the first executable PT_LOAD segment, so that
 * `symbol address - elf_code_offset` is the file offset a uprobe takes.
 * 0 for NULL.
 */
SYMHELPER_API unsigned long elf_code_offset(void *m);
/* The symbol at or below addr, NULL below the first symbol (or for NULL). */
SYMHELPER_API struct ksym *sym_search(void *m, unsigned long addr);
/* Address of a defined symbol, 0 if absent; globals win over locals of the same name. */
SYMHELPER_API unsigned long sym_addr(void *m, const char *name);

#endif
