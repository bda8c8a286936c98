/* The events bus: every event is stored in SQLite (so `events --since` sees
 * history across restarts) and pushed to live subscribers. Loop thread only. */
#ifndef CD_EVENTS_H
#define CD_EVENTS_H

#include <stdint.h>
#include <json-c/json.h>

#include "daemon/daemon.h"

struct ev_sub;
/* Called on the loop thread when a subscriber has new bytes or ended. */
typedef void (*ev_wake_fn) (struct ev_sub *sub, void *ctx);

int ev_bus_new (struct cd_daemon *d, struct ev_bus **out, struct cd_err *err);
void ev_bus_free (struct ev_bus *bus);

/* Emits an event. attrs (may be NULL) is borrowed. Errors are logged, never fatal. */
void ev_emit (struct cd_daemon *d, const char *type, const char *action, const char *actor_id,
              json_object *attrs);

/* The same from any thread: off the loop thread it is queued and emitted
 * by the loop soon after (uv_async). */
void ev_emit_any (struct cd_daemon *d, const char *type, const char *action,
                  const char *actor_id, json_object *attrs);

/* Filters as Docker's `filters` JSON ({"type":{"container":true},...}); NULL: none.
 * since/until in nanoseconds, until < 0: no end. Replays history first. */
int ev_subscribe (struct cd_daemon *d, json_object *filters, int64_t since, int64_t until,
                  ev_wake_fn wake, void *ctx, struct ev_sub **out, struct cd_err *err);
/* Copies up to max pending bytes into buf; returns bytes, 0 when nothing is
 * pending, -1 when the stream is over (until passed, shutdown or overflow). */
ssize_t ev_sub_read (struct ev_sub *sub, char *buf, size_t max);
void ev_unsubscribe (struct ev_sub *sub);
/* Ends every subscription (shutdown). */
void ev_bus_close_all (struct ev_bus *bus);

/* Exposed for unit tests: does an event match Docker-style filters? */
int ev_filter_match (json_object *filters, const char *type, const char *action,
                     const char *actor_id, json_object *attrs);
/* Encodes one event as Docker's JSON message (one line). Caller frees. */
char *ev_encode (int64_t time_nano, const char *type, const char *action, const char *actor_id,
                 json_object *attrs, const char *scope);

#endif
