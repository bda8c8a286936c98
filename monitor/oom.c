/* Where the OOM-kill counter of the container's memory cgroup lives. The
 * relay reads it when it starts and again when the init has exited, before
 * rt_cleanup removes the cgroup. The cgroup is placed by runtime/ (its
 * cgroup.h: linux.cgroupsPath under every hierarchy, a relative path from
 * the caller's own cgroup), so the same placement is asked of it here.
 * cgroup v1 (also this host's hybrid layout): memory.oom_control in the
 * memory hierarchy; pure cgroup v2: memory.events. */
#include <stdio.h>
#include <string.h>

#include "monitor/start.h"
#include "runtime/cgroup.h"
#include "runtime/config.h"

/* "memory" as one of the comma-separated controllers of a v1 hierarchy. */
static bool
has_memory (const char *name)
{
  size_t n = strlen ("memory");
  for (const char *p = name; p && *p; p = strchr (p, ',') ? strchr (p, ',') + 1 : NULL)
    if (strncmp (p, "memory", n) == 0 && (p[n] == ',' || p[n] == '\0'))
      return true;
  return false;
}

/* The container's cgroup directories, newline-separated; "" when it has no
 * cgroup of its own or they do not fit (the cleanup helper removes them then). */
static void
cgroup_dirs (const struct rt_cgroups *cg, char *out, size_t cap)
{
  size_t n = 0;
  out[0] = '\0';
  for (size_t i = 0; i < cg->n && !cg->own; i++)
    {
      int w = snprintf (out + n, cap - n, "%s%s", n ? "\n" : "", cg->h[i].dir);
      if (w < 0 || (size_t) w >= cap - n || strchr (cg->h[i].dir, '\n'))
        {
          out[0] = '\0'; /* all or nothing */
          return;
        }
      n += (size_t) w;
    }
}

void
mon_cgroup_files (const char *bundle, char *oom, size_t oom_cap, char *dirs, size_t dirs_cap)
{
  oom[0] = dirs[0] = '\0';
  struct rt_config c;
  struct cd_err err;
  if (rt_config_load (bundle, &c, &err) < 0)
    return;
  struct rt_cgroups cg;
  /* Without cgroupsPath the container shares the monitor's cgroup: its
   * counter would not be the container's own, nor its directories. */
  if (c.cgroups_path != NULL && rt_cg_discover (c.cgroups_path, &cg, &err) == 0)
    {
      for (size_t i = 0; i < cg.n && oom[0] == '\0'; i++)
        if (!cg.h[i].v2 && has_memory (cg.h[i].name))
          snprintf (oom, oom_cap, "%s/memory.oom_control", cg.h[i].dir);
      for (size_t i = 0; i < cg.n && oom[0] == '\0'; i++)
        if (cg.h[i].v2 && cg.h[i].name[0] == '\0')
          snprintf (oom, oom_cap, "%s/memory.events", cg.h[i].dir);
      cgroup_dirs (&cg, dirs, dirs_cap);
      rt_cg_free (&cg);
    }
  rt_config_free (&c);
}
