/* Unit tests for images/extract.c: layer extraction into a real directory.
 * Run as root (ownership, devices, trusted.* xattrs). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "tarbuild.h"

#include "fsutil.h"
#include "images/extract.h"

/* ---- fixtures -------------------------------------------------------------- */

struct fx
{
  char base[PATH_MAX];    /* per-test dir */
  char dest[PATH_MAX];    /* base/dest: the layer dir */
  char outside[PATH_MAX]; /* base/outside: must stay untouched */
};

static char g_root[PATH_MAX];

/* snprintf that must not truncate */
#define xsnprintf(buf, size, ...) assert_true ((size_t) snprintf (buf, size, __VA_ARGS__) < (size))
static int g_case;

static int
group_setup (void **state)
{
  (void) state;
  /* trusted.* xattrs need a real filesystem (not every tmpfs has them). */
  const char *dirs[] = { "/tmp", "/var/tmp" };
  for (size_t i = 0; i < 2; i++)
    {
      snprintf (g_root, sizeof g_root, "%s/cd-extract-XXXXXX", dirs[i]);
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
  int r = cd_rm_rf (g_root, &err);
  if (r < 0)
    fprintf (stderr, "cleanup %s: %s\n", g_root, err.msg);
  return r;
}

static int
setup (void **state)
{
  struct fx *f = calloc (1, sizeof *f);
  xsnprintf (f->base, sizeof f->base, "%s/%d", g_root, ++g_case);
  xsnprintf (f->dest, sizeof f->dest, "%s/dest", f->base);
  xsnprintf (f->outside, sizeof f->outside, "%s/outside", f->base);
  if (mkdir (f->base, 0755) < 0 || mkdir (f->dest, 0755) < 0 || mkdir (f->outside, 0755) < 0)
    return -1;
  *state = f;
  return 0;
}

static int
teardown (void **state)
{
  free (*state);
  return 0;
}

/* ---- helpers --------------------------------------------------------------- */

struct mem_reader
{
  const char *data;
  size_t len, pos, chunk;
  size_t fail_at; /* return -EIO once pos reaches this (0 = never) */
};

static ssize_t
mem_read (void *ctx, const void **buf)
{
  struct mem_reader *m = ctx;
  if (m->fail_at && m->pos >= m->fail_at)
    return -EIO;
  size_t n = m->len - m->pos;
  if (n > m->chunk)
    n = m->chunk;
  *buf = m->data + m->pos;
  m->pos += n;
  return (ssize_t) n;
}

static int
extract (struct fx *f, const char *data, size_t len, const char *want,
         struct img_extract_result *res, struct cd_err *err)
{
  struct mem_reader m = { .data = data, .len = len, .chunk = 4093 };
  cd_err_clear (err);
  return img_extract_layer (mem_read, &m, f->dest, want, res, err);
}

static void
sha256_hex (const void *data, size_t len, char out[CD_DIGEST_LEN])
{
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256 (data, len, md);
  strcpy (out, "sha256:");
  for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
    sprintf (out + 7 + 2 * i, "%02x", md[i]);
}

static char *
path_in (const char *dir, const char *rel)
{
  static char buf[4][PATH_MAX];
  static int i;
  char *p = buf[i++ % 4];
  xsnprintf (p, PATH_MAX, "%s/%s", dir, rel);
  return p;
}

/* Expects success, showing the error message otherwise. */
#define assert_ok(call, err)                                                                  \
  do                                                                                         \
    {                                                                                        \
      int r_ = (call);                                                                       \
      if (r_ != 0)                                                                           \
        fail_msg ("%s returned %d: %s", #call, r_, (err).msg);                               \
    }                                                                                        \
  while (0)

/* Empties dest between sub-cases of one test. */
static void
reset_dest (struct fx *f)
{
  struct cd_err err;
  assert_int_equal (cd_rm_rf (f->dest, &err), 0);
  assert_int_equal (mkdir (f->dest, 0755), 0);
}

static int
count_entries (const char *dir)
{
  DIR *d = opendir (dir);
  assert_non_null (d);
  int n = 0;
  struct dirent *de;
  while ((de = readdir (d)) != NULL)
    if (strcmp (de->d_name, ".") != 0 && strcmp (de->d_name, "..") != 0)
      n++;
  closedir (d);
  return n;
}

static void
assert_file_content (const char *path, const char *want)
{
  char *got = NULL;
  size_t len = 0;
  struct cd_err err;
  assert_int_equal (cd_read_file (path, &got, &len, &err), 0);
  assert_int_equal (len, strlen (want));
  assert_memory_equal (got, want, len);
  free (got);
}

/* Extraction must fail with -EINVAL, name `needle`, leave dest empty and
 * write nothing outside. */
static void
assert_refused (struct fx *f, const char *tar, size_t len, const char *needle)
{
  struct cd_err err;
  struct img_extract_result res;
  int outside_before = count_entries (f->outside);
  assert_int_equal (extract (f, tar, len, NULL, &res, &err), -EINVAL);
  if (strstr (err.msg, needle) == NULL)
    fail_msg ("message `%s` lacks `%s`", err.msg, needle);
  assert_int_equal (count_entries (f->dest), 0);
  assert_int_equal (count_entries (f->outside), outside_before);
  assert_int_equal (count_entries (f->base), 2); /* dest and outside only */
}

/* A small tree with a bit of everything (uncompressed pax). */
static char *
sample_tar (size_t *len)
{
  struct tb *t = tb_new ();
  tb_dir (t, "etc", 0755);
  tb_file (t, "etc/hosts", "127.0.0.1 localhost\n", 0644);
  tb_file (t, "./etc/./motd", "hello\n", 0600);
  tb_symlink (t, "bin", "usr/bin");
  tb_file (t, "usr/bin/busybox", "ELF...", 0755);
  tb_hardlink (t, "usr/bin/sh", "usr/bin/busybox");
  tb_symlink (t, "usr/bin/ash", "/bin/busybox");
  tb_file (t, "/abs/name", "rooted", 0644);
  tb_file (t, "dir/../lifted", "up", 0644); /* ".." that stays inside is folded */
  return tb_finish (t, len);
}

/* ---- tests ----------------------------------------------------------------- */

static void
test_tree_and_digests (void **state)
{
  struct fx *f = *state;
  size_t len;
  char *tar = sample_tar (&len);
  struct img_extract_result res;
  struct cd_err err;
  assert_ok (extract (f, tar, len, NULL, &res, &err), err);

  char want[CD_DIGEST_LEN];
  sha256_hex (tar, len, want);
  assert_string_equal (res.diff_id, want);
  assert_string_equal (res.compressed_digest, want); /* uncompressed: the same bytes */
  assert_int_equal (res.tar_size, len);
  assert_int_equal (res.size, strlen ("127.0.0.1 localhost\n") + 6 + 6 + 6 + 2);

  assert_file_content (path_in (f->dest, "etc/hosts"), "127.0.0.1 localhost\n");
  assert_file_content (path_in (f->dest, "etc/motd"), "hello\n");
  assert_file_content (path_in (f->dest, "abs/name"), "rooted");
  assert_file_content (path_in (f->dest, "lifted"), "up");
  char lnk[PATH_MAX];
  ssize_t n = readlink (path_in (f->dest, "bin"), lnk, sizeof lnk);
  assert_int_equal (n, 7);
  assert_memory_equal (lnk, "usr/bin", 7);
  n = readlink (path_in (f->dest, "usr/bin/ash"), lnk, sizeof lnk);
  assert_int_equal (n, 12);
  assert_memory_equal (lnk, "/bin/busybox", 12);
  struct stat a, b;
  assert_int_equal (lstat (path_in (f->dest, "usr/bin/busybox"), &a), 0);
  assert_int_equal (lstat (path_in (f->dest, "usr/bin/sh"), &b), 0);
  assert_int_equal (a.st_ino, b.st_ino);
  assert_int_equal (a.st_nlink, 2);
  /* implicit parents are 0755 whatever the umask */
  assert_int_equal (lstat (path_in (f->dest, "usr"), &a), 0);
  assert_int_equal (a.st_mode & 07777, 0755);
  free (tar);
}

/* lstat(path) has exactly this mode (type included), owner and mtime (if mtime >= 0). */
static void
assert_stat (const char *path, mode_t mode, uid_t uid, gid_t gid, time_t mtime)
{
  struct stat st;
  if (lstat (path, &st) < 0)
    fail_msg ("lstat %s: %s", path, strerror (errno));
  assert_int_equal (st.st_mode, mode);
  assert_int_equal (st.st_uid, uid);
  assert_int_equal (st.st_gid, gid);
  if (mtime >= 0)
    assert_int_equal (st.st_mtim.tv_sec, mtime);
}

static void
test_metadata_files (void **state)
{
  struct fx *f = *state;
  static const unsigned char cap[20] = { 0x00, 0x00, 0x00, 0x02, 0x00, 0x04 }; /* v2, NET_BIND */
  struct tb *t = tb_new ();
  tb_file (t, "late/child", "x", 0644); /* before its directory's entry */
  struct archive_entry *e = tb_entry (t, "late", AE_IFDIR, 0750);
  archive_entry_set_uid (e, 1000);
  archive_entry_set_gid (e, 1001);
  archive_entry_set_mtime (e, 1234567890, 5);
  tb_add (t, e, NULL, 0);
  tb_dir (t, "tmp", 01777);
  e = tb_entry (t, "bin/su", AE_IFREG, 04755);
  archive_entry_set_mtime (e, 1500000000, 123456789);
  archive_entry_xattr_add_entry (e, "security.capability", cap, sizeof cap);
  archive_entry_xattr_add_entry (e, "user.note", "hi", 2);
  archive_entry_xattr_add_entry (e, "trusted.overlay.opaque", "y", 1);
  archive_entry_xattr_add_entry (e, "security.selinux", "system_u:object_r:bin_t", 23);
  tb_add (t, e, "#!", 2);
  e = tb_entry (t, "sgid", AE_IFREG, 02711);
  archive_entry_set_uid (e, 1000);
  archive_entry_set_gid (e, 50);
  tb_add (t, e, "data", 4);
  size_t len;
  char *tar = tb_finish (t, &len);
  struct cd_err err;
  struct img_extract_result res;
  assert_ok (extract (f, tar, len, NULL, &res, &err), err);
  assert_int_equal (res.size, 1 + 2 + 4);

  struct stat st;
  assert_stat (path_in (f->dest, "late"), S_IFDIR | 0750, 1000, 1001, 1234567890);
  assert_int_equal (lstat (path_in (f->dest, "late"), &st), 0);
  assert_int_equal (st.st_mtim.tv_nsec, 5);
  assert_stat (path_in (f->dest, "tmp"), S_IFDIR | 01777, 0, 0, 1000000000);
  assert_stat (path_in (f->dest, "bin/su"), S_IFREG | 04755, 0, 0, 1500000000);
  assert_int_equal (lstat (path_in (f->dest, "bin/su"), &st), 0);
  assert_int_equal (st.st_mtim.tv_nsec, 123456789);
  assert_stat (path_in (f->dest, "sgid"), S_IFREG | 02711, 1000, 50, 1000000000);
  unsigned char got[64];
  const char *su = path_in (f->dest, "bin/su");
  assert_int_equal (getxattr (su, "security.capability", got, sizeof got), sizeof cap);
  assert_memory_equal (got, cap, sizeof cap);
  assert_int_equal (getxattr (su, "user.note", got, sizeof got), 2);
  assert_memory_equal (got, "hi", 2);
  /* never taken from a tar */
  assert_int_equal (getxattr (su, "trusted.overlay.opaque", got, sizeof got), -1);
  ssize_t n = getxattr (su, "security.selinux", got, sizeof got);
  assert_false (n == 23 && memcmp (got, "system_u:object_r:bin_t", 23) == 0);
  free (tar);
}

static void
test_metadata_nodes (void **state)
{
  struct fx *f = *state;
  struct tb *t = tb_new ();
  struct archive_entry *e = tb_entry (t, "dev/null", AE_IFCHR, 0666);
  archive_entry_set_rdev (e, makedev (1, 3));
  tb_add (t, e, NULL, 0);
  e = tb_entry (t, "dev/sda", AE_IFBLK, 0660);
  archive_entry_set_rdev (e, makedev (8, 0));
  archive_entry_set_gid (e, 6);
  tb_add (t, e, NULL, 0);
  tb_add (t, tb_entry (t, "run/fifo", AE_IFIFO, 0620), NULL, 0);
  e = tb_entry (t, "lnk", AE_IFLNK, 0777);
  archive_entry_set_symlink (e, "/nowhere");
  archive_entry_set_uid (e, 7);
  archive_entry_set_gid (e, 8);
  archive_entry_set_mtime (e, 1111111111, 0);
  tb_add (t, e, NULL, 0);
  size_t len;
  char *tar = tb_finish (t, &len);
  struct cd_err err;
  struct img_extract_result res;
  assert_ok (extract (f, tar, len, NULL, &res, &err), err);
  assert_int_equal (res.size, 0);

  struct stat st;
  assert_stat (path_in (f->dest, "dev/null"), S_IFCHR | 0666, 0, 0, 1000000000);
  assert_int_equal (lstat (path_in (f->dest, "dev/null"), &st), 0);
  assert_int_equal (st.st_rdev, makedev (1, 3));
  assert_stat (path_in (f->dest, "dev/sda"), S_IFBLK | 0660, 0, 6, 1000000000);
  assert_int_equal (lstat (path_in (f->dest, "dev/sda"), &st), 0);
  assert_int_equal (st.st_rdev, makedev (8, 0));
  assert_stat (path_in (f->dest, "run/fifo"), S_IFIFO | 0620, 0, 0, 1000000000);
  assert_stat (path_in (f->dest, "lnk"), S_IFLNK | 0777, 7, 8, 1111111111);
  free (tar);
}

static void
check_compressed (struct fx *f, const char *filter)
{
  size_t len, zlen;
  char *tar = sample_tar (&len);
  char *z = tb_compress (tar, len, filter, &zlen);
  assert_true (zlen != len || memcmp (z, tar, len) != 0);
  char want[CD_DIGEST_LEN], zwant[CD_DIGEST_LEN];
  sha256_hex (tar, len, want);
  sha256_hex (z, zlen, zwant);
  struct img_extract_result res;
  struct cd_err err;
  assert_ok (extract (f, z, zlen, want, &res, &err), err);
  assert_string_equal (res.diff_id, want);
  assert_string_equal (res.compressed_digest, zwant);
  assert_int_equal (res.tar_size, len);
  assert_file_content (path_in (f->dest, "etc/hosts"), "127.0.0.1 localhost\n");
  free (tar);
  free (z);
}

static void
test_gzip (void **state)
{
  check_compressed (*state, "gzip");
}

static void
test_zstd (void **state)
{
  struct fx *f = *state;
  check_compressed (f, "zstd");
  /* compressed twice: Docker decompresses once, so must we */
  reset_dest (f);
  size_t len, zlen, zzlen;
  char *tar = sample_tar (&len);
  char *z = tb_compress (tar, len, "gzip", &zlen);
  char *zz = tb_compress (z, zlen, "zstd", &zzlen);
  struct img_extract_result res;
  struct cd_err err;
  assert_int_equal (extract (f, zz, zzlen, NULL, &res, &err), -EINVAL);
  assert_string_equal (err.msg, "invalid layer: compressed more than once (gzip inside zstd)");
  assert_int_equal (count_entries (f->dest), 0);
  free (zz);
  free (z);
  free (tar);
}

static void
test_xz (void **state)
{
  check_compressed (*state, "xz");
}

static void
test_from_fd (void **state)
{
  struct fx *f = *state;
  size_t len, zlen;
  char *tar = sample_tar (&len);
  char *z = tb_compress (tar, len, "gzip", &zlen);
  char *file = path_in (f->base, "layer.tar.gz");
  struct cd_err err;
  assert_int_equal (cd_write_file_atomic (file, z, zlen, 0644, &err), 0);
  int fd = open (file, O_RDONLY | O_CLOEXEC);
  assert_true (fd >= 0);
  char want[CD_DIGEST_LEN], zwant[CD_DIGEST_LEN];
  sha256_hex (tar, len, want);
  sha256_hex (z, zlen, zwant);
  struct img_extract_result res;
  assert_ok (img_extract_layer_fd (fd, f->dest, want, &res, &err), err);
  close (fd);
  assert_string_equal (res.diff_id, want);
  assert_string_equal (res.compressed_digest, zwant);
  assert_file_content (path_in (f->dest, "usr/bin/sh"), "ELF...");
  free (tar);
  free (z);
}

static void
test_digest_mismatch (void **state)
{
  struct fx *f = *state;
  size_t len;
  char *tar = sample_tar (&len);
  char got[CD_DIGEST_LEN];
  sha256_hex (tar, len, got);
  const char *want = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
  struct img_extract_result res;
  struct cd_err err;
  assert_int_equal (extract (f, tar, len, want, &res, &err), -EINVAL);
  char msg[512];
  snprintf (msg, sizeof msg, "layer digest mismatch: expected %s, got %s", want, got);
  assert_string_equal (err.msg, msg);
  assert_int_equal (count_entries (f->dest), 0);
  assert_int_equal (extract (f, tar, len, "sha256:bad", &res, &err), -EINVAL);
  assert_non_null (strstr (err.msg, "invalid layer digest"));
  free (tar);
}

static void
test_refuse_dotdot (void **state)
{
  struct fx *f = *state;
  const char *names[] = { "../x", "a/../../x", "/../x", "ok/../../outside/x" };
  for (size_t i = 0; i < 4; i++)
    {
      struct tb *t = tb_new ();
      tb_file (t, "first", "written before the bad entry", 0644);
      tb_file (t, names[i], "evil", 0644);
      size_t len;
      char *tar = tb_finish (t, &len);
      char needle[64];
      snprintf (needle, sizeof needle, "layer entry `%s` escapes the layer", names[i]);
      assert_refused (f, tar, len, needle);
      free (tar);
    }
}

static void
test_refuse_write_through_symlink (void **state)
{
  struct fx *f = *state;
  const char *targets[] = { f->outside, "../outside", "/" };
  for (size_t i = 0; i < 3; i++)
    {
      struct tb *t = tb_new ();
      tb_symlink (t, "a", targets[i]);
      tb_file (t, "a/passwd", "root::0:0::/:/bin/sh\n", 0644);
      size_t len;
      char *tar = tb_finish (t, &len);
      assert_refused (f, tar, len, "layer entry `a/passwd` passes through symlink `a`");
      free (tar);
    }
  /* deeper: the symlink is in the middle of the path, and a directory entry */
  struct tb *t = tb_new ();
  tb_symlink (t, "d/l", f->outside);
  tb_dir (t, "d/l/sub/dir", 0755);
  size_t len;
  char *tar = tb_finish (t, &len);
  assert_refused (f, tar, len, "layer entry `d/l/sub/dir/` passes through symlink `d/l`");
  free (tar);
}

static void
test_replace_symlink_not_followed (void **state)
{
  struct fx *f = *state;
  char *victim = path_in (f->outside, "victim");
  struct cd_err err;
  assert_int_equal (cd_write_file_atomic (victim, "safe", 4, 0644, &err), 0);
  struct tb *t = tb_new ();
  tb_symlink (t, "p", victim);
  tb_file (t, "p", "overwritten?", 0644); /* replaces the link, never writes through it */
  tb_file (t, "f", "one", 0644);
  tb_file (t, "f", "two", 0644);
  tb_file (t, "d/child", "c", 0644);
  tb_file (t, "d", "now a file", 0644);
  size_t len;
  char *tar = tb_finish (t, &len);
  struct img_extract_result res;
  assert_ok (extract (f, tar, len, NULL, &res, &err), err);
  assert_file_content (victim, "safe");
  assert_file_content (path_in (f->dest, "p"), "overwritten?");
  assert_file_content (path_in (f->dest, "f"), "two");
  assert_file_content (path_in (f->dest, "d"), "now a file");
  free (tar);
}

static void
test_refuse_hardlink_outside (void **state)
{
  struct fx *f = *state;
  struct cd_err err;
  assert_int_equal (cd_write_file_atomic (path_in (f->outside, "secret"), "s", 1, 0600, &err), 0);
  struct tb *t = tb_new ();
  tb_file (t, "ok", "fine", 0644);
  tb_hardlink (t, "l", "../outside/secret");
  size_t len;
  char *tar = tb_finish (t, &len);
  assert_refused (f, tar, len,
                  "layer entry `l`: hard link target `../outside/secret` escapes the layer");
  free (tar);
  struct stat st;
  assert_int_equal (stat (path_in (f->outside, "secret"), &st), 0);
  assert_int_equal (st.st_nlink, 1);
}

static void
test_refuse_hardlink_through_symlink (void **state)
{
  struct fx *f = *state;
  struct cd_err err;
  assert_int_equal (cd_write_file_atomic (path_in (f->outside, "secret"), "s", 1, 0600, &err), 0);
  struct tb *t = tb_new ();
  tb_symlink (t, "s", f->outside);
  tb_hardlink (t, "l", "s/secret");
  size_t len;
  char *tar = tb_finish (t, &len);
  assert_refused (f, tar, len,
                  "layer entry `l`: hard link target `s/secret` passes through symlink `s`");
  free (tar);
  struct stat st;
  assert_int_equal (stat (path_in (f->outside, "secret"), &st), 0);
  assert_int_equal (st.st_nlink, 1);

  t = tb_new ();
  tb_hardlink (t, "l", "missing");
  tar = tb_finish (t, &len);
  struct img_extract_result res;
  assert_int_equal (extract (f, tar, len, NULL, &res, &err), -ENOENT);
  assert_non_null (strstr (err.msg, "`missing` does not exist in the layer"));
  assert_int_equal (count_entries (f->dest), 0);
  free (tar);
}

static void
test_whiteouts (void **state)
{
  struct fx *f = *state;
  struct tb *t = tb_new ();
  struct archive_entry *e = tb_entry (t, "dir/.wh.gone", AE_IFREG, 0644);
  archive_entry_set_uid (e, 1000);
  archive_entry_set_gid (e, 1000);
  tb_add (t, e, NULL, 0);
  tb_file (t, ".wh.top", "", 0644);
  tb_file (t, "opq/.wh..wh..opq", "", 0644);
  tb_file (t, "opq/kept", "k", 0644);
  tb_dir (t, ".wh..wh.plnk", 0700);
  tb_file (t, ".wh..wh.plnk/123.456", "aufs", 0644);
  tb_file (t, "x/.wh..wh.aufs", "", 0644);
  size_t len;
  char *tar = tb_finish (t, &len);
  struct img_extract_result res;
  struct cd_err err;
  assert_ok (extract (f, tar, len, NULL, &res, &err), err);
  struct stat st;
  assert_int_equal (lstat (path_in (f->dest, "dir/gone"), &st), 0);
  assert_true (S_ISCHR (st.st_mode));
  assert_int_equal (st.st_rdev, makedev (0, 0));
  assert_int_equal (st.st_uid, 1000);
  assert_int_equal (st.st_gid, 1000);
  assert_int_equal (lstat (path_in (f->dest, "dir/.wh.gone"), &st), -1);
  assert_int_equal (lstat (path_in (f->dest, "top"), &st), 0);
  assert_true (S_ISCHR (st.st_mode) && st.st_rdev == makedev (0, 0));
  char v[8];
  assert_int_equal (getxattr (path_in (f->dest, "opq"), "trusted.overlay.opaque", v, sizeof v), 1);
  assert_int_equal (v[0], 'y');
  assert_int_equal (lstat (path_in (f->dest, "opq/.wh..wh..opq"), &st), -1);
  assert_file_content (path_in (f->dest, "opq/kept"), "k");
  /* dest: dir, top, opq — AUFS internals skipped, x never created */
  assert_int_equal (count_entries (f->dest), 3);
  free (tar);

  reset_dest (f);
  t = tb_new ();
  tb_file (t, "a/.wh...", "", 0644);
  tar = tb_finish (t, &len);
  assert_refused (f, tar, len, "layer entry `a/.wh...` is not a valid whiteout");
  free (tar);
}

static char *
big_tar (size_t *len, size_t fsize)
{
  char *blob = malloc (fsize);
  for (size_t i = 0; i < fsize; i++)
    blob[i] = (char) (i * 2654435761u >> 13);
  struct tb *t = tb_new ();
  tb_file (t, "small", "s", 0644);
  tb_add (t, tb_entry (t, "big", AE_IFREG, 0644), blob, fsize);
  free (blob);
  return tb_finish (t, len);
}

static void
test_truncated (void **state)
{
  struct fx *f = *state;
  size_t len;
  char *tar = big_tar (&len, 300000);
  assert_refused (f, tar, len / 2, "entry `big`");

  size_t zlen;
  char *z = tb_compress (tar, len, "gzip", &zlen);
  struct img_extract_result res;
  struct cd_err err;
  assert_int_equal (extract (f, z, zlen / 2, NULL, &res, &err), -EINVAL);
  assert_non_null (strstr (err.msg, "invalid layer"));
  assert_int_equal (count_entries (f->dest), 0);
  free (z);
  free (tar);
}

static void
test_read_error (void **state)
{
  struct fx *f = *state;
  size_t len;
  char *tar = big_tar (&len, 300000);
  struct mem_reader m = { .data = tar, .len = len, .chunk = 8192, .fail_at = 100000 };
  struct img_extract_result res;
  struct cd_err err;
  assert_int_equal (img_extract_layer (mem_read, &m, f->dest, NULL, &res, &err), -EIO);
  assert_non_null (strstr (err.msg, "read layer"));
  assert_int_equal (count_entries (f->dest), 0);
  free (tar);
}

static void
test_big_file_streams (void **state)
{
  struct fx *f = *state;
  size_t len;
  char *tar = big_tar (&len, 3 * 1024 * 1024 + 17);
  struct img_extract_result res;
  struct cd_err err;
  assert_ok (extract (f, tar, len, NULL, &res, &err), err);
  struct stat st;
  assert_int_equal (stat (path_in (f->dest, "big"), &st), 0);
  assert_int_equal (st.st_size, 3 * 1024 * 1024 + 17);
  assert_int_equal (res.size, 3 * 1024 * 1024 + 17 + 1);
  free (tar);
}

static void
test_empty_layer (void **state)
{
  struct fx *f = *state;
  char zeros[1024] = { 0 };
  char want[CD_DIGEST_LEN];
  sha256_hex (zeros, sizeof zeros, want);
  struct img_extract_result res;
  struct cd_err err;
  assert_ok (extract (f, zeros, sizeof zeros, want, &res, &err), err);
  assert_string_equal (res.diff_id, want);
  assert_int_equal (res.size, 0);
  assert_int_equal (res.tar_size, 1024);
  assert_int_equal (count_entries (f->dest), 0);

  assert_int_equal (extract (f, "not a tar at all, not at all", 28, NULL, &res, &err), -EINVAL);
  assert_non_null (strstr (err.msg, "invalid layer"));
  assert_int_equal (extract (f, "", 0, NULL, &res, &err), -EINVAL);
}

static void
test_dest_not_empty (void **state)
{
  struct fx *f = *state;
  struct cd_err err;
  char *keep = path_in (f->dest, "keep");
  assert_int_equal (cd_write_file_atomic (keep, "k", 1, 0644, &err), 0);
  size_t len;
  char *tar = sample_tar (&len);
  struct img_extract_result res;
  assert_int_equal (extract (f, tar, len, NULL, &res, &err), -ENOTEMPTY);
  assert_non_null (strstr (err.msg, "not empty"));
  assert_file_content (keep, "k");
  free (tar);
}

static void
test_utf8_names (void **state)
{
  struct fx *f = *state;
  const char *name
      = "usr/share/ca/NetLock_Arany_=Class_Gold=_F\xc5\x91tan\xc3\xbas\xc3\xadtv\xc3\xa1ny.crt";
  /* libarchive's writer can't convert this in the C locale: build the tar
   * in C.UTF-8, extract back in the C locale (the daemon's). */
  locale_t utf8 = newlocale (LC_CTYPE_MASK, "C.UTF-8", (locale_t) 0);
  assert_non_null (utf8);
  locale_t old = uselocale (utf8);
  struct tb *t = tb_new ();
  tb_file (t, name, "cert", 0644);
  size_t len;
  char *tar = tb_finish (t, &len);
  uselocale (old);
  freelocale (utf8);
  struct img_extract_result res;
  struct cd_err err;
  assert_ok (extract (f, tar, len, NULL, &res, &err), err);
  assert_file_content (path_in (f->dest, name), "cert");
  free (tar);
}

static void
test_root_entry (void **state)
{
  struct fx *f = *state;
  struct tb *t = tb_new ();
  struct archive_entry *e = tb_entry (t, "./", AE_IFDIR, 0700);
  archive_entry_set_mtime (e, 1300000000, 0);
  tb_add (t, e, NULL, 0);
  tb_file (t, "file", "x", 0644);
  size_t len;
  char *tar = tb_finish (t, &len);
  struct img_extract_result res;
  struct cd_err err;
  assert_ok (extract (f, tar, len, NULL, &res, &err), err);
  struct stat st;
  assert_int_equal (stat (f->dest, &st), 0);
  assert_int_equal (st.st_mode & 07777, 0700);
  assert_int_equal (st.st_mtim.tv_sec, 1300000000);
  free (tar);
  reset_dest (f);

  t = tb_new ();
  tb_file (t, "x", "x", 0644);
  tb_file (t, ".", "a file named as the root", 0644);
  tar = tb_finish (t, &len);
  assert_refused (f, tar, len, "layer entry `.` names the layer root but is not a directory");
  free (tar);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_tree_and_digests, setup, teardown),
    cmocka_unit_test_setup_teardown (test_metadata_files, setup, teardown),
    cmocka_unit_test_setup_teardown (test_metadata_nodes, setup, teardown),
    cmocka_unit_test_setup_teardown (test_gzip, setup, teardown),
    cmocka_unit_test_setup_teardown (test_zstd, setup, teardown),
    cmocka_unit_test_setup_teardown (test_xz, setup, teardown),
    cmocka_unit_test_setup_teardown (test_from_fd, setup, teardown),
    cmocka_unit_test_setup_teardown (test_digest_mismatch, setup, teardown),
    cmocka_unit_test_setup_teardown (test_refuse_dotdot, setup, teardown),
    cmocka_unit_test_setup_teardown (test_refuse_write_through_symlink, setup, teardown),
    cmocka_unit_test_setup_teardown (test_replace_symlink_not_followed, setup, teardown),
    cmocka_unit_test_setup_teardown (test_refuse_hardlink_outside, setup, teardown),
    cmocka_unit_test_setup_teardown (test_refuse_hardlink_through_symlink, setup, teardown),
    cmocka_unit_test_setup_teardown (test_whiteouts, setup, teardown),
    cmocka_unit_test_setup_teardown (test_truncated, setup, teardown),
    cmocka_unit_test_setup_teardown (test_read_error, setup, teardown),
    cmocka_unit_test_setup_teardown (test_big_file_streams, setup, teardown),
    cmocka_unit_test_setup_teardown (test_empty_layer, setup, teardown),
    cmocka_unit_test_setup_teardown (test_dest_not_empty, setup, teardown),
    cmocka_unit_test_setup_teardown (test_utf8_names, setup, teardown),
    cmocka_unit_test_setup_teardown (test_root_entry, setup, teardown),
  };
  return cmocka_run_group_tests (tests, group_setup, group_teardown);
}
