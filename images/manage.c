/* Tagging, removal, pruning and garbage collection of images and layers. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "fsutil.h"
#include "images/ctrlayer.h"
#include "images/internal.h"
#include "images/layers.h"
#include "images/reference.h"
#include "store/containers.h"
#include "images/save.h"
#include "log.h"

int
img_tag (struct img_store *is, const char *name, const char *repo, const char *tag,
         struct cd_err *err)
{
  char id[CD_DIGEST_LEN];
  int r = img_resolve (is, name, id, err);
  if (r < 0)
    return r;
  if (repo == NULL || *repo == '\0')
    return cd_err_set (err, EINVAL, "repository name must be given");
  cleanup_free char *want = NULL;
  if (asprintf (&want, "%s:%s", repo, tag && *tag ? tag : "latest") < 0)
    return cd_err_set (err, ENOMEM, "out of memory");
  struct img_ref ref;
  if ((r = img_ref_parse (want, &ref, err)) < 0)
    return r;
  if (ref.digest)
    {
      img_ref_free (&ref);
      return cd_err_set (err, EINVAL, "refusing to create a tag with a digest reference");
    }
  cleanup_free char *full = img_ref_string (&ref);
  img_ref_free (&ref);
  char prev[CD_DIGEST_LEN];
  pthread_mutex_lock (&is->lock);
  r = store_tag_set (is->db, full, id, "tag", prev, err);
  pthread_mutex_unlock (&is->lock);
  return r;
}

struct tag_list
{
  char **refs;
  int n, cap;
};

static int
collect_tag (const char *ref, const char *kind, void *ctx)
{
  struct tag_list *t = ctx;
  (void) kind;
  if (t->n == t->cap)
    {
      t->cap = t->cap ? t->cap * 2 : 8;
      t->refs = realloc (t->refs, sizeof (char *) * (size_t) t->cap);
    }
  t->refs[t->n++] = strdup (ref);
  return 0;
}

static void
tag_list_free (struct tag_list *t)
{
  for (int i = 0; i < t->n; i++)
    free (t->refs[i]);
  free (t->refs);
}

static void
report_add (json_object *report, const char *key, const char *value)
{
  json_object *o = json_object_new_object ();
  json_object_object_add (o, key, json_object_new_string (value));
  json_object_array_add (report, o);
}

static void
report_untag (json_object *report, const char *full)
{
  cleanup_free char *fam = img_familiar (full);
  report_add (report, "Untagged", fam);
}

/* Unused layers: rows deleted inside the transaction, files removed after
 * its commit (a crash in between leaves directories without rows, which the
 * start-up GC removes), so the store is not held while a disk deletes. */
struct gc_ctx
{
  struct img_store *is;
  struct cd_err *err;
  struct store_layer *gone;
  size_t n, cap;
};

static int
remove_unused_layer (const struct store_layer *l, void *ctx)
{
  struct gc_ctx *g = ctx;
  if (g->n == g->cap)
    {
      size_t cap = g->cap ? g->cap * 2 : 8;
      struct store_layer *p = realloc (g->gone, cap * sizeof *p);
      if (p == NULL)
        return cd_err_set (g->err, ENOMEM, "out of memory");
      g->gone = p, g->cap = cap;
    }
  g->gone[g->n++] = *l;
  return store_layer_delete (g->is->db, l->chain_id, g->err);
}

/* After the commit (done) or the rollback (!done). */
static void
gc_finish (struct gc_ctx *g, bool done)
{
  for (size_t i = 0; done && i < g->n; i++)
    {
      struct cd_err e;
      img_blob_drop (g->is, &g->gone[i]);
      if (img_layer_remove (g->is->root, g->gone[i].cache_id, &e) < 0)
        log_warn ("removing layer %s: %s", g->gone[i].chain_id, e.msg);
    }
  free (g->gone);
  g->gone = NULL;
  g->n = g->cap = 0;
}

/* Deletes the image row and the layers nobody else uses. Lock held. */
static int
delete_image_locked (struct img_store *is, const char *id, json_object *report,
                     struct cd_err *err)
{
  int r = store_begin (is->db, err);
  if (r < 0)
    return r;
  struct gc_ctx g = { is, err, NULL, 0, 0 };
  if ((r = store_image_delete (is->db, id, err)) < 0
      || (r = store_layers_unused (is->db, remove_unused_layer, &g, err)) < 0
      || (r = store_commit (is->db, err)) < 0)
    {
      store_rollback (is->db);
      gc_finish (&g, false);
      return r;
    }
  gc_finish (&g, true);
  report_add (report, "Deleted", id);
  return 0;
}

static bool
names_id (const char *name, const char *id)
{
  const char *hex = strncmp (name, "sha256:", 7) == 0 ? name + 7 : name;
  return img_ref_is_id_prefix (name) && strncmp (id + 7, hex, strlen (hex)) == 0;
}

/* As Docker: when the last tag of a repository goes, so do the digest
 * references (RepoDigests, "repo@sha256:...") of that repository. */
static int
untag_repo_digests (struct img_store *is, const char *tag_ref, const struct tag_list *tags,
                    json_object *report, int *left, struct cd_err *err)
{
  const char *slash = strrchr (tag_ref, '/'), *colon = strrchr (slash ? slash : tag_ref, ':');
  size_t rl = colon ? (size_t) (colon - tag_ref) : strlen (tag_ref);
  for (int i = 0; i < tags->n; i++)
    if (strcmp (tags->refs[i], tag_ref) != 0 && strchr (tags->refs[i], '@') == NULL
        && strncmp (tags->refs[i], tag_ref, rl) == 0 && tags->refs[i][rl] == ':')
      return 0; /* another tag of the repository stays */
  for (int i = 0; i < tags->n; i++)
    {
      if (strncmp (tags->refs[i], tag_ref, rl) != 0 || tags->refs[i][rl] != '@')
        continue;
      int r = store_tag_delete (is->db, tags->refs[i], err);
      if (r < 0)
        return r;
      report_untag (report, tags->refs[i]);
      (*left)--;
    }
  return 0;
}

/* Docker's rules: by reference, untag it and delete the image only when that
 * was its last name; by ID, untag everything and delete (several names need
 * force). An image a container uses is never deleted: forced, it is untagged. */
static int
remove_locked (struct img_store *is, const char *name, const char *id, bool force,
               json_object *report, struct cd_err *err)
{
  struct tag_list tags = { 0 };
  int users = 0, r = store_image_containers (is->db, id, &users, err);
  if (r == 0)
    r = store_image_tags (is->db, id, collect_tag, &tags, err);
  cleanup_free char *full = NULL;
  struct img_ref ref;
  if (!names_id (name, id) && img_ref_parse (name, &ref, NULL) == 0)
    {
      full = img_ref_string (&ref);
      img_ref_free (&ref);
    }
  if (r < 0)
    goto out;
  if (users > 0 && !force && (full == NULL || tags.n <= 1))
    {
      r = cd_err_set (err, EBUSY, "conflict: unable to remove repository reference \"%s\" (must"
                      " force) - container is using its referenced image %.12s", name, id + 7);
      goto out;
    }
  if (full == NULL && tags.n > 1 && !force)
    {
      r = cd_err_set (err, EBUSY, "conflict: unable to delete %.12s (must be forced) - image is"
                      " referenced in multiple repositories", id + 7);
      goto out;
    }
  int left = tags.n;
  for (int i = 0; i < tags.n && r == 0; i++)
    {
      if (full && strcmp (full, tags.refs[i]) != 0)
        continue;
      if ((r = store_tag_delete (is->db, tags.refs[i], err)) == 0)
        report_untag (report, tags.refs[i]);
      left--;
    }
  if (r == 0 && full && strchr (full, '@') == NULL)
    r = untag_repo_digests (is, full, &tags, report, &left, err);
  bool names_left = full != NULL && left > 0;
  if (r == 0 && !names_left && users == 0)
    r = delete_image_locked (is, id, report, err);
out:
  tag_list_free (&tags);
  return r;
}

int
img_remove (struct img_store *is, const char *name, bool force, bool noprune,
            json_object **report, struct cd_err *err)
{
  (void) noprune; /* images have no parent chain of their own here */
  char id[CD_DIGEST_LEN];
  int r = img_resolve (is, name, id, err);
  if (r < 0)
    return r;
  *report = json_object_new_array ();
  pthread_mutex_lock (&is->lock);
  r = remove_locked (is, name, id, force, *report, err);
  pthread_mutex_unlock (&is->lock);
  if (r < 0)
    {
      json_object_put (*report);
      *report = NULL;
    }
  return r;
}

static int
has_tags (struct img_store *is, const char *id, bool *yes, struct cd_err *err)
{
  struct tag_list t = { 0 };
  int r = store_image_tags (is->db, id, collect_tag, &t, err);
  *yes = t.n > 0;
  tag_list_free (&t);
  return r;
}

struct prune_ctx
{
  struct img_store *is;
  bool all_unused;
  struct tag_list victims;
};

static int
prune_pick (const struct store_image *img, void *ctx)
{
  struct prune_ctx *p = ctx;
  struct cd_err err;
  bool tagged;
  int users = 0;
  if (has_tags (p->is, img->id, &tagged, &err) < 0
      || store_image_containers (p->is->db, img->id, &users, &err) < 0)
    return 0;
  if (users == 0 && (!tagged || p->all_unused))
    collect_tag (img->id, NULL, &p->victims);
  return 0;
}

int
img_prune (struct img_store *is, bool all_unused, json_object *filters, json_object **report,
           int64_t *reclaimed, struct cd_err *err)
{
  (void) filters;
  struct prune_ctx p = { .is = is, .all_unused = all_unused };
  *reclaimed = 0;
  *report = json_object_new_array ();
  pthread_mutex_lock (&is->lock);
  int r = store_images_each (is->db, prune_pick, &p, err);
  for (int i = 0; r == 0 && i < p.victims.n; i++)
    {
      struct store_image img = { 0 };
      if (store_image_get (is->db, p.victims.refs[i], &img, err) == 0)
        *reclaimed += img.size;
      store_image_clear (&img);
      struct tag_list tags = { 0 };
      store_image_tags (is->db, p.victims.refs[i], collect_tag, &tags, err);
      for (int t = 0; t < tags.n; t++)
        report_untag (*report, tags.refs[t]);
      tag_list_free (&tags);
      r = delete_image_locked (is, p.victims.refs[i], *report, err);
    }
  pthread_mutex_unlock (&is->lock);
  tag_list_free (&p.victims);
  return r;
}

static int
mark_known (const struct store_layer *l, void *ctx)
{
  collect_tag (l->cache_id, NULL, ctx);
  return 0;
}

static bool
in_list (struct tag_list *t, const char *s)
{
  for (int i = 0; i < t->n; i++)
    if (strcmp (t->refs[i], s) == 0)
      return true;
  return false;
}

int
img_gc_locked (struct img_store *is, struct cd_err *err)
{
  struct gc_ctx g = { is, err, NULL, 0, 0 };
  int r = store_begin (is->db, err);
  if (r == 0 && (r = store_layers_unused (is->db, remove_unused_layer, &g, err)) == 0)
    r = store_commit (is->db, err);
  if (r < 0)
    {
      store_rollback (is->db);
      gc_finish (&g, false);
      return r;
    }
  gc_finish (&g, true);
  struct tag_list known = { 0 };
  if ((r = store_layers_all (is->db, mark_known, &known, err)) < 0)
    return r;
  char path[4096];
  snprintf (path, sizeof path, "%s/overlay2", is->root);
  cleanup_dir DIR *d = opendir (path);
  struct dirent *de;
  while (d && (de = readdir (d)) != NULL)
    {
      /* Image layers are 64 hex. A container's are "<id>" and "<id>-init"
       * ("<id>" never exists without "<id>-init": made first, removed
       * last); they are left to img_ctr_layer_gc at start-up, since a
       * container being created has its layers before its row. */
      if (strlen (de->d_name) != 64 || strspn (de->d_name, "0123456789abcdef") != 64
          || in_list (&known, de->d_name) || img_ctr_layer_name (is->root, de->d_name, NULL))
        continue;
      log_info ("removing orphaned layer directory %s", de->d_name);
      struct cd_err e2;
      img_layer_remove (is->root, de->d_name, &e2);
    }
  tag_list_free (&known);
  return 0;
}

int
img_gc (struct img_store *is, struct cd_err *err)
{
  pthread_mutex_lock (&is->lock);
  int r = img_gc_locked (is, err);
  pthread_mutex_unlock (&is->lock);
  return r;
}

struct refs_ctx
{
  json_object *tags, *digests;
};

static int
split_ref (const char *ref, const char *kind, void *ctx)
{
  struct refs_ctx *c = ctx;
  (void) kind;
  cleanup_free char *fam = img_familiar (ref);
  json_object_array_add (strchr (ref, '@') ? c->digests : c->tags, json_object_new_string (fam));
  return 0;
}

int
img_refs (struct img_store *is, const char *id, json_object **tags, json_object **digests,
          struct cd_err *err)
{
  struct refs_ctx c = { json_object_new_array (), json_object_new_array () };
  int r = store_image_tags (is->db, id, split_ref, &c, err);
  *tags = c.tags;
  *digests = c.digests;
  return r;
}
