/* SPDX-License-Identifier: MIT */
/*
 * The .so runs on the TARGET machine, whose glibc may be as old as 2.17.
 * Built against a newer glibc, libbpf and libelf would reference fstat@2.33,
 * fcntl64@2.28 and fmemopen@2.22, and the loader would refuse the library.
 * The link step redirects those references here (ld --wrap=SYMBOL); these
 * versions go straight to the system calls.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>

int __wrap_fstat(int fd, struct stat *st);
int __wrap_fcntl64(int fd, int cmd, ...);
FILE *__wrap_fmemopen(void *buf, size_t size, const char *mode);

__attribute__((visibility("hidden"))) int __wrap_fstat(int fd, struct stat *st)
{
#ifdef SYS_fstat
  return (int)syscall(SYS_fstat, fd, st);
#else
  return (int)syscall(SYS_newfstatat, fd, "", st, 0x1000 /* AT_EMPTY_PATH */);
#endif
}

/* Every fcntl command libbpf and libelf use takes an integer or no argument. */
__attribute__((visibility("hidden"))) int __wrap_fcntl64(int fd, int cmd, ...)
{
  va_list ap;
  long arg;

  va_start(ap, cmd);
  arg = va_arg(ap, long);
  va_end(ap);
  return (int)syscall(SYS_fcntl, fd, cmd, arg);
}

/* Only libbpf's kconfig-from-string path calls it, which the runtime never uses. */
__attribute__((visibility("hidden"))) FILE *__wrap_fmemopen(void *buf, size_t size, const char *mode)
{
  (void)buf;
  (void)size;
  (void)mode;
  errno = ENOSYS;
  return NULL;
}
