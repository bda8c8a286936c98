/* Finding the container's cgroup directories: which hierarchies are mounted
 * under /sys/fs/cgroup and where the caller sits in each. Pure text parsing;
 * the file system side is in cgroup_fs.c. */
#include "cgroup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "fsutil.h"

#define CG_ROOT "/sys/fs/cgroup"

struct mi_entry
{
  char root[4096];
  char mountpoint[4096];
  char fstype[64];
  char superopts[1024];
};

/* In place: "\040" → ' ' as the kernel escapes mountinfo fields. */
static void
unescape (char *s)
{
  char *w = s;
  for (char *r = s; *r; r++)
    {
      if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' && r[3] >= '0'
          && r[3] <= '7')
        {
          *w++ = (char) ((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
          r += 3;
        }
      else
        *w++ = *r;
    }
  *w = '\0';
}

static bool
parse_mi_line (const char *line, struct mi_entry *e)
{
  const char *sep = strstr (line, " - ");
  char src[1024];
  if (sep == NULL
      || sscanf (line, "%*s %*s %*s %4095s %4095s", e->root, e->mountpoint) != 2
      || sscanf (sep + 3, "%63s %1023s %1023s", e->fstype, src, e->superopts) != 3)
    return false;
  unescape (e->root);
  unescape (e->mountpoint);
  return true;
}

/* True when every comma-separated word of list is one of opts' words. */
static bool
opts_include (const char *opts, const char *list)
{
  char buf[1024];
  snprintf (buf, sizeof buf, "%s", list);
  char *save = NULL;
  for (char *w = strtok_r (buf, ",", &save); w; w = strtok_r (NULL, ",", &save))
    {
      size_t n = strlen (w);
      const char *p = opts;
      bool found = false;
      while ((p = strstr (p, w)) != NULL)
        {
          if ((p == opts || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
            {
              found = true;
              break;
            }
          p += n;
        }
      if (!found)
        return false;
    }
  return true;
}

/* The caller's cgroup path in the hierarchy e, from /proc/self/cgroup text. */
static void
own_path (const char *self_cgroup, const struct mi_entry *e, char *out, size_t len)
{
  bool v2 = strcmp (e->fstype, "cgroup2") == 0;
  snprintf (out, len, "/");
  const char *line = self_cgroup;
  while (line && *line)
    {
      const char *nl = strchr (line, '\n');
      size_t n = nl ? (size_t) (nl - line) : strlen (line);
      char buf[4096];
      snprintf (buf, sizeof buf, "%.*s", (int) n, line);
      char *c1 = strchr (buf, ':');
      char *c2 = c1 ? strchr (c1 + 1, ':') : NULL;
      if (c2)
        {
          *c2 = '\0';
          const char *ctrl = c1 + 1;
          bool match = v2 ? ctrl[0] == '\0' : ctrl[0] != '\0' && opts_include (e->superopts, ctrl);
          if (match)
            {
              snprintf (out, len, "%s", c2 + 1);
              return;
            }
        }
      line = nl ? nl + 1 : NULL;
    }
}

/* mountpoint + path, where path is taken relative to the mount's root. */
static char *
dir_in (const struct mi_entry *e, const char *path)
{
  size_t rl = strlen (e->root);
  if (strcmp (e->root, "/") != 0 && strncmp (path, e->root, rl) == 0
      && (path[rl] == '/' || path[rl] == '\0'))
    path += rl;
  if (path[0] == '\0' || strcmp (path, "/") == 0)
    return strdup (e->mountpoint);
  return cd_path_join (e->mountpoint, path);
}

static int
add_hier (struct rt_cgroups *cg, const struct mi_entry *e, const char *self_cgroup,
          const char *cgroups_path)
{
  struct rt_cg_hier *n = realloc (cg->h, (cg->n + 1) * sizeof *n);
  if (n == NULL)
    return -ENOMEM;
  cg->h = n;
  struct rt_cg_hier *h = memset (&cg->h[cg->n++], 0, sizeof *h);
  char own[4096];
  own_path (self_cgroup, e, own, sizeof own);
  h->v2 = strcmp (e->fstype, "cgroup2") == 0;
  h->cpuset = !h->v2 && opts_include (e->superopts, "cpuset");
  h->mountpoint = strdup (e->mountpoint);
  const char *base = e->mountpoint + strlen (CG_ROOT);
  h->name = strdup (base[0] == '/' ? base + 1 : base);
  if (cgroups_path == NULL)
    h->dir = dir_in (e, own);
  else if (cgroups_path[0] == '/')
    h->dir = cd_path_join (e->mountpoint, cgroups_path);
  else
    {
      cleanup_free char *parent = dir_in (e, own);
      h->dir = parent ? cd_path_join (parent, cgroups_path) : NULL;
    }
  if (h->mountpoint == NULL || h->name == NULL || h->dir == NULL)
    return -ENOMEM;
  return 0;
}

static bool
wanted (const struct mi_entry *e, const struct rt_cgroups *cg)
{
  if (strcmp (e->fstype, "cgroup") != 0 && strcmp (e->fstype, "cgroup2") != 0)
    return false;
  size_t rl = strlen (CG_ROOT);
  if (strncmp (e->mountpoint, CG_ROOT, rl) != 0
      || (e->mountpoint[rl] != '/' && e->mountpoint[rl] != '\0'))
    return false;
  if (e->mountpoint[rl] == '/' && strchr (e->mountpoint + rl + 1, '/'))
    return false;               /* only direct children of /sys/fs/cgroup */
  for (size_t i = 0; i < cg->n; i++)
    if (strcmp (cg->h[i].mountpoint, e->mountpoint) == 0)
      return false;             /* mounted twice: the later mount hides it anyway */
  return true;
}

int
rt_cg_parse (const char *mountinfo, const char *self_cgroup, const char *cgroups_path,
             struct rt_cgroups *cg, struct cd_err *err)
{
  memset (cg, 0, sizeof *cg);
  cg->own = cgroups_path == NULL;
  cleanup_free struct mi_entry *e = malloc (sizeof *e);
  if (e == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  for (const char *line = mountinfo; line && *line;)
    {
      const char *nl = strchr (line, '\n');
      size_t n = nl ? (size_t) (nl - line) : strlen (line);
      cleanup_free char *buf = strndup (line, n);
      line = nl ? nl + 1 : NULL;
      if (buf == NULL)
        return cd_err_set (err, ENOMEM, "out of memory");
      if (!parse_mi_line (buf, e) || !wanted (e, cg))
        continue;
      if (add_hier (cg, e, self_cgroup, cgroups_path) < 0)
        {
          rt_cg_free (cg);
          return cd_err_set (err, ENOMEM, "out of memory");
        }
    }
  return 0;
}

int
rt_cg_discover (const char *cgroups_path, struct rt_cgroups *cg, struct cd_err *err)
{
  cleanup_free char *mi = NULL, *self = NULL;
  size_t len;
  int r = cd_read_file ("/proc/self/mountinfo", &mi, &len, err);
  if (r < 0 || (r = cd_read_file ("/proc/self/cgroup", &self, &len, err)) < 0)
    return cd_err_wrap (err, "cgroups");
  return rt_cg_parse (mi, self, cgroups_path, cg, err);
}

void
rt_cg_free (struct rt_cgroups *cg)
{
  for (size_t i = 0; i < cg->n; i++)
    {
      free (cg->h[i].mountpoint);
      free (cg->h[i].name);
      free (cg->h[i].dir);
      free (cg->h[i].created_top);
    }
  free (cg->h);
  memset (cg, 0, sizeof *cg);
}
