/* Queries of the stats sampler and of /system/df, /metrics. */
#ifndef CD_STORE_STATS_H
#define CD_STORE_STATS_H

#include <stdint.h>

#include "store/store.h"

/* One live container as the sampler needs it (strings valid during the call). */
struct store_live
{
  const char *id, *name, *image_ref, *state;
  int64_t pid;
  const char *network_mode;     /* HostConfig.NetworkMode, "" when unset */
  int restart_count;
};
typedef void (*store_live_fn) (const struct store_live *c, void *ctx);
/* Running, paused and restarting containers; only the one with this full ID
 * when id is not NULL. */
int store_containers_live (struct cd_store *s, const char *id, store_live_fn fn, void *ctx,
                           struct cd_err *err);
/* Number of rows of layers and of volumes. */
int store_count_rows (struct cd_store *s, const char *table, int64_t *out, struct cd_err *err);

#endif
