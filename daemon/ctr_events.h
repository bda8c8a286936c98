/* Container events with the attributes Docker gives them: name, image and
 * the container's labels (so label filters match), plus the action's own
 * (exitCode, signal, oldName, ...). Loop thread only. */
#ifndef CD_CTR_EVENTS_H
#define CD_CTR_EVENTS_H

#include <json-c/json.h>

#include "daemon/daemon.h"
#include "store/containers.h"

/* A new attributes object: name, image and the labels of config. */
json_object *ctr_event_attrs (const struct store_container *c);
/* Emits a container event for id; extra (may be NULL) is borrowed and merged. */
void ctr_emit (struct cd_daemon *d, const char *action, const char *id, json_object *extra);
/* The same with one extra string attribute. */
void ctr_emit_kv (struct cd_daemon *d, const char *action, const char *id, const char *key,
                  const char *value);

#endif
