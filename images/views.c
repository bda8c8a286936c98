#include "images/views.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "images/layers.h"
#include "images/reference.h"

static json_object *
get (json_object *o, const char *k)
{
  json_object *v = NULL;
  if (o)
    json_object_object_get_ex (o, k, &v);
  return v;
}

static json_object *
copy_or (json_object *v, json_object *fallback)
{
  if (v == NULL)
    return fallback;
  json_object_put (fallback);
  return json_object_get (v);
}

static json_object *
graph_driver (struct img_store *is, const char *top_chain, struct cd_err *err)
{
  json_object *gd = json_object_new_object ();
  json_object *data = json_object_new_object ();
  struct store_layer l;
  if (top_chain[0] && store_layer_get (is->db, top_chain, &l, err) == 0)
    {
      cleanup_free char *diff = img_layer_diff_path (is->root, l.cache_id);
      cleanup_free char *lower = NULL;
      json_object_object_add (data, "UpperDir", json_object_new_string (diff ? diff : ""));
      char work[4096], merged[4096];
      snprintf (work, sizeof work, "%s/overlay2/%s/work", is->root, l.cache_id);
      snprintf (merged, sizeof merged, "%s/overlay2/%s/merged", is->root, l.cache_id);
      json_object_object_add (data, "WorkDir", json_object_new_string (work));
      json_object_object_add (data, "MergedDir", json_object_new_string (merged));
      if (img_layer_lowerdirs (is->root, l.cache_id, &lower, err) == 0)
        {
          /* the lowerdirs of an image are its parents: drop the top itself */
          char *colon = strchr (lower, ':');
          if (colon)
            json_object_object_add (data, "LowerDir", json_object_new_string (colon + 1));
        }
    }
  json_object_object_add (gd, "Data", data);
  json_object_object_add (gd, "Name", json_object_new_string ("overlay2"));
  return gd;
}

static void
add_str (json_object *o, const char *k, const char *v)
{
  json_object_object_add (o, k, json_object_new_string (v ? v : ""));
}

static void
inspect_fill (json_object *o, json_object *cfg, const struct store_image *img)
{
  json_object *rootfs = json_object_new_object ();
  add_str (rootfs, "Type", "layers");
  json_object_object_add (rootfs, "Layers",
                          copy_or (get (get (cfg, "rootfs"), "diff_ids"), json_object_new_array ()));
  add_str (o, "Parent", img->parent);
  add_str (o, "Comment", json_object_get_string (get (cfg, "comment")));
  add_str (o, "Created", json_object_get_string (get (cfg, "created")));
  add_str (o, "Container", json_object_get_string (get (cfg, "container")));
  json_object_object_add (o, "ContainerConfig",
                          copy_or (get (cfg, "container_config"), json_object_new_object ()));
  add_str (o, "DockerVersion", json_object_get_string (get (cfg, "docker_version")));
  add_str (o, "Author", json_object_get_string (get (cfg, "author")));
  json_object_object_add (o, "Config", copy_or (get (cfg, "config"), json_object_new_object ()));
  add_str (o, "Architecture", json_object_get_string (get (cfg, "architecture")));
  const char *variant = json_object_get_string (get (cfg, "variant"));
  if (variant)
    add_str (o, "Variant", variant);
  add_str (o, "Os", json_object_get_string (get (cfg, "os")));
  json_object_object_add (o, "Size", json_object_new_int64 (img->size));
  json_object_object_add (o, "VirtualSize", json_object_new_int64 (img->size));
  json_object_object_add (o, "RootFS", rootfs);
  json_object *meta = json_object_new_object ();
  add_str (meta, "LastTagTime", "0001-01-01T00:00:00Z");
  json_object_object_add (o, "Metadata", meta);
}

int
img_inspect_json (struct img_store *is, const char *id, json_object **out, struct cd_err *err)
{
  struct store_image img = { 0 };
  int r = store_image_get (is->db, id, &img, err);
  if (r == -ENOENT)
    return cd_err_set (err, ENOENT, "No such image: %s", id);
  if (r < 0)
    return r;
  json_object *cfg = json_tokener_parse (img.config);
  json_object *tags, *digests;
  if ((r = img_refs (is, id, &tags, &digests, err)) < 0)
    {
      json_object_put (cfg);
      store_image_clear (&img);
      return r;
    }
  json_object *o = json_object_new_object ();
  add_str (o, "Id", img.id);
  json_object_object_add (o, "RepoTags", tags);
  json_object_object_add (o, "RepoDigests", digests);
  inspect_fill (o, cfg, &img);
  json_object_object_add (o, "GraphDriver", graph_driver (is, img.top_chain, err));
  json_object_put (cfg);
  store_image_clear (&img);
  *out = o;
  return 0;
}

struct list_ctx
{
  struct img_store *is;
  json_object *filters, *out;
  bool digests;
  int64_t before, since;   /* created bounds from before=/since= filters, -1 none */
  struct cd_err *err;
};

static bool
filter_has (json_object *filters, const char *key)
{
  return get (filters, key) != NULL;
}

static bool
label_ok (json_object *filters, json_object *labels)
{
  json_object *set = get (filters, "label");
  if (set == NULL)
    return true;
  json_object_object_foreach (set, want, on)
    {
      (void) on;
      char key[256];
      const char *eq = strchr (want, '=');
      snprintf (key, sizeof key, "%.*s", eq ? (int) (eq - want) : (int) strlen (want), want);
      json_object *have = get (labels, key);
      if (have == NULL || (eq && strcmp (json_object_get_string (have), eq + 1) != 0))
        return false;
    }
  return true;
}

static bool
reference_ok (json_object *filters, json_object *tags)
{
  json_object *set = get (filters, "reference");
  if (set == NULL)
    return true;
  json_object_object_foreach (set, pat, on)
    {
      (void) on;
      for (size_t i = 0; i < json_object_array_length (tags); i++)
        {
          const char *t = json_object_get_string (json_object_array_get_idx (tags, i));
          char repo[512];
          snprintf (repo, sizeof repo, "%s", t);
          char *colon = strrchr (repo, ':');
          if (colon && !strchr (colon, '/'))
            *colon = '\0';
          if (fnmatch (pat, t, 0) == 0 || fnmatch (pat, repo, 0) == 0)
            return true;
        }
    }
  return false;
}

static int
list_one (const struct store_image *img, void *vctx)
{
  struct list_ctx *c = vctx;
  json_object *tags, *digests;
  if (img_refs (c->is, img->id, &tags, &digests, c->err) < 0)
    return -EIO;
  json_object *cfg = json_tokener_parse (img->config);
  json_object *labels = get (get (cfg, "config"), "Labels");
  bool dangling = json_object_array_length (tags) == 0;
  json_object *dset = get (c->filters, "dangling");
  bool keep = label_ok (c->filters, labels) && reference_ok (c->filters, tags)
              && (c->before < 0 || img->created < c->before)
              && (c->since < 0 || img->created > c->since);
  if (dset)
    keep = keep && ((get (dset, "true") || get (dset, "1")) ? dangling : !dangling);
  if (keep)
    {
      json_object *o = json_object_new_object ();
      add_str (o, "Id", img->id);
      add_str (o, "ParentId", img->parent);
      json_object_object_add (o, "RepoTags", tags);
      json_object_object_add (o, "RepoDigests", digests);
      json_object_object_add (o, "Created", json_object_new_int64 (img->created));
      json_object_object_add (o, "Size", json_object_new_int64 (img->size));
      json_object_object_add (o, "VirtualSize", json_object_new_int64 (img->size));
      json_object_object_add (o, "SharedSize", json_object_new_int (-1));
      json_object_object_add (o, "Labels", copy_or (labels, json_object_new_object ()));
      json_object_object_add (o, "Containers", json_object_new_int (-1));
      json_object_array_add (c->out, o);
      tags = digests = NULL;
    }
  json_object_put (tags);
  json_object_put (digests);
  json_object_put (cfg);
  return 0;
}

/* before=/since= name an image; their creation time bounds the list. */
static int
bound (struct img_store *is, json_object *filters, const char *key, int64_t *out,
       struct cd_err *err)
{
  *out = -1;
  json_object *set = get (filters, key);
  if (set == NULL)
    return 0;
  json_object_object_foreach (set, name, on)
    {
      (void) on;
      char id[CD_DIGEST_LEN];
      struct store_image img = { 0 };
      int r = img_resolve (is, name, id, err);
      if (r == 0)
        r = store_image_get (is->db, id, &img, err);
      if (r < 0)
        return r;
      *out = img.created;
      store_image_clear (&img);
    }
  return 0;
}

int
img_list_json (struct img_store *is, bool digests, json_object *filters, json_object **out,
               struct cd_err *err)
{
  struct list_ctx c = { .is = is, .filters = filters, .digests = digests, .err = err };
  int r = bound (is, filters, "before", &c.before, err);
  if (r == 0)
    r = bound (is, filters, "since", &c.since, err);
  if (r < 0)
    return r;
  (void) filter_has;
  c.out = json_object_new_array ();
  r = store_images_each (is->db, list_one, &c, err);
  if (r < 0)
    {
      json_object_put (c.out);
      return r;
    }
  *out = c.out;
  return 0;
}

struct hist_ctx
{
  int64_t sizes[256];
  int n;
};

static int
layer_size (const struct store_layer *l, void *vctx)
{
  struct hist_ctx *h = vctx;
  if (h->n < 256)
    h->sizes[h->n++] = l->size;
  return 0;
}

static int64_t
parse_time (const char *s)
{
  struct tm tm = { 0 };
  if (s == NULL || strptime (s, "%Y-%m-%dT%H:%M:%S", &tm) == NULL)
    return 0;
  return (int64_t) timegm (&tm);
}

int
img_history_json (struct img_store *is, const char *id, json_object **out, struct cd_err *err)
{
  struct store_image img = { 0 };
  int r = store_image_get (is->db, id, &img, err);
  if (r < 0)
    return r == -ENOENT ? cd_err_set (err, ENOENT, "No such image: %s", id) : r;
  struct hist_ctx h = { .n = 0 };
  json_object *cfg = json_tokener_parse (img.config), *tags, *digests;
  json_object *hist = get (cfg, "history");
  r = store_image_layers (is->db, id, layer_size, &h, err);
  if (r == 0)
    r = img_refs (is, id, &tags, &digests, err);
  if (r < 0)
    goto out;
  json_object_put (digests);
  int nh = hist ? (int) json_object_array_length (hist) : 0, layer = h.n;
  *out = json_object_new_array ();
  for (int i = nh - 1; i >= 0; i--)
    {
      json_object *e = json_object_array_get_idx (hist, (size_t) i);
      bool empty = json_object_get_boolean (get (e, "empty_layer"));
      json_object *o = json_object_new_object ();
      add_str (o, "Id", i == nh - 1 ? img.id : "<missing>");
      json_object_object_add (o, "Created",
                              json_object_new_int64 (parse_time (json_object_get_string (get (e, "created")))));
      add_str (o, "CreatedBy", json_object_get_string (get (e, "created_by")));
      json_object_object_add (o, "Tags", i == nh - 1 ? json_object_get (tags) : NULL);
      json_object_object_add (o, "Size",
                              json_object_new_int64 (!empty && layer > 0 ? h.sizes[--layer] : 0));
      add_str (o, "Comment", json_object_get_string (get (e, "comment")));
      json_object_array_add (*out, o);
    }
  json_object_put (tags);
out:
  json_object_put (cfg);
  store_image_clear (&img);
  return r;
}
