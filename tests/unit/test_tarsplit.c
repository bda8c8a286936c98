/* Unit tests for images/tarsplit.c (the streaming tar parser) and the
 * tar-split recorder and reader of images/save_blobs.c: a layer recorded
 * while it is extracted comes back byte for byte from its files.
 * Run as root (extraction keeps owners; opaque whiteouts need trusted.*). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "tarbuild.h"

#include "fsutil.h"
#include "images/extract.h"
#include "images/save.h"
#include "images/tarsplit.h"

static const size_t chunks[] = { 1, 7, 511, 512, 513, 4093, 65536, SIZE_MAX };
#define NCHUNKS (sizeof chunks / sizeof *chunks)

#define xsnprintf(buf, size, ...) assert_true ((size_t) snprintf (buf, size, __VA_ARGS__) < (size))

static char g_root[PATH_MAX];
static int g_case;

static int
group_setup (void **state)
{
  (void) state;
  const char *dirs[] = { "/tmp", "/var/tmp" };
  for (size_t i = 0; i < 2; i++)
    {
      snprintf (g_root, sizeof g_root, "%s/cd-tarsplit-XXXXXX", dirs[i]);
      if (mkdtemp (g_root) == NULL)
        continue;
      if (setxattr (g_root, "trusted.cdtest", "1", 1, 0) == 0)
        return 0;
      rmdir (g_root);
    }
  fprintf (stderr, "no directory supporting trusted.* xattrs (run as root)\n");
  return -1;
}

static int
group_teardown (void **state)
{
  (void) state;
  struct cd_err err;
  return cd_rm_rf (g_root, &err);
}

/* ---- hand-made tar blocks ------------------------------------------------------- */

static void
put (struct tb_buf *b, const void *data, size_t len)
{
  tb_write_cb (NULL, b, data, len);
}

/* data padded to whole blocks */
static void
body (struct tb_buf *b, const void *data, size_t len)
{
  static const char zero[512];
  put (b, data, len);
  put (b, zero, (512 - len % 512) % 512);
}

enum magic
{
  USTAR,
  GNU,
  V7
};

/* One header block; size in base-256 with b256; a bad checksum with broken. */
static void
hdr_ex (struct tb_buf *b, const char *name, char type, uint64_t size, enum magic m,
        const char *prefix, const char *link, bool b256, bool broken)
{
  unsigned char h[512] = { 0 };
  memcpy (h, name, strnlen (name, 100));
  memcpy (h + 100, "0000644", 8);
  memcpy (h + 108, "0000000", 8);
  memcpy (h + 116, "0000000", 8);
  if (b256)
    {
      h[124] = 0x80;
      for (int i = 0; i < 8; i++)
        h[135 - i] = (unsigned char) (size >> (8 * i));
    }
  else
    snprintf ((char *) h + 124, 12, "%011llo", (unsigned long long) size);
  memcpy (h + 136, "14000000000", 12);
  h[156] = (unsigned char) type;
  if (link)
    memcpy (h + 157, link, strnlen (link, 100));
  if (m == USTAR)
    memcpy (h + 257, "ustar\0" "00", 8);
  else if (m == GNU)
    memcpy (h + 257, "ustar  \0", 8);
  if (prefix)
    memcpy (h + 345, prefix, strlen (prefix));
  memset (h + 148, ' ', 8);
  unsigned sum = 0;
  for (int i = 0; i < 512; i++)
    sum += h[i];
  snprintf ((char *) h + 148, 8, "%06o", sum + (broken ? 1 : 0));
  put (b, h, sizeof h);
}

static void
hdr (struct tb_buf *b, const char *name, char type, uint64_t size)
{
  hdr_ex (b, name, type, size, USTAR, NULL, NULL, false, false);
}

static void
file (struct tb_buf *b, const char *name, const char *content)
{
  hdr (b, name, '0', strlen (content));
  body (b, content, strlen (content));
}

/* A pax 'x' header with the given records ("path=..", "size=4"). */
static void
pax (struct tb_buf *b, const char *const *recs)
{
  char data[4096];
  size_t n = 0;
  for (; *recs; recs++)
    {
      /* "len rec\n", len counting its own digits */
      size_t base = strlen (*recs) + 2, l = base + 1;
      while (l != base + (size_t) snprintf (NULL, 0, "%zu", l))
        l = base + (size_t) snprintf (NULL, 0, "%zu", l);
      int w = snprintf (data + n, sizeof data - n, "%zu %s\n", l, *recs);
      assert_int_equal ((size_t) w, l);
      n += (size_t) w;
    }
  hdr (b, "PaxHeaders/x", 'x', n);
  body (b, data, n);
}

/* GNU's long name: an 'L' entry before the header. */
static void
gnu_long (struct tb_buf *b, char type, const char *name)
{
  hdr_ex (b, "././@LongLink", type, strlen (name) + 1, GNU, NULL, NULL, false, false);
  body (b, name, strlen (name) + 1);
}

static char *
repeat (char c, size_t n)
{
  char *s = malloc (n + 1);
  memset (s, c, n);
  s[n] = '\0';
  return s;
}

/* ---- the parser: what it says about each entry ------------------------------------ */

struct seen
{
  struct tb_buf stream; /* raw and data bytes, in the order given */
  struct tb_buf log;    /* one line per entry */
  size_t data;          /* data bytes */
  bool in_ref;
};

static void
cb_raw (void *ctx, const void *buf, size_t len)
{
  put (&((struct seen *) ctx)->stream, buf, len);
}

static void
cb_data (void *ctx, const void *buf, size_t len)
{
  struct seen *s = ctx;
  assert_true (s->in_ref);
  put (&s->stream, buf, len);
  s->data += len;
}

static void
cb_entry (void *ctx, const struct img_tsp_entry *e)
{
  struct seen *s = ctx;
  char line[1024];
  int n = snprintf (line, sizeof line, "%s|%s|%d|%d|%llu\n", e->path ? e->path : "(null)",
                    e->removes ? e->removes : "-", e->tree, e->ref, (unsigned long long) e->size);
  put (&s->log, line, (size_t) n);
  s->in_ref = e->ref;
}

/* Feeds tar in pieces of chunk bytes: the stream must come back whole. */
static char *
parse (const char *tar, size_t len, size_t chunk, size_t *data)
{
  static const struct img_tsp_cb cb = { cb_raw, cb_entry, cb_data };
  struct seen s = { 0 };
  struct img_tsp *p = img_tsp_new (&cb, &s);
  assert_non_null (p);
  for (size_t off = 0; off < len; off += chunk < len - off ? chunk : len - off)
    img_tsp_feed (p, tar + off, chunk < len - off ? chunk : len - off);
  img_tsp_free (p);
  assert_int_equal (s.stream.len, len);
  assert_memory_equal (s.stream.data, tar, len);
  free (s.stream.data);
  put (&s.log, "", 1);
  *data = s.data;
  return s.log.data;
}

/* Every kind of header the parser must get right, by hand. */
static char *
odd_tar (size_t *len)
{
  struct tb_buf b = { 0 };
  char *long1 = repeat ('p', 150), *long2 = repeat ('g', 120), *big = repeat ('B', 1000);
  char path[300], *data700 = repeat ('d', 700);
  hdr (&b, "d/", '5', 0);
  file (&b, "./d/a", "hello");
  hdr (&b, "d/empty", '0', 0);
  xsnprintf (path, sizeof path, "path=d/%s", long1);
  pax (&b, (const char *[]){ path, "mtime=1.5", NULL });
  hdr (&b, "d/truncated-name", '0', 700);
  body (&b, data700, 700);
  xsnprintf (path, sizeof path, "d/%s", long2);
  gnu_long (&b, 'L', path);
  hdr_ex (&b, "d/ggg", '0', 3, GNU, NULL, NULL, false, false);
  body (&b, "gnu", 3);
  hdr_ex (&b, "d/link", '1', 0, USTAR, NULL, "d/a", false, false);
  hdr_ex (&b, "d/sym", '2', 0, USTAR, NULL, "a", false, false);
  hdr (&b, "d/.wh.gone", '0', 0);
  hdr (&b, "d/.wh..wh..opq", '0', 0);
  hdr_ex (&b, "/d/b256", '0', 1000, USTAR, NULL, NULL, true, false);
  body (&b, big, 1000);
  hdr_ex (&b, "r", '0', 10, USTAR, "p/q", NULL, false, false);
  body (&b, "0123456789", 10);
  hdr_ex (&b, "old", '0', 2, V7, NULL, NULL, false, false);
  body (&b, "v7", 2);
  hdr_ex (&b, "d/glink", '1', 9, GNU, NULL, "d/a", false, false); /* size ignored */
  pax (&b, (const char *[]){ "size=4", NULL });
  hdr_ex (&b, "d/plink", '1', 0, USTAR, NULL, "d/a", false, false); /* pax: data */
  body (&b, "data", 4);
  hdr (&b, "slashdir/", '0', 5); /* a directory: no data for libarchive 3.6 */
  pax (&b, (const char *[]){ "linkpath=d/a", NULL });
  hdr (&b, "d/paxhard", '0', 3); /* a hard link, with data */
  body (&b, "xyz", 3);
  pax (&b, (const char *[]){ "GNU.sparse.name=d/sparse", "GNU.sparse.realsize=9", NULL });
  hdr (&b, "d/GNUSparseFile.0/sparse", '0', 6);
  body (&b, "sparse", 6);
  gnu_long (&b, 'L', "d/first-wins");
  pax (&b, (const char *[]){ "path=d/inner", NULL });
  hdr (&b, "d/x", '0', 1);
  body (&b, "1", 1);
  hdr_ex (&b, "damaged", '0', 0, USTAR, NULL, NULL, false, true);
  hdr (&b, "d/escape/../../../x", '0', 1);
  body (&b, "e", 1);
  file (&b, "d/a", "second copy");
  body (&b, "", 0);
  char zeros[1024] = { 0 };
  put (&b, zeros, sizeof zeros);
  put (&b, "trailing garbage, never parsed", 30);
  free (long1), free (long2), free (big), free (data700);
  *len = b.len;
  return b.data;
}

static void
test_parser_chunks (void **state)
{
  (void) state;
  size_t len;
  char *tar = odd_tar (&len);
  char want[8192], *long1 = repeat ('p', 150), *long2 = repeat ('g', 120);
  xsnprintf (want, sizeof want,
             "d|d|0|0|0\n"
             "d/a|d/a|1|1|5\n"
             "d/empty|d/empty|1|0|0\n"
             "d/%s|d/%s|1|1|700\n"
             "d/%s|d/%s|1|1|3\n"
             "d/link|d/link|1|0|0\n"
             "d/sym|d/sym|1|0|0\n"
             "d/.wh.gone|d/gone|1|0|0\n"
             "d/.wh..wh..opq|-|0|0|0\n"
             "d/b256|d/b256|1|1|1000\n"
             "p/q/r|p/q/r|1|1|10\n"
             "old|old|1|1|2\n"
             "d/glink|d/glink|1|0|0\n"
             "d/plink|d/plink|1|0|4\n"
             "slashdir|slashdir|0|0|0\n"
             "d/paxhard|d/paxhard|1|0|3\n"
             "d/sparse|d/sparse|1|0|6\n"
             "d/first-wins|d/first-wins|1|1|1\n"
             "(null)|-|0|0|1\n"
             "d/a|d/a|1|1|11\n",
             long1, long1, long2, long2);
  for (size_t i = 0; i < NCHUNKS; i++)
    {
      size_t data;
      char *log = parse (tar, len, chunks[i], &data);
      if (strcmp (log, want) != 0)
        fail_msg ("chunk %zu:\n%s\nwant:\n%s", chunks[i], log, want);
      assert_int_equal (data, 5 + 700 + 3 + 1000 + 10 + 2 + 1 + 11);
      free (log);
    }
  free (tar), free (long1), free (long2);
}

/* libarchive's own pax and GNU writers: long names, links, an empty file. */
static char *
lib_tar (const char *format, size_t *len)
{
  struct tb_buf out = { 0 };
  struct archive *a = archive_write_new ();
  assert_int_equal (archive_write_set_format_by_name (a, format), ARCHIVE_OK);
  assert_int_equal (archive_write_add_filter_none (a), ARCHIVE_OK);
  assert_int_equal (archive_write_open (a, &out, NULL, tb_write_cb, NULL), ARCHIVE_OK);
  struct tb t = { .a = a };
  char name[400], *seg = repeat ('n', 90), *content = repeat ('c', 3000);
  tb_dir (&t, "dir", 0755);
  xsnprintf (name, sizeof name, "dir/%s/%s/file", seg, seg);
  tb_file (&t, name, content, 0644);
  tb_file (&t, "dir/empty", "", 0644);
  tb_file (&t, "dir/small", "x", 0644);
  tb_hardlink (&t, "dir/hard", "dir/small");
  tb_symlink (&t, "dir/sym", "empty");
  tb_file (&t, "dir/.wh.removed", "", 0644);
  tb_file (&t, "dir/.wh..wh..opq", "", 0644);
  assert_int_equal (archive_write_close (a), ARCHIVE_OK);
  archive_write_free (a);
  free (seg), free (content);
  *len = out.len;
  return out.data;
}

static void
test_parser_libarchive_formats (void **state)
{
  (void) state;
  const char *formats[] = { "pax", "gnutar", "ustar" };
  for (size_t f = 0; f < 3; f++)
    {
      size_t len, data;
      char *tar = lib_tar (formats[f], &len);
      for (size_t i = 0; i < NCHUNKS; i++)
        {
          char *log = parse (tar, len, chunks[i], &data);
          assert_non_null (strstr (log, "nnn/file|"));
          assert_non_null (strstr (log, "/file|1|1|3000\n"));
          assert_non_null (strstr (log, "dir/hard|dir/hard|1|0|0\n"));
          assert_non_null (strstr (log, "dir/.wh.removed|dir/removed|1|0|0\n"));
          assert_int_equal (data, 3001);
          free (log);
        }
      free (tar);
    }
}

/* ---- recording and reading back, through a real extraction ----------------------- */

struct mem_reader
{
  const char *data;
  size_t len, pos, chunk;
};

static ssize_t
mem_read (void *ctx, const void **buf)
{
  struct mem_reader *m = ctx;
  size_t n = m->len - m->pos < m->chunk ? m->len - m->pos : m->chunk;
  *buf = m->data + m->pos;
  m->pos += n;
  return (ssize_t) n;
}

static void
read_all (struct img_layer_src *src, struct tb_buf *out)
{
  char buf[3000];
  struct cd_err err;
  ssize_t n;
  while ((n = img_layer_src_read (src, buf, sizeof buf, &err)) > 0)
    put (out, buf, (size_t) n);
  if (n < 0)
    fail_msg ("read back: %s", err.msg);
}

/* Extracts tar (compressed with filter, if any) fed in chunk-byte pieces
 * while recording its tar-split, then reads the tar back and compares.
 * Returns the layer directory (malloc'd; the caller removes it). */
static char *
roundtrip (const char *tar, size_t len, size_t chunk, const char *filter)
{
  char dir[PATH_MAX], diff[PATH_MAX];
  xsnprintf (dir, sizeof dir, "%s/%d", g_root, ++g_case);
  xsnprintf (diff, sizeof diff, "%s/diff", dir);
  assert_int_equal (mkdir (dir, 0700), 0);
  assert_int_equal (mkdir (diff, 0755), 0);
  size_t zlen = len;
  char *z = filter ? tb_compress (tar, len, filter, &zlen) : NULL;
  struct mem_reader m = { z ? z : tar, zlen, 0, chunk };
  struct img_tsrec *rec = img_tsrec_new (dir);
  assert_non_null (rec);
  struct img_extract_result res;
  struct cd_err err;
  int r = img_extract_layer_tap (mem_read, &m, diff, NULL, img_tsrec_tap, rec, &res, &err);
  if (r < 0)
    fail_msg ("extract (chunk %zu): %s", chunk, err.msg);
  img_tsrec_finish (rec, true);
  free (z);
  struct img_layer_src *src;
  int64_t size;
  r = img_tarsplit_src_open (dir, &src, &size, &err);
  if (r < 0)
    fail_msg ("open the tar-split (chunk %zu): %s", chunk, err.msg);
  assert_int_equal (size, (int64_t) len);
  for (int pass = 0; pass < 2; pass++)
    {
      struct tb_buf back = { 0 };
      assert_int_equal (img_layer_src_rewind (src, &err), 0);
      read_all (src, &back);
      assert_int_equal (back.len, len);
      if (memcmp (back.data, tar, len) != 0)
        fail_msg ("chunk %zu: the rebuilt tar differs", chunk);
      free (back.data);
    }
  img_layer_src_close (src);
  return strdup (dir);
}

static void
drop (char *dir)
{
  struct cd_err err;
  assert_int_equal (cd_rm_rf (dir, &err), 0);
  free (dir);
}

static off_t
ts_size (const char *dir)
{
  char path[PATH_MAX];
  struct stat st;
  xsnprintf (path, sizeof path, "%s/" IMG_TS_NAME, dir);
  assert_int_equal (stat (path, &st), 0);
  return st.st_size;
}

static void
test_roundtrip_formats (void **state)
{
  (void) state;
  const char *formats[] = { "pax", "gnutar", "ustar" };
  for (size_t f = 0; f < 3; f++)
    {
      size_t len;
      char *tar = lib_tar (formats[f], &len);
      for (size_t i = 0; i < NCHUNKS; i++)
        {
          char *dir = roundtrip (tar, len, chunks[i], NULL);
          assert_true (ts_size (dir) < (off_t) len - 2500); /* the file data is not in it */
          drop (dir);
        }
      drop (roundtrip (tar, len, 4096, "gzip"));
      drop (roundtrip (tar, len, 4096, "zstd"));
      free (tar);
    }
}

/* Every hand-made oddity libarchive extracts, too. */
static void
test_roundtrip_odd (void **state)
{
  (void) state;
  struct tb_buf b = { 0 };
  char *long1 = repeat ('p', 150), *long2 = repeat ('g', 120), path[300];
  file (&b, "./d/a", "hello");
  hdr (&b, "d/empty", '0', 0);
  xsnprintf (path, sizeof path, "path=d/%s", long1);
  pax (&b, (const char *[]){ path, NULL });
  hdr (&b, "d/truncated-name", '0', 3);
  body (&b, "pax", 3);
  xsnprintf (path, sizeof path, "d/%s", long2);
  gnu_long (&b, 'L', path);
  hdr_ex (&b, "d/ggg", '0', 3, GNU, NULL, NULL, false, false);
  body (&b, "gnu", 3);
  hdr_ex (&b, "/d/b256", '0', 700, USTAR, NULL, NULL, true, false);
  char *d700 = repeat ('q', 700);
  body (&b, d700, 700);
  free (d700);
  hdr_ex (&b, "r", '0', 10, USTAR, "p/q", NULL, false, false);
  body (&b, "0123456789", 10);
  hdr_ex (&b, "d/glink", '1', 9, GNU, NULL, "d/a", false, false);
  pax (&b, (const char *[]){ "size=4", NULL });
  hdr_ex (&b, "d/plink", '1', 0, USTAR, NULL, "d/a", false, false);
  body (&b, "data", 4);
  hdr (&b, "slashdir/", '0', 5);
  char zeros[2048] = { 0 };
  put (&b, zeros, sizeof zeros);
  put (&b, "tail", 4);
  for (size_t i = 0; i < NCHUNKS; i++)
    drop (roundtrip (b.data, b.len, chunks[i], NULL));
  free (b.data), free (long1), free (long2);
}

/* Paths replaced later in the same layer: their first data must survive. */
static char *
dup_tar (size_t *len)
{
  struct tb *t = tb_new ();
  char *big1 = repeat ('1', 100000), *big2 = repeat ('2', 70000);
  tb_file (t, "f", "one", 0644);
  tb_file (t, "f", "second content", 0644);
  tb_file (t, "big", big1, 0644);
  tb_file (t, "x/y", "abc", 0644);
  tb_file (t, "x/z/w", "def", 0644);
  tb_file (t, "big", big2, 0644);
  tb_file (t, "x", "now a file", 0644);
  tb_file (t, "g", "gone soon", 0644);
  tb_file (t, ".wh.g", "", 0644);
  tb_file (t, "h", "was a file", 0644);
  tb_dir (t, "h", 0755);
  tb_file (t, "h/i", "inner", 0644);
  tb_file (t, "k", "hard", 0644);
  tb_hardlink (t, "kl", "k");
  tb_file (t, "k", "new k", 0644);
  tb_file (t, "s/t", "under s", 0644);
  tb_symlink (t, "s", "h");
  tb_file (t, "f", "third", 0644);
  free (big1), free (big2);
  return tb_finish (t, len);
}

static void
test_roundtrip_replaced_paths (void **state)
{
  (void) state;
  size_t len;
  char *tar = dup_tar (&len);
  for (size_t i = 0; i < NCHUNKS; i++)
    {
      char *dir = roundtrip (tar, len, chunks[i], NULL);
      char path[PATH_MAX];
      xsnprintf (path, sizeof path, "%s/" IMG_TS_NAME ".stash", dir);
      assert_int_equal (access (path, F_OK), -1); /* gone after use */
      assert_true (ts_size (dir) > 100000);       /* the first "big" is inside */
      drop (dir);
    }
  drop (roundtrip (tar, len, 4096, "xz"));
  free (tar);
}

static void
test_changed_file_is_stale (void **state)
{
  (void) state;
  size_t len;
  char *tar = lib_tar ("pax", &len);
  char *dir = roundtrip (tar, len, 65536, NULL);
  char path[PATH_MAX];
  xsnprintf (path, sizeof path, "%s/diff/dir/small", dir);
  assert_int_equal (truncate (path, 0), 0);
  struct img_layer_src *src;
  int64_t size;
  struct cd_err err;
  assert_int_equal (img_tarsplit_src_open (dir, &src, &size, &err), -ESTALE);
  assert_non_null (strstr (err.msg, "dir/small"));
  xsnprintf (path, sizeof path, "%s/" IMG_TS_NAME, dir);
  unlink (path);
  assert_int_equal (img_tarsplit_src_open (dir, &src, &size, &err), -ENOENT);
  drop (dir);
  free (tar);
}

/* A failed extraction leaves no tar-split behind. */
static void
test_failed_extraction_keeps_nothing (void **state)
{
  (void) state;
  struct tb_buf b = { 0 };
  file (&b, "a", "fine");
  file (&b, "../escape", "bad");
  char zeros[1024] = { 0 };
  put (&b, zeros, sizeof zeros);
  char dir[PATH_MAX], diff[PATH_MAX];
  xsnprintf (dir, sizeof dir, "%s/%d", g_root, ++g_case);
  xsnprintf (diff, sizeof diff, "%s/diff", dir);
  assert_int_equal (mkdir (dir, 0700), 0);
  assert_int_equal (mkdir (diff, 0755), 0);
  struct mem_reader m = { b.data, b.len, 0, 512 };
  struct img_tsrec *rec = img_tsrec_new (dir);
  struct cd_err err;
  assert_int_equal (img_extract_layer_tap (mem_read, &m, diff, NULL, img_tsrec_tap, rec, NULL,
                                           &err), -EINVAL);
  img_tsrec_finish (rec, false);
  char path[PATH_MAX];
  xsnprintf (path, sizeof path, "%s/" IMG_TS_NAME, dir);
  assert_int_equal (access (path, F_OK), -1);
  xsnprintf (path, sizeof path, "%s/" IMG_TS_NAME ".tmp", dir);
  assert_int_equal (access (path, F_OK), -1);
  free (b.data);
  drop (strdup (dir));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_parser_chunks),
    cmocka_unit_test (test_parser_libarchive_formats),
    cmocka_unit_test (test_roundtrip_formats),
    cmocka_unit_test (test_roundtrip_odd),
    cmocka_unit_test (test_roundtrip_replaced_paths),
    cmocka_unit_test (test_changed_file_is_stale),
    cmocka_unit_test (test_failed_extraction_keeps_nothing),
  };
  return cmocka_run_group_tests (tests, group_setup, group_teardown);
}
