/* Type strings as gdb prints them (docs/kernel-db.md, "Type strings").
 *
 * A type is printed as BASE DECLARATOR, C style: the declarator grows
 * outwards while we walk from the outer type to its leaf, e.g.
 * pointer -> subroutine -> int gives "int" + " " + "(*)(struct task_struct *, int)".
 * Names of whole types are cached by DIE offset until typename_reset();
 * recursion is bounded so a malformed type loop cannot blow the stack. */
#include "typename.h"

#include <ctype.h>
#include <dwarf.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 48
#define MAX_PARTS 4096 /* enumerators / parameters printed per type */

enum { Q_CONST = 1, Q_VOLATILE = 2, Q_RESTRICT = 4, Q_ATOMIC = 8 };

extern void dwfuncs_oom(void) __attribute__((noreturn));

static void *xmalloc(size_t n) {
  void *p = malloc(n);
  if (!p) dwfuncs_oom();
  return p;
}

/* ---- growable string ---------------------------------------------------- */

typedef struct {
  char *p;
  size_t len, cap;
} str;

static void str_add_n(str *s, const char *t, size_t n) {
  if (s->len + n + 1 > s->cap) {
    size_t cap = s->cap ? s->cap : 64;
    while (cap < s->len + n + 1) cap *= 2;
    char *p = realloc(s->p, cap);
    if (!p) dwfuncs_oom();
    s->p = p;
    s->cap = cap;
  }
  memcpy(s->p + s->len, t, n);
  s->len += n;
  s->p[s->len] = '\0';
}
static void str_add(str *s, const char *t) { str_add_n(s, t, strlen(t)); }
static char *str_take(str *s) {
  if (!s->p) str_add(s, "");
  return s->p;
}

/* ---- per-CU cache: DIE offset -> name, slots stamped with a generation ---- */

typedef struct {
  Dwarf_Off key;
  unsigned gen;
  const char *val;
} slot;

static slot *slots;
static size_t nslots, nused;
static unsigned gen = 1;

/* Arena for cached names: freed all at once at the next reset. */
typedef struct chunk {
  struct chunk *next;
  size_t used, cap;
  char data[];
} chunk;
static chunk *chunks;

static const char *arena_dup(const char *s) {
  size_t n = strlen(s) + 1;
  if (!chunks || chunks->cap - chunks->used < n) {
    size_t cap = n > 65536 ? n : 65536;
    chunk *c = xmalloc(sizeof(chunk) + cap);
    c->next = chunks;
    c->used = 0;
    c->cap = cap;
    chunks = c;
  }
  char *p = chunks->data + chunks->used;
  memcpy(p, s, n);
  chunks->used += n;
  return p;
}

static void arena_free(void) {
  while (chunks) {
    chunk *next = chunks->next;
    free(chunks);
    chunks = next;
  }
}

void typename_reset(void) {
  arena_free();
  nused = 0;
  if (++gen == 0) { /* wrapped: really clear */
    memset(slots, 0, nslots * sizeof(slot));
    gen = 1;
  }
}

void typename_free(void) {
  arena_free();
  free(slots);
  slots = NULL;
  nslots = nused = 0;
}

static size_t hash_off(Dwarf_Off k) { return (size_t)((k * 0x9E3779B97F4A7C15ull) >> 17); }

static const char **cache_slot(Dwarf_Off key) {
  if ((nused + 1) * 2 > nslots) {
    size_t n = nslots ? nslots * 2 : 4096;
    slot *fresh = calloc(n, sizeof(slot));
    if (!fresh) dwfuncs_oom();
    for (size_t i = 0; i < nslots; i++) {
      if (slots[i].gen != gen) continue;
      size_t j = hash_off(slots[i].key) & (n - 1);
      while (fresh[j].gen == gen) j = (j + 1) & (n - 1);
      fresh[j] = slots[i];
    }
    free(slots);
    slots = fresh;
    nslots = n;
  }
  size_t j = hash_off(key) & (nslots - 1);
  while (slots[j].gen == gen && slots[j].key != key) j = (j + 1) & (nslots - 1);
  if (slots[j].gen != gen) {
    slots[j].gen = gen;
    slots[j].key = key;
    slots[j].val = NULL;
    nused++;
  }
  return &slots[j].val;
}

/* ---- DWARF helpers ------------------------------------------------------- */

/* The DIE named by DIE's DW_AT_type; NULL (void) when absent or unreadable. */
static Dwarf_Die *type_ref(Dwarf_Die *die, Dwarf_Die *mem) {
  Dwarf_Attribute a;
  if (!dwarf_attr_integrate(die, DW_AT_type, &a)) return NULL;
  return dwarf_formref_die(&a, mem);
}

static unsigned qual_bit(int tag) {
  switch (tag) {
  case DW_TAG_const_type: return Q_CONST;
  case DW_TAG_volatile_type: return Q_VOLATILE;
  case DW_TAG_restrict_type: return Q_RESTRICT;
  case DW_TAG_atomic_type: return Q_ATOMIC;
  default: return 0;
  }
}

static void add_quals(str *s, unsigned q) {
  static const struct {
    unsigned bit;
    const char *word;
  } words[] = {{Q_CONST, "const"}, {Q_VOLATILE, "volatile"}, {Q_RESTRICT, "restrict"}, {Q_ATOMIC, "_Atomic"}};
  for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
    if (!(q & words[i].bit)) continue;
    if (s->len) str_add(s, " ");
    str_add(s, words[i].word);
  }
}

/* gdb prints some base types differently from how DWARF names them. */
static const char *base_name(const char *n) {
  static const char *const map[][2] = {
      {"long unsigned int", "unsigned long"}, {"long long unsigned int", "unsigned long long"},
      {"short unsigned int", "unsigned short"}, {"long int", "long"},
      {"long long int", "long long"},         {"short int", "short"},
  };
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
    if (strcmp(n, map[i][0]) == 0) return map[i][1];
  return n;
}

static const char *typename_depth(Dwarf_Die *type, int depth);

/* "enum {A, B}" for an anonymous enumeration. */
static void anon_enum(str *s, Dwarf_Die *die) {
  str_add(s, "enum {");
  Dwarf_Die c;
  int n = 0;
  if (dwarf_child(die, &c) == 0) {
    do {
      if (dwarf_tag(&c) != DW_TAG_enumerator) continue;
      const char *name = dwarf_diename(&c);
      if (n++ >= MAX_PARTS) {
        str_add(s, ", ...");
        break;
      }
      if (n > 1) str_add(s, ", ");
      str_add(s, name ? name : "?");
    } while (dwarf_siblingof(&c, &c) == 0);
  }
  str_add(s, "}");
}

/* Name of a type that has no declarator part: base, typedef, tagged types. */
static void leaf_name(str *s, Dwarf_Die *die, int tag) {
  const char *name = dwarf_diename(die);
  switch (tag) {
  case DW_TAG_base_type: str_add(s, name ? base_name(name) : "?"); return;
  case DW_TAG_typedef: str_add(s, name ? name : "?"); return;
  case DW_TAG_unspecified_type: str_add(s, name ? name : "void"); return;
  case DW_TAG_enumeration_type:
    if (name) {
      str_add(s, "enum ");
      str_add(s, name);
    } else {
      anon_enum(s, die);
    }
    return;
  case DW_TAG_structure_type:
  case DW_TAG_union_type:
  case DW_TAG_class_type: {
    const char *kw = tag == DW_TAG_union_type ? "union " : tag == DW_TAG_class_type ? "class " : "struct ";
    str_add(s, kw);
    str_add(s, name ? name : "{...}");
    return;
  }
  default: str_add(s, "?"); return;
  }
}

/* "[16]" / "[2][3]" / "[]" from an array DIE's subranges. */
static void array_dims(str *s, Dwarf_Die *arr) {
  Dwarf_Die c;
  int any = 0;
  if (dwarf_child(arr, &c) == 0) {
    do {
      if (dwarf_tag(&c) != DW_TAG_subrange_type) continue;
      any = 1;
      Dwarf_Attribute a;
      Dwarf_Word n;
      char buf[32];
      if (dwarf_attr(&c, DW_AT_count, &a) && dwarf_formudata(&a, &n) == 0) {
        snprintf(buf, sizeof buf, "[%" PRIu64 "]", (uint64_t)n);
      } else if (dwarf_attr(&c, DW_AT_upper_bound, &a) && dwarf_formudata(&a, &n) == 0 &&
                 n < UINT32_MAX) {
        snprintf(buf, sizeof buf, "[%" PRIu64 "]", (uint64_t)n + 1);
      } else {
        snprintf(buf, sizeof buf, "[]");
      }
      str_add(s, buf);
    } while (dwarf_siblingof(&c, &c) == 0);
  }
  if (!any) str_add(s, "[]");
}

/* "(struct task_struct *, int)" from a subroutine type's children. */
static void param_list(str *s, Dwarf_Die *fn, int depth) {
  Dwarf_Die c;
  int n = 0;
  str_add(s, "(");
  if (dwarf_child(fn, &c) == 0) {
    do {
      int tag = dwarf_tag(&c);
      const char *t;
      if (tag == DW_TAG_formal_parameter) {
        Dwarf_Die mem;
        t = typename_depth(type_ref(&c, &mem), depth + 1);
      } else if (tag == DW_TAG_unspecified_parameters) {
        t = "...";
      } else {
        continue;
      }
      if (n++ >= MAX_PARTS) break;
      if (n > 1) str_add(s, ", ");
      str_add(s, t);
    } while (dwarf_siblingof(&c, &c) == 0);
  }
  if (n == 0) {
    bool proto = false;
    Dwarf_Attribute a;
    if (dwarf_attr(fn, DW_AT_prototyped, &a)) dwarf_formflag(&a, &proto);
    if (proto) str_add(s, "void");
  }
  str_add(s, ")");
}

/* BASE QUALS DECL: "const char" + " " + "*". */
static char *finish(str *base, unsigned quals, const char *decl) {
  str out = {0};
  add_quals(&out, quals);
  if (out.len) str_add(&out, " ");
  str_add_n(&out, base->p ? base->p : "", base->len);
  if (*decl) {
    str_add(&out, " ");
    str_add(&out, decl);
  }
  free(base->p);
  return str_take(&out);
}

/* Strips qualifiers to see what a pointer really points at. */
static int peeled_tag(Dwarf_Die *die, int depth) {
  Dwarf_Die mem, *t = die;
  for (int i = 0; t && i < MAX_DEPTH - depth; i++) {
    int tag = dwarf_tag(t);
    if (!qual_bit(tag)) return tag;
    t = type_ref(t, &mem);
  }
  return 0;
}

/* Malloc'd spelling of TYPE (NULL = void) with qualifiers QUALS around the declarator DECL. */
static char *spell(Dwarf_Die *type, const char *decl, unsigned quals, int depth) {
  str base = {0};
  if (depth > MAX_DEPTH) {
    str_add(&base, "?");
    return finish(&base, 0, decl);
  }
  if (!type) {
    str_add(&base, "void");
    return finish(&base, quals, decl);
  }
  int tag = dwarf_tag(type);
  Dwarf_Die mem;
  Dwarf_Die *inner = type_ref(type, &mem);

  if (qual_bit(tag)) return spell(inner, decl, quals | qual_bit(tag), depth + 1);

  str d = {0};
  switch (tag) {
  case DW_TAG_pointer_type:
  case DW_TAG_reference_type:
  case DW_TAG_rvalue_reference_type: {
    /* qualifiers of the pointer itself sit right of the star: "char * const" */
    str q = {0};
    add_quals(&q, quals);
    if (q.len && *decl) str_add(&q, " ");
    str_add(&q, decl);
    int wrap = inner && (peeled_tag(inner, depth) == DW_TAG_array_type ||
                         peeled_tag(inner, depth) == DW_TAG_subroutine_type);
    if (wrap) str_add(&d, "(");
    str_add(&d, tag == DW_TAG_pointer_type ? "*" : tag == DW_TAG_reference_type ? "&" : "&&");
    if (q.len && isalpha((unsigned char)q.p[0])) str_add(&d, " ");
    str_add_n(&d, q.p ? q.p : "", q.len);
    if (wrap) str_add(&d, ")");
    free(q.p);
    char *r = spell(inner, str_take(&d), 0, depth + 1);
    free(d.p);
    return r;
  }
  case DW_TAG_array_type: {
    str_add(&d, decl);
    array_dims(&d, type);
    char *r = spell(inner, str_take(&d), quals, depth + 1); /* qualifiers go to the element */
    free(d.p);
    return r;
  }
  case DW_TAG_subroutine_type: {
    str_add(&d, decl);
    param_list(&d, type, depth);
    char *r = spell(inner, str_take(&d), 0, depth + 1);
    free(d.p);
    return r;
  }
  default:
    leaf_name(&base, type, tag);
    return finish(&base, quals, decl);
  }
}

static const char *typename_depth(Dwarf_Die *type, int depth) {
  if (!type) return "void";
  static const char in_progress[] = "?";
  const char **cached = cache_slot(dwarf_dieoffset(type));
  if (*cached) return *cached; /* in_progress: a type loop in broken DWARF */
  *cached = in_progress;
  char *s = spell(type, "", 0, depth);
  const char *kept = arena_dup(s);
  free(s);
  /* the table may have grown during spell(): look the slot up again */
  *cache_slot(dwarf_dieoffset(type)) = kept;
  return kept;
}

const char *typename_of(Dwarf_Die *type) { return typename_depth(type, 0); }

const char *typename_of_attr(Dwarf_Die *die) {
  Dwarf_Die mem;
  return typename_of(type_ref(die, &mem));
}
