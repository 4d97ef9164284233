/* See arraydims.h. Every struct name is defined again in each compile unit
 * that includes its header (hundreds of times in a vmlinux), so a set of the
 * names already handled lets all later definitions be skipped after reading
 * just their name. The walk is bounded: hostile DWARF can nest anonymous
 * members exponentially or loop through type references. */
#include "arraydims.h"

#include <dwarf.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"

extern void dwfuncs_oom(void) __attribute__((noreturn));
extern void dwfuncs_bad_dwarf(const char *why) __attribute__((noreturn));

#define MAX_NEST 32 /* anonymous members within anonymous members; type hops */
#define MAX_DIMS 16
/* Real kernels visit a few million members in all, a few thousand per struct. */
#define MAX_VISITS_PER_ANCHOR 1000000UL
#define MAX_VISITS 200000000UL

static unsigned long emitted;
static unsigned long visits_left = MAX_VISITS;
static int anchor_depth; /* named member types walked from inside another walk */

unsigned long arraydims_emitted(void) { return emitted; }

/* ---- names already handled ---------------------------------------------- */

enum { K_STRUCT = 1, K_UNION, K_TYPEDEF };

typedef struct {
  const char *name; /* points into the DWARF string data, which outlives us */
  uint32_t hash;
  uint8_t kind;
} seen_slot;

static seen_slot *seen;
static size_t seen_cap, seen_used;

static uint32_t hash_name(const char *s, int kind) {
  uint32_t h = 2166136261u ^ (uint32_t)kind;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
  return h;
}

static seen_slot *seen_find(const char *name, int kind, uint32_t h) {
  size_t j = h & (seen_cap - 1);
  while (seen[j].name && !(seen[j].hash == h && seen[j].kind == kind && strcmp(seen[j].name, name) == 0))
    j = (j + 1) & (seen_cap - 1);
  return &seen[j];
}

static void seen_grow(void) {
  size_t cap = seen_cap ? seen_cap * 2 : 1 << 14;
  seen_slot *fresh = calloc(cap, sizeof *fresh);
  if (!fresh) dwfuncs_oom();
  for (size_t i = 0; i < seen_cap; i++) {
    if (!seen[i].name) continue;
    size_t j = seen[i].hash & (cap - 1);
    while (fresh[j].name) j = (j + 1) & (cap - 1);
    fresh[j] = seen[i];
  }
  free(seen);
  seen = fresh;
  seen_cap = cap;
}

static bool seen_has(const char *name, int kind) {
  if (!seen_cap) return false;
  return seen_find(name, kind, hash_name(name, kind))->name != NULL;
}

static void seen_add(const char *name, int kind) {
  if ((seen_used + 1) * 2 > seen_cap) seen_grow();
  uint32_t h = hash_name(name, kind);
  seen_slot *s = seen_find(name, kind, h);
  if (s->name) return;
  *s = (seen_slot){name, h, (uint8_t)kind};
  seen_used++;
}

void arraydims_free(void) {
  free(seen);
  seen = NULL;
  seen_cap = seen_used = 0;
}

/* ---- DWARF helpers ------------------------------------------------------ */

static Dwarf_Die *type_of(Dwarf_Die *die, Dwarf_Die *mem) {
  Dwarf_Attribute a;
  if (!dwarf_attr(die, DW_AT_type, &a)) return NULL;
  return dwarf_formref_die(&a, mem);
}

static bool is_cv(int tag) {
  return tag == DW_TAG_const_type || tag == DW_TAG_volatile_type || tag == DW_TAG_restrict_type ||
         tag == DW_TAG_atomic_type;
}

/* T with qualifiers looked through (the result lives in MEM); NULL for void. */
static Dwarf_Die *strip_cv(Dwarf_Die *t, Dwarf_Die *mem) {
  for (int hop = 0; t && is_cv(dwarf_tag(t)); hop++) {
    if (hop >= MAX_NEST) return NULL;
    t = type_of(t, mem);
  }
  return t;
}

static bool is_declaration(Dwarf_Die *die) {
  Dwarf_Attribute a;
  bool flag = false;
  if (dwarf_attr(die, DW_AT_declaration, &a)) dwarf_formflag(&a, &flag);
  return flag;
}

/* Byte offset of a member in its struct (union members have none: 0). */
static bool member_offset(Dwarf_Die *m, Dwarf_Word *off) {
  Dwarf_Attribute a;
  if (dwarf_attr(m, DW_AT_data_member_location, &a)) {
    switch (dwarf_whatform(&a)) {
    case DW_FORM_data1:
    case DW_FORM_data2:
    case DW_FORM_data4:
    case DW_FORM_data8:
    case DW_FORM_udata:
    case DW_FORM_implicit_const:
      return dwarf_formudata(&a, off) == 0;
    default: break; /* a location expression, DWARF 2 style */
    }
    Dwarf_Op *ops;
    size_t n;
    if (dwarf_getlocation(&a, &ops, &n) == 0 && n == 1 && ops[0].atom == DW_OP_plus_uconst) {
      *off = ops[0].number;
      return true;
    }
    return false;
  }
  if (dwarf_attr(m, DW_AT_data_bit_offset, &a)) {
    Dwarf_Word bits;
    if (dwarf_formudata(&a, &bits) != 0 || bits % 8) return false;
    *off = bits / 8;
    return true;
  }
  *off = 0;
  return true;
}

/* Elements of one subrange; 0 when unknown (flexible) or zero. */
static uint64_t subrange_count(Dwarf_Die *s) {
  Dwarf_Attribute a;
  Dwarf_Word n;
  if (dwarf_attr(s, DW_AT_count, &a) && dwarf_formudata(&a, &n) == 0) return n;
  if (dwarf_attr(s, DW_AT_upper_bound, &a) && dwarf_formudata(&a, &n) == 0 && n < UINT32_MAX) return n + 1;
  return 0;
}

/* Dimensions of the array type ARR, outermost first, continuing into an
   element type that is itself a (qualified) array, as C declares it and BTF
   nests it. -1 when there are too many. */
static int array_dims(Dwarf_Die *arr, uint64_t dims[MAX_DIMS]) {
  Dwarf_Die cur = *arr;
  Dwarf_Die *t = &cur;
  int n = 0;
  for (int hop = 0; t && hop < MAX_NEST; hop++) {
    int tag = dwarf_tag(t);
    if (is_cv(tag)) {
      t = type_of(t, &cur);
      continue;
    }
    if (tag != DW_TAG_array_type) break;
    Dwarf_Die c;
    int before = n;
    if (dwarf_child(t, &c) == 0) {
      do {
        if (dwarf_tag(&c) != DW_TAG_subrange_type) continue;
        if (n == MAX_DIMS) return -1;
        dims[n++] = subrange_count(&c);
      } while (dwarf_siblingof(&c, &c) == 0);
    }
    if (n == before) {
      if (n == MAX_DIMS) return -1;
      dims[n++] = 0;
    }
    t = type_of(t, &cur);
  }
  return n;
}

/* ---- walking one anchor ------------------------------------------------- */

typedef struct {
  const char *anchor;
  char *path; /* "m." prefixes of the anonymous-typed members passed */
  size_t len, cap;
  unsigned long left;
} walk;

static void path_add(walk *w, const char *s) {
  size_t n = strlen(s);
  if (w->len + n + 1 > w->cap) {
    size_t cap = w->cap ? w->cap : 64;
    while (cap < w->len + n + 1) cap *= 2;
    char *p = realloc(w->path, cap);
    if (!p) dwfuncs_oom();
    w->path = p;
    w->cap = cap;
  }
  memcpy(w->path + w->len, s, n + 1);
  w->len += n;
}

static void emit(walk *w, Dwarf_Word off, const char *name, const uint64_t *dims, int n) {
  size_t keep = w->len;
  path_add(w, name);
  fputs("A", stdout);
  put_field(w->anchor);
  put_number(off);
  put_field(w->path);
  for (int i = 0; i < n; i++) put_number(dims[i]);
  putchar('\n');
  w->len = keep;
  w->path[keep] = '\0';
  emitted++;
}

static void visit_tagged(Dwarf_Die *die, int tag, const char *name);

static void walk_members(walk *w, Dwarf_Die *comp, Dwarf_Word base, int depth) {
  Dwarf_Die c;
  if (dwarf_child(comp, &c) != 0) return;
  do {
    if (dwarf_tag(&c) != DW_TAG_member) continue;
    if (w->left-- == 0 || visits_left-- == 0) dwfuncs_bad_dwarf("struct members nest too widely");
    if (dwarf_hasattr(&c, DW_AT_bit_size)) continue; /* bitfields are neither arrays nor structs */
    Dwarf_Word off;
    if (!member_offset(&c, &off)) continue;
    Dwarf_Die tmem;
    Dwarf_Die *t = strip_cv(type_of(&c, &tmem), &tmem);
    if (!t) continue;
    const char *name = dwarf_diename(&c);
    int tag = dwarf_tag(t);
    if (tag == DW_TAG_array_type) {
      uint64_t dims[MAX_DIMS];
      int n = array_dims(t, dims);
      if (name && n >= 2) emit(w, base + off, name, dims, n);
    } else if (tag == DW_TAG_structure_type || tag == DW_TAG_union_type) {
      const char *tname = dwarf_diename(t);
      if (tname) {
        visit_tagged(t, tag, tname); /* its members are named from it, not from us */
      } else if (depth < MAX_NEST) {
        size_t keep = w->len;
        if (name) {
          path_add(w, name);
          path_add(w, ".");
        }
        walk_members(w, t, base + off, depth + 1);
        w->len = keep;
        if (w->path) w->path[keep] = '\0';
      }
    }
  } while (dwarf_siblingof(&c, &c) == 0);
}

static void walk_anchor(Dwarf_Die *comp, const char *anchor) {
  walk w = {anchor, NULL, 0, 0, MAX_VISITS_PER_ANCHOR};
  path_add(&w, "");
  anchor_depth++;
  walk_members(&w, comp, 0, 0);
  anchor_depth--;
  free(w.path);
}

/* A struct/union definition named NAME: walked the first time only. */
static void visit_tagged(Dwarf_Die *die, int tag, const char *name) {
  int kind = tag == DW_TAG_union_type ? K_UNION : K_STRUCT;
  if (anchor_depth >= MAX_NEST || seen_has(name, kind) || is_declaration(die)) return;
  seen_add(name, kind);
  const char *kw = kind == K_UNION ? "union " : "struct ";
  size_t n = strlen(kw) + strlen(name) + 1;
  char *anchor = malloc(n);
  if (!anchor) dwfuncs_oom();
  snprintf(anchor, n, "%s%s", kw, name);
  walk_anchor(die, anchor);
  free(anchor);
}

/* A typedef (chain) of an anonymous struct/union: the rows name it by the typedef. */
static void visit_typedef(Dwarf_Die *die) {
  const char *name = dwarf_diename(die);
  if (!name || seen_has(name, K_TYPEDEF)) return;
  seen_add(name, K_TYPEDEF);
  Dwarf_Die mem;
  Dwarf_Die *t = type_of(die, &mem);
  for (int hop = 0; t && (dwarf_tag(t) == DW_TAG_typedef || is_cv(dwarf_tag(t))); hop++) {
    if (hop >= MAX_NEST) return;
    t = type_of(t, &mem);
  }
  if (!t) return;
  int tag = dwarf_tag(t);
  if ((tag == DW_TAG_structure_type || tag == DW_TAG_union_type) && !dwarf_diename(t) && !is_declaration(t))
    walk_anchor(t, name);
}

void arraydims_visit(Dwarf_Die *die) {
  int tag = dwarf_tag(die);
  if (tag == DW_TAG_structure_type || tag == DW_TAG_union_type) {
    const char *name = dwarf_diename(die);
    if (name) visit_tagged(die, tag, name);
  } else if (tag == DW_TAG_typedef) {
    visit_typedef(die);
  }
}
