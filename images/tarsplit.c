/* tar-split: the streaming tar parser that tells stream bytes from file
 * contents, and the record file it feeds.  See tarsplit.h.
 *
 * The parser must agree with libarchive's tar reader (which extract.c uses)
 * on where every entry's headers and data lie and on every entry's name: a
 * file's data is only left out when it is exactly what extraction wrote at
 * the name.  So it follows libarchive 3.x's rules, odd ones included; when
 * in doubt, data stays in the record file, which is always correct. */
#include "images/tarsplit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BLK 512
#define EXT_MAX (1u << 20) /* libarchive refuses larger special headers */
#define WH_PREFIX ".wh."
#define WH_OPAQUE ".wh..wh..opq"
#define TS_MAGIC "cdaemon tar-split 1\n"
#define TS_BUF 65536

/* ---- header fields ------------------------------------------------------------ */

/* libarchive's tar_atol_base_n: after blanks, an optional sign, digits up
 * to the first other character (or n characters). */
static int64_t
base_num (const unsigned char *p, size_t n, int base)
{
  while (n && (*p == ' ' || *p == '\t'))
    p++, n--;
  int sign = 1;
  if (n && *p == '-')
    sign = -1, p++, n--;
  int64_t l = 0;
  for (; n && *p >= '0' && *p < '0' + base; p++, n--)
    {
      if (l > (INT64_MAX - base) / base)
        return sign > 0 ? INT64_MAX : INT64_MIN;
      l = l * base + (*p - '0');
    }
  return sign * l;
}

/* libarchive's tar_atol: base-256 when the high bit is set, else octal. */
static int64_t
tar_num (const unsigned char *p, size_t n)
{
  if ((p[0] & 0x80) == 0)
    return base_num (p, n, 8);
  unsigned char c = p[0], neg = 0;
  uint64_t l = 0;
  if (c & 0x40)
    neg = 0xff, c |= 0x80, l = ~(uint64_t) 0;
  else
    c &= 0x7f;
  for (; n > sizeof (int64_t); n--, c = *++p)
    if (c != neg)
      return neg ? INT64_MIN : INT64_MAX;
  if ((c ^ neg) & 0x80)
    return neg ? INT64_MIN : INT64_MAX;
  for (; --n > 0; c = *++p)
    l = (l << 8) | c;
  return (int64_t) ((l << 8) | c);
}

/* The header checksum, unsigned or (old writers) signed bytes. */
static bool
checksum_ok (const unsigned char *h)
{
  for (int i = 148; i < 156; i++)
    if (h[i] != ' ' && h[i] != '\0' && (h[i] < '0' || h[i] > '7'))
      return false;
  int64_t sum = tar_num (h + 148, 8);
  int64_t u = 8 * ' ', s = 8 * ' ';
  for (int i = 0; i < BLK; i++)
    if (i < 148 || i >= 156)
      {
        u += h[i];
        s += (signed char) h[i];
      }
  return sum == u || sum == s;
}

/* name, or ustar's prefix "/" name. */
static void
header_name (const unsigned char *h, bool ustar, char out[260])
{
  size_t n = 0;
  if (ustar && h[345])
    {
      n = strnlen ((const char *) h + 345, 155);
      memcpy (out, h + 345, n);
      if (out[n - 1] != '/')
        out[n++] = '/';
    }
  size_t m = strnlen ((const char *) h, 100);
  memcpy (out + n, h, m);
  out[n + m] = '\0';
}

/* ---- names, as extract.c sees them ------------------------------------------ */

/* extract.c's clean_path: leading and repeated '/', "." and "dir/.." folded
 * away; NULL when ".." climbs above the root (or out of memory). */
static char *
clean_path (const char *name)
{
  char *buf = malloc (strlen (name) + 1);
  if (buf == NULL)
    return NULL;
  size_t len = 0;
  for (const char *c = name + strspn (name, "/"); *c; c += strspn (c, "/"))
    {
      size_t cl = strcspn (c, "/");
      if (cl == 2 && c[0] == '.' && c[1] == '.')
        {
          if (len == 0)
            {
              free (buf);
              return NULL;
            }
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
  return buf;
}

/* AUFS metadata (`.wh..wh.*` but the opaque marker), which extract.c skips. */
static bool
aufs_internal (const char *path)
{
  for (const char *c = path; c; c = strchr (c, '/') ? strchr (c, '/') + 1 : NULL)
    if (strncmp (c, WH_PREFIX WH_PREFIX, 8) == 0)
      return strchr (c, '/') != NULL || strcmp (c, WH_OPAQUE) != 0;
  return false;
}

/* ---- the parser ------------------------------------------------------------------ */

enum tsp_state
{
  S_HDR,    /* gathering a header block */
  S_BODY,   /* an extension header's body */
  S_SPARSE, /* old GNU sparse extension blocks */
  S_DATA,   /* an entry's data */
  S_PAD,    /* padding up to the next block */
  S_TAIL,   /* after the end-of-archive block: nothing is parsed */
};

struct img_tsp
{
  const struct img_tsp_cb *cb;
  void *ctx;
  enum tsp_state st;
  unsigned char blk[BLK];
  size_t blen;
  uint64_t left;      /* bytes left in the body, data or padding */
  uint64_t data_size; /* of the current entry */
  bool ref;
  char body_type;
  uint64_t body_size;
  char *body;
  size_t body_len, body_cap;
  bool body_keep;
  bool pax; /* libarchive's notion: pax headers seen, no GNU or v7 header since */
  /* What the extension headers before the next entry said.  libarchive
   * applies them innermost first, so the first one setting a name wins;
   * and every 'x' level applies the body of the last 'x'. */
  unsigned nhdr;
  bool x_seen, l_seen;
  unsigned x_first, l_first;
  char *xpath, *lname;
  bool x_has_size;
  uint64_t x_size;
  bool link;    /* a link target (K, pax linkpath): a regular entry is a hard link */
  bool special; /* sparse or a real size apart: data is not the file's content */
  bool warn;    /* libarchive will return ARCHIVE_WARN for the entry */
};

struct img_tsp *
img_tsp_new (const struct img_tsp_cb *cb, void *ctx)
{
  struct img_tsp *p = calloc (1, sizeof *p);
  if (p)
    {
      p->cb = cb;
      p->ctx = ctx;
    }
  return p;
}

static void
reset_ext (struct img_tsp *p)
{
  free (p->xpath);
  free (p->lname);
  p->xpath = p->lname = NULL;
  p->nhdr = 0;
  p->x_seen = p->l_seen = p->x_has_size = p->link = p->special = p->warn = false;
}

void
img_tsp_free (struct img_tsp *p)
{
  if (p == NULL)
    return;
  reset_ext (p);
  free (p->body);
  free (p);
}

static void
set_pad (struct img_tsp *p, uint64_t size)
{
  p->left = (BLK - size % BLK) % BLK;
  p->st = p->left ? S_PAD : S_HDR;
}

/* One "len key=value\n" record after another, as libarchive's pax_header:
 * a malformed record ends the parse, and then the names are not applied
 * (sizes and sparse markers already are). */
static void
pax_parse (struct img_tsp *p, char *attr)
{
  size_t len = strlen (attr);
  const char *path = NULL, *sparse_name = NULL, *linkpath = NULL;
  free (p->xpath);
  p->xpath = NULL;
  p->x_has_size = false;
  while (len > 0)
    {
      size_t ll = 0, i = 0;
      for (; i < len && attr[i] != ' '; i++)
        if (attr[i] < '0' || attr[i] > '9' || (ll = ll * 10 + (size_t) (attr[i] - '0')) > 999999)
          break;
      char *key = attr + i + 1, *eq = NULL;
      if (i < len && attr[i] == ' ' && ll <= len && ll > i + 1 && attr[ll - 1] == '\n')
        {
          attr[ll - 1] = '\0';
          eq = strchr (key, '=');
        }
      if (eq == NULL || key[0] == '=')
        {
          p->warn = true;
          return;
        }
      *eq = '\0';
      const char *value = eq + 1;
      if (strcmp (key, "path") == 0)
        path = value;
      else if (strcmp (key, "linkpath") == 0)
        linkpath = value;
      else if (strcmp (key, "size") == 0)
        {
          int64_t v = base_num ((const unsigned char *) value, SIZE_MAX, 10);
          p->x_has_size = true;
          p->x_size = v < 0 ? 0 : (uint64_t) v;
        }
      if (strcmp (key, "GNU.sparse.name") == 0)
        sparse_name = value;
      if (strncmp (key, "GNU.sparse.", 11) == 0 || strcmp (key, "SCHILY.realsize") == 0
          || strcmp (key, "SUN.holesdata") == 0)
        p->special = true;
      attr += ll;
      len -= ll;
    }
  const char *name = sparse_name && *sparse_name ? sparse_name : path && *path ? path : NULL;
  if (name && (p->xpath = strdup (name)) == NULL)
    p->special = true; /* out of memory: the name is unknown, keep the data */
  if (linkpath && *linkpath)
    p->link = true;
}

static void
end_body (struct img_tsp *p)
{
  if (!p->body_keep && (p->body_type == 'x' || p->body_type == 'X' || p->body_type == 'L'))
    p->special = true; /* not read: libarchive fails such a layer anyway */
  else if (p->body_keep)
    {
      p->body[p->body_len] = '\0';
      if (p->body_type == 'x' || p->body_type == 'X')
        pax_parse (p, p->body);
      else if (p->body_type == 'L')
        {
          free (p->lname);
          if ((p->lname = strdup (p->body)) == NULL)
            p->special = true;
        }
    }
  if (p->body_type == 'K')
    p->link = true;
  set_pad (p, p->body_size);
}

static void
start_body (struct img_tsp *p, char type, uint64_t size)
{
  p->body_type = type;
  p->body_size = p->left = size;
  p->body_len = 0;
  p->body_keep = size <= EXT_MAX && (type == 'x' || type == 'X' || type == 'L');
  if (p->body_keep && size + 1 > p->body_cap)
    {
      char *nb = realloc (p->body, size + 1);
      if (nb == NULL)
        p->body_keep = false;
      else
        p->body = nb, p->body_cap = size + 1;
    }
  if ((type == 'x' || type == 'X') && !p->x_seen)
    p->x_seen = true, p->x_first = p->nhdr;
  if (type == 'L' && !p->l_seen)
    p->l_seen = true, p->l_first = p->nhdr;
  p->nhdr++;
  if (size == 0)
    end_body (p);
  else
    p->st = S_BODY;
}

/* What extracting the entry at path removes first (see extract_entry). */
static void
effects (struct img_tsp_entry *e, const char *path, bool dir, char **target)
{
  if (path == NULL || *path == '\0' || aufs_internal (path))
    return;
  const char *slash = strrchr (path, '/');
  const char *base = slash ? slash + 1 : path;
  if (strncmp (base, WH_PREFIX, 4) != 0)
    {
      e->removes = path;
      e->tree = !dir;
      return;
    }
  if (strcmp (base, WH_OPAQUE) == 0)
    return;
  int dl = slash ? (int) (base - path) : 0;
  if (asprintf (target, "%.*s%s", dl, path, base + 4) >= 0)
    {
      e->removes = *target;
      e->tree = true;
    }
}

static void
start_data (struct img_tsp *p, uint64_t size, bool ref)
{
  p->data_size = p->left = size;
  p->ref = ref;
  p->st = size ? S_DATA : S_HDR;
}

static void
on_entry (struct img_tsp *p, const unsigned char *h, char t, bool gnu, bool ustar, uint64_t size)
{
  char name[260];
  header_name (h, ustar, name);
  const char *raw = name;
  if (p->xpath && (!p->l_seen || p->x_first < p->l_first))
    raw = p->xpath;
  else if (p->lname)
    raw = p->lname;
  bool hardlink = t == '1' || (t != '2' && p->link);
  /* libarchive's file type: unknown types are regular files, and so is a
   * hard link with a size */
  bool regular = (!(t >= '1' && t <= '6') && t != 'D') || (t == '1' && size > 0);
  if ((t >= '2' && t <= '6') || (t == '1' && !(p->pax && ustar)))
    size = 0; /* libarchive ignores these sizes (a hard link's outside pax) */
  if (p->x_has_size)
    size = p->x_size;
  /* 3.6: a "regular" entry named "x/" (headers without warnings) is a
   * directory without data */
  size_t rl = strlen (raw);
  bool slashdir = regular && rl && raw[rl - 1] == '/' && !p->warn;
  if (slashdir)
    size = 0;
  bool dir = !hardlink && (t == '5' || t == 'D' || slashdir);
  bool sparse_ext = gnu && h[386] != 0 && h[482] != 0;
  bool special = p->special || (gnu && (h[386] != 0 || h[483] != 0));
  char *path = clean_path (raw), *target = NULL;
  struct img_tsp_entry e = { .path = path, .size = size };
  effects (&e, path, dir, &target);
  e.ref = (t == '0' || t == '\0' || t == '7') && !hardlink && !special && !dir && size > 0
          && e.removes == path && path != NULL;
  p->cb->entry (p->ctx, &e);
  free (path);
  free (target);
  reset_ext (p);
  if (sparse_ext)
    {
      p->data_size = size;
      p->st = S_SPARSE;
      return;
    }
  start_data (p, size, e.ref);
}

static void
on_block (struct img_tsp *p)
{
  const unsigned char *h = p->blk;
  static const unsigned char zero[BLK];
  if (memcmp (h, zero, BLK) == 0)
    {
      p->st = S_TAIL; /* libarchive stops here; the rest is drained */
      return;
    }
  if (!checksum_ok (h))
    return; /* libarchive skips a damaged block (and the layer fails) */
  char t = (char) h[156];
  bool gnu = memcmp (h + 257, "ustar  ", 8) == 0;
  bool ustar = !gnu && memcmp (h + 257, "ustar", 5) == 0;
  int64_t size = tar_num (h + 124, 12);
  if (size < 0)
    size = 0, p->warn = true;
  switch (t)
    {
    case 'A':
    case 'g':
    case 'x':
    case 'X':
      p->pax = true;
      /* fall through */
    case 'K':
    case 'L':
      start_body (p, t, (uint64_t) size);
      return;
    case 'V': /* a volume label: no body, on to the next header */
      return;
    default:
      if (!ustar)
        p->pax = false;
      on_entry (p, h, t, gnu, ustar, (uint64_t) size);
    }
}

static size_t
min_sz (uint64_t a, size_t b)
{
  return a < b ? (size_t) a : b;
}

void
img_tsp_feed (struct img_tsp *p, const void *buf, size_t len)
{
  const char *b = buf;
  while (len > 0)
    {
      size_t n = len;
      switch (p->st)
        {
        case S_TAIL:
          p->cb->raw (p->ctx, b, n);
          break;
        case S_HDR:
        case S_SPARSE:
          n = min_sz (BLK - p->blen, len);
          memcpy (p->blk + p->blen, b, n);
          p->cb->raw (p->ctx, b, n);
          if ((p->blen += n) < BLK)
            break;
          p->blen = 0;
          if (p->st == S_HDR)
            on_block (p);
          else if (p->blk[504] == 0) /* the last sparse block */
            start_data (p, p->data_size, false);
          break;
        case S_BODY:
          n = min_sz (p->left, len);
          p->cb->raw (p->ctx, b, n);
          if (p->body_keep)
            memcpy (p->body + p->body_len, b, n), p->body_len += n;
          if ((p->left -= n) == 0)
            end_body (p);
          break;
        case S_DATA:
          n = min_sz (p->left, len);
          (p->ref ? p->cb->data : p->cb->raw) (p->ctx, b, n);
          if ((p->left -= n) == 0)
            set_pad (p, p->data_size);
          break;
        case S_PAD:
          n = min_sz (p->left, len);
          p->cb->raw (p->ctx, b, n);
          if ((p->left -= n) == 0)
            p->st = S_HDR;
          break;
        }
      b += n;
      len -= n;
    }
}

/* ---- the record file: writing ------------------------------------------------- */

struct img_ts_writer
{
  int fd;
  int err; /* the first error, negative */
  uint64_t total;
  size_t rawlen, outlen;
  char raw[TS_BUF];
  char out[TS_BUF];
};

static void
out_flush (struct img_ts_writer *w)
{
  for (size_t off = 0; off < w->outlen && w->err == 0;)
    {
      ssize_t n = write (w->fd, w->out + off, w->outlen - off);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        w->err = n < 0 ? -errno : -ENOSPC;
      else
        off += (size_t) n;
    }
  w->outlen = 0;
}

static void
out_put (struct img_ts_writer *w, const void *buf, size_t len)
{
  const char *b = buf;
  while (len > 0 && w->err == 0)
    {
      if (w->outlen == sizeof w->out)
        out_flush (w);
      size_t n = min_sz (sizeof w->out - w->outlen, len);
      memcpy (w->out + w->outlen, b, n);
      w->outlen += n;
      b += n;
      len -= n;
    }
}

static void
out_le (struct img_ts_writer *w, uint64_t v, int bytes)
{
  unsigned char le[8];
  for (int i = 0; i < bytes; i++)
    le[i] = (unsigned char) (v >> (8 * i));
  out_put (w, le, (size_t) bytes);
}

static void
raw_flush (struct img_ts_writer *w)
{
  if (w->rawlen == 0)
    return;
  out_put (w, "R", 1);
  out_le (w, w->rawlen, 4);
  out_put (w, w->raw, w->rawlen);
  w->rawlen = 0;
}

int
img_ts_writer_open (const char *path, struct img_ts_writer **out)
{
  struct img_ts_writer *w = malloc (sizeof *w);
  if (w == NULL)
    return -ENOMEM;
  w->fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (w->fd < 0)
    {
      int e = errno;
      free (w);
      return -e;
    }
  w->err = 0;
  w->total = 0;
  w->rawlen = w->outlen = 0;
  out_put (w, TS_MAGIC, strlen (TS_MAGIC));
  *out = w;
  return 0;
}

int
img_ts_write_raw (struct img_ts_writer *w, const void *buf, size_t len)
{
  const char *b = buf;
  w->total += len;
  while (len > 0 && w->err == 0)
    {
      if (w->rawlen == sizeof w->raw)
        raw_flush (w);
      size_t n = min_sz (sizeof w->raw - w->rawlen, len);
      memcpy (w->raw + w->rawlen, b, n);
      w->rawlen += n;
      b += n;
      len -= n;
    }
  return w->err;
}

int
img_ts_write_file (struct img_ts_writer *w, const char *path, uint64_t size)
{
  size_t len = strlen (path);
  if (len == 0 || len >= sizeof ((struct img_ts_rec *) 0)->path)
    return w->err ? w->err : (w->err = -ENAMETOOLONG);
  raw_flush (w);
  out_put (w, "F", 1);
  out_le (w, size, 8);
  out_le (w, len, 2);
  out_put (w, path, len);
  w->total += size;
  return w->err;
}

int
img_ts_writer_close (struct img_ts_writer *w, bool ok)
{
  if (ok && w->err == 0)
    {
      raw_flush (w);
      out_put (w, "E", 1);
      out_le (w, w->total, 8);
      out_flush (w);
    }
  int r = w->err;
  if (close (w->fd) < 0 && r == 0)
    r = -errno;
  free (w);
  return r;
}

/* ---- the record file: reading ------------------------------------------------- */

struct img_ts_reader
{
  int fd;
  uint64_t raw_left; /* of the current 'R' record */
  size_t pos, len;
  char buf[TS_BUF];
};

/* Makes n (<= TS_BUF) bytes available at r->buf + r->pos. */
static int
rd_need (struct img_ts_reader *r, size_t n)
{
  if (r->len - r->pos >= n)
    return 0;
  memmove (r->buf, r->buf + r->pos, r->len - r->pos);
  r->len -= r->pos;
  r->pos = 0;
  while (r->len < n)
    {
      ssize_t got = read (r->fd, r->buf + r->len, sizeof r->buf - r->len);
      if (got < 0 && errno == EINTR)
        continue;
      if (got < 0)
        return -errno;
      if (got == 0)
        return -EINVAL; /* truncated */
      r->len += (size_t) got;
    }
  return 0;
}

static uint64_t
rd_le (struct img_ts_reader *r, int bytes)
{
  uint64_t v = 0;
  for (int i = 0; i < bytes; i++)
    v |= (uint64_t) (unsigned char) r->buf[r->pos + (size_t) i] << (8 * i);
  r->pos += (size_t) bytes;
  return v;
}

int
img_ts_rewind (struct img_ts_reader *r)
{
  if (lseek (r->fd, 0, SEEK_SET) < 0)
    return -errno;
  r->pos = r->len = 0;
  r->raw_left = 0;
  size_t ml = strlen (TS_MAGIC);
  int e = rd_need (r, ml);
  if (e < 0 || memcmp (r->buf, TS_MAGIC, ml) != 0)
    return e < 0 && e != -EINVAL ? e : -EINVAL;
  r->pos = ml;
  return 0;
}

int
img_ts_reader_open (int dirfd, const char *name, struct img_ts_reader **out)
{
  struct img_ts_reader *r = malloc (sizeof *r);
  if (r == NULL)
    return -ENOMEM;
  r->fd = openat (dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  int e = r->fd < 0 ? -errno : img_ts_rewind (r);
  if (e < 0)
    {
      img_ts_reader_free (r);
      return e;
    }
  *out = r;
  return 0;
}

void
img_ts_reader_free (struct img_ts_reader *r)
{
  if (r == NULL)
    return;
  if (r->fd >= 0)
    close (r->fd);
  free (r);
}

ssize_t
img_ts_read_raw (struct img_ts_reader *r, void *buf, size_t len)
{
  if (r->raw_left == 0 || len == 0)
    return 0;
  if (r->pos == r->len)
    {
      int e = rd_need (r, 1);
      if (e < 0)
        return e;
    }
  size_t n = min_sz (r->raw_left, len);
  if (n > r->len - r->pos)
    n = r->len - r->pos;
  memcpy (buf, r->buf + r->pos, n);
  r->pos += n;
  r->raw_left -= n;
  return (ssize_t) n;
}

/* A recorded path: relative, cleaned, no "..". */
static bool
path_ok (const char *p)
{
  if (*p == '\0' || *p == '/')
    return false;
  for (const char *c = p; c; c = strchr (c, '/') ? strchr (c, '/') + 1 : NULL)
    if (c[0] == '\0' || c[0] == '/' || (c[0] == '.' && (c[1] == '/' || c[1] == '\0'))
        || (c[0] == '.' && c[1] == '.' && (c[2] == '/' || c[2] == '\0')))
      return false;
  return true;
}

int
img_ts_next (struct img_ts_reader *r, struct img_ts_rec *rec)
{
  char skip[4096];
  for (ssize_t n; r->raw_left > 0;)
    if ((n = img_ts_read_raw (r, skip, sizeof skip)) < 0)
      return (int) n;
  int e = rd_need (r, 1);
  if (e < 0)
    return e;
  rec->type = r->buf[r->pos++];
  rec->path[0] = '\0';
  switch (rec->type)
    {
    case 'R':
      if ((e = rd_need (r, 4)) < 0)
        return e;
      r->raw_left = rec->size = rd_le (r, 4);
      return 0;
    case 'E':
      if ((e = rd_need (r, 8)) < 0)
        return e;
      rec->size = rd_le (r, 8);
      return 0;
    case 'F':
      if ((e = rd_need (r, 10)) < 0)
        return e;
      rec->size = rd_le (r, 8);
      size_t len = (size_t) rd_le (r, 2);
      if (len == 0 || len >= sizeof rec->path || (e = rd_need (r, len)) < 0)
        return e < 0 ? e : -EINVAL;
      memcpy (rec->path, r->buf + r->pos, len);
      rec->path[len] = '\0';
      r->pos += len;
      return strlen (rec->path) == len && path_ok (rec->path) ? 0 : -EINVAL;
    default:
      return -EINVAL;
    }
}
