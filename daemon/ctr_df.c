/* GET /system/df: disk usage of layers, images, containers and volumes in
 * Docker's shape. Blocking (walks the containers' writable layers): runs on
 * the thread pool. */
#include <string.h>

#include "daemon/containers.h"
#include "daemon/ctr_df.h"
#include "daemon/ctr_top.h"
#include "daemon/volumes.h"
#include "images/images.h"
#include "images/views.h"
#include "store/images.h"
#include "store/volumes.h"

/* Layers and how many images use each. */
struct layer_use
{
  char chain[CD_DIGEST_LEN];
  int64_t size;
  int images;
};

struct layer_set
{
  struct layer_use *v;
  size_t n, cap;
  int64_t total;
};

static int
all_layer (const struct store_layer *l, void *ctx)
{
  struct layer_set *ls = ctx;
  if (ls->n == ls->cap)
    {
      size_t cap = ls->cap ? ls->cap * 2 : 64;
      struct layer_use *nv = realloc (ls->v, cap * sizeof *nv);
      if (nv == NULL)
        return -ENOMEM;
      ls->v = nv;
      ls->cap = cap;
    }
  struct layer_use *u = &ls->v[ls->n++];
  memset (u, 0, sizeof *u);
  memcpy (u->chain, l->chain_id, sizeof u->chain);
  u->size = l->size;
  ls->total += l->size;
  return 0;
}

static struct layer_use *
layer_find (struct layer_set *ls, const char *chain)
{
  for (size_t i = 0; i < ls->n; i++)
    if (strcmp (ls->v[i].chain, chain) == 0)
      return &ls->v[i];
  return NULL;
}

static int
count_layer (const struct store_layer *l, void *ctx)
{
  struct layer_use *u = layer_find (ctx, l->chain_id);
  if (u)
    u->images++;
  return 0;
}

struct shared_acc
{
  struct layer_set *ls;
  int64_t shared;
};

static int
shared_layer (const struct store_layer *l, void *ctx)
{
  struct shared_acc *a = ctx;
  struct layer_use *u = layer_find (a->ls, l->chain_id);
  if (u && u->images > 1)
    a->shared += u->size;
  return 0;
}

static int
containers_of (json_object *ctrs, const char *image_id)
{
  int n = 0;
  for (size_t i = 0; i < json_object_array_length (ctrs); i++)
    {
      json_object *c = json_object_array_get_idx (ctrs, i), *v;
      if (json_object_object_get_ex (c, "ImageID", &v)
          && strcmp (json_object_get_string (v), image_id) == 0)
        n++;
    }
  return n;
}

/* Images: SharedSize (bytes of layers other images use too), Containers. */
static void
fill_images (struct cd_daemon *d, json_object *images, json_object *ctrs, struct layer_set *ls)
{
  struct cd_err ignore;
  size_t n = json_object_array_length (images);
  for (size_t i = 0; i < n; i++)
    {
      json_object *v;
      if (json_object_object_get_ex (json_object_array_get_idx (images, i), "Id", &v))
        store_image_layers (d->store, json_object_get_string (v), count_layer, ls, &ignore);
    }
  for (size_t i = 0; i < n; i++)
    {
      json_object *img = json_object_array_get_idx (images, i), *v;
      if (!json_object_object_get_ex (img, "Id", &v))
        continue;
      const char *id = json_object_get_string (v);
      struct shared_acc a = { ls, 0 };
      store_image_layers (d->store, id, shared_layer, &a, &ignore);
      json_object_object_add (img, "SharedSize", json_object_new_int64 (a.shared));
      json_object_object_add (img, "Containers",
                              json_object_new_int (containers_of (ctrs, id)));
    }
}

static int64_t
image_size (json_object *images, const char *image_id)
{
  for (size_t i = 0; i < json_object_array_length (images); i++)
    {
      json_object *img = json_object_array_get_idx (images, i), *v, *s;
      if (json_object_object_get_ex (img, "Id", &v) && strcmp (json_object_get_string (v), image_id) == 0
          && json_object_object_get_ex (img, "Size", &s))
        return json_object_get_int64 (s);
    }
  return 0;
}

static void
fill_containers (struct cd_daemon *d, json_object *ctrs, json_object *images)
{
  for (size_t i = 0; i < json_object_array_length (ctrs); i++)
    {
      json_object *c = json_object_array_get_idx (ctrs, i), *id, *img;
      if (!json_object_object_get_ex (c, "Id", &id))
        continue;
      int64_t rw = ctr_rw_size (d, json_object_get_string (id));
      int64_t base = json_object_object_get_ex (c, "ImageID", &img)
                         ? image_size (images, json_object_get_string (img)) : 0;
      json_object_object_add (c, "SizeRw", json_object_new_int64 (rw));
      json_object_object_add (c, "SizeRootFs", json_object_new_int64 (rw + base));
    }
}

/* Every volume as GET /volumes shows it, with UsageData: the bytes under its
 * mountpoint and the number of containers that use it. */
static json_object *
df_volumes (struct cd_daemon *d)
{
  json_object *vl = NULL, *arr = NULL;
  struct cd_err ignore;
  if (vol_list_json (d, NULL, &vl, &ignore) < 0
      || !json_object_object_get_ex (vl, "Volumes", &arr))
    {
      json_object_put (vl);
      return json_object_new_array ();
    }
  arr = json_object_get (arr);
  json_object_put (vl);
  for (size_t i = 0; i < json_object_array_length (arr); i++)
    {
      json_object *v = json_object_array_get_idx (arr, i), *u = json_object_new_object ();
      json_object *mpo = NULL, *nameo = NULL;
      json_object_object_get_ex (v, "Mountpoint", &mpo);
      json_object_object_get_ex (v, "Name", &nameo);
      const char *mp = json_object_get_string (mpo);
      int refs = nameo ? store_volume_users (d->store, json_object_get_string (nameo), NULL) : -1;
      json_object_object_add (u, "Size", json_object_new_int64 (mp ? ctr_path_size (mp) : -1));
      json_object_object_add (u, "RefCount", json_object_new_int (refs < 0 ? -1 : refs));
      json_object_object_add (v, "UsageData", u);
    }
  return arr;
}

int
ctr_system_df (struct cd_daemon *d, json_object **out, struct cd_err *err)
{
  struct layer_set ls = { 0 };
  json_object *images = NULL, *ctrs = NULL;
  int r = store_layers_all (d->store, all_layer, &ls, err);
  if (r == 0)
    r = img_list_json (d->images, false, NULL, &images, err);
  if (r == 0)
    r = ctr_list_json (d, true, -1, NULL, &ctrs, err);
  if (r < 0)
    {
      free (ls.v);
      json_object_put (images);
      json_object_put (ctrs);
      return r;
    }
  fill_images (d, images, ctrs, &ls);
  fill_containers (d, ctrs, images);
  json_object *o = json_object_new_object ();
  json_object_object_add (o, "LayersSize", json_object_new_int64 (ls.total));
  json_object_object_add (o, "Images", images);
  json_object_object_add (o, "Containers", ctrs);
  json_object_object_add (o, "Volumes", df_volumes (d));
  json_object_object_add (o, "BuildCache", json_object_new_array ());
  free (ls.v);
  *out = o;
  return 0;
}
