/* Typed queries for volumes, which containers use them, and the mount points
 * of containers. The JSON columns are opaque text here; daemon/ owns them. */
#ifndef CD_STORE_VOLUMES_H
#define CD_STORE_VOLUMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

struct store_volume
{
  char *name;
  char *driver;
  char *labels;         /* JSON object */
  char *options;        /* JSON object: DriverOpts */
  bool anonymous;
  bool populated;       /* copy-up done (or not wanted any more) */
  int64_t created;      /* unix nanoseconds */
};

void store_volume_clear (struct store_volume *v);
/* -EEXIST when the name is taken. */
int store_volume_add (struct cd_store *s, const struct store_volume *v, struct cd_err *err);
/* -ENOENT: "get NAME: no such volume". */
int store_volume_get (struct cd_store *s, const char *name, struct store_volume *out,
                      struct cd_err *err);
int store_volume_delete (struct cd_store *s, const char *name, struct cd_err *err);
int store_volume_set_populated (struct cd_store *s, const char *name, struct cd_err *err);
typedef int (*store_volume_fn) (const struct store_volume *v, void *ctx);
/* Every volume, by name. fn returning < 0 stops. */
int store_volumes_each (struct cd_store *s, store_volume_fn fn, void *ctx, struct cd_err *err);

/* Containers using a volume: count (>= 0) and, when user is not NULL, the
 * first one's ID (user has 65 bytes). */
int store_volume_users (struct cd_store *s, const char *name, char *user);

/* The mount points of a container, with the volumes it references; one
 * transaction. */
int store_ctr_mounts_set (struct cd_store *s, const char *ctr_id, const char *mounts_json,
                          const char *const *volumes, size_t n, struct cd_err *err);
/* *out malloc'd; NULL (and 0) when the container has no row. */
int store_ctr_mounts_get (struct cd_store *s, const char *ctr_id, char **out, struct cd_err *err);
int store_ctr_mounts_delete (struct cd_store *s, const char *ctr_id, struct cd_err *err);
/* Drops mount points and volume references of containers that have no row
 * (a crash between them and the container's row). */
int store_ctr_mounts_gc (struct cd_store *s, struct cd_err *err);

#endif
