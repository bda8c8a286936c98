/* A layer's original bytes: its tar-split recorded while load or import
 * extracts it, and the tar rebuilt from that for save (see save.h and
 * tarsplit.h).
 *
 * Recording.  The parser (tarsplit.c) sees the uncompressed stream through
 * the extractor's tap and the recorder writes what it says.  A file's data is
 * left out on the promise that diff/<path> holds it; a later entry of the same
 * layer can break that promise by replacing the path (a second copy, a
 * whiteout, a non-directory over a parent).  The recorder keeps every path it
 * relies on and, when an entry is about to replace one, saves that file's
 * data in a stash before the extractor gets to the entry.  The tap's timing
 * (extract.h) makes that possible: if the file's data all came in the
 * current chunk, the chunk has it; else its headers ended before the chunk,
 * so the extractor has created the file and a hard link keeps its inode (and
 * whatever is still to be written into it).  At the end the stashed data
 * goes into the tar-split itself.  Such layers are rare; others pay a hash
 * lookup per entry. */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "images/save.h"
#include "images/tarsplit.h"
#include "log.h"

#define TS_TMP IMG_TS_NAME ".tmp"
#define TS_STASH IMG_TS_NAME ".stash"
#define COPY_CHUNK 65536

/* ---- a string -> index map (open addressing) -------------------------------- */

static const char map_tomb; /* its address marks deleted slots */

struct slot
{
  char *key; /* NULL: empty; &map_tomb: deleted */
  size_t val;
};

struct map
{
  struct slot *s;
  size_t cap, used; /* used counts deleted slots too */
};

static size_t
map_hash (const char *k)
{
  size_t h = 1469598103934665603u;
  for (; *k; k++)
    h = (h ^ (unsigned char) *k) * 1099511628211u;
  return h;
}

static bool
live_key (const struct slot *s)
{
  return s->key && s->key != &map_tomb;
}

/* The slot holding key, or -1. */
static ssize_t
map_find (const struct map *m, const char *key)
{
  if (m->cap == 0)
    return -1;
  for (size_t i = map_hash (key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1))
    {
      if (m->s[i].key == NULL)
        return -1;
      if (live_key (&m->s[i]) && strcmp (m->s[i].key, key) == 0)
        return (ssize_t) i;
    }
}

static void
map_insert (struct map *m, char *key, size_t val)
{
  size_t i = map_hash (key) & (m->cap - 1);
  while (m->s[i].key != NULL)
    i = (i + 1) & (m->cap - 1);
  m->s[i] = (struct slot){ key, val };
  m->used++;
}

/* Adds key (copied; not present) -> val.  -ENOMEM. */
static int
map_put (struct map *m, const char *key, size_t val)
{
  if ((m->used + 1) * 4 >= m->cap * 3)
    {
      struct map n = { calloc (m->cap ? m->cap * 2 : 1024, sizeof (struct slot)),
                       m->cap ? m->cap * 2 : 1024, 0 };
      if (n.s == NULL)
        return -ENOMEM;
      for (size_t i = 0; i < m->cap; i++)
        if (live_key (&m->s[i]))
          map_insert (&n, m->s[i].key, m->s[i].val);
      free (m->s);
      *m = n;
    }
  char *k = strdup (key);
  if (k == NULL)
    return -ENOMEM;
  map_insert (m, k, val);
  return 0;
}

static void
map_del (struct map *m, size_t i)
{
  free (m->s[i].key);
  m->s[i].key = (char *) &map_tomb;
}

static void
map_free (struct map *m)
{
  for (size_t i = 0; i < m->cap; i++)
    if (live_key (&m->s[i]))
      free (m->s[i].key);
  free (m->s);
}

/* Opens the parent directory of path (relative, cleaned) beneath rootfd,
 * following no symlink; *base points into path.  A new fd, or -errno. */
static int
open_parent (int rootfd, const char *path, const char **base)
{
  const char *slash = strrchr (path, '/');
  *base = slash ? slash + 1 : path;
  cleanup_close int cur = fcntl (rootfd, F_DUPFD_CLOEXEC, 0);
  if (cur < 0)
    return -errno;
  char name[NAME_MAX + 1];
  for (const char *c = path; slash && c < slash;)
    {
      size_t n = strcspn (c, "/");
      if (n > NAME_MAX)
        return -ENAMETOOLONG;
      memcpy (name, c, n);
      name[n] = '\0';
      int next = openat (cur, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (next < 0)
        return -errno;
      close (cur);
      cur = next;
      c += n + 1;
    }
  return steal_fd (&cur);
}

/* ---- recording ------------------------------------------------------------------ */

struct ts_ref
{
  uint64_t size, got; /* data bytes: recorded, seen */
  uint64_t feed;      /* the chunk its first data byte came in */
  const char *data;   /* where, while that chunk is the current one */
  bool stashed;
};

struct img_tsrec
{
  char *dir;  /* the layer directory */
  int rootfd; /* its diff/ */
  struct img_tsp *p;
  struct img_ts_writer *w;
  char why[256]; /* set once recording failed */
  uint64_t feed; /* chunks seen */
  struct ts_ref *refs;
  size_t nrefs, cap;
  struct map live; /* path -> ref, for the paths still holding their data */
  struct map dirs; /* the directories above them */
  size_t nstash;
};

static void
rec_fail (struct img_tsrec *t, int e, const char *what)
{
  if (t->why[0] == '\0')
    snprintf (t->why, sizeof t->why, "%s: %s", what, strerror (e < 0 ? -e : e));
}

static void
rec_raw (void *ctx, const void *buf, size_t len)
{
  struct img_tsrec *t = ctx;
  int e = t->why[0] ? 0 : img_ts_write_raw (t->w, buf, len);
  if (e < 0)
    rec_fail (t, e, "write " IMG_TS_NAME);
}

static void
rec_data (void *ctx, const void *buf, size_t len)
{
  struct img_tsrec *t = ctx;
  if (t->why[0])
    return;
  struct ts_ref *r = &t->refs[t->nrefs - 1];
  if (r->got == 0)
    {
      r->feed = t->feed;
      r->data = buf;
    }
  r->got += len;
}

/* Writes ref r's data, all in the current chunk, to name. */
static int
stash_copy (const struct ts_ref *r, const char *name)
{
  cleanup_close int fd = open (name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return -errno;
  for (size_t off = 0; off < r->size;)
    {
      ssize_t n = write (fd, r->data + off, r->size - off);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return n < 0 ? -errno : -ENOSPC;
      off += (size_t) n;
    }
  return 0;
}

/* Hard-links the file at path, created by the extractor already, to name. */
static int
stash_link (struct img_tsrec *t, const char *path, const char *name)
{
  const char *base;
  cleanup_close int pfd = open_parent (t->rootfd, path, &base);
  if (pfd < 0)
    return pfd;
  return linkat (pfd, base, AT_FDCWD, name, 0) < 0 ? -errno : 0;
}

/* Saves ref i's data (its path: path) in the stash. */
static void
stash (struct img_tsrec *t, size_t i, const char *path)
{
  struct ts_ref *r = &t->refs[i];
  char name[4200];
  snprintf (name, sizeof name, "%s/" TS_STASH, t->dir);
  int e = r->got != r->size ? -EPROTO : 0;
  if (e == 0 && t->nstash == 0 && mkdir (name, 0700) < 0)
    e = -errno;
  snprintf (name, sizeof name, "%s/" TS_STASH "/%zu", t->dir, i);
  if (e == 0)
    e = r->feed == t->feed ? stash_copy (r, name) : stash_link (t, path, name);
  if (e < 0)
    {
      rec_fail (t, e, "keep the data of a replaced file");
      return;
    }
  r->stashed = true;
  t->nstash++;
}

static void
stash_slot (struct img_tsrec *t, size_t slot)
{
  stash (t, t->live.s[slot].val, t->live.s[slot].key);
  map_del (&t->live, slot);
}

static bool
beneath (const char *key, const char *dir, size_t dl)
{
  return strncmp (key, dir, dl) == 0 && key[dl] == '/';
}

/* An entry is about to replace path (with tree: and all beneath it). */
static void
clobber (struct img_tsrec *t, const char *path, bool tree)
{
  ssize_t i = map_find (&t->live, path);
  if (i >= 0)
    stash_slot (t, (size_t) i);
  if (!tree || (i = map_find (&t->dirs, path)) < 0)
    return;
  map_del (&t->dirs, (size_t) i);
  size_t pl = strlen (path);
  for (size_t k = 0; k < t->live.cap; k++)
    if (live_key (&t->live.s[k]) && beneath (t->live.s[k].key, path, pl))
      stash_slot (t, k);
  for (size_t k = 0; k < t->dirs.cap; k++)
    if (live_key (&t->dirs.s[k]) && beneath (t->dirs.s[k].key, path, pl))
      map_del (&t->dirs, k);
}

/* Notes path's directories (the deepest first, up to one already noted). */
static int
add_dirs (struct img_tsrec *t, const char *path)
{
  char buf[4096];
  snprintf (buf, sizeof buf, "%s", path);
  for (char *s; (s = strrchr (buf, '/')) != NULL;)
    {
      *s = '\0';
      if (map_find (&t->dirs, buf) >= 0)
        return 0;
      int e = map_put (&t->dirs, buf, 0);
      if (e < 0)
        return e;
    }
  return 0;
}

static void
rec_entry (void *ctx, const struct img_tsp_entry *e)
{
  struct img_tsrec *t = ctx;
  if (t->why[0] == '\0' && e->removes)
    clobber (t, e->removes, e->tree);
  if (t->why[0] || !e->ref)
    return;
  int r = 0;
  if (t->nrefs == t->cap)
    {
      size_t cap = t->cap ? t->cap * 2 : 256;
      struct ts_ref *n = realloc (t->refs, cap * sizeof *n);
      if (n == NULL)
        r = -ENOMEM;
      else
        t->refs = n, t->cap = cap;
    }
  if (r == 0)
    {
      t->refs[t->nrefs] = (struct ts_ref){ .size = e->size };
      r = img_ts_write_file (t->w, e->path, e->size);
    }
  if (r == 0 && (r = map_put (&t->live, e->path, t->nrefs)) == 0)
    r = add_dirs (t, e->path);
  if (r < 0)
    rec_fail (t, r, "record a file");
  else
    t->nrefs++;
}

static const struct img_tsp_cb rec_cb = { rec_raw, rec_entry, rec_data };

struct img_tsrec *
img_tsrec_new (const char *layer_dir)
{
  struct img_tsrec *t = calloc (1, sizeof *t);
  char path[4200];
  snprintf (path, sizeof path, "%s/diff", layer_dir);
  int e = -ENOMEM;
  if (t)
    t->rootfd = -1;
  if (t && (t->dir = strdup (layer_dir)) && (t->p = img_tsp_new (&rec_cb, t)))
    {
      t->rootfd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      snprintf (path, sizeof path, "%s/" TS_TMP, layer_dir);
      e = t->rootfd < 0 ? -errno : img_ts_writer_open (path, &t->w);
      if (e == 0)
        return t;
    }
  log_warn ("cannot record the layer's " IMG_TS_NAME " (%s: %s): saving it later re-creates its"
            " tar", layer_dir, strerror (-e));
  if (t)
    {
      if (t->rootfd >= 0)
        close (t->rootfd);
      img_tsp_free (t->p);
      free (t->dir);
      free (t);
    }
  return NULL;
}

void
img_tsrec_tap (void *rec, const void *buf, size_t len)
{
  struct img_tsrec *t = rec;
  if (t->why[0])
    return;
  t->feed++;
  img_tsp_feed (t->p, buf, len);
}

/* Copies len bytes of fd into w as stream bytes. */
static int
copy_in (struct img_ts_writer *w, int fd, uint64_t len)
{
  char buf[COPY_CHUNK];
  while (len > 0)
    {
      ssize_t n = read (fd, buf, len < sizeof buf ? (size_t) len : sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return n < 0 ? -errno : -EIO;
      int e = img_ts_write_raw (w, buf, (size_t) n);
      if (e < 0)
        return e;
      len -= (uint64_t) n;
    }
  return 0;
}

/* Copies one record of TS_TMP into w: stream bytes, a file's reference,
 * or (stashed) the file's data.  *i counts the 'F' records. */
static int
inline_one (struct img_tsrec *t, int dfd, struct img_ts_reader *rd, const struct img_ts_rec *rec,
            size_t *i, struct img_ts_writer *w)
{
  char buf[COPY_CHUNK];
  int e = 0;
  if (rec->type == 'R')
    {
      for (ssize_t n; e == 0 && (n = img_ts_read_raw (rd, buf, sizeof buf)) != 0;)
        e = n < 0 ? (int) n : img_ts_write_raw (w, buf, (size_t) n);
      return e;
    }
  size_t k = (*i)++;
  if (k >= t->nrefs || !t->refs[k].stashed)
    return img_ts_write_file (w, rec->path, rec->size);
  snprintf (buf, sizeof buf, TS_STASH "/%zu", k);
  cleanup_close int fd = openat (dfd, buf, O_RDONLY | O_CLOEXEC);
  return fd < 0 ? -errno : copy_in (w, fd, rec->size);
}

/* Rewrites TS_TMP into the tar-split with the stashed files' data inside. */
static int
inline_stash (struct img_tsrec *t)
{
  char path[4200];
  cleanup_close int dfd = open (t->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  struct img_ts_reader *rd = NULL;
  struct img_ts_writer *w = NULL;
  snprintf (path, sizeof path, "%s/" IMG_TS_NAME, t->dir);
  int e = dfd < 0 ? -errno : img_ts_reader_open (dfd, TS_TMP, &rd);
  if (e == 0)
    e = img_ts_writer_open (path, &w);
  struct img_ts_rec rec;
  size_t i = 0;
  while (e == 0 && (e = img_ts_next (rd, &rec)) == 0 && rec.type != 'E')
    e = inline_one (t, dfd, rd, &rec, &i, w);
  img_ts_reader_free (rd);
  if (w)
    {
      int e2 = img_ts_writer_close (w, e == 0);
      e = e ? e : e2;
    }
  return e;
}

void
img_tsrec_finish (struct img_tsrec *t, bool ok)
{
  if (t == NULL)
    return;
  char tmp[4200], final[4200];
  snprintf (tmp, sizeof tmp, "%s/" TS_TMP, t->dir);
  snprintf (final, sizeof final, "%s/" IMG_TS_NAME, t->dir);
  int e = img_ts_writer_close (t->w, ok && t->why[0] == '\0');
  if (e < 0)
    rec_fail (t, e, "write " IMG_TS_NAME);
  if (ok && t->why[0] == '\0' && t->nstash)
    {
      if ((e = inline_stash (t)) < 0)
        rec_fail (t, e, "keep the data of replaced files");
    }
  else if (ok && t->why[0] == '\0' && rename (tmp, final) < 0)
    rec_fail (t, errno, "rename " TS_TMP);
  if (ok && t->why[0])
    {
      unlink (final);
      log_warn ("cannot keep the layer's " IMG_TS_NAME " (%s): saving it later re-creates its"
                " tar", t->why);
    }
  unlink (tmp);
  if (t->nstash)
    {
      struct cd_err ignore;
      snprintf (tmp, sizeof tmp, "%s/" TS_STASH, t->dir);
      cd_rm_rf (tmp, &ignore);
    }
  close (t->rootfd);
  img_tsp_free (t->p);
  map_free (&t->live);
  map_free (&t->dirs);
  free (t->refs);
  free (t->dir);
  free (t);
}

void
img_tarsplit_adopt (const char *root, const char *tmpdir, const char *cache_id)
{
  char from[4200], to[4200];
  if (tmpdir == NULL)
    return;
  snprintf (from, sizeof from, "%s/" IMG_TS_NAME, tmpdir);
  snprintf (to, sizeof to, "%s/overlay2/%s/" IMG_TS_NAME, root, cache_id);
  if (access (from, F_OK) == 0 && access (to, F_OK) < 0 && rename (from, to) < 0)
    log_warn ("keep the layer's " IMG_TS_NAME ": rename %s to %s: %s", from, to, strerror (errno));
}

/* ---- reading back ----------------------------------------------------------------- */

struct img_layer_src
{
  int fd;                   /* a whole tar, or -1 */
  struct img_ts_reader *ts; /* else the tar-split */
  int rootfd;               /* and the layer's diff/ */
  char type;                /* the current record: 'R', 'F', 'E' or 0 (none yet) */
  uint64_t left;            /* its bytes still to give */
  int file_fd;              /* 'F': the file */
  char *dir;                /* the cached parent directory of the last file */
  int dir_fd;
  char path[4096];
};

struct img_layer_src *
img_layer_src_fd (int fd)
{
  struct img_layer_src *s = calloc (1, sizeof *s);
  if (s == NULL)
    return NULL;
  s->fd = fd;
  s->rootfd = s->file_fd = s->dir_fd = -1;
  return s;
}

void
img_layer_src_close (struct img_layer_src *s)
{
  if (s == NULL)
    return;
  int fds[] = { s->fd, s->rootfd, s->file_fd, s->dir_fd };
  for (size_t i = 0; i < sizeof fds / sizeof *fds; i++)
    if (fds[i] >= 0)
      close (fds[i]);
  img_ts_reader_free (s->ts);
  free (s->dir);
  free (s);
}

/* The parent directory of path beneath the diff directory (cached: tars
 * list a directory's files together).  Borrowed fd, or -errno. */
static int
src_parent (struct img_layer_src *s, const char *path, const char **base)
{
  const char *slash = strrchr (path, '/');
  size_t dl = slash ? (size_t) (slash - path) : 0;
  *base = slash ? slash + 1 : path;
  if (s->dir && strlen (s->dir) == dl && strncmp (s->dir, path, dl) == 0)
    return s->dir_fd;
  free (s->dir);
  s->dir = NULL;
  if (s->dir_fd >= 0)
    close (s->dir_fd);
  s->dir_fd = open_parent (s->rootfd, path, base);
  if (s->dir_fd >= 0 && (s->dir = strndup (path, dl)) == NULL)
    return -ENOMEM;
  return s->dir_fd;
}

/* Opens (with fd) or checks the file of an 'F' record: a regular file of
 * the recorded size, else -ESTALE. */
static int
src_file (struct img_layer_src *s, const struct img_ts_rec *rec, int *fd, struct cd_err *err)
{
  const char *base;
  int dfd = src_parent (s, rec->path, &base);
  struct stat st;
  int e = dfd < 0 ? dfd : 0;
  if (e == 0 && fd)
    e = (*fd = openat (dfd, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0 ? -errno : 0;
  if (e == 0 && (fd ? fstat (*fd, &st) : fstatat (dfd, base, &st, AT_SYMLINK_NOFOLLOW)) < 0)
    e = -errno;
  if (e < 0)
    return cd_err_set (err, ESTALE, "layer file `%s`: %s", rec->path, strerror (-e));
  if (!S_ISREG (st.st_mode) || (uint64_t) st.st_size != rec->size)
    return cd_err_set (err, ESTALE, "layer file `%s` no longer matches the layer's tar"
                       " (%llu bytes recorded)", rec->path, (unsigned long long) rec->size);
  return 0;
}

/* Checks every record and file; *size is the tar's length. */
static int
src_check (struct img_layer_src *s, int64_t *size, struct cd_err *err)
{
  struct img_ts_rec rec;
  uint64_t total = 0;
  int e;
  while ((e = img_ts_next (s->ts, &rec)) == 0 && rec.type != 'E')
    {
      total += rec.size;
      if (rec.type == 'F' && (e = src_file (s, &rec, NULL, err)) < 0)
        return e;
    }
  if (e < 0 || rec.size != total || total > INT64_MAX)
    return cd_err_set (err, EINVAL, "the layer's " IMG_TS_NAME " is damaged");
  *size = (int64_t) total;
  return img_layer_src_rewind (s, err);
}

int
img_tarsplit_src_open (const char *layer_dir, struct img_layer_src **out, int64_t *size,
                       struct cd_err *err)
{
  char path[4200];
  snprintf (path, sizeof path, "%s/diff", layer_dir);
  struct img_layer_src *s = img_layer_src_fd (-1);
  if (s == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  cleanup_close int dfd = open (layer_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int e = dfd < 0 ? -errno : img_ts_reader_open (dfd, IMG_TS_NAME, &s->ts);
  if (e == 0 && (s->rootfd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
    e = -errno;
  if (e < 0)
    e = e == -ENOENT ? -ENOENT
                     : cd_err_sys (err, -e, "read the " IMG_TS_NAME " of layer %s", layer_dir);
  else
    e = src_check (s, size, err);
  if (e < 0)
    {
      img_layer_src_close (s);
      return e == -ENOENT ? cd_err_set (err, ENOENT, "layer %s has no " IMG_TS_NAME, layer_dir)
                          : e;
    }
  *out = s;
  return 0;
}

int
img_layer_src_rewind (struct img_layer_src *s, struct cd_err *err)
{
  if (s->ts == NULL)
    return lseek (s->fd, 0, SEEK_SET) < 0 ? cd_err_sys (err, errno, "rewind a layer tar") : 0;
  if (s->file_fd >= 0)
    close (s->file_fd);
  s->file_fd = -1;
  s->type = 0;
  s->left = 0;
  int e = img_ts_rewind (s->ts);
  return e < 0 ? cd_err_sys (err, -e, "rewind the layer's " IMG_TS_NAME) : 0;
}

/* Moves to the next record with bytes (or the end). */
static int
src_advance (struct img_layer_src *s, struct cd_err *err)
{
  struct img_ts_rec rec;
  if (s->file_fd >= 0)
    close (s->file_fd);
  s->file_fd = -1;
  do
    {
      int e = img_ts_next (s->ts, &rec);
      if (e < 0)
        return cd_err_set (err, EIO, "the layer's " IMG_TS_NAME " is damaged");
      s->type = rec.type;
      s->left = rec.type == 'E' ? 0 : rec.size;
    }
  while (s->type != 'E' && s->left == 0);
  if (s->type != 'F')
    return 0;
  snprintf (s->path, sizeof s->path, "%s", rec.path);
  return src_file (s, &rec, &s->file_fd, err);
}

ssize_t
img_layer_src_read (struct img_layer_src *s, void *buf, size_t len, struct cd_err *err)
{
  ssize_t n;
  if (s->ts == NULL)
    {
      while ((n = read (s->fd, buf, len)) < 0 && errno == EINTR)
        ;
      return n < 0 ? cd_err_sys (err, errno, "read a layer tar") : n;
    }
  if (s->left == 0 && s->type != 'E')
    {
      int e = src_advance (s, err);
      if (e < 0)
        return e;
    }
  if (s->type == 'E')
    return 0;
  if (len > s->left)
    len = (size_t) s->left;
  if (s->type == 'R')
    n = img_ts_read_raw (s->ts, buf, len);
  else
    while ((n = read (s->file_fd, buf, len)) < 0 && errno == EINTR)
      ;
  if (n <= 0 && s->type == 'R')
    return cd_err_set (err, EIO, "the layer's " IMG_TS_NAME " is damaged");
  if (n <= 0)
    return cd_err_set (err, EIO, "read layer file `%s`: %s", s->path,
                       n < 0 ? strerror (errno) : "shorter than recorded");
  s->left -= (uint64_t) n;
  return n;
}

/* ---- whole tars kept by older versions ------------------------------------------- */

static int
blob_path (struct img_store *is, const char *diff_id, char path[4200])
{
  if (!cd_digest_valid (diff_id))
    return -EINVAL;
  snprintf (path, 4200, "%s/blobs/sha256/%s", is->root, diff_id + 7);
  return 0;
}

int
img_layer_src_open (struct img_store *is, const struct store_layer *l,
                    struct img_layer_src **out, int64_t *size)
{
  char path[4200];
  struct cd_err err;
  snprintf (path, sizeof path, "%s/overlay2/%s", is->root, l->cache_id);
  int e = img_tarsplit_src_open (path, out, size, &err);
  if (e == 0)
    return 0;
  if (e != -ENOENT)
    log_warn ("layer %s: %s", l->diff_id, err.msg);
  struct stat st;
  if (blob_path (is, l->diff_id, path) < 0)
    return -ENOENT;
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || fstat (fd, &st) < 0 || (*out = img_layer_src_fd (fd)) == NULL)
    {
      if (fd >= 0)
        close (fd);
      return -ENOENT;
    }
  *size = st.st_size;
  return 0;
}

struct drop_ctx
{
  const struct store_layer *gone;
  bool used;
};

static int
drop_check (const struct store_layer *l, void *ctx)
{
  struct drop_ctx *c = ctx;
  if (strcmp (l->chain_id, c->gone->chain_id) != 0 && strcmp (l->diff_id, c->gone->diff_id) == 0)
    c->used = true;
  return 0;
}

void
img_blob_drop (struct img_store *is, const struct store_layer *l)
{
  char path[4200];
  if (blob_path (is, l->diff_id, path) < 0 || access (path, F_OK) < 0)
    return;
  /* Layers sharing a diff_id at other places in other chains share it. */
  struct drop_ctx c = { .gone = l };
  struct cd_err err;
  if (store_layers_all (is->db, drop_check, &c, &err) < 0)
    log_warn ("keeping the kept tar of layer %s: %s", l->chain_id, err.msg);
  else if (!c.used && unlink (path) < 0 && errno != ENOENT)
    log_warn ("remove %s: %s", path, strerror (errno));
}
