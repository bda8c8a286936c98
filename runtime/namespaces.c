#include "namespaces.h"

#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

static const char *
ns_name (int flag)
{
  switch (flag)
    {
    case CLONE_NEWNET:
      return "network";
    case CLONE_NEWIPC:
      return "ipc";
    case CLONE_NEWUTS:
      return "uts";
    case CLONE_NEWCGROUP:
      return "cgroup";
    default:
      return "namespace";
    }
}

int
rt_ns_clone_flags (const struct rt_config *c)
{
  int flags = 0;
  for (size_t i = 0; i < c->n_namespaces; i++)
    if (c->namespaces[i].path == NULL && c->namespaces[i].flag != CLONE_NEWCGROUP)
      flags |= c->namespaces[i].flag;
  return flags;
}

int
rt_ns_open (const struct rt_config *c, struct rt_ns_joins *j, struct cd_err *err)
{
  memset (j, 0, sizeof *j);
  for (size_t i = 0; i < c->n_namespaces; i++)
    {
      const struct rt_namespace *ns = &c->namespaces[i];
      if (ns->path == NULL)
        continue;
      if (j->n == sizeof j->fd / sizeof j->fd[0])
        break;
      int fd = open (ns->path, O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        {
          int e = errno;
          rt_ns_close (j);
          return cd_err_sys (err, e, "open %s namespace `%s`", ns_name (ns->flag), ns->path);
        }
      j->fd[j->n] = fd;
      j->flag[j->n++] = ns->flag;
    }
  return 0;
}

void
rt_ns_close (struct rt_ns_joins *j)
{
  for (size_t i = 0; i < j->n; i++)
    close (j->fd[i]);
  j->n = 0;
}

int
rt_ns_join (const struct rt_ns_joins *j, struct cd_err *err)
{
  for (size_t i = 0; i < j->n; i++)
    if (setns (j->fd[i], j->flag[i]) < 0)
      return cd_err_sys (err, errno, "join the %s namespace", ns_name (j->flag[i]));
  return 0;
}

int
rt_ns_unshare_cgroup (const struct rt_config *c, struct cd_err *err)
{
  const struct rt_namespace *ns = rt_config_ns (c, CLONE_NEWCGROUP);
  if (ns == NULL || ns->path)
    return 0;
  if (unshare (CLONE_NEWCGROUP) < 0)
    return cd_err_sys (err, errno, "unshare the cgroup namespace");
  return 0;
}
