/*
 * corecheck OBJECT < kernel-btf-paths
 *
 * Resolves every CO-RE relocation of a BPF object against each kernel BTF
 * named on standard input (one path per line; raw BTF or an ELF with .BTF)
 * with libbpf's own relocation code, and prints JSON lines: first the
 * object's relocations, then one line per kernel. A bad object prints
 * {"error":{"code","message"}} and exits 2.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "libbpf_internal.h"
#include "object.h"
#include "resolve.h"

static const char *kind_name(enum bpf_core_relo_kind k)
{
	static const char *names[] = {
		"field_byte_offset", "field_byte_size", "field_exists", "field_signed", "field_lshift_u64",
		"field_rshift_u64", "type_id_local", "type_id_target", "type_exists", "type_size",
		"enumval_exists", "enumval_value", "type_matches",
	};

	return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "unknown";
}

static void print_object(const struct object *obj)
{
	printf("{\"arch\":");
	json_str(stdout, object_arch_hint(obj));
	printf(",\"funcs\":[");
	for (size_t i = 0; i < obj->func_cnt; i++) {
		printf(i ? ",{\"name\":" : "{\"name\":");
		json_str(stdout, obj->funcs[i].name);
		printf(",\"section\":");
		json_str(stdout, obj->secs[obj->funcs[i].sec].name);
		printf("}");
	}
	printf("],\"relos\":[");
	for (size_t i = 0; i < obj->relo_cnt; i++) {
		const struct relo *r = &obj->relos[i];
		const struct btf_type *t = btf__type_by_id(obj->btf, r->rec.type_id);

		printf(i ? ",{\"section\":" : "{\"section\":");
		json_str(stdout, obj->secs[r->sec].name);
		printf(",\"func\":%d,\"insn\":%zu,\"kind\":\"%s\",\"type\":", r->func, r->insn, kind_name(r->rec.kind));
		json_str(stdout, btf__name_by_offset(obj->btf, t->name_off));
		printf(",\"access\":");
		json_str(stdout, r->access);
		printf(",\"spec\":");
		json_str(stdout, r->spec);
		printf("}");
	}
	printf("]}\n");
}

static void print_kernel(const struct resolver *rv, size_t k)
{
	bool loads = true;

	for (size_t i = 0; i < rv->obj->relo_cnt; i++)
		if (rv->res[i].fatal || rv->res[i].reachable)
			loads = false;
	printf("{\"kernel\":%zu,\"loads\":%s,\"relos\":[", k, loads ? "true" : "false");
	for (size_t i = 0; i < rv->obj->relo_cnt; i++) {
		const struct relo_result *r = &rv->res[i];

		printf("%s[\"%s\",", i ? "," : "", relo_status_name(r->status));
		if (r->status == RELO_OK)
			printf("%llu", r->value);
		else
			printf("null");
		printf(",%d,%d,", r->fatal, r->reachable);
		json_str(stdout, r->msg[0] ? r->msg : NULL);
		printf("]");
	}
	printf("]}\n");
}

int main(int argc, char **argv)
{
	struct object obj;
	struct resolver rv = {0};
	const char *code = "BAD_OBJECT";
	char msg[256] = "", line[4096];
	size_t k = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: corecheck OBJECT < kernel-btf-paths\n");
		return 64;
	}
	/* each kernel BTF is a few MiB allocated and freed in turn: keep it in the heap, not fresh mmaps */
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	libbpf_set_strict_mode(LIBBPF_STRICT_ALL);
	if (object_load(argv[1], &obj, &code, msg, sizeof(msg))) {
		printf("{\"error\":{\"code\":\"%s\",\"message\":", code);
		json_str(stdout, msg);
		printf("}}\n");
		object_free(&obj);
		return 2;
	}
	if (resolver_init(&rv, &obj)) {
		fprintf(stderr, "corecheck: out of memory\n");
		return 1;
	}
	print_object(&obj);
	while (fgets(line, sizeof(line), stdin)) {
		struct btf *kbtf;

		line[strcspn(line, "\n")] = 0;
		kbtf = btf__parse(line, NULL);
		if (!kbtf) {
			printf("{\"kernel\":%zu,\"error\":\"the kernel BTF cannot be read\"}\n", k++);
		} else if (resolver_run(&rv, kbtf)) {
			fprintf(stderr, "corecheck: out of memory\n");
			return 1;
		} else {
			print_kernel(&rv, k++);
			btf__free(kbtf);
		}
		fflush(stdout);
	}
	resolver_free(&rv);
	object_free(&obj);
	return 0;
}
