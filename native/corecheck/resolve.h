/* Resolves every CO-RE relocation of an object against one kernel BTF, as libbpf's load would. */
#ifndef CORECHECK_RESOLVE_H
#define CORECHECK_RESOLVE_H
#include <stdbool.h>
#include "object.h"

enum relo_status {
	RELO_OK,
	RELO_MISSING_TYPE,  /* no candidate type of that name: instruction poisoned */
	RELO_MISSING_FIELD, /* candidates exist, none has the accessed field: poisoned */
	RELO_INCOMPATIBLE,  /* a candidate does not fit the access: poisoned, or a load error */
	RELO_AMBIGUOUS,     /* candidates disagree: a load error */
	RELO_SKIPPED,       /* libbpf does not apply it (no program, or a "?" section) */
};

struct relo_result {
	enum relo_status status;
	bool fatal;       /* libbpf fails the load at relocation time */
	bool poisoned;    /* the instruction was replaced by an invalid call */
	bool reachable;   /* a poisoned instruction the verifier would reach */
	unsigned long long value;
	char msg[160];    /* libbpf's warning for fatal results */
};

/* Per-kernel working memory: patched code and results, reused across kernels. */
struct resolver {
	const struct object *obj;
	struct bpf_insn **code; /* per section, patched copy */
	struct relo_result *res;
};

int resolver_init(struct resolver *rv, const struct object *obj);
void resolver_free(struct resolver *rv);
/* Fills rv->res for kernel BTF kbtf; returns 0, or -1 when memory runs out. */
int resolver_run(struct resolver *rv, const struct btf *kbtf);
const char *relo_status_name(enum relo_status s);

#endif
