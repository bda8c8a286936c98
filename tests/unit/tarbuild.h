/* Test helper: builds small tar archives in memory with libarchive's writer.
 *
 *   struct tb *t = tb_new ();
 *   tb_file (t, "etc/hosts", "127.0.0.1 localhost\n", 0644);
 *   struct archive_entry *e = tb_entry (t, "bin", AE_IFDIR, 0755);  // customise, then:
 *   tb_add (t, e, NULL, 0);
 *   size_t len; char *tar = tb_finish (t, &len);                     // malloc'd
 *   char *gz = tb_compress (tar, len, "gzip", &gzlen);              // malloc'd
 *
 * Failures abort the test through cmocka assertions. */
#ifndef CD_TEST_TARBUILD_H
#define CD_TEST_TARBUILD_H

#include <archive.h>
#include <archive_entry.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

struct tb_buf
{
  char *data;
  size_t len, cap;
};

struct tb
{
  struct archive *a;
  struct tb_buf out;
};

static inline la_ssize_t
tb_write_cb (struct archive *a, void *ctx, const void *buf, size_t len)
{
  (void) a;
  struct tb_buf *b = ctx;
  if (b->len + len > b->cap)
    {
      b->cap = (b->len + len) * 2 + 4096;
      b->data = realloc (b->data, b->cap);
      assert_non_null (b->data);
    }
  memcpy (b->data + b->len, buf, len);
  b->len += len;
  return (la_ssize_t) len;
}

static inline struct archive *
tb_writer (struct tb_buf *out, const char *filter, int raw)
{
  struct archive *a = archive_write_new ();
  assert_non_null (a);
  assert_int_equal (raw ? archive_write_set_format_raw (a) : archive_write_set_format_pax (a),
                    ARCHIVE_OK);
  if (filter && strcmp (filter, "gzip") == 0)
    assert_int_equal (archive_write_add_filter_gzip (a), ARCHIVE_OK);
  else if (filter && strcmp (filter, "zstd") == 0)
    assert_true (archive_write_add_filter_zstd (a) >= ARCHIVE_WARN);
  else if (filter && strcmp (filter, "xz") == 0)
    assert_int_equal (archive_write_add_filter_xz (a), ARCHIVE_OK);
  else if (filter && strcmp (filter, "bzip2") == 0)
    assert_int_equal (archive_write_add_filter_bzip2 (a), ARCHIVE_OK);
  else
    assert_int_equal (archive_write_add_filter_none (a), ARCHIVE_OK);
  if (raw) /* no zero padding after the compressed stream */
    assert_int_equal (archive_write_set_bytes_in_last_block (a, 1), ARCHIVE_OK);
  assert_int_equal (archive_write_open (a, out, NULL, tb_write_cb, NULL), ARCHIVE_OK);
  return a;
}

static inline struct tb *
tb_new (void)
{
  struct tb *t = calloc (1, sizeof *t);
  assert_non_null (t);
  t->a = tb_writer (&t->out, NULL, 0);
  return t;
}

/* A fresh entry with fixed, deterministic metadata (root-owned, mtime 1e9). */
static inline struct archive_entry *
tb_entry (struct tb *t, const char *path, mode_t type, mode_t perm)
{
  (void) t;
  struct archive_entry *e = archive_entry_new ();
  assert_non_null (e);
  archive_entry_set_pathname (e, path);
  archive_entry_set_filetype (e, type);
  archive_entry_set_perm (e, perm);
  archive_entry_set_uid (e, 0);
  archive_entry_set_gid (e, 0);
  archive_entry_set_mtime (e, 1000000000, 0);
  archive_entry_set_size (e, 0);
  return e;
}

/* Writes e (with data for regular files) and frees it. */
static inline void
tb_add (struct tb *t, struct archive_entry *e, const void *data, size_t len)
{
  if (archive_entry_filetype (e) == AE_IFREG && archive_entry_hardlink (e) == NULL)
    archive_entry_set_size (e, (la_int64_t) len);
  assert_int_equal (archive_write_header (t->a, e), ARCHIVE_OK);
  if (len)
    assert_int_equal (archive_write_data (t->a, data, len), (la_ssize_t) len);
  archive_entry_free (e);
}

static inline void
tb_file (struct tb *t, const char *path, const char *content, mode_t perm)
{
  tb_add (t, tb_entry (t, path, AE_IFREG, perm), content, strlen (content));
}

static inline void
tb_dir (struct tb *t, const char *path, mode_t perm)
{
  tb_add (t, tb_entry (t, path, AE_IFDIR, perm), NULL, 0);
}

static inline void
tb_symlink (struct tb *t, const char *path, const char *target)
{
  struct archive_entry *e = tb_entry (t, path, AE_IFLNK, 0777);
  archive_entry_set_symlink (e, target);
  tb_add (t, e, NULL, 0);
}

static inline void
tb_hardlink (struct tb *t, const char *path, const char *target)
{
  struct archive_entry *e = tb_entry (t, path, AE_IFREG, 0644);
  archive_entry_set_hardlink (e, target);
  tb_add (t, e, NULL, 0);
}

/* Closes the archive; returns the malloc'd bytes. */
static inline char *
tb_finish (struct tb *t, size_t *len)
{
  assert_int_equal (archive_write_close (t->a), ARCHIVE_OK);
  archive_write_free (t->a);
  char *r = t->out.data;
  *len = t->out.len;
  free (t);
  return r;
}

/* Compresses data with filter ("gzip", "zstd", "xz", "bzip2"). */
static inline char *
tb_compress (const char *data, size_t len, const char *filter, size_t *out_len)
{
  struct tb_buf out = { 0 };
  struct archive *a = tb_writer (&out, filter, 1);
  struct archive_entry *e = archive_entry_new ();
  archive_entry_set_pathname (e, "layer.tar");
  archive_entry_set_filetype (e, AE_IFREG);
  archive_entry_set_perm (e, 0644);
  archive_entry_set_size (e, (la_int64_t) len);
  assert_int_equal (archive_write_header (a, e), ARCHIVE_OK);
  assert_int_equal (archive_write_data (a, data, len), (la_ssize_t) len);
  archive_entry_free (e);
  assert_int_equal (archive_write_close (a), ARCHIVE_OK);
  archive_write_free (a);
  *out_len = out.len;
  return out.data;
}

#endif
