/* runtime/cgroup: placement only. The container's cgroup is
 * <mount>/<cgroupsPath> under every cgroup hierarchy mounted below
 * /sys/fs/cgroup (each v1 hierarchy, the hybrid unified tree, or the single
 * pure v2 tree). An absolute cgroupsPath is taken from the hierarchy's root,
 * a relative one from the caller's own cgroup (as runc does). */
#ifndef CD_RUNTIME_CGROUP_H
#define CD_RUNTIME_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"

struct rt_cg_hier
{
  char *mountpoint;             /* /sys/fs/cgroup/memory */
  char *name;                   /* "memory", "cpu,cpuacct", "unified"; "" at /sys/fs/cgroup */
  char *dir;                    /* the container's directory in this hierarchy */
  bool v2;
  bool cpuset;
  char *created_top;            /* topmost directory rt_cg_create made, or NULL */
};

struct rt_cgroups
{
  struct rt_cg_hier *h;
  size_t n;
  bool own;                     /* no cgroupsPath: dir is the caller's own cgroup */
};

/* Pure: builds the list from the text of /proc/self/mountinfo and
 * /proc/self/cgroup. cgroups_path may be NULL. */
int rt_cg_parse (const char *mountinfo, const char *self_cgroup, const char *cgroups_path,
                 struct rt_cgroups *cg, struct cd_err *err);
/* Reads both files of the calling process. */
int rt_cg_discover (const char *cgroups_path, struct rt_cgroups *cg, struct cd_err *err);
/* mkdir -p every dir (cpuset.cpus/mems copied from the parent on v1). */
int rt_cg_create (struct rt_cgroups *cg, struct cd_err *err);
/* Writes pid to cgroup.procs of every dir. */
int rt_cg_enter (const struct rt_cgroups *cg, pid_t pid, struct cd_err *err);
/* Undoes rt_cg_create after a failed start (best effort). */
void rt_cg_rollback (struct rt_cgroups *cg);
/* rmdir every dir once its processes are gone; missing is not an error. */
int rt_cg_remove (const struct rt_cgroups *cg, struct cd_err *err);
void rt_cg_free (struct rt_cgroups *cg);

#endif
