#ifndef CD_FSUTIL_H
#define CD_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

#include "err.h"

/* mkdir -p with mode for every created component. */
int cd_mkdir_p (const char *path, mode_t mode, struct cd_err *err);
/* Writes data to path via path.tmp + fsync + rename + fsync(dir). */
int cd_write_file_atomic (const char *path, const void *data, size_t len, mode_t mode,
                          struct cd_err *err);
/* Writes data to path via path.tmp + rename, without fsync: for runtime state
 * under the exec-root (tmpfs in production) and files rewritten at every
 * start. Readers never see a partial file; a machine crash may lose it. */
int cd_write_file_replace (const char *path, const void *data, size_t len, mode_t mode,
                           struct cd_err *err);
/* Reads a whole file (NUL-terminated); *out is malloc'd. */
int cd_read_file (const char *path, char **out, size_t *len, struct cd_err *err);
/* rm -rf, not crossing mount points; missing path is not an error. */
int cd_rm_rf (const char *path, struct cd_err *err);
/* Joins a and b with exactly one '/'; malloc'd or NULL on ENOMEM. */
char *cd_path_join (const char *a, const char *b);

#endif
