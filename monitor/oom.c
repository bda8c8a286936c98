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

void
mon_oom_file (const char *bundle, char *out, size_t cap)
{
  out[0] = '\0';
  struct rt_config c;
  struct cd_err err;
  if (rt_config_load (bundle, &c, &err) < 0)
    return;
  struct rt_cgroups cg;
  /* Without cgroupsPath the container shares the monitor's cgroup: its
   * counter would not be the container's own. */
  if (c.cgroups_path != NULL && rt_cg_discover (c.cgroups_path, &cg, &err) == 0)
    {
      for (size_t i = 0; i < cg.n && out[0] == '\0'; i++)
        if (!cg.h[i].v2 && has_memory (cg.h[i].name))
          snprintf (out, cap, "%s/memory.oom_control", cg.h[i].dir);
      for (size_t i = 0; i < cg.n && out[0] == '\0'; i++)
        if (cg.h[i].v2 && cg.h[i].name[0] == '\0')
          snprintf (out, cap, "%s/memory.events", cg.h[i].dir);
      rt_cg_free (&cg);
    }
  rt_config_free (&c);
}

void
mon_cgroup_dirs (const char *bundle, char *out, size_t cap)
{
  out[0] = '\0';
  struct rt_config c;
  struct cd_err err;
  if (rt_config_load (bundle, &c, &err) < 0)
    return;
  struct rt_cgroups cg;
  if (c.cgroups_path != NULL && rt_cg_discover (c.cgroups_path, &cg, &err) == 0)
    {
      size_t n = 0;
      for (size_t i = 0; i < cg.n && !cg.own; i++)
        {
          int w = snprintf (out + n, cap - n, "%s%s", n ? "\n" : "", cg.h[i].dir);
          if (w < 0 || (size_t) w >= cap - n || strchr (cg.h[i].dir, '\n'))
            {
              out[0] = '\0'; /* all or nothing: the helper removes them then */
              break;
            }
          n += (size_t) w;
        }
      rt_cg_free (&cg);
    }
  rt_config_free (&c);
}
