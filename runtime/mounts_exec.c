/* The mount operations, executed by one switch in the child. Before
 * pivot_root every target is resolved inside the root (rt_open_in_root) and
 * mounted through /proc/self/fd/N; after it, plain paths cannot leave the
 * container any more. */
#include "mounts_internal.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"

const char *
rt_fd_path (int fd, char buf[RT_FD_PATH_MAX])
{
  snprintf (buf, RT_FD_PATH_MAX, "/proc/self/fd/%d", fd);
  return buf;
}

/* Applies flags (bind remount) and propagation to what is now mounted on
 * dest: dest is looked up again, the old fd points below the new mount. */
static int
after_mount (int rootfd, const char *dest, unsigned long remount, unsigned long propagation,
             struct cd_err *err)
{
  if (remount == 0 && propagation == 0)
    return 0;
  cleanup_close int fd = -1;
  char fp[RT_FD_PATH_MAX];
  int r = rt_open_in_root (rootfd, dest, RT_NO_CREATE, &fd, err);
  if (r < 0)
    return r;
  if (remount && mount (NULL, rt_fd_path (fd, fp), NULL, MS_BIND | MS_REMOUNT | remount, NULL) < 0)
    return cd_err_sys (err, errno, "remount `%s`", dest);
  if (propagation && mount (NULL, rt_fd_path (fd, fp), NULL, propagation, NULL) < 0)
    return cd_err_sys (err, errno, "set propagation of `%s`", dest);
  return 0;
}

int
rt_bind_in_root (int rootfd, const char *src, const char *dest, unsigned long flags,
                 unsigned long propagation, struct cd_err *err)
{
  struct stat st;
  if (stat (src, &st) < 0)
    return cd_err_sys (err, errno, "bind mount source `%s`", src);
  cleanup_close int fd = -1;
  char fp[RT_FD_PATH_MAX];
  int r = rt_open_in_root (rootfd, dest, S_ISDIR (st.st_mode) ? RT_CREATE_DIR : RT_CREATE_FILE,
                           &fd, err);
  if (r < 0)
    return cd_err_wrap (err, "mount `%s` on `%s`", src, dest);
  if (mount (src, rt_fd_path (fd, fp), NULL, MS_BIND | (flags & MS_REC), NULL) < 0)
    return cd_err_sys (err, errno, "mount `%s` on `%s`", src, dest);
  return after_mount (rootfd, dest, flags & ~(MS_BIND | MS_REC | MS_REMOUNT), propagation, err);
}

static int
mop_fs (struct rt_mctx *m, const struct rt_mop *op, struct cd_err *err)
{
  cleanup_close int fd = -1;
  char fp[RT_FD_PATH_MAX];
  int r = rt_open_in_root (m->rootfd, op->dest, RT_CREATE_DIR, &fd, err);
  if (r < 0)
    return cd_err_wrap (err, "mount `%s` on `%s`", op->source, op->dest);
  if (mount (op->source, rt_fd_path (fd, fp), op->fstype, op->flags & ~MS_REMOUNT, op->data) < 0)
    return cd_err_sys (err, errno, "mount `%s` on `%s`", op->source, op->dest);
  return after_mount (m->rootfd, op->dest, 0, op->propagation, err);
}

/* pivot_root refuses shared mounts around the new root: with
 * rootfsPropagation (r)shared, the mount the root is mounted on is made
 * private first (in our own mount namespace only), so that the root mount
 * is created private too; the propagation is applied to the container's "/"
 * after pivot_root (as runc does). */
static int
parent_mount_private (const char *root, struct cd_err *err)
{
  cleanup_fclose FILE *f = fopen ("/proc/self/mountinfo", "re");
  char line[8192], mp[4096], best[4096] = "/";
  size_t rl = strlen (root);
  if (f == NULL)
    return cd_err_sys (err, errno, "open `/proc/self/mountinfo`");
  while (fgets (line, sizeof line, f))
    {
      if (sscanf (line, "%*s %*s %*s %*s %4095s", mp) != 1)
        continue;
      size_t ml = strlen (mp);
      bool under = ml == 1
                   || (ml <= rl && strncmp (root, mp, ml) == 0 && (root[ml] == '/' || !root[ml]));
      if (under && ml > strlen (best))
        memcpy (best, mp, ml + 1);
    }
  if (mount (NULL, best, NULL, MS_PRIVATE, NULL) < 0)
    return cd_err_sys (err, errno, "make `%s` private for pivot_root", best);
  return 0;
}

static int
mop_root (struct rt_mctx *m, const struct rt_mop *op, struct cd_err *err)
{
  const struct rt_mount_plan *p = m->p;
  const char *root = p->c->root_path;
  int r;
  if ((p->c->rootfs_propagation & MS_SHARED) && (r = parent_mount_private (root, err)) < 0)
    return r;
  if (op->kind == RT_MOP_ROOT_BIND)
    {
      if (mount (root, root, NULL, MS_BIND | MS_REC, NULL) < 0)
        return cd_err_sys (err, errno, "mount `%s` on itself", root);
    }
  else
    {
      if (p->overlay_dir && chdir (p->overlay_dir) < 0)
        return cd_err_sys (err, errno, "chdir `%s` for the overlay mount", p->overlay_dir);
      if (mount ("overlay", root, "overlay", 0, op->data) < 0)
        return cd_err_sys (err, errno, "mount `overlay` on `%s` (%s)", root, op->data);
      if (chdir ("/") < 0)
        return cd_err_sys (err, errno, "chdir `/`");
    }
  m->rootfd = open (root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (m->rootfd < 0)
    return cd_err_sys (err, errno, "open root `%s`", root);
  return 0;
}

/* The runc sequence: with the root as "." pivot_root(".", ".") stacks the
 * old root on top of the new one; detaching "." then drops the old root
 * (after making it a slave so the unmount cannot propagate to the host). */
static int
mop_pivot (struct rt_mctx *m, struct cd_err *err)
{
  if (fchdir (m->rootfd) < 0)
    return cd_err_sys (err, errno, "chdir into the root");
  if (syscall (SYS_pivot_root, ".", ".") < 0)
    return cd_err_sys (err, errno, "pivot_root `%s`", m->p->c->root_path);
  if (mount (NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
    return cd_err_sys (err, errno, "make the old root a slave");
  if (umount2 (".", MNT_DETACH) < 0)
    return cd_err_sys (err, errno, "unmount the old root");
  if (chdir ("/") < 0)
    return cd_err_sys (err, errno, "chdir `/`");
  unsigned long prop = m->p->c->rootfs_propagation;
  if (prop && mount (NULL, "/", NULL, prop, NULL) < 0)
    return cd_err_sys (err, errno, "set the propagation of the container's `/`");
  close (m->rootfd);
  m->rootfd = -1;
  return 0;
}

/* Flags a bind remount must repeat so that it only adds MS_RDONLY. */
static unsigned long
kept_flags (const char *path)
{
  struct statvfs sv;
  unsigned long f = 0;
  if (statvfs (path, &sv) < 0)
    return 0;
  f |= (sv.f_flag & ST_NOSUID) ? MS_NOSUID : 0;
  f |= (sv.f_flag & ST_NODEV) ? MS_NODEV : 0;
  f |= (sv.f_flag & ST_NOEXEC) ? MS_NOEXEC : 0;
  f |= (sv.f_flag & ST_NOATIME) ? MS_NOATIME : 0;
  f |= (sv.f_flag & ST_NODIRATIME) ? MS_NODIRATIME : 0;
  f |= (sv.f_flag & ST_RELATIME) ? MS_RELATIME : 0;
  return f;
}

static int
mop_readonly (const char *path, struct cd_err *err)
{
  if (mount (path, path, NULL, MS_BIND | MS_REC, NULL) < 0)
    {
      if (errno == ENOENT)
        return 0;
      return cd_err_sys (err, errno, "mount `%s` on itself (read-only path)", path);
    }
  if (mount (NULL, path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | kept_flags (path), NULL) < 0)
    return cd_err_sys (err, errno, "remount `%s` read-only", path);
  return 0;
}

static int
mop_mask (const char *path, struct cd_err *err)
{
  struct stat st;
  if (stat (path, &st) < 0)
    return errno == ENOENT ? 0 : cd_err_sys (err, errno, "masked path `%s`", path);
  if (S_ISDIR (st.st_mode))
    {
      if (mount ("tmpfs", path, "tmpfs", MS_RDONLY, NULL) < 0)
        return cd_err_sys (err, errno, "mount `tmpfs` on `%s` (masked path)", path);
    }
  else if (mount ("/dev/null", path, NULL, MS_BIND, NULL) < 0)
    return cd_err_sys (err, errno, "mount `/dev/null` on `%s` (masked path)", path);
  return 0;
}

static int
run_op (struct rt_mctx *m, const struct rt_mop *op, struct cd_err *err)
{
  switch (op->kind)
    {
    case RT_MOP_PROPAGATE_ROOT:
      if (mount (NULL, "/", NULL, op->propagation, NULL) < 0)
        return cd_err_sys (err, errno, "set the propagation of `/`");
      return 0;
    case RT_MOP_ROOT_OVERLAY:
    case RT_MOP_ROOT_BIND:
      return mop_root (m, op, err);
    case RT_MOP_MOUNT:
      return mop_fs (m, op, err);
    case RT_MOP_BIND:
      if (op->copy_up)
        {
          int r = rt_copy_up (m->rootfd, op->dest, op->source, err);
          if (r < 0)
            return r;
        }
      return rt_bind_in_root (m->rootfd, op->source, op->dest, op->flags, op->propagation, err);
    case RT_MOP_CGROUPFS:
      return rt_mop_cgroupfs (m, op, err);
    case RT_MOP_DEVICES:
      return rt_mop_devices (m, err);
    case RT_MOP_DEV_SYMLINKS:
      return rt_mop_dev_symlinks (m, err);
    case RT_MOP_CONSOLE:
      return rt_mop_console (m, err);
    case RT_MOP_PIVOT:
      return mop_pivot (m, err);
    case RT_MOP_READONLY:
      return mop_readonly (op->dest, err);
    case RT_MOP_MASK:
      return mop_mask (op->dest, err);
    case RT_MOP_ROOT_READONLY:
      if (mount (NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | kept_flags ("/"), NULL) < 0)
        return cd_err_sys (err, errno, "remount `/` read-only");
      return 0;
    }
  return cd_err_set (err, EINVAL, "unknown mount operation %d", (int) op->kind);
}

int
rt_mounts_rootfs (const struct rt_mount_plan *p, struct cd_err *err)
{
  struct rt_mctx m = { .p = p, .rootfd = -1 };
  int r = 0;
  for (size_t i = 0; i < p->n_pre && r == 0; i++)
    r = run_op (&m, &p->ops[i], err);
  if (m.rootfd >= 0)
    close (m.rootfd);
  return r;
}

int
rt_mounts_finish (const struct rt_mount_plan *p, struct cd_err *err)
{
  struct rt_mctx m = { .p = p, .rootfd = -1 };
  for (size_t i = p->n_pre; i < p->n; i++)
    {
      int r = run_op (&m, &p->ops[i], err);
      if (r < 0)
        return r;
    }
  return 0;
}
