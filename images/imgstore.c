#include "images/images.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cleanup.h"
#include "fsutil.h"
#include "images/internal.h"
#include "images/layers.h"
#include "images/reference.h"
#include "images/save.h"
#include "log.h"

int
img_store_open (const char *root, struct cd_store *db, struct img_store **out,
                struct cd_err *err)
{
  struct img_store *is = calloc (1, sizeof *is);
  if (is == NULL || (is->root = strdup (root)) == NULL)
    {
      free (is);
      return cd_err_set (err, ENOMEM, "out of memory");
    }
  is->db = db;
  pthread_mutex_init (&is->lock, NULL);
  char path[4096];
  snprintf (path, sizeof path, "%s/overlay2/l", root);
  int r = cd_mkdir_p (path, 0700, err);
  if (r == 0)
    {
      snprintf (path, sizeof path, "%s/blobs/sha256", root);
      r = cd_mkdir_p (path, 0700, err);
    }
  if (r < 0)
    {
      img_store_free (is);
      return r;
    }
  *out = is;
  return 0;
}

void
img_store_free (struct img_store *is)
{
  if (is == NULL)
    return;
  pthread_mutex_destroy (&is->lock);
  free (is->root);
  free (is);
}

char *
img_familiar (const char *full)
{
  struct img_ref ref;
  if (img_ref_parse (full, &ref, NULL) < 0)
    return strdup (full);
  char *s = img_ref_familiar (&ref);
  img_ref_free (&ref);
  return s;
}

static int
normalise (const char *name, char **full, struct cd_err *err)
{
  struct img_ref ref;
  int r = img_ref_parse (name, &ref, err);
  if (r < 0)
    return r;
  *full = img_ref_string (&ref);
  img_ref_free (&ref);
  return *full ? 0 : cd_err_set (err, ENOMEM, "out of memory");
}

int
img_resolve (struct img_store *is, const char *name, char id[CD_DIGEST_LEN], struct cd_err *err)
{
  const char *hex = strncmp (name, "sha256:", 7) == 0 ? name + 7 : name;
  int r;
  if (strlen (hex) == 64 && img_ref_is_id_prefix (hex))
    {
      char full[CD_DIGEST_LEN];
      snprintf (full, sizeof full, "sha256:%s", hex);
      struct store_image img = { 0 };
      r = store_image_get (is->db, full, &img, err);
      store_image_clear (&img);
      if (r == 0)
        {
          memcpy (id, full, CD_DIGEST_LEN);
          return 0;
        }
      if (r != -ENOENT)
        return r;
      return cd_err_set (err, ENOENT, "No such image: %s", name);
    }
  cleanup_free char *full = NULL;
  struct cd_err perr = { 0 };
  if (normalise (name, &full, &perr) == 0)
    {
      r = store_tag_get (is->db, full, id, err);
      if (r != -ENOENT)
        return r;
    }
  if (img_ref_is_id_prefix (name))
    {
      r = store_image_find_prefix (is->db, hex, id, err);
      if (r != -ENOENT)
        return r;
    }
  else if (perr.code)
    return cd_err_set (err, EINVAL, "%s", perr.msg);
  return cd_err_set (err, ENOENT, "No such image: %s", name);
}

static void
msg_status (img_msg_fn msg, void *mctx, const char *status, const char *id)
{
  if (msg == NULL)
    return;
  json_object *o = json_object_new_object ();
  json_object_object_add (o, "status", json_object_new_string (status));
  if (id)
    json_object_object_add (o, "id", json_object_new_string (id));
  msg (mctx, o);
  json_object_put (o);
}

/* Stores the layers that are new; fills chains[]. Runs under is->lock. */
static int
commit_layers (struct img_store *is, struct img_new_layer *layers, int n,
               char (*chains)[CD_DIGEST_LEN], int64_t *total, img_msg_fn msg, void *mctx,
               struct cd_err *err)
{
  char parent_cache[65] = "";
  *total = 0;
  for (int i = 0; i < n; i++)
    {
      img_chain_id (i ? chains[i - 1] : NULL, layers[i].diff_id, chains[i]);
      struct store_layer l;
      int r = store_layer_get (is->db, chains[i], &l, err);
      if (r == 0)
        {
          img_tarsplit_adopt (is->root, layers[i].tmpdir, l.cache_id);
          msg_status (msg, mctx, "Already exists", layers[i].diff_id + 7);
          snprintf (parent_cache, sizeof parent_cache, "%s", l.cache_id);
          *total += l.size;
          continue;
        }
      if (r != -ENOENT)
        return r;
      if (layers[i].tmpdir == NULL)
        return cd_err_set (err, EINVAL, "layer %s is missing", layers[i].diff_id);
      memset (&l, 0, sizeof l);
      memcpy (l.chain_id, chains[i], CD_DIGEST_LEN);
      memcpy (l.diff_id, layers[i].diff_id, CD_DIGEST_LEN);
      snprintf (l.parent, sizeof l.parent, "%s", i ? chains[i - 1] : "");
      l.size = layers[i].size;
      if ((r = img_layer_commit (is->root, layers[i].tmpdir, i ? parent_cache : NULL, l.cache_id,
                                 err)) < 0)
        return r;
      free (layers[i].tmpdir);
      layers[i].tmpdir = NULL;
      if ((r = store_layer_add (is->db, &l, err)) < 0)
        {
          struct cd_err ignore;
          img_layer_remove (is->root, l.cache_id, &ignore);
          return r;
        }
      snprintf (parent_cache, sizeof parent_cache, "%s", l.cache_id);
      *total += l.size;
    }
  return 0;
}

static int64_t
config_created (json_object *cfg)
{
  json_object *v;
  if (!json_object_object_get_ex (cfg, "created", &v))
    return 0;
  struct tm tm = { 0 };
  const char *s = json_object_get_string (v);
  if (s == NULL || strptime (s, "%Y-%m-%dT%H:%M:%S", &tm) == NULL)
    return 0;
  return (int64_t) timegm (&tm);
}

static int
tag_refs (struct img_store *is, const char *id, const char *const *refs, img_msg_fn msg,
          void *mctx, struct cd_err *err)
{
  for (; refs && *refs; refs++)
    {
      cleanup_free char *full = NULL;
      int r = normalise (*refs, &full, err);
      char prev[CD_DIGEST_LEN];
      if (r < 0 || (r = store_tag_set (is->db, full, id, "tag", prev, err)) < 0)
        return r;
      if (prev[0] && strcmp (prev, id) != 0 && msg)
        {
          cleanup_free char *fam = img_familiar (full);
          char line[512];
          snprintf (line, sizeof line, "The image %s already exists, renaming the old one with ID"
                    " %s to empty string\n", fam, prev);
          json_object *o = json_object_new_object ();
          json_object_object_add (o, "stream", json_object_new_string (line));
          msg (mctx, o);
          json_object_put (o);
        }
    }
  return 0;
}

int
img_commit (struct img_store *is, const char *config, size_t config_len,
            struct img_new_layer *layers, int nlayers, const char *const *refs, img_msg_fn msg,
            void *mctx, char id_out[CD_DIGEST_LEN], struct cd_err *err)
{
  json_object *cfg = json_tokener_parse (config);
  if (cfg == NULL || !json_object_is_type (cfg, json_type_object))
    {
      json_object_put (cfg);
      return cd_err_set (err, EINVAL, "image config is not a JSON object");
    }
  struct store_image img = { 0 };
  cd_sha256_digest (config, config_len, img.id);
  img.config = (char *) config;
  img.created = config_created (cfg);
  img.loaded_at = time (NULL);
  json_object_put (cfg);
  char (*chains)[CD_DIGEST_LEN] = calloc ((size_t) nlayers + 1, CD_DIGEST_LEN);
  if (chains == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  pthread_mutex_lock (&is->lock);
  int r = store_begin (is->db, err);
  if (r == 0)
    r = commit_layers (is, layers, nlayers, chains, &img.size, msg, mctx, err);
  if (r == 0)
    {
      snprintf (img.top_chain, sizeof img.top_chain, "%s", nlayers ? chains[nlayers - 1] : "");
      r = store_image_add (is->db, &img, chains, nlayers, err);
    }
  if (r == 0)
    r = tag_refs (is, img.id, refs, msg, mctx, err);
  if (r == 0)
    r = store_commit (is->db, err);
  if (r < 0)
    {
      /* Layers moved into overlay2 in this attempt have no row now: GC'd below. */
      store_rollback (is->db);
      struct cd_err ignore;
      img_gc_locked (is, &ignore);
    }
  pthread_mutex_unlock (&is->lock);
  free (chains);
  if (r == 0)
    memcpy (id_out, img.id, CD_DIGEST_LEN);
  return r;
}
