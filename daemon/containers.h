/* The container manager. This slice: create, inspect, list, rename and
 * remove (of containers that are not running). Start/stop/wait/logs come
 * with the monitor (monitor/) and runtime (runtime/). */
#ifndef CD_CONTAINERS_H
#define CD_CONTAINERS_H

#include <stdbool.h>
#include <json-c/json.h>

#include "daemon/daemon.h"

/* body: Docker's create JSON; name may be NULL (a random one is made).
 * Thread-safe (runs on the thread pool). */
int ctr_create (struct cd_daemon *d, json_object *body, const char *name, char id_out[65],
                json_object **warnings, struct cd_err *err);
int ctr_inspect_json (struct cd_daemon *d, const char *ref, json_object **out,
                      struct cd_err *err);
int ctr_list_json (struct cd_daemon *d, bool all, int64_t limit, json_object *filters,
                   json_object **out, struct cd_err *err);
int ctr_rename (struct cd_daemon *d, const char *ref, const char *name, struct cd_err *err);
/* Removes the container, its layers and its directory. -EBUSY while running. */
int ctr_remove (struct cd_daemon *d, const char *ref, bool force, char id_out[65],
                struct cd_err *err);
/* The same; volumes 1 also removes its anonymous volumes (rm -v), 0 keeps
 * them, -1 as ctr_remove: only for AutoRemove (--rm) containers. */
int ctr_remove_v (struct cd_daemon *d, const char *ref, bool force, int volumes,
                  char id_out[65], struct cd_err *err);

#endif
