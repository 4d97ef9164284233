/* SPDX-License-Identifier: MIT */
/* Map access by id; every call returns 0 or a negative errno. */
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "lbc_runtime.h"

LBC_API int lbc_bpf_get_maps_id(const char *name)
{
  int i;

  if (!name)
    return -EINVAL;
  if (!lbc_state.obj)
    return -ENODEV;
  for (i = 0; i < lbc_state.map_cnt; i++)
    if (strcmp(bpf_map__name(lbc_state.maps[i].map), name) == 0)
      return i;
  return -ENOENT;
}

/* The fd of map `id` for a call that needs a key (and maybe a value) buffer. */
static int lbc_map_fd(int id, const void *key, int needs_key)
{
  struct lbc_map *m = lbc_map_by_id(id);

  if (!m)
    return lbc_state.obj ? -ENOENT : -ENODEV;
  if (needs_key && !key)
    return -EINVAL;
  return m->fd;
}

LBC_API int lbc_map_lookup_elem(int id, const void *key, void *value)
{
  int fd = lbc_map_fd(id, key, 1);

  if (fd < 0)
    return fd;
  if (!value)
    return -EINVAL;
  return bpf_map_lookup_elem(fd, key, value);
}

LBC_API int lbc_map_lookup_elem_flags(int id, const void *key, void *value, unsigned long flags)
{
  int fd = lbc_map_fd(id, key, 1);

  if (fd < 0)
    return fd;
  if (!value)
    return -EINVAL;
  return bpf_map_lookup_elem_flags(fd, key, value, flags);
}

LBC_API int lbc_map_lookup_and_delete_elem(int id, const void *key, void *value)
{
  int fd = lbc_map_fd(id, key, 1);

  if (fd < 0)
    return fd;
  if (!value)
    return -EINVAL;
  return bpf_map_lookup_and_delete_elem(fd, key, value);
}

LBC_API int lbc_map_delete_elem(int id, const void *key)
{
  int fd = lbc_map_fd(id, key, 1);

  if (fd < 0)
    return fd;
  return bpf_map_delete_elem(fd, key);
}

LBC_API int lbc_map_update_elem(int id, const void *key, void *value)
{
  int fd = lbc_map_fd(id, key, 1);

  if (fd < 0)
    return fd;
  if (!value)
    return -EINVAL;
  return bpf_map_update_elem(fd, key, value, BPF_ANY);
}

/* A NULL key asks for the first key. */
LBC_API int lbc_map_get_next_key(int id, const void *key, void *next_key)
{
  int fd = lbc_map_fd(id, key, 0);

  if (fd < 0)
    return fd;
  if (!next_key)
    return -EINVAL;
  return bpf_map_get_next_key(fd, key, next_key);
}
