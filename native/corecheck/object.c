#include "object.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "btf_check.h"
#include "libbpf_internal.h"

#ifndef EM_BPF
#define EM_BPF 247
#endif

struct loader {
	const char **code;
	char *msg;
	size_t msg_sz;
};

static int fail(struct loader *l, const char *code, const char *fmt, const char *arg)
{
	*l->code = code;
	snprintf(l->msg, l->msg_sz, fmt, arg);
	return -1;
}

static char *read_file(const char *path, size_t *size, struct loader *l)
{
	struct stat st;
	char *buf;
	ssize_t got;
	size_t off = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		fail(l, "BAD_OBJECT", "cannot open the object (%s)", strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > OBJ_MAX_BYTES) {
		close(fd);
		fail(l, "TOO_LARGE", "the object is not a regular file of at most %s", "64 MiB");
		return NULL;
	}
	buf = malloc(st.st_size ? st.st_size : 1);
	while (buf && off < (size_t)st.st_size && (got = read(fd, buf + off, st.st_size - off)) > 0)
		off += got;
	close(fd);
	if (!buf || off != (size_t)st.st_size) {
		free(buf);
		fail(l, "BAD_OBJECT", "cannot read the object%s", "");
		return NULL;
	}
	*size = off;
	return buf;
}

static int add_func(struct object *obj, const char *name, int sec, size_t first, size_t cnt)
{
	struct func *f = realloc(obj->funcs, (obj->func_cnt + 1) * sizeof(*f));

	if (!f)
		return -1;
	obj->funcs = f;
	f = &obj->funcs[obj->func_cnt++];
	f->name = strdup(name);
	f->sec = sec;
	f->first = first;
	f->cnt = cnt;
	return f->name ? 0 : -1;
}

static int sec_by_elf_idx(const struct object *obj, size_t idx)
{
	for (size_t i = 0; i < obj->sec_cnt; i++)
		if (obj->secs[i].elf_idx == idx)
			return (int)i;
	return -1;
}

static int sec_by_name(const struct object *obj, const char *name)
{
	for (size_t i = 0; i < obj->sec_cnt; i++)
		if (strcmp(obj->secs[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Executable sections, and the .BTF/.BTF.ext/.symtab data. */
static int read_sections(Elf *elf, struct object *obj, Elf_Data **btf, Elf_Data **ext, Elf_Scn **symtab,
			 struct loader *l)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return fail(l, "NOT_BPF", "the ELF file has no section names%s", "");
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *name;

		if (!gelf_getshdr(scn, &sh) || !(name = elf_strptr(elf, shstrndx, sh.sh_name)))
			return fail(l, "BAD_OBJECT", "corrupt ELF section header%s", "");
		if (sh.sh_type == SHT_SYMTAB) {
			*symtab = scn;
		} else if (strcmp(name, ".BTF") == 0 || strcmp(name, ".BTF.ext") == 0) {
			Elf_Data *d = elf_getdata(scn, NULL);

			if (!d || !d->d_buf || sh.sh_type == SHT_NOBITS)
				return fail(l, "BAD_OBJECT", "section %s cannot be read", name);
			*(name[4] ? ext : btf) = d;
		} else if (sh.sh_type == SHT_PROGBITS && (sh.sh_flags & SHF_EXECINSTR) && sh.sh_size > 0) {
			Elf_Data *d = elf_getdata(scn, NULL);
			struct code_sec *s;

			if (!d || !d->d_buf || d->d_size % sizeof(struct bpf_insn))
				return fail(l, "BAD_OBJECT", "code section %s cannot be read", name);
			s = realloc(obj->secs, (obj->sec_cnt + 1) * sizeof(*s));
			if (!s)
				return fail(l, "BAD_OBJECT", "out of memory%s", "");
			obj->secs = s;
			s = &obj->secs[obj->sec_cnt++];
			memset(s, 0, sizeof(*s));
			s->name = strdup(name);
			s->elf_idx = elf_ndxscn(scn);
			s->insn_cnt = d->d_size / sizeof(struct bpf_insn);
			s->insns = malloc(d->d_size);
			if (!s->name || !s->insns)
				return fail(l, "BAD_OBJECT", "out of memory%s", "");
			memcpy(s->insns, d->d_buf, d->d_size);
		}
	}
	return 0;
}

static int read_funcs(Elf *elf, Elf_Scn *symtab, struct object *obj, struct loader *l)
{
	GElf_Shdr sh;
	Elf_Data *d;
	size_t n;

	if (!symtab || !gelf_getshdr(symtab, &sh) || !(d = elf_getdata(symtab, NULL)) || !sh.sh_entsize)
		return fail(l, "BAD_OBJECT", "the object has no symbol table%s", "");
	n = d->d_size / sh.sh_entsize;
	for (size_t i = 0; i < n; i++) {
		GElf_Sym sym;
		const char *name;
		int sec;
		struct code_sec *s;

		if (!gelf_getsym(d, (int)i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC)
			continue;
		sec = sec_by_elf_idx(obj, sym.st_shndx);
		name = elf_strptr(elf, sh.sh_link, sym.st_name);
		if (sec < 0 || !name)
			continue;
		s = &obj->secs[sec];
		if (sym.st_value % 8 || sym.st_size % 8 || sym.st_value / 8 > s->insn_cnt ||
		    sym.st_size / 8 > s->insn_cnt - sym.st_value / 8)
			return fail(l, "BAD_OBJECT", "function %s lies outside its section", name);
		if (add_func(obj, name, sec, sym.st_value / 8, sym.st_size / 8))
			return fail(l, "BAD_OBJECT", "out of memory%s", "");
	}
	return 0;
}

static int func_at(const struct object *obj, int sec, size_t insn)
{
	for (size_t i = 0; i < obj->func_cnt; i++) {
		const struct func *f = &obj->funcs[i];

		if (f->sec == sec && insn >= f->first && insn < f->first + f->cnt)
			return (int)i;
	}
	return -1;
}

/* task_struct::se.vruntime, comm[3], enum pid_type::PIDTYPE_PID, struct task_struct. */
static void format_access(const struct object *obj, const struct bpf_core_spec *spec, char *buf, size_t sz)
{
	const struct btf *btf = obj->btf;
	const struct btf_type *root = btf__type_by_id(btf, spec->root_type_id);
	const char *root_name = btf__name_by_offset(btf, root->name_off);
	size_t len;
	int i;

	if (!root_name || !*root_name)
		root_name = "<anon>";
	switch (spec->relo_kind) {
	case BPF_CORE_TYPE_ID_LOCAL:
	case BPF_CORE_TYPE_ID_TARGET:
	case BPF_CORE_TYPE_EXISTS:
	case BPF_CORE_TYPE_MATCHES:
	case BPF_CORE_TYPE_SIZE:
		snprintf(buf, sz, "%s %s", btf_kind_str(root), root_name);
		return;
	case BPF_CORE_ENUMVAL_EXISTS:
	case BPF_CORE_ENUMVAL_VALUE:
		snprintf(buf, sz, "%s::%s", root_name, spec->spec[0].name ? spec->spec[0].name : "?");
		return;
	default:
		break;
	}
	snprintf(buf, sz, "%s", root_name);
	if (spec->len > 0 && spec->spec[0].idx != 0) {
		len = strlen(buf);
		snprintf(buf + len, sz - len, "[%u]", spec->spec[0].idx);
	}
	for (i = 1; i < spec->len; i++) {
		const struct bpf_core_accessor *a = &spec->spec[i];

		len = strlen(buf);
		if (a->name)
			snprintf(buf + len, sz - len, "%s%s", i == 1 ? "::" : ".", a->name);
		else
			snprintf(buf + len, sz - len, "[%u]", a->idx);
	}
}

static int read_relos(struct object *obj, struct loader *l)
{
	const struct btf_ext_info *seg = &obj->btf_ext->core_relo_info;
	const struct btf_ext_info_sec *sec;
	const struct bpf_core_relo *rec;
	struct bpf_core_spec spec;
	__u32 i;

	if (seg->len == 0)
		return 0;
	if (seg->rec_size < sizeof(struct bpf_core_relo))
		return fail(l, "BAD_OBJECT", "CO-RE records are too short%s", "");
	for_each_btf_ext_sec(seg, sec) {
		const char *sec_name = btf__name_by_offset(obj->btf, sec->sec_name_off);
		int s = sec_name ? sec_by_name(obj, sec_name) : -1;

		if (s < 0)
			return fail(l, "BAD_OBJECT", "CO-RE records name a code section the object lacks%s", "");
		for_each_btf_ext_rec(seg, sec, i, rec) {
			struct relo *r;
			const char *access;

			if (obj->relo_cnt >= OBJ_MAX_RELOS)
				return fail(l, "TOO_LARGE", "the object has more than %s CO-RE relocations", "200000");
			if (rec->insn_off % sizeof(struct bpf_insn) ||
			    rec->insn_off / sizeof(struct bpf_insn) >= obj->secs[s].insn_cnt)
				return fail(l, "BAD_OBJECT", "a CO-RE record points outside section %s", sec_name);
			if (rec->kind > BPF_CORE_TYPE_MATCHES || !btf__type_by_id(obj->btf, rec->type_id))
				return fail(l, "BAD_OBJECT", "a CO-RE record in %s has a bad kind or type id", sec_name);
			access = btf__name_by_offset(obj->btf, rec->access_str_off);
			if (!access || strnlen(access, OBJ_MAX_ACCESS_LEN + 1) > OBJ_MAX_ACCESS_LEN)
				return fail(l, "BAD_OBJECT", "a CO-RE record in %s has a bad access string", sec_name);
			memset(&spec, 0, sizeof(spec));
			if (bpf_core_parse_spec("check", obj->btf, rec, &spec))
				return fail(l, "BAD_OBJECT", "a CO-RE record in %s cannot be parsed", sec_name);
			r = realloc(obj->relos, (obj->relo_cnt + 1) * sizeof(*r));
			if (!r)
				return fail(l, "BAD_OBJECT", "out of memory%s", "");
			obj->relos = r;
			r = &obj->relos[obj->relo_cnt++];
			memset(r, 0, sizeof(*r));
			r->rec = *rec;
			r->sec = s;
			r->insn = rec->insn_off / sizeof(struct bpf_insn);
			/* "?sec" programs are not loaded by default: libbpf skips their relocations */
			r->func = sec_name[0] == '?' ? -1 : func_at(obj, s, r->insn);
			format_access(obj, &spec, r->access, sizeof(r->access));
			bpf_core_format_spec(r->spec, sizeof(r->spec), &spec);
		}
	}
	return 0;
}

int object_load(const char *path, struct object *obj, const char **code, char *msg, size_t msg_sz)
{
	struct loader l = {code, msg, msg_sz};
	Elf_Data *btf = NULL, *ext = NULL;
	Elf_Scn *symtab = NULL;
	GElf_Ehdr eh;
	size_t size;
	char *buf;
	Elf *elf;
	int err = -1;

	memset(obj, 0, sizeof(*obj));
	if (!(buf = read_file(path, &size, &l)))
		return -1;
	elf_version(EV_CURRENT);
	elf = elf_memory(buf, size);
	if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh)) {
		fail(&l, "NOT_BPF", "not an ELF file%s", "");
		goto out;
	}
	if (eh.e_machine != EM_BPF || eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_type != ET_REL) {
		fail(&l, "NOT_BPF", "not a BPF object file (ELF64 relocatable, machine BPF)%s", "");
		goto out;
	}
	if (read_sections(elf, obj, &btf, &ext, &symtab, &l) || read_funcs(elf, symtab, obj, &l))
		goto out;
	if (!btf || !ext) {
		fail(&l, "NO_BTF", "the object has no %s section (compile with clang -g)", btf ? ".BTF.ext" : ".BTF");
		goto out;
	}
	obj->btf = btf__new(btf->d_buf, btf->d_size);
	if (!obj->btf) {
		obj->btf = NULL;
		fail(&l, "BAD_OBJECT", "the object's .BTF is corrupt%s", "");
		goto out;
	}
	if (btf_check_untrusted(obj->btf, msg, msg_sz)) {
		*code = "BAD_OBJECT";
		goto out;
	}
	obj->btf_ext = btf_ext__new(ext->d_buf, ext->d_size);
	if (!obj->btf_ext) {
		fail(&l, "BAD_OBJECT", "the object's .BTF.ext is corrupt%s", "");
		goto out;
	}
	err = read_relos(obj, &l);
out:
	if (elf)
		elf_end(elf);
	free(buf);
	return err;
}

void object_free(struct object *obj)
{
	for (size_t i = 0; i < obj->sec_cnt; i++) {
		free(obj->secs[i].name);
		free(obj->secs[i].insns);
	}
	for (size_t i = 0; i < obj->func_cnt; i++)
		free(obj->funcs[i].name);
	free(obj->secs);
	free(obj->funcs);
	free(obj->relos);
	btf_ext__free(obj->btf_ext);
	btf__free(obj->btf);
}

/* The arch a program was written for, when its BTF shows one: the members of its pt_regs. */
const char *object_arch_hint(const struct object *obj)
{
	__u32 n = btf__type_cnt(obj->btf);

	for (__u32 id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(obj->btf, id);
		const char *name = btf__name_by_offset(obj->btf, t->name_off);

		if (!btf_is_composite(t) || !name)
			continue;
		if (strcmp(name, "user_pt_regs") == 0)
			return "aarch64";
		if (strcmp(name, "pt_regs") != 0)
			continue;
		for (__u16 i = 0; i < btf_vlen(t); i++) {
			const char *m = btf__name_by_offset(obj->btf, btf_members(t)[i].name_off);

			if (m && (strcmp(m, "r15") == 0 || strcmp(m, "di") == 0 || strcmp(m, "ip") == 0))
				return "x86_64";
			if (m && (strcmp(m, "pstate") == 0 || strcmp(m, "orig_x0") == 0))
				return "aarch64";
		}
	}
	return NULL;
}
