/* Shared by the mount executors (child side only). */
#ifndef CD_RUNTIME_MOUNTS_INTERNAL_H
#define CD_RUNTIME_MOUNTS_INTERNAL_H

#include "mounts.h"

struct rt_mctx
{
  const struct rt_mount_plan *p;
  int rootfd;                   /* root.path, O_PATH, once the root is mounted */
};

/* "/proc/self/fd/N": a mount target that is exactly the resolved file. */
#define RT_FD_PATH_MAX 32
const char *rt_fd_path (int fd, char buf[RT_FD_PATH_MAX]);

/* Binds host path src on dest inside the root (created as a dir or a file
 * like src), then applies the remaining flags with a bind remount and the
 * propagation. */
int rt_bind_in_root (int rootfd, const char *src, const char *dest, unsigned long flags,
                     unsigned long propagation, struct cd_err *err);

int rt_mop_devices (struct rt_mctx *m, struct cd_err *err);
int rt_mop_dev_symlinks (struct rt_mctx *m, struct cd_err *err);
int rt_mop_console (struct rt_mctx *m, struct cd_err *err);
int rt_mop_cgroupfs (struct rt_mctx *m, const struct rt_mop *op, struct cd_err *err);

#endif
