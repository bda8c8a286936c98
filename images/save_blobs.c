/* Layer blobs: the original bytes of each layer, kept at load and import
 * time so that save can write them back unchanged (see save.h). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "images/save.h"
#include "log.h"

#define TEE_NAME "layer.tar"
#define DATA_NAME "blob.data"
#define NOTE_NAME "blob"

int
img_blob_path (struct img_store *is, const char *digest, char **out)
{
  *out = NULL;
  if (digest == NULL || !cd_digest_valid (digest))
    return -EINVAL;
  return asprintf (out, "%s/blobs/sha256/%s", is->root, digest + 7) < 0 ? -ENOMEM : 0;
}

int
img_blob_tee_open (const char *tmpdir)
{
  char path[4200];
  snprintf (path, sizeof path, "%s/" TEE_NAME, tmpdir);
  int fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    log_warn ("cannot keep the layer's tar (%s: %s): saving it later re-creates it", path,
              strerror (errno));
  return fd;
}

static void
tee_abandon (int *fd, const char *tmpdir, int e)
{
  char path[4200];
  snprintf (path, sizeof path, "%s/" TEE_NAME, tmpdir);
  log_warn ("cannot keep the layer's tar (write %s: %s): saving it later re-creates it", path,
            strerror (e));
  close (*fd);
  *fd = -1;
  unlink (path);
}

void
img_blob_tee_write (int *fd, const char *tmpdir, const void *buf, size_t len)
{
  const char *p = buf;
  while (*fd >= 0 && len > 0)
    {
      ssize_t w = write (*fd, p, len);
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        {
          tee_abandon (fd, tmpdir, w < 0 ? errno : ENOSPC);
          return;
        }
      p += w;
      len -= (size_t) w;
    }
}

void
img_blob_tee_done (int *fd, const char *tmpdir, const struct img_extract_result *res)
{
  if (*fd < 0)
    return;
  close (*fd);
  *fd = -1;
  if (strcmp (res->compressed_digest, res->diff_id) == 0)
    return; /* uncompressed: layer.tar is the blob as it is */
  char from[4200], to[4200], note[200];
  snprintf (from, sizeof from, "%s/" TEE_NAME, tmpdir);
  snprintf (to, sizeof to, "%s/" DATA_NAME, tmpdir);
  int n = snprintf (note, sizeof note, "%s\n%llu\n", res->compressed_digest,
                    (unsigned long long) res->tar_size);
  if (rename (from, to) < 0)
    {
      log_warn ("keep layer blob: rename %s: %s", from, strerror (errno));
      unlink (from);
      return;
    }
  snprintf (from, sizeof from, "%s/" NOTE_NAME, tmpdir);
  cleanup_close int nfd = open (from, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (nfd < 0 || write (nfd, note, (size_t) n) != n)
    {
      log_warn ("keep layer blob: write %s: %s", from, strerror (errno));
      unlink (from);
      unlink (to);
    }
}

static bool
exists (const char *path)
{
  return access (path, F_OK) == 0;
}

/* Reads a note: the compressed digest and the uncompressed size (-1 when
 * absent).  -ENOENT without a (valid) note. */
static int
read_note (const char *path, char digest[CD_DIGEST_LEN], int64_t *size)
{
  char buf[256];
  cleanup_close int fd = open (path, O_RDONLY | O_CLOEXEC);
  ssize_t n = fd < 0 ? -1 : read (fd, buf, sizeof buf - 1);
  if (n <= 0)
    return -ENOENT;
  buf[n] = '\0';
  char *nl = strchr (buf, '\n');
  if (nl)
    *nl = '\0';
  if (!cd_digest_valid (buf))
    return -ENOENT;
  memcpy (digest, buf, CD_DIGEST_LEN); /* valid: exactly CD_DIGEST_LEN - 1 chars */
  *size = nl ? strtoll (nl + 1, NULL, 10) : -1;
  if (*size <= 0)
    *size = -1;
  return 0;
}

static void
move_in (const char *from, const char *to)
{
  if (rename (from, to) < 0)
    log_warn ("keep layer blob: rename %s to %s: %s", from, to, strerror (errno));
}

/* A compressed blob with its note: for an existing layer only when it has no
 * blob of either kind yet. */
static void
keep_compressed (struct img_store *is, const char *tmpdir, const char *diff_id,
                 const char *cache_id)
{
  char data[4200], note[4200], digest[CD_DIGEST_LEN], dest_note[4200];
  int64_t size;
  snprintf (data, sizeof data, "%s/" DATA_NAME, tmpdir);
  snprintf (note, sizeof note, "%s/" NOTE_NAME, tmpdir);
  if (!exists (data) || read_note (note, digest, &size) < 0)
    return;
  cleanup_free char *plain = NULL, *dest = NULL;
  if (img_blob_path (is, diff_id, &plain) < 0 || img_blob_path (is, digest, &dest) < 0)
    return;
  if (cache_id)
    {
      snprintf (dest_note, sizeof dest_note, "%s/overlay2/%s/" NOTE_NAME, is->root, cache_id);
      if (exists (plain) || exists (dest_note))
        return;
    }
  move_in (data, dest);
  if (cache_id)
    move_in (note, dest_note);
}

void
img_blob_keep (struct img_store *is, const char *tmpdir, const char *diff_id, const char *cache_id)
{
  if (tmpdir == NULL)
    return;
  char tar[4200];
  snprintf (tar, sizeof tar, "%s/" TEE_NAME, tmpdir);
  if (exists (tar))
    {
      cleanup_free char *dest = NULL;
      if (img_blob_path (is, diff_id, &dest) == 0)
        move_in (tar, dest); /* same digest, same bytes: replacing is harmless */
      return;
    }
  keep_compressed (is, tmpdir, diff_id, cache_id);
}

struct drop_ctx
{
  struct img_store *is;
  const struct store_layer *gone;
  const char *compressed; /* the gone layer's compressed digest, or NULL */
  bool plain_used, compressed_used;
};

static int
drop_check (const struct store_layer *l, void *ctx)
{
  struct drop_ctx *c = ctx;
  if (strcmp (l->chain_id, c->gone->chain_id) == 0)
    return 0;
  if (strcmp (l->diff_id, c->gone->diff_id) == 0)
    c->plain_used = true;
  if (c->compressed && !c->compressed_used)
    {
      char path[4200], digest[CD_DIGEST_LEN];
      int64_t size;
      snprintf (path, sizeof path, "%s/overlay2/%s/" NOTE_NAME, c->is->root, l->cache_id);
      if (read_note (path, digest, &size) == 0 && strcmp (digest, c->compressed) == 0)
        c->compressed_used = true;
    }
  return 0;
}

void
img_blob_drop (struct img_store *is, const struct store_layer *l)
{
  char note[4200], digest[CD_DIGEST_LEN];
  int64_t size;
  snprintf (note, sizeof note, "%s/overlay2/%s/" NOTE_NAME, is->root, l->cache_id);
  struct drop_ctx c = { .is = is, .gone = l };
  if (read_note (note, digest, &size) == 0)
    c.compressed = digest;
  /* Layers sharing a diff_id at other places in other chains share its blob. */
  struct cd_err err;
  if (store_layers_all (is->db, drop_check, &c, &err) < 0)
    {
      log_warn ("keeping the blobs of layer %s: %s", l->chain_id, err.msg);
      return;
    }
  cleanup_free char *plain = NULL, *comp = NULL;
  if (!c.plain_used && img_blob_path (is, l->diff_id, &plain) == 0 && unlink (plain) < 0
      && errno != ENOENT)
    log_warn ("remove blob %s: %s", plain, strerror (errno));
  if (c.compressed && !c.compressed_used && img_blob_path (is, c.compressed, &comp) == 0
      && unlink (comp) < 0 && errno != ENOENT)
    log_warn ("remove blob %s: %s", comp, strerror (errno));
}

int
img_blob_open (struct img_store *is, const struct store_layer *l, int *fd, bool *compressed,
               int64_t *tar_size)
{
  cleanup_free char *path = NULL;
  int r = img_blob_path (is, l->diff_id, &path);
  if (r < 0)
    return r;
  *fd = open (path, O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (*fd >= 0 && fstat (*fd, &st) == 0)
    {
      *compressed = false;
      *tar_size = st.st_size;
      return 0;
    }
  if (*fd >= 0)
    close (*fd);
  char note[4200], digest[CD_DIGEST_LEN];
  snprintf (note, sizeof note, "%s/overlay2/%s/" NOTE_NAME, is->root, l->cache_id);
  free (path);
  path = NULL;
  if (read_note (note, digest, tar_size) < 0 || img_blob_path (is, digest, &path) < 0)
    return -ENOENT;
  *fd = open (path, O_RDONLY | O_CLOEXEC);
  if (*fd < 0)
    return -ENOENT;
  *compressed = true;
  return 0;
}
