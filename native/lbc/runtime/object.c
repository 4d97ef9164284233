/* SPDX-License-Identifier: MIT */
/* Opening, loading, auto-attaching and freeing the embedded BPF object. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "lbc_runtime.h"

struct lbc_state lbc_state;

static int lbc_log_level = -1;

static int lbc_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
  int wanted;

  if (lbc_log_level < 0)
    return 0;
  /* 0: warnings, 1: info, 2 and up: debug */
  wanted = level == LIBBPF_WARN ? 0 : level == LIBBPF_INFO ? 1 : 2;
  if (wanted > lbc_log_level)
    return 0;
  return vfprintf(stderr, fmt, args);
}

struct lbc_map *lbc_map_by_id(int id)
{
  if (!lbc_state.obj || id < 0 || id >= lbc_state.map_cnt)
    return NULL;
  return &lbc_state.maps[id];
}

struct bpf_program *lbc_prog_by_name(const char *func)
{
  if (!lbc_state.obj || !func)
    return NULL;
  return bpf_object__find_program_by_name(lbc_state.obj, func);
}

int lbc_keep_link(struct bpf_link *link)
{
  struct bpf_link **grown;
  int cap;

  if (lbc_state.link_cnt == lbc_state.link_cap) {
    cap = lbc_state.link_cap ? lbc_state.link_cap * 2 : 16;
    grown = realloc(lbc_state.links, (size_t)cap * sizeof(*grown));
    if (!grown) {
      bpf_link__destroy(link);
      return -ENOMEM;
    }
    lbc_state.links = grown;
    lbc_state.link_cap = cap;
  }
  lbc_state.links[lbc_state.link_cnt++] = link;
  return 0;
}

void lbc_release_all(void)
{
  int i;

  for (i = lbc_state.link_cnt - 1; i >= 0; i--)
    bpf_link__destroy(lbc_state.links[i]);
  free(lbc_state.links);
  for (i = 0; i < lbc_state.map_cnt; i++)
    perf_buffer__free(lbc_state.maps[i].pb);
  free(lbc_state.maps);
  bpf_object__close(lbc_state.obj);
  memset(&lbc_state, 0, sizeof(lbc_state));
}

/* Ids are indexes into the user's maps, in object order; internal .rodata/.bss maps have none. */
static int lbc_index_maps(void)
{
  struct bpf_map *map;
  int n = 0;

  bpf_object__for_each_map(map, lbc_state.obj)
    if (!bpf_map__is_internal(map))
      n++;
  lbc_state.maps = calloc(n ? (size_t)n : 1, sizeof(*lbc_state.maps));
  if (!lbc_state.maps)
    return -ENOMEM;
  bpf_object__for_each_map(map, lbc_state.obj) {
    if (bpf_map__is_internal(map))
      continue;
    lbc_state.maps[lbc_state.map_cnt].map = map;
    lbc_state.maps[lbc_state.map_cnt].fd = bpf_map__fd(map);
    lbc_state.map_cnt++;
  }
  return 0;
}

/* Attaches what the section names describe; sections without a target (plain "kprobe", "xdp", ...) are left for the lbc_attach_* calls. */
static int lbc_auto_attach(void)
{
  struct bpf_program *prog;
  struct bpf_link *link;
  int err;

  bpf_object__for_each_program(prog, lbc_state.obj) {
    if (!bpf_program__autoload(prog) || !bpf_program__autoattach(prog))
      continue;
    link = bpf_program__attach(prog);
    err = libbpf_get_error(link);
    if (err == -EOPNOTSUPP || err == -ESRCH)
      continue;
    if (err) {
      fprintf(stderr, "lbc: attaching %s failed: %s\n", bpf_program__name(prog), strerror(-err));
      return err;
    }
    err = lbc_keep_link(link);
    if (err)
      return err;
  }
  return 0;
}

LBC_API int lbc_bpf_init(int log_level, int attach)
{
  LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = "lbc");
  size_t size = (size_t)(lbc_embedded_obj_end - lbc_embedded_obj);
  int err;

  if (lbc_state.obj)
    return -EALREADY;
  lbc_log_level = log_level;
  libbpf_set_print(lbc_print);

  lbc_state.obj = bpf_object__open_mem(lbc_embedded_obj, size, &opts);
  err = libbpf_get_error(lbc_state.obj);
  if (err) {
    lbc_state.obj = NULL;
    fprintf(stderr, "lbc: opening the BPF object failed: %s\n", strerror(-err));
    return err;
  }
  err = bpf_object__load(lbc_state.obj);
  if (err) {
    fprintf(stderr, "lbc: loading the BPF object failed: %s\n", strerror(-err));
    goto fail;
  }
  err = lbc_index_maps();
  if (err)
    goto fail;
  if (attach) {
    err = lbc_auto_attach();
    if (err)
      goto fail;
  }
  return 0;
fail:
  lbc_release_all();
  return err < 0 ? err : -EINVAL;
}

LBC_API void lbc_bpf_exit(void)
{
  lbc_release_all();
}

LBC_API const char *lbc_get_map_types(void)
{
  return lbc_embedded_desc;
}
