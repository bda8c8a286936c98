/* runtime/namespaces: which namespaces clone creates and which the child
 * joins (setns) from a path. */
#ifndef CD_RUNTIME_NAMESPACES_H
#define CD_RUNTIME_NAMESPACES_H

#include "config.h"
#include "err.h"

struct rt_ns_joins
{
  int fd[8];
  int flag[8];
  size_t n;
};

/* Flags for clone: every listed namespace without a path, except cgroup
 * (unshared by the child once the caller has placed it in its cgroups, so
 * that the namespace's root is the container's own cgroup). */
int rt_ns_clone_flags (const struct rt_config *c);
/* In the caller: opens every namespace path (errors before clone). */
int rt_ns_open (const struct rt_config *c, struct rt_ns_joins *j, struct cd_err *err);
void rt_ns_close (struct rt_ns_joins *j);
/* In the child: setns into each opened namespace. */
int rt_ns_join (const struct rt_ns_joins *j, struct cd_err *err);
/* In the child after placement: unshare(CLONE_NEWCGROUP) when listed. */
int rt_ns_unshare_cgroup (const struct rt_config *c, struct cd_err *err);

#endif
