/* Multi-dimensional array members of structs and unions, for `dwfuncs -a`.
 *
 * pahole flattens `u64 stats[2][3]` into 6 x u64 when it encodes BTF, so the
 * dimensions of such members are only known from DWARF. One line each:
 *   A <TAB> anchor <TAB> offset <TAB> path <TAB> dim1 <TAB> dim2 [...]
 * anchor: the nearest named struct/union around the member, as rows name it
 *   ("struct task_struct", "union u"), or the typedef name of a typedef'd
 *   anonymous one;
 * path: the member's name, prefixed "m." for each named member of anonymous
 *   struct/union type passed on the way from the anchor (anonymous members add
 *   nothing), as a flattened row name spells it;
 * offset: its byte offset from the start of the anchor;
 * dims: element counts, outermost first, empty when unknown (flexible).
 * Only members whose declared type is (a qualified) array with two or more
 * dimensions are listed; each anchor name once, from its first definition. */
#ifndef DWFUNCS_ARRAYDIMS_H
#define DWFUNCS_ARRAYDIMS_H

#include <elfutils/libdw.h>

/* Looks at one top-level DIE of a compile unit: struct, union and typedef
   definitions not seen before are walked, anything else is skipped cheaply. */
void arraydims_visit(Dwarf_Die *die);

/* Number of A lines written so far. */
unsigned long arraydims_emitted(void);

void arraydims_free(void);

#endif
