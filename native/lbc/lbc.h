/* SPDX-License-Identifier: MIT */
/*
 * lbc.h: what a pylcc/clcc BPF program includes (`#include "lbc.h"`).
 * Brings in the target kernel's vmlinux.h and libbpf's BPF-side headers and
 * defines the LBC_* map macros as BTF-defined maps, which libbpf 1.x needs.
 */
#ifndef SURFHIVE_LBC_H
#define SURFHIVE_LBC_H

/*
 * bpf_printk keeps its format on the stack, not in .rodata: kernels before
 * 5.2 (still common among pylcc users' targets) cannot load global data.
 */
#ifndef BPF_NO_GLOBAL_DATA
#define BPF_NO_GLOBAL_DATA
#endif

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

/* vmlinux.h normally has these; a repeated typedef of the same type is valid C11. */
typedef __u8 u8;
typedef __s8 s8;
typedef __u16 u16;
typedef __s16 s16;
typedef __u32 u32;
typedef __s32 s32;
typedef __u64 u64;
typedef __s64 s64;

#ifndef NULL
#define NULL ((void *)0)
#endif

/*
 * Macros rather than the kernel's enumerators, so that sources written for
 * older kernels (whose BTF may lack them) build the same.
 */
#ifndef PERF_MAX_STACK_DEPTH
#define PERF_MAX_STACK_DEPTH 127
#endif
#define LBC_F_USER_STACK (1ULL << 8)
#define LBC_F_FAST_STACK_CMP (1ULL << 9)
#define KERN_STACKID_FLAGS (0 | LBC_F_FAST_STACK_CMP)
#define USER_STACKID_FLAGS (0 | LBC_F_FAST_STACK_CMP | LBC_F_USER_STACK)
#define BPF_F_CURRENT_CPU 0xffffffffULL

/* Network to host byte order; BPF on x86_64 and aarch64 is little-endian. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define ntohs(x) ((__u16)(x))
#define ntohl(x) ((__u32)(x))
#define ntohll(x) ((__u64)(x))
#else
#define ntohs(x) __builtin_bswap16((__u16)(x))
#define ntohl(x) __builtin_bswap32((__u32)(x))
#define ntohll(x) __builtin_bswap64((__u64)(x))
#endif

/* Reads a kernel value through bpf_probe_read: `_(task->pid)`. */
#define _(P)                                                                   \
  ({                                                                           \
    typeof(P) lbc_val_ = 0;                                                    \
    bpf_probe_read((void *)&lbc_val_, sizeof(lbc_val_), (const void *)&(P));   \
    lbc_val_;                                                                  \
  })

#ifdef LBC_DEBUG
#define lbc_debug(...) bpf_printk(__VA_ARGS__)
#else
#define lbc_debug(...) \
  do {                 \
  } while (0)
#endif

/* One BTF-defined map with a key and a value type. */
#define LBC_MAP_KV_(MAP_TYPE, NAME, KEY_T, VALUE_T, ENTRIES) \
  struct {                                                   \
    __uint(type, MAP_TYPE);                                  \
    __uint(max_entries, ENTRIES);                            \
    __type(key, KEY_T);                                      \
    __type(value, VALUE_T);                                  \
  } NAME SEC(".maps")

#define LBC_HASH(NAME, KEY_T, VALUE_T, ENTRIES) \
  LBC_MAP_KV_(BPF_MAP_TYPE_HASH, NAME, KEY_T, VALUE_T, ENTRIES)
#define LBC_LRU_HASH(NAME, KEY_T, VALUE_T, ENTRIES) \
  LBC_MAP_KV_(BPF_MAP_TYPE_LRU_HASH, NAME, KEY_T, VALUE_T, ENTRIES)
#define LBC_PERCPU_HASH(NAME, KEY_T, VALUE_T, ENTRIES) \
  LBC_MAP_KV_(BPF_MAP_TYPE_PERCPU_HASH, NAME, KEY_T, VALUE_T, ENTRIES)
#define LBC_LRU_PERCPU_HASH(NAME, KEY_T, VALUE_T, ENTRIES) \
  LBC_MAP_KV_(BPF_MAP_TYPE_LRU_PERCPU_HASH, NAME, KEY_T, VALUE_T, ENTRIES)
#define LBC_ARRAY(NAME, KEY_T, VALUE_T, ENTRIES) \
  LBC_MAP_KV_(BPF_MAP_TYPE_ARRAY, NAME, KEY_T, VALUE_T, ENTRIES)
#define LBC_PERCPU_ARRAY(NAME, KEY_T, VALUE_T, ENTRIES) \
  LBC_MAP_KV_(BPF_MAP_TYPE_PERCPU_ARRAY, NAME, KEY_T, VALUE_T, ENTRIES)

/* Log2 and log10 histograms: slot index -> count. */
#define LBC_HIST2(NAME) LBC_MAP_KV_(BPF_MAP_TYPE_ARRAY, NAME, int, long, 64)
#define LBC_HIST10(NAME) LBC_MAP_KV_(BPF_MAP_TYPE_ARRAY, NAME, int, long, 20)

/* Stack ids -> PERF_MAX_STACK_DEPTH return addresses. */
#define LBC_STACK(NAME, ENTRIES)                        \
  struct {                                              \
    __uint(type, BPF_MAP_TYPE_STACK_TRACE);             \
    __uint(max_entries, ENTRIES);                       \
    __uint(key_size, sizeof(__u32));                    \
    __uint(value_size, PERF_MAX_STACK_DEPTH * sizeof(__u64)); \
  } NAME SEC(".maps")

/*
 * Perf event output; the map holds one perf event fd per CPU, so the event
 * type is not part of the map (the descriptor records it for the client).
 */
#define LBC_PERF_OUTPUT(NAME, VALUE_T, ENTRIES)      \
  struct {                                          \
    __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);    \
    __uint(max_entries, ENTRIES);                   \
    __uint(key_size, sizeof(int));                  \
    __uint(value_size, sizeof(__u32));              \
  } NAME SEC(".maps")

#endif /* SURFHIVE_LBC_H */
