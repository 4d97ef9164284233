/* SPDX-License-Identifier: MIT */
/* Internal state shared by the lbc loader runtime's files; not installed. */
#ifndef LBC_RUNTIME_H
#define LBC_RUNTIME_H

#include <stddef.h>
#include <bpf/libbpf.h>

#define LBC_API __attribute__((visibility("default")))

/* Written by the link step (embed.S): the BPF object and the NUL-terminated descriptor JSON. */
extern const unsigned char lbc_embedded_obj[];
extern const unsigned char lbc_embedded_obj_end[];
extern const char lbc_embedded_desc[];

typedef void (*lbc_sample_cb)(void *ctx, int cpu, void *data, unsigned int size);
typedef void (*lbc_lost_cb)(void *ctx, int cpu, unsigned long long cnt);

struct lbc_map {
  struct bpf_map *map;
  int fd;
  struct perf_buffer *pb;
};

struct lbc_state {
  struct bpf_object *obj;
  struct lbc_map *maps;
  int map_cnt;
  struct bpf_link **links;
  int link_cnt;
  int link_cap;
};

extern struct lbc_state lbc_state;

/* The map with this id, or NULL when not loaded / out of range. */
struct lbc_map *lbc_map_by_id(int id);
/* The program with this C name, or NULL. */
struct bpf_program *lbc_prog_by_name(const char *func);
/* Keeps a link until lbc_bpf_exit; returns 0 or a negative errno (the link is destroyed then). */
int lbc_keep_link(struct bpf_link *link);
/* Drops every link, perf buffer and the object. */
void lbc_release_all(void);

/* Fills a perf_event_attr from a flat JSON object; 0 or -EINVAL. */
struct perf_event_attr;
int lbc_parse_perf_attr(const char *json, struct perf_event_attr *attr);

#endif
