#include "btf_check.h"

#include <stdio.h>
#include <stdlib.h>

static int ref_ok(const struct btf *btf, __u32 id)
{
	return id < btf__type_cnt(btf);
}

/* The one type a modifier-like kind refers to, or 0 when t is not one. */
static __u32 chain_next(const struct btf_type *t)
{
	switch (btf_kind(t)) {
	case BTF_KIND_PTR:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		return t->type;
	case BTF_KIND_ARRAY:
		return btf_array(t)->type;
	default:
		return 0;
	}
}

static int check_refs(const struct btf *btf, __u32 id, const struct btf_type *t)
{
	__u16 vlen = btf_vlen(t);
	int i;

	switch (btf_kind(t)) {
	case BTF_KIND_PTR:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
	case BTF_KIND_FUNC:
	case BTF_KIND_VAR:
	case BTF_KIND_DECL_TAG:
		return ref_ok(btf, t->type) && t->type != id;
	case BTF_KIND_ARRAY:
		return ref_ok(btf, btf_array(t)->type) && ref_ok(btf, btf_array(t)->index_type);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		for (i = 0; i < vlen; i++)
			if (!ref_ok(btf, btf_members(t)[i].type))
				return 0;
		return 1;
	case BTF_KIND_FUNC_PROTO:
		if (!ref_ok(btf, t->type))
			return 0;
		for (i = 0; i < vlen; i++)
			if (!ref_ok(btf, btf_params(t)[i].type))
				return 0;
		return 1;
	case BTF_KIND_DATASEC:
		for (i = 0; i < vlen; i++)
			if (!ref_ok(btf, btf_var_secinfos(t)[i].type))
				return 0;
		return 1;
	default:
		return 1;
	}
}

int btf_check_untrusted(const struct btf *btf, char *msg, size_t msg_sz)
{
	__u32 n = btf__type_cnt(btf), id, cur;
	/* 0: unvisited, 1: on the current chain, 2: known to end */
	unsigned char *state = calloc(n, 1);
	int ret = 0;

	if (!state) {
		snprintf(msg, msg_sz, "out of memory");
		return -1;
	}
	for (id = 1; id < n && ret == 0; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);

		if (!check_refs(btf, id, t)) {
			snprintf(msg, msg_sz, "BTF type [%u] refers to a type that does not exist", id);
			ret = -1;
		}
	}
	for (id = 1; id < n && ret == 0; id++) {
		for (cur = id; cur && state[cur] == 0; cur = chain_next(btf__type_by_id(btf, cur)))
			state[cur] = 1;
		if (cur && state[cur] == 1) {
			snprintf(msg, msg_sz, "BTF type [%u] is part of a reference loop", cur);
			ret = -1;
		}
		for (cur = id; cur && state[cur] == 1; cur = chain_next(btf__type_by_id(btf, cur)))
			state[cur] = 2;
	}
	free(state);
	return ret;
}
