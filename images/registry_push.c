/* docker push: each layer as the exact uncompressed tar its diff_id names
 * (rebuilt byte for byte from its tar-split, images/save.h), so that the
 * manifest's digests are the config's diff_ids and a pull gives back the same
 * image ID.  Blobs the registry has are skipped (HEAD); the others go up with
 * POST + PUT; the manifest is PUT last. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "images/reference.h"
#include "images/registry_int.h"
#include "images/save.h"

#define MT_V2 "application/vnd.docker.distribution.manifest.v2+json"
#define MT_CONFIG "application/vnd.docker.container.image.v1+json"
#define MT_TAR "application/vnd.docker.image.rootfs.diff.tar"
#define PUSH_MAX_LAYERS 256

struct push
{
  struct img_store *is;
  struct reg_sess *s;
  img_msg_fn msg;
  void *mctx;
  json_object *from; /* other repositories of this registry the image came from or went to */
};

static void
say (struct push *p, const char *status, const char *id, int64_t cur, int64_t total)
{
  if (p->msg == NULL)
    return;
  json_object *o = json_object_new_object ();
  json_object_object_add (o, "status", json_object_new_string (status));
  json_object *pd = json_object_new_object ();
  if (total > 0)
    {
      json_object_object_add (pd, "current", json_object_new_int64 (cur));
      json_object_object_add (pd, "total", json_object_new_int64 (total));
    }
  json_object_object_add (o, "progressDetail", pd);
  if (id)
    json_object_object_add (o, "id", json_object_new_string (id));
  p->msg (p->mctx, o);
  json_object_put (o);
}

/* 1 when the registry has the blob. */
static int
has_blob (struct push *p, const char *digest, struct cd_err *err)
{
  char what[128];
  snprintf (what, sizeof what, "blobs/%s", digest);
  cleanup_free char *url = reg_url (p->s, what);
  struct reg_resp r = { 0 };
  int rc = url ? reg_do (p->s, "HEAD", url, NULL, NULL, 0, &r, err) : -ENOMEM;
  if (rc == 0)
    rc = r.status == 200 ? 1 : r.status == 404 ? 0 : reg_fail (&r, "checking a blob", err);
  reg_resp_clear (&r);
  return rc;
}

struct upload
{
  struct push *p;
  struct img_layer_src *src;
  const char *mem;
  size_t mem_len;
  int64_t sent, total;
  const char *id;
  int last_pct;
  struct cd_err err;
  bool failed;
};

static size_t
on_read (char *buf, size_t sz, size_t n, void *ud)
{
  struct upload *u = ud;
  size_t want = sz * n;
  ssize_t got;
  if (u->src)
    got = img_layer_src_read (u->src, buf, want, &u->err);
  else
    {
      got = (ssize_t) (u->mem_len - (size_t) u->sent < want ? u->mem_len - (size_t) u->sent : want);
      memcpy (buf, u->mem + u->sent, (size_t) got);
    }
  if (got < 0)
    {
      u->failed = true;
      return CURL_READFUNC_ABORT;
    }
  u->sent += got;
  int pct = u->total ? (int) (u->sent * 50 / u->total) : 50;
  if (u->id && pct != u->last_pct)
    {
      u->last_pct = pct;
      say (u->p, "Pushing", u->id, u->sent, u->total);
    }
  return (size_t) got;
}

/* POST blobs/uploads/, then PUT the bytes with ?digest=. */
static int
upload (struct push *p, const char *digest, struct upload *u, struct cd_err *err)
{
  cleanup_free char *url = reg_url (p->s, "blobs/uploads/");
  struct reg_resp r = { 0 };
  int rc = url ? reg_do (p->s, "POST", url, NULL, "", 0, &r, err) : -ENOMEM;
  if (rc == 0 && (r.status != 202 || r.location == NULL))
    rc = reg_fail (&r, "starting an upload", err);
  cleanup_free char *put = NULL;
  if (rc == 0 && asprintf (&put, "%s%s%sdigest=%s", r.location[0] == '/' ? p->s->base : "",
                           r.location, strchr (r.location, '?') ? "&" : "?", digest) < 0)
    rc = cd_err_set (err, ENOMEM, "out of memory");
  reg_resp_clear (&r);
  if (rc < 0)
    return rc;
  static const char *const extra[] = { "Content-Type: application/octet-stream", "Expect:", NULL };
  struct curl_slist *h;
  CURL *e = reg_easy (p->s, put, &h, extra);
  if (e == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  curl_easy_setopt (e, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt (e, CURLOPT_READFUNCTION, on_read);
  curl_easy_setopt (e, CURLOPT_READDATA, u);
  curl_easy_setopt (e, CURLOPT_INFILESIZE_LARGE, (curl_off_t) u->total);
  CURLcode c = curl_easy_perform (e);
  long st = 0;
  curl_easy_getinfo (e, CURLINFO_RESPONSE_CODE, &st);
  curl_easy_cleanup (e);
  curl_slist_free_all (h);
  if (u->failed)
    {
      *err = u->err;
      return cd_err_wrap (err, "reading %s", digest);
    }
  if (c != CURLE_OK)
    return cd_err_set (err, EIO, "uploading %s: %s", digest, curl_easy_strerror (c));
  if (st != 201)
    return cd_err_set (err, EIO, "uploading %s: the registry answered %ld", digest, st);
  return 0;
}

struct chain
{
  struct store_layer l[PUSH_MAX_LAYERS];
  int n;
};

static int
collect (const struct store_layer *l, void *ctx)
{
  struct chain *c = ctx;
  if (c->n >= PUSH_MAX_LAYERS)
    return -E2BIG;
  c->l[c->n++] = *l;
  return 0;
}

/* Tries to mount the blob from another repository of the registry that the
 * image is known in: 1 when mounted. */
static int
try_mount (struct push *p, const char *digest, const char *id)
{
  for (size_t i = 0; p->from && i < json_object_array_length (p->from); i++)
    {
      const char *repo = json_object_get_string (json_object_array_get_idx (p->from, i));
      char what[700];
      snprintf (what, sizeof what, "blobs/uploads/?mount=%s&from=%s", digest, repo);
      cleanup_free char *url = reg_url (p->s, what);
      struct reg_resp r = { 0 };
      struct cd_err ignore;
      int rc = url ? reg_do (p->s, "POST", url, NULL, "", 0, &r, &ignore) : -1;
      long st = r.status;
      reg_resp_clear (&r);
      if (rc == 0 && st == 201)
        {
          char line[600];
          snprintf (line, sizeof line, "Mounted from %s", repo);
          say (p, line, id, 0, 0);
          return 1;
        }
    }
  return 0;
}

static int
push_layer (struct push *p, const struct store_layer *l, int64_t *size, struct cd_err *err)
{
  char id[13];
  snprintf (id, sizeof id, "%.12s", l->diff_id + 7);
  struct img_layer_src *src;
  int r = img_layer_src_open (p->is, l, &src, size);
  if (r < 0)
    return cd_err_set (err, -r, "layer %s cannot be reproduced byte for byte (no tar-split);"
                       " save and load the image again to push it", l->diff_id);
  r = has_blob (p, l->diff_id, err);
  if (r == 1)
    say (p, "Layer already exists", id, 0, 0);
  else if (r == 0 && try_mount (p, l->diff_id, id) == 1)
    r = 0;
  else if (r == 0)
    {
      struct upload u = { .p = p, .src = src, .total = *size, .id = id, .last_pct = -1 };
      r = upload (p, l->diff_id, &u, err);
      if (r == 0)
        say (p, "Pushed", id, 0, 0);
    }
  img_layer_src_close (src);
  return r < 0 ? r : 0;
}

static int
push_manifest (struct push *p, const char *tag, const char *manifest, char digest[CD_DIGEST_LEN],
               struct cd_err *err)
{
  char what[300];
  snprintf (what, sizeof what, "manifests/%s", tag);
  cleanup_free char *url = reg_url (p->s, what);
  static const char *const extra[] = { "Content-Type: " MT_V2, NULL };
  struct reg_resp r = { 0 };
  int rc = url ? reg_do (p->s, "PUT", url, extra, manifest, strlen (manifest), &r, err) : -ENOMEM;
  if (rc == 0 && r.status != 201)
    rc = reg_fail (&r, "pushing the manifest", err);
  reg_resp_clear (&r);
  cd_sha256_digest (manifest, strlen (manifest), digest);
  return rc;
}

static json_object *
descriptor (const char *mt, int64_t size, const char *digest)
{
  json_object *o = json_object_new_object ();
  json_object_object_add (o, "mediaType", json_object_new_string (mt));
  json_object_object_add (o, "size", json_object_new_int64 (size));
  json_object_object_add (o, "digest", json_object_new_string (digest));
  return o;
}

static int
push_image (struct push *p, const struct img_ref *ref, const char *id, struct cd_err *err)
{
  struct store_image img = { 0 };
  struct chain *ch = calloc (1, sizeof *ch); /* big: not on the stack */
  if (ch == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  int r = store_image_get (p->is->db, id, &img, err);
  if (r == 0)
    r = store_image_layers (p->is->db, id, collect, ch, err);
  json_object *man = json_object_new_object (), *layers = json_object_new_array ();
  json_object_object_add (man, "schemaVersion", json_object_new_int (2));
  json_object_object_add (man, "mediaType", json_object_new_string (MT_V2));
  for (int i = 0; r == 0 && i < ch->n; i++)
    {
      char sid[13];
      snprintf (sid, sizeof sid, "%.12s", ch->l[i].diff_id + 7);
      say (p, "Preparing", sid, 0, 0);
    }
  for (int i = 0; r == 0 && i < ch->n; i++)
    {
      int64_t size = 0;
      if ((r = push_layer (p, &ch->l[i], &size, err)) == 0)
        json_object_array_add (layers, descriptor (MT_TAR, size, ch->l[i].diff_id));
    }
  size_t clen = img.config ? strlen (img.config) : 0;
  if (r == 0 && (r = has_blob (p, id, err)) == 0)
    {
      struct upload u = { .p = p, .mem = img.config, .mem_len = clen, .total = (int64_t) clen };
      r = upload (p, id, &u, err);
    }
  json_object_object_add (man, "config", descriptor (MT_CONFIG, (int64_t) clen, id));
  json_object_object_add (man, "layers", layers);
  char digest[CD_DIGEST_LEN], line[400];
  const char *text = json_object_to_json_string_ext (man, JSON_C_TO_STRING_PLAIN
                                                              | JSON_C_TO_STRING_NOSLASHESCAPE);
  if (r >= 0)
    r = push_manifest (p, ref->tag, text, digest, err);
  if (r == 0)
    {
      snprintf (line, sizeof line, "%s: digest: %s size: %zu", ref->tag, digest, strlen (text));
      say (p, line, NULL, 0, 0);
      json_object *o = json_object_new_object (), *aux = json_object_new_object ();
      json_object_object_add (aux, "Tag", json_object_new_string (ref->tag));
      json_object_object_add (aux, "Digest", json_object_new_string (digest));
      json_object_object_add (aux, "Size", json_object_new_int64 ((int64_t) strlen (text)));
      json_object_object_add (o, "progressDetail", json_object_new_object ());
      json_object_object_add (o, "aux", aux);
      if (p->msg)
        p->msg (p->mctx, o);
      json_object_put (o);
      struct img_ref dref = { .domain = ref->domain, .path = ref->path, .digest = digest };
      cleanup_free char *ds = img_ref_string (&dref);
      char prev[CD_DIGEST_LEN];
      struct cd_err ignore;
      pthread_mutex_lock (&p->is->lock);
      if (ds)
        store_tag_set (p->is->db, ds, id, "digest", prev, &ignore);
      pthread_mutex_unlock (&p->is->lock);
    }
  json_object_put (man);
  store_image_clear (&img);
  free (ch);
  return r < 0 ? r : 0;
}

/* The repositories on ref's registry, other than ref's, that name image id. */
static json_object *
mount_sources (struct img_store *is, const char *id, const struct img_ref *ref)
{
  json_object *tags = NULL, *digests = NULL, *out = json_object_new_array ();
  struct cd_err ignore;
  if (img_refs (is, id, &tags, &digests, &ignore) < 0)
    return out;
  json_object *lists[2] = { tags, digests };
  for (int k = 0; k < 2; k++)
    for (size_t i = 0; lists[k] && i < json_object_array_length (lists[k]); i++)
      {
        struct img_ref o;
        if (img_ref_parse (json_object_get_string (json_object_array_get_idx (lists[k], i)), &o,
                           &ignore) < 0)
          continue;
        bool dup = false;
        for (size_t j = 0; j < json_object_array_length (out); j++)
          dup |= strcmp (json_object_get_string (json_object_array_get_idx (out, j)), o.path) == 0;
        if (!dup && strcmp (o.domain, ref->domain) == 0 && strcmp (o.path, ref->path) != 0)
          json_object_array_add (out, json_object_new_string (o.path));
        img_ref_free (&o);
      }
  json_object_put (tags);
  json_object_put (digests);
  return out;
}

struct repo_tags
{
  struct img_store *is;
  const struct img_ref *repo;
  json_object *found; /* [[tag, id], ...] */
};

static int
collect_repo_tags (const struct store_image *img, void *ctx)
{
  struct repo_tags *c = ctx;
  json_object *tags = NULL, *digests = NULL;
  struct cd_err ignore;
  if (img_refs (c->is, img->id, &tags, &digests, &ignore) < 0)
    return 0;
  for (size_t i = 0; tags && i < json_object_array_length (tags); i++)
    {
      struct img_ref o;
      if (img_ref_parse (json_object_get_string (json_object_array_get_idx (tags, i)), &o,
                         &ignore) < 0)
        continue;
      if (o.tag && strcmp (o.domain, c->repo->domain) == 0 && strcmp (o.path, c->repo->path) == 0)
        {
          json_object *pair = json_object_new_array ();
          json_object_array_add (pair, json_object_new_string (o.tag));
          json_object_array_add (pair, json_object_new_string (img->id));
          json_object_array_add (c->found, pair);
        }
      img_ref_free (&o);
    }
  json_object_put (tags);
  json_object_put (digests);
  return 0;
}

/* [[tag, id], ...] to push: the one named, or every tag of the repository
 * when neither name nor tag has one (Docker's push of a bare repository). */
static int
push_list (struct img_store *is, const char *name, const char *tag, struct img_ref *ref,
           json_object **out, struct cd_err *err)
{
  char id[CD_DIGEST_LEN];
  int r = img_ref_parse_name (name, ref, err);
  if (r < 0)
    return r;
  if (tag && *tag)
    {
      free (ref->tag);
      ref->tag = strdup (tag);
    }
  *out = json_object_new_array ();
  if (ref->tag == NULL && ref->digest == NULL)
    {
      struct repo_tags c = { is, ref, *out };
      if ((r = store_images_each (is->db, collect_repo_tags, &c, err)) < 0)
        return r;
      if (json_object_array_length (*out) == 0)
        return cd_err_set (err, ENOENT, "An image does not exist locally with the tag: %s", name);
      return 0;
    }
  cleanup_free char *full = img_ref_string (ref);
  if (full == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  if ((r = img_resolve (is, full, id, err)) == -ENOENT)
    r = cd_err_set (err, ENOENT, "An image does not exist locally with the tag: %s", name);
  if (r == 0 && ref->tag == NULL)
    r = cd_err_set (err, EINVAL, "cannot push a digest reference: %s", name);
  if (r < 0)
    return r;
  json_object *pair = json_object_new_array ();
  json_object_array_add (pair, json_object_new_string (ref->tag));
  json_object_array_add (pair, json_object_new_string (id));
  json_object_array_add (*out, pair);
  return 0;
}

int
img_push (struct img_store *is, const struct img_reg_opts *o, const char *name, const char *tag,
          const struct img_reg_creds *cr, img_msg_fn msg, void *mctx, struct cd_err *err)
{
  struct img_ref ref = { 0 };
  json_object *list = NULL;
  struct push p = { .is = is, .msg = msg, .mctx = mctx };
  int r = push_list (is, name, tag, &ref, &list, err);
  if (r == 0)
    r = reg_open (o, ref.domain, ref.path, "pull,push", cr, &p.s, err);
  if (r == 0)
    {
      char line[600];
      snprintf (line, sizeof line, "The push refers to repository [%s/%s]", ref.domain, ref.path);
      say (&p, line, NULL, 0, 0);
    }
  for (size_t i = 0; r == 0 && i < json_object_array_length (list); i++)
    {
      json_object *pair = json_object_array_get_idx (list, i);
      const char *id = json_object_get_string (json_object_array_get_idx (pair, 1));
      free (ref.tag);
      ref.tag = strdup (json_object_get_string (json_object_array_get_idx (pair, 0)));
      p.from = mount_sources (is, id, &ref);
      r = ref.tag ? push_image (&p, &ref, id, err) : cd_err_set (err, ENOMEM, "out of memory");
      json_object_put (p.from);
    }
  json_object_put (list);
  reg_close (p.s);
  img_ref_free (&ref);
  return r;
}
