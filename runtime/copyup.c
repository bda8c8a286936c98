/* Copy-up of the image's content into an empty volume (Docker's behaviour),
 * done in the container's mount namespace before the volume is mounted:
 * the image directory is resolved inside the root (a symlink in the image
 * cannot point the copy at host files), every entry below it is opened with
 * O_NOFOLLOW relative to its parent, and nothing but the volume is written. */
#include "mounts.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cleanup.h"

static int copy_dir (int src, int dst, int depth);

static void
set_meta (int dst_parent, const char *name, const struct stat *st, bool link)
{
  int fl = link ? AT_SYMLINK_NOFOLLOW : 0;
  if (fchownat (dst_parent, name, st->st_uid, st->st_gid, fl) < 0)
    { /* best effort: an id the volume's file system refuses */ }
  if (!link)
    fchmodat (dst_parent, name, st->st_mode & 07777, 0);
  struct timespec ts[2] = { st->st_atim, st->st_mtim };
  utimensat (dst_parent, name, ts, fl);
}

static int
copy_file (int src_parent, int dst_parent, const char *name, const struct stat *st)
{
  cleanup_close int in = openat (src_parent, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (in < 0)
    return -errno;
  cleanup_close int out = openat (dst_parent, name,
                                  O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (out < 0)
    return -errno;
  char buf[65536];
  for (;;)
    {
      ssize_t n = read (in, buf, sizeof buf);
      if (n < 0)
        return -errno;
      if (n == 0)
        break;
      for (ssize_t off = 0; off < n;)
        {
          ssize_t w = write (out, buf + off, (size_t) (n - off));
          if (w < 0)
            return -errno;
          off += w;
        }
    }
  (void) st;
  return 0;
}

static int
copy_entry (int src, int dst, const char *name, int depth)
{
  struct stat st;
  if (fstatat (src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return -errno;
  int r = 0;
  if (S_ISDIR (st.st_mode))
    {
      if (mkdirat (dst, name, 0700) < 0)
        return -errno;
      int s = openat (src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      int d = openat (dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      r = s < 0 || d < 0 ? -errno : copy_dir (s, d, depth + 1);
      if (s >= 0)
        close (s);
      if (d >= 0)
        close (d);
    }
  else if (S_ISREG (st.st_mode))
    r = copy_file (src, dst, name, &st);
  else if (S_ISLNK (st.st_mode))
    {
      char target[4096];
      ssize_t n = readlinkat (src, name, target, sizeof target - 1);
      if (n < 0)
        return -errno;
      target[n] = '\0';
      r = symlinkat (target, dst, name) < 0 ? -errno : 0;
    }
  else if (mknodat (dst, name, st.st_mode, st.st_rdev) < 0)
    r = -errno;
  if (r == 0)
    set_meta (dst, name, &st, S_ISLNK (st.st_mode));
  return r;
}

/* Takes ownership of src and dst only for reading; the caller closes them. */
static int
copy_dir (int src, int dst, int depth)
{
  if (depth > 256)
    return -ELOOP;
  int dupfd = dup (src);
  if (dupfd < 0)
    return -errno;
  cleanup_dir DIR *dir = fdopendir (dupfd);
  if (dir == NULL)
    {
      close (dupfd);
      return -errno;
    }
  struct dirent *e;
  while ((e = readdir (dir)))
    {
      if (strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0)
        continue;
      int r = copy_entry (src, dst, e->d_name, depth);
      if (r < 0)
        return r;
    }
  return 0;
}

static bool
dir_empty (int fd)
{
  int dupfd = dup (fd);
  cleanup_dir DIR *dir = dupfd >= 0 ? fdopendir (dupfd) : NULL;
  if (dir == NULL)
    {
      if (dupfd >= 0)
        close (dupfd);
      return false;
    }
  struct dirent *e;
  while ((e = readdir (dir)))
    if (strcmp (e->d_name, ".") && strcmp (e->d_name, ".."))
      return false;
  return true;
}

int
rt_copy_up (int rootfd, const char *dest, const char *src, struct cd_err *err)
{
  cleanup_close int path_fd = -1;
  struct cd_err ignore;
  if (rt_open_in_root (rootfd, dest, RT_NO_CREATE, &path_fd, &ignore) < 0)
    return 0;                   /* nothing in the image there */
  char fp[32];
  snprintf (fp, sizeof fp, "/proc/self/fd/%d", path_fd);
  cleanup_close int from = open (fp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (from < 0)
    return 0;                   /* not a directory: nothing to copy */
  cleanup_close int to = open (src, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (to < 0)
    return cd_err_sys (err, errno, "copy-up into volume `%s`", src);
  if (!dir_empty (to))
    return 0;
  struct stat st;
  if (fstat (from, &st) == 0)
    {
      if (fchown (to, st.st_uid, st.st_gid) < 0)
        { /* best effort */ }
      fchmod (to, st.st_mode & 07777);
    }
  int r = copy_dir (from, to, 0);
  if (r < 0)
    return cd_err_sys (err, -r, "copy-up of `%s` into volume `%s`", dest, src);
  return 0;
}
