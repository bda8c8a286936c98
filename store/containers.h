/* Typed queries for containers. The JSON columns (config, host_config,
 * state_json) are opaque text here; daemon/ owns their shape. */
#ifndef CD_STORE_CONTAINERS_H
#define CD_STORE_CONTAINERS_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

struct store_container
{
  char id[65];
  char *name;           /* without the leading '/' */
  char *image_id;
  char *image_ref;      /* what the user asked for ("busybox") */
  char *state;          /* created, running, paused, restarting, exited, dead */
  char *config;         /* Docker ContainerConfig JSON */
  char *host_config;    /* Docker HostConfig JSON */
  char *state_json;     /* {"Pid":..,"ExitCode":..,"StartedAt":..,...} */
  int64_t created;      /* unix nanoseconds */
  int restart_count;
  /* An AutoRemove (--rm) container: its row is written and deleted through
   * the connection that does not wait for the disk. A power loss may forget
   * it, which is what start-up reconciliation would do anyway: after a
   * reboot it is exited, and an exited AutoRemove container is removed. */
  bool auto_remove;
};

void store_container_clear (struct store_container *c);
/* -EEXIST when the name is taken: "Conflict. The container name \"/x\" is
 * already in use by container \"<id>\". You have to remove (or rename) that
 * container to be able to reuse that name." */
int store_container_add (struct cd_store *s, const struct store_container *c, struct cd_err *err);
/* Updates state, state_json and restart_count. */
int store_container_set_state (struct cd_store *s, const char *id, const char *state,
                               const char *state_json, int restart_count, struct cd_err *err);
int store_container_rename (struct cd_store *s, const char *id, const char *name,
                            struct cd_err *err);
/* Replaces the HostConfig JSON (POST /containers/{id}/update). */
int store_container_set_host_config (struct cd_store *s, const char *id, const char *host_config,
                                     struct cd_err *err);
int store_container_delete (struct cd_store *s, const char *id, struct cd_err *err);
/* The same for an AutoRemove container (see auto_remove). */
int store_container_drop (struct cd_store *s, const char *id, struct cd_err *err);
/* By full ID, name (with or without '/'), or unique ID prefix: -ENOENT
 * "No such container: x", -EINVAL when a prefix is ambiguous. */
int store_container_find (struct cd_store *s, const char *ref, struct store_container *out,
                          struct cd_err *err);
/* 1 when a container with exactly this ID exists, 0 when not, <0 on error. */
int store_container_exists (struct cd_store *s, const char *id);
typedef int (*store_container_fn) (const struct store_container *c, void *ctx);
/* Newest first. */
int store_containers_each (struct cd_store *s, store_container_fn fn, void *ctx,
                           struct cd_err *err);

#endif
