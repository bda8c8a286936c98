#include "images/layers.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"

void
img_chain_id (const char *parent_chain, const char *diff_id, char out[CD_DIGEST_LEN])
{
  if (parent_chain == NULL || parent_chain[0] == '\0')
    {
      snprintf (out, CD_DIGEST_LEN, "%s", diff_id);
      return;
    }
  char buf[2 * CD_DIGEST_LEN + 2];
  int n = snprintf (buf, sizeof buf, "%s %s", parent_chain, diff_id);
  cd_sha256_digest (buf, (size_t) n, out);
}

int
img_random_hex (char *out, size_t nbytes)
{
  unsigned char raw[64];
  if (nbytes > sizeof raw || getrandom (raw, nbytes, 0) != (ssize_t) nbytes)
    return -EIO;
  for (size_t i = 0; i < nbytes; i++)
    sprintf (out + 2 * i, "%02x", raw[i]);
  return 0;
}

/* Docker's short link names: 26 characters of [A-Z0-9]. */
static int
random_short (char out[27])
{
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  unsigned char raw[26];
  if (getrandom (raw, sizeof raw, 0) != sizeof raw)
    return -EIO;
  for (int i = 0; i < 26; i++)
    out[i] = alphabet[raw[i] % 36];
  out[26] = '\0';
  return 0;
}

int
img_layer_tmp (const char *root, char **out, struct cd_err *err)
{
  char path[4096];
  snprintf (path, sizeof path, "%s/tmp/layer-XXXXXX", root);
  if (mkdtemp (path) == NULL)
    return cd_err_sys (err, errno, "cannot create a temporary layer directory in %s/tmp", root);
  char diff[4200];
  snprintf (diff, sizeof diff, "%s/diff", path);
  if (mkdir (diff, 0755) < 0)
    {
      int e = errno;
      rmdir (path);
      return cd_err_sys (err, e, "mkdir %s", diff);
    }
  *out = strdup (path);
  return *out ? 0 : cd_err_set (err, ENOMEM, "out of memory");
}

static int
read_small (const char *path, char *buf, size_t len)
{
  cleanup_close int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  ssize_t n = read (fd, buf, len - 1);
  if (n < 0)
    return -errno;
  buf[n] = '\0';
  buf[strcspn (buf, "\n")] = '\0';
  return 0;
}

static int
write_small (const char *path, const char *data, struct cd_err *err)
{
  cleanup_close int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0 || write (fd, data, strlen (data)) != (ssize_t) strlen (data))
    return cd_err_sys (err, errno, "write %s", path);
  return 0;
}

/* The lower file of a child of parent: "l/<parent short>[:<parent's lower>]". */
static int
lower_for_child (const char *root, const char *parent_cache, char **out, struct cd_err *err)
{
  char path[4096], link[64], plower[8192] = "";
  snprintf (path, sizeof path, "%s/overlay2/%s/link", root, parent_cache);
  if (read_small (path, link, sizeof link) < 0)
    return cd_err_sys (err, errno, "parent layer %s is incomplete: read %s", parent_cache, path);
  snprintf (path, sizeof path, "%s/overlay2/%s/lower", root, parent_cache);
  read_small (path, plower, sizeof plower); /* absent for a base layer */
  if (asprintf (out, "l/%s%s%s", link, plower[0] ? ":" : "", plower) < 0)
    return cd_err_set (err, ENOMEM, "out of memory");
  return 0;
}

static int
write_layer_meta (const char *root, const char *tmpdir, const char *parent_cache,
                  const char *shortname, struct cd_err *err)
{
  char path[4200];
  snprintf (path, sizeof path, "%s/link", tmpdir);
  int r = write_small (path, shortname, err);
  if (r < 0)
    return r;
  snprintf (path, sizeof path, "%s/work", tmpdir);
  if (mkdir (path, 0700) < 0 && errno != EEXIST)
    return cd_err_sys (err, errno, "mkdir %s", path);
  if (parent_cache == NULL)
    return 0;
  cleanup_free char *lower = NULL;
  if ((r = lower_for_child (root, parent_cache, &lower, err)) < 0)
    return r;
  snprintf (path, sizeof path, "%s/lower", tmpdir);
  return write_small (path, lower, err);
}

int
img_layer_commit (const char *root, const char *tmpdir, const char *parent_cache,
                  char cache_id[65], struct cd_err *err)
{
  if (img_random_hex (cache_id, 32) < 0)
    return cd_err_set (err, EIO, "getrandom failed");
  return img_layer_commit_named (root, tmpdir, parent_cache, cache_id, err);
}

int
img_layer_commit_named (const char *root, const char *tmpdir, const char *parent_cache,
                        const char *name, struct cd_err *err)
{
  char shortname[27], lpath[4096], target[512], final[4096];
  if (random_short (shortname) < 0)
    return cd_err_set (err, EIO, "getrandom failed");
  int r = write_layer_meta (root, tmpdir, parent_cache, shortname, err);
  if (r < 0)
    return r;
  snprintf (lpath, sizeof lpath, "%s/overlay2/l", root);
  if ((r = cd_mkdir_p (lpath, 0700, err)) < 0)
    return r;
  snprintf (final, sizeof final, "%s/overlay2/%s", root, name);
  if (rename (tmpdir, final) < 0)
    return cd_err_sys (err, errno, "rename %s to %s", tmpdir, final);
  snprintf (lpath, sizeof lpath, "%s/overlay2/l/%s", root, shortname);
  snprintf (target, sizeof target, "../%s/diff", name);
  if (symlink (target, lpath) < 0)
    {
      int e = errno;
      rename (final, tmpdir);
      return cd_err_sys (err, e, "symlink %s", lpath);
    }
  return 0;
}

static void
unlink_short_link (const char *root, const char *cache_id)
{
  char path[4096], link[64];
  snprintf (path, sizeof path, "%s/overlay2/%s/link", root, cache_id);
  if (read_small (path, link, sizeof link) == 0 && strchr (link, '/') == NULL && link[0])
    {
      snprintf (path, sizeof path, "%s/overlay2/l/%s", root, link);
      unlink (path);
    }
}

int
img_layer_remove (const char *root, const char *cache_id, struct cd_err *err)
{
  char path[4096];
  unlink_short_link (root, cache_id);
  snprintf (path, sizeof path, "%s/overlay2/%s", root, cache_id);
  return cd_rm_rf (path, err);
}

int
img_layer_move_out (const char *root, const char *cache_id, const char *dest,
                    struct cd_err *err)
{
  char path[4096];
  unlink_short_link (root, cache_id);
  snprintf (path, sizeof path, "%s/overlay2/%s", root, cache_id);
  if (rename (path, dest) < 0 && errno != ENOENT)
    return cd_err_sys (err, errno, "rename `%s`", path);
  return 0;
}

char *
img_layer_diff_path (const char *root, const char *cache_id)
{
  char *p = NULL;
  return asprintf (&p, "%s/overlay2/%s/diff", root, cache_id) < 0 ? NULL : p;
}

int
img_layer_lowerdirs (const char *root, const char *cache_id, char **out, struct cd_err *err)
{
  char path[4096], link[64], lower[8192] = "";
  snprintf (path, sizeof path, "%s/overlay2/%s/link", root, cache_id);
  if (read_small (path, link, sizeof link) < 0)
    return cd_err_sys (err, errno, "layer %s is incomplete: read %s", cache_id, path);
  snprintf (path, sizeof path, "%s/overlay2/%s/lower", root, cache_id);
  read_small (path, lower, sizeof lower);
  size_t cap = strlen (root) * 64 + strlen (lower) * 2 + 256;
  char *res = malloc (cap);
  if (res == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  int n = snprintf (res, cap, "%s/overlay2/l/%s", root, link);
  for (char *save = NULL, *tok = strtok_r (lower, ":", &save); tok;
       tok = strtok_r (NULL, ":", &save))
    n += snprintf (res + n, cap - (size_t) n, ":%s/overlay2/%s", root, tok);
  *out = res;
  return 0;
}
