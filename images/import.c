/* docker import: one streaming pass extracts the rootfs tarball into a
 * temporary layer (hashing it, recording its tar-split for save), then the
 * image config is built around its diff_id and committed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "images/import.h"
#include "images/layers.h"
#include "images/save.h"

#define IMPORT_CHUNK (128 * 1024)

struct import_reader
{
  int fd;
  char buf[IMPORT_CHUNK];
};

static ssize_t
import_read (void *ctx, const void **buf)
{
  struct import_reader *ir = ctx;
  ssize_t n;
  while ((n = read (ir->fd, ir->buf, sizeof ir->buf)) < 0 && errno == EINTR)
    ;
  *buf = ir->buf;
  return n < 0 ? -errno : n;
}

/* Go's RFC3339Nano, as docker writes "created": trailing zeros dropped. */
static void
now_rfc3339 (char *out, size_t len)
{
  struct timespec ts;
  struct tm tm;
  clock_gettime (CLOCK_REALTIME, &ts);
  gmtime_r (&ts.tv_sec, &tm);
  char frac[16] = "";
  if (ts.tv_nsec)
    {
      snprintf (frac, sizeof frac, ".%09ld", ts.tv_nsec);
      for (size_t n = strlen (frac); frac[n - 1] == '0'; n--)
        frac[n - 1] = '\0';
    }
  snprintf (out, len, "%04d-%02d-%02dT%02d:%02d:%02d%sZ", tm.tm_year + 1900, tm.tm_mon + 1,
            tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}

/* The image config around config (taken) and the layer, in docker's field order. */
static char *
image_config (json_object *config, const char *diff_id, const char *message)
{
  char created[64];
  now_rfc3339 (created, sizeof created);
  const char *comment = message && *message ? message : "Imported from -";
  json_object *img = json_object_new_object ();
  json_object_object_add (img, "comment", json_object_new_string (comment));
  json_object_object_add (img, "created", json_object_new_string (created));
  json_object_object_add (img, "config", config);
  json_object_object_add (img, "architecture", json_object_new_string ("amd64"));
  json_object_object_add (img, "os", json_object_new_string ("linux"));
  json_object *rootfs = json_object_new_object (), *ids = json_object_new_array ();
  json_object_object_add (rootfs, "type", json_object_new_string ("layers"));
  json_object_array_add (ids, json_object_new_string (diff_id));
  json_object_object_add (rootfs, "diff_ids", ids);
  json_object_object_add (img, "rootfs", rootfs);
  json_object *hist = json_object_new_array (), *h = json_object_new_object ();
  json_object_object_add (h, "created", json_object_new_string (created));
  json_object_object_add (h, "created_by", json_object_new_string (""));
  json_object_object_add (h, "comment", json_object_new_string (comment));
  json_object_array_add (hist, h);
  json_object_object_add (img, "history", hist);
  char *s = strdup (json_object_to_json_string_ext (img, JSON_C_TO_STRING_PLAIN
                                                             | JSON_C_TO_STRING_NOSLASHESCAPE));
  json_object_put (img);
  return s;
}

static int
extract (int fd, const char *tmpdir, struct img_extract_result *res,
         struct cd_err *err)
{
  struct import_reader *ir = malloc (sizeof *ir);
  if (ir == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  char dest[4200];
  snprintf (dest, sizeof dest, "%s/diff", tmpdir);
  ir->fd = fd;
  struct img_tsrec *rec = img_tsrec_new (tmpdir);
  int r = img_extract_layer_tap (import_read, ir, dest, NULL, rec ? img_tsrec_tap : NULL, rec, res,
                                 err);
  img_tsrec_finish (rec, r == 0);
  free (ir);
  return r < 0 ? cd_err_wrap (err, "import") : 0;
}

int
img_import (struct img_store *is, int fd, const char *ref, json_object *changes,
            const char *message, char id_out[CD_DIGEST_LEN], struct cd_err *err)
{
  json_object *config = img_import_base_config ();
  if (config == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  int r = img_changes_apply (config, changes, err);
  if (r < 0)
    {
      json_object_put (config);
      return r;
    }
  struct img_new_layer layer = { 0 };
  struct img_extract_result res;
  if ((r = img_layer_tmp (is->root, &layer.tmpdir, err)) == 0)
    r = extract (fd, layer.tmpdir, &res, err);
  cleanup_free char *cfg = NULL;
  if (r == 0)
    {
      memcpy (layer.diff_id, res.diff_id, CD_DIGEST_LEN);
      layer.size = (int64_t) res.size;
      cfg = image_config (steal_ptr (&config), res.diff_id, message);
      if (cfg == NULL)
        r = cd_err_set (err, ENOMEM, "out of memory");
    }
  json_object_put (config);
  if (r == 0)
    {
      const char *refs[] = { ref, NULL };
      r = img_commit (is, cfg, strlen (cfg), &layer, 1, ref && *ref ? refs : NULL, NULL, NULL,
                      id_out, err);
    }
  if (layer.tmpdir)
    {
      struct cd_err ignore;
      cd_rm_rf (layer.tmpdir, &ignore);
      free (layer.tmpdir);
    }
  return r;
}
