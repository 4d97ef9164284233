/* A BPF ELF object as the relocation check needs it: code, programs, BTF and CO-RE records. */
#ifndef CORECHECK_OBJECT_H
#define CORECHECK_OBJECT_H
#include <stddef.h>
#include <linux/bpf.h>
#include <bpf/btf.h>

struct code_sec {
	char *name;
	size_t elf_idx;
	struct bpf_insn *insns; /* as compiled */
	size_t insn_cnt;
};

/* One FUNC symbol in an executable section: a program or a subprogram. */
struct func {
	char *name;
	int sec;          /* index into obj->secs */
	size_t first;     /* first instruction */
	size_t cnt;
};

struct relo {
	struct bpf_core_relo rec;
	int sec;          /* index into obj->secs */
	int func;         /* index into obj->funcs, -1: no function holds the instruction */
	size_t insn;      /* index in its section */
	char access[512]; /* source-level access, e.g. task_struct::se.vruntime */
	char spec[256];   /* libbpf's own spec text */
};

struct object {
	struct code_sec *secs;
	size_t sec_cnt;
	struct func *funcs;
	size_t func_cnt;
	struct relo *relos;
	size_t relo_cnt;
	struct btf *btf;
	struct btf_ext *btf_ext;
};

#define OBJ_MAX_BYTES (64u << 20)
#define OBJ_MAX_RELOS 200000u
#define OBJ_MAX_ACCESS_LEN 1024u

/*
 * Reads and validates an untrusted object. On failure returns -1 with a
 * code (NOT_BPF, NO_BTF, NO_CORE, BAD_OBJECT) and a message.
 */
int object_load(const char *path, struct object *obj, const char **code, char *msg, size_t msg_sz);
void object_free(struct object *obj);
/* "x86_64" or "aarch64" when the object's pt_regs tells, else NULL. */
const char *object_arch_hint(const struct object *obj);

#endif
