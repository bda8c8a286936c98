/* Exec instances (docker exec): created against a running container, kept
 * in memory, started once. Each start spawns `cdmon --exec` (monitor/exec.h)
 * which joins the container and relays the process's stdio straight on the
 * client's hijacked connection; the daemon keeps a control socket to it for
 * the pid, resizes and the exit code. Loop thread only. */
#ifndef CD_DAEMON_EXEC_H
#define CD_DAEMON_EXEC_H

#include <json-c/json.h>
#include <stdbool.h>

#include "daemon/daemon.h"

struct ctr_exec;

/* body: Docker's ExecConfig. 404 no container, 409 not running / paused,
 * 400 "No exec command specified" or bad detach keys. */
int ctr_exec_create (struct cd_daemon *d, const char *ref, json_object *body, char id[65],
                     struct cd_err *err);
/* NULL when unknown ("No such exec instance: ID", 404, in err). */
struct ctr_exec *ctr_exec_find (struct cd_daemon *d, const char *id, struct cd_err *err);

/* Called once the helper has exited and its exit code is on record. */
typedef void (*ctr_exec_done_fn) (void *ctx);

/* Checks that e can start (409 when it ran or its container stopped). */
int ctr_exec_check_start (struct cd_daemon *d, struct ctr_exec *e, struct cd_err *err);
/* Starts the helper; client_fd (-1: detached) is handed to it. done (may be
 * NULL) is called when it has exited, also after a failure here. */
int ctr_exec_start (struct cd_daemon *d, struct ctr_exec *e, int client_fd, bool tty,
                    ctr_exec_done_fn done, void *ctx, struct cd_err *err);
json_object *ctr_exec_inspect (struct cd_daemon *d, struct ctr_exec *e);
/* 400 for sizes out of 1..65535 (0 leaves it alone, as Docker), 409 not running. */
int ctr_exec_resize (struct ctr_exec *e, long h, long w, struct cd_err *err);
void ctr_exec_fini (struct cd_daemon *d);

#endif
