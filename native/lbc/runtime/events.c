/* SPDX-License-Identifier: MIT */
/* Perf-event-array maps: callbacks and polling. */
#include <errno.h>
#include <time.h>
#include <bpf/libbpf.h>
#include "lbc_runtime.h"

/* Per-CPU ring size in pages. */
#define LBC_PERF_PAGES 32

LBC_API int lbc_set_event_cb(int id, lbc_sample_cb cb, lbc_lost_cb lost)
{
  struct lbc_map *m = lbc_map_by_id(id);
  struct perf_buffer *pb;
  int err;

  if (!m)
    return lbc_state.obj ? -ENOENT : -ENODEV;
  if (bpf_map__type(m->map) != BPF_MAP_TYPE_PERF_EVENT_ARRAY || !cb)
    return -EINVAL;
  pb = perf_buffer__new(m->fd, LBC_PERF_PAGES, (perf_buffer_sample_fn)cb, (perf_buffer_lost_fn)lost,
                        NULL, NULL);
  err = libbpf_get_error(pb);
  if (err)
    return err;
  perf_buffer__free(m->pb);
  m->pb = pb;
  return 0;
}

static long long lbc_now_ms(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Polls until `timeout` seconds pass (-1: forever, 0: once without waiting).
 * Returns how many events were delivered, or a negative errno (-EINTR when a
 * signal arrives, so that a Python caller can raise KeyboardInterrupt).
 */
LBC_API int lbc_event_loop(int id, int timeout)
{
  struct lbc_map *m = lbc_map_by_id(id);
  long long deadline, left;
  int n, total = 0;

  if (!m)
    return lbc_state.obj ? -ENOENT : -ENODEV;
  if (!m->pb)
    return -EINVAL;
  if (timeout == 0)
    return perf_buffer__poll(m->pb, 0);
  deadline = timeout > 0 ? lbc_now_ms() + (long long)timeout * 1000 : 0;
  for (;;) {
    left = timeout > 0 ? deadline - lbc_now_ms() : 1000;
    if (left <= 0)
      return total;
    n = perf_buffer__poll(m->pb, (int)(left > 1000 ? 1000 : left));
    if (n < 0)
      return n;
    total += n;
  }
}
