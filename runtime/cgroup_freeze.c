/* Freezing, thawing and killing a whole cgroup (pause, unpause). */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "runtime/cgroup_limits.h"

static int
write_str (const char *path, const char *data)
{
  cleanup_close int fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  ssize_t n = write (fd, data, strlen (data));
  return n < 0 ? -errno : 0;
}

static void
nap_ms (long ms)
{
  nanosleep (&(struct timespec){ ms / 1000, (ms % 1000) * 1000000L }, NULL);
}

/* v2: cgroup.events says "frozen 1" once every task is frozen. */
static bool
v2_frozen (const char *dir, bool want)
{
  char path[4300];
  snprintf (path, sizeof path, "%s/cgroup.events", dir);
  cleanup_free char *text = NULL;
  struct cd_err ignore;
  if (cd_read_file (path, &text, NULL, &ignore) < 0)
    return false;
  const char *p = strstr (text, "frozen ");
  return p && (p[7] == '1') == want;
}

static bool
v1_state_is (const char *dir, const char *want)
{
  char path[4300];
  snprintf (path, sizeof path, "%s/freezer.state", dir);
  cleanup_free char *text = NULL;
  struct cd_err ignore;
  if (cd_read_file (path, &text, NULL, &ignore) < 0)
    return false;
  return strncmp (text, want, strlen (want)) == 0;
}

int
rt_cg_freeze_dir (const char *dir, bool v2, bool frozen, struct cd_err *err)
{
  char path[4300];
  const char *file = v2 ? "cgroup.freeze" : "freezer.state";
  const char *val = v2 ? (frozen ? "1" : "0") : (frozen ? "FROZEN" : "THAWED");
  snprintf (path, sizeof path, "%s/%s", dir, file);
  /* v1: a write of FROZEN may leave the group FREEZING while a task is busy
   * in the kernel; runc writes again until it reads FROZEN. */
  for (int i = 0; i < 1000; i++)
    {
      if (i == 0 || !v2)
        {
          int r = write_str (path, val);
          if (r < 0)
            return cd_err_sys (err, r, "cgroup: write %s to `%s`", val, path);
        }
      if (v2 ? v2_frozen (dir, frozen) : v1_state_is (dir, val))
        return 0;
      nap_ms (i < 10 ? 1 : 10);
    }
  if (frozen)
    {
      struct cd_err ignore;
      rt_cg_freeze_dir (dir, v2, false, &ignore);
    }
  return cd_err_set (err, ETIMEDOUT, "cgroup: `%s` did not reach %s", dir, val);
}

/* The hierarchy that freezes: v1 freezer, else the v2 tree. */
static const struct rt_cg_hier *
freezer_of (const struct rt_cgroups *cg)
{
  const struct rt_cg_hier *v2 = NULL;
  for (size_t i = 0; i < cg->n; i++)
    {
      const struct rt_cg_hier *h = &cg->h[i];
      if (!h->v2 && strstr (h->name, "freezer"))
        return h;
      if (h->v2 && (v2 == NULL || h->name[0] == '\0'))
        v2 = h;
    }
  return v2;
}

int
rt_cg_freeze (const struct rt_cgroups *cg, bool frozen, struct cd_err *err)
{
  const struct rt_cg_hier *h = cg->own ? NULL : freezer_of (cg);
  if (h == NULL)
    return cd_err_set (err, ENOTSUP, "cgroup: no freezer for the container");
  return rt_cg_freeze_dir (h->dir, h->v2, frozen, err);
}

int
rt_cg_kill_dir (const char *dir, bool v2, struct cd_err *err)
{
  char path[4300];
  snprintf (path, sizeof path, "%s/cgroup.kill", dir);
  if (v2 && access (path, F_OK) == 0)
    {
      int r = write_str (path, "1");
      return r < 0 ? cd_err_sys (err, r, "cgroup: write 1 to `%s`", path) : 0;
    }
  snprintf (path, sizeof path, "%s/cgroup.procs", dir);
  cleanup_fclose FILE *f = fopen (path, "re");
  if (f == NULL)
    return cd_err_sys (err, errno, "cgroup: open `%s`", path);
  int pid;
  while (fscanf (f, "%d", &pid) == 1)
    if (pid > 0)
      kill (pid, SIGKILL);
  return 0;
}
