/* docker save: resolve the names, open every layer's bytes while holding the
 * store lock (its tar-split checked against its files), then stream one tar
 * in docker's layout.  See save.h.  A layer removed by a concurrent rmi
 * while its files are being read fails the save with the file named. */
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "images/layers.h"
#include "images/reference.h"
#include "images/save.h"
#include "images/tarsplit.h"
#include "log.h"

#define SAVE_CHUNK 65536
#define MAX_TAGS 64

struct save_layer
{
  struct store_layer l;
  char diff_id[CD_DIGEST_LEN]; /* of the bytes written (differs only after a re-tar) */
  char v1[65];                 /* its directory in the archive */
  char *v1_json;
  struct img_layer_src *src; /* the tar's bytes */
  int64_t size;
};

struct save_image
{
  char id[CD_DIGEST_LEN];
  char *tags[MAX_TAGS]; /* familiar, for RepoTags */
  int ntags;
  char *config;
  int64_t created;
  struct save_layer *layers;
  int nlayers;
};

struct save
{
  struct img_store *is;
  struct save_image *imgs;
  int n, cap;
  struct archive *a;
  int out_fd;
  bool out_failed; /* refuse further bytes: no end marker after an error */
  /* layer.tar entries written: v1 directory and diff_id, to link repeats */
  struct save_layer **done;
  int ndone;
  char buf[SAVE_CHUNK];
};

/* ---- names ---------------------------------------------------------------- */

static int
add_image (struct save *s, const char *id, const char *full_ref, struct cd_err *err)
{
  struct save_image *im = NULL;
  for (int i = 0; i < s->n && im == NULL; i++)
    if (strcmp (s->imgs[i].id, id) == 0)
      im = &s->imgs[i];
  if (im == NULL)
    {
      if (s->n == s->cap)
        {
          int cap = s->cap ? s->cap * 2 : 8;
          struct save_image *ni = realloc (s->imgs, sizeof *ni * (size_t) cap);
          if (ni == NULL)
            return cd_err_set (err, ENOMEM, "out of memory");
          s->imgs = ni;
          s->cap = cap;
        }
      im = &s->imgs[s->n++];
      memset (im, 0, sizeof *im);
      snprintf (im->id, sizeof im->id, "%s", id);
    }
  if (full_ref == NULL)
    return 0;
  cleanup_free char *fam = img_familiar (full_ref);
  if (fam == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  for (int i = 0; i < im->ntags; i++)
    if (strcmp (im->tags[i], fam) == 0)
      return 0;
  if (im->ntags == MAX_TAGS)
    return cd_err_set (err, EINVAL, "image %.12s: more than %d tags to save", id + 7, MAX_TAGS);
  im->tags[im->ntags++] = steal_ptr (&fam);
  return 0;
}

struct repo_scan
{
  struct save *s;
  const struct img_ref *want;
  const char *id;
  int found, r;
  struct cd_err *err;
};

static int
scan_tag (const char *full, const char *kind, void *ctx)
{
  struct repo_scan *c = ctx;
  struct img_ref ref;
  (void) kind;
  if (c->r < 0 || img_ref_parse_name (full, &ref, NULL) < 0)
    return 0;
  if (ref.tag && ref.digest == NULL && strcmp (ref.domain, c->want->domain) == 0
      && strcmp (ref.path, c->want->path) == 0)
    {
      c->found++;
      c->r = add_image (c->s, c->id, full, c->err);
    }
  img_ref_free (&ref);
  return 0;
}

static int
scan_image (const struct store_image *img, void *ctx)
{
  struct repo_scan *c = ctx;
  struct cd_err ignore;
  c->id = img->id;
  store_image_tags (c->s->is->db, img->id, scan_tag, c, &ignore);
  return c->r;
}

/* Docker's rules (image/tarexport parseNames): an ID names the image alone,
 * repo:tag that tag, repo@digest the image alone, a bare repo all its tags. */
static int
resolve_name (struct save *s, const char *name, struct cd_err *err)
{
  char id[CD_DIGEST_LEN];
  struct img_ref ref;
  bool is_id = strncmp (name, "sha256:", 7) == 0
               || (strlen (name) == 64 && img_ref_is_id_prefix (name));
  int r;
  if (is_id || img_ref_parse_name (name, &ref, NULL) < 0)
    return (r = img_resolve (s->is, name, id, err)) < 0 ? r : add_image (s, id, NULL, err);
  if (ref.digest || ref.tag)
    {
      cleanup_free char *full = ref.digest ? NULL : img_ref_string (&ref);
      img_ref_free (&ref);
      if ((r = img_resolve (s->is, name, id, err)) < 0)
        return r;
      return add_image (s, id, full, err);
    }
  struct repo_scan c = { .s = s, .want = &ref, .err = err };
  r = store_images_each (s->is->db, scan_image, &c, err);
  img_ref_free (&ref);
  if (r < 0 || c.r < 0)
    return r < 0 ? r : c.r;
  if (c.found)
    return 0;
  return (r = img_resolve (s->is, name, id, err)) < 0 ? r : add_image (s, id, NULL, err);
}

static int
resolve_all (struct save *s, const char *const *names, int n, struct cd_err *err)
{
  if (n <= 0)
    return cd_err_set (err, EINVAL, "no image names given to save");
  for (int i = 0; i < n; i++)
    {
      int r = resolve_name (s, names[i], err);
      if (r < 0)
        return r;
    }
  return 0;
}

/* ---- plan: config, layers and their bytes --------------------------------- */

struct layer_list
{
  struct save_image *im;
  int cap;
};

static int
collect_layer (const struct store_layer *l, void *ctx)
{
  struct layer_list *c = ctx;
  struct save_image *im = c->im;
  if (im->nlayers == c->cap)
    {
      c->cap = c->cap ? c->cap * 2 : 8;
      struct save_layer *nl = realloc (im->layers, sizeof *nl * (size_t) c->cap);
      if (nl == NULL)
        return -ENOMEM;
      im->layers = nl;
    }
  struct save_layer *sl = &im->layers[im->nlayers++];
  memset (sl, 0, sizeof *sl);
  sl->l = *l;
  memcpy (sl->diff_id, l->diff_id, CD_DIGEST_LEN);
  return 0;
}

/* No tar-split: re-create the tar from the diff directory into an unlinked
 * temporary file.  Its digest may differ from the stored diff_id. */
static int
open_retar (struct save *s, struct save_layer *sl, struct cd_err *err)
{
  char path[4096];
  snprintf (path, sizeof path, "%s/tmp/save-XXXXXX", s->is->root);
  cleanup_close int fd = mkostemp (path, O_CLOEXEC);
  if (fd < 0)
    return cd_err_sys (err, errno, "create a temporary file in %s/tmp", s->is->root);
  unlink (path);
  cleanup_free char *diff = img_layer_diff_path (s->is->root, sl->l.cache_id);
  if (diff == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  int r = img_retar_diff (diff, fd, sl->diff_id, &sl->size, err);
  if (r < 0)
    return cd_err_wrap (err, "layer %s has no kept tar and re-creating it failed", sl->l.diff_id);
  if ((sl->src = img_layer_src_fd (fd)) == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  steal_fd (&fd);
  return 0;
}

/* The config with the diff_ids of the re-created layers. */
static int
rewrite_config (struct save_image *im, struct cd_err *err)
{
  json_object *cfg = json_tokener_parse (im->config), *rootfs, *ids;
  if (cfg == NULL || !json_object_object_get_ex (cfg, "rootfs", &rootfs)
      || !json_object_object_get_ex (rootfs, "diff_ids", &ids)
      || !json_object_is_type (ids, json_type_array)
      || (int) json_object_array_length (ids) != im->nlayers)
    {
      json_object_put (cfg);
      return cd_err_set (err, EINVAL, "image %s: its config does not list its layers", im->id);
    }
  for (int i = 0; i < im->nlayers; i++)
    json_object_array_put_idx (ids, (size_t) i, json_object_new_string (im->layers[i].diff_id));
  char *nc = strdup (json_object_to_json_string_ext (cfg, JSON_C_TO_STRING_PLAIN
                                                              | JSON_C_TO_STRING_NOSLASHESCAPE));
  json_object_put (cfg);
  if (nc == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  free (im->config);
  im->config = nc;
  char nid[CD_DIGEST_LEN];
  cd_sha256_digest (nc, strlen (nc), nid);
  log_warn ("save: image %s has layers without a " IMG_TS_NAME " (or whose files changed); they"
            " were re-created and differ, so the saved image has ID %s", im->id, nid);
  return 0;
}

static int
plan_image (struct save *s, struct save_image *im, struct cd_err *err)
{
  struct store_image img = { 0 };
  int r = store_image_get (s->is->db, im->id, &img, err);
  if (r < 0)
    return r == -ENOENT ? cd_err_set (err, ENOENT, "No such image: %s", im->id) : r;
  im->config = steal_ptr (&img.config);
  im->created = img.created;
  store_image_clear (&img);
  struct layer_list c = { im, 0 };
  if ((r = store_image_layers (s->is->db, im->id, collect_layer, &c, err)) < 0)
    return r;
  bool changed = false;
  for (int i = 0; i < im->nlayers; i++)
    {
      struct save_layer *sl = &im->layers[i];
      if (img_layer_src_open (s->is, &sl->l, &sl->src, &sl->size) == 0)
        continue;
      if ((r = open_retar (s, sl, err)) < 0)
        return r;
      changed |= strcmp (sl->diff_id, sl->l.diff_id) != 0;
    }
  return changed ? rewrite_config (im, err) : 0;
}

/* ---- docker's legacy v1 layer directories ---------------------------------- */

static const char v1_empty_config[]
    = "{\"Hostname\":\"\",\"Domainname\":\"\",\"User\":\"\",\"AttachStdin\":false,"
      "\"AttachStdout\":false,\"AttachStderr\":false,\"Tty\":false,\"OpenStdin\":false,"
      "\"StdinOnce\":false,\"Env\":null,\"Cmd\":null,\"Image\":\"\",\"Volumes\":null,"
      "\"WorkingDir\":\"\",\"Entrypoint\":null,\"OnBuild\":null,\"Labels\":null}";

/* The v1 image fields: the image's own for the top layer, an empty shell
 * below it (as docker writes them). */
static json_object *
v1_fields (json_object *cfg, bool top)
{
  static const char *const keys[] = { "comment", "created", "container", "container_config",
                                      "docker_version", "author", "config", "architecture",
                                      "variant", "os", NULL };
  json_object *o = json_object_new_object (), *v;
  if (!top)
    {
      json_object_object_add (o, "created", json_object_new_string ("1970-01-01T00:00:00Z"));
      json_object_object_add (o, "container_config", json_tokener_parse (v1_empty_config));
      if (json_object_object_get_ex (cfg, "os", &v))
        json_object_object_add (o, "os", json_object_get (v));
      return o;
    }
  for (int i = 0; keys[i]; i++)
    if (json_object_object_get_ex (cfg, keys[i], &v))
      json_object_object_add (o, keys[i], json_object_get (v));
  return o;
}

static const char *
plain (json_object *o)
{
  return json_object_to_json_string_ext (o, JSON_C_TO_STRING_PLAIN
                                                | JSON_C_TO_STRING_NOSLASHESCAPE);
}

/* v1 ID = digest of the v1 fields plus chain and parent (like docker's
 * v1.CreateID); json = id, parent, then the fields. */
static int
plan_v1 (struct save_image *im, struct cd_err *err)
{
  json_object *cfg = json_tokener_parse (im->config);
  if (cfg == NULL)
    return cd_err_set (err, EINVAL, "image %s: its config is not JSON", im->id);
  char chain[CD_DIGEST_LEN] = "", parent[CD_DIGEST_LEN] = "", digest[CD_DIGEST_LEN];
  int r = 0;
  for (int i = 0; i < im->nlayers && r == 0; i++)
    {
      struct save_layer *sl = &im->layers[i];
      img_chain_id (i ? chain : NULL, sl->diff_id, chain);
      json_object *f = v1_fields (cfg, i == im->nlayers - 1);
      json_object *idsrc = json_object_get (f);
      json_object_object_add (idsrc, "layer_id", json_object_new_string (chain));
      if (parent[0])
        json_object_object_add (idsrc, "parent", json_object_new_string (parent));
      const char *s = plain (idsrc);
      cd_sha256_digest (s, strlen (s), digest);
      json_object_object_del (idsrc, "layer_id");
      json_object_object_del (idsrc, "parent");
      json_object_put (idsrc);
      snprintf (sl->v1, sizeof sl->v1, "%s", digest + 7);
      json_object *out = json_object_new_object ();
      json_object_object_add (out, "id", json_object_new_string (sl->v1));
      if (parent[0])
        json_object_object_add (out, "parent", json_object_new_string (parent + 7));
      json_object_object_foreach (f, k, v)
        json_object_object_add (out, k, json_object_get (v));
      if ((sl->v1_json = strdup (plain (out))) == NULL)
        r = cd_err_set (err, ENOMEM, "out of memory");
      json_object_put (out);
      json_object_put (f);
      memcpy (parent, digest, CD_DIGEST_LEN);
    }
  json_object_put (cfg);
  return r;
}

static int
plan_all (struct save *s, struct cd_err *err)
{
  int r = 0;
  pthread_mutex_lock (&s->is->lock);
  for (int i = 0; i < s->n && r == 0; i++)
    r = plan_image (s, &s->imgs[i], err);
  pthread_mutex_unlock (&s->is->lock);
  for (int i = 0; i < s->n && r == 0; i++)
    r = plan_v1 (&s->imgs[i], err);
  return r;
}

static void
save_free (struct save *s)
{
  for (int i = 0; i < s->n; i++)
    {
      struct save_image *im = &s->imgs[i];
      for (int t = 0; t < im->ntags; t++)
        free (im->tags[t]);
      for (int l = 0; l < im->nlayers; l++)
        {
          img_layer_src_close (im->layers[l].src);
          free (im->layers[l].v1_json);
        }
      free (im->layers);
      free (im->config);
    }
  free (s->imgs);
  free (s->done);
  if (s->a)
    archive_write_free (s->a);
}

/* ---- writing ----------------------------------------------------------------- */

static la_ssize_t
out_write (struct archive *a, void *data, const void *buf, size_t len)
{
  struct save *s = data;
  const char *p = buf;
  size_t left = len;
  if (s->out_failed)
    {
      archive_set_error (a, ECANCELED, "the save failed");
      return -1;
    }
  while (left > 0)
    {
      ssize_t w = write (s->out_fd, p, left);
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        {
          int e = w < 0 ? errno : EIO;
          archive_set_error (a, e, "%s", strerror (e));
          return -1;
        }
      p += w;
      left -= (size_t) w;
    }
  return (la_ssize_t) len;
}

static int
arch_err (struct save *s, const char *what, struct cd_err *err)
{
  int e = archive_errno (s->a);
  const char *m = archive_error_string (s->a);
  if (e == EPIPE)
    return cd_err_set (err, EPIPE, "save: the client went away while writing %s", what);
  return cd_err_set (err, e > 0 ? e : EIO, "save: writing %s: %s", what, m ? m : "failed");
}

static int
put_header (struct save *s, const char *path, mode_t type, int64_t size, const char *symlink,
            int64_t mtime, struct cd_err *err)
{
  struct archive_entry *e = archive_entry_new ();
  if (e == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  archive_entry_set_pathname (e, path);
  archive_entry_set_filetype (e, type);
  archive_entry_set_perm (e, type == AE_IFDIR ? 0755 : type == AE_IFLNK ? 0777 : 0644);
  archive_entry_set_size (e, type == AE_IFREG ? size : 0);
  if (symlink)
    archive_entry_set_symlink (e, symlink);
  archive_entry_set_mtime (e, (time_t) mtime, 0);
  int r = archive_write_header (s->a, e);
  archive_entry_free (e);
  return r < ARCHIVE_WARN ? arch_err (s, path, err) : 0;
}

static int
put_data (struct save *s, const char *what, const void *buf, size_t len, struct cd_err *err)
{
  const char *p = buf;
  while (len > 0)
    {
      la_ssize_t w = archive_write_data (s->a, p, len);
      if (w <= 0)
        return arch_err (s, what, err);
      p += w;
      len -= (size_t) w;
    }
  return 0;
}

static int
put_file (struct save *s, const char *path, const char *data, int64_t mtime, struct cd_err *err)
{
  size_t len = strlen (data);
  int r = put_header (s, path, AE_IFREG, (int64_t) len, NULL, mtime, err);
  return r < 0 ? r : put_data (s, path, data, len, err);
}

/* Appends a layer's bytes to the open layer.tar entry, hashing them. */
static int
pump (struct save *s, struct save_layer *sl, char digest[CD_DIGEST_LEN], int64_t *n,
      struct cd_err *err)
{
  struct cd_sha256 *h = cd_sha256_new ();
  int r = h ? 0 : cd_err_set (err, ENOMEM, "out of memory");
  if (r == 0)
    r = img_layer_src_rewind (sl->src, err);
  for (*n = 0; r == 0;)
    {
      ssize_t got = img_layer_src_read (sl->src, s->buf, sizeof s->buf, err);
      if (got <= 0)
        {
          r = got < 0 ? cd_err_wrap (err, "layer %s", sl->diff_id) : 0;
          break;
        }
      if (*n + got > sl->size)
        r = cd_err_set (err, EIO, "the tar of layer %s grew while being saved", sl->diff_id);
      else
        r = put_data (s, "a layer", s->buf, (size_t) got, err);
      cd_sha256_update (h, s->buf, (size_t) got);
      *n += got;
    }
  if (r < 0)
    cd_sha256_free (h);
  else
    cd_sha256_final (h, digest);
  return r;
}

static int
put_layer_tar (struct save *s, struct save_layer *sl, int64_t mtime, struct cd_err *err)
{
  char path[100], digest[CD_DIGEST_LEN];
  int64_t n;
  int r;
  snprintf (path, sizeof path, "%s/layer.tar", sl->v1);
  for (int i = 0; i < s->ndone; i++)
    if (strcmp (s->done[i]->diff_id, sl->diff_id) == 0)
      {
        /* docker links a repeated layer to its first copy */
        char target[100];
        snprintf (target, sizeof target, "../%s/layer.tar", s->done[i]->v1);
        s->done[s->ndone++] = sl;
        return put_header (s, path, AE_IFLNK, 0, target, mtime, err);
      }
  if ((r = put_header (s, path, AE_IFREG, sl->size, NULL, mtime, err)) < 0
      || (r = pump (s, sl, digest, &n, err)) < 0)
    return r;
  if (n != sl->size || strcmp (digest, sl->diff_id) != 0)
    return cd_err_set (err, EIO, "the tar of layer %s came out damaged (%lld bytes, digest %s):"
                       " remove the image and load it again", sl->diff_id, (long long) n, digest);
  s->done[s->ndone++] = sl;
  return 0;
}

static bool
dir_done (struct save *s, const char *v1)
{
  for (int i = 0; i < s->ndone; i++)
    if (strcmp (s->done[i]->v1, v1) == 0)
      return true;
  return false;
}

static int
put_image (struct save *s, struct save_image *im, struct cd_err *err)
{
  char path[100], digest[CD_DIGEST_LEN];
  int r = 0;
  for (int i = 0; i < im->nlayers && r == 0; i++)
    {
      struct save_layer *sl = &im->layers[i];
      if (dir_done (s, sl->v1))
        continue;
      snprintf (path, sizeof path, "%s/", sl->v1);
      if ((r = put_header (s, path, AE_IFDIR, 0, NULL, im->created, err)) < 0)
        break;
      snprintf (path, sizeof path, "%s/VERSION", sl->v1);
      if ((r = put_file (s, path, "1.0", im->created, err)) < 0)
        break;
      snprintf (path, sizeof path, "%s/json", sl->v1);
      if ((r = put_file (s, path, sl->v1_json, im->created, err)) == 0)
        r = put_layer_tar (s, sl, im->created, err);
    }
  if (r < 0)
    return r;
  cd_sha256_digest (im->config, strlen (im->config), digest);
  snprintf (path, sizeof path, "%s.json", digest + 7);
  return put_file (s, path, im->config, im->created, err);
}

static void
repositories_add (json_object *repos, const char *tag, const char *v1)
{
  struct img_ref ref;
  if (img_ref_parse (tag, &ref, NULL) < 0)
    return;
  cleanup_free char *repo = img_ref_repo_familiar (&ref);
  json_object *r;
  if (repo && ref.tag)
    {
      if (!json_object_object_get_ex (repos, repo, &r))
        json_object_object_add (repos, repo, r = json_object_new_object ());
      json_object_object_add (r, ref.tag, json_object_new_string (v1));
    }
  img_ref_free (&ref);
}

static int
put_manifest (struct save *s, int64_t mtime, struct cd_err *err)
{
  json_object *man = json_object_new_array (), *repos = json_object_new_object ();
  for (int i = 0; i < s->n; i++)
    {
      struct save_image *im = &s->imgs[i];
      char digest[CD_DIGEST_LEN], cfg[80];
      cd_sha256_digest (im->config, strlen (im->config), digest);
      snprintf (cfg, sizeof cfg, "%s.json", digest + 7);
      json_object *item = json_object_new_object (), *tags = NULL;
      json_object *layers = json_object_new_array ();
      json_object_object_add (item, "Config", json_object_new_string (cfg));
      for (int t = 0; t < im->ntags; t++)
        {
          if (tags == NULL)
            tags = json_object_new_array ();
          json_object_array_add (tags, json_object_new_string (im->tags[t]));
          if (im->nlayers)
            repositories_add (repos, im->tags[t], im->layers[im->nlayers - 1].v1);
        }
      json_object_object_add (item, "RepoTags", tags);
      for (int l = 0; l < im->nlayers; l++)
        {
          char p[100];
          snprintf (p, sizeof p, "%s/layer.tar", im->layers[l].v1);
          json_object_array_add (layers, json_object_new_string (p));
        }
      json_object_object_add (item, "Layers", layers);
      json_object_array_add (man, item);
    }
  int r = put_file (s, "manifest.json", plain (man), mtime, err);
  if (r == 0 && json_object_object_length (repos) > 0)
    r = put_file (s, "repositories", plain (repos), mtime, err);
  json_object_put (man);
  json_object_put (repos);
  return r;
}

static int
write_archive (struct save *s, int fd, struct cd_err *err)
{
  int total = 0;
  int64_t mtime = 0;
  for (int i = 0; i < s->n; i++)
    {
      total += s->imgs[i].nlayers;
      if (s->imgs[i].created > mtime)
        mtime = s->imgs[i].created;
    }
  if ((s->done = calloc ((size_t) total + 1, sizeof *s->done)) == NULL
      || (s->a = archive_write_new ()) == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  archive_write_set_format_pax_restricted (s->a);
  archive_write_add_filter_none (s->a);
  s->out_fd = fd;
  if (archive_write_open (s->a, s, NULL, out_write, NULL) != ARCHIVE_OK)
    return arch_err (s, "the archive", err);
  int r = 0;
  for (int i = 0; i < s->n && r == 0; i++)
    r = put_image (s, &s->imgs[i], err);
  if (r == 0)
    r = put_manifest (s, mtime, err);
  if (r == 0 && archive_write_close (s->a) != ARCHIVE_OK)
    r = arch_err (s, "the end of the archive", err);
  if (r < 0)
    {
      /* Close (it frees libarchive's buffers; archive_write_fail would leak
       * them) with every further byte refused: no padding, no end marker, so
       * the tar reads as truncated. */
      s->out_failed = true;
      archive_write_close (s->a);
    }
  return r;
}

int
img_save_check (struct img_store *is, const char *const *names, int n, struct cd_err *err)
{
  struct save s = { .is = is };
  int r = resolve_all (&s, names, n, err);
  save_free (&s);
  return r;
}

int
img_save (struct img_store *is, const char *const *names, int n, int fd, struct cd_err *err)
{
  struct save *s = calloc (1, sizeof *s);
  if (s == NULL)
    return cd_err_set (err, ENOMEM, "out of memory");
  s->is = is;
  int r = resolve_all (s, names, n, err);
  if (r == 0)
    r = plan_all (s, err);
  if (r == 0)
    r = write_archive (s, fd, err);
  save_free (s);
  free (s);
  return r;
}
