/* /dev contents and /sys/fs/cgroup, inside the root before pivot_root. */
#include "mounts_internal.h"

#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cleanup.h"

/* What every container gets even when linux.devices omits it (runc's list). */
static const struct rt_device default_devices[] = {
  { (char *) "/dev/null", 'c', 1, 3, 0666, 0, 0 },
  { (char *) "/dev/zero", 'c', 1, 5, 0666, 0, 0 },
  { (char *) "/dev/full", 'c', 1, 7, 0666, 0, 0 },
  { (char *) "/dev/random", 'c', 1, 8, 0666, 0, 0 },
  { (char *) "/dev/urandom", 'c', 1, 9, 0666, 0, 0 },
  { (char *) "/dev/tty", 'c', 5, 0, 0666, 0, 0 },
};

static mode_t
node_type (char t)
{
  switch (t)
    {
    case 'b':
      return S_IFBLK;
    case 'p':
      return S_IFIFO;
    default:
      return S_IFCHR;
    }
}

/* mknod fails where the kernel refuses device nodes (user namespaces):
 * then an empty file gets the host's node bind-mounted on it. */
static int
bind_host_node (int rootfd, const struct rt_device *d, struct cd_err *err)
{
  return rt_bind_in_root (rootfd, d->path, d->path, MS_BIND, 0, err);
}

static int
make_device (int rootfd, const struct rt_device *d, struct cd_err *err)
{
  char dir[4096], base[4096];
  snprintf (dir, sizeof dir, "%s", d->path);
  snprintf (base, sizeof base, "%s", d->path);
  cleanup_close int parent = -1;
  int r = rt_open_in_root (rootfd, dirname (dir), RT_CREATE_DIR, &parent, err);
  if (r < 0)
    return cd_err_wrap (err, "create device `%s`", d->path);
  const char *name = basename (base);
  dev_t dev = d->type == 'p' ? 0 : makedev (d->major, d->minor);
  if (mknodat (parent, name, node_type (d->type) | (d->mode & 07777), dev) < 0)
    {
      if (errno == EEXIST)
        return 0;
      if (errno == EPERM && d->type != 'p')
        return bind_host_node (rootfd, d, err);
      return cd_err_sys (err, errno, "mknod `%s`", d->path);
    }
  if ((d->uid || d->gid) && fchownat (parent, name, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0)
    return cd_err_sys (err, errno, "chown `%s`", d->path);
  return 0;
}

int
rt_mop_devices (struct rt_mctx *m, struct cd_err *err)
{
  const struct rt_config *c = m->p->c;
  for (size_t i = 0; i < c->n_devices; i++)
    {
      int r = make_device (m->rootfd, &c->devices[i], err);
      if (r < 0)
        return r;
    }
  for (size_t i = 0; i < sizeof default_devices / sizeof default_devices[0]; i++)
    {
      bool listed = false;
      for (size_t j = 0; j < c->n_devices && !listed; j++)
        listed = strcmp (c->devices[j].path, default_devices[i].path) == 0;
      int r = listed ? 0 : make_device (m->rootfd, &default_devices[i], err);
      if (r < 0)
        return r;
    }
  return 0;
}

int
rt_mop_dev_symlinks (struct rt_mctx *m, struct cd_err *err)
{
  static const char *const links[][2] = {
    { "/proc/self/fd", "fd" },       { "/proc/self/fd/0", "stdin" },
    { "/proc/self/fd/1", "stdout" }, { "/proc/self/fd/2", "stderr" },
  };
  cleanup_close int dev = -1;
  int r = rt_open_in_root (m->rootfd, "/dev", RT_CREATE_DIR, &dev, err);
  if (r < 0)
    return r;
  for (size_t i = 0; i < sizeof links / sizeof links[0]; i++)
    if (symlinkat (links[i][0], dev, links[i][1]) < 0 && errno != EEXIST)
      return cd_err_sys (err, errno, "symlink `/dev/%s`", links[i][1]);
  if (unlinkat (dev, "ptmx", 0) < 0 && errno != ENOENT)
    return cd_err_sys (err, errno, "remove `/dev/ptmx`");
  if (symlinkat ("pts/ptmx", dev, "ptmx") < 0)
    return cd_err_sys (err, errno, "symlink `/dev/ptmx`");
  return 0;
}

/* With a terminal, the pty slave the caller gave as stdin is also
 * /dev/console (as runc does). By its path: the fd's mount belongs to the
 * caller's mount namespace, which bind mounts cannot take from. */
int
rt_mop_console (struct rt_mctx *m, struct cd_err *err)
{
  char tty[256];
  if (ttyname_r (STDIN_FILENO, tty, sizeof tty) != 0)
    return 0;
  return rt_bind_in_root (m->rootfd, tty, "/dev/console", MS_BIND, 0, err);
}

static int
cgroup_links (int rootfd, const char *dest, const char *name, struct cd_err *err)
{
  if (strchr (name, ',') == NULL)
    return 0;
  cleanup_close int dir = -1;
  int r = rt_open_in_root (rootfd, dest, RT_NO_CREATE, &dir, err);
  if (r < 0)
    return r;
  char words[256];
  snprintf (words, sizeof words, "%s", name);
  char *save = NULL;
  for (char *w = strtok_r (words, ",", &save); w; w = strtok_r (NULL, ",", &save))
    if (symlinkat (name, dir, w) < 0 && errno != EEXIST)
      return cd_err_sys (err, errno, "symlink `%s/%s`", dest, w);
  return 0;
}

/* /sys/fs/cgroup shows the container's own cgroup in every hierarchy: a
 * tmpfs with one bind mount per hierarchy (v1 or hybrid), or the container's
 * v2 directory bound on it directly (pure v2). */
int
rt_mop_cgroupfs (struct rt_mctx *m, const struct rt_mop *op, struct cd_err *err)
{
  const struct rt_cgroups *cg = m->p->cg;
  unsigned long flags = op->flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
  if (cg->n == 1 && cg->h[0].name[0] == '\0')
    return rt_bind_in_root (m->rootfd, cg->h[0].dir, op->dest, MS_BIND | MS_REC | flags, 0,
                            err);
  cleanup_close int fd = -1;
  char fp[RT_FD_PATH_MAX];
  int r = rt_open_in_root (m->rootfd, op->dest, RT_CREATE_DIR, &fd, err);
  if (r < 0)
    return r;
  if (mount ("tmpfs", rt_fd_path (fd, fp), "tmpfs", flags & ~MS_RDONLY, "mode=755") < 0)
    return cd_err_sys (err, errno, "mount `tmpfs` on `%s`", op->dest);
  for (size_t i = 0; i < cg->n; i++)
    {
      const struct rt_cg_hier *h = &cg->h[i];
      char dest[4096];
      snprintf (dest, sizeof dest, "%s/%s", op->dest, h->name);
      if ((r = rt_bind_in_root (m->rootfd, h->dir, dest, MS_BIND | MS_REC | flags, 0, err)) < 0
          || (r = cgroup_links (m->rootfd, op->dest, h->name, err)) < 0)
        return r;
    }
  if (!(flags & MS_RDONLY))
    return 0;
  cleanup_close int top = -1;
  if ((r = rt_open_in_root (m->rootfd, op->dest, RT_NO_CREATE, &top, err)) < 0)
    return r;
  if (mount (NULL, rt_fd_path (top, fp), NULL, MS_BIND | MS_REMOUNT | flags, NULL) < 0)
    return cd_err_sys (err, errno, "remount `%s` read-only", op->dest);
  return 0;
}
