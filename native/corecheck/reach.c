#include "reach.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NREGS 10 /* r0..r9; r10 is the frame pointer */

struct regs {
	uint16_t known; /* bit i: r<i> holds vals[i] */
	uint16_t seen;  /* the instruction was reached */
	uint64_t vals[NREGS];
};

struct walk {
	const struct bpf_insn *code; /* the function's first instruction */
	size_t cnt;
	struct regs *state;          /* state on entry to each instruction */
	size_t *queue;
	bool *queued;
	size_t qlen;
};

static void push(struct walk *w, size_t at, const struct regs *in)
{
	struct regs *s;
	bool changed;

	if (at >= w->cnt)
		return;
	s = &w->state[at];
	if (!s->seen) {
		*s = *in;
		s->seen = 1;
		changed = true;
	} else {
		uint16_t known = s->known & in->known;

		for (int r = 0; r < NREGS; r++)
			if ((known & (1u << r)) && s->vals[r] != in->vals[r])
				known &= ~(1u << r);
		changed = known != s->known;
		s->known = known;
	}
	if (changed && !w->queued[at]) {
		w->queued[at] = true;
		w->queue[w->qlen++] = at;
	}
}

static void set(struct regs *s, int r, bool known, uint64_t v)
{
	if (r >= NREGS)
		return;
	if (known) {
		s->known |= 1u << r;
		s->vals[r] = v;
	} else {
		s->known &= ~(1u << r);
	}
}

static bool get(const struct regs *s, int r, uint64_t *v)
{
	if (r >= NREGS || !(s->known & (1u << r)))
		return false;
	*v = s->vals[r];
	return true;
}

static void alu(struct regs *s, const struct bpf_insn *in)
{
	bool is64 = BPF_CLASS(in->code) == BPF_ALU64;
	uint64_t a = 0, b = 0, v;
	bool ka = get(s, in->dst_reg, &a);
	bool kb = BPF_SRC(in->code) == BPF_K ? (b = (uint64_t)(int64_t)in->imm, true) : get(s, in->src_reg, &b);
	bool known = kb && (BPF_OP(in->code) == BPF_MOV || ka) && in->off == 0;

	switch (BPF_OP(in->code)) {
	case BPF_MOV: v = b; break;
	case BPF_ADD: v = a + b; break;
	case BPF_SUB: v = a - b; break;
	case BPF_MUL: v = a * b; break;
	case BPF_AND: v = a & b; break;
	case BPF_OR: v = a | b; break;
	case BPF_XOR: v = a ^ b; break;
	case BPF_LSH: v = a << (b & (is64 ? 63 : 31)); break;
	case BPF_RSH: v = is64 ? a >> (b & 63) : (uint32_t)a >> (b & 31); break;
	default: known = false; v = 0; break;
	}
	set(s, in->dst_reg, known, is64 ? v : (uint32_t)v);
}

/* 1: taken, 0: not taken, -1: unknown. */
static int branch(const struct regs *s, const struct bpf_insn *in)
{
	bool is32 = BPF_CLASS(in->code) == BPF_JMP32;
	uint64_t a, b;

	if (!get(s, in->dst_reg, &a))
		return -1;
	if (BPF_SRC(in->code) == BPF_K)
		b = (uint64_t)(int64_t)in->imm;
	else if (!get(s, in->src_reg, &b))
		return -1;
	if (is32) {
		a = (uint32_t)a;
		b = (uint32_t)b;
	}
	int64_t sa = is32 ? (int32_t)a : (int64_t)a, sb = is32 ? (int32_t)b : (int64_t)b;

	switch (BPF_OP(in->code)) {
	case BPF_JEQ: return a == b;
	case BPF_JNE: return a != b;
	case BPF_JGT: return a > b;
	case BPF_JGE: return a >= b;
	case BPF_JLT: return a < b;
	case BPF_JLE: return a <= b;
	case BPF_JSET: return (a & b) != 0;
	case BPF_JSGT: return sa > sb;
	case BPF_JSGE: return sa >= sb;
	case BPF_JSLT: return sa < sb;
	case BPF_JSLE: return sa <= sb;
	default: return -1;
	}
}

static void step(struct walk *w, size_t at)
{
	const struct bpf_insn *in = &w->code[at];
	struct regs s = w->state[at];
	uint8_t cls = BPF_CLASS(in->code);
	int taken;

	switch (cls) {
	case BPF_ALU:
	case BPF_ALU64:
		alu(&s, in);
		push(w, at + 1, &s);
		return;
	case BPF_LD:
		if (in->code == (BPF_LD | BPF_IMM | BPF_DW) && at + 1 < w->cnt) {
			uint64_t v = (uint32_t)in->imm | ((uint64_t)(uint32_t)in[1].imm << 32);

			set(&s, in->dst_reg, in->src_reg == 0, v);
			push(w, at + 2, &s);
			return;
		}
		set(&s, 0, false, 0); /* legacy packet loads write r0 */
		push(w, at + 1, &s);
		return;
	case BPF_LDX:
		set(&s, in->dst_reg, false, 0);
		push(w, at + 1, &s);
		return;
	case BPF_STX:
		if (BPF_MODE(in->code) == BPF_ATOMIC) {
			set(&s, in->src_reg, false, 0);
			set(&s, 0, false, 0);
		}
		push(w, at + 1, &s);
		return;
	case BPF_ST:
		push(w, at + 1, &s);
		return;
	default: /* BPF_JMP, BPF_JMP32 */
		break;
	}
	switch (BPF_OP(in->code)) {
	case BPF_EXIT:
		return;
	case BPF_CALL:
		for (int r = 0; r <= 5; r++)
			set(&s, r, false, 0);
		push(w, at + 1, &s);
		return;
	case BPF_JA:
		push(w, at + 1 + (cls == BPF_JMP32 ? in->imm : in->off), &s);
		return;
	default:
		taken = branch(&s, in);
		if (taken != 0)
			push(w, at + 1 + in->off, &s);
		if (taken != 1)
			push(w, at + 1, &s);
	}
}

static int walk_func(struct resolver *rv, const struct func *f, int fidx)
{
	struct walk w = {rv->code[f->sec] + f->first, f->cnt, NULL, NULL, NULL, 0};
	struct regs entry = {0};
	int err = -1;

	if (f->cnt == 0)
		return 0;
	w.state = calloc(f->cnt, sizeof(*w.state));
	w.queue = malloc(f->cnt * sizeof(*w.queue));
	w.queued = calloc(f->cnt, sizeof(*w.queued));
	if (!w.state || !w.queue || !w.queued)
		goto out;
	push(&w, 0, &entry);
	while (w.qlen) {
		size_t at = w.queue[--w.qlen];

		w.queued[at] = false;
		step(&w, at);
	}
	for (size_t i = 0; i < rv->obj->relo_cnt; i++) {
		const struct relo *r = &rv->obj->relos[i];

		if (r->func == fidx && rv->res[i].poisoned && w.state[r->insn - f->first].seen)
			rv->res[i].reachable = true;
	}
	err = 0;
out:
	free(w.state);
	free(w.queue);
	free(w.queued);
	return err;
}

int reach_mark(struct resolver *rv)
{
	const struct object *obj = rv->obj;

	bool *poisoned = calloc(obj->func_cnt ? obj->func_cnt : 1, sizeof(*poisoned));
	int err = 0;

	if (!poisoned)
		return -1;
	for (size_t i = 0; i < obj->relo_cnt; i++)
		if (rv->res[i].poisoned)
			poisoned[obj->relos[i].func] = true;
	for (size_t fi = 0; fi < obj->func_cnt && !err; fi++)
		if (poisoned[fi])
			err = walk_func(rv, &obj->funcs[fi], (int)fi);
	free(poisoned);
	return err;
}
