/* Typed queries for images, tags and layers. */
#ifndef CD_STORE_IMAGES_H
#define CD_STORE_IMAGES_H

#include <stdint.h>

#include "sha256.h"
#include "store/store.h"

struct store_layer
{
  char chain_id[CD_DIGEST_LEN];
  char diff_id[CD_DIGEST_LEN];
  char parent[CD_DIGEST_LEN];   /* "" for a base layer */
  char cache_id[65];
  int64_t size;
};

struct store_image
{
  char id[CD_DIGEST_LEN];
  char *config;                 /* malloc'd config JSON */
  char top_chain[CD_DIGEST_LEN];
  char parent[CD_DIGEST_LEN];
  int64_t size, created, loaded_at;
};

void store_image_clear (struct store_image *img);

/* 0, or -ENOENT when absent. */
int store_layer_get (struct cd_store *s, const char *chain_id, struct store_layer *out,
                     struct cd_err *err);
int store_layer_add (struct cd_store *s, const struct store_layer *l, struct cd_err *err);
int store_layer_delete (struct cd_store *s, const char *chain_id, struct cd_err *err);
/* Layers no image refers to any more (to remove from disk, then delete). */
typedef int (*store_layer_fn) (const struct store_layer *l, void *ctx);
int store_layers_unused (struct cd_store *s, store_layer_fn fn, void *ctx, struct cd_err *err);
int store_layers_all (struct cd_store *s, store_layer_fn fn, void *ctx, struct cd_err *err);
/* The chain of an image, base first. */
int store_image_layers (struct cd_store *s, const char *image_id, store_layer_fn fn, void *ctx,
                        struct cd_err *err);

int store_image_get (struct cd_store *s, const char *id, struct store_image *out,
                     struct cd_err *err);
/* Inserts the image (if new) and its chain (chain_ids base first). */
int store_image_add (struct cd_store *s, const struct store_image *img, char (*chain_ids)[CD_DIGEST_LEN],
                     int n, struct cd_err *err);
int store_image_delete (struct cd_store *s, const char *id, struct cd_err *err);
/* Unique ID for a hex prefix: -ENOENT none, -EINVAL ambiguous. */
int store_image_find_prefix (struct cd_store *s, const char *hex, char out[CD_DIGEST_LEN],
                             struct cd_err *err);
typedef int (*store_image_fn) (const struct store_image *img, void *ctx);
int store_images_each (struct cd_store *s, store_image_fn fn, void *ctx, struct cd_err *err);
/* Containers using the image (any state). */
int store_image_containers (struct cd_store *s, const char *id, int *count, struct cd_err *err);
/* Images whose parent is id. */
int store_image_children (struct cd_store *s, const char *id, int *count, struct cd_err *err);

/* Tags: ref is a full reference ("docker.io/library/busybox:latest"). */
int store_tag_get (struct cd_store *s, const char *ref, char image_id[CD_DIGEST_LEN],
                   struct cd_err *err);
/* Points ref at image_id; *previous gets the image it pointed at before ("" if none). */
int store_tag_set (struct cd_store *s, const char *ref, const char *image_id, const char *kind,
                   char previous[CD_DIGEST_LEN], struct cd_err *err);
int store_tag_delete (struct cd_store *s, const char *ref, struct cd_err *err);
typedef int (*store_tag_fn) (const char *ref, const char *kind, void *ctx);
int store_image_tags (struct cd_store *s, const char *image_id, store_tag_fn fn, void *ctx,
                      struct cd_err *err);

#endif
