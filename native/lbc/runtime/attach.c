/* SPDX-License-Identifier: MIT */
/* Explicit attach calls; each keeps its link until lbc_bpf_exit and returns 0 or a negative errno. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/perf_event.h>
#include <bpf/libbpf.h>
#include "lbc_runtime.h"

static int lbc_find(const char *func, struct bpf_program **prog)
{
  if (!lbc_state.obj)
    return -ENODEV;
  *prog = lbc_prog_by_name(func);
  return *prog ? 0 : -ENOENT;
}

static int lbc_keep(const char *what, const char *func, struct bpf_link *link)
{
  int err = libbpf_get_error(link);

  if (err) {
    fprintf(stderr, "lbc: %s attach of %s failed: %s\n", what, func, strerror(-err));
    return err;
  }
  return lbc_keep_link(link);
}

#define LBC_PROG_OR_RETURN(func, prog)   \
  do {                                   \
    int err_ = lbc_find((func), &(prog)); \
    if (err_)                            \
      return err_;                       \
  } while (0)

LBC_API int lbc_attach_kprobe(const char *func, const char *symbol)
{
  struct bpf_program *prog;

  LBC_PROG_OR_RETURN(func, prog);
  if (!symbol)
    return -EINVAL;
  return lbc_keep("kprobe", func, bpf_program__attach_kprobe(prog, false, symbol));
}

LBC_API int lbc_attach_kretprobe(const char *func, const char *symbol)
{
  struct bpf_program *prog;

  LBC_PROG_OR_RETURN(func, prog);
  if (!symbol)
    return -EINVAL;
  return lbc_keep("kretprobe", func, bpf_program__attach_kprobe(prog, true, symbol));
}

LBC_API int lbc_attach_uprobe(const char *func, int pid, const char *binary_path, unsigned long offset)
{
  struct bpf_program *prog;

  LBC_PROG_OR_RETURN(func, prog);
  if (!binary_path)
    return -EINVAL;
  return lbc_keep("uprobe", func, bpf_program__attach_uprobe(prog, false, pid, binary_path, offset));
}

LBC_API int lbc_attach_uretprobe(const char *func, int pid, const char *binary_path, unsigned long offset)
{
  struct bpf_program *prog;

  LBC_PROG_OR_RETURN(func, prog);
  if (!binary_path)
    return -EINVAL;
  return lbc_keep("uretprobe", func, bpf_program__attach_uprobe(prog, true, pid, binary_path, offset));
}

LBC_API int lbc_attach_tracepoint(const char *func, const char *category, const char *name)
{
  struct bpf_program *prog;

  LBC_PROG_OR_RETURN(func, prog);
  if (!category || !name)
    return -EINVAL;
  return lbc_keep("tracepoint", func, bpf_program__attach_tracepoint(prog, category, name));
}

LBC_API int lbc_attach_raw_tracepoint(const char *func, const char *name)
{
  struct bpf_program *prog;

  LBC_PROG_OR_RETURN(func, prog);
  if (!name)
    return -EINVAL;
  return lbc_keep("raw tracepoint", func, bpf_program__attach_raw_tracepoint(prog, name));
}

LBC_API int lbc_attach_cgroup(const char *func, int cgroup_fd)
{
  struct bpf_program *prog;

  LBC_PROG_OR_RETURN(func, prog);
  return lbc_keep("cgroup", func, bpf_program__attach_cgroup(prog, cgroup_fd));
}

LBC_API int lbc_attach_netns(const char *func, int netns_fd)
{
  struct bpf_program *prog;

  LBC_PROG_OR_RETURN(func, prog);
  return lbc_keep("netns", func, bpf_program__attach_netns(prog, netns_fd));
}

LBC_API int lbc_attach_xdp(const char *func, int ifindex)
{
  struct bpf_program *prog;

  LBC_PROG_OR_RETURN(func, prog);
  return lbc_keep("xdp", func, bpf_program__attach_xdp(prog, ifindex));
}

/*
 * Two callers disagree on the second argument: clcc passes an already-open
 * perf event fd (int), pylcc a JSON perf_event_attr plus pid/cpu/group/flags.
 * No valid pointer lies below 64 KiB (mmap_min_addr), and an int argument
 * arrives zero- or sign-extended, so small or sign-extended negative values
 * are fds.
 */
static int lbc_arg_is_fd(uintptr_t v)
{
  uint32_t high = (uint32_t)((uint64_t)v >> 32);
  int32_t low = (int32_t)(uint32_t)v;

  if (v < 65536)
    return 1;
  return sizeof(v) == 8 && high == 0xffffffffu && low < 0;
}

LBC_API int lbc_attach_perf_event(const char *func, const char *attr_json, int pid, int cpu, int group_fd,
                                  int flags)
{
  struct perf_event_attr attr;
  struct bpf_program *prog;
  struct bpf_link *link;
  int pfd, err;

  LBC_PROG_OR_RETURN(func, prog);
  if (lbc_arg_is_fd((uintptr_t)attr_json)) {
    pfd = (int)(intptr_t)attr_json;
    if (pfd < 0)
      return -EBADF;
    return lbc_keep("perf event", func, bpf_program__attach_perf_event(prog, pfd));
  }
  err = lbc_parse_perf_attr(attr_json, &attr);
  if (err)
    return err;
  pfd = (int)syscall(__NR_perf_event_open, &attr, pid, cpu, group_fd, (unsigned long)flags | PERF_FLAG_FD_CLOEXEC);
  if (pfd < 0)
    return -errno;
  link = bpf_program__attach_perf_event(prog, pfd);
  err = libbpf_get_error(link);
  if (err) {
    close(pfd);
    fprintf(stderr, "lbc: perf event attach of %s failed: %s\n", func, strerror(-err));
    return err;
  }
  return lbc_keep_link(link);
}
