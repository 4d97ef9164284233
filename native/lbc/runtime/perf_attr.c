/* SPDX-License-Identifier: MIT */
/*
 * perf_event_attr from pylcc's JSON: a flat object of field names to
 * unsigned numbers, which may arrive as strings ("1000") or booleans.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <linux/perf_event.h>
#include "lbc_runtime.h"

#define LBC_ATTR_FIELD(name) \
  { #name, offsetof(struct perf_event_attr, name), sizeof(((struct perf_event_attr *)0)->name) }

struct lbc_attr_field {
  const char *name;
  size_t offset;
  size_t size;
};

static const struct lbc_attr_field lbc_fields[] = {
  LBC_ATTR_FIELD(type),
  LBC_ATTR_FIELD(size),
  LBC_ATTR_FIELD(config),
  LBC_ATTR_FIELD(sample_period),
  LBC_ATTR_FIELD(sample_freq),
  LBC_ATTR_FIELD(sample_type),
  LBC_ATTR_FIELD(read_format),
  LBC_ATTR_FIELD(wakeup_events),
  LBC_ATTR_FIELD(wakeup_watermark),
  LBC_ATTR_FIELD(bp_type),
  LBC_ATTR_FIELD(bp_addr),
  LBC_ATTR_FIELD(config1),
  LBC_ATTR_FIELD(bp_len),
  LBC_ATTR_FIELD(config2),
  LBC_ATTR_FIELD(branch_sample_type),
  LBC_ATTR_FIELD(sample_regs_user),
  LBC_ATTR_FIELD(sample_stack_user),
  LBC_ATTR_FIELD(clockid),
  LBC_ATTR_FIELD(sample_regs_intr),
  LBC_ATTR_FIELD(aux_watermark),
  LBC_ATTR_FIELD(sample_max_stack),
};

/* Bitfields cannot be addressed, so each has a setter. */
#define LBC_ATTR_BIT(name) \
  { #name, lbc_set_##name }
#define LBC_ATTR_BIT_SETTER(name) \
  static void lbc_set_##name(struct perf_event_attr *a, uint64_t v) { a->name = v; }

LBC_ATTR_BIT_SETTER(disabled)
LBC_ATTR_BIT_SETTER(inherit)
LBC_ATTR_BIT_SETTER(pinned)
LBC_ATTR_BIT_SETTER(exclusive)
LBC_ATTR_BIT_SETTER(exclude_user)
LBC_ATTR_BIT_SETTER(exclude_kernel)
LBC_ATTR_BIT_SETTER(exclude_hv)
LBC_ATTR_BIT_SETTER(exclude_idle)
LBC_ATTR_BIT_SETTER(mmap)
LBC_ATTR_BIT_SETTER(comm)
LBC_ATTR_BIT_SETTER(freq)
LBC_ATTR_BIT_SETTER(inherit_stat)
LBC_ATTR_BIT_SETTER(enable_on_exec)
LBC_ATTR_BIT_SETTER(task)
LBC_ATTR_BIT_SETTER(watermark)
LBC_ATTR_BIT_SETTER(precise_ip)
LBC_ATTR_BIT_SETTER(mmap_data)
LBC_ATTR_BIT_SETTER(sample_id_all)
LBC_ATTR_BIT_SETTER(exclude_host)
LBC_ATTR_BIT_SETTER(exclude_guest)
LBC_ATTR_BIT_SETTER(exclude_callchain_kernel)
LBC_ATTR_BIT_SETTER(exclude_callchain_user)
LBC_ATTR_BIT_SETTER(mmap2)
LBC_ATTR_BIT_SETTER(comm_exec)
LBC_ATTR_BIT_SETTER(use_clockid)
LBC_ATTR_BIT_SETTER(context_switch)
LBC_ATTR_BIT_SETTER(write_backward)
LBC_ATTR_BIT_SETTER(namespaces)

struct lbc_attr_bit {
  const char *name;
  void (*set)(struct perf_event_attr *a, uint64_t v);
};

static const struct lbc_attr_bit lbc_bits[] = {
  LBC_ATTR_BIT(disabled),       LBC_ATTR_BIT(inherit),
  LBC_ATTR_BIT(pinned),         LBC_ATTR_BIT(exclusive),
  LBC_ATTR_BIT(exclude_user),   LBC_ATTR_BIT(exclude_kernel),
  LBC_ATTR_BIT(exclude_hv),     LBC_ATTR_BIT(exclude_idle),
  LBC_ATTR_BIT(mmap),           LBC_ATTR_BIT(comm),
  LBC_ATTR_BIT(freq),           LBC_ATTR_BIT(inherit_stat),
  LBC_ATTR_BIT(enable_on_exec), LBC_ATTR_BIT(task),
  LBC_ATTR_BIT(watermark),      LBC_ATTR_BIT(precise_ip),
  LBC_ATTR_BIT(mmap_data),      LBC_ATTR_BIT(sample_id_all),
  LBC_ATTR_BIT(exclude_host),   LBC_ATTR_BIT(exclude_guest),
  LBC_ATTR_BIT(exclude_callchain_kernel), LBC_ATTR_BIT(exclude_callchain_user),
  LBC_ATTR_BIT(mmap2),          LBC_ATTR_BIT(comm_exec),
  LBC_ATTR_BIT(use_clockid),    LBC_ATTR_BIT(context_switch),
  LBC_ATTR_BIT(write_backward), LBC_ATTR_BIT(namespaces),
};

#define LBC_COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define LBC_KEY_MAX 64

static const char *lbc_skip_ws(const char *p)
{
  while (*p && isspace((unsigned char)*p))
    p++;
  return p;
}

/* A JSON string without escapes (field names and numbers never need them). */
static const char *lbc_read_string(const char *p, char *out, size_t cap)
{
  size_t n = 0;

  if (*p != '"')
    return NULL;
  for (p++; *p && *p != '"'; p++) {
    if (*p == '\\' || n + 1 >= cap)
      return NULL;
    out[n++] = *p;
  }
  if (*p != '"')
    return NULL;
  out[n] = '\0';
  return p + 1;
}

static int lbc_parse_number(const char *s, uint64_t *v)
{
  char *end;

  if (!*s || *s == '-')
    return -EINVAL;
  errno = 0;
  *v = strtoull(s, &end, 0);
  if (errno || *end)
    return -EINVAL;
  return 0;
}

static const char *lbc_read_value(const char *p, uint64_t *v)
{
  char buf[LBC_KEY_MAX];
  size_t n = 0;

  if (*p == '"') {
    p = lbc_read_string(p, buf, sizeof(buf));
    return p && lbc_parse_number(buf, v) == 0 ? p : NULL;
  }
  if (strncmp(p, "true", 4) == 0) {
    *v = 1;
    return p + 4;
  }
  if (strncmp(p, "false", 5) == 0) {
    *v = 0;
    return p + 5;
  }
  while (*p && (isalnum((unsigned char)*p) || *p == '+' || *p == '.')) {
    if (n + 1 >= sizeof(buf))
      return NULL;
    buf[n++] = *p++;
  }
  buf[n] = '\0';
  return lbc_parse_number(buf, v) == 0 ? p : NULL;
}

static int lbc_store(struct perf_event_attr *attr, const char *key, uint64_t v)
{
  size_t i;

  for (i = 0; i < LBC_COUNT(lbc_fields); i++) {
    const struct lbc_attr_field *f = &lbc_fields[i];
    unsigned char *dst = (unsigned char *)attr + f->offset;

    if (strcmp(f->name, key) != 0)
      continue;
    if (f->size == 8) {
      memcpy(dst, &v, 8);
    } else if (f->size == 4) {
      uint32_t x = (uint32_t)v;
      memcpy(dst, &x, 4);
    } else if (f->size == 2) {
      uint16_t x = (uint16_t)v;
      memcpy(dst, &x, 2);
    } else {
      return -EINVAL;
    }
    return 0;
  }
  for (i = 0; i < LBC_COUNT(lbc_bits); i++) {
    if (strcmp(lbc_bits[i].name, key) == 0) {
      lbc_bits[i].set(attr, v);
      return 0;
    }
  }
  return -EINVAL;
}

int lbc_parse_perf_attr(const char *json, struct perf_event_attr *attr)
{
  char key[LBC_KEY_MAX];
  const char *p;
  uint64_t v;
  int err;

  if (!json)
    return -EINVAL;
  memset(attr, 0, sizeof(*attr));
  p = lbc_skip_ws(json);
  if (*p++ != '{')
    return -EINVAL;
  p = lbc_skip_ws(p);
  while (*p != '}') {
    p = lbc_read_string(p, key, sizeof(key));
    if (!p)
      return -EINVAL;
    p = lbc_skip_ws(p);
    if (*p++ != ':')
      return -EINVAL;
    p = lbc_read_value(lbc_skip_ws(p), &v);
    if (!p)
      return -EINVAL;
    err = lbc_store(attr, key, v);
    if (err)
      return err;
    p = lbc_skip_ws(p);
    if (*p == ',')
      p = lbc_skip_ws(p + 1);
    else if (*p != '}')
      return -EINVAL;
  }
  if (*lbc_skip_ws(p + 1))
    return -EINVAL;
  if (!attr->size)
    attr->size = sizeof(*attr);
  return 0;
}
