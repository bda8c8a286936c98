/* docker pull: the manifest (an index or manifest list resolved for this
 * host's platform), the config, then the layers not yet stored, up to
 * max_downloads at once, each streamed through the extractor (hashed,
 * decompressed, extracted, its tar-split recorded) and verified against its
 * digest; then one img_commit, the tag and the RepoDigest. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "fsutil.h"
#include "images/extract.h"
#include "images/layers.h"
#include "images/reference.h"
#include "images/registry_int.h"
#include "images/save.h"
#include "log.h"

#define PULL_MAX_LAYERS 256
#define MT_V2 "application/vnd.docker.distribution.manifest.v2+json"
#define MT_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_OCI "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"

struct pl_layer
{
  char digest[CD_DIGEST_LEN];
  char diff_id[CD_DIGEST_LEN];
  char id[13]; /* progress ID: 12 hex of the blob digest */
  int64_t size, usize;
  bool present;
  char *tmpdir;
};

struct pull
{
  struct img_store *is;
  struct reg_sess *s;
  img_msg_fn msg;
  void *mctx;
  pthread_mutex_t lock;
  struct pl_layer *L;
  int n, next;
  volatile bool failed;
  struct cd_err err;
};

static void
say (struct pull *p, const char *status, const char *id, int64_t cur, int64_t total)
{
  if (p->msg == NULL)
    return;
  json_object *o = json_object_new_object ();
  json_object_object_add (o, "status", json_object_new_string (status));
  if (total > 0)
    {
      json_object *pd = json_object_new_object ();
      json_object_object_add (pd, "current", json_object_new_int64 (cur));
      json_object_object_add (pd, "total", json_object_new_int64 (total));
      json_object_object_add (o, "progressDetail", pd);
    }
  else if (id && strncmp (status, "Pulling from", 12) != 0)
    json_object_object_add (o, "progressDetail", json_object_new_object ());
  if (id)
    json_object_object_add (o, "id", json_object_new_string (id));
  pthread_mutex_lock (&p->lock);
  p->msg (p->mctx, o);
  pthread_mutex_unlock (&p->lock);
  json_object_put (o);
}

static const char *
jstr (json_object *o, const char *key)
{
  json_object *v;
  if (o == NULL || !json_object_object_get_ex (o, key, &v) || !json_object_is_type (v, json_type_string))
    return NULL;
  return json_object_get_string (v);
}

static json_object *
jget (json_object *o, const char *key)
{
  json_object *v = NULL;
  if (o)
    json_object_object_get_ex (o, key, &v);
  return v;
}

/* GET manifests/<ref>; checks its digest when ref is one. */
static int
get_manifest (struct pull *p, const char *ref, const char *name, json_object **out,
              char digest[CD_DIGEST_LEN], struct cd_err *err)
{
  static const char *const accept[] = {
    "Accept: " MT_V2 ", " MT_LIST ", " MT_OCI ", " MT_OCI_INDEX
    ", application/vnd.docker.distribution.manifest.v1+prettyjws", NULL
  };
  char what[300];
  snprintf (what, sizeof what, "manifests/%s", ref);
  cleanup_free char *url = reg_url (p->s, what);
  struct reg_resp r = { 0 };
  int rc = url ? reg_do (p->s, "GET", url, accept, NULL, 0, &r, err)
               : cd_err_set (err, ENOMEM, "out of memory");
  if (rc == 0 && r.status == 404)
    {
      char w[600];
      snprintf (w, sizeof w, "manifest for %s not found", name);
      rc = reg_fail (&r, w, err);
    }
  else if (rc == 0 && r.status != 200)
    rc = reg_fail (&r, name, err);
  if (rc == 0)
    {
      cd_sha256_digest (r.body ? r.body : "", r.len, digest);
      if (strncmp (ref, "sha256:", 7) == 0 && strcmp (ref, digest) != 0)
        rc = cd_err_set (err, EINVAL, "manifest verification failed for digest %s", ref);
      else if ((*out = json_tokener_parse (r.body ? r.body : "")) == NULL)
        rc = cd_err_set (err, EINVAL, "the manifest of %s is not JSON", name);
    }
  reg_resp_clear (&r);
  return rc;
}

/* Picks the descriptor for this host from an index / manifest list. */
static int
pick_platform (json_object *idx, const char *name, const char **digest, struct cd_err *err)
{
  const char *arch, *variant;
  reg_host_platform (&arch, &variant);
  json_object *ms = jget (idx, "manifests");
  const char *best = NULL;
  for (size_t i = 0; ms && i < json_object_array_length (ms); i++)
    {
      json_object *d = json_object_array_get_idx (ms, i), *pl = jget (d, "platform");
      const char *os = jstr (pl, "os"), *a = jstr (pl, "architecture"), *v = jstr (pl, "variant");
      if (os == NULL || a == NULL || strcmp (os, "linux") != 0 || strcmp (a, arch) != 0)
        continue;
      if (v && *variant && strcmp (v, variant) == 0)
        {
          best = jstr (d, "digest");
          break;
        }
      if (best == NULL)
        best = jstr (d, "digest");
    }
  if (best == NULL)
    return cd_err_set (err, ENOENT, "no matching manifest for linux/%s in the manifest list"
                       " entries of %s", arch, name);
  *digest = best;
  return 0;
}

static int
get_config (struct pull *p, const char *digest, char **out, size_t *len, struct cd_err *err)
{
  char what[128], got[CD_DIGEST_LEN];
  snprintf (what, sizeof what, "blobs/%s", digest);
  cleanup_free char *url = reg_url (p->s, what);
  struct reg_resp r = { 0 };
  int rc = url ? reg_do (p->s, "GET", url, NULL, NULL, 0, &r, err)
               : cd_err_set (err, ENOMEM, "out of memory");
  if (rc == 0 && r.status != 200)
    rc = reg_fail (&r, "image config", err);
  if (rc == 0 && (cd_sha256_digest (r.body ? r.body : "", r.len, got), strcmp (got, digest) != 0))
    rc = cd_err_set (err, EINVAL, "image config verification failed for digest %s", digest);
  if (rc == 0)
    {
      *out = r.body ? r.body : strdup ("");
      *len = r.len;
      r.body = NULL;
    }
  reg_resp_clear (&r);
  return rc;
}

/* Fills p->L from the manifest and the config's diff_ids; marks the layers
 * whose chain is stored. */
static int
plan_layers (struct pull *p, json_object *man, const char *config, struct cd_err *err)
{
  json_object *layers = jget (man, "layers");
  json_object *cfg = json_tokener_parse (config);
  json_object *ids = jget (jget (cfg, "rootfs"), "diff_ids");
  int r = 0;
  if (layers == NULL || ids == NULL || json_object_array_length (layers) != json_object_array_length (ids))
    r = cd_err_set (err, EINVAL, "the manifest lists %zu layers, the image config %zu",
                    layers ? json_object_array_length (layers) : 0,
                    ids ? json_object_array_length (ids) : 0);
  else if ((p->n = (int) json_object_array_length (layers)) > PULL_MAX_LAYERS)
    r = cd_err_set (err, EINVAL, "too many layers (%d)", p->n);
  else if ((p->L = calloc ((size_t) p->n + 1, sizeof *p->L)) == NULL)
    r = cd_err_set (err, ENOMEM, "out of memory");
  char chain[CD_DIGEST_LEN] = "";
  for (int i = 0; r == 0 && i < p->n; i++)
    {
      json_object *d = json_object_array_get_idx (layers, i);
      const char *dg = jstr (d, "digest"), *di = json_object_get_string (json_object_array_get_idx (ids, i));
      if (dg == NULL || !cd_digest_valid (dg) || di == NULL || !cd_digest_valid (di))
        {
          r = cd_err_set (err, EINVAL, "layer %d: bad digest in the manifest or config", i);
          break;
        }
      struct pl_layer *l = &p->L[i];
      snprintf (l->digest, sizeof l->digest, "%s", dg);
      snprintf (l->diff_id, sizeof l->diff_id, "%s", di);
      snprintf (l->id, sizeof l->id, "%.12s", dg + 7);
      json_object *sz = jget (d, "size");
      l->size = sz ? json_object_get_int64 (sz) : 0;
      char next[CD_DIGEST_LEN];
      img_chain_id (i ? chain : NULL, di, next);
      memcpy (chain, next, sizeof chain);
      struct store_layer sl;
      struct cd_err ignore;
      l->present = store_layer_get (p->is->db, chain, &sl, &ignore) == 0;
    }
  json_object_put (cfg);
  return r;
}

static void
on_progress (void *ctx, int64_t got, int64_t total)
{
  struct pl_layer *l = ((void **) ctx)[1];
  say (((void **) ctx)[0], "Downloading", l->id, got, total);
}

static int
fetch_layer (struct pull *p, struct pl_layer *l, struct cd_err *err)
{
  int r = img_layer_tmp (p->is->root, &l->tmpdir, err);
  if (r < 0)
    return r;
  char dest[4200];
  snprintf (dest, sizeof dest, "%s/diff", l->tmpdir);
  void *pctx[2] = { p, l };
  struct reg_blob *b;
  if ((r = reg_blob_open (p->s, l->digest, l->size, on_progress, pctx, &p->failed, &b, err)) < 0)
    return r;
  struct img_tsrec *rec = img_tsrec_new (l->tmpdir);
  struct img_extract_result res;
  r = img_extract_layer_tap (reg_blob_read, b, dest, l->diff_id, rec ? img_tsrec_tap : NULL, rec,
                             &res, err);
  if (r < 0 && reg_blob_error (b, err) < 0)
    r = -err->code;
  else if (r < 0)
    {
      /* bad content: if the blob is not what its digest says, say that */
      char got[CD_DIGEST_LEN];
      if (reg_blob_drain_digest (b, got) == 0 && strcmp (got, l->digest) != 0)
        cd_err_set (err, EINVAL, "filesystem layer verification failed for digest %s"
                    " (digest mismatch: content is %s)", l->digest, got);
    }
  reg_blob_close (b);
  if (r == 0 && strcmp (res.compressed_digest, l->digest) != 0)
    r = cd_err_set (err, EINVAL, "filesystem layer verification failed for digest %s"
                    " (digest mismatch: content is %s)", l->digest, res.compressed_digest);
  img_tsrec_finish (rec, r == 0);
  if (r < 0)
    return cd_err_wrap (err, "layer %s", l->digest);
  l->usize = (int64_t) res.size;
  say (p, "Verifying Checksum", l->id, 0, 0);
  say (p, "Download complete", l->id, 0, 0);
  say (p, "Pull complete", l->id, 0, 0);
  return 0;
}

static void *
worker (void *arg)
{
  struct pull *p = arg;
  for (;;)
    {
      pthread_mutex_lock (&p->lock);
      int i = p->failed ? p->n : p->next++;
      pthread_mutex_unlock (&p->lock);
      if (i >= p->n)
        return NULL;
      if (p->L[i].present)
        continue;
      struct cd_err e = { 0 };
      if (fetch_layer (p, &p->L[i], &e) < 0)
        {
          pthread_mutex_lock (&p->lock);
          if (!p->failed || p->err.code == ECANCELED)
            p->err = e;
          p->failed = true;
          pthread_mutex_unlock (&p->lock);
        }
    }
}

static int
fetch_all (struct pull *p, int max, struct cd_err *err)
{
  pthread_t th[16];
  int nt = 0, todo = 0;
  for (int i = 0; i < p->n; i++)
    {
      say (p, p->L[i].present ? "Already exists" : "Pulling fs layer", p->L[i].id, 0, 0);
      todo += !p->L[i].present;
    }
  if (max < 1)
    max = 3;
  for (; nt < max && nt < 16 && nt < todo; nt++)
    if (pthread_create (&th[nt], NULL, worker, p) != 0)
      break;
  if (nt == 0 && todo)
    worker (p);
  for (int i = 0; i < nt; i++)
    pthread_join (th[i], NULL);
  if (p->failed)
    {
      *err = p->err;
      return -(err->code ? err->code : EIO);
    }
  return 0;
}

/* The image manifest for ref: through an index when there is one.  top gets
 * the digest ref names (what RepoDigests records). */
static int
resolve_manifest (struct pull *p, const char *ref, const char *name, json_object **man,
                  char top[CD_DIGEST_LEN], struct cd_err *err)
{
  int r = get_manifest (p, ref, name, man, top, err);
  if (r < 0)
    return r;
  json_object *sv = jget (*man, "schemaVersion");
  if (sv && json_object_get_int (sv) == 1)
    return cd_err_set (err, EINVAL, "%s: Docker Image Format v1 and Docker Image manifest"
                       " version 2, schema 1 are not supported; push the image again with a"
                       " current client to get a schema 2 or OCI manifest", name);
  if (jget (*man, "manifests"))
    {
      const char *pick = NULL;
      if ((r = pick_platform (*man, name, &pick, err)) < 0)
        return r;
      char want[CD_DIGEST_LEN], got[CD_DIGEST_LEN];
      snprintf (want, sizeof want, "%s", pick);
      json_object_put (*man);
      *man = NULL;
      if ((r = get_manifest (p, want, name, man, got, err)) < 0)
        return r;
    }
  if (jstr (jget (*man, "config"), "digest") == NULL || jget (*man, "layers") == NULL)
    return cd_err_set (err, EINVAL, "%s: unsupported manifest (media type %s)", name,
                       jstr (*man, "mediaType") ? jstr (*man, "mediaType") : "unknown");
  return 0;
}

static void
say_stream (struct pull *p, const char *status)
{
  say (p, status, NULL, 0, 0);
}

/* Commits the image, its tag and its RepoDigest. */
static int
commit (struct pull *p, const struct img_ref *ref, const char *config, size_t config_len,
        const char *top, char id[CD_DIGEST_LEN], struct cd_err *err)
{
  struct img_new_layer *nl = calloc ((size_t) p->n + 1, sizeof *nl);
  if (nl == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  for (int i = 0; i < p->n; i++)
    {
      memcpy (nl[i].diff_id, p->L[i].diff_id, CD_DIGEST_LEN);
      nl[i].tmpdir = p->L[i].tmpdir;
      nl[i].size = p->L[i].usize;
    }
  struct img_ref name = { .domain = ref->domain, .path = ref->path, .tag = ref->tag };
  cleanup_free char *tagref = ref->tag ? img_ref_string (&name) : NULL;
  const char *refs[2] = { tagref, NULL };
  int r = img_commit (p->is, config, config_len, nl, p->n, refs, NULL, NULL, id, err);
  for (int i = 0; i < p->n; i++)
    p->L[i].tmpdir = nl[i].tmpdir;
  free (nl);
  if (r < 0)
    return r;
  name.tag = NULL;
  name.digest = (char *) top;
  cleanup_free char *dref = img_ref_string (&name);
  char prev[CD_DIGEST_LEN];
  pthread_mutex_lock (&p->is->lock);
  r = dref ? store_tag_set (p->is->db, dref, id, "digest", prev, err) : -ENOMEM;
  pthread_mutex_unlock (&p->is->lock);
  return r;
}

static int
pull_image (struct pull *p, const struct img_reg_opts *o, const struct img_ref *ref,
            const char *name, struct cd_err *err)
{
  json_object *man = NULL;
  char top[CD_DIGEST_LEN], id[CD_DIGEST_LEN], line[700];
  cleanup_free char *config = NULL;
  size_t config_len = 0;
  snprintf (line, sizeof line, "Pulling from %s", ref->path);
  say (p, line, ref->digest ? ref->digest : ref->tag, 0, 0);
  int r = resolve_manifest (p, ref->digest ? ref->digest : ref->tag, name, &man, top, err);
  if (r == 0)
    r = get_config (p, jstr (jget (man, "config"), "digest"), &config, &config_len, err);
  struct store_image have = { 0 };
  struct cd_err ignore;
  bool existed = r == 0 && store_image_get (p->is->db, jstr (jget (man, "config"), "digest"),
                                            &have, &ignore) == 0;
  store_image_clear (&have);
  if (r == 0)
    r = plan_layers (p, man, config, err);
  if (r == 0 && !existed)
    r = fetch_all (p, o->max_downloads, err);
  if (r == 0)
    r = commit (p, ref, config, config_len, top, id, err);
  json_object_put (man);
  if (r < 0)
    return r;
  snprintf (line, sizeof line, "Digest: %s", top);
  say_stream (p, line);
  snprintf (line, sizeof line, "Status: %s for %s",
            existed ? "Image is up to date" : "Downloaded newer image", name);
  say_stream (p, line);
  return 0;
}

int
img_pull (struct img_store *is, const struct img_reg_opts *o, const char *refstr,
          const struct img_reg_creds *cr, img_msg_fn msg, void *mctx, struct cd_err *err)
{
  struct img_ref ref;
  int r = img_ref_parse (refstr, &ref, err);
  if (r < 0)
    return r;
  struct pull p = { .is = is, .msg = msg, .mctx = mctx };
  pthread_mutex_init (&p.lock, NULL);
  cleanup_free char *name = img_ref_familiar (&ref);
  if (ref.digest && ref.tag)
    {
      free (ref.tag); /* pulled by digest: the tag is not looked at */
      ref.tag = NULL;
    }
  r = reg_open (o, ref.domain, ref.path, "pull", cr, &p.s, err);
  if (r == 0)
    r = pull_image (&p, o, &ref, name ? name : refstr, err);
  for (int i = 0; i < p.n; i++)
    if (p.L[i].tmpdir)
      {
        struct cd_err ignore;
        cd_rm_rf (p.L[i].tmpdir, &ignore);
        free (p.L[i].tmpdir);
      }
  free (p.L);
  reg_close (p.s);
  pthread_mutex_destroy (&p.lock);
  img_ref_free (&ref);
  return r;
}
