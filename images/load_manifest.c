/* The second half of a load: read manifest.json (docker save) or index.json
 * (OCI layout), check every digest, then commit image by image. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "images/load.h"

#define MAX_IMAGES 64
#define MAX_LAYERS 256

struct plan
{
  struct entry *config;
  struct entry *layers[MAX_LAYERS];
  int nlayers;
  const char *refs[17];
  int nrefs;
};

static json_object *
field (json_object *o, const char *key)
{
  json_object *v = NULL;
  if (o)
    json_object_object_get_ex (o, key, &v);
  return v;
}

static const char *
field_str (json_object *o, const char *key)
{
  json_object *v = field (o, key);
  return v && json_object_is_type (v, json_type_string) ? json_object_get_string (v) : NULL;
}

static struct entry *
blob (struct load *l, const char *digest, struct cd_err *err)
{
  char path[128];
  if (digest == NULL || strncmp (digest, "sha256:", 7) != 0 || strlen (digest) != 71)
    {
      cd_err_set (err, EINVAL, "invalid archive: bad digest `%s`", digest ? digest : "");
      return NULL;
    }
  snprintf (path, sizeof path, "blobs/sha256/%s", digest + 7);
  struct entry *e = entry_find (l, path);
  if (e == NULL)
    cd_err_set (err, EINVAL, "invalid archive: blob %s is missing", digest);
  return e;
}

/* Checks the plan against the image config before anything is stored. */
static int
verify (struct plan *p, struct cd_err *err)
{
  json_object *cfg = json_tokener_parse (p->config->json);
  json_object *ids = field (field (cfg, "rootfs"), "diff_ids");
  int r = 0;
  if (cfg == NULL || ids == NULL || !json_object_is_type (ids, json_type_array))
    r = cd_err_set (err, EINVAL, "invalid archive: image config %s has no rootfs.diff_ids",
                    p->config->name);
  else if ((int) json_object_array_length (ids) != p->nlayers)
    r = cd_err_set (err, EINVAL, "invalid archive: config %s lists %zu layers, the manifest %d",
                    p->config->name, json_object_array_length (ids), p->nlayers);
  for (int i = 0; r == 0 && i < p->nlayers; i++)
    {
      const char *want = json_object_get_string (json_object_array_get_idx (ids, i));
      if (p->layers[i]->tmpdir == NULL && p->layers[i]->res.diff_id[0] == '\0')
        r = cd_err_set (err, EINVAL, "invalid archive: %s is not a layer", p->layers[i]->name);
      else if (want == NULL || strcmp (want, p->layers[i]->res.diff_id) != 0)
        r = cd_err_set (err, EINVAL, "layer %s: digest mismatch: expected %s, got %s",
                        p->layers[i]->name, want ? want : "?", p->layers[i]->res.diff_id);
    }
  json_object_put (cfg);
  return r;
}

static void
say (struct load *l, const char *fmt, const char *arg)
{
  if (l->msg == NULL)
    return;
  char line[512];
  snprintf (line, sizeof line, fmt, arg);
  json_object *o = json_object_new_object ();
  json_object_object_add (o, "stream", json_object_new_string (line));
  l->msg (l->mctx, o);
  json_object_put (o);
}

static int
commit (struct load *l, struct plan *p, struct cd_err *err)
{
  struct img_new_layer layers[MAX_LAYERS];
  for (int i = 0; i < p->nlayers; i++)
    {
      memcpy (layers[i].diff_id, p->layers[i]->res.diff_id, CD_DIGEST_LEN);
      layers[i].tmpdir = p->layers[i]->tmpdir;
      layers[i].size = (int64_t) p->layers[i]->res.size;
    }
  p->refs[p->nrefs] = NULL;
  char id[CD_DIGEST_LEN];
  int r = img_commit (l->is, p->config->json, p->config->json_len, layers, p->nlayers, p->refs,
                      l->quiet ? NULL : l->msg, l->mctx, id, err);
  for (int i = 0; i < p->nlayers; i++)
    p->layers[i]->tmpdir = layers[i].tmpdir; /* NULL when moved into the store */
  if (r < 0)
    return r;
  for (int i = 0; i < p->nrefs; i++)
    {
      cleanup_free char *fam = img_familiar (p->refs[i]);
      say (l, "Loaded image: %s\n", fam ? fam : p->refs[i]);
    }
  if (p->nrefs == 0)
    say (l, "Loaded image ID: %s\n", id);
  return 0;
}

static int
plan_docker_item (struct load *l, json_object *item, struct plan *p, struct cd_err *err)
{
  const char *cfg = field_str (item, "Config");
  json_object *layers = field (item, "Layers"), *tags = field (item, "RepoTags");
  p->config = cfg ? entry_find (l, cfg) : NULL;
  if (p->config == NULL || p->config->json == NULL)
    return cd_err_set (err, EINVAL, "invalid archive: manifest names config `%s` which is not in"
                       " the archive", cfg ? cfg : "");
  if (layers == NULL || !json_object_is_type (layers, json_type_array)
      || json_object_array_length (layers) > MAX_LAYERS)
    return cd_err_set (err, EINVAL, "invalid archive: manifest has no usable Layers list");
  for (size_t i = 0; i < json_object_array_length (layers); i++)
    {
      const char *path = json_object_get_string (json_object_array_get_idx (layers, i));
      struct entry *e = path ? entry_find (l, path) : NULL;
      if (e == NULL)
        return cd_err_set (err, EINVAL, "invalid archive: manifest names layer `%s` which is not"
                           " in the archive", path ? path : "");
      p->layers[p->nlayers++] = e;
    }
  for (size_t i = 0; tags && json_object_is_type (tags, json_type_array)
                     && i < json_object_array_length (tags) && p->nrefs < 16; i++)
    p->refs[p->nrefs++] = json_object_get_string (json_object_array_get_idx (tags, i));
  return verify (p, err);
}

static int
plan_oci_manifest (struct load *l, json_object *desc, struct plan *p, int depth,
                   struct cd_err *err)
{
  struct entry *m = blob (l, field_str (desc, "digest"), err);
  if (m == NULL)
    return -EINVAL;
  json_object *man = m->json ? json_tokener_parse (m->json) : NULL;
  int r = 0;
  json_object *sub = field (man, "manifests");
  if (man == NULL)
    r = cd_err_set (err, EINVAL, "invalid archive: manifest %s is not JSON", m->name);
  else if (sub && json_object_is_type (sub, json_type_array) && depth < 2)
    {
      /* an index: take linux/amd64 or the first manifest */
      json_object *pick = json_object_array_length (sub) ? json_object_array_get_idx (sub, 0) : NULL;
      for (size_t i = 0; i < json_object_array_length (sub); i++)
        {
          json_object *pl = field (json_object_array_get_idx (sub, i), "platform");
          const char *arch = field_str (pl, "architecture"), *os = field_str (pl, "os");
          if (arch && os && strcmp (arch, "amd64") == 0 && strcmp (os, "linux") == 0)
            pick = json_object_array_get_idx (sub, i);
        }
      r = pick ? plan_oci_manifest (l, pick, p, depth + 1, err)
               : cd_err_set (err, EINVAL, "invalid archive: empty index %s", m->name);
    }
  else
    {
      char digest[CD_DIGEST_LEN];
      json_object *cfgd = field (man, "config"), *layers = field (man, "layers");
      p->config = blob (l, field_str (cfgd, "digest"), err);
      if (p->config == NULL || p->config->json == NULL)
        r = cd_err_set (err, EINVAL, "invalid archive: image config of %s is missing", m->name);
      else if (cd_sha256_digest (p->config->json, p->config->json_len, digest),
               strcmp (digest, field_str (cfgd, "digest")) != 0)
        r = cd_err_set (err, EINVAL, "config blob %s: digest mismatch", p->config->name);
      for (size_t i = 0; r == 0 && layers && i < json_object_array_length (layers) && i < MAX_LAYERS;
           i++)
        {
          const char *d = field_str (json_object_array_get_idx (layers, i), "digest");
          struct entry *e = blob (l, d, err);
          if (e == NULL)
            r = -EINVAL;
          else if (strcmp (e->res.compressed_digest, d) != 0)
            r = cd_err_set (err, EINVAL, "layer blob %s: digest mismatch: content is %s", d,
                            e->res.compressed_digest);
          else
            p->layers[p->nlayers++] = e;
        }
      if (r == 0)
        r = verify (p, err);
    }
  json_object_put (man);
  return r;
}

static void
oci_refs (json_object *desc, struct plan *p)
{
  json_object *ann = field (desc, "annotations");
  const char *name = field_str (ann, "io.containerd.image.name");
  const char *ref = field_str (ann, "org.opencontainers.image.ref.name");
  if (name == NULL && ref && (strchr (ref, '/') || strchr (ref, ':')))
    name = ref; /* a full reference rather than just a tag */
  if (name)
    p->refs[p->nrefs++] = name;
}

static int
run_plans (struct load *l, struct plan *plans, int n, struct cd_err *err)
{
  for (int i = 0; i < n; i++)
    {
      int r = commit (l, &plans[i], err);
      if (r < 0)
        return r;
    }
  return 0;
}

static int
load_docker (struct load *l, json_object *man, struct plan *plans, struct cd_err *err)
{
  if (!json_object_is_type (man, json_type_array) || json_object_array_length (man) == 0)
    return cd_err_set (err, EINVAL, "invalid archive: manifest.json must be a non-empty list");
  int n = (int) json_object_array_length (man);
  if (n > MAX_IMAGES)
    return cd_err_set (err, EINVAL, "invalid archive: more than %d images", MAX_IMAGES);
  for (int i = 0; i < n; i++)
    {
      int r = plan_docker_item (l, json_object_array_get_idx (man, i), &plans[i], err);
      if (r < 0)
        return r;
    }
  return run_plans (l, plans, n, err);
}

static int
load_oci (struct load *l, json_object *idx, struct plan *plans, struct cd_err *err)
{
  json_object *ms = field (idx, "manifests");
  if (ms == NULL || !json_object_is_type (ms, json_type_array) || json_object_array_length (ms) == 0)
    return cd_err_set (err, EINVAL, "invalid archive: index.json lists no manifests");
  int n = (int) json_object_array_length (ms);
  if (n > MAX_IMAGES)
    return cd_err_set (err, EINVAL, "invalid archive: more than %d images", MAX_IMAGES);
  for (int i = 0; i < n; i++)
    {
      json_object *desc = json_object_array_get_idx (ms, i);
      int r = plan_oci_manifest (l, desc, &plans[i], 0, err);
      if (r < 0)
        return r;
      oci_refs (desc, &plans[i]);
    }
  return run_plans (l, plans, n, err);
}

int
load_images (struct load *l, struct cd_err *err)
{
  struct plan *plans = calloc (MAX_IMAGES, sizeof *plans);
  if (plans == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  struct entry *m = entry_find (l, "manifest.json");
  struct entry *idx = entry_find (l, "index.json");
  json_object *doc = NULL;
  int r;
  if (m && m->json && (doc = json_tokener_parse (m->json)) != NULL)
    r = load_docker (l, doc, plans, err);
  else if (idx && idx->json && (doc = json_tokener_parse (idx->json)) != NULL)
    r = load_oci (l, doc, plans, err);
  else
    r = cd_err_set (err, EINVAL, "invalid archive: no manifest.json (docker save) or index.json"
                    " (OCI layout) found");
  json_object_put (doc);
  free (plans);
  return r;
}
