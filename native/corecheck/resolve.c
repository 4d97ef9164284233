#include "resolve.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libbpf_internal.h"
#include "reach.h"

/* libbpf's poison: a call to this helper id (relo_core.c). */
#define POISON_HELPER 0xbad2310

/* The last libbpf warning, to classify a failure and show its text. */
static char last_warning[160];

static int capture_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_WARN)
		vsnprintf(last_warning, sizeof(last_warning), fmt, args);
	if (strncmp(last_warning, "libbpf: ", 8) == 0)
		memmove(last_warning, last_warning + 8, strlen(last_warning + 8) + 1);
	return 0;
}

const char *relo_status_name(enum relo_status s)
{
	static const char *names[] = {"ok", "missing_type", "missing_field", "incompatible", "ambiguous", "skipped"};

	return names[s];
}

int resolver_init(struct resolver *rv, const struct object *obj)
{
	rv->obj = obj;
	rv->code = calloc(obj->sec_cnt ? obj->sec_cnt : 1, sizeof(*rv->code));
	rv->res = calloc(obj->relo_cnt ? obj->relo_cnt : 1, sizeof(*rv->res));
	if (!rv->code || !rv->res)
		return -1;
	for (size_t i = 0; i < obj->sec_cnt; i++)
		if (!(rv->code[i] = malloc(obj->secs[i].insn_cnt * sizeof(struct bpf_insn))))
			return -1;
	libbpf_set_print(capture_print);
	return 0;
}

void resolver_free(struct resolver *rv)
{
	if (rv->code)
		for (size_t i = 0; i < rv->obj->sec_cnt; i++)
			free(rv->code[i]);
	free(rv->code);
	free(rv->res);
}

/* Candidate lists by local type id, narrowed in place as libbpf's cand_cache is. */
struct cand_cache {
	__u32 *ids;
	struct bpf_core_cand_list **lists;
	size_t cnt;
};

static void cand_cache_free(struct cand_cache *c)
{
	for (size_t i = 0; i < c->cnt; i++)
		bpf_core_free_cands(c->lists[i]);
	free(c->ids);
	free(c->lists);
}

/* libbpf's bpf_core_find_cands for a vmlinux BTF override (module BTFs are not searched). */
static struct bpf_core_cand_list *find_cands(struct cand_cache *c, const struct btf *local, __u32 id,
					     const struct btf *kbtf)
{
	struct bpf_core_cand local_cand = {local, id};
	struct bpf_core_cand_list *list;
	const char *name;
	void *p;

	for (size_t i = 0; i < c->cnt; i++)
		if (c->ids[i] == id)
			return c->lists[i];
	name = btf__name_by_offset(local, btf__type_by_id(local, id)->name_off);
	list = calloc(1, sizeof(*list));
	if (!list)
		return NULL;
	if (name && *name &&
	    bpf_core_add_cands(&local_cand, bpf_core_essential_name_len(name), kbtf, "vmlinux", 1, list)) {
		bpf_core_free_cands(list);
		return NULL;
	}
	if (!(p = realloc(c->ids, (c->cnt + 1) * sizeof(*c->ids))))
		goto oom;
	c->ids = p;
	if (!(p = realloc(c->lists, (c->cnt + 1) * sizeof(*c->lists))))
		goto oom;
	c->lists = p;
	c->ids[c->cnt] = id;
	c->lists[c->cnt++] = list;
	return list;
oom:
	bpf_core_free_cands(list);
	return NULL;
}

static bool is_field_based(enum bpf_core_relo_kind k)
{
	return k <= BPF_CORE_FIELD_RSHIFT_U64;
}

static bool is_poison(const struct bpf_insn *insn)
{
	return insn->code == (BPF_JMP | BPF_CALL) && insn->src_reg == 0 && insn->imm == POISON_HELPER;
}

static int resolve_one(struct resolver *rv, const struct relo *r, int idx, struct cand_cache *cache,
		       const struct btf *kbtf)
{
	const struct object *obj = rv->obj;
	struct relo_result *out = &rv->res[idx];
	struct bpf_core_spec scratch[3];
	struct bpf_core_cand_list *cands = NULL, none = {NULL, 0};
	struct bpf_core_relo_res res;
	const struct func *f;
	struct bpf_insn *insn;
	int had, err;

	memset(out, 0, sizeof(*out));
	if (r->func < 0) {
		out->status = RELO_SKIPPED;
		return 0;
	}
	f = &obj->funcs[r->func];
	if (r->rec.kind != BPF_CORE_TYPE_ID_LOCAL && !(cands = find_cands(cache, obj->btf, r->rec.type_id, kbtf)))
		return -1;
	had = cands ? cands->len : 0;
	last_warning[0] = 0;
	memset(scratch, 0, sizeof(scratch));
	memset(&res, 0, sizeof(res));
	err = bpf_core_calc_relo_insn(f->name, &r->rec, idx, obj->btf, cands ? cands : &none, scratch, &res);
	if (err == -ENOMEM)
		return -1;
	insn = &rv->code[r->sec][r->insn];
	if (!err) {
		/* an ldimm64 needs its second half inside the same function */
		if (insn->code == (BPF_LD | BPF_IMM | BPF_DW) && r->insn + 1 >= f->first + f->cnt) {
			snprintf(last_warning, sizeof(last_warning), "ldimm64 at the end of its function");
			err = -EINVAL;
		} else {
			err = bpf_core_patch_insn(f->name, insn, (int)(r->insn - f->first), &r->rec, idx, &res);
		}
	}
	if (err) {
		out->fatal = true;
		out->status = strstr(last_warning, "ambiguity") ? RELO_AMBIGUOUS : RELO_INCOMPATIBLE;
		snprintf(out->msg, sizeof(out->msg), "%s", last_warning);
		out->msg[strcspn(out->msg, "\n")] = 0;
		return 0;
	}
	if (is_poison(insn)) {
		out->poisoned = true;
		out->status = had == 0 ? RELO_MISSING_TYPE
			      : res.poison && is_field_based(r->rec.kind) ? RELO_MISSING_FIELD
			      : RELO_INCOMPATIBLE;
		return 0;
	}
	out->status = RELO_OK;
	out->value = res.new_val;
	return 0;
}

int resolver_run(struct resolver *rv, const struct btf *kbtf)
{
	const struct object *obj = rv->obj;
	struct cand_cache cache = {0};
	int err = 0;

	for (size_t i = 0; i < obj->sec_cnt; i++)
		memcpy(rv->code[i], obj->secs[i].insns, obj->secs[i].insn_cnt * sizeof(struct bpf_insn));
	for (size_t i = 0; i < obj->relo_cnt && !err; i++)
		err = resolve_one(rv, &obj->relos[i], (int)i, &cache, kbtf);
	cand_cache_free(&cache);
	if (err)
		return -1;
	return reach_mark(rv);
}
