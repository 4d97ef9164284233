/* Which poisoned instructions the verifier would reach. */
#ifndef CORECHECK_REACH_H
#define CORECHECK_REACH_H
#include "resolve.h"

/*
 * For each function holding a poisoned relocation: walks its patched code
 * from its entry, with every register unknown there, propagating constants
 * (CO-RE existence and size results are immediates) and following only the
 * branch a known comparison takes, as the verifier prunes dead code. Sets
 * `reachable` on the poisoned results it reaches. Returns 0, -1 on no memory.
 */
int reach_mark(struct resolver *rv);

#endif
