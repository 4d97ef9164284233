/* dwfuncs: list the functions with out-of-line code in an ELF's DWARF.
 *
 * Usage: dwfuncs [-a] FILE
 * One line per function whose declaring file does not end in ".h":
 *   F <TAB> name <TAB> ret <TAB> external(0|1) <TAB> line <TAB> file <TAB> arg1 [<TAB> arg2 ...]
 * Fields are escaped: backslash, tab, newline and other control bytes become
 * \\, \t, \n, \xHH. An empty argument list is written as the single arg "void".
 * The last line is "E <TAB> <number of F lines>" so a reader can tell a
 * complete listing from a cut one.
 * With -a, "A" lines (see arraydims.h) list the multi-dimensional array members
 * of structs and unions too, and the last line is
 * "E <TAB> <number of F lines> <TAB> <number of A lines>".
 *
 * Only the top-level DIEs of each compile unit are visited (C has no nested
 * functions worth listing), which keeps a 600 MB vmlinux to seconds.
 * Relocatable objects (.ko) go through libdwfl, which applies their
 * .rela.debug_* sections; no separate debuginfo is ever looked up. */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arraydims.h"
#include "output.h"
#include "paths.h"
#include "typename.h"

enum {
  EXIT_USAGE = 2,
  EXIT_OPEN = 3,    /* cannot open or read the input */
  EXIT_NOT_ELF = 4, /* not an ELF file, or a broken one */
  EXIT_NO_DWARF = 5,
  EXIT_BAD_DWARF = 6,
  EXIT_OUTPUT = 7, /* write error or out of memory */
};

#define MAX_CHAIN 8 /* abstract_origin / specification hops */

static void die_with(int code, const char *msg, const char *detail) {
  fflush(stdout);
  fprintf(stderr, "dwfuncs: %s%s%s\n", msg, detail ? ": " : "", detail ? detail : "");
  exit(code);
}

void dwfuncs_oom(void) { die_with(EXIT_OUTPUT, "out of memory", NULL); }
void dwfuncs_bad_dwarf(const char *why) { die_with(EXIT_BAD_DWARF, "broken DWARF", why); }

/* ---- one function ------------------------------------------------------- */

static int has_code(Dwarf_Die *die) {
  return dwarf_hasattr(die, DW_AT_low_pc) || dwarf_hasattr(die, DW_AT_ranges);
}

static int is_external(Dwarf_Die *die) {
  Dwarf_Attribute a;
  bool flag = false;
  if (dwarf_attr_integrate(die, DW_AT_external, &a)) dwarf_formflag(&a, &flag);
  return flag;
}

static int has_params(Dwarf_Die *die) {
  Dwarf_Die c;
  if (dwarf_child(die, &c) != 0) return 0;
  do {
    int tag = dwarf_tag(&c);
    if (tag == DW_TAG_formal_parameter || tag == DW_TAG_unspecified_parameters) return 1;
  } while (dwarf_siblingof(&c, &c) == 0);
  return 0;
}

/* The DIE whose children list the parameters: the most abstract one in the
   origin/specification chain that has any (a concrete clone such as
   foo.isra.0 may have dropped some), else DIE itself. */
static Dwarf_Die *param_owner(Dwarf_Die *die, Dwarf_Die chain[MAX_CHAIN + 1]) {
  int n = 0;
  chain[0] = *die;
  while (n < MAX_CHAIN) {
    Dwarf_Attribute a;
    Dwarf_Die *cur = &chain[n];
    if (!dwarf_attr(cur, DW_AT_abstract_origin, &a) && !dwarf_attr(cur, DW_AT_specification, &a)) break;
    if (!dwarf_formref_die(&a, &chain[n + 1])) break;
    n++;
  }
  for (int i = n; i > 0; i--)
    if (has_params(&chain[i])) return &chain[i];
  return &chain[0];
}

static void put_params(Dwarf_Die *owner) {
  Dwarf_Die c;
  int n = 0;
  if (dwarf_child(owner, &c) == 0) {
    do {
      int tag = dwarf_tag(&c);
      if (tag == DW_TAG_formal_parameter) {
        put_field(typename_of_attr(&c));
        n++;
      } else if (tag == DW_TAG_unspecified_parameters) {
        put_field("...");
        n++;
      }
    } while (dwarf_siblingof(&c, &c) == 0);
  }
  if (n == 0) put_field("void");
}

typedef struct {
  const char *comp_dir;
  const char *name; /* the CU's primary source file */
} cu_info;

static unsigned long emitted;
static bool list_arrays; /* -a */

static void visit_function(Dwarf_Die *die, const cu_info *cu) {
  if (!has_code(die)) return;
  const char *name = dwarf_diename(die);
  if (!name || !*name) return;

  const char *decl = dwarf_decl_file(die);
  char *file = source_path(decl ? decl : cu->name, cu->comp_dir);
  if (!file) dwfuncs_oom();
  size_t flen = strlen(file);
  if (flen >= 2 && strcmp(file + flen - 2, ".h") == 0) {
    free(file);
    return;
  }
  int line = 0;
  if (dwarf_decl_line(die, &line) != 0) line = 0;

  char buf[32];
  fputs("F", stdout);
  put_field(name);
  put_field(typename_of_attr(die));
  put_field(is_external(die) ? "1" : "0");
  snprintf(buf, sizeof buf, "%d", line);
  put_field(buf);
  put_field(file);
  Dwarf_Die chain[MAX_CHAIN + 1];
  put_params(param_owner(die, chain));
  putchar('\n');
  free(file);
  emitted++;
}

/* ---- walking the units -------------------------------------------------- */

static void walk_unit(Dwarf_Die *cudie) {
  cu_info cu = {NULL, NULL};
  Dwarf_Attribute a;
  if (dwarf_attr(cudie, DW_AT_comp_dir, &a)) cu.comp_dir = dwarf_formstring(&a);
  cu.name = dwarf_diename(cudie);
  if (!cu.name) cu.name = "";

  typename_reset();
  Dwarf_Die child;
  int rc = dwarf_child(cudie, &child);
  if (rc < 0) die_with(EXIT_BAD_DWARF, "broken DWARF", dwarf_errmsg(-1));
  if (rc > 0) return;
  do {
    if (dwarf_tag(&child) == DW_TAG_subprogram) visit_function(&child, &cu);
    else if (list_arrays) arraydims_visit(&child);
    rc = dwarf_siblingof(&child, &child);
  } while (rc == 0);
  if (rc < 0) die_with(EXIT_BAD_DWARF, "broken DWARF", dwarf_errmsg(-1));
}

static void walk_all(Dwarf *dw) {
  Dwarf_CU *cu = NULL;
  Dwarf_Half version;
  uint8_t unit_type;
  Dwarf_Die cudie;
  int rc;
  while ((rc = dwarf_get_units(dw, cu, &cu, &version, &unit_type, &cudie, NULL)) == 0) {
    if (unit_type == DW_UT_compile || unit_type == DW_UT_partial) walk_unit(&cudie);
  }
  if (rc < 0) die_with(EXIT_BAD_DWARF, "broken DWARF", dwarf_errmsg(-1));
}

/* ---- opening the file --------------------------------------------------- */

static int no_file(Dwfl_Module *m, void **u, const char *n, Dwarf_Addr b, char **f, Elf **e) {
  (void)m, (void)u, (void)n, (void)b, (void)f, (void)e;
  return -1;
}

static int no_debuginfo(Dwfl_Module *m, void **u, const char *n, Dwarf_Addr b, const char *f,
                        const char *l, GElf_Word c, char **d) {
  (void)m, (void)u, (void)n, (void)b, (void)f, (void)l, (void)c, (void)d;
  return -1; /* never go looking for other files: use the input's own DWARF or none */
}

/* Fails early, with a plain message, on anything libelf cannot take as ELF. */
static void check_elf(int fd) {
  unsigned char magic[4];
  ssize_t n = pread(fd, magic, sizeof magic, 0);
  if (n < 0) die_with(EXIT_OPEN, "cannot read input", strerror(errno));
  if (n < 4 || memcmp(magic, ELFMAG, SELFMAG) != 0) die_with(EXIT_NOT_ELF, "not an ELF file", NULL);
  Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
  GElf_Ehdr eh;
  size_t shnum;
  if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh) || elf_getshdrnum(elf, &shnum) != 0)
    die_with(EXIT_NOT_ELF, "invalid ELF file", elf_errmsg(-1));
  /* libelf reads section contents lazily: make sure none runs past the end */
  for (Elf_Scn *scn = NULL; (scn = elf_nextscn(elf, scn)) != NULL;) {
    GElf_Shdr sh;
    if (!gelf_getshdr(scn, &sh)) die_with(EXIT_NOT_ELF, "invalid ELF section header", elf_errmsg(-1));
  }
  off_t size = lseek(fd, 0, SEEK_END);
  if (size < 0) die_with(EXIT_OPEN, "cannot read input", strerror(errno));
  if (eh.e_shoff > (GElf_Off)size || (GElf_Off)eh.e_shnum * eh.e_shentsize > (GElf_Off)size - eh.e_shoff)
    die_with(EXIT_NOT_ELF, "truncated ELF file", NULL);
  for (Elf_Scn *scn = NULL; (scn = elf_nextscn(elf, scn)) != NULL;) {
    GElf_Shdr sh;
    gelf_getshdr(scn, &sh);
    if (sh.sh_type != SHT_NOBITS && (sh.sh_offset > (GElf_Off)size || sh.sh_size > (GElf_Off)size - sh.sh_offset))
      die_with(EXIT_NOT_ELF, "truncated ELF file", NULL);
  }
  elf_end(elf);
}

int main(int argc, char **argv) {
  list_arrays = argc == 3 && strcmp(argv[1], "-a") == 0;
  if (argc != 2 && !list_arrays) {
    fprintf(stderr, "usage: dwfuncs [-a] FILE\n");
    return EXIT_USAGE;
  }
  const char *input = argv[argc - 1];
  static char outbuf[1 << 20];
  setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);

  int fd = open(input, O_RDONLY | O_CLOEXEC);
  if (fd < 0) die_with(EXIT_OPEN, "cannot open input", strerror(errno));
  elf_version(EV_CURRENT);
  check_elf(fd);

  static const Dwfl_Callbacks callbacks = {
      .find_elf = no_file,
      .find_debuginfo = no_debuginfo,
      .section_address = dwfl_offline_section_address,
  };
  Dwfl *dwfl = dwfl_begin(&callbacks);
  if (!dwfl) die_with(EXIT_OUTPUT, "cannot start libdwfl", dwfl_errmsg(-1));
  dwfl_report_begin(dwfl);
  /* libdwfl owns and closes the descriptor it is given */
  Dwfl_Module *mod = dwfl_report_offline(dwfl, "input", "input", fd);
  if (!mod) die_with(EXIT_NOT_ELF, "cannot load ELF file", dwfl_errmsg(-1));
  dwfl_report_end(dwfl, NULL, NULL);

  Dwarf_Addr bias;
  Dwarf *dw = dwfl_module_getdwarf(mod, &bias);
  if (!dw) die_with(EXIT_NO_DWARF, "no DWARF debug info", dwfl_errmsg(-1));

  walk_all(dw);
  if (list_arrays)
    printf("E\t%lu\t%lu\n", emitted, arraydims_emitted());
  else
    printf("E\t%lu\n", emitted);
  typename_free();
  arraydims_free();
  dwfl_end(dwfl);
  if (fflush(stdout) != 0 || ferror(stdout)) die_with(EXIT_OUTPUT, "cannot write output", strerror(errno));
  return 0;
}
