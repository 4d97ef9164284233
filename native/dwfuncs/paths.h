/* Source paths as the build recorded them, relative to its build directory. */
#ifndef DWFUNCS_PATHS_H
#define DWFUNCS_PATHS_H

/* Malloc'd path of RAW (a DWARF file name, maybe joined with its directory)
   made relative to COMP_DIR (may be NULL) when it lies inside it, or inside
   the source tree a few levels above it (out-of-tree kernel builds such as
   Debian's record absolute source paths). NULL only when out of memory. */
char *source_path(const char *raw, const char *comp_dir);

#endif
