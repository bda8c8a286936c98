/* Save's fallback for a layer whose original tar was not kept: re-create a
 * tar from its overlay2 diff directory, deterministically (names sorted,
 * numeric owners, whole-second mtimes), turning overlay whiteouts back into
 * the AUFS form the layer format uses: a 0/0 character device `x` becomes an
 * empty `.wh.x`, trusted.overlay.opaque=y an empty `dir/.wh..wh..opq`
 * right after the directory, as docker's overlay2 driver writes them. */
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "cleanup.h"
#include "images/save.h"

#define RETAR_CHUNK 65536

struct link_seen
{
  dev_t dev;
  ino_t ino;
  char *path;
};

struct retar
{
  const char *root;       /* the diff directory */
  struct archive *a;
  int fd;
  struct cd_sha256 *h;
  int64_t size;
  struct link_seen *links; /* files with more than one link, first path */
  size_t nlinks, cap;
  struct cd_err *err;
  char buf[RETAR_CHUNK];
};

static la_ssize_t
out_write (struct archive *a, void *data, const void *buf, size_t len)
{
  struct retar *t = data;
  const char *p = buf;
  size_t left = len;
  while (left > 0)
    {
      ssize_t w = write (t->fd, p, left);
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        {
          archive_set_error (a, w < 0 ? errno : ENOSPC, "write: %s",
                             strerror (w < 0 ? errno : ENOSPC));
          return -1;
        }
      p += w;
      left -= (size_t) w;
    }
  cd_sha256_update (t->h, buf, len);
  t->size += (int64_t) len;
  return (la_ssize_t) len;
}

static int
arch_fail (struct retar *t, const char *path)
{
  const char *m = archive_error_string (t->a);
  int e = archive_errno (t->a);
  return cd_err_set (t->err, e > 0 ? e : EIO, "re-create layer tar at `%s`: %s", path,
                     m ? m : "write failed");
}

static int
name_cmp (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* The names in a directory, sorted; *out is a malloc'd array of malloc'd names. */
static int
list_dir (int dfd, char ***out, size_t *n)
{
  int fd = openat (dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *d = fd < 0 ? NULL : fdopendir (fd);
  if (d == NULL)
    {
      int e = errno;
      if (fd >= 0)
        close (fd);
      return -e;
    }
  char **names = NULL;
  size_t cnt = 0, cap = 0;
  for (struct dirent *de; (de = readdir (d)) != NULL;)
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      if (cnt == cap)
        {
          cap = cap ? cap * 2 : 32;
          char **nn = realloc (names, cap * sizeof *nn);
          if (nn == NULL)
            break;
          names = nn;
        }
      if ((names[cnt] = strdup (de->d_name)) != NULL)
        cnt++;
    }
  closedir (d);
  if (cnt)
    qsort (names, cnt, sizeof *names, name_cmp);
  *out = names;
  *n = cnt;
  return 0;
}

/* security.capability and user.* go into the tar, as docker keeps them. */
static void
add_xattrs (struct retar *t, struct archive_entry *e, const char *rel)
{
  char path[8192], names[4096], value[4096];
  if ((size_t) snprintf (path, sizeof path, "%s/%s", t->root, rel) >= sizeof path)
    return;
  ssize_t n = llistxattr (path, names, sizeof names);
  for (ssize_t off = 0; n > 0 && off < n; off += (ssize_t) strlen (names + off) + 1)
    {
      const char *k = names + off;
      if (strcmp (k, "security.capability") != 0 && strncmp (k, "user.", 5) != 0)
        continue;
      ssize_t vl = lgetxattr (path, k, value, sizeof value);
      if (vl >= 0)
        archive_entry_xattr_add_entry (e, k, value, (size_t) vl);
    }
}

/* A hard link to a file seen before: its first path, else NULL (and noted). */
static const char *
hardlink_of (struct retar *t, const struct stat *st, const char *rel)
{
  if (!S_ISREG (st->st_mode) || st->st_nlink < 2)
    return NULL;
  for (size_t i = 0; i < t->nlinks; i++)
    if (t->links[i].dev == st->st_dev && t->links[i].ino == st->st_ino)
      return t->links[i].path;
  if (t->nlinks == t->cap)
    {
      size_t cap = t->cap ? t->cap * 2 : 16;
      struct link_seen *nl = realloc (t->links, cap * sizeof *nl);
      if (nl == NULL)
        return NULL;
      t->links = nl;
      t->cap = cap;
    }
  t->links[t->nlinks++] = (struct link_seen){ st->st_dev, st->st_ino, strdup (rel) };
  return NULL;
}

static int
put_data (struct retar *t, int dfd, const char *name, const char *rel)
{
  cleanup_close int fd = openat (dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return cd_err_sys (t->err, errno, "re-create layer tar: open `%s`", rel);
  for (;;)
    {
      ssize_t n = read (fd, t->buf, sizeof t->buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return cd_err_sys (t->err, errno, "re-create layer tar: read `%s`", rel);
      if (n == 0)
        return 0;
      if (archive_write_data (t->a, t->buf, (size_t) n) < n)
        return arch_fail (t, rel);
    }
}

/* Writes one header (and the data of a regular file). */
static int
put_entry (struct retar *t, int dfd, const char *name, const char *rel, const struct stat *st)
{
  struct archive_entry *e = archive_entry_new ();
  if (e == NULL)
    return cd_err_set (t->err, ENOMEM, "out of memory");
  archive_entry_copy_stat (e, st);
  archive_entry_set_mtime (e, st->st_mtim.tv_sec, 0);
  archive_entry_unset_atime (e);
  archive_entry_unset_ctime (e);
  archive_entry_unset_birthtime (e);
  archive_entry_set_ino (e, 0);
  archive_entry_set_dev (e, 0);
  archive_entry_set_nlink (e, 1);
  const char *link = hardlink_of (t, st, rel);
  bool whiteout = S_ISCHR (st->st_mode) && st->st_rdev == 0;
  char path[8192], target[4096];
  if ((size_t) snprintf (path, sizeof path, "%s%s", rel, S_ISDIR (st->st_mode) ? "/" : "")
      >= sizeof path)
    return cd_err_set (t->err, ENAMETOOLONG, "re-create layer tar: `%s`: name too long", rel);
  if (whiteout)
    {
      const char *slash = strrchr (rel, '/');
      int dirlen = slash ? (int) (slash - rel + 1) : 0;
      if ((size_t) snprintf (path, sizeof path, "%.*s.wh.%s", dirlen, rel, name) >= sizeof path)
        return cd_err_set (t->err, ENAMETOOLONG, "re-create layer tar: `%s`: name too long", rel);
      archive_entry_set_filetype (e, AE_IFREG);
      archive_entry_set_perm (e, 0600);
      archive_entry_set_rdev (e, 0);
    }
  archive_entry_set_pathname (e, path);
  if (link)
    {
      archive_entry_set_hardlink (e, link);
      archive_entry_set_size (e, 0);
    }
  else if (S_ISLNK (st->st_mode))
    {
      ssize_t n = readlinkat (dfd, name, target, sizeof target - 1);
      target[n < 0 ? 0 : n] = '\0';
      archive_entry_set_symlink (e, target);
    }
  if (!S_ISREG (st->st_mode) || whiteout)
    archive_entry_set_size (e, 0);
  if (!whiteout)
    add_xattrs (t, e, rel);
  int r = archive_write_header (t->a, e) < ARCHIVE_WARN ? arch_fail (t, rel) : 0;
  archive_entry_free (e);
  if (r == 0 && link == NULL && S_ISREG (st->st_mode))
    r = put_data (t, dfd, name, rel);
  return r;
}

/* The empty `.wh..wh..opq` docker writes right after an opaque directory. */
static int
put_opaque (struct retar *t, const char *rel, const struct stat *st)
{
  char path[8192], path_x[8192], v[2];
  if ((size_t) snprintf (path_x, sizeof path_x, "%s/%s", t->root, rel) >= sizeof path_x
      || (size_t) snprintf (path, sizeof path, "%s/.wh..wh..opq", rel) >= sizeof path)
    return cd_err_set (t->err, ENAMETOOLONG, "re-create layer tar: `%s`: name too long", rel);
  if (lgetxattr (path_x, "trusted.overlay.opaque", v, sizeof v) != 1 || v[0] != 'y')
    return 0;
  struct archive_entry *e = archive_entry_new ();
  if (e == NULL)
    return cd_err_set (t->err, ENOMEM, "out of memory");
  archive_entry_set_pathname (e, path);
  archive_entry_set_filetype (e, AE_IFREG);
  archive_entry_set_perm (e, st->st_mode & 0777);
  archive_entry_set_uid (e, st->st_uid);
  archive_entry_set_gid (e, st->st_gid);
  archive_entry_set_mtime (e, st->st_mtim.tv_sec, 0);
  archive_entry_set_size (e, 0);
  int r = archive_write_header (t->a, e) < ARCHIVE_WARN ? arch_fail (t, path) : 0;
  archive_entry_free (e);
  return r;
}

static int
walk (struct retar *t, int dfd, const char *prefix, int depth)
{
  char **names = NULL;
  size_t n = 0;
  if (depth > 256)
    return cd_err_set (t->err, ELOOP, "re-create layer tar: `%s` is nested too deep", prefix);
  int r = list_dir (dfd, &names, &n);
  if (r < 0)
    return cd_err_sys (t->err, -r, "re-create layer tar: read directory `%s`",
                       *prefix ? prefix : "/");
  for (size_t i = 0; i < n && r == 0; i++)
    {
      char rel[8192];
      struct stat st;
      if ((size_t) snprintf (rel, sizeof rel, "%s%s%s", prefix, *prefix ? "/" : "", names[i])
          >= sizeof rel)
        r = cd_err_set (t->err, ENAMETOOLONG, "re-create layer tar: `%s/%s`: name too long",
                        prefix, names[i]);
      else if (fstatat (dfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0)
        r = cd_err_sys (t->err, errno, "re-create layer tar: stat `%s`", rel);
      else if (S_ISSOCK (st.st_mode))
        continue; /* docker skips sockets too */
      else if ((r = put_entry (t, dfd, names[i], rel, &st)) == 0 && S_ISDIR (st.st_mode))
        {
          int sub = openat (dfd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
          if (sub < 0)
            r = cd_err_sys (t->err, errno, "re-create layer tar: open `%s`", rel);
          else
            {
              r = put_opaque (t, rel, &st);
              if (r == 0)
                r = walk (t, sub, rel, depth + 1);
              close (sub);
            }
        }
    }
  for (size_t i = 0; i < n; i++)
    free (names[i]);
  free (names);
  return r;
}

int
img_retar_diff (const char *diff_dir, int fd, char diff_id[CD_DIGEST_LEN], int64_t *size,
                struct cd_err *err)
{
  struct retar *t = calloc (1, sizeof *t);
  if (t == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  t->root = diff_dir;
  t->fd = fd;
  t->err = err;
  t->h = cd_sha256_new ();
  t->a = archive_write_new ();
  cleanup_close int dfd = open (diff_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int r = 0;
  if (t->h == NULL || t->a == NULL)
    r = cd_err_set (err, ENOMEM, "out of memory");
  else if (dfd < 0)
    r = cd_err_sys (err, errno, "re-create layer tar: open `%s`", diff_dir);
  if (r == 0)
    {
      archive_write_set_format_pax_restricted (t->a);
      archive_write_add_filter_none (t->a);
      archive_write_set_bytes_in_last_block (t->a, 1);
      if (archive_write_open (t->a, t, NULL, out_write, NULL) != ARCHIVE_OK)
        r = arch_fail (t, diff_dir);
    }
  if (r == 0)
    r = walk (t, dfd, "", 0);
  if (r == 0 && archive_write_close (t->a) != ARCHIVE_OK)
    r = arch_fail (t, diff_dir);
  if (t->a)
    archive_write_free (t->a);
  if (r == 0)
    {
      cd_sha256_final (t->h, diff_id);
      *size = t->size;
    }
  else
    cd_sha256_free (t->h);
  for (size_t i = 0; i < t->nlinks; i++)
    free (t->links[i].path);
  free (t->links);
  free (t);
  return r;
}
