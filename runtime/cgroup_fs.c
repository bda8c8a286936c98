/* Creating, entering and removing the container's cgroup directories. */
#include "cgroup.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"

static int
write_file (const char *path, const char *data)
{
  cleanup_close int fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  size_t len = strlen (data);
  ssize_t w = write (fd, data, len);
  if (w < 0)
    return -errno;
  return (size_t) w == len ? 0 : -EIO;
}

/* A new v1 cpuset cgroup starts with empty cpus/mems: no task may join it
 * until they are copied down from the parent (runc does the same). */
static int
cpuset_inherit (const char *dir, struct cd_err *err)
{
  static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
  for (size_t i = 0; i < 2; i++)
    {
      char path[4200], ppath[4200];
      cleanup_free char *mine = NULL, *parent = NULL;
      snprintf (path, sizeof path, "%s/%s", dir, files[i]);
      snprintf (ppath, sizeof ppath, "%s/../%s", dir, files[i]);
      if (cd_read_file (path, &mine, NULL, err) < 0
          || cd_read_file (ppath, &parent, NULL, err) < 0)
        return cd_err_wrap (err, "cgroup cpuset");
      if (mine[0] != '\0' && mine[0] != '\n')
        continue;
      int r = write_file (path, parent);
      if (r < 0)
        return cd_err_sys (err, r, "cgroup: write `%s`", path);
    }
  return 0;
}

static int
create_one (struct rt_cg_hier *h, struct cd_err *err)
{
  char buf[4096];
  size_t ml = strlen (h->mountpoint);
  if (snprintf (buf, sizeof buf, "%s", h->dir) >= (int) sizeof buf)
    return cd_err_set (err, ENAMETOOLONG, "cgroup: path too long `%s`", h->dir);
  for (char *p = buf + ml + 1; p <= buf + strlen (h->dir); p++)
    {
      if (*p != '/' && *p != '\0')
        continue;
      char saved = *p;
      *p = '\0';
      if (mkdir (buf, 0755) == 0)
        {
          if (h->created_top == NULL && (h->created_top = strdup (buf)) == NULL)
            return cd_err_set (err, ENOMEM, "out of memory");
          if (h->cpuset && cpuset_inherit (buf, err) < 0)
            return -err->code;
        }
      else if (errno != EEXIST)
        return cd_err_sys (err, errno, "cgroup: mkdir `%s`", buf);
      *p = saved;
      if (saved == '\0')
        break;
    }
  return 0;
}

int
rt_cg_create (struct rt_cgroups *cg, struct cd_err *err)
{
  if (cg->own)
    return 0;
  for (size_t i = 0; i < cg->n; i++)
    {
      int r = create_one (&cg->h[i], err);
      if (r < 0)
        return r;
    }
  return 0;
}

int
rt_cg_enter (const struct rt_cgroups *cg, pid_t pid, struct cd_err *err)
{
  if (cg->own)
    return 0;
  char num[32];
  snprintf (num, sizeof num, "%d", (int) pid);
  for (size_t i = 0; i < cg->n; i++)
    {
      char path[4096];
      snprintf (path, sizeof path, "%s/cgroup.procs", cg->h[i].dir);
      int r = write_file (path, num);
      if (r < 0)
        return cd_err_sys (err, r, "cgroup: add pid %d to `%s`", (int) pid, path);
    }
  return 0;
}

void
rt_cg_rollback (struct rt_cgroups *cg)
{
  for (size_t i = 0; i < cg->n; i++)
    {
      struct rt_cg_hier *h = &cg->h[i];
      if (h->created_top == NULL)
        continue;
      char buf[4096];
      snprintf (buf, sizeof buf, "%s", h->dir);
      size_t top = strlen (h->created_top);
      while (strlen (buf) >= top)
        {
          rmdir (buf);
          char *slash = strrchr (buf, '/');
          if (slash == NULL)
            break;
          *slash = '\0';
        }
      free (h->created_top);
      h->created_top = NULL;
    }
}

/* Processes still in dir (zombies of a dead pid namespace are gone quickly;
 * anything else that joined the cgroup is killed). */
static void
kill_members (const char *dir)
{
  char path[4096];
  snprintf (path, sizeof path, "%s/cgroup.procs", dir);
  cleanup_fclose FILE *f = fopen (path, "re");
  int pid;
  while (f && fscanf (f, "%d", &pid) == 1)
    if (pid > 0)
      kill (pid, SIGKILL);
}

int
rt_cg_remove (const struct rt_cgroups *cg, struct cd_err *err)
{
  if (cg->own)
    return 0;
  int ret = 0;
  for (size_t i = 0; i < cg->n; i++)
    {
      const char *dir = cg->h[i].dir;
      int tries = 0;
      while (rmdir (dir) < 0)
        {
          if (errno == ENOENT)
            break;
          if (errno != EBUSY || ++tries > 200)
            {
              ret = cd_err_sys (err, errno, "cgroup: rmdir `%s`", dir);
              break;
            }
          kill_members (dir);
          nanosleep (&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
        }
    }
  return ret;
}
