/* Paths inside the container's root, resolved by the kernel as if the root
 * were "/" (openat2 RESOLVE_IN_ROOT): an image symlink "evil -> /tmp/host"
 * leads to <root>/tmp/host, never to the host's /tmp. Missing components are
 * created one at a time, each relative to a parent resolved the same way. */
#include "mounts.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"

static int
open_in (int rootfd, const char *path, int flags)
{
  struct open_how how = {
    .flags = (uint64_t) (flags | O_PATH | O_CLOEXEC),
    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
  };
  for (int i = 0; i < 16; i++)
    {
      int fd = (int) syscall (SYS_openat2, rootfd, path[0] ? path : "/", &how, sizeof how);
      if (fd >= 0 || errno != EAGAIN)
        return fd;
    }
  return -1;
}

/* Creates name in parent; on EEXIST (a dangling symlink) stores its target
 * in link and returns 1. */
static int
create_at (int parent, const char *name, bool as_file, char *link, size_t len)
{
  int r;
  if (as_file)
    {
      r = openat (parent, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
      if (r >= 0)
        close (r);
    }
  else
    r = mkdirat (parent, name, 0755);
  if (r >= 0)
    return 0;
  if (errno != EEXIST)
    return -errno;
  ssize_t n = readlinkat (parent, name, link, len - 1);
  if (n < 0)
    return -EEXIST;
  link[n] = '\0';
  return 1;
}

/* Creates the first missing component of path. Returns 0 when one was
 * created, 1 when path was rewritten through a dangling symlink. */
static int
create_step (int rootfd, char *path, size_t size, enum rt_create create)
{
  char prefix[PATH_MAX] = "";
  const char *p = path;
  for (;;)
    {
      while (*p == '/')
        p++;
      if (*p == '\0')
        return -EEXIST;         /* everything exists: a race, let the caller retry */
      const char *end = strchrnul (p, '/');
      char comp[NAME_MAX + 1];
      if ((size_t) (end - p) > NAME_MAX)
        return -ENAMETOOLONG;
      snprintf (comp, sizeof comp, "%.*s", (int) (end - p), p);
      char next[PATH_MAX];
      if (snprintf (next, sizeof next, "%s/%s", prefix, comp) >= (int) sizeof next)
        return -ENAMETOOLONG;
      int fd = open_in (rootfd, next, 0);
      if (fd >= 0)
        {
          close (fd);
          snprintf (prefix, sizeof prefix, "%s", next);
          p = end;
          continue;
        }
      if (errno != ENOENT)
        return -errno;
      cleanup_close int parent = open_in (rootfd, prefix, O_DIRECTORY);
      if (parent < 0)
        return -errno;
      while (*end == '/')
        end++;
      char link[PATH_MAX];
      int r = create_at (parent, comp, *end == '\0' && create == RT_CREATE_FILE, link,
                         sizeof link);
      if (r <= 0)
        return r;
      char rewritten[PATH_MAX];
      int n = link[0] == '/' ? snprintf (rewritten, sizeof rewritten, "%s/%s", link, end)
                             : snprintf (rewritten, sizeof rewritten, "%s/%s/%s", prefix, link,
                                         end);
      if (n >= (int) sizeof rewritten || (size_t) n >= size)
        return -ENAMETOOLONG;
      memcpy (path, rewritten, (size_t) n + 1);
      return 1;
    }
}

int
rt_open_in_root (int rootfd, const char *path, enum rt_create create, int *out,
                 struct cd_err *err)
{
  char cur[PATH_MAX];
  if (snprintf (cur, sizeof cur, "%s", path) >= (int) sizeof cur)
    return cd_err_set (err, ENAMETOOLONG, "`%s`: path too long", path);
  for (int i = 0; i < 256; i++)
    {
      int fd = open_in (rootfd, cur, 0);
      if (fd >= 0)
        {
          *out = fd;
          return 0;
        }
      if (errno == ENOSYS)
        return cd_err_sys (err, errno, "openat2 `%s` (Linux 5.6 or later is required)", path);
      if (errno != ENOENT || create == RT_NO_CREATE)
        return cd_err_sys (err, errno, "open `%s` inside the container", path);
      int r = create_step (rootfd, cur, sizeof cur, create);
      if (r < 0 && r != -EEXIST)
        return cd_err_sys (err, r, "create `%s` inside the container", path);
    }
  return cd_err_set (err, ELOOP, "create `%s` inside the container: too many levels of "
                                 "symbolic links", path);
}
