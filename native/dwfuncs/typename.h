/* Type strings as gdb prints them, cached per compilation unit. */
#ifndef DWFUNCS_TYPENAME_H
#define DWFUNCS_TYPENAME_H

#include <elfutils/libdw.h>

/* Forgets every cached name: call when moving to the next CU. */
void typename_reset(void);

/* The C spelling of the type DIE TYPE (NULL means void), e.g.
   "const struct open_flags *" or "int (*)(struct task_struct *, int)".
   The string lives until the next typename_reset. Never NULL. */
const char *typename_of(Dwarf_Die *type);

/* Type of DIE's DW_AT_type (following abstract origins); void when absent. */
const char *typename_of_attr(Dwarf_Die *die);

void typename_free(void);

#endif
