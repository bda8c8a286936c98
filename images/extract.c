/* Layer extraction: libarchive decodes, we write.
 *
 * Two libarchive readers are chained.  The outer one has the decompression
 * filters and the "raw" format, so its data is the uncompressed tar; the
 * inner one reads tar from it through a callback.  Both callbacks hash what
 * passes, giving compressed_digest and diff_id while holding no more than
 * libarchive's buffers in memory.
 *
 * Entries are written with *at() calls relative to an fd on the layer root:
 * every directory on the way is opened with O_NOFOLLOW, and whatever is at
 * the entry's own name is removed before the new node is created (O_EXCL,
 * mknodat, symlinkat), so nothing is written through a symlink and no name
 * leaves the layer.  No chdir and no process-wide state: thread-safe. */
#include "extract.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"

#define WH_PREFIX ".wh."
#define WH_PREFIX_LEN 4
#define WH_OPAQUE ".wh..wh..opq"
#define OPAQUE_XATTR "trusted.overlay.opaque"
#define FD_READ_CHUNK (128 * 1024)

/* ---- the byte streams ---------------------------------------------------- */

struct layer_stream
{
  img_read_fn read;
  void *rctx;
  struct cd_sha256 *raw_hash;
  struct cd_sha256 *tar_hash;
  struct archive *outer; /* filters + raw format: yields the uncompressed tar */
  struct archive *tar;   /* tar formats, reading from outer */
  bool raw_eof;
  bool uncompressed;    /* no filter: the raw digest is the diff_id, hash once */
  int read_errno;       /* set when the caller's read function failed */
  img_tap_fn tap;       /* optional: sees the uncompressed stream */
  void *tap_ctx;
  char outer_msg[256];  /* set when decompression failed */
  uint64_t tar_size;
};

/* The outer reader's input: the caller's chunks, hashed.  a is NULL when
 * draining after the archive is done. */
static ssize_t
raw_read_cb (struct archive *a, void *data, const void **buf)
{
  struct layer_stream *s = data;
  if (s->raw_eof)
    return 0;
  ssize_t n = s->read (s->rctx, buf);
  if (n < 0)
    {
      s->read_errno = (int) -n;
      if (a)
        archive_set_error (a, s->read_errno, "read layer: %s", strerror (s->read_errno));
      return -1;
    }
  s->raw_eof = n == 0;
  if (!s->uncompressed)
    cd_sha256_update (s->raw_hash, *buf, (size_t) n);
  return n;
}

/* The tar reader's input: the outer reader's data (the uncompressed
 * stream), hashed.  a is NULL when draining. */
static ssize_t
tar_read_cb (struct archive *a, void *data, const void **buf)
{
  struct layer_stream *s = data;
  size_t len = 0;
  la_int64_t off;
  int r;
  do
    r = archive_read_data_block (s->outer, buf, &len, &off);
  while ((r == ARCHIVE_OK || r == ARCHIVE_WARN) && len == 0);
  if (r == ARCHIVE_EOF)
    return 0;
  if (r < ARCHIVE_WARN)
    {
      const char *m = archive_error_string (s->outer);
      snprintf (s->outer_msg, sizeof s->outer_msg, "%s", m ? m : "decompression failed");
      if (a)
        archive_set_error (a, s->read_errno ? s->read_errno : EINVAL, "%s", s->outer_msg);
      return -1;
    }
  cd_sha256_update (s->tar_hash, *buf, len);
  s->tar_size += len;
  if (s->tap)
    s->tap (s->tap_ctx, *buf, len);
  return (ssize_t) len;
}

/* Turns the state of a failed reader into an error naming entry (if any). */
static int
stream_fail (struct layer_stream *s, struct archive *a, const char *entry, struct cd_err *err)
{
  char at[CD_ERR_MSG_MAX / 2] = "";
  if (entry)
    snprintf (at, sizeof at, " at entry `%s`", entry);
  if (s->read_errno)
    return cd_err_sys (err, s->read_errno, "read layer%s", at);
  const char *m = s->outer_msg[0] ? s->outer_msg : archive_error_string (a);
  return cd_err_set (err, EINVAL, "invalid layer%s: %s", at, m ? m : "unknown error");
}

static int
stream_open (struct layer_stream *s, struct cd_err *err)
{
  s->raw_hash = cd_sha256_new ();
  s->tar_hash = cd_sha256_new ();
  s->outer = archive_read_new ();
  s->tar = archive_read_new ();
  if (!s->raw_hash || !s->tar_hash || !s->outer || !s->tar)
    return cd_err_set (err, ENOMEM, "extract layer: out of memory");
  /* The compressions Docker accepts; not _all, which may spawn programs. */
  archive_read_support_filter_gzip (s->outer);
  archive_read_support_filter_bzip2 (s->outer);
  archive_read_support_filter_xz (s->outer);
  archive_read_support_filter_zstd (s->outer);
  archive_read_support_format_raw (s->outer);
  if (archive_read_open (s->outer, s, NULL, raw_read_cb, NULL) != ARCHIVE_OK)
    return stream_fail (s, s->outer, NULL, err);
  struct archive_entry *e;
  int r = archive_read_next_header (s->outer, &e);
  if (r == ARCHIVE_EOF)
    return cd_err_set (err, EINVAL, "invalid layer: the stream is empty");
  if (r < ARCHIVE_WARN)
    return stream_fail (s, s->outer, NULL, err);
  /* libarchive would peel any number of layers; Docker decompresses once. */
  if (archive_filter_count (s->outer) > 2)
    return cd_err_set (err, EINVAL, "invalid layer: compressed more than once (%s inside %s)",
                       archive_filter_name (s->outer, 0), archive_filter_name (s->outer, 1));
  /* Only the "none" filter: the bytes read are the tar itself. What was
   * hashed so far is dropped; the diff_id stands for both digests. */
  s->uncompressed = archive_filter_count (s->outer) == 1;
  archive_read_support_format_tar (s->tar);
  if (archive_read_open (s->tar, s, NULL, tar_read_cb, NULL) != ARCHIVE_OK)
    return stream_fail (s, s->tar, NULL, err);
  return 0;
}

/* Reads what follows the tar end-of-archive (padding) so that both digests
 * cover the whole stream, like sha256sum would. */
static int
stream_drain (struct layer_stream *s, struct cd_err *err)
{
  const void *buf;
  ssize_t n;
  while ((n = tar_read_cb (NULL, s, &buf)) > 0)
    ;
  while (n == 0 && (n = raw_read_cb (NULL, s, &buf)) > 0)
    ;
  return n < 0 ? stream_fail (s, s->outer, NULL, err) : 0;
}

static void
stream_free (struct layer_stream *s)
{
  if (s->tar)
    archive_read_free (s->tar);
  if (s->outer)
    archive_read_free (s->outer);
  cd_sha256_free (s->raw_hash);
  cd_sha256_free (s->tar_hash);
}

/* ---- paths ---------------------------------------------------------------- */

/* Cleans name lexically into a malloc'd path relative to the layer root
 * ("" is the root itself): leading and repeated '/', "." and "dir/.." are
 * folded away.  -EINVAL when a ".." would climb above the root. */
static int
clean_path (const char *name, char **out)
{
  cleanup_free char *buf = malloc (strlen (name) + 1);
  if (buf == NULL)
    return -ENOMEM;
  size_t len = 0;
  for (const char *c = name + strspn (name, "/"); *c; c += strspn (c, "/"))
    {
      size_t cl = strcspn (c, "/");
      if (cl == 2 && c[0] == '.' && c[1] == '.')
        {
          if (len == 0)
            return -EINVAL;
          char *slash = memrchr (buf, '/', len);
          len = slash ? (size_t) (slash - buf) : 0;
        }
      else if (cl != 1 || c[0] != '.')
        {
          if (len)
            buf[len++] = '/';
          memcpy (buf + len, c, cl);
          len += cl;
        }
      c += cl;
    }
  buf[len] = '\0';
  *out = steal_ptr (&buf);
  return 0;
}

/* ---- the writer ----------------------------------------------------------- */

struct dir_meta
{
  char *path; /* cleaned; "" is the root */
  mode_t mode;
  struct timespec times[2];
};

struct extractor
{
  int rootfd;
  char *cache_path; /* the last parent directory resolved, and its fd */
  int cache_fd;
  struct dir_meta *dirs; /* mode and times are applied at the end */
  size_t ndirs, dirs_cap;
  uint64_t size;
};

static void
drop_cache (struct extractor *x)
{
  if (x->cache_fd >= 0)
    close (x->cache_fd);
  x->cache_fd = -1;
  free (x->cache_path);
  x->cache_path = NULL;
}

static void
extractor_free (struct extractor *x)
{
  drop_cache (x);
  for (size_t i = 0; i < x->ndirs; i++)
    free (x->dirs[i].path);
  free (x->dirs);
}

/* Opens directory name in base without following a symlink; with create,
 * makes it first when missing (0755, like Docker's implicit parents). */
static int
open_dir_at (int base, const char *name, bool create)
{
  int fd = openat (base, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd >= 0 || errno != ENOENT || !create)
    return fd >= 0 ? fd : -errno;
  if (mkdirat (base, name, 0755) < 0)
    return -errno;
  fd = openat (base, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd >= 0)
    fchmod (fd, 0755); /* whatever the umask; failing is harmless */
  return fd >= 0 ? fd : -errno;
}

static int
walk_error (int e, int base, const char *name, const char *path, size_t upto, const char *entry,
            const char *target, struct cd_err *err)
{
  char what[CD_ERR_MSG_MAX / 2];
  snprintf (what, sizeof what, "layer entry `%s`%s%s%s", entry,
            target ? ": hard link target `" : "", target ? target : "", target ? "`" : "");
  struct stat st;
  if ((e == ELOOP || e == ENOTDIR) && fstatat (base, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
    {
      if (S_ISLNK (st.st_mode))
        return cd_err_set (err, EINVAL, "%s passes through symlink `%.*s`; refusing to follow it",
                           what, (int) upto, path);
      return cd_err_set (err, ENOTDIR, "%s: `%.*s` is not a directory", what, (int) upto, path);
    }
  if (e == ENOENT && target)
    return cd_err_set (err, ENOENT, "%s does not exist in the layer", what);
  return cd_err_sys (err, e, "%s: open directory `%.*s`", what, (int) upto, path);
}

/* Opens the directory path[0..len) beneath the root, one component at a
 * time, never following a symlink.  Returns an fd the caller owns. */
static int
walk_dirs (struct extractor *x, const char *path, size_t len, bool create, const char *entry,
           const char *target, int *out, struct cd_err *err)
{
  cleanup_close int cur = fcntl (x->rootfd, F_DUPFD_CLOEXEC, 0);
  if (cur < 0)
    return cd_err_sys (err, errno, "extract layer: dup");
  char name[NAME_MAX + 1];
  size_t i = 0;
  while (i < len)
    {
      size_t j = i;
      while (j < len && path[j] != '/')
        j++;
      if (j - i > NAME_MAX)
        return cd_err_set (err, ENAMETOOLONG, "layer entry `%s`: name `%.*s` is too long", entry,
                           (int) (j - i), path + i);
      memcpy (name, path + i, j - i);
      name[j - i] = '\0';
      int next = open_dir_at (cur, name, create);
      if (next < 0)
        return walk_error (-next, cur, name, path, j, entry, target, err);
      close (cur);
      cur = next;
      i = j + 1;
    }
  *out = steal_fd (&cur);
  return 0;
}

/* Resolves (creating as needed) the parent directory of path; *fd is
 * borrowed (cached), *base points into path. */
static int
parent_dir (struct extractor *x, const char *path, const char *entry, int *fd, const char **base,
            struct cd_err *err)
{
  const char *slash = strrchr (path, '/');
  size_t len = slash ? (size_t) (slash - path) : 0;
  *base = slash ? slash + 1 : path;
  *fd = slash ? x->cache_fd : x->rootfd;
  if (slash == NULL
      || (x->cache_path && strlen (x->cache_path) == len && memcmp (x->cache_path, path, len) == 0))
    return 0;
  drop_cache (x);
  int r = walk_dirs (x, path, len, true, entry, NULL, &x->cache_fd, err);
  if (r < 0)
    return r;
  if ((x->cache_path = strndup (path, len)) == NULL)
    return cd_err_set (err, ENOMEM, "extract layer: out of memory"); /* cache_fd: freed later */
  *fd = x->cache_fd;
  return 0;
}

static int rm_tree_at (int dirfd, const char *name);

/* Removes everything in the directory fd (which it takes over). */
static int
rm_children (int fd)
{
  cleanup_dir DIR *d = fdopendir (fd);
  if (d == NULL)
    {
      int e = errno;
      close (fd);
      return -e;
    }
  int ret = 0;
  /* POSIX: unlinking during readdir leaves the other names listed. */
  for (struct dirent *de; (de = readdir (d)) != NULL;)
    if (strcmp (de->d_name, ".") != 0 && strcmp (de->d_name, "..") != 0)
      {
        int r = rm_tree_at (dirfd (d), de->d_name);
        ret = ret < 0 ? ret : r;
      }
  return ret;
}

/* rm -rf of name in dirfd, never following a symlink. */
static int
rm_tree_at (int dirfd, const char *name)
{
  int fd = openat (dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && (errno == ENOTDIR || errno == ELOOP))
    return unlinkat (dirfd, name, 0) < 0 ? -errno : 0;
  if (fd < 0)
    return -errno;
  int ret = rm_children (fd);
  if (unlinkat (dirfd, name, AT_REMOVEDIR) < 0 && ret == 0)
    ret = -errno;
  return ret;
}

/* Makes room for a new node at name; keeps an existing directory when
 * keep_dir (a directory entry over a directory merges, as in Docker). */
static int
remove_existing (struct extractor *x, int pfd, const char *name, bool keep_dir, bool *kept,
                 const char *entry, struct cd_err *err)
{
  struct stat st;
  *kept = false;
  if (fstatat (pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return errno == ENOENT ? 0 : cd_err_sys (err, errno, "layer entry `%s`: stat", entry);
  if (S_ISDIR (st.st_mode) && keep_dir)
    return *kept = true, 0;
  if (S_ISDIR (st.st_mode) && x->cache_fd != pfd) /* the cached directory may be inside */
    drop_cache (x);
  int r = S_ISDIR (st.st_mode) ? rm_tree_at (pfd, name) : unlinkat (pfd, name, 0) < 0 ? -errno : 0;
  if (r < 0)
    return cd_err_sys (err, -r, "layer entry `%s`: replace what exists there", entry);
  return 0;
}

/* ---- metadata ------------------------------------------------------------- */

static void
entry_times (struct archive_entry *e, struct timespec ts[2])
{
  /* like Docker: atime is the tar's if set and not before mtime */
  ts[1] = (struct timespec){ archive_entry_mtime (e), archive_entry_mtime_nsec (e) };
  ts[0] = (struct timespec){ archive_entry_atime (e), archive_entry_atime_nsec (e) };
  if (!archive_entry_atime_is_set (e) || ts[0].tv_sec < ts[1].tv_sec
      || (ts[0].tv_sec == ts[1].tv_sec && ts[0].tv_nsec < ts[1].tv_nsec))
    ts[0] = ts[1];
}

static int
apply_xattrs (struct archive_entry *e, int fd, int pfd, const char *name, const char *entry,
              struct cd_err *err)
{
  if (archive_entry_xattr_reset (e) == 0)
    return 0;
  char proc[64 + NAME_MAX];
  if (fd < 0)
    snprintf (proc, sizeof proc, "/proc/self/fd/%d/%s", pfd, name);
  const char *xn;
  const void *val;
  size_t len;
  while (archive_entry_xattr_next (e, &xn, &val, &len) == ARCHIVE_OK)
    {
      /* Not trusted.* (overlay's own: opaque, redirect...) nor security labels. */
      if (strncmp (xn, "user.", 5) != 0 && strcmp (xn, "security.capability") != 0
          && strncmp (xn, "system.posix_acl_", 17) != 0)
        continue;
      if ((fd >= 0 ? fsetxattr (fd, xn, val, len, 0) : lsetxattr (proc, xn, val, len, 0)) == 0)
        continue;
      if (errno != ENOTSUP && errno != EPERM)
        return cd_err_sys (err, errno, "layer entry `%s`: set xattr %s", entry, xn);
      /* Docker ignores these too: the filesystem or node type can't hold it */
      log_warn ("layer entry `%s`: xattr %s not set: %s", entry, xn, strerror (errno));
    }
  return 0;
}

#define META_MODE 1
#define META_TIMES 2

/* Ownership, then mode (chown clears setuid), then xattrs (chown clears
 * security.capability), then times.  Through fd when >= 0, else by name in
 * pfd without following a symlink. */
static int
apply_meta (struct archive_entry *e, int fd, int pfd, const char *name, int what, const char *entry,
            struct cd_err *err)
{
  uid_t uid = (uid_t) archive_entry_uid (e);
  gid_t gid = (gid_t) archive_entry_gid (e);
  int r = fd >= 0 ? fchown (fd, uid, gid) : fchownat (pfd, name, uid, gid, AT_SYMLINK_NOFOLLOW);
  if (r < 0)
    return cd_err_sys (err, errno, "layer entry `%s`: chown %u:%u", entry, uid, gid);
  if (what & META_MODE)
    {
      mode_t m = archive_entry_perm (e) & 07777;
      r = fd >= 0 ? fchmod (fd, m) : fchmodat (pfd, name, m, 0);
      if (r < 0)
        return cd_err_sys (err, errno, "layer entry `%s`: chmod %04o", entry, (unsigned) m);
    }
  r = apply_xattrs (e, fd, pfd, name, entry, err);
  if (r < 0)
    return r;
  if (what & META_TIMES)
    {
      struct timespec ts[2];
      entry_times (e, ts);
      r = fd >= 0 ? futimens (fd, ts) : utimensat (pfd, name, ts, AT_SYMLINK_NOFOLLOW);
      if (r < 0)
        return cd_err_sys (err, errno, "layer entry `%s`: set times", entry);
    }
  return 0;
}

static int
defer_dir (struct extractor *x, struct archive_entry *e, const char *path, struct cd_err *err)
{
  if (x->ndirs == x->dirs_cap)
    {
      size_t cap = x->dirs_cap ? x->dirs_cap * 2 : 64;
      struct dir_meta *d = realloc (x->dirs, cap * sizeof *d);
      if (d == NULL)
        return cd_err_set (err, ENOMEM, "extract layer: out of memory");
      x->dirs = d;
      x->dirs_cap = cap;
    }
  struct dir_meta *d = &x->dirs[x->ndirs];
  if ((d->path = strdup (path)) == NULL)
    return cd_err_set (err, ENOMEM, "extract layer: out of memory");
  d->mode = archive_entry_perm (e) & 07777;
  entry_times (e, d->times);
  x->ndirs++;
  return 0;
}

/* Directory modes and times last: creating children changes a directory's
 * mtime, and a read-only mode must not get in the way. */
static int
finish_dirs (struct extractor *x, struct cd_err *err)
{
  for (size_t i = 0; i < x->ndirs; i++)
    {
      struct dir_meta *d = &x->dirs[i];
      struct cd_err ignored;
      cleanup_close int fd = -1;
      /* A later entry may have replaced it: then there is nothing to do. */
      if (walk_dirs (x, d->path, strlen (d->path), false, d->path, NULL, &fd, &ignored) < 0)
        continue;
      if (fchmod (fd, d->mode) < 0 || futimens (fd, d->times) < 0)
        return cd_err_sys (err, errno, "layer entry `%s`: set directory mode and times",
                           d->path[0] ? d->path : ".");
    }
  return 0;
}

/* ---- entries -------------------------------------------------------------- */

static int
make_file (struct extractor *x, struct layer_stream *s, struct archive_entry *e, int pfd,
           const char *name, const char *entry, struct cd_err *err)
{
  cleanup_close int fd
      = openat (pfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    return cd_err_sys (err, errno, "layer entry `%s`: create", entry);
  off_t end = 0;
  for (;;)
    {
      const void *buf;
      size_t len;
      la_int64_t off;
      int r = archive_read_data_block (s->tar, &buf, &len, &off);
      if (r == ARCHIVE_EOF)
        break;
      if (r < ARCHIVE_WARN)
        return stream_fail (s, s->tar, entry, err);
      for (ssize_t w = 0; len > 0; buf = (const char *) buf + w, len -= (size_t) w, off += w)
        if ((w = pwrite (fd, buf, len, off)) < 0)
          return cd_err_sys (err, errno, "layer entry `%s`: write", entry);
      end = off > end ? off : end;
    }
  off_t size = archive_entry_size (e);
  if (end < size && ftruncate (fd, size) < 0) /* a sparse file ending in a hole */
    return cd_err_sys (err, errno, "layer entry `%s`: truncate", entry);
  x->size += (uint64_t) size;
  return apply_meta (e, fd, -1, NULL, META_MODE | META_TIMES, entry, err);
}

/* A directory (name NULL: the layer root); an existing one is kept. */
static int
make_dir (struct extractor *x, struct archive_entry *e, int pfd, const char *name, bool exists,
          const char *path, const char *entry, struct cd_err *err)
{
  if (name && !exists && mkdirat (pfd, name, 0700) < 0)
    return cd_err_sys (err, errno, "layer entry `%s`: mkdir", entry);
  cleanup_close int fd = name ? openat (pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                              : fcntl (pfd, F_DUPFD_CLOEXEC, 0);
  if (fd < 0)
    return cd_err_sys (err, errno, "layer entry `%s`: open directory", entry);
  int r = apply_meta (e, fd, -1, NULL, 0, entry, err);
  return r < 0 ? r : defer_dir (x, e, path, err);
}

/* Symlinks, devices and fifos. */
static int
make_special (struct archive_entry *e, int pfd, const char *name, const char *entry,
              struct cd_err *err)
{
  mode_t type = archive_entry_filetype (e);
  if (type != AE_IFLNK)
    {
      dev_t dev = type == AE_IFIFO ? 0 : archive_entry_rdev (e);
      if (mknodat (pfd, name, type | 0600, dev) < 0)
        return cd_err_sys (err, errno, "layer entry `%s`: mknod", entry);
      return apply_meta (e, -1, pfd, name, META_MODE | META_TIMES, entry, err);
    }
  const char *target = archive_entry_symlink (e);
  if (target == NULL)
    target = archive_entry_symlink_utf8 (e);
  if (target == NULL || *target == '\0')
    return cd_err_set (err, EINVAL, "layer entry `%s`: symlink without a target", entry);
  /* The target is stored as data, absolute or not; it is never followed. */
  if (symlinkat (target, pfd, name) < 0)
    return cd_err_sys (err, errno, "layer entry `%s`: symlink to `%s`", entry, target);
  return apply_meta (e, -1, pfd, name, META_TIMES, entry, err);
}

static int
make_hardlink (struct extractor *x, struct archive_entry *e, int pfd, const char *name,
               const char *path, const char *entry, struct cd_err *err)
{
  const char *target = archive_entry_hardlink (e);
  if (target == NULL)
    target = archive_entry_hardlink_utf8 (e);
  cleanup_free char *tpath = NULL;
  int r = target ? clean_path (target, &tpath) : -EINVAL;
  if (r == -ENOMEM)
    return cd_err_set (err, ENOMEM, "extract layer: out of memory");
  if (r < 0)
    return cd_err_set (err, EINVAL, "layer entry `%s`: hard link target `%s` escapes the layer",
                       entry, target ? target : "");
  if (*tpath == '\0' || strcmp (tpath, path) == 0)
    return cd_err_set (err, EINVAL, "layer entry `%s`: invalid hard link target `%s`", entry,
                       target);
  const char *slash = strrchr (tpath, '/');
  const char *tbase = slash ? slash + 1 : tpath;
  cleanup_close int tfd = -1;
  r = walk_dirs (x, tpath, slash ? (size_t) (slash - tpath) : 0, false, entry, target, &tfd, err);
  if (r < 0)
    return r;
  struct stat st;
  if (fstatat (tfd, tbase, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return walk_error (errno, tfd, tbase, tpath, strlen (tpath), entry, target, err);
  if (S_ISDIR (st.st_mode))
    return cd_err_set (err, EINVAL, "layer entry `%s`: hard link target `%s` is a directory",
                       entry, target);
  /* flags 0: a symlink target is linked itself, not followed */
  if (linkat (tfd, tbase, pfd, name, 0) < 0)
    return cd_err_sys (err, errno, "layer entry `%s`: hard link to `%s`", entry, target);
  return 0;
}

/* AUFS whiteouts to overlay ones: `.wh.x` -> 0/0 char device x,
 * `.wh..wh..opq` -> opaque parent; other `.wh..wh.*` are AUFS internals. */
static int
make_whiteout (struct extractor *x, struct archive_entry *e, int pfd, const char *base,
               const char *entry, struct cd_err *err)
{
  if (strcmp (base, WH_OPAQUE) == 0 && fsetxattr (pfd, OPAQUE_XATTR, "y", 1, 0) < 0)
    return cd_err_sys (err, errno, "layer entry `%s`: set %s", entry, OPAQUE_XATTR);
  if (strcmp (base, WH_OPAQUE) == 0)
    return 0;
  const char *name = base + WH_PREFIX_LEN;
  if (*name == '\0' || strcmp (name, ".") == 0 || strcmp (name, "..") == 0)
    return cd_err_set (err, EINVAL, "layer entry `%s` is not a valid whiteout", entry);
  bool kept;
  int r = remove_existing (x, pfd, name, false, &kept, entry, err);
  if (r < 0)
    return r;
  if (mknodat (pfd, name, S_IFCHR | 0, makedev (0, 0)) < 0)
    return cd_err_sys (err, errno, "layer entry `%s`: create whiteout", entry);
  if (fchownat (pfd, name, (uid_t) archive_entry_uid (e), (gid_t) archive_entry_gid (e),
                AT_SYMLINK_NOFOLLOW) < 0)
    return cd_err_sys (err, errno, "layer entry `%s`: chown whiteout", entry);
  return 0;
}

/* AUFS keeps its own metadata under `.wh..wh.*` (e.g. `.wh..wh.plnk/`):
 * not part of the filesystem, skipped like Docker does. */
static bool
aufs_internal (const char *path)
{
  for (const char *c = path; c; c = strchr (c, '/') ? strchr (c, '/') + 1 : NULL)
    if (strncmp (c, WH_PREFIX WH_PREFIX, 2 * WH_PREFIX_LEN) == 0)
      return strchr (c, '/') != NULL || strcmp (c, WH_OPAQUE) != 0;
  return false;
}

static int
extract_entry (struct extractor *x, struct layer_stream *s, struct archive_entry *e,
               struct cd_err *err)
{
  const char *entry = archive_entry_pathname (e);
  if (entry == NULL)
    entry = archive_entry_pathname_utf8 (e);
  if (entry == NULL)
    return cd_err_set (err, EINVAL, "invalid layer: an entry has an unreadable name");
  cleanup_free char *path = NULL;
  int r = clean_path (entry, &path);
  if (r == -ENOMEM)
    return cd_err_set (err, ENOMEM, "extract layer: out of memory");
  if (r < 0)
    return cd_err_set (err, EINVAL, "layer entry `%s` escapes the layer", entry);
  bool hardlink = archive_entry_hardlink (e) || archive_entry_hardlink_utf8 (e);
  mode_t type = archive_entry_filetype (e);
  if (*path == '\0')
    {
      if (hardlink || type != AE_IFDIR)
        return cd_err_set (err, EINVAL,
                           "layer entry `%s` names the layer root but is not a directory", entry);
      return make_dir (x, e, x->rootfd, NULL, true, path, entry, err);
    }
  if (aufs_internal (path))
    return 0;
  int pfd = -1;
  const char *base;
  r = parent_dir (x, path, entry, &pfd, &base, err);
  if (r < 0)
    return r;
  if (strncmp (base, WH_PREFIX, WH_PREFIX_LEN) == 0)
    return make_whiteout (x, e, pfd, base, entry, err);
  bool exists;
  r = remove_existing (x, pfd, base, !hardlink && type == AE_IFDIR, &exists, entry, err);
  if (r < 0)
    return r;
  if (hardlink)
    return make_hardlink (x, e, pfd, base, path, entry, err);
  switch (type)
    {
    case AE_IFREG:
      return make_file (x, s, e, pfd, base, entry, err);
    case AE_IFDIR:
      return make_dir (x, e, pfd, base, exists, path, entry, err);
    case AE_IFLNK:
    case AE_IFCHR:
    case AE_IFBLK:
    case AE_IFIFO:
      return make_special (e, pfd, base, entry, err);
    default:
      return cd_err_set (err, EINVAL, "layer entry `%s` has an unsupported type (mode %06o)", entry,
                         (unsigned) type);
    }
}

static int
extract_all (struct extractor *x, struct layer_stream *s, struct cd_err *err)
{
  for (;;)
    {
      struct archive_entry *e;
      int r = archive_read_next_header (s->tar, &e);
      if (r == ARCHIVE_EOF)
        return 0;
      if (r < ARCHIVE_WARN)
        return stream_fail (s, s->tar, NULL, err);
      if (r == ARCHIVE_WARN) /* e.g. a name not in UTF-8 */
        log_warn ("layer: %s", archive_error_string (s->tar));
      r = extract_entry (x, s, e, err);
      if (r < 0)
        return r;
    }
}

/* ---- driver --------------------------------------------------------------- */

static int
check_empty (int rootfd, const char *dest, struct cd_err *err)
{
  cleanup_close int fd = openat (rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC); /* own offset */
  cleanup_dir DIR *d = fd < 0 ? NULL : fdopendir (fd);
  if (d == NULL)
    return cd_err_sys (err, errno, "open layer directory `%s`", dest);
  steal_fd (&fd); /* d's now */
  for (struct dirent *de; (de = readdir (d)) != NULL;)
    if (strcmp (de->d_name, ".") != 0 && strcmp (de->d_name, "..") != 0)
      return cd_err_set (err, ENOTEMPTY, "extract layer into `%s`: the directory is not empty",
                         dest);
  return 0;
}

static int
run (struct extractor *x, struct layer_stream *s, const char *want, struct img_extract_result *res,
     struct cd_err *err)
{
  int r = stream_open (s, err);
  if (r == 0)
    r = extract_all (x, s, err);
  if (r == 0)
    r = stream_drain (s, err);
  if (r == 0)
    r = finish_dirs (x, err);
  if (r < 0)
    return r;
  char diff_id[CD_DIGEST_LEN];
  cd_sha256_final (s->tar_hash, diff_id);
  s->tar_hash = NULL;
  if (want && strcmp (want, diff_id) != 0)
    return cd_err_set (err, EINVAL, "layer digest mismatch: expected %s, got %s", want, diff_id);
  memcpy (res->diff_id, diff_id, sizeof diff_id);
  if (s->uncompressed)
    memcpy (res->compressed_digest, diff_id, sizeof diff_id);
  else
    {
      cd_sha256_final (s->raw_hash, res->compressed_digest);
      s->raw_hash = NULL;
    }
  res->size = x->size;
  res->tar_size = s->tar_size;
  return 0;
}

int
img_extract_layer (img_read_fn read, void *rctx, const char *dest, const char *want_diff_id,
                   struct img_extract_result *res, struct cd_err *err)
{
  return img_extract_layer_tap (read, rctx, dest, want_diff_id, NULL, NULL, res, err);
}

int
img_extract_layer_tap (img_read_fn read, void *rctx, const char *dest, const char *want_diff_id,
                       img_tap_fn tap, void *tap_ctx, struct img_extract_result *res,
                       struct cd_err *err)
{
  struct img_extract_result local;
  if (res == NULL)
    res = &local;
  memset (res, 0, sizeof *res);
  if (want_diff_id && !cd_digest_valid (want_diff_id))
    return cd_err_set (err, EINVAL, "invalid layer digest `%s`: want sha256:<64 hex digits>",
                       want_diff_id);
  cleanup_close int rootfd = open (dest, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return cd_err_sys (err, errno, "open layer directory `%s`", dest);
  int r = check_empty (rootfd, dest, err);
  if (r < 0)
    return r;

  /* pax names are UTF-8 and libarchive converts them to the locale's
   * charset: in the C locale non-ASCII names would be mangled.  Switch this
   * thread only. */
  locale_t loc = newlocale (LC_CTYPE_MASK, "C.UTF-8", (locale_t) 0);
  locale_t old = uselocale (loc ? loc : LC_GLOBAL_LOCALE);
  struct extractor x = { .rootfd = rootfd, .cache_fd = -1 };
  struct layer_stream s = { .read = read, .rctx = rctx, .tap = tap, .tap_ctx = tap_ctx };
  r = run (&x, &s, want_diff_id, res, err);
  stream_free (&s);
  extractor_free (&x);
  uselocale (old);
  if (loc)
    freelocale (loc);
  if (r < 0)
    {
      memset (res, 0, sizeof *res);
      int dfd = openat (rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      int rr = dfd < 0 ? -errno : rm_children (dfd);
      if (rr < 0)
        log_warn ("extract layer: cleaning `%s` after failure: %s", dest, strerror (-rr));
      fremovexattr (rootfd, OPAQUE_XATTR);
    }
  return r;
}

struct fd_reader
{
  int fd;
  char buf[FD_READ_CHUNK];
};

static ssize_t
fd_read (void *ctx, const void **buf)
{
  struct fd_reader *fr = ctx;
  ssize_t n;
  while ((n = read (fr->fd, fr->buf, sizeof fr->buf)) < 0 && errno == EINTR)
    ;
  *buf = fr->buf;
  return n < 0 ? -errno : n;
}

int
img_extract_layer_fd (int fd, const char *dest, const char *want_diff_id,
                      struct img_extract_result *res, struct cd_err *err)
{
  cleanup_free struct fd_reader *fr = malloc (sizeof *fr);
  if (fr == NULL)
    return cd_err_set (err, ENOMEM, "extract layer: out of memory");
  fr->fd = fd;
  return img_extract_layer (fd_read, fr, dest, want_diff_id, res, err);
}
