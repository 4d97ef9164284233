/* Lexical path clean-up: no file system access, so no symlink surprises. */
#include "paths.h"

#include <stdlib.h>
#include <string.h>

/* How far above the build directory the source tree may sit
   (Debian: <src>/debian/build/build_amd64_none_amd64). */
#define MAX_TREE_LEVELS 4

/* Malloc'd copy of P without "//", "/./" and "dir/.." parts. */
static char *normalize(const char *p) {
  size_t n = strlen(p);
  char *out = malloc(n + 2);
  if (!out) return NULL;
  int abs = p[0] == '/';
  size_t len = 0;
  if (abs) out[len++] = '/';
  size_t keep = len; /* ".." may not climb above this point */
  const char *s = p;
  while (*s) {
    while (*s == '/') s++;
    const char *e = s;
    while (*e && *e != '/') e++;
    size_t cl = (size_t)(e - s);
    if (cl == 0) break;
    if (cl == 1 && s[0] == '.') {
      /* skip */
    } else if (cl == 2 && s[0] == '.' && s[1] == '.' && len > keep) {
      while (len > keep && out[len - 1] != '/') len--;
      if (len > keep) len--; /* the slash before the dropped part */
    } else if (cl == 2 && s[0] == '.' && s[1] == '.' && abs) {
      /* "/.." is "/" */
    } else {
      if (len > 0 && out[len - 1] != '/') out[len++] = '/';
      memcpy(out + len, s, cl);
      len += cl;
      if (cl == 2 && s[0] == '.' && s[1] == '.') keep = len; /* leading "../" stays */
    }
    s = e;
  }
  out[len] = '\0';
  return out;
}

static size_t depth(const char *p) {
  size_t d = 0;
  for (const char *s = p; *s; s++)
    if (*s == '/' && s[1] != '\0') d++;
  return d;
}

/* Length of the longest common directory prefix of absolute A and B (without trailing slash). */
static size_t common_dir(const char *a, const char *b) {
  size_t last = 0, i = 0;
  for (; a[i] && a[i] == b[i]; i++)
    if (a[i] == '/') last = i;
  if (a[i] == '\0' && b[i] == '/') last = i;
  return last;
}

char *source_path(const char *raw, const char *comp_dir) {
  char *p = normalize(raw);
  if (!p) return NULL;
  if (!comp_dir || !*comp_dir) return p;
  char *c = normalize(comp_dir);
  if (!c) {
    free(p);
    return NULL;
  }
  size_t cl = strlen(c);
  size_t cut = 0;
  if (cl > 0 && strncmp(p, c, cl) == 0 && p[cl] == '/' && strcmp(c, "/") != 0) {
    cut = cl + 1;
  } else if (p[0] == '/' && c[0] == '/') {
    size_t common = common_dir(p, c);
    char saved = c[common];
    c[common] = '\0';
    size_t up = depth(c[0] ? c : "/");
    c[common] = saved;
    if (common > 0 && depth(c) - up <= MAX_TREE_LEVELS) cut = common + 1;
  }
  free(c);
  if (cut == 0) return p;
  memmove(p, p + cut, strlen(p + cut) + 1);
  return p;
}
