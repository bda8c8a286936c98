#include "fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"

int
cd_mkdir_p (const char *path, mode_t mode, struct cd_err *err)
{
  char buf[PATH_MAX];
  size_t n = strlen (path);
  if (n == 0 || n >= sizeof buf)
    return cd_err_set (err, ENAMETOOLONG, "invalid path `%s`", path);
  memcpy (buf, path, n + 1);
  for (char *p = buf + 1; ; p++)
    {
      if (*p != '/' && *p != '\0')
        continue;
      char saved = *p;
      *p = '\0';
      if (mkdir (buf, mode) < 0 && errno != EEXIST)
        return cd_err_sys (err, errno, "mkdir `%s`", buf);
      if (saved == '\0')
        break;
      *p = saved;
    }
  struct stat st;
  if (stat (path, &st) < 0)
    return cd_err_sys (err, errno, "stat `%s`", path);
  if (!S_ISDIR (st.st_mode))
    return cd_err_set (err, ENOTDIR, "`%s` exists and is not a directory", path);
  return 0;
}

static int
fsync_parent (const char *path)
{
  char dir[PATH_MAX];
  snprintf (dir, sizeof dir, "%s", path);
  char *slash = strrchr (dir, '/');
  if (slash == NULL)
    snprintf (dir, sizeof dir, ".");
  else if (slash == dir)
    slash[1] = '\0';
  else
    *slash = '\0';
  cleanup_close int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  return fsync (fd) < 0 ? -errno : 0;
}

static int
write_file (const char *path, const void *data, size_t len, mode_t mode, bool durable,
            struct cd_err *err)
{
  char tmp[PATH_MAX];
  if ((size_t) snprintf (tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp)
    return cd_err_set (err, ENAMETOOLONG, "path too long `%s`", path);
  cleanup_close int fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0)
    return cd_err_sys (err, errno, "open `%s`", tmp);
  const char *p = data;
  while (len > 0)
    {
      ssize_t w = write (fd, p, len);
      if (w < 0 && errno == EINTR)
        continue;
      if (w < 0)
        {
          int e = errno;
          unlink (tmp);
          return cd_err_sys (err, e, "write `%s`", tmp);
        }
      p += w;
      len -= (size_t) w;
    }
  if ((durable && fsync (fd) < 0) || rename (tmp, path) < 0)
    {
      int e = errno;
      unlink (tmp);
      return cd_err_sys (err, e, "write `%s`", path);
    }
  if (durable)
    fsync_parent (path);
  return 0;
}

int
cd_write_file_atomic (const char *path, const void *data, size_t len, mode_t mode,
                      struct cd_err *err)
{
  return write_file (path, data, len, mode, true, err);
}

int
cd_write_file_replace (const char *path, const void *data, size_t len, mode_t mode,
                       struct cd_err *err)
{
  return write_file (path, data, len, mode, false, err);
}

int
cd_read_file (const char *path, char **out, size_t *len, struct cd_err *err)
{
  cleanup_close int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return cd_err_sys (err, errno, "open `%s`", path);
  size_t cap = 4096, n = 0;
  cleanup_free char *buf = malloc (cap);
  if (buf == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  for (;;)
    {
      if (n + 1 >= cap)
        {
          char *nb = realloc (buf, cap * 2);
          if (nb == NULL)
            return cd_err_set (err, ENOMEM, "out of memory");
          buf = nb;
          cap *= 2;
        }
      ssize_t r = read (fd, buf + n, cap - n - 1);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return cd_err_sys (err, errno, "read `%s`", path);
      if (r == 0)
        break;
      n += (size_t) r;
    }
  buf[n] = '\0';
  if (len)
    *len = n;
  *out = steal_ptr (&buf);
  return 0;
}

static int
rm_rf_at (int dfd, const char *name, dev_t dev, struct cd_err *err)
{
  struct stat st;
  if (fstatat (dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return errno == ENOENT ? 0 : cd_err_sys (err, errno, "stat `%s`", name);
  if (!S_ISDIR (st.st_mode))
    {
      if (unlinkat (dfd, name, 0) < 0 && errno != ENOENT)
        return cd_err_sys (err, errno, "unlink `%s`", name);
      return 0;
    }
  if (st.st_dev != dev)
    return cd_err_set (err, EBUSY, "`%s` is a mount point", name);
  int fd = openat (dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return cd_err_sys (err, errno, "open `%s`", name);
  cleanup_dir DIR *d = fdopendir (fd);
  if (d == NULL)
    {
      close (fd);
      return cd_err_sys (err, errno, "opendir `%s`", name);
    }
  struct dirent *de;
  while ((de = readdir (d)) != NULL)
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      int r = rm_rf_at (dirfd (d), de->d_name, dev, err);
      if (r < 0)
        return r;
    }
  if (unlinkat (dfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
    return cd_err_sys (err, errno, "rmdir `%s`", name);
  return 0;
}

int
cd_rm_rf (const char *path, struct cd_err *err)
{
  struct stat st;
  if (lstat (path, &st) < 0)
    return errno == ENOENT ? 0 : cd_err_sys (err, errno, "stat `%s`", path);
  return rm_rf_at (AT_FDCWD, path, st.st_dev, err);
}

char *
cd_path_join (const char *a, const char *b)
{
  size_t la = strlen (a);
  while (la > 1 && a[la - 1] == '/')
    la--;
  while (*b == '/')
    b++;
  char *r = malloc (la + strlen (b) + 2);
  if (r)
    sprintf (r, "%.*s/%s", (int) la, a, b);
  return r;
}
